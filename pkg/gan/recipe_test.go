package gan

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// allIngredients turns on every recipe ingredient.
func allIngredients(cfg Config) Config {
	cfg.Recipe = "-all"
	cfg.Loss, cfg.LRD, cfg.LRG = LossHinge, 4e-4, 1e-4
	cfg.Augment, cfg.SpectralNorm, cfg.MBStd, cfg.EMABN, cfg.ColourMatch = "color,translation,cutout", true, true, EMABNStanding, 5
	return cfg
}

func tanhBatch(seed uint64, cfg Config) []float32 {
	b := SampleLatents(seed, cfg.Batch, cfg.Channels*cfg.Size*cfg.Size)
	for i, v := range b {
		b[i] = float32(math.Tanh(float64(v)))
	}
	return b
}

func TestClassicConfigEncoding(t *testing.T) {
	cfg := DefaultConfig(64)
	if err := ApplyRecipe(&cfg, RecipeClassic); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"arch":"dcgan","size":64,"channels":3,"nz":100,"ngf":64,"ndf":64,"kernel":4,"batch":64,"lr":0.0002,"beta1":0.5,"beta2":0.999,"label_smooth":0,"d_steps":1,"ema_decay":0.999,"seed":1}`
	if string(b) != want {
		t.Errorf("classic config encodes as\n%s\nwant (as before recipes existed)\n%s", b, want)
	}
	if err := ApplyRecipe(&cfg, "no-such"); err == nil || !strings.Contains(err.Error(), "classic") {
		t.Errorf("unknown recipe: %v", err)
	}
	if names := RecipeNames(); names[0] != RecipeClassic {
		t.Errorf("RecipeNames = %v, classic first", names)
	}
}

// TestToonSettings pins what toon changes in a classic config, and that
// an explicit setting (a flag) applied after the recipe wins.
func TestToonSettings(t *testing.T) {
	cfg := DefaultConfig(64)
	if err := ApplyRecipe(&cfg, RecipeToon); err != nil {
		t.Fatal(err)
	}
	if cfg.Batch != 16 || cfg.EMABN != EMABNStanding || cfg.EMADecay != 0.98 || cfg.ColourMatch != 30 {
		t.Errorf("toon: batch %d, ema_bn %q, ema_decay %g, colour_match %g; want 16, standing, 0.98, 30", cfg.Batch, cfg.EMABN, cfg.EMADecay, cfg.ColourMatch)
	}
	classic := DefaultConfig(64)
	if err := ApplyRecipe(&classic, RecipeClassic); err != nil {
		t.Fatal(err)
	}
	// Everything else is classic's.
	cfg.Batch, cfg.EMABN, cfg.EMADecay, cfg.ColourMatch, cfg.Recipe = classic.Batch, classic.EMABN, classic.EMADecay, classic.ColourMatch, classic.Recipe
	if cfg != classic {
		t.Errorf("toon changes more than batch, ema_bn, ema_decay and colour_match:\n%+v\nclassic:\n%+v", cfg, classic)
	}
}

func TestRecipeValidate(t *testing.T) {
	base := tiny("dcgan", 32, 4)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"all", func(c *Config) { *c = allIngredients(*c) }, true},
		{"bad loss", func(c *Config) { c.Loss = "wasserstein" }, false},
		{"hinge with smoothing", func(c *Config) { c.Loss, c.LabelSmooth = LossHinge, 0.1 }, false},
		{"bad augment", func(c *Config) { c.Augment = "color,flip" }, false},
		{"augment twice", func(c *Config) { c.Augment = "color,color" }, false},
		{"negative lr_d", func(c *Config) { c.LRD = -1 }, false},
		{"bad ema_bn", func(c *Config) { c.EMABN = "fresh" }, false},
		{"negative colour_match", func(c *Config) { c.ColourMatch = -1 }, false},
		{"NaN colour_match", func(c *Config) { c.ColourMatch = math.NaN() }, false},
		{"huge colour_match", func(c *Config) { c.ColourMatch = MaxColourMatch + 1 }, false},
		{"colour_match on the mlp", func(c *Config) { *c = tiny("mlp", 8, 0); c.ColourMatch = 3 }, true},
		{"mlp with spectral norm", func(c *Config) { *c = tiny("mlp", 8, 0); c.SpectralNorm = true }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestSpectralNormArch(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	cfg.SpectralNorm, cfg.MBStd = true, true
	m := mustNew(t, cfg)
	names := map[string]bool{}
	for _, ts := range m.State() {
		names[ts.Name] = true
		if strings.HasPrefix(ts.Name, "D.") && strings.Contains(ts.Name, "running_") {
			t.Errorf("spectral-norm D has BatchNorm tensor %s", ts.Name)
		}
	}
	for _, n := range []string{"D.main.0.weight_u", "D.main.0.weight_v", "optD.main.0.weight.m"} {
		if !names[n] {
			t.Errorf("state lacks %s", n)
		}
	}
	if names["optD.main.0.weight_u.m"] {
		t.Error("power-iteration vectors are trained")
	}
	// The classic weights are drawn the same with spectral norm on: the
	// power-iteration vectors come from a stream of their own.
	plain := stateMap(mustNew(t, tiny("dcgan", 32, 4)).State())
	for name, v := range stateMap(m.State()) {
		if strings.HasPrefix(name, "G.") && !bitsEqual(v, plain[name]) {
			t.Errorf("%s differs with spectral norm on", name)
		}
	}
	logits, err := m.Discriminate(tanhBatch(3, cfg)[:2*3*32*32], 2)
	if err != nil || len(logits) != 2 {
		t.Fatalf("Discriminate = %v, %v", logits, err)
	}
}

func TestRecipeLearnsSomething(t *testing.T) {
	// Every ingredient on: steps run, losses are finite, and D and G move.
	cfg := allIngredients(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	before := stateMap(m.State())
	for i := range 3 {
		st, err := m.Step(tanhBatch(uint64(i), cfg))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{st.LossD, st.LossG, st.DReal, st.DFake} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("step %d: %+v", i, st)
			}
		}
	}
	after := stateMap(m.State())
	for _, n := range []string{"G.main.0.weight", "D.main.0.weight", "D.main.0.weight_u"} {
		if bitsEqual(before[n], after[n]) {
			t.Errorf("%s did not change", n)
		}
	}
}

func TestStandingStats(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	cfg.EMABN = EMABNStanding
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	for i := range 3 {
		for _, m := range []*Model{a, b} {
			if _, err := m.Step(tanhBatch(uint64(i), cfg)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// G's statistics are copied into EMA by each step; SyncEMA replaces
	// them with the EMA generator's own.
	sa := stateMap(a.State())
	if !bitsEqual(sa["EMA.main.1.running_mean"], sa["G.main.1.running_mean"]) {
		t.Fatal("before SyncEMA the EMA statistics should be G's copy")
	}
	if err := a.SyncEMA(); err != nil {
		t.Fatal(err)
	}
	sa = stateMap(a.State())
	if bitsEqual(sa["EMA.main.1.running_mean"], sa["G.main.1.running_mean"]) {
		t.Error("standing statistics equal G's running ones")
	}
	first := slices.Clone(sa["EMA.main.1.running_var"])
	if err := a.SyncEMA(); err != nil { // not stale: no change
		t.Fatal(err)
	}
	a.emaStale = true // measured again from the same weights: same values
	if err := a.SyncEMA(); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(stateMap(a.State())["EMA.main.1.running_var"], first) {
		t.Error("standing statistics are not a function of the weights")
	}
	// Generate syncs by itself.
	z := SampleLatents(1, 4, cfg.NZ)
	xa, err := a.Generate(z, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	xb, err := b.Generate(z, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(xa, xb) {
		t.Error("Generate without an explicit SyncEMA differs")
	}
}
