package gan

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/nn"
	"github.com/toongan/toongan/pkg/safetensors"
	"gorgonia.org/gorgonia"
)

// tiny returns a small, fast configuration.
func tiny(arch string, size, kernel int) Config {
	return Config{Arch: arch, Size: size, Channels: 3, NZ: 8, NGF: 4, NDF: 4, Kernel: kernel,
		Batch: 4, LR: 2e-4, Beta1: 0.5, Beta2: 0.999, DSteps: 1, EMADecay: 0.99, Seed: 7}
}

func mustNew(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShapes(t *testing.T) {
	type tc struct {
		arch         string
		size, kernel int
	}
	var cases []tc
	for _, s := range Sizes {
		for _, k := range []int{4, 5} {
			cases = append(cases, tc{"dcgan", s, k})
		}
	}
	cases = append(cases, tc{"mlp", 16, 0}, tc{"mlp", 32, 0})
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-%d-k%d", c.arch, c.size, c.kernel), func(t *testing.T) {
			cfg := tiny(c.arch, c.size, c.kernel)
			cfg.Batch = 2
			m := mustNew(t, cfg)
			real := make([]float32, cfg.Batch*3*c.size*c.size)
			for i := range real {
				real[i] = float32(i%7)/7 - 0.5
			}
			st, err := m.Step(real)
			if err != nil {
				t.Fatal(err)
			}
			if st.LossD <= 0 || st.LossG <= 0 || st.DReal <= 0 || st.DReal >= 1 {
				t.Errorf("implausible stats %+v", st)
			}
			const n = 3
			img, err := m.Generate(SampleLatents(1, n, cfg.NZ), n, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(img) != n*3*c.size*c.size {
				t.Fatalf("Generate gave %d values, want %d", len(img), n*3*c.size*c.size)
			}
			for _, v := range img {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("pixel %v outside [-1, 1]", v)
				}
			}
			l, err := m.Discriminate(img, n)
			if err != nil {
				t.Fatal(err)
			}
			if len(l) != n {
				t.Fatalf("Discriminate gave %d logits, want %d", len(l), n)
			}
		})
	}
}

// TestStateNames checks the DCGAN-64 tensor names and shapes against the
// state_dict of pytorch/examples/dcgan (nz 100, ngf = ndf = 64).
func TestStateNames(t *testing.T) {
	m := mustNew(t, DefaultConfig(64))
	got := map[string][]int{}
	for _, ts := range m.State() {
		got[ts.Name] = ts.Shape
		if len(ts.Data) != prod(ts.Shape) {
			t.Errorf("%s: %d values for shape %v", ts.Name, len(ts.Data), ts.Shape)
		}
	}
	want := map[string][]int{
		"G.main.0.weight": {100, 512, 4, 4}, "G.main.1.weight": {512}, "G.main.1.bias": {512},
		"G.main.1.running_mean": {512}, "G.main.1.running_var": {512},
		"G.main.3.weight": {512, 256, 4, 4}, "G.main.4.weight": {256},
		"G.main.6.weight": {256, 128, 4, 4}, "G.main.7.weight": {128},
		"G.main.9.weight": {128, 64, 4, 4}, "G.main.10.weight": {64},
		"G.main.12.weight": {64, 3, 4, 4},
		"D.main.0.weight":  {64, 3, 4, 4}, "D.main.2.weight": {128, 64, 4, 4}, "D.main.3.weight": {128},
		"D.main.3.running_var": {128},
		"D.main.5.weight":      {256, 128, 4, 4}, "D.main.6.bias": {256},
		"D.main.8.weight": {512, 256, 4, 4}, "D.main.9.running_mean": {512},
		"D.main.11.weight":   {1, 512, 4, 4},
		"EMA.main.12.weight": {64, 3, 4, 4}, "EMA.main.10.running_var": {64},
		"optG.main.0.weight.m": {100, 512, 4, 4}, "optD.main.11.weight.v": {1, 512, 4, 4},
		"optG.step": {1}, "optD.step": {1},
	}
	for name, shape := range want {
		if !slices.Equal(got[name], shape) {
			t.Errorf("%s: shape %v, want %v", name, got[name], shape)
		}
	}
	for name := range got {
		for _, bad := range []string{"G.main.2.", "G.main.13.", "D.main.1.", "D.main.12.", "optG.main.1.running"} {
			if strings.HasPrefix(name, bad) {
				t.Errorf("unexpected tensor %s", name)
			}
		}
	}
	// 48 px grows from 3x3.
	m48 := mustNew(t, DefaultConfig(48))
	for _, ts := range m48.State() {
		if ts.Name == "G.main.0.weight" && !slices.Equal(ts.Shape, []int{100, 512, 3, 3}) {
			t.Errorf("48 px G.main.0.weight shape %v", ts.Shape)
		}
		if ts.Name == "D.main.11.weight" && !slices.Equal(ts.Shape, []int{1, 512, 3, 3}) {
			t.Errorf("48 px D.main.11.weight shape %v", ts.Shape)
		}
	}
}

func prod(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}

func TestInitStatistics(t *testing.T) {
	m := mustNew(t, DefaultConfig(64))
	for _, ts := range m.State() {
		if !strings.HasPrefix(ts.Name, "G.") && !strings.HasPrefix(ts.Name, "D.") {
			continue
		}
		mean, std := meanStd(ts.Data)
		switch {
		case strings.HasSuffix(ts.Name, "running_var"):
			if mean != 1 || std != 0 {
				t.Errorf("%s: mean %v std %v, want 1, 0", ts.Name, mean, std)
			}
		case strings.HasSuffix(ts.Name, "bias"), strings.HasSuffix(ts.Name, "running_mean"):
			if mean != 0 || std != 0 {
				t.Errorf("%s: mean %v std %v, want 0, 0", ts.Name, mean, std)
			}
		case len(ts.Shape) == 1: // BN gamma
			if math.Abs(mean-1) > 0.01 || math.Abs(std-0.02) > 0.006 {
				t.Errorf("%s: mean %v std %v, want about 1, 0.02", ts.Name, mean, std)
			}
		case len(ts.Data) > 1000:
			if math.Abs(mean) > 0.002 || math.Abs(std-0.02) > 0.002 {
				t.Errorf("%s: mean %v std %v, want about 0, 0.02", ts.Name, mean, std)
			}
		}
	}
	// EMA starts as a copy of G; same seed, same weights; other seed differs.
	st := m.State()
	m2 := mustNew(t, DefaultConfig(64))
	if !statesEqual(st, m2.State()) {
		t.Error("same seed gave different initial weights")
	}
	byName := stateMap(st)
	if !slices.Equal(byName["G.main.3.weight"], byName["EMA.main.3.weight"]) {
		t.Error("EMA does not start as a copy of G")
	}
	cfg := DefaultConfig(64)
	cfg.Seed = 2
	if slices.Equal(stateMap(mustNew(t, cfg).State())["G.main.3.weight"], byName["G.main.3.weight"]) {
		t.Error("different seeds gave the same weights")
	}
}

func meanStd(d []float32) (float64, float64) {
	s, s2 := 0.0, 0.0
	for _, v := range d {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(d))
	mean := s / n
	return mean, math.Sqrt(math.Max(s2/n-mean*mean, 0))
}

func stateMap(ts []safetensors.Tensor) map[string][]float32 {
	out := map[string][]float32{}
	for _, t := range ts {
		out[t.Name] = t.Data
	}
	return out
}

func statesEqual(a, b []safetensors.Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Shape, b[i].Shape) || !bitsEqual(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// bitsEqual reports whether a and b hold the same float32 bit patterns.
func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// TestAdam compares two Adam steps with a float64 transcription of
// torch.optim.Adam's update.
func TestAdam(t *testing.T) {
	layers := []layer{{kind: kLinear, index: 0, in: 3, out: 1}}
	n := newNet("T.", layers, true)
	w := n.get("main.0.weight")
	copy(w.data, []float32{0.5, -1, 2})
	grads := [][]float32{{0.1, -0.2, 3}, {-0.05, 0.4, 1e-3}}
	a := adam{lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8}
	ref := []float64{0.5, -1, 2}
	m, v := make([]float64, 3), make([]float64, 3)
	for step, g := range grads {
		w.grad = g
		n.get("main.0.bias").grad = []float32{0}
		a.step(n)
		tt := float64(step + 1)
		for i := range ref {
			gi := float64(g[i])
			m[i] = 0.5*m[i] + 0.5*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			mh := m[i] / (1 - math.Pow(0.5, tt))
			vh := v[i] / (1 - math.Pow(0.999, tt))
			ref[i] -= 0.01 * mh / (math.Sqrt(vh) + 1e-8)
		}
		for i := range ref {
			if math.Abs(float64(w.data[i])-ref[i]) > 1e-6 {
				t.Errorf("step %d: w[%d] = %v, want %v", step+1, i, w.data[i], ref[i])
			}
		}
	}
	// The first step moves each weight by lr in the direction of -sign(g).
	if d := 0.5 - ref[0]; math.Abs(d-0.01-(-0.01*(1/(1+math.Sqrt(0.5)))+0.01)) > 0.02 {
		t.Errorf("implausible total move %v", d)
	}
}

// TestResume checks that 4 steps equal 2 steps, a State/RNGState round
// trip into a new model, and 2 more steps, bit for bit.
func TestResume(t *testing.T) {
	for _, cfg := range []Config{tiny("dcgan", 32, 4), tiny("mlp", 8, 0), allIngredients(tiny("dcgan", 32, 4))} {
		t.Run(cfg.Arch+cmp.Or(cfg.Recipe, "-classic"), func(t *testing.T) {
			batches := make([][]float32, 4)
			for i := range batches {
				batches[i] = SampleLatents(uint64(100+i), cfg.Batch, 3*cfg.Size*cfg.Size)
				for j, v := range batches[i] {
					batches[i][j] = float32(math.Tanh(float64(v)))
				}
			}
			a := mustNew(t, cfg)
			for _, b := range batches {
				if _, err := a.Step(b); err != nil {
					t.Fatal(err)
				}
			}
			b1 := mustNew(t, cfg)
			for _, b := range batches[:2] {
				if _, err := b1.Step(b); err != nil {
					t.Fatal(err)
				}
			}
			snap := b1.State()
			rng, err := b1.RNGState()
			if err != nil {
				t.Fatal(err)
			}
			c2 := cfg
			c2.Seed = 99 // weights and RNG come from the snapshot
			b2 := mustNew(t, c2)
			if err := b2.SetState(snap); err != nil {
				t.Fatal(err)
			}
			if err := b2.SetRNGState(rng); err != nil {
				t.Fatal(err)
			}
			for _, b := range batches[2:] {
				if _, err := b2.Step(b); err != nil {
					t.Fatal(err)
				}
			}
			sa, sb := a.State(), b2.State()
			if !statesEqual(sa, sb) {
				for i := range sa {
					if !bitsEqual(sa[i].Data, sb[i].Data) {
						t.Errorf("tensor %s differs after resume", sa[i].Name)
					}
				}
			}
			ra, _ := a.RNGState()
			rb, _ := b2.RNGState()
			if !slices.Equal(ra, rb) {
				t.Error("RNG state differs after resume")
			}
			// and the run actually changed the weights
			if statesEqual(sa, mustNew(t, cfg).State()) {
				t.Error("training changed nothing")
			}
		})
	}
}

func TestSetState(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	src := mustNew(t, cfg)
	real := make([]float32, cfg.Batch*3*32*32)
	for i := 0; i < 3; i++ {
		if _, err := src.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	z := SampleLatents(3, 5, cfg.NZ)
	want, err := src.Generate(z, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	// A sampling-only subset: the EMA generator.
	var sub []safetensors.Tensor
	for _, ts := range src.State() {
		if strings.HasPrefix(ts.Name, "EMA.") {
			sub = append(sub, ts)
		}
	}
	c2 := cfg
	c2.Seed = 5
	dst := mustNew(t, c2)
	if err := dst.SetState(sub); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Generate(z, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(got, want) {
		t.Error("EMA images differ after loading the EMA tensors")
	}

	good := src.State()
	bad := []struct {
		name string
		ts   []safetensors.Tensor
		msg  string
	}{
		{"unknown", []safetensors.Tensor{{Name: "G.main.99.weight", Shape: []int{1}, Data: []float32{0}}}, "unknown tensor G.main.99.weight"},
		{"shape", []safetensors.Tensor{{Name: good[0].Name, Shape: []int{1}, Data: []float32{0}}}, "shape [1]"},
		{"data", []safetensors.Tensor{{Name: good[0].Name, Shape: good[0].Shape, Data: []float32{0}}}, "values for shape"},
		{"twice", []safetensors.Tensor{good[0], good[0]}, "given twice"},
		{"step", []safetensors.Tensor{{Name: "optG.step", Shape: []int{1}, Data: []float32{-1}}}, "non-negative integer"},
	}
	before := dst.State()
	for _, b := range bad {
		err := dst.SetState(b.ts)
		if err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%s: err = %v, want it to mention %q", b.name, err, b.msg)
		}
	}
	if !statesEqual(before, dst.State()) {
		t.Error("a failed SetState changed the model")
	}
	if err := dst.SetRNGState([]byte("junk")); err == nil {
		t.Error("SetRNGState accepted junk")
	}
}

// TestBatchIndependence: with inference-mode BatchNorm, an image depends
// only on its own latent (and a score only on its own image), whatever the
// batch and chunking around it.
func TestBatchIndependence(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	m := mustNew(t, cfg)
	real := make([]float32, cfg.Batch*3*32*32)
	for i := range real {
		real[i] = float32(i%5)/5 - 0.4
	}
	for i := 0; i < 2; i++ { // move running statistics away from 0/1
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	const n = 70 // two chunks, the second padded
	per := 3 * 32 * 32
	z := SampleLatents(11, n, cfg.NZ)
	all, err := m.Generate(z, n, true)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.Discriminate(all, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 37, 69} {
		one, err := m.Generate(z[i*cfg.NZ:(i+1)*cfg.NZ], 1, true)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(one, all[i*per:(i+1)*per]); d > 1e-6 {
			t.Errorf("image %d differs by %g alone vs in a batch", i, d)
		}
		l, err := m.Discriminate(all[i*per:(i+1)*per], 1)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(l[0] - logits[i])); d > 1e-5 {
			t.Errorf("logit %d differs by %g alone vs in a batch", i, d)
		}
	}
	if _, err := m.Generate(z[:3], 2, false); err == nil {
		t.Error("Generate accepted a wrong latent length")
	}
	if _, err := m.Discriminate(all[:10], 1); err == nil {
		t.Error("Discriminate accepted a wrong image length")
	}
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestEMAZeroIsRaw(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	cfg.EMADecay = 0
	m := mustNew(t, cfg)
	real := make([]float32, cfg.Batch*3*32*32)
	for i := 0; i < 2; i++ {
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	z := SampleLatents(1, 3, cfg.NZ)
	a, _ := m.Generate(z, 3, true)
	b, _ := m.Generate(z, 3, false)
	if !bitsEqual(a, b) {
		t.Error("EMADecay 0: EMA generator differs from the raw one")
	}
	cfg.EMADecay = 0.9
	m = mustNew(t, cfg)
	for i := 0; i < 2; i++ {
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	a, _ = m.Generate(z, 3, true)
	b, _ = m.Generate(z, 3, false)
	if bitsEqual(a, b) {
		t.Error("EMADecay 0.9: EMA generator equals the raw one")
	}
}

// TestHookGradient checks G's gradient from the hooked training graph
// against a plain gorgonia composition z -> G -> D -> BCE(1), with D's
// weights as they are after the step's D update.
func TestHookGradient(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	m := mustNew(t, cfg)
	init := m.State()
	rng, _ := m.RNGState()
	real := SampleLatents(5, cfg.Batch, 3*32*32)
	for i := range real {
		real[i] = float32(math.Tanh(float64(real[i])))
	}
	if _, err := m.Step(real); err != nil {
		t.Fatal(err)
	}
	var got [][]float32
	for _, p := range m.train.g.params {
		got = append(got, slices.Clone(p.grad))
	}

	ref := mustNew(t, cfg)
	if err := ref.SetState(init); err != nil {
		t.Fatal(err)
	}
	if err := ref.SetRNGState(rng); err != nil {
		t.Fatal(err)
	}
	var dAfter []safetensors.Tensor
	for _, ts := range m.State() {
		if strings.HasPrefix(ts.Name, "D.") {
			dAfter = append(dAfter, ts)
		}
	}
	if err := ref.SetState(dAfter); err != nil {
		t.Fatal(err)
	}
	g := gorgonia.NewGraph()
	bg, bd := bind(g, ref.g), bind(g, ref.d)
	z, zd := newInput(g, "z", ref.latentShape(cfg.Batch))
	ref.drawLatents(zd, cfg.Batch)
	fake, err := bg.forward(z, true)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := bd.forward(fake, true)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := nn.BCEWithLogits(logits, 1)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, bg.params()...)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for i, gn := range grads {
		want := f32s(gn)
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		if d := maxDiff(got[i], want); d > 1e-4*scale+1e-9 {
			t.Errorf("gradient of %s differs by %g (scale %g)", m.train.g.params[i].name, d, scale)
		}
		if scale == 0 {
			t.Errorf("gradient of %s is zero", m.train.g.params[i].name)
		}
	}
}

// toy returns a batch of images from a two-colour toy distribution: each
// image is uniformly one of two colours.
func toy(seed uint64, batch, size int, colours [2][3]float32) []float32 {
	u := SampleLatents(seed, batch, 1)
	per := size * size
	out := make([]float32, batch*3*per)
	for b := 0; b < batch; b++ {
		col := colours[0]
		if u[b] > 0 {
			col = colours[1]
		}
		for c := 0; c < 3; c++ {
			for i := 0; i < per; i++ {
				out[(b*3+c)*per+i] = col[c]
			}
		}
	}
	return out
}

// toyDistance is how far generated images are from the toy data: for each
// image, the RMS distance (over pixels and channels) to the nearer of the
// two colours, averaged over the images.
func toyDistance(img []float32, n, size int, colours [2][3]float32) float64 {
	per := size * size
	total := 0.0
	for b := 0; b < n; b++ {
		best := math.Inf(1)
		for _, col := range colours {
			s := 0.0
			for c := 0; c < 3; c++ {
				for _, v := range img[(b*3+c)*per : (b*3+c+1)*per] {
					d := float64(v - col[c])
					s += d * d
				}
			}
			best = math.Min(best, math.Sqrt(s/float64(3*per)))
		}
		total += best
	}
	return total / float64(n)
}

// TestLearns trains tiny GANs on a two-colour toy distribution for a fixed
// number of steps: the generated images' distance to the data (toyDistance)
// must fall below half of the untrained generator's. A generator that does
// not learn stays near its initial output (about 0 everywhere) and fails.
func TestLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("training run")
	}
	colours := [2][3]float32{{0.6, -0.2, -0.6}, {0.2, 0.4, -0.8}}
	for _, c := range []struct {
		cfg   Config
		steps int
	}{
		{Config{Arch: "dcgan", Size: 32, Channels: 3, NZ: 16, NGF: 8, NDF: 8, Kernel: 4, Batch: 16, LR: 1e-3, Beta1: 0.5, Beta2: 0.999, DSteps: 1, EMADecay: 0.9, Seed: 3}, 400},
		{Config{Arch: "mlp", Size: 8, Channels: 3, NZ: 16, NGF: 8, NDF: 8, Batch: 16, LR: 1e-3, Beta1: 0.5, Beta2: 0.999, DSteps: 1, EMADecay: 0.9, Seed: 3}, 500},
	} {
		t.Run(c.cfg.Arch, func(t *testing.T) {
			const n = 64
			z := SampleLatents(9, n, c.cfg.NZ)
			distance := func(m *Model) float64 {
				t.Helper()
				img, err := m.Generate(z, n, false)
				if err != nil {
					t.Fatal(err)
				}
				return toyDistance(img, n, c.cfg.Size, colours)
			}
			m := mustNew(t, c.cfg)
			before := distance(m)
			var last Stats
			for s := 0; s < c.steps; s++ {
				st, err := m.Step(toy(uint64(s), c.cfg.Batch, c.cfg.Size, colours))
				if err != nil {
					t.Fatalf("step %d: %v", s, err)
				}
				last = st
			}
			after := distance(m)
			t.Logf("distance to the data: untrained %.3f, after %d steps %.3f; last %+v", before, c.steps, after, last)
			if after >= before/2 {
				t.Errorf("distance to the data %.3f after %d steps, not below half of the untrained generator's %.3f", after, c.steps, before)
			}
			if math.IsNaN(last.LossD) || last.DReal <= 0 || last.DReal >= 1 {
				t.Errorf("bad final stats %+v", last)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := DefaultConfig(64)
	cases := []struct {
		name string
		mod  func(*Config)
		msg  string
	}{
		{"size", func(c *Config) { c.Size = 40 }, "size 40"},
		{"kernel", func(c *Config) { c.Kernel = 3 }, "kernel 3"},
		{"arch", func(c *Config) { c.Arch = "vae" }, "arch \"vae\""},
		{"batch", func(c *Config) { c.Batch = -1 }, "batch -1"},
		{"lr", func(c *Config) { c.LR = -1 }, "lr"},
		{"beta", func(c *Config) { c.Beta1 = 1 }, "beta1 1"},
		{"beta2 zero", func(c *Config) { c.Beta2 = 0 }, "beta2 0"},
		{"nz zero", func(c *Config) { c.NZ = 0 }, "nz 0"},
		{"ngf big", func(c *Config) { c.NGF = 2000 }, "ngf 2000"},
		{"lr one", func(c *Config) { c.LR = 1 }, "lr 1"},
		{"lr NaN", func(c *Config) { c.LR = math.NaN() }, "lr NaN"},
		{"zero config", func(c *Config) { *c = Config{Size: 32} }, "arch"},
		{"smooth", func(c *Config) { c.LabelSmooth = 1 }, "label_smooth"},
		{"ema", func(c *Config) { c.EMADecay = 1.5 }, "ema_decay"},
		{"mlp size", func(c *Config) { c.Arch = "mlp"; c.Size = 1000 }, "size 1000"},
	}
	for _, c := range cases {
		cfg := ok
		c.mod(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.msg)
		}
	}
	// Zero means zero where it is accepted: nothing is replaced by a default.
	zero := DefaultConfig(32)
	zero.Beta1, zero.EMADecay, zero.Seed, zero.LabelSmooth = 0, 0, 0, 0
	m, err := New(zero)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config() != zero {
		t.Errorf("config changed: %+v, want %+v", m.Config(), zero)
	}
	if _, err := m.Step(make([]float32, 5)); err == nil {
		t.Error("Step accepted a short batch")
	}
}

// TestSteadyStateAllocations guards against per-step garbage and leaks:
// after the first steps, a training step allocates (almost) nothing.
func TestSteadyStateAllocations(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	cfg.DSteps = 2
	m := mustNew(t, cfg)
	real := make([]float32, cfg.Batch*3*32*32)
	for i := 0; i < 3; i++ {
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const steps = 20
	for i := 0; i < steps; i++ {
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / steps
	t.Logf("%.0f bytes allocated per step; live heap %d -> %d KiB", perStep, before.HeapAlloc>>10, after.HeapAlloc>>10)
	if perStep > 256<<10 {
		t.Errorf("%.0f bytes allocated per step", perStep)
	}
	if after.HeapAlloc > before.HeapAlloc+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes over %d steps", before.HeapAlloc, after.HeapAlloc, steps)
	}
}

// TestStepNonFinite: an input that overflows D makes Step report
// ErrNonFinite with the step's (NaN) stats.
func TestStepNonFinite(t *testing.T) {
	cfg := tiny("dcgan", 32, 4)
	m := mustNew(t, cfg)
	real := make([]float32, cfg.Batch*3*32*32)
	real[100] = float32(math.Inf(1))
	st, err := m.Step(real)
	if !errors.Is(err, ErrNonFinite) || !math.IsNaN(st.LossD) {
		t.Fatalf("Step = %+v, %v; want NaN stats and ErrNonFinite", st, err)
	}
}
