package gan

import (
	"errors"
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ErrNonFinite marks a training step whose losses or scores came out NaN or
// infinite. The step has already changed the weights; callers must not keep
// the model's state.
var ErrNonFinite = errors.New("non-finite loss")

// Step runs one training iteration on a batch of real images: Batch
// images, NCHW float32 in [-1, 1], len = Batch*Channels*Size*Size. Latents
// come from the model's RNG. It follows pytorch/examples/dcgan:
//
//	(1) update D: DSteps times, on the real batch and a fake batch G(z)
//	    (separate BatchNorm batches); the extra updates when DSteps > 1 reuse
//	    the real batch with fakes of their own
//	(2) update G: G's loss on the updated D's verdict about the last fakes
//	(3) the EMA generator follows G
//
// The last D update and G's update share one forward pass of G (with its
// BatchNorm batch statistics): see passG. A NaN or Inf loss or score
// returns the step's Stats and an error wrapping ErrNonFinite.
func (m *Model) Step(real []float32) (Stats, error) {
	if err := m.loadReal(real); err != nil {
		return Stats{}, fmt.Errorf("gan: step: %w", err)
	}
	t := m.train
	// (1) update D: all but the last update, each on a fake batch of its own.
	for range m.cfg.DSteps - 1 {
		fake, err := m.generateFake()
		if err != nil {
			return Stats{}, fmt.Errorf("gan: step: %w", err)
		}
		if err := m.updateD(fake); err != nil {
			return Stats{}, stepError(err)
		}
	}
	// (1) the last D update, then (2) G's loss through the updated D and
	// G's gradients: one run of G's graph.
	if err := m.passG(); err != nil {
		return Stats{}, stepError(err)
	}
	// (2) update G.
	if err := m.updateG(); err != nil {
		return Stats{}, stepError(err)
	}
	// (3) the EMA generator follows.
	emaUpdate(m.ema, m.g, m.cfg.EMADecay, m.optG.t, m.cfg.EMABN == EMABNAverage)
	m.emaStale = true
	st := t.stats
	if err := m.dist.meanStats(&st); err != nil {
		return st, fmt.Errorf("gan: step: %w", err)
	}
	for _, v := range []float64{st.LossD, st.LossG, st.DReal, st.DFake} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return st, fmt.Errorf("gan: step %d: %w (%+v)", m.optG.t, ErrNonFinite, st)
		}
	}
	return st, nil
}

// stepError wraps an error of a step's graphs; an op that met a diverged
// value (nn.ErrNonFinite, e.g. the spectral norm of a NaN weight) makes it
// an ErrNonFinite, like a NaN loss. run opens VM errors to errors.Is, also
// those of graphs run inside ops.
func stepError(err error) error {
	if errors.Is(err, nn.ErrNonFinite) {
		return fmt.Errorf("gan: step: %w: %w", ErrNonFinite, err)
	}
	return fmt.Errorf("gan: step: %w", err)
}

// loadReal builds the training graphs on first use and copies the real
// batch into D's input in the internal layout.
func (m *Model) loadReal(real []float32) error {
	B := m.localBatch()
	if want := B * m.imageLen(); len(real) != want {
		return fmt.Errorf("batch has %d values, want %d", len(real), want)
	}
	if err := m.checkStepLabels(); err != nil {
		return err
	}
	if m.train == nil {
		t, err := m.buildTrain()
		if err != nil {
			return err
		}
		m.train = t
	}
	return toInternal(m.train.d.real, real, B, m.imageLen(), m.hw())
}

// generateFake runs G forward (training-mode BatchNorm) on fresh latents,
// for the D updates before the last one.
func (m *Model) generateFake() (*tensor.Dense, error) {
	fg := m.train.gFwd
	m.drawLatents(fg.z, m.localBatch())
	if err := run(fg.vm); err != nil {
		return nil, fmt.Errorf("forward pass of G: %w", err)
	}
	fake, ok := fg.fake.Value().(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("forward pass of G gave %T", fg.fake.Value())
	}
	return fake, nil
}

// updateD trains D once on the real batch (already loaded) and fake: the
// gradient is the sum of both passes' gradients, as PyTorch's
// errD_real.backward(); errD_fake.backward(); optimizerD.step().
func (m *Model) updateD(fake *tensor.Dense) error {
	t := m.train
	dg := t.d
	dg.setMismatch(m.cfg.mismatch())
	lossReal, scoreReal, err := m.dPass(dg.realT, t.obj.realLabel())
	if err != nil {
		return fmt.Errorf("update of D on real: %w", err)
	}
	if err := dg.keepReal(); err != nil {
		return fmt.Errorf("update of D on real: %w", err)
	}
	dg.setMismatch(0) // real images only
	lossFake, scoreFake, err := m.dPass(fake, t.obj.fakeLabel())
	if err != nil {
		return fmt.Errorf("update of D on fake: %w", err)
	}
	if err := dg.addFake(); err != nil {
		return fmt.Errorf("update of D on fake: %w", err)
	}
	if err := m.dist.sumGrads(dg.params); err != nil {
		return fmt.Errorf("update of D: %w", err)
	}
	m.optD.step(m.d)
	// D's weights have just changed: the place for anything that must follow
	// every D update (a projection or normalisation of D's weights).
	t.stats.LossD = lossReal + lossFake
	t.stats.DReal = scoreReal
	t.stats.DFake = scoreFake
	return nil
}

// setMismatch sets the weight of the matching-aware term for the next
// pass (a no-op without the term).
func (dg *dGraph) setMismatch(w float64) {
	if dg.misW != nil {
		dg.misW[0] = float32(w)
	}
}

// dPass runs D's graph on x with the given label for every sample; it
// returns the loss and mean sigmoid(logits).
func (m *Model) dPass(x *tensor.Dense, label float32) (loss, score float64, err error) {
	dg := m.train.d
	if err := gorgonia.Let(dg.x, x); err != nil {
		return 0, 0, err
	}
	fill(dg.label, label)
	m.drawAugment(dg.aug)
	if err := run(dg.vm); err != nil {
		return 0, 0, err
	}
	for i, p := range dg.params {
		if g := f32s(dg.grads[i]); len(g) != len(p.data) {
			return 0, 0, fmt.Errorf("gradient of %s has %d values, want %d", p.name, len(g), len(p.data))
		}
	}
	return scalarValue(dg.loss), meanSigmoid(f32s(dg.logits)), nil
}

// passG runs G's training graph once: G makes a fake batch from fresh
// latents, the graph's last op (the D hook, hook.go) hands it to
// lastDUpdateAndGLoss, and the backward pass through G turns the gradient
// that left into G's gradients.
//
// The hook exists so that G's forward pass, with its BatchNorm batch
// statistics, is computed once per step although D's last update has to
// happen between it and G's backward pass.
func (m *Model) passG() error {
	gg := m.train.g
	m.drawLatents(gg.z, m.localBatch())
	return run(gg.vm)
}

// lastDUpdateAndGLoss is the D hook's body, called during passG with G's
// output: (1) D's last update on the real batch and fake, then (2) G's loss
// through the updated D. It returns the loss and leaves dLoss/dfake in the
// hook's gradient for G's backward pass.
func (m *Model) lastDUpdateAndGLoss(fake *tensor.Dense) (float32, error) {
	t := m.train
	if err := m.updateD(fake); err != nil {
		return 0, err
	}
	lg := t.gLoss
	if err := gorgonia.Let(lg.fake, fake); err != nil {
		return 0, fmt.Errorf("gan: G loss: %w", err)
	}
	m.drawAugment(lg.aug)
	if err := run(lg.vm); err != nil {
		return 0, fmt.Errorf("gan: G loss: %w", err)
	}
	gx := f32s(lg.gradFake)
	dst := t.g.hook.grad.Data().([]float32)
	if len(gx) != len(dst) {
		return 0, fmt.Errorf("gan: G loss: gradient has %d values, want %d", len(gx), len(dst))
	}
	copy(dst, gx)
	loss := scalarValue(lg.loss)
	if w := m.cfg.ColourMatch; w > 0 {
		loss += colourMatch(dst, f32s(lg.fake), t.d.real, m.cfg.Channels, m.localBatch(), m.hw(), max(int(m.g.split), 1), w)
	}
	t.stats.LossG = loss
	return float32(loss), nil
}

// updateG applies Adam to G with the gradients passG left.
func (m *Model) updateG() error {
	gg := m.train.g
	for i, p := range gg.params {
		p.grad = f32s(gg.grads[i])
		if len(p.grad) != len(p.data) {
			return fmt.Errorf("gradient of G %s has %d values, want %d", p.name, len(p.grad), len(p.data))
		}
	}
	if err := m.dist.sumGrads(gg.params); err != nil {
		return fmt.Errorf("update of G: %w", err)
	}
	m.optG.step(m.g)
	return nil
}

// drawLatents fills dst (internal layout [nz, B, ...]) with N(0,1) draws from
// the training RNG, in NCHW order (sample-major) so that a batch's latents
// are the same as SampleLatents-style draws of one vector after another.
func (m *Model) drawLatents(dst []float32, n int) {
	if m.latents != nil {
		m.latents(dst, n)
		return
	}
	nz := m.cfg.NZ
	if m.dist != nil {
		m.dist.drawLatents(m.rng, dst, n, nz)
		return
	}
	for b := 0; b < n; b++ {
		for c := 0; c < nz; c++ {
			dst[c*n+b] = float32(m.rng.NormFloat64())
		}
	}
}
