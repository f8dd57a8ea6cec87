package gan

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/safetensors"
)

// condTiny is tiny with two attributes: colour (2 values, some unknown)
// and glasses (yes/no).
func condTiny(cfg Config) Config {
	cfg.Cond = &CondSpec{Dim: 3, Attrs: []CondAttr{
		{Name: "colour", Values: []string{"a", "b"}, Counts: []int{40, 50}, Unknown: 10},
		{Name: "glasses", Values: []string{"no", "yes"}, Counts: []int{70, 30}},
	}}
	return cfg
}

// condCBN is condTiny with conditional BatchNorm in G.
func condCBN(cfg Config) Config {
	cfg = condTiny(cfg)
	cfg.Cond.G = CondCBN
	return cfg
}

// condLabels returns labels for n images: colour cycles unknown, a, b;
// glasses alternates.
func condLabels(n int) []byte {
	l := make([]byte, 2*n)
	for j := 0; j < n; j++ {
		l[2*j], l[2*j+1] = byte(j%3), byte(1+j%2)
	}
	return l
}

func TestCondShapesAndEncoding(t *testing.T) {
	cfg := condTiny(tiny("dcgan", 32, 4))
	shapes, err := StateShapes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"G.main.0.weight":   {cfg.NZ + 2*3, 4 * cfg.NGF, 4, 4},
		"G.cond.embed":      {3 + 3, 3},
		"EMA.cond.embed":    {3 + 3, 3},
		"D.cond.embed":      {2 + 2, 4 * cfg.NDF},
		"optD.cond.embed.m": {2 + 2, 4 * cfg.NDF},
	}
	checkShapes(t, shapes, want)
	if b, _ := json.Marshal(cfg); strings.Contains(string(b), `"g"`) {
		t.Errorf("a concat config encodes a g field: %s", b)
	}
	b, err := json.Marshal(tiny("dcgan", 32, 4))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "cond") {
		t.Errorf("an unconditional config encodes a cond field: %s", b)
	}
	b, _ = json.Marshal(cfg)
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || back.Cond == nil || back.Cond.Attrs[1].Values[1] != "yes" {
		t.Errorf("conditional config does not round-trip: %s (%v)", b, err)
	}
}

func TestCondValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"mlp", func(c *Config) { c.Arch, c.Size = "mlp", 8 }, "arch dcgan"},
		{"no attributes", func(c *Config) { c.Cond.Attrs = nil }, "1..64 attributes"},
		{"dim 0", func(c *Config) { c.Cond.Dim = 0 }, "cond.dim"},
		{"d", func(c *Config) { c.Cond.D = "wgan" }, "projection or acgan"},
		{"g", func(c *Config) { c.Cond.G = "film" }, "concat or cbn"},
		{"twice", func(c *Config) { c.Cond.Attrs[1].Name = "colour" }, "twice"},
		{"no values", func(c *Config) { c.Cond.Attrs[0].Values, c.Cond.Attrs[0].Counts = nil, nil }, "values"},
		{"counts", func(c *Config) { c.Cond.Attrs[0].Counts = []int{1} }, "values"},
		{"duplicate value", func(c *Config) { c.Cond.Attrs[0].Values[1] = "a" }, "distinct"},
		{"comma", func(c *Config) { c.Cond.Attrs[0].Name = "a,b" }, "name"},
		{"negative", func(c *Config) { c.Cond.Attrs[0].Counts[0] = -1 }, "counts"},
		{"empty", func(c *Config) { c.Cond.Attrs[1].Counts = []int{0, 0} }, "at least one"},
		{"mismatch negative", func(c *Config) { c.Cond.Mismatch = -0.5 }, "cond.mismatch"},
		{"mismatch over 10", func(c *Config) { c.Cond.Mismatch = 10.5 }, "0..10"},
		{"mismatch NaN", func(c *Config) { c.Cond.Mismatch = math.NaN() }, "0..10"},
		{"mismatch acgan", func(c *Config) { c.Cond.Mismatch, c.Cond.D = 1, CondACGAN }, "projection discriminator"},
		{"mismatch batch 1", func(c *Config) { c.Cond.Mismatch, c.Batch = 1, 1 }, "2 images or more"},
		{"balance unknown", func(c *Config) { c.Cond.Balance = []string{"wings"} }, `cond.balance "wings"`},
		{"balance power", func(c *Config) { c.Cond.BalancePower = 1.5 }, "cond.balance_power"},
		{"balance twice", func(c *Config) { c.Cond.Balance = []string{c.Cond.Attrs[0].Name, c.Cond.Attrs[0].Name} }, "each once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := condTiny(tiny("dcgan", 32, 4))
			tc.edit(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestCondResume: a conditional run resumed from a snapshot continues
// bit for bit, with every recipe ingredient (standing statistics included).
func TestCondResume(t *testing.T) {
	acgan := condTiny(allIngredients(tiny("dcgan", 32, 4)))
	acgan.Cond.D, acgan.Recipe = CondACGAN, "acgan"
	cbn := condCBN(allIngredients(tiny("dcgan", 32, 4)))
	cbn.Recipe = "cbn"
	mis := condMismatch(tiny("dcgan", 32, 4), 1)
	mis.Recipe = "mismatch"
	misAll := condMismatch(allIngredients(tiny("dcgan", 32, 4)), 0.5)
	misAll.Recipe = "-all-mismatch"
	for _, cfg := range []Config{condTiny(tiny("dcgan", 32, 4)), condTiny(allIngredients(tiny("dcgan", 32, 4))), acgan, cbn, mis, misAll} {
		t.Run(cmp.Or(cfg.Recipe, "classic"), func(t *testing.T) {
			labels := condLabels(cfg.Batch)
			step := func(m *Model, from, to int) {
				t.Helper()
				for i := from; i < to; i++ {
					if _, err := m.StepLabels(tanhBatch(uint64(100+i), cfg), labels); err != nil {
						t.Fatal(err)
					}
				}
			}
			a := mustNew(t, cfg)
			step(a, 0, 4)
			b1 := mustNew(t, cfg)
			step(b1, 0, 2)
			if err := b1.SyncEMA(); err != nil {
				t.Fatal(err)
			}
			rng, _ := b1.RNGState()
			c2 := cfg
			c2.Seed = 99
			b2 := mustNew(t, c2)
			if err := b2.SetState(b1.State()); err != nil {
				t.Fatal(err)
			}
			if err := b2.SetRNGState(rng); err != nil {
				t.Fatal(err)
			}
			step(b2, 2, 4)
			sa, sb := a.State(), b2.State()
			for i := range sa {
				if !bitsEqual(sa[i].Data, sb[i].Data) {
					t.Errorf("tensor %s differs after resume", sa[i].Name)
				}
			}
			names := []string{"G.cond.embed"}
			if cfg.condBN() {
				names = append(names, "G.cond.bn.1.weight", "G.cond.bn.4.bias", "EMA.cond.bn.1.weight", "EMA.cond.bn.4.bias")
			}
			fresh := stateMap(mustNew(t, cfg).State())
			for _, name := range names {
				if bitsEqual(stateMap(sa)[name], fresh[name]) {
					t.Errorf("training did not change %s", name)
				}
			}
		})
	}
}

func TestCondStepAndGenerate(t *testing.T) {
	cfg := condTiny(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	real := tanhBatch(1, cfg)
	if _, err := m.Step(real); err == nil || !strings.Contains(err.Error(), "StepLabels") {
		t.Errorf("Step without labels: %v", err)
	}
	bad := condLabels(cfg.Batch)
	bad[1] = 3
	if _, err := m.StepLabels(real, bad); err == nil || !strings.Contains(err.Error(), "glasses label 3") {
		t.Errorf("bad label: %v", err)
	}
	if _, err := m.StepLabels(real, condLabels(cfg.Batch)); err != nil {
		t.Fatal(err)
	}
	const n = 5
	z := SampleLatents(3, n, cfg.NZ)
	a, err := m.GenerateLabels(z, condLabels(n), n, false)
	if err != nil {
		t.Fatal(err)
	}
	// One latent alone gives the image it gives in a batch.
	per := m.imageLen()
	one, err := m.GenerateLabels(z[cfg.NZ:2*cfg.NZ], condLabels(n)[2:4], 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(one, a[per:2*per]); d > 1e-5 {
		t.Errorf("image 1 alone differs from its batch's by %g", d)
	}
	// Other labels, other images; drawn labels: the same for the same latent.
	other := condLabels(n)
	for j := range n {
		other[2*j] = byte(1 + (int(other[2*j])+1)%2)
	}
	b, _ := m.GenerateLabels(z, other, n, false)
	if maxDiff(a, b) < 1e-6 {
		t.Error("labels change nothing")
	}
	d1, _ := m.Generate(z, n, false)
	d2, _ := m.Generate(z[cfg.NZ:2*cfg.NZ], 1, false)
	if maxDiff(d1[per:2*per], d2) > 1e-5 {
		t.Error("Generate draws different labels for the same latent")
	}
	if _, err := m.GenerateLabels(z, make([]byte, 3), n, false); err == nil {
		t.Error("accepted too few labels")
	}
	if _, err := m.Discriminate(a, n); err != nil {
		t.Errorf("Discriminate: %v", err)
	}
	ac := cfg
	ac.Cond = &CondSpec{Dim: cfg.Cond.Dim, Attrs: cfg.Cond.Attrs, D: CondACGAN}
	if _, err := mustNew(t, ac).Discriminate(a, n); err != nil {
		t.Errorf("Discriminate with an auxiliary classifier: %v", err)
	}
	if _, err := m.GeneratorLayers(false); err == nil {
		t.Error("GeneratorLayers exported a conditional generator")
	}
}

// TestCondLearns trains a tiny conditional GAN on two flat colours, the
// label telling which: asked for a colour, the generator must draw it
// (nearer to it than to the other) for at least 90% of 64 latents; the
// untrained generator does not.
func TestCondLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("training run")
	}
	for _, tc := range []struct{ d, g string }{{CondProjection, ""}, {CondACGAN, ""}, {CondProjection, CondCBN}} {
		t.Run(tc.d+"/"+cmp.Or(tc.g, CondConcat), func(t *testing.T) { condLearns(t, tc.d, tc.g) })
	}
}

func condLearns(t *testing.T, d, g string) {
	colours := [2][3]float32{{0.8, -0.6, -0.6}, {-0.6, -0.2, 0.8}}
	cfg := Config{Arch: "dcgan", Size: 32, Channels: 3, NZ: 16, NGF: 8, NDF: 8, Kernel: 4, Batch: 16, LR: 1e-3,
		Beta1: 0.5, Beta2: 0.999, DSteps: 1, EMADecay: 0.9, Seed: 3,
		Cond: &CondSpec{Dim: 4, D: d, G: g, Attrs: []CondAttr{{Name: "colour", Values: []string{"red", "blue"}, Counts: []int{1, 1}}}}}
	const n = 64
	z := SampleLatents(9, n, cfg.NZ)
	accuracy := func(m *Model) float64 {
		hits := 0
		for want := range 2 {
			labels := make([]byte, n)
			for i := range labels {
				labels[i] = byte(want + 1)
			}
			img, err := m.GenerateLabels(z, labels, n, false)
			if err != nil {
				t.Fatal(err)
			}
			per := 3 * cfg.Size * cfg.Size
			for j := range n {
				one := img[j*per : (j+1)*per]
				dw := toyDistance(one, 1, cfg.Size, [2][3]float32{colours[want], colours[want]})
				do := toyDistance(one, 1, cfg.Size, [2][3]float32{colours[1-want], colours[1-want]})
				if dw < do {
					hits++
				}
			}
		}
		return float64(hits) / (2 * n)
	}
	m := mustNew(t, cfg)
	before := accuracy(m)
	for s := 0; s < 300; s++ {
		real := toy(uint64(s), cfg.Batch, cfg.Size, colours)
		labels := make([]byte, cfg.Batch)
		per := 3 * cfg.Size * cfg.Size
		for j := range labels {
			labels[j] = 1
			if real[j*per] != colours[0][0] {
				labels[j] = 2
			}
		}
		if _, err := m.StepLabels(real, labels); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
	}
	after := accuracy(m)
	t.Logf("conditioning accuracy: untrained %.2f, after 300 steps %.2f", before, after)
	if after < 0.9 {
		t.Errorf("conditioning accuracy %.2f after training (untrained %.2f), want at least 0.9", after, before)
	}
}

// TestGenerateMix: the path between two labellings starts and ends at the
// images GenerateLabels draws for them, and passes elsewhere.
func TestGenerateMix(t *testing.T) {
	cfg := condTiny(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	if _, err := m.StepLabels(tanhBatch(1, cfg), condLabels(cfg.Batch)); err != nil {
		t.Fatal(err)
	}
	const n = 3
	z := SampleLatents(5, 1, cfg.NZ)
	zz := slices.Concat(z, z, z)
	from := []byte{1, LabelDraw, 1, LabelDraw, 1, LabelDraw}
	to := []byte{2, LabelDraw, 2, LabelDraw, 2, LabelDraw}
	x, err := m.GenerateMix(zz, from, to, []float32{0, 0.5, 1}, n, false)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.GenerateLabels(z, from[:2], 1, false)
	b, _ := m.GenerateLabels(z, to[:2], 1, false)
	per := m.imageLen()
	if d := maxDiff(x[:per], a); d > 1e-6 {
		t.Errorf("t=0 differs from the first labels' image by %g", d)
	}
	if d := maxDiff(x[2*per:], b); d > 1e-6 {
		t.Errorf("t=1 differs from the second labels' image by %g", d)
	}
	if maxDiff(x[per:2*per], a) < 1e-6 || maxDiff(x[per:2*per], b) < 1e-6 {
		t.Error("t=0.5 is one of the ends")
	}
	if _, err := m.GenerateMix(zz, from, to[:2], []float32{0, 0.5, 1}, n, false); err == nil {
		t.Error("accepted short labels")
	}
}

// TestCondBNShapesAndStart: a CondCBN model has one gain and one bias
// table per BatchNorm of G (D's row layout), in G, the EMA generator and
// G's Adam state; they start at zero and every other tensor is the concat
// model's of the same seed, so it first draws the concat model's images.
func TestCondBNShapesAndStart(t *testing.T) {
	cfg := condCBN(tiny("dcgan", 32, 4))
	cc := condTiny(tiny("dcgan", 32, 4))
	shapes, err := StateShapes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"G.cond.bn.1.weight":      {4, 4 * cfg.NGF},
		"G.cond.bn.4.bias":        {4, 2 * cfg.NGF},
		"EMA.cond.bn.7.weight":    {4, cfg.NGF},
		"optG.cond.bn.7.bias.v":   {4, cfg.NGF},
		"optG.cond.bn.1.weight.m": {4, 4 * cfg.NGF},
	}
	for _, s := range shapes {
		if strings.HasPrefix(s.Name, "D.cond.bn") || strings.HasPrefix(s.Name, "optD.cond.bn") {
			t.Errorf("D has a conditional BatchNorm table %s", s.Name)
		}
	}
	checkShapes(t, shapes, want)
	b, _ := json.Marshal(cfg)
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || back.Cond.G != CondCBN {
		t.Errorf("cbn config does not round-trip: %s (%v)", b, err)
	}
	m, c := mustNew(t, cfg), mustNew(t, cc)
	mc := stateMap(c.State())
	for _, ts := range m.State() {
		if strings.Contains(ts.Name, "cond.bn.") {
			if slices.ContainsFunc(ts.Data, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s does not start at zero", ts.Name)
			}
			continue
		}
		if !bitsEqual(ts.Data, mc[ts.Name]) {
			t.Errorf("%s differs from the concat model's", ts.Name)
		}
	}
	const n = 6
	z := SampleLatents(3, n, cfg.NZ)
	a, err := m.GenerateLabels(z, condLabels(n), n, true)
	if err != nil {
		t.Fatal(err)
	}
	want2, _ := c.GenerateLabels(z, condLabels(n), n, true)
	if d := maxDiff(a, want2); d > 1e-5 {
		t.Errorf("a new cbn model differs from the concat model by %g", d)
	}
}

// TestCondBNStepAndGenerate: a cbn model trains, draws one latent alone as
// in a batch, its labels change its images through the tables alone (G's
// input embeddings zeroed), and the mix path ends at the two labellings.
func TestCondBNStepAndGenerate(t *testing.T) {
	cfg := condCBN(tiny("dcgan", 32, 4))
	cfg.EMABN = EMABNStanding
	m := mustNew(t, cfg)
	for i := range 3 {
		if _, err := m.StepLabels(tanhBatch(uint64(i), cfg), condLabels(cfg.Batch)); err != nil {
			t.Fatal(err)
		}
	}
	clear(m.g.get(condEmbedName).data)
	clear(m.ema.get(condEmbedName).data)
	m.emaStale = true
	const n = 5
	z := SampleLatents(3, n, cfg.NZ)
	for _, raw := range []bool{true, false} {
		a, err := m.GenerateLabels(z, condLabels(n), n, raw)
		if err != nil {
			t.Fatal(err)
		}
		per := m.imageLen()
		one, _ := m.GenerateLabels(z[cfg.NZ:2*cfg.NZ], condLabels(n)[2:4], 1, raw)
		if d := maxDiff(one, a[per:2*per]); d > 1e-5 {
			t.Errorf("raw %v: image 1 alone differs from its batch's by %g", raw, d)
		}
		other := condLabels(n)
		for j := range n {
			other[2*j+1] = 3 - other[2*j+1]
		}
		b, _ := m.GenerateLabels(z, other, n, raw)
		if maxDiff(a, b) < 1e-6 {
			t.Errorf("raw %v: labels change nothing through the BatchNorm tables", raw)
		}
		x, err := m.GenerateMix(z, condLabels(n), other, []float32{0, 1, 0, 1, 0.5}, n, raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range []int{0, 1} {
			ref := [][]float32{a, b}[j]
			if d := maxDiff(x[j*per:(j+1)*per], ref[j*per:(j+1)*per]); d > 1e-5 {
				t.Errorf("raw %v: mix end %d differs by %g", raw, j, d)
			}
		}
	}
}

// checkShapes checks that every tensor named in want is among shapes with
// that shape.
func checkShapes(t *testing.T, shapes []safetensors.Tensor, want map[string][]int) {
	t.Helper()
	for _, s := range shapes {
		if w, ok := want[s.Name]; ok {
			if !slices.Equal(s.Shape, w) {
				t.Errorf("%s: shape %v, want %v", s.Name, s.Shape, w)
			}
			delete(want, s.Name)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing tensors %v", want)
	}
}
