package evaluate

import (
	"context"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/shard"
)

// TestConditioning: a conditional checkpoint on the labelled built-in
// faces gets a conditioning score per attribute (in report.json and the
// HTML report); an unconditional one on the same data gets none.
func TestConditioning(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "faces")
	opt := imageset.Options{Size: 32, Crop: imageset.CropCenter, Background: color.NRGBA{255, 255, 255, 255}, MaxPixels: imageset.DefaultMaxPixels}
	sum, err := imageset.Prepare(context.Background(), imageset.Config{Builtin: 160, Out: data, Options: opt, Seed: 1,
		Holdout: 0.25, ShardSize: 50, Labels: imageset.BuiltinLabeling()})
	if err != nil {
		t.Fatal(err)
	}
	man := sum.Manifest
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 8, 8, 16, 8
	plain := cfg
	cfg.Cond = &gan.CondSpec{Dim: 4}
	for _, a := range man.Labels.Attributes {
		cfg.Cond.Attrs = append(cfg.Cond.Attrs, gan.CondAttr{Name: a.Name, Values: a.Values, Counts: a.Counts, Unknown: a.Unknown})
	}
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
