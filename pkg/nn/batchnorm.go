package nn

import (
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNorm hyper-parameters, as PyTorch's defaults.
const (
	BNMomentum = 0.1  // weight of the batch statistic in the running average
	BNEps      = 1e-5 // added to the variance before the square root
)

// BNState holds a BatchNorm layer's running statistics, one value per
// channel. Train-mode forward passes update them in place; eval-mode passes
// normalise with them. Save and load them with the checkpoint (PyTorch's
// running_mean and running_var).
//
// With Cumulative set, train-mode passes make the running statistics the
// plain average of the batch statistics seen since Batches was last zero
// (PyTorch's momentum=None), which is how "standing statistics" are
// gathered for a generator whose weights were averaged.
type BNState struct {
	Mean []float32
	Var  []float32

	Cumulative bool
	Batches    int // batches averaged so far (Cumulative only)

	// Reduce, when set, makes train-mode passes normalise with the
	// statistics of the whole batch of a data-parallel job, of which this
	// process holds a part: the per-channel sums (and the sums of the
	// gradient the backward pass needs) are summed over the processes.
	// nil: the batch is this process's alone.
	Reduce Reducer

	// Split, above 1, makes train-mode passes take their sums over the
	// batch slice by slice, as the processes of a data-parallel job
	// holding one slice each would (split.go), and add them in slice
	// order: with Split 2 one process computes what 2 processes with
	// Reduce compute, bit for bit. The batch must be a multiple of Split.
	Split Split
}

// Reducer sums values over the processes of a data-parallel job: SumFloat64
// replaces buf with the element-wise sum of every process's buf (the same
// length everywhere). Every process must call it the same number of times
// in the same order.
type Reducer interface {
	SumFloat64(buf []float64) error
}

// NewBNState returns the initial running statistics of a BatchNorm over c
// channels: mean 0, variance 1.
func NewBNState(c int) *BNState {
	st := &BNState{Mean: make([]float32, c), Var: make([]float32, c)}
	for i := range st.Var {
		st.Var[i] = 1
	}
	return st
}

// bnSaved is what one BatchNorm forward pass leaves for its gradient ops,
// and the per-channel sums of the output gradient the first of them to run
// computes for the others (they all need the same two sums).
type bnSaved struct {
	mean, invstd []float32
	training     bool
	gen          uint64  // forward runs so far
	n            float64 // values per channel the statistics are over (all processes')
	reduce       Reducer // set when the statistics are the whole job's
	slices       int     // slices the sums over the batch are taken in (BNState.Split), 1 in eval mode

	sdy, sdyx []float64 // sum of dz and of dz*x̂ per slice (slice-major, [slice*C+ch]), this process's
	gsum      []float64 // the whole batch's (job's) sdy then sdyx, when global is set
	global    bool      // gsum is set: the sums are over slices or processes
	sumsGen   uint64    // gen the sums belong to; 0: none
	sumsOf    *float32  // data pointer of the gradient they were summed from

	stats []float64 // forwardReduced's per-channel sums (reduce only)
}

// bnDims returns the channel count and the number of values per channel of
// a CBHW ([C, B, H, W]) or [C, B] input.
func bnDims(s tensor.Shape) (c, m int, err error) {
	if len(s) != 2 && len(s) != 4 {
		return 0, 0, fmt.Errorf("input shape %v: want [C, B, H, W] or [C, B]", s)
	}
	c = s[0]
	m = s.TotalSize() / max(c, 1)
	if c < 1 || m < 1 {
		return 0, 0, fmt.Errorf("input shape %v is empty", s)
	}
	return c, m, nil
}

func checkBNParams(s, gs, bs tensor.Shape) error {
	c, _, err := bnDims(s)
	if err != nil {
		return err
	}
	for _, p := range []tensor.Shape{gs, bs} {
		if p != nil && (len(p) != 1 || p[0] != c) {
			return fmt.Errorf("parameter shape %v: want [%d]", p, c)
		}
	}
	return nil
}

// BatchNorm normalises x per channel, x being CBHW [C, B, H, W] or [C, B]
// (the fully connected GAN), and returns gamma*x̂ + beta with gamma and beta
// of shape [C].
//
// With training true each run normalises with the batch statistics over
// B*H*W values (biased variance), and updates st: running mean and
// running variance (unbiased, as PyTorch) move by BNMomentum towards the
// batch values. With training false it normalises with st.Mean and st.Var
// and leaves them alone, so one sample does not depend on the rest of the
// batch. The mode is fixed per graph node: build the sampling graph with
// training false over the same st.
//
// Gradients flow to x, gamma and beta.
func BatchNorm(x, gamma, beta *gorgonia.Node, st *BNState, training bool) (*gorgonia.Node, error) {
	return batchNormAct(x, gamma, beta, st, training, nil)
}

// BatchNormReLU is ReLU(BatchNorm(x, ...)) as one op (one pass over the
// data each way, one output kept instead of two); the results are bit for
// bit those of the two ops.
func BatchNormReLU(x, gamma, beta *gorgonia.Node, st *BNState, training bool) (*gorgonia.Node, error) {
	return batchNormAct(x, gamma, beta, st, training, &actFwd{kind: actReLU})
}

// BatchNormLeakyReLU is LeakyReLU(BatchNorm(x, ...), alpha) as one op, alpha
// >= 0 (see BatchNormReLU).
func BatchNormLeakyReLU(x, gamma, beta *gorgonia.Node, st *BNState, training bool, alpha float32) (*gorgonia.Node, error) {
	if !(alpha >= 0) {
		return nil, fmt.Errorf("nn.BatchNormLeakyReLU: alpha %g, want >= 0", alpha)
	}
	return batchNormAct(x, gamma, beta, st, training, &actFwd{kind: actLeaky, alpha: alpha})
}

// batchNormAct is act(BatchNorm(x, ...)) as one op; act nil: BatchNorm.
func batchNormAct(x, gamma, beta *gorgonia.Node, st *BNState, training bool, act *actFwd) (*gorgonia.Node, error) {
	name := "nn.BatchNorm"
	if act != nil {
		name += act.name()
	}
	if x == nil || gamma == nil || beta == nil || st == nil {
		return nil, fmt.Errorf("%s: nil input or state", name)
	}
	if err := checkBNParams(x.Shape(), gamma.Shape(), beta.Shape()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := x.Shape()[0]
	if len(st.Mean) != c || len(st.Var) != c {
		return nil, fmt.Errorf("%s: state has %d means and %d variances, want %d", name, len(st.Mean), len(st.Var), c)
	}
	return apply(&bnFwd{st: st, training: training, saved: &bnSaved{}, act: act}, x, gamma, beta)
}

// bnFwd: inputs x, gamma, beta. With act set, the output is act(BatchNorm).
type bnFwd struct {
	st       *BNState
	training bool
	saved    *bnSaved
	act      *actFwd // ReLU or LeakyReLU fused after the normalisation; nil: none
}

func (b *bnFwd) name() string {
	n := "BatchNorm(eval)"
	if b.training {
		n = "BatchNorm(train)"
	}
	if b.act != nil {
		n += "+" + b.act.name()
	}
	return n
}

func (b *bnFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	if err := checkBNParams(in[0], in[1], in[2]); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (b *bnFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	c, m, err := bnDims(s[0])
	if err != nil {
		return err
	}
	if len(b.st.Mean) != c || len(b.st.Var) != c {
		return fmt.Errorf("state has %d means and %d variances, want %d", len(b.st.Mean), len(b.st.Var), c)
	}
	x, gamma, beta := in[0], in[1], in[2]
	sv := b.saved
	sv.mean = grow(sv.mean, c)
	sv.invstd = grow(sv.invstd, c)
	sv.training = b.training
	sv.gen++
	mom := BNMomentum
	if b.st.Cumulative {
		mom = 1 / float64(b.st.Batches+1)
		defer func() { b.st.Batches++ }()
	}
	sv.n, sv.reduce, sv.slices = float64(m), nil, 1
	if b.training && (b.st.Reduce != nil || b.st.Split.slices() > 1) {
		if n := b.st.Split.slices(); s[0][1]%n != 0 {
			return fmt.Errorf("batch %d does not split into %d slices", s[0][1], n)
		}
		return b.forwardReduced(out, in, c, m, mom)
	}
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch += 4 {
			n := min(4, hi-ch)
			var mean, v [4]float64
			if b.training {
				chanStats(x, ch, n, m, &mean, &v)
			}
			for j := range n {
				if b.training {
					b.updateRunning(ch+j, mean[j], v[j], float64(m), mom)
				} else {
					mean[j], v[j] = float64(b.st.Mean[ch+j]), float64(b.st.Var[ch+j])
				}
				b.normalize(ch+j, mean[j], v[j], x[(ch+j)*m:(ch+j+1)*m], out[(ch+j)*m:(ch+j+1)*m], gamma[ch+j], beta[ch+j])
			}
		}
	})
	return nil
}

// chanStats writes the batch means and biased variances of the n (at most
// 4) channels from ch of x (m values each). Four channels at once keep four
// independent chains of float64 additions in flight (one channel's sum is a
// chain whose every addition waits for the one before); each channel's
// values are still added in their order, so the sums are chanSum's and
// chanSqDev's bit for bit.
func chanStats(x []float32, ch, n, m int, mean, v *[4]float64) {
	if n < 4 {
		for j := range n {
			xs := x[(ch+j)*m : (ch+j+1)*m]
			mean[j] = chanSum(xs) / float64(m)
			v[j] = chanSqDev(xs, mean[j]) / float64(m)
		}
		return
	}
	x0, x1, x2, x3 := x[ch*m:(ch+1)*m], x[(ch+1)*m:(ch+2)*m], x[(ch+2)*m:(ch+3)*m], x[(ch+3)*m:(ch+4)*m]
	x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
	var s0, s1, s2, s3 float64
	for i, a := range x0 {
		s0 += float64(a)
		s1 += float64(x1[i])
		s2 += float64(x2[i])
		s3 += float64(x3[i])
	}
	fm := float64(m)
	m0, m1, m2, m3 := s0/fm, s1/fm, s2/fm, s3/fm
	var q0, q1, q2, q3 float64
	for i, a := range x0 {
		d0, d1, d2, d3 := float64(a)-m0, float64(x1[i])-m1, float64(x2[i])-m2, float64(x3[i])-m3
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
	}
	*mean = [4]float64{m0, m1, m2, m3}
	*v = [4]float64{q0 / fm, q1 / fm, q2 / fm, q3 / fm}
}

// updateRunning moves channel ch's running statistics towards a batch's
// mean and biased variance v over n values.
func (b *bnFwd) updateRunning(ch int, mean, v, n, mom float64) {
	unbiased := v
	if n > 1 {
		unbiased = v * n / (n - 1)
	}
	b.st.Mean[ch] = float32((1-mom)*float64(b.st.Mean[ch]) + mom*mean)
	b.st.Var[ch] = float32((1-mom)*float64(b.st.Var[ch]) + mom*unbiased)
}

// normalize writes channel ch's output ys for its input xs, normalised with
// mean and variance v, and saves the statistics for the gradient.
func (b *bnFwd) normalize(ch int, mean, v float64, xs, ys []float32, gamma, beta float32) {
	sv := b.saved
	inv := 1 / math.Sqrt(v+BNEps)
	sv.mean[ch], sv.invstd[ch] = float32(mean), float32(inv)
	scale := float32(inv) * gamma
	shift := beta - float32(mean)*scale
	switch {
	case b.act == nil:
		kernels.AffineAct(ys, xs, scale, shift, kernels.ActNone, 0)
	case b.act.kind == actReLU:
		kernels.AffineAct(ys, xs, scale, shift, kernels.ActReLU, 0)
	default:
		kernels.AffineAct(ys, xs, scale, shift, kernels.ActLeaky, b.act.alpha)
	}
}

// forwardReduced is the train-mode forward pass when the batch is spread
// over the processes of a job (BNState.Reduce) or taken in slices
// (BNState.Split): the per-channel sums, then the sums of squared
// deviations from the batch's mean, are summed over the slices and the
// processes, so every process normalises with the whole batch's
// statistics.
func (b *bnFwd) forwardReduced(out []float32, in [][]float32, c, m int, mom float64) error {
	x, gamma, beta := in[0], in[1], in[2]
	sv := b.saved
	ns := b.st.Split.slices()
	sv.stats = growF64(sv.stats, 2*c+1)
	// per-channel sums, then the value count; then the per-channel sums of
	// squared deviations
	mean, v := sv.stats[:c+1], sv.stats[c+1:]
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mean[ch] = sliceSum(x[ch*m:(ch+1)*m], ns, chanSum)
		}
	})
	mean[c] = float64(m)
	if err := b.sumJob(mean); err != nil {
		return err
	}
	n := mean[c]
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mean[ch] /= n
			mu := mean[ch]
			v[ch] = sliceSum(x[ch*m:(ch+1)*m], ns, func(xs []float32) float64 { return chanSqDev(xs, mu) })
		}
	})
	if err := b.sumJob(v); err != nil {
		return err
	}
	sv.n, sv.reduce, sv.slices = n, b.st.Reduce, ns
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			v[ch] /= n
			b.updateRunning(ch, mean[ch], v[ch], n, mom)
			b.normalize(ch, mean[ch], v[ch], x[ch*m:(ch+1)*m], out[ch*m:(ch+1)*m], gamma[ch], beta[ch])
		}
	})
	return nil
}

// sumJob sums buf over the job's processes, if any.
func (b *bnFwd) sumJob(buf []float64) error {
	if b.st.Reduce == nil {
		return nil
	}
	if err := b.st.Reduce.SumFloat64(buf); err != nil {
		return fmt.Errorf("batch statistics over the job: %w", err)
	}
	return nil
}

// sliceSum returns the sum of f over the n equal slices of xs, added in
// slice order (f(xs) itself when n is 1).
func sliceSum(xs []float32, n int, f func([]float32) float64) float64 {
	if n == 1 {
		return f(xs)
	}
	q := len(xs) / n
	var s float64
	for i := range n {
		s += f(xs[i*q : (i+1)*q])
	}
	return s
}

func (b *bnFwd) diffWRT() []bool { return []bool{true, true, true} }

func (b *bnFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	res := make(gorgonia.Nodes, 3)
	for i := range res {
		n, err := apply(&bnGrad{saved: b.saved, wrt: i, act: b.act}, in[0], in[1], grad, out)
		if err != nil {
			return nil, err
		}
		res[i] = n
	}
	return res, nil
}

// bnGrad: inputs x, gamma, dOut, out (the forward output: with act, the
// activation's derivative is read from it; otherwise it only orders this op
// after the forward). wrt selects the gradient: 0 x, 1 gamma, 2 beta. The
// gradient dz that reaches the normalisation is dOut, or dOut times the
// activation's slope at out when act is set.
type bnGrad struct {
	noDiff
	partSums // gamma's or beta's gradient per slice (slices > 1)
	saved    *bnSaved
	wrt      int
	act      *actFwd
}

func (b *bnGrad) name() string {
	n := [...]string{"BatchNormGradX", "BatchNormGradGamma", "BatchNormGradBeta"}[b.wrt]
	if b.act != nil {
		n += "+" + b.act.name()
	}
	return n
}

func (b *bnGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("got %d inputs, want 4", len(in))
	}
	if err := checkBNParams(in[0], in[1], nil); err != nil {
		return nil, err
	}
	if b.wrt == 0 {
		return in[0].Clone(), nil
	}
	return tensor.Shape{in[0][0]}, nil
}

// negSlope returns the activation's derivative where its output is not
// positive (0 for ReLU, alpha for LeakyReLU, 1 without an activation);
// where the output is positive it is 1. y > 0 exactly where the normalised
// value is, for ReLU and for LeakyReLU with alpha >= 0 (NaNs aside). The
// gradient that reaches the normalisation is dz = dOut * kernels.Slope(out,
// negSlope()).
func (b *bnGrad) negSlope() float32 {
	switch {
	case b.act == nil:
		return 1
	case b.act.kind == actReLU:
		return 0
	}
	return b.act.alpha
}

// sums fills saved.sdy and saved.sdyx (per slice) for this forward run and
// gradient, unless another gradient op of the layer already did; with a
// job-wide or sliced forward pass also saved.gsum, their sums over the
// slices and the job.
func (b *bnGrad) sums(c, m int, x, dy, y []float32) error {
	sv := b.saved
	if sv.sumsGen == sv.gen && sv.sumsOf == dataPtr(dy) {
		return nil
	}
	ns := sv.slices
	q := m / ns
	sv.sdy = growF64(sv.sdy, ns*c)
	sv.sdyx = growF64(sv.sdyx, ns*c)
	neg := b.negSlope()
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch += 2 {
			for k := range ns {
				sv.sliceSums(x, dy, y, ch, min(2, hi-ch), k, c, m, q, neg)
			}
		}
	})
	sv.global = sv.reduce != nil || ns > 1
	if sv.global {
		sv.gsum = growF64(sv.gsum, 2*c)
		for ch := range c {
			sv.gsum[ch], sv.gsum[c+ch] = sv.sdy[ch], sv.sdyx[ch]
			for k := 1; k < ns; k++ {
				sv.gsum[ch] += sv.sdy[k*c+ch]
				sv.gsum[c+ch] += sv.sdyx[k*c+ch]
			}
		}
	}
	if sv.reduce != nil {
		if err := sv.reduce.SumFloat64(sv.gsum); err != nil {
			return fmt.Errorf("gradient sums over the job: %w", err)
		}
	}
	sv.sumsGen, sv.sumsOf = sv.gen, dataPtr(dy)
	return nil
}

// sliceSums writes sdy and sdyx of slice k (q values from k*q) of the n
// channels from ch, n 1 or 2. Two channels run as four independent chains
// of float64 additions instead of two (one chain's every addition waits
// for the one before); each channel's values are still added in their
// order, so the sums are the same bit for bit.
func (sv *bnSaved) sliceSums(x, dy, y []float32, ch, n, k, c, m, q int, neg float32) {
	o0 := ch*m + k*q
	x0, dy0, y0 := x[o0:o0+q], dy[o0:o0+q], y[o0:o0+q]
	x0, y0 = x0[:len(dy0)], y0[:len(dy0)] // no bounds checks in the loops
	mean0, inv0 := sv.mean[ch], sv.invstd[ch]
	var sdy0, sdyx0 float64
	if n == 1 {
		for i, d := range dy0 {
			d *= kernels.Slope(y0[i], neg)
			sdy0 += float64(d)
			sdyx0 += float64(d) * float64((x0[i]-mean0)*inv0)
		}
		sv.sdy[k*c+ch], sv.sdyx[k*c+ch] = sdy0, sdyx0
		return
	}
	o1 := o0 + m
	x1, dy1, y1 := x[o1:o1+q], dy[o1:o1+q], y[o1:o1+q]
	x1, dy1, y1 = x1[:len(dy0)], dy1[:len(dy0)], y1[:len(dy0)]
	mean1, inv1 := sv.mean[ch+1], sv.invstd[ch+1]
	var sdy1, sdyx1 float64
	for i, d0 := range dy0 {
		d0 *= kernels.Slope(y0[i], neg)
		d1 := dy1[i] * kernels.Slope(y1[i], neg)
		sdy0 += float64(d0)
		sdyx0 += float64(d0) * float64((x0[i]-mean0)*inv0)
		sdy1 += float64(d1)
		sdyx1 += float64(d1) * float64((x1[i]-mean1)*inv1)
	}
	sv.sdy[k*c+ch], sv.sdyx[k*c+ch] = sdy0, sdyx0
	sv.sdy[k*c+ch+1], sv.sdyx[k*c+ch+1] = sdy1, sdyx1
}

// paramGrad writes gamma's (sums sdyx) or beta's (sdy) gradient: this
// process's sum, rounded to float32 per slice and the slices added in
// order, as a job adds its processes' float32 gradients.
func (b *bnGrad) paramGrad(out []float32, sums []float64, c int) {
	ns := b.saved.slices
	if ns == 1 {
		for ch := range c {
			out[ch] = float32(sums[ch])
		}
		return
	}
	b.grow(ns, c)
	for k, p := range b.parts {
		for ch := range c {
			p[ch] = float32(sums[k*c+ch])
		}
	}
	b.sumInto(out)
}

func (b *bnGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	c, m, err := bnDims(s[0])
	if err != nil {
		return err
	}
	sv := b.saved
	if len(sv.mean) != c {
		return fmt.Errorf("gradient run before the forward pass")
	}
	x, gamma, dy, y := in[0], in[1], in[2], in[3]
	if err := b.sums(c, m, x, dy, y); err != nil {
		return err
	}
	switch b.wrt {
	case 1:
		b.paramGrad(out, sv.sdyx, c)
		return nil
	case 2:
		b.paramGrad(out, sv.sdy, c)
		return nil
	}
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b.gradX(out[ch*m:(ch+1)*m], x[ch*m:(ch+1)*m], dy[ch*m:(ch+1)*m], y[ch*m:(ch+1)*m], ch, m, gamma[ch])
		}
	})
	return nil
}

// gradX writes channel ch's input gradient into dxs.
func (b *bnGrad) gradX(dxs, xs, dys, ys []float32, ch, m int, gamma float32) {
	sv := b.saved
	mean, inv := sv.mean[ch], sv.invstd[ch]
	g := gamma * inv
	neg := b.negSlope()
	if !sv.training {
		for i, d := range dys {
			dxs[i] = g * (d * kernels.Slope(ys[i], neg))
		}
		return
	}
	// The input gradient needs the sums over the whole batch: the job's
	// when the forward pass normalised with the job's statistics. gamma's
	// and beta's gradients stay this process's part, summed with the other
	// weights' gradients.
	sdy, sdyx := sv.sdy[ch], sv.sdyx[ch]
	if sv.global {
		c := len(sv.gsum) / 2
		sdy, sdyx = sv.gsum[ch], sv.gsum[c+ch]
	}
	p := kernels.BNGradParams{G: g, A: float32(sdy / sv.n), B: float32(sdyx / sv.n), Mean: mean, Inv: inv, Neg: neg}
	kernels.BNGradX(dxs, xs, dys, ys, &p)
}

// chanSum returns the sum of xs, in float64.
func chanSum(xs []float32) float64 {
	var s float64
	for _, xv := range xs {
		s += float64(xv)
	}
	return s
}

// chanSqDev returns the sum of the squared deviations of xs from mean, in
// float64.
func chanSqDev(xs []float32, mean float64) float64 {
	var s float64
	for _, xv := range xs {
		d := float64(xv) - mean
		s += d * d
	}
	return s
}

// growF64 returns buf resized to n values, reallocating only when it is too
// small.
func growF64(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}
