package trainer

import (
	"bytes"
	"context"
	"image/color"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/safetensors"
)

// labelledDataset writes n built-in faces at 32 px with their labels.
func labelledDataset(t *testing.T, n int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "faces")
	opt := imageset.Options{Size: 32, Crop: imageset.CropCenter, Background: color.NRGBA{255, 255, 255, 255}, MaxPixels: imageset.DefaultMaxPixels}
	if _, err := imageset.Prepare(context.Background(), imageset.Config{Builtin: n, Out: out, Options: opt, Seed: 1,
		ShardSize: 13, Labels: imageset.BuiltinLabeling()}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCondResumeRealModel: a conditional run (toon recipe with standing
// statistics, and every ingredient) resumed equals the uninterrupted one,
// and the checkpoint records the attributes with their vocabularies.
func TestCondResumeRealModel(t *testing.T) {
	data := labelledDataset(t, 24)
	cfgs := recipeConfigs(t)
	fulls := map[string][]safetensors.Tensor{}
	for _, name := range []string{"toon", "every-ingredient", "toon-acgan", "toon-cbn", "toon-mismatch", "toon-balance"} {
		base, variant, _ := strings.Cut(name, "-")
		cfg := cfgs[name]
		condD, condG, mismatch := "", "", 0.0
		var balance []string
		switch variant {
		case "balance":
			cfg, balance = cfgs[base], []string{"glasses"}
		case "acgan":
			cfg, condD = cfgs[base], "acgan"
		case "cbn":
			cfg, condG = cfgs[base], "cbn"
		case "mismatch":
			cfg, mismatch = cfgs[base], 0.5
		}
		t.Run(name, func(t *testing.T) {
			run := func(out string, steps int, resume bool, cond ...string) {
				t.Helper()
				o := Options{Data: data, Out: out, Config: cfg, Quiet: true, Steps: steps, Resume: resume, Cond: cond, CondDim: 4}
				if !resume {
					o.CondD, o.CondG, o.CondMismatch, o.CondBalance = condD, condG, mismatch, balance
				}
				if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
					t.Fatal(err)
				}
			}
			load := func(out string) ([]safetensors.Tensor, checkpoint.Meta) {
				m, meta, err := checkpoint.Load(filepath.Join(out, CkptDir, safetensors.LatestName))
				if err != nil {
					t.Fatal(err)
				}
				return m.State(), meta
			}
			dir := t.TempDir()
			full, part := filepath.Join(dir, "full"), filepath.Join(dir, "part")
			run(full, 4, false, "hair", "glasses")
			run(part, 2, false, "hair", "glasses")
			run(part, 4, true)
			sf, meta := load(full)
			sp, _ := load(part)
			fulls[name] = sf
			if !reflect.DeepEqual(sp, sf) {
				t.Error("resumed weights differ from the uninterrupted run")
			}
			c := meta.Config.Cond
			if c == nil || c.Dim != 4 || c.D != condD || c.G != condG || c.Mismatch != mismatch || !slices.Equal(c.Balance, balance) || len(c.Attrs) != 2 || c.Attrs[0].Name != "hair" || c.Attrs[1].Name != "glasses" ||
				!reflect.DeepEqual(c.Attrs[1].Values, []string{"no", "yes"}) {
				t.Errorf("checkpoint's cond %+v", c)
			}
		})
	}
	// balancing glasses changes the data order, so the weights
	if reflect.DeepEqual(fulls["toon"], fulls["toon-balance"]) {
		t.Error("--cond-balance glasses trained the same weights as no balancing")
	}
}

func TestCondErrors(t *testing.T) {
	labelled := labelledDataset(t, 24)
	plain := dataset(t, 24, 3)
	out := filepath.Join(t.TempDir(), "run")
	if err := Run(context.Background(), Options{Data: labelled, Out: out, Config: tinyConfig(), Quiet: true, Steps: 1, Cond: []string{"hair"}}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"unlabelled", Options{Data: plain, Cond: []string{"all"}}, "has no labels: conditional training (--cond) needs a labelled dataset"},
		{"unknown attribute", Options{Data: labelled, Cond: []string{"hair", "wings"}}, `has no attribute "wings"; its attributes: hair, hair_style, eyes`},
		{"all and more", Options{Data: labelled, Cond: []string{"all", "hair"}}, `"all" stands alone`},
		{"twice", Options{Data: labelled, Cond: []string{"hair", "hair"}}, `"hair" twice`},
		{"resume other cond", Options{Data: labelled, Out: out, Resume: true, Cond: []string{"glasses"}}, "--cond glasses differs from the checkpoint's hair"},
		{"resume on unlabelled", Options{Data: plain, Out: out, Resume: true, Force: true}, "has no labels, and the checkpoint is conditional"},
		{"mismatch without cond", Options{Data: labelled, CondMismatch: 1}, "cond_mismatch 1 without cond"},
		{"mismatch out of range", Options{Data: labelled, Cond: []string{"hair"}, CondMismatch: 11}, "cond_mismatch 11 out of range 0..10"},
		{"mismatch with acgan", Options{Data: labelled, Cond: []string{"hair"}, CondD: "acgan", CondMismatch: 1}, "0 unless D is the projection discriminator"},
		{"resume other mismatch", Options{Data: labelled, Out: out, Resume: true, CondMismatch: 2, Explicit: []string{"cond_mismatch"}}, "cond_mismatch 2 differs from the checkpoint's 0"},
		{"balance without cond", Options{Data: labelled, CondBalance: []string{"hat"}}, "cond_balance hat without cond"},
		{"balance not conditioned", Options{Data: labelled, Cond: []string{"hair"}, CondBalance: []string{"hat"}}, `cond_balance "hat": not one of the conditioned attributes (hair)`},
		{"balance twice", Options{Data: labelled, Cond: []string{"all"}, CondBalance: []string{"hat", "hat"}}, `cond_balance: attribute "hat" twice`},
		{"resume other balance", Options{Data: labelled, Out: out, Resume: true, CondBalance: []string{"hair"}, Explicit: []string{"cond_balance"}}, "cond_balance hair differs from the checkpoint's none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			if o.Out == "" {
				o.Out = filepath.Join(t.TempDir(), "run")
			}
			o.Config, o.Quiet, o.Steps = tinyConfig(), true, 2
			err := Run(context.Background(), o, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// labelSrc is a LabelSource of label bytes only.
type labelSrc [][]byte

func (l labelSrc) Len() int               { return len(l) }
func (l labelSrc) Read(int, []byte) error { return nil }
func (l labelSrc) Attrs() int             { return len(l[0]) }
func (l labelSrc) Labels(i int) []byte    { return l[i] }

// TestBalanceWeights: balancing one attribute gives each of its values
// (unknown too) the same total weight; two multiply; a short label row is
// an error, not a panic.
func TestBalanceWeights(t *testing.T) {
	src := labelSrc{{1, 1}, {1, 2}, {1, 1}, {2, 1}, {0, 2}, {1, 1}}
	w, err := balanceWeights(src, []int{0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	per := map[byte]float64{}
	for i, v := range w {
		per[src[i][0]] += v
	}
	for v, s := range per {
		if math.Abs(s-1) > 1e-12 {
			t.Errorf("value %d: total weight %g, want 1", v, s)
		}
	}
	w2, err := balanceWeights(src, []int{0, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// image 1: attribute 0 value 1 (4 images), attribute 1 value 2 (2 images)
	if want := 1.0 / 8; math.Abs(w2[1]-want) > 1e-15 {
		t.Errorf("two attributes: image 1 weight %g, want %g", w2[1], want)
	}
	// power 0.5: value 1 (4 images) against value 2 (1 image): 4/2 = 2x the share
	w3, err := balanceWeights(src, []int{0}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got := (w3[0] + w3[1] + w3[2] + w3[5]) / w3[3]; math.Abs(got-2) > 1e-12 {
		t.Errorf("power 0.5: value 1 drawn %gx as often as value 2, want 2x", got)
	}
	if _, err := balanceWeights(labelSrc{{1}, {1, 2}}, []int{1}, 1); err == nil || !strings.Contains(err.Error(), "image 0 has 1 label bytes") {
		t.Errorf("short labels: %v", err)
	}
}
