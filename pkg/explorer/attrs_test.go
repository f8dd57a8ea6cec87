package explorer

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/sampling"
)

// openCond serves one tiny conditional checkpoint: hair (3 values) and
// glasses (2), as pkg/sampling's condModel.
func openCond(t testing.TB) *Server {
	t.Helper()
	cfg := condConfig(3)
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 100, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, Step: 100}); err != nil {
		t.Fatal(err)
	}
	m.Close()
	paths, err := RunCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(paths, Options{DirectionSamples: 256})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestInfoAttributes(t *testing.T) {
	var in Info
	rec := get(t, openCond(t).Handler(), "/api/info")
	if err := json.Unmarshal(rec.Body.Bytes(), &in); err != nil {
		t.Fatal(err)
	}
	want := []AttrInfo{{"hair", []string{"black", "red", "blue"}}, {"glasses", []string{"no", "yes"}}}
	if !slices.EqualFunc(in.Attributes, want, func(a, b AttrInfo) bool { return a.Name == b.Name && slices.Equal(a.Values, b.Values) }) {
		t.Errorf("attributes %+v, want %+v", in.Attributes, want)
	}
	if rec := get(t, openRun(t, 1, Options{}).Handler(), "/api/info"); strings.Contains(rec.Body.String(), "attributes") {
		t.Errorf("unconditional info lists attributes: %s", rec.Body)
	}
}

// TestAttrParam checks the attr parameter on every image endpoint that
// takes it: valid specs draw, bad ones are 400 naming the valid choices.
func TestAttrParam(t *testing.T) {
	s := openCond(t)
	plain := openRun(t, 1, Options{}) // same nz: the latents serve both
	za, zb := seedZ(s, 1), seedZ(s, 2)
	urls := []string{
		"/api/face.png?z=" + za,
		"/api/sheet.png?z=" + za + "," + zb,
		"/api/grid.png?n=2",
		"/api/interp.png?a=" + za + "&b=" + zb + "&steps=3",
		"/api/interp.gif?a=" + za + "&b=" + zb + "&steps=2",
	}
	for _, tc := range []struct {
		s    *Server
		attr string
		code int
		want string
	}{
		{s, "hair=red", http.StatusOK, ""},
		{s, " glasses=yes , hair=blue", http.StatusOK, ""},
		{s, "", http.StatusOK, ""},
		{s, "wings=yes", http.StatusBadRequest, `attr: the model knows no attribute "wings"; it knows hair, glasses`},
		{s, "hair=green", http.StatusBadRequest, `hair has no value "green"; its values: black, red, blue`},
		{s, "hair=red,hair=blue", http.StatusBadRequest, "hair given twice"},
		{s, "hair", http.StatusBadRequest, "want name=value pairs"},
		{s, strings.Repeat("x", 5000), http.StatusBadRequest, "at most 4096"},
		{plain, "hair=red", http.StatusBadRequest, "unconditional"},
		{plain, "", http.StatusOK, ""},
	} {
		for _, u := range urls {
			rec := get(t, tc.s.Handler(), u+"&attr="+url.QueryEscape(tc.attr))
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%s attr=%q: %d %q, want %d with %q", u[:20], tc.attr, rec.Code, rec.Body.String()[:min(200, rec.Body.Len())], tc.code, tc.want)
			}
		}
	}
}

// TestAttrChangesFace: one latent drawn with two different values of an
// attribute gives two different faces; an empty attr is the face without
// it, and naming every attribute as the latent's own draw is that face too.
func TestAttrChangesFace(t *testing.T) {
	s := openCond(t)
	h := s.Handler()
	z := seedZ(s, 5)
	face := func(attr string) []byte {
		t.Helper()
		rec := get(t, h, "/api/face.png?z="+z+"&attr="+url.QueryEscape(attr))
		if rec.Code != http.StatusOK {
			t.Fatalf("attr=%q: %d %s", attr, rec.Code, rec.Body)
		}
		decodePNG(t, rec.Body.Bytes())
		return rec.Body.Bytes()
	}
	red, blue := face("hair=red"), face("hair=blue")
	if bytes.Equal(red, blue) {
		t.Error("hair=red and hair=blue drew the same face")
	}
	if !bytes.Equal(face(""), get(t, h, "/api/face.png?z="+z).Body.Bytes()) {
		t.Error("an empty attr changed the face")
	}
	if !bytes.Equal(face("hair=red"), red) {
		t.Error("the same attr drew another face")
	}
	n := 0
	for _, hair := range []string{"black", "red", "blue"} {
		for _, gl := range []string{"no", "yes"} {
			if bytes.Equal(face("hair="+hair+",glasses="+gl), face("")) {
				n++
			}
		}
	}
	if n > 1 {
		t.Errorf("%d labellings draw the unlabelled face, want at most 1 (its drawn labels)", n)
	}
}

// TestMixedAttrsRefused: checkpoints conditional on different attributes
// (here one unconditional) are not served together.
func TestMixedAttrsRefused(t *testing.T) {
	dir := writeRun(t, 1)
	cfg := tinyConfig(9)
	cfg.Cond = &gan.CondSpec{Dim: 4, Attrs: []gan.CondAttr{{Name: "hair", Values: []string{"black", "red"}, Counts: []int{1, 1}}}}
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 900, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, Step: 900}); err != nil {
		t.Fatal(err)
	}
	paths, err := RunCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Open(paths, Options{DirectionSamples: 256}); err == nil || !strings.Contains(err.Error(), "conditional on other attributes") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of mixed checkpoints: %v, want an error about attributes", err)
	}
}

// TestCondSliders: a conditional checkpoint has direction sliders; moving
// one changes the face, with the attributes chosen or drawn, and the
// attributes still change a moved face.
func TestCondSliders(t *testing.T) {
	s := openCond(t)
	h := s.Handler()
	var in Info
	if err := json.Unmarshal(get(t, h, "/api/info").Body.Bytes(), &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Directions) != MaxDirections || len(s.Directions()) != MaxDirections {
		t.Fatalf("%d directions in info, %d served, want %d", len(in.Directions), len(s.Directions()), MaxDirections)
	}
	z := seedZ(s, 7)
	face := func(q string) []byte {
		t.Helper()
		rec := get(t, h, "/api/face.png?z="+z+q)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body)
		}
		decodePNG(t, rec.Body.Bytes())
		return rec.Body.Bytes()
	}
	for _, attr := range []string{"", "&attr=" + url.QueryEscape("hair=red,glasses=no")} {
		still := face(attr)
		for _, dirs := range []string{"&dirs=3", "&dirs=0,-3", "&dirs=0,0,0,0,0,0,0,0,0,2.5"} {
			if bytes.Equal(face(dirs+attr), still) {
				t.Errorf("%s%s: the slider does not change the face", dirs, attr)
			}
		}
		if !bytes.Equal(face("&dirs=0,0"+attr), still) {
			t.Errorf("sliders at 0 changed the face%s", attr)
		}
	}
	moved := "&dirs=2,0,-1.5"
	if bytes.Equal(face(moved+"&attr=hair%3Dred"), face(moved+"&attr=hair%3Dblue")) {
		t.Error("a moved face does not follow the hair attribute")
	}
}

// TestAttrLatentRoundTrip: the downloaded latent of a slider-moved face,
// drawn by `sample --latents --attr` with the page's choices, gives the
// PNG the explorer showed.
func TestAttrLatentRoundTrip(t *testing.T) {
	s := openCond(t)
	h := s.Handler()
	q := "z=" + seedZ(s, 42) + "&dirs=1.5,0,-2"
	attr := "glasses=yes,hair=blue"
	dir := t.TempDir()
	lpath := filepath.Join(dir, "z.json")
	lrec := get(t, h, "/api/latent.json?"+q)
	if lrec.Code != http.StatusOK {
		t.Fatalf("latent.json: %d %s", lrec.Code, lrec.Body)
	}
	if err := os.WriteFile(lpath, lrec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	face := get(t, h, "/api/face.png?"+q+"&attr="+url.QueryEscape(attr))
	m, meta, err := checkpoint.Load(s.refs[0].path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := filepath.Join(dir, "faces")
	if _, err := sampling.Run(m, meta.Config, sampling.Options{Latents: lpath, Attr: attr, Dir: out, Cols: 1, Batch: 64}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "face-0000.png"))
	if err != nil {
		t.Fatal(err)
	}
	if face.Code != http.StatusOK || !bytes.Equal(b, face.Body.Bytes()) {
		t.Errorf("sample --latents --attr %s draws another image than the explorer showed (%d)", attr, face.Code)
	}
}
