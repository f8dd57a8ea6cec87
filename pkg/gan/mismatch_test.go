package gan

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// condMismatch is condTiny with the matching-aware term of weight w.
func condMismatch(cfg Config, w float64) Config {
	cfg = condTiny(cfg)
	cfg.Cond.Mismatch = w
	return cfg
}

// dPassResult is one run of D's training graph.
type dPassResult struct {
	loss   float64
	logits []float32
	grads  map[string][]float32 // by parameter name
}

// runDPass runs m's D graph once on real with labels, the matching-aware
// weight w and the real (or fake) label, without an update.
func runDPass(t *testing.T, m *Model, real []float32, labels []byte, w float64, fake bool) dPassResult {
	t.Helper()
	m.setTrainRows(labels)
	m.cond.ready = true
	err := m.loadReal(real)
	m.cond.ready = false
	if err != nil {
		t.Fatal(err)
	}
	dg, label := m.train.d, m.train.obj.realLabel()
	if fake {
		label = m.train.obj.fakeLabel()
	}
	dg.setMismatch(w)
	loss, _, err := m.dPass(dg.realT, label)
	if err != nil {
		t.Fatal(err)
	}
	r := dPassResult{loss: loss, logits: slices.Clone(f32s(dg.logits)), grads: map[string][]float32{}}
	for i, p := range dg.params {
		r.grads[p.name] = slices.Clone(f32s(dg.grads[i]))
	}
	return r
}

// shiftLabels gives image i the labels of image i+1 (the last image the
// first's), as the matching-aware term does.
func shiftLabels(labels []byte, attrs int) []byte {
	return append(slices.Clone(labels[attrs:]), labels[:attrs]...)
}

// TestMismatchLoss: with the matching-aware term D's loss on the real pass
// is its loss on the matched logits against the real label plus w times
// its loss on the logits of the same images with shifted labels (computed
// by a model without the term) against the fake label; on the fake pass
// (w 0) it is the plain loss, bit for bit; the term's gradients are
// finite and change D's.
func TestMismatchLoss(t *testing.T) {
	bce := func(x, y float64) float64 { return max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x))) }
	hinge := func(x, y float64) float64 { return max(0, 1-x*y) }
	for _, tc := range []struct {
		name string
		loss string
		f    func(x, y float64) float64
	}{{"bce", LossBCE, bce}, {"hinge", LossHinge, hinge}} {
		t.Run(tc.name, func(t *testing.T) {
			const w = 0.75
			cfg := condMismatch(tiny("dcgan", 32, 4), w)
			cfg.Loss = tc.loss
			plain := condTiny(tiny("dcgan", 32, 4))
			plain.Loss = tc.loss
			real, labels := tanhBatch(3, cfg), condLabels(cfg.Batch)
			got := runDPass(t, mustNew(t, cfg), real, labels, w, false)
			m0 := mustNew(t, plain)
			matched := runDPass(t, m0, real, labels, 0, false)
			swapped := runDPass(t, m0, real, shiftLabels(labels, 2), 0, false)
			if !bitsEqual(got.logits, matched.logits) {
				t.Errorf("logits %v, without the term %v", got.logits, matched.logits)
			}
			obj := objectiveFor(cfg)
			var want float64
			for i := range matched.logits {
				want += tc.f(float64(matched.logits[i]), float64(obj.realLabel()))
				want += w * tc.f(float64(swapped.logits[i]), float64(obj.fakeLabel()))
			}
			want /= float64(len(matched.logits))
			if math.Abs(got.loss-want) > 1e-5 || math.Abs(got.loss-matched.loss) < 1e-4 {
				t.Errorf("real-pass loss %v, want %v (without the term %v)", got.loss, want, matched.loss)
			}
			for name, g := range got.grads {
				for _, v := range g {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("gradient of %s has %v", name, v)
					}
				}
			}
			for _, name := range []string{condEmbedName, "main.0.weight"} {
				if bitsEqual(got.grads[name], matched.grads[name]) {
					t.Errorf("the term leaves the gradient of %s unchanged", name)
				}
			}
			fakeGot := runDPass(t, mustNew(t, cfg), real, labels, 0, true)
			fakePlain := runDPass(t, mustNew(t, plain), real, labels, 0, true)
			if math.Float64bits(fakeGot.loss) != math.Float64bits(fakePlain.loss) {
				t.Errorf("fake-pass loss %v, without the term %v", fakeGot.loss, fakePlain.loss)
			}
		})
	}
}

// TestMismatchStep: a step with the term draws what a step without it
// draws (the shift takes nothing from the training RNG) and trains D
// otherwise; a configuration without the term encodes no mismatch field.
func TestMismatchStep(t *testing.T) {
	cfg, plain := condMismatch(tiny("dcgan", 32, 4), 2), condTiny(tiny("dcgan", 32, 4))
	labels := condLabels(cfg.Batch)
	ma, mb := mustNew(t, cfg), mustNew(t, plain)
	for _, m := range []*Model{ma, mb} {
		if _, err := m.StepLabels(tanhBatch(5, cfg), labels); err != nil {
			t.Fatal(err)
		}
	}
	ra, _ := ma.RNGState()
	rb, _ := mb.RNGState()
	if !slices.Equal(ra, rb) {
		t.Error("the term changed the training RNG's stream")
	}
	if bitsEqual(stateMap(ma.State())["D.cond.embed"], stateMap(mb.State())["D.cond.embed"]) {
		t.Error("the term left D's embeddings as without it")
	}
	b, err := json.Marshal(plain)
	if err != nil || strings.Contains(string(b), "mismatch") {
		t.Errorf("a config without the term encodes %s (%v)", b, err)
	}
	b, _ = json.Marshal(cfg)
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || !strings.Contains(string(b), `"mismatch":2`) || back.Cond.Mismatch != 2 {
		t.Errorf("config with the term does not round-trip: %s (%v)", b, err)
	}
}
