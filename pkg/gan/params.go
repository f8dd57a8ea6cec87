package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/tensor"
)

// param is one named tensor of a network. Its value lives in t, a
// *tensor.Dense that every graph of the model shares (the graphs' nodes are
// bound to this very tensor), so the optimiser updates it in place.
type param struct {
	name   string // state_dict name inside the network, e.g. "main.0.weight"
	shape  []int
	t      *tensor.Dense
	data   []float32 // t's backing array
	buffer bool      // BatchNorm running statistic (not trained)
	zero   bool      // initialised to zero without a draw (paramSpec.zero)

	grad []float32 // this step's gradient: a view of a graph value (trainable only)
	m, v []float32 // Adam moments (trainable only, not for EMA)
}

// net is the parameter set of one network (G, D or the EMA generator).
type net struct {
	prefix string // "G.", "D." or "EMA."
	layers []layer
	params []*param
	byName map[string]*param
	reduce nn.Reducer // BatchNorm statistics over a data-parallel job; nil: none
	split  nn.Split   // the training graphs' sums over the batch (Config.ReduceSplit)
}

// newNet allocates the tensors of layers. Trainable parameters get Adam
// buffers when withOpt is set.
func newNet(prefix string, layers []layer, withOpt bool) *net {
	n := &net{prefix: prefix, layers: layers, byName: map[string]*param{}}
	for _, l := range layers {
		for _, s := range l.specs() {
			size := 1
			for _, d := range s.shape {
				size *= d
			}
			data := make([]float32, size)
			p := &param{
				name:   s.name,
				shape:  s.shape,
				t:      tensor.New(tensor.WithShape(s.shape...), tensor.WithBacking(data)),
				data:   data,
				buffer: s.buffer,
				zero:   s.zero,
			}
			if withOpt && !s.buffer {
				p.m = make([]float32, size)
				p.v = make([]float32, size)
			}
			n.params = append(n.params, p)
			n.byName[s.name] = p
		}
	}
	return n
}

// get returns the parameter called name (without the network prefix).
func (n *net) get(name string) *param { return n.byName[name] }

// init fills the weights as DCGAN does: conv and linear weights N(0, 0.02),
// BatchNorm gamma N(1, 0.02) and beta 0, running mean 0 and variance 1,
// linear biases 0. Values are drawn in parameter order from r.
func (n *net) init(r *rand.Rand) {
	for _, p := range n.params {
		switch {
		case p.buffer && hasSuffix(p.name, ".running_var"):
			fill(p.data, 1)
		case p.buffer || p.zero:
			fill(p.data, 0)
		case hasSuffix(p.name, ".bias"):
			fill(p.data, 0)
		case len(p.shape) == 1: // BatchNorm gamma
			for i := range p.data {
				p.data[i] = float32(1 + 0.02*r.NormFloat64())
			}
		default:
			for i := range p.data {
				p.data[i] = float32(0.02 * r.NormFloat64())
			}
		}
	}
}

// copyFrom copies every tensor of src (same architecture) into n.
func (n *net) copyFrom(src *net) {
	for i, p := range n.params {
		copy(p.data, src.params[i].data)
	}
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// adam is torch.optim.Adam's update (no weight decay, no amsgrad) over the
// trainable parameters of one network.
type adam struct {
	lr, beta1, beta2, eps float64
	t                     int // steps taken
}

// newAdam is Adam with learning rate lr and cfg's betas.
func newAdam(lr float64, cfg Config) adam {
	return adam{lr: lr, beta1: cfg.Beta1, beta2: cfg.Beta2, eps: 1e-8}
}

// step applies one update with the gradients in each param's grad. Each
// element is updated independently, so splitting the loop across workers
// changes nothing in the result.
func (a *adam) step(n *net) {
	a.t++
	bc1 := 1 - math.Pow(a.beta1, float64(a.t))
	bc2 := 1 - math.Pow(a.beta2, float64(a.t))
	ap := &kernels.AdamParams{B1: float32(a.beta1), OB1: 1 - float32(a.beta1), B2: float32(a.beta2), OB2: 1 - float32(a.beta2),
		InvSqrtBC2: float32(1 / math.Sqrt(bc2)), Eps: float32(a.eps), StepSize: float32(a.lr / bc1)}
	for _, p := range n.params {
		if p.buffer {
			continue
		}
		w, g, m, v := p.data, p.grad, p.m, p.v
		kernels.ParallelForMin(len(w), 1<<15, func(lo, hi int) {
			kernels.Adam(w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], ap)
		})
	}
}

// EMAStepDecay is the decay the generator's moving average uses at G's
// step t for a configured decay: min(decay, (1+t)/(10+t)), so that the
// average is useful early in training (TensorFlow's
// ExponentialMovingAverage with num_updates).
func EMAStepDecay(decay float64, t int) float64 {
	return min(decay, float64(1+t)/float64(10+t))
}

// emaUpdate moves the EMA generator towards G: ema = d*ema + (1-d)*g for
// trainable tensors, with d = EMAStepDecay(decay, t) (t is G's step
// count). BatchNorm running statistics
// are copied from G (the EMA generator normalises with G's statistics), or
// averaged like the weights when avgStats is set (Config.EMABN "ema").
// decay 0 makes the EMA generator an exact copy of G.
func emaUpdate(ema, g *net, decay float64, t int, avgStats bool) {
	d := EMAStepDecay(decay, t)
	df, of := float32(d), float32(1-d)
	for i, p := range ema.params {
		src := g.params[i].data
		if (p.buffer && !avgStats) || d == 0 {
			copy(p.data, src)
			continue
		}
		dst := p.data
		kernels.ParallelForMin(len(dst), 1<<15, func(lo, hi int) {
			kernels.Lerp(dst[lo:hi], src[lo:hi], df, of)
		})
	}
}

// stateSlot is where one named state tensor goes.
type stateSlot struct {
	shape []int
	dst   []float32
}

// checkShape reports whether got equals want.
func checkShape(name string, got, want []int) error {
	if !slices.Equal(got, want) {
		return fmt.Errorf("tensor %s has shape %v, want %v", name, got, want)
	}
	return nil
}
