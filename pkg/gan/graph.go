package gan

import (
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph plumbing shared by the training graphs (train.go) and the
// inference graphs (infer.go): binding a network's weights into a gorgonia
// graph, its forward pass, the internal tensor layouts, compiling and
// running a graph.

// leakySlope is LeakyReLU's negative slope (DCGAN's 0.2).
const leakySlope = 0.2

// bound holds a network's nodes in one graph.
type bound struct {
	n     *net
	nodes map[string]*gorgonia.Node
	bn    map[int]*nn.BNState
	sn    map[int]*nn.SNState
	cbn   *nn.CondBN // a generator's conditional BatchNorm rows (cond.go); nil: plain BatchNorm
}

// bind adds n's trainable tensors to g as input nodes sharing their values.
// Every graph gets BatchNorm states that point at the same running
// statistics (the net's running_mean and running_var tensors).
func bind(g *gorgonia.ExprGraph, n *net) *bound {
	b := &bound{n: n, nodes: map[string]*gorgonia.Node{}, bn: map[int]*nn.BNState{}, sn: map[int]*nn.SNState{}}
	for _, p := range n.params {
		if p.buffer {
			continue
		}
		b.nodes[p.name] = gorgonia.NewTensor(g, tensor.Float32, len(p.shape),
			gorgonia.WithShape(p.shape...), gorgonia.WithName(n.prefix+p.name), gorgonia.WithValue(p.t))
	}
	for _, l := range n.layers {
		if l.kind == kBN {
			b.bn[l.index] = &nn.BNState{Mean: n.get(l.prefix() + ".running_mean").data, Var: n.get(l.prefix() + ".running_var").data, Reduce: n.reduce, Split: n.split}
		}
		if l.sn {
			b.sn[l.index] = &nn.SNState{U: n.get(l.prefix() + ".weight_u").data, V: n.get(l.prefix() + ".weight_v").data}
		}
	}
	return b
}

// params returns the trainable nodes in parameter order.
func (b *bound) params() gorgonia.Nodes {
	var out gorgonia.Nodes
	for _, p := range b.n.params {
		if !p.buffer {
			out = append(out, b.nodes[p.name])
		}
	}
	return out
}

// forward applies the network to x (CBHW, or [features, B] for the MLP).
// training selects batch statistics (updating the running ones) for
// BatchNorm. A BatchNorm followed by ReLU or LeakyReLU becomes one fused op
// (the same numbers, one pass and one stored activation fewer).
func (b *bound) forward(x *gorgonia.Node, training bool) (*gorgonia.Node, error) {
	var err error
	layers := b.n.layers
	for i := 0; i < len(layers); i++ {
		l := layers[i]
		p := l.prefix()
		switch l.kind {
		case kBN:
			next := kBN
			if i+1 < len(layers) {
				next = layers[i+1].kind
			}
			x, err = b.batchNorm(x, l, next, training)
			if next == kReLU || next == kLReLU {
				i++
			}
		default:
			x, err = b.layer(x, l, training)
		}
		if err != nil {
			return nil, fmt.Errorf("gan: building %s%s: %w", b.n.prefix, p, err)
		}
	}
	return x, nil
}

// batchNorm applies BatchNorm layer l, fused with the activation that
// follows it (next) when that is ReLU or LeakyReLU.
func (b *bound) batchNorm(x *gorgonia.Node, l layer, next layerKind, training bool) (*gorgonia.Node, error) {
	p := l.prefix()
	gamma, beta, st := b.nodes[p+".weight"], b.nodes[p+".bias"], b.bn[l.index]
	if gain := b.nodes[condBNName(l.index, "weight")]; gain != nil && b.cbn != nil {
		if next == kLReLU {
			return nil, fmt.Errorf("conditional BatchNorm followed by LeakyReLU")
		}
		return nn.CondBatchNorm(x, gamma, beta, gain, b.nodes[condBNName(l.index, "bias")], st, training, *b.cbn, next == kReLU)
	}
	switch next {
	case kReLU:
		return nn.BatchNormReLU(x, gamma, beta, st, training)
	case kLReLU:
		return nn.BatchNormLeakyReLU(x, gamma, beta, st, training, leakySlope)
	}
	return nn.BatchNorm(x, gamma, beta, st, training)
}

// layer applies one layer other than BatchNorm.
func (b *bound) layer(x *gorgonia.Node, l layer, training bool) (*gorgonia.Node, error) {
	p := l.prefix()
	var err error
	switch l.kind {
	case kConvT:
		return nn.ConvTranspose2d(x, b.nodes[p+".weight"], l.stride, l.pad, l.opad, b.n.split)
	case kConv:
		w := b.nodes[p+".weight"]
		if l.sn {
			if w, err = nn.SpectralNorm(w, b.sn[l.index], training); err != nil {
				return nil, err
			}
		}
		return nn.Conv2d(x, w, l.stride, l.pad, b.n.split)
	case kMBStd:
		return nn.MinibatchStd(x)
	case kReLU:
		return nn.ReLU(x)
	case kLReLU:
		return nn.LeakyReLU(x, leakySlope)
	case kTanh:
		return nn.Tanh(x)
	case kEmbed, kCBN: // conditioning tables, used by forwardCond and batchNorm (cond.go)
		return x, nil
	case kLinear:
		if x, err = gorgonia.Mul(b.nodes[p+".weight"], x); err != nil {
			return nil, err
		}
		return gorgonia.BroadcastAdd(x, b.nodes[p+".bias"], nil, []byte{1})
	}
	return nil, fmt.Errorf("unknown layer kind %d", l.kind)
}

// imageShape is the internal shape of a batch of n images.
func (m *Model) imageShape(n int) []int {
	if m.cfg.Arch == "mlp" {
		return []int{m.imageLen(), n}
	}
	return []int{m.cfg.Channels, n, m.cfg.Size, m.cfg.Size}
}

// latentShape is the internal shape of n latent vectors.
func (m *Model) latentShape(n int) []int {
	if m.cfg.Arch == "mlp" {
		return []int{m.cfg.NZ, n}
	}
	return []int{m.cfg.NZ, n, 1, 1}
}

// toInternal copies n NCHW records of per values each into dst in the
// internal channel-major layout.
func toInternal(dst, src []float32, n, per, hw int) error {
	return nn.NCHWToCBHW(dst, src, n, per/hw, hw, 1)
}

// fromInternal is the inverse of toInternal.
func fromInternal(dst, src []float32, n, per, hw int) error {
	return nn.CBHWToNCHW(dst, src, n, per/hw, hw, 1)
}

// hw is the spatial size of one channel plane in the internal layout.
func (m *Model) hw() int {
	if m.cfg.Arch == "mlp" {
		return 1
	}
	return m.cfg.Size * m.cfg.Size
}

// newInput adds a float32 input node with its own zeroed value.
func newInput(g *gorgonia.ExprGraph, name string, shape []int) (*gorgonia.Node, []float32) {
	size := 1
	for _, d := range shape {
		size *= d
	}
	data := make([]float32, size)
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	return gorgonia.NewTensor(g, tensor.Float32, len(shape), gorgonia.WithShape(shape...),
		gorgonia.WithName(name), gorgonia.WithValue(t)), data
}

// machine compiles the part of g that outputs need and returns its VM.
func machine(g *gorgonia.ExprGraph, inputs, outputs gorgonia.Nodes) (gorgonia.VM, error) {
	prog, locMap, err := gorgonia.CompileFunction(g, inputs, outputs)
	if err != nil {
		return nil, fmt.Errorf("gan: compiling graph: %w", err)
	}
	return gorgonia.NewTapeMachine(g, gorgonia.WithPrecompiled(prog, locMap)), nil
}

// run resets vm and runs it once. Every graph of the package runs here, so
// this is where a VM error's cause is opened to errors.Is and errors.As:
// gorgonia keeps it behind an Err method rather than Unwrap.
func run(vm gorgonia.VM) error {
	vm.Reset()
	if err := vm.RunAll(); err != nil {
		return vmError(err)
	}
	return nil
}

// vmError returns err with its cause (gorgonia's Err method) reachable by
// Unwrap; an error without one is returned as it is.
func vmError(err error) error {
	ce, ok := err.(interface{ Err() error })
	if !ok || ce.Err() == nil {
		return err
	}
	return causeError{err, ce.Err()}
}

// causeError is a VM error, message unchanged, that unwraps to its cause.
type causeError struct {
	error
	cause error
}

func (e causeError) Unwrap() error { return e.cause }

func f32s(n *gorgonia.Node) []float32 {
	if n.Value() == nil {
		return nil
	}
	switch v := n.Value().(type) {
	case *tensor.Dense:
		d, _ := v.Data().([]float32)
		return d
	case *gorgonia.F32:
		return []float32{float32(*v)}
	}
	return nil
}

func scalarValue(n *gorgonia.Node) float64 {
	s, err := scalarOf(n.Value())
	if err != nil {
		return math.NaN()
	}
	return float64(s)
}

func meanSigmoid(logits []float32) float64 {
	s := 0.0
	for _, l := range logits {
		s += 1 / (1 + math.Exp(-float64(l)))
	}
	return s / float64(max(len(logits), 1))
}
