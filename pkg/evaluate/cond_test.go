package evaluate

import (
	"context"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/shard"
)

// TestConditioning: a conditional checkpoint on the labelled built-in
// faces gets a conditioning score per attribute (in report.json and the
// HTML report); an unconditional one on the same data gets none.
func TestConditioning(t *testing.T) {
	dir := t.TempDir()
	data, man := labelledFaces(t, dir, 160, 0.25)
	cfg := tinyCond(man.Labels.Attributes)
	plain := cfg
	plain.Cond = nil
	for _, tc := range []struct {
		name string
		cfg  gan.Config
	}{{"conditional", cfg}, {"unconditional", plain}} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := gan.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ck, err := checkpoint.Save(filepath.Join(dir, tc.name, "ckpt"), 1, 0, m,
				checkpoint.Meta{Config: tc.cfg, ImageSize: 32, Channels: 3, DatasetHash: man.ContentHash})
			if err != nil {
				t.Fatal(err)
			}
			o := testOptions(filepath.Join(dir, tc.name, "eval"))
			o.Data, o.Ckpts = data, []string{ck}
			res, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(res.JSONPath)
			html, _ := os.ReadFile(res.HTMLPath)
			c := res.Report.Conditioning
			if tc.cfg.Cond == nil {
				if c != nil || strings.Contains(string(raw), `"conditioning"`) {
					t.Errorf("unconditional checkpoint scored: %+v", c)
				}
				return
			}
			if len(c) != len(man.Labels.Attributes) || !strings.Contains(string(raw), `"conditioning"`) || !strings.Contains(string(html), "<h2>Conditioning</h2>") {
				t.Fatalf("conditioning %+v", c)
			}
			for i, s := range c {
				a := man.Labels.Attributes[i]
				if s.Attribute != a.Name || s.Generated != condPerValue*len(a.Values) || len(s.PerValue) != len(a.Values) ||
					s.Reals == 0 || s.Ceiling < 0 || s.Ceiling > 1 || s.Accuracy < 0 || s.Accuracy > 1 || s.Chance != 1/float64(len(a.Values)) {
					t.Errorf("%s: %+v", a.Name, s)
				}
			}
			checkCondSWDAndGrids(t, man, c, filepath.Dir(res.JSONPath), string(html))
		})
	}
}

// checkCondSWDAndGrids checks the SWD per value against the held-out
// labels counted here (every held-out real is used: fewer than the cap),
// and that each attribute's grid is written and shown.
func checkCondSWDAndGrids(t *testing.T, man *shard.Manifest, c []report.CondScore, out, html string) {
	t.Helper()
	set, err := man.OpenSplit(man.Holdout)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	scored := 0
	for a, s := range c {
		count := make([]int, len(s.PerValue))
		for i := range set.Len() {
			if v := set.Labels(i)[a]; v > 0 {
				count[v-1]++
			}
		}
		n, sum := 0, 0.0
		for v, pv := range s.PerValue {
			want := min(count[v], condSWDReals)
			if want < condSWDMin {
				want = 0
			}
			if pv.Reals != want || (want > 0) != (pv.SWD > 0) {
				t.Errorf("%s=%s: SWD %.1f on %d reals, %d held-out reals have it", s.Attribute, pv.Value, pv.SWD, pv.Reals, count[v])
			}
			if want > 0 {
				n++
				sum += pv.SWD
			}
		}
		if s.SWDValues != n || (n > 0 && math.Abs(s.SWD-sum/float64(n)) > 1e-9) {
			t.Errorf("%s: mean SWD %.3f over %d values, want %.3f over %d", s.Attribute, s.SWD, s.SWDValues, sum/float64(max(n, 1)), n)
		}
		scored += n
		f, err := os.Open(filepath.Join(out, s.Grid))
		if err != nil {
			t.Fatalf("%s: grid: %v", s.Attribute, err)
		}
		g, err := png.DecodeConfig(f)
		f.Close()
		// Cells enlarged 3x (32 px), 2 px between them and around.
		cols := len(s.PerValue)
		if err != nil || g.Width != cols*96+(cols+1)*2 || g.Height != condGridRows*96+(condGridRows+1)*2 {
			t.Errorf("%s: grid %s: %+v, %v", s.Attribute, s.Grid, g, err)
		}
		if s.Grid != "cond-"+s.Attribute+".png" || !strings.Contains(html, "("+s.Grid+")") {
			t.Errorf("%s: grid %q missing from the HTML", s.Attribute, s.Grid)
		}
	}
	if scored == 0 {
		t.Errorf("no value scored by SWD")
	}
}

// TestClassifierCache: eval caches its attribute classifier beside the
// dataset folder (which keeps only prep's files), loads it on the next run
// with the same scores, and retrains over a stale or damaged cache.
func TestClassifierCache(t *testing.T) {
	dir := t.TempDir()
	data, man := labelledFaces(t, dir, 120, 0.25)
	before, _ := os.ReadDir(data)
	cfg := tinyCond(man.Labels.Attributes[7:9]) // hat, glasses
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 1, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, DatasetHash: man.ContentHash})
	if err != nil {
		t.Fatal(err)
	}
	cache := data + ".attrclass.safetensors"
	eval := func(name string) *report.Report {
		o := testOptions(filepath.Join(dir, name))
		o.Data, o.Ckpts = data, []string{ck}
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Report
	}
	first := eval("e1")
	if first.CondClassifier != "trained, cached in "+cache {
		t.Fatalf("first run: %q", first.CondClassifier)
	}
	if after, _ := os.ReadDir(data); len(after) != len(before) {
		t.Errorf("the dataset folder holds %d files after eval, %d before", len(after), len(before))
	}
	second := eval("e2")
	if second.CondClassifier != "loaded from "+cache || !reflect.DeepEqual(first.Conditioning, second.Conditioning) {
		t.Errorf("second run: %q, scores equal: %v", second.CondClassifier, reflect.DeepEqual(first.Conditioning, second.Conditioning))
	}
	// Stale: written for other data; retrained quietly and rewritten.
	f, err := safetensors.Load(cache)
	if err != nil {
		t.Fatal(err)
	}
	f.Meta["dataset"] = "sha256:other"
	if err := safetensors.Save(cache, f.Tensors, f.Meta); err != nil {
		t.Fatal(err)
	}
	stale := eval("e3")
	if stale.CondClassifier != "trained, cached in "+cache || len(stale.Warnings) != len(first.Warnings) || !reflect.DeepEqual(first.Conditioning, stale.Conditioning) {
		t.Errorf("stale cache: %q, warnings %q", stale.CondClassifier, stale.Warnings)
	}
	// Damaged: a warning naming the file, retrained and rewritten.
	if err := os.WriteFile(cache, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := eval("e4")
	if bad.CondClassifier != "trained, cached in "+cache || !strings.Contains(strings.Join(bad.Warnings, "\n"), cache) {
		t.Errorf("damaged cache: %q, warnings %q", bad.CondClassifier, bad.Warnings)
	}
	if again := eval("e5"); again.CondClassifier != "loaded from "+cache {
		t.Errorf("after the rewrite: %q", again.CondClassifier)
	}
}

// labelledFaces preps n labelled built-in faces at 32 px into dir/faces
// (holdout as given, shards of 50) and returns the folder and its manifest.
func labelledFaces(t *testing.T, dir string, n int, holdout float64) (string, *shard.Manifest) {
	t.Helper()
	data := filepath.Join(dir, "faces")
	opt := imageset.Options{Size: 32, Crop: imageset.CropCenter, Background: color.NRGBA{255, 255, 255, 255}, MaxPixels: imageset.DefaultMaxPixels}
	sum, err := imageset.Prepare(context.Background(), imageset.Config{Builtin: n, Out: data, Options: opt, Seed: 1,
		Holdout: holdout, ShardSize: 50, Labels: imageset.BuiltinLabeling()})
	if err != nil {
		t.Fatal(err)
	}
	return data, sum.Manifest
}

// tinyCond is a 32 px conditional configuration small enough for tests,
// conditioned on attrs.
func tinyCond(attrs []shard.Attribute) gan.Config {
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 8, 8, 16, 8
	cfg.Cond = &gan.CondSpec{Dim: 4}
	for _, a := range attrs {
		cfg.Cond.Attrs = append(cfg.Cond.Attrs, gan.CondAttr{Name: a.Name, Values: a.Values, Counts: a.Counts, Unknown: a.Unknown})
	}
	return cfg
}

// TestCeilingScores: the ceiling counts each value once, as the
// conditioning accuracy does, so a skewed attribute's ceiling is not its
// common value's accuracy; the pooled one is; unknown labels count for
// neither, and a value without reals is left out of the mean.
func TestCeilingScores(t *testing.T) {
	attrs := []gan.CondAttr{
		{Name: "hat", Values: []string{"none", "cap", "beanie"}, Counts: []int{8, 1, 1}},
		{Name: "glasses", Values: []string{"no", "yes", "monocle"}, Counts: []int{1, 1, 0}},
	}
	// hat: eight "none" all right, one cap right, one beanie called a cap;
	// glasses: five "no" (four right), four "yes" (one right), one unknown
	hatL, hatP := []byte{1, 1, 1, 1, 1, 1, 1, 1, 2, 3}, []byte{1, 1, 1, 1, 1, 1, 1, 1, 2, 2}
	glL, glP := []byte{1, 1, 1, 1, 1, 2, 2, 2, 2, 0}, []byte{1, 1, 1, 1, 2, 2, 1, 1, 1, 2}
	var labels, preds []byte
	for i := range hatL {
		labels = append(labels, hatL[i], glL[i])
		preds = append(preds, hatP[i], glP[i])
	}
	s := ceilingScores(attrs, labels, preds)
	for _, tc := range []struct {
		got, want float64
		what      string
	}{
		{s[0].Ceiling, (1 + 1 + 0) / 3.0, "hat ceiling (per value)"},
		{s[0].CeilingPooled, 9 / 10.0, "hat pooled ceiling"},
		{s[0].PerValue[2].Ceiling, 0, "beanie ceiling"},
		{s[1].Ceiling, (4/5.0 + 1/4.0) / 2, "glasses ceiling (no reals of monocle)"},
		{s[1].CeilingPooled, 5 / 9.0, "glasses pooled ceiling"},
		{float64(s[1].Reals), 9, "glasses reals (unknown left out)"},
		{float64(s[1].PerValue[2].CeilingReals), 0, "monocle reals"},
		{s[1].Chance, 1 / 3.0, "glasses chance"},
	} {
		if math.Abs(tc.got-tc.want) > 1e-12 {
			t.Errorf("%s = %g, want %g", tc.what, tc.got, tc.want)
		}
	}
}
