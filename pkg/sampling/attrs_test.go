package sampling

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
)

// condModel is testModel made conditional on hair (3 values) and glasses.
func condModel(t testing.TB) (*gan.Model, gan.Config) {
	t.Helper()
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 8, 8, 16, 8
	cfg.Cond = &gan.CondSpec{Dim: 4, Attrs: []gan.CondAttr{
		{Name: "hair", Values: []string{"black", "red", "blue"}, Counts: []int{5, 3, 2}, Unknown: 1},
		{Name: "glasses", Values: []string{"no", "yes"}, Counts: []int{8, 3}},
	}}
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, cfg
}

func TestParseAttrs(t *testing.T) {
	_, cfg := condModel(t)
	_, plain := testModel(t)
	d := byte(gan.LabelDraw)
	for _, tc := range []struct {
		cfg  gan.Config
		spec string
		want []byte
		err  string
	}{
		{cfg, "", []byte{d, d}, ""},
		{cfg, "hair=red", []byte{2, d}, ""},
		{cfg, " glasses=yes , hair=black", []byte{1, 2}, ""},
		{cfg, "hair=green", nil, `hair has no value "green"; its values: black, red, blue`},
		{cfg, "wings=yes", nil, `no attribute "wings"; it knows hair, glasses`},
		{cfg, "hair=red,hair=blue", nil, "hair given twice"},
		{cfg, "hair", nil, "want name=value pairs"},
		{cfg, "hair=", nil, "want name=value pairs"},
		{plain, "hair=red", nil, "the checkpoint's model is unconditional"},
		{cfg, strings.Repeat("x", MaxAttrBytes+1), nil, "at most"},
	} {
		got, err := ParseAttrs(tc.cfg, tc.spec)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: got %v, want an error containing %q", tc.spec, err, tc.err)
		case tc.err == "" && (err != nil || string(got) != string(tc.want)):
			t.Errorf("%q: got %v, %v, want %v", tc.spec, got, err, tc.want)
		}
	}
}

// TestAttrOutputs checks --attr and --attr-grid against the model's own
// GenerateLabels: every cell is the face its latent and labels give.
func TestAttrOutputs(t *testing.T) {
	m, cfg := condModel(t)
	dir := t.TempDir()
	nz := cfg.NZ
	z := Latents(1, 3, nz, 0)
	faces := filepath.Join(dir, "faces")
	res, err := Run(m, cfg, Options{N: 3, Cols: 3, Pad: 2, Seed: 1, Attr: "glasses=yes", AttrGrid: "hair", Out: filepath.Join(dir, "g.png"), Dir: faces, Batch: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 9 || strings.Join(res.Columns, ",") != "black,red,blue" {
		t.Errorf("result %+v", res)
	}
	if w, h := pngSize(t, filepath.Join(dir, "g.png")); w != 3*32+4*2 || h != 3*32+4*2 {
		t.Errorf("grid %dx%d, want 3 rows of 3", w, h)
	}
	for r := range 3 {
		for c := range 3 {
			want, err := m.GenerateLabels(z[r*nz:(r+1)*nz], []byte{byte(c + 1), 2}, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			wi, err := imgutil.TensorImage(want, 0, 3, 32, 32)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(faces, fmt.Sprintf("face-%04d.png", r*3+c)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			gi := image.NewNRGBA(got.Bounds())
			draw.Draw(gi, gi.Bounds(), got, image.Point{}, draw.Src)
			if !bytes.Equal(gi.Pix, wi.Pix) {
				t.Errorf("cell %d,%d differs from GenerateLabels", r, c)
			}
		}
	}
	// --attr: each face with hair=blue, glasses drawn per latent.
	x, err := generateFor(m, cfg, z, 3, Options{Attr: "hair=blue", Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.GenerateLabels(z, []byte{3, gan.LabelDraw, 3, gan.LabelDraw, 3, gan.LabelDraw}, 3, false)
	if maxAbsByte(x, want) != 0 {
		t.Error("--attr differs from GenerateLabels")
	}
	for _, o := range []Options{
		{N: 2, AttrGrid: "wings", Out: filepath.Join(dir, "x.png")},
		{N: 2, AttrGrid: "hair", Attr: "hair=red", Out: filepath.Join(dir, "x.png")},
		{N: MaxN, AttrGrid: "hair", Out: filepath.Join(dir, "x.png")},
	} {
		if _, err := Run(m, cfg, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	pm, pcfg := testModel(t)
	if _, err := Run(pm, pcfg, Options{N: 2, Attr: "hair=red", Out: filepath.Join(dir, "x.png"), BG: color.White}); err == nil ||
		!strings.Contains(err.Error(), "unconditional") {
		t.Errorf("--attr on an unconditional model: %v", err)
	}
}

func maxAbsByte(a, b []float32) float64 {
	if len(a) != len(b) {
		return 1e9
	}
	var d float64
	for i := range a {
		d = max(d, float64(abs32(a[i]-b[i])))
	}
	return d
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// TestAttrInterp: --interp with --attr-to draws a row per keyframe latent
// from the --attr labelling to the --attr-to one, and a GIF there and back.
func TestAttrInterp(t *testing.T) {
	m, cfg := condModel(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "dye.gif")
	o := Options{Interp: 4, Seeds: []uint64{3, 4}, Keys: 4, Attr: "hair=black", AttrTo: "hair=red,glasses=yes", Out: out, Pad: 1, Batch: 3}
	res, err := Run(m, cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 8 {
		t.Errorf("result %+v", res)
	}
	if w, h := pngSize(t, filepath.Join(dir, "dye.png")); w != 4*32+5 || h != 2*32+3 {
		t.Errorf("grid %dx%d, want 2 rows of 4 steps", w, h)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 6 {
		t.Errorf("GIF of %d frames, want 6 (there and back)", len(g.Image))
	}
	z := Latents(4, 1, cfg.NZ, 0)
	from, _ := ParseAttrs(cfg, o.Attr)
	to, _ := ParseAttrs(cfg, o.AttrTo)
	x, err := m.GenerateMix(slices.Concat(z, z), slices.Concat(from, from), slices.Concat(to, to), []float32{0, 1}, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.GenerateLabels(z, from, 1, false)
	b, _ := m.GenerateLabels(z, to, 1, false)
	if maxAbsByte(x[:len(a)], a) > 1e-6 || maxAbsByte(x[len(a):], b) > 1e-6 {
		t.Error("the path's ends are not the two labellings' images")
	}
	if _, err := Run(m, cfg, Options{Interp: 4, Keys: 2, AttrTo: "hair=pink", Out: out}); err == nil || !strings.Contains(err.Error(), `--attr-to: --attr hair=pink`) {
		t.Errorf("unknown value: %v", err)
	}
}
