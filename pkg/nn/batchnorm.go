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

// bnSaved is what one BatchNorm forward pass leaves for its gradient ops.
type bnSaved struct {
	mean, invstd []float32
	training     bool
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
	if x == nil || gamma == nil || beta == nil || st == nil {
		return nil, fmt.Errorf("nn.BatchNorm: nil input or state")
	}
	if err := checkBNParams(x.Shape(), gamma.Shape(), beta.Shape()); err != nil {
		return nil, fmt.Errorf("nn.BatchNorm: %w", err)
	}
	c := x.Shape()[0]
	if len(st.Mean) != c || len(st.Var) != c {
		return nil, fmt.Errorf("nn.BatchNorm: state has %d means and %d variances, want %d", len(st.Mean), len(st.Var), c)
	}
	return apply(&bnFwd{st: st, training: training, saved: &bnSaved{}}, x, gamma, beta)
}

// bnFwd: inputs x, gamma, beta.
type bnFwd struct {
	st       *BNState
	training bool
	saved    *bnSaved
}

func (b *bnFwd) name() string {
	if b.training {
		return "BatchNorm(train)"
	}
	return "BatchNorm(eval)"
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
	mom := BNMomentum
	if b.st.Cumulative {
		mom = 1 / float64(b.st.Batches+1)
		defer func() { b.st.Batches++ }()
	}
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			xs := x[ch*m : (ch+1)*m]
			var mean, v float64
			if b.training {
				for _, xv := range xs {
					mean += float64(xv)
				}
				mean /= float64(m)
				for _, xv := range xs {
					d := float64(xv) - mean
					v += d * d
				}
				v /= float64(m)
				unbiased := v
				if m > 1 {
					unbiased = v * float64(m) / float64(m-1)
				}
				b.st.Mean[ch] = float32((1-mom)*float64(b.st.Mean[ch]) + mom*mean)
				b.st.Var[ch] = float32((1-mom)*float64(b.st.Var[ch]) + mom*unbiased)
			} else {
				mean, v = float64(b.st.Mean[ch]), float64(b.st.Var[ch])
			}
			inv := 1 / math.Sqrt(v+BNEps)
			sv.mean[ch], sv.invstd[ch] = float32(mean), float32(inv)
			scale := float32(inv) * gamma[ch]
			shift := beta[ch] - float32(mean)*scale
			ys := out[ch*m : (ch+1)*m]
			for i, xv := range xs {
				ys[i] = xv*scale + shift
			}
		}
	})
	return nil
}

func (b *bnFwd) diffWRT() []bool { return []bool{true, true, true} }

func (b *bnFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	res := make(gorgonia.Nodes, 3)
	for i := range res {
		n, err := apply(&bnGrad{saved: b.saved, wrt: i}, in[0], in[1], grad, out)
		if err != nil {
			return nil, err
		}
		res[i] = n
	}
	return res, nil
}

// bnGrad: inputs x, gamma, dOut, out (the forward output, only to order
// this op after the forward). wrt selects the gradient: 0 x, 1 gamma,
// 2 beta.
type bnGrad struct {
	noDiff
	saved *bnSaved
	wrt   int
}

func (b *bnGrad) name() string {
	return [...]string{"BatchNormGradX", "BatchNormGradGamma", "BatchNormGradBeta"}[b.wrt]
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

func (b *bnGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	c, m, err := bnDims(s[0])
	if err != nil {
		return err
	}
	sv := b.saved
	if len(sv.mean) != c {
		return fmt.Errorf("gradient run before the forward pass")
	}
	x, gamma, dy := in[0], in[1], in[2]
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			xs, dys := x[ch*m:(ch+1)*m], dy[ch*m:(ch+1)*m]
			mean, inv := sv.mean[ch], sv.invstd[ch]
			var sdy, sdyx float64
			if b.wrt != 2 {
				for i, d := range dys {
					sdy += float64(d)
					sdyx += float64(d) * float64((xs[i]-mean)*inv)
				}
			} else {
				for _, d := range dys {
					sdy += float64(d)
				}
			}
			switch b.wrt {
			case 1:
				out[ch] = float32(sdyx)
			case 2:
				out[ch] = float32(sdy)
			default:
				dxs := out[ch*m : (ch+1)*m]
				g := gamma[ch] * inv
				if !sv.training {
					for i, d := range dys {
						dxs[i] = g * d
					}
					continue
				}
				a := float32(sdy / float64(m))
				bb := float32(sdyx / float64(m))
				for i, d := range dys {
					dxs[i] = g * (d - a - (xs[i]-mean)*inv*bb)
				}
			}
		}
	})
	return nil
}
