package evaluate

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imageset"
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
		})
	}
}
