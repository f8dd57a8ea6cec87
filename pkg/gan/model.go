package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is a GAN ready to train or sample: both networks, their optimiser
// state, the EMA generator and the latent RNG.
//
// Weights live in *tensor.Dense values shared by every gorgonia graph of
// the model; graphs are built lazily (training graphs on the first Step,
// sampling graphs on the first Generate/Discriminate) and reused. A Model is
// not safe for concurrent use.
type Model struct {
	cfg  Config
	arch arch

	g, d, ema  *net
	optG, optD adam

	pcg *rand.PCG // latent draws during training
	rng *rand.Rand

	train *trainGraphs
	infer map[inferKey]*inferGraph

	// latents, when set (by tests), replaces the RNG draws of drawLatents.
	latents func(dst []float32, n int)
}

var installOnce sync.Once

// New builds a model for cfg with freshly initialised weights (from
// cfg.Seed). Zero fields that must be positive (channels, nz, widths,
// kernel, batch, lr, betas, d_steps, arch) take DefaultConfig's values;
// Config returns the completed configuration.
func New(cfg Config) (*Model, error) {
	installOnce.Do(kernels.Install)
	cfg = withDefaults(cfg)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := buildArch(cfg)
	m := &Model{
		cfg:   cfg,
		arch:  a,
		g:     newNet("G.", a.g, true),
		d:     newNet("D.", a.d, true),
		ema:   newNet("EMA.", a.g, false),
		optG:  adam{lr: cfg.LR, beta1: cfg.Beta1, beta2: cfg.Beta2, eps: 1e-8},
		optD:  adam{lr: cfg.LR, beta1: cfg.Beta1, beta2: cfg.Beta2, eps: 1e-8},
		pcg:   rand.NewPCG(cfg.Seed, 0x70076a),
		infer: map[inferKey]*inferGraph{},
	}
	m.rng = rand.New(m.pcg)
	ir := rand.New(rand.NewPCG(cfg.Seed, 0x1217))
	m.g.init(ir)
	m.d.init(ir)
	m.ema.copyFrom(m.g)
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Close releases the model's compiled graphs; the weights stay readable
// (State) and later calls rebuild what they need.
func (m *Model) Close() error {
	var vms []gorgonia.VM
	if t := m.train; t != nil {
		vms = append(vms, t.gVM, t.dVM, t.fgVM)
		if t.gFwdVM != nil {
			vms = append(vms, t.gFwdVM)
		}
	}
	for _, ig := range m.infer {
		vms = append(vms, ig.vm)
	}
	for _, vm := range vms {
		if err := vm.Close(); err != nil {
			return fmt.Errorf("gan: close: %w", err)
		}
	}
	m.train, m.infer = nil, map[inferKey]*inferGraph{}
	return nil
}

// ParamCount returns the number of trainable values of G and D.
func (m *Model) ParamCount() (g, d int) { return m.g.paramCount(), m.d.paramCount() }

// imageLen is the number of values of one image.
func (m *Model) imageLen() int { return m.cfg.Channels * m.cfg.Size * m.cfg.Size }

// ---------------------------------------------------------------------------
// Graph construction

// bound holds a network's nodes in one graph.
type bound struct {
	n     *net
	nodes map[string]*gorgonia.Node
	bn    map[int]*nn.BNState
}

// bind adds n's trainable tensors to g as input nodes sharing their values.
// Every graph gets BatchNorm states that point at the same running
// statistics (the net's running_mean and running_var tensors).
func bind(g *gorgonia.ExprGraph, n *net) *bound {
	b := &bound{n: n, nodes: map[string]*gorgonia.Node{}, bn: map[int]*nn.BNState{}}
	for _, p := range n.params {
		if p.buffer {
			continue
		}
		b.nodes[p.name] = gorgonia.NewTensor(g, tensor.Float32, len(p.shape),
			gorgonia.WithShape(p.shape...), gorgonia.WithName(n.prefix+p.name), gorgonia.WithValue(p.t))
	}
	for _, l := range n.layers {
		if l.kind == kBN {
			b.bn[l.index] = &nn.BNState{Mean: n.get(l.prefix() + ".running_mean").data, Var: n.get(l.prefix() + ".running_var").data}
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
// BatchNorm.
func (b *bound) forward(x *gorgonia.Node, training bool) (*gorgonia.Node, error) {
	var err error
	for _, l := range b.n.layers {
		p := l.prefix()
		switch l.kind {
		case kConvT:
			x, err = nn.ConvTranspose2d(x, b.nodes[p+".weight"], l.stride, l.pad, l.opad)
		case kConv:
			x, err = nn.Conv2d(x, b.nodes[p+".weight"], l.stride, l.pad)
		case kBN:
			x, err = nn.BatchNorm(x, b.nodes[p+".weight"], b.nodes[p+".bias"], b.bn[l.index], training)
		case kReLU:
			x, err = nn.ReLU(x)
		case kLReLU:
			x, err = nn.LeakyReLU(x, 0.2)
		case kTanh:
			x, err = nn.Tanh(x)
		case kLinear:
			x, err = gorgonia.Mul(b.nodes[p+".weight"], x)
			if err == nil {
				x, err = gorgonia.BroadcastAdd(x, b.nodes[p+".bias"], nil, []byte{1})
			}
		}
		if err != nil {
			return nil, fmt.Errorf("gan: building %s%s: %w", b.n.prefix, p, err)
		}
	}
	return x, nil
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

// run resets vm and runs it once.
func run(vm gorgonia.VM) error {
	vm.Reset()
	if err := vm.RunAll(); err != nil {
		return err
	}
	return nil
}

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

// ---------------------------------------------------------------------------
// Training graphs

// trainGraphs are the training-time graphs, built on the first Step.
type trainGraphs struct {
	// gTrain: z -> G (batch statistics) -> fake -> dHook; gradients wrt G.
	gVM     gorgonia.VM
	z       []float32 // z input, internal layout
	gGrads  gorgonia.Nodes
	gParams []*param // trainable G params, aligned with gGrads
	hook    *dHook

	// gFwd: z -> G -> fake only, for the extra D steps when DSteps > 1.
	gFwdVM   gorgonia.VM
	gFwdZ    []float32
	gFwdFake *gorgonia.Node

	// dTrain: BCE(D(x), target); gradients wrt D. Run once on the real
	// batch (target 1-smooth) and once on fake (target 0): separate
	// BatchNorm batches as in pytorch/examples, one set of op buffers.
	dVM     gorgonia.VM
	dX      *gorgonia.Node // bound to realT or to the fake of the G graph
	realT   *tensor.Dense  // real batch, internal layout
	real    []float32      // realT's data
	target  []float32      // per-sample target
	dLoss   *gorgonia.Node
	dLogits *gorgonia.Node
	dGrads  gorgonia.Nodes
	dParams []*param
	dAcc    [][]float32 // real-batch gradients, then the sum

	// dForG: BCE(D(fake), 1); gradient wrt fake only.
	fgVM    gorgonia.VM
	fgFake  *gorgonia.Node
	fgLoss  *gorgonia.Node
	fgGradX *gorgonia.Node

	stats Stats // filled by the hook
}

func trainable(n *net) []*param {
	var out []*param
	for _, p := range n.params {
		if !p.buffer {
			out = append(out, p)
		}
	}
	return out
}

func (m *Model) buildTrain() (*trainGraphs, error) {
	B := m.cfg.Batch
	t := &trainGraphs{}

	// D training graph.
	{
		g := gorgonia.NewGraph()
		bd := bind(g, m.d)
		var x, target *gorgonia.Node
		x, t.real = newInput(g, "x", m.imageShape(B))
		t.realT = x.Value().(*tensor.Dense)
		t.dX = x
		logits, err := bd.forward(x, true)
		if err != nil {
			return nil, err
		}
		target, t.target = newInput(g, "target", logits.Shape())
		if t.dLoss, err = nn.BCEWithLogitsT(logits, target); err != nil {
			return nil, fmt.Errorf("gan: D loss: %w", err)
		}
		ps := bd.params()
		if t.dGrads, err = gorgonia.Grad(t.dLoss, ps...); err != nil {
			return nil, fmt.Errorf("gan: D gradients: %w", err)
		}
		t.dLogits = logits
		t.dParams = trainable(m.d)
		for _, p := range t.dParams {
			t.dAcc = append(t.dAcc, make([]float32, len(p.data)))
		}
		outs := append(gorgonia.Nodes{t.dLoss, logits}, t.dGrads...)
		if t.dVM, err = machine(g, append(gorgonia.Nodes{x, target}, ps...), outs); err != nil {
			return nil, err
		}
	}

	// D for G: gradient of BCE(D(fake), 1) wrt fake, D in training mode as
	// in pytorch/examples.
	{
		g := gorgonia.NewGraph()
		bd := bind(g, m.d)
		t.fgFake = gorgonia.NewTensor(g, tensor.Float32, len(m.imageShape(B)), gorgonia.WithShape(m.imageShape(B)...), gorgonia.WithName("fake"))
		lf, err := bd.forward(t.fgFake, true)
		if err != nil {
			return nil, err
		}
		if t.fgLoss, err = nn.BCEWithLogits(lf, 1); err != nil {
			return nil, fmt.Errorf("gan: G loss: %w", err)
		}
		gs, err := gorgonia.Grad(t.fgLoss, t.fgFake)
		if err != nil {
			return nil, fmt.Errorf("gan: G loss gradient: %w", err)
		}
		t.fgGradX = gs[0]
		if t.fgVM, err = machine(g, append(gorgonia.Nodes{t.fgFake}, bd.params()...), gorgonia.Nodes{t.fgLoss, t.fgGradX}); err != nil {
			return nil, err
		}
	}

	// G training graph ending in the discriminator hook.
	{
		g := gorgonia.NewGraph()
		bg := bind(g, m.g)
		z, zd := newInput(g, "z", m.latentShape(B))
		t.z = zd
		fake, err := bg.forward(z, true)
		if err != nil {
			return nil, err
		}
		t.hook = newDHook(fake.Shape(), func(f *tensor.Dense) (float32, error) { return m.discriminatorStep(f) })
		cost, err := gorgonia.ApplyOp(t.hook, fake)
		if err != nil {
			return nil, fmt.Errorf("gan: G hook: %w", err)
		}
		ps := bg.params()
		if t.gGrads, err = gorgonia.Grad(cost, ps...); err != nil {
			return nil, fmt.Errorf("gan: G gradients: %w", err)
		}
		t.gParams = trainable(m.g)
		if t.gVM, err = machine(g, append(gorgonia.Nodes{z}, ps...), append(gorgonia.Nodes{cost}, t.gGrads...)); err != nil {
			return nil, err
		}
	}

	if m.cfg.DSteps > 1 {
		g := gorgonia.NewGraph()
		bg := bind(g, m.g)
		z, zd := newInput(g, "z", m.latentShape(B))
		t.gFwdZ = zd
		fake, err := bg.forward(z, true)
		if err != nil {
			return nil, err
		}
		t.gFwdFake = fake
		if t.gFwdVM, err = machine(g, append(gorgonia.Nodes{z}, bg.params()...), gorgonia.Nodes{fake}); err != nil {
			return nil, err
		}
	}
	return t, nil
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
	for b := 0; b < n; b++ {
		for c := 0; c < nz; c++ {
			dst[c*n+b] = float32(m.rng.NormFloat64())
		}
	}
}

// dPass runs the D training graph on x with the given target; it returns
// the loss and mean sigmoid(logits).
func (m *Model) dPass(x *tensor.Dense, target float32) (loss, score float64, err error) {
	t := m.train
	if err := gorgonia.Let(t.dX, x); err != nil {
		return 0, 0, err
	}
	fill(t.target, target)
	if err := run(t.dVM); err != nil {
		return 0, 0, err
	}
	for i, p := range t.dParams {
		if g := f32s(t.dGrads[i]); len(g) != len(p.data) {
			return 0, 0, fmt.Errorf("gradient of %s has %d values, want %d", p.name, len(g), len(p.data))
		}
	}
	return scalarValue(t.dLoss), meanSigmoid(f32s(t.dLogits)), nil
}

// dUpdate trains D once on the real batch (already in t.real) and fake:
// the gradient is the sum of both passes' gradients, as PyTorch's
// errD_real.backward(); errD_fake.backward().
func (m *Model) dUpdate(fake *tensor.Dense) error {
	t := m.train
	lr, sr, err := m.dPass(t.realT, float32(1-m.cfg.LabelSmooth))
	if err != nil {
		return fmt.Errorf("gan: D step on real: %w", err)
	}
	for i := range t.dParams {
		copy(t.dAcc[i], f32s(t.dGrads[i]))
	}
	lf, sf, err := m.dPass(fake, 0)
	if err != nil {
		return fmt.Errorf("gan: D step on fake: %w", err)
	}
	for i, p := range t.dParams {
		acc, g := t.dAcc[i], f32s(t.dGrads[i])
		for j := range acc {
			acc[j] += g[j]
		}
		p.grad = acc
	}
	m.optD.step(m.d)
	t.stats.LossD = lr + lf
	t.stats.DReal = sr
	t.stats.DFake = sf
	return nil
}

// discriminatorStep is the hook's body: the last D update on (real, fake),
// then L_G and dL_G/dfake through the updated D, stored in the hook.
func (m *Model) discriminatorStep(fake *tensor.Dense) (float32, error) {
	t := m.train
	if err := m.dUpdate(fake); err != nil {
		return 0, err
	}
	if err := gorgonia.Let(t.fgFake, fake); err != nil {
		return 0, fmt.Errorf("gan: G loss: %w", err)
	}
	if err := run(t.fgVM); err != nil {
		return 0, fmt.Errorf("gan: G loss: %w", err)
	}
	gx := f32s(t.fgGradX)
	dst := t.hook.grad.Data().([]float32)
	if len(gx) != len(dst) {
		return 0, fmt.Errorf("gan: G loss: gradient has %d values, want %d", len(gx), len(dst))
	}
	copy(dst, gx)
	loss := scalarValue(t.fgLoss)
	t.stats.LossG = loss
	return float32(loss), nil
}

// Step runs one training iteration (DSteps discriminator updates, one
// generator update) on a batch of real images: Batch images, NCHW float32
// in [-1, 1], len = Batch*Channels*Size*Size. Latents come from the model's
// RNG. With DSteps > 1 the extra D updates reuse the same real batch with
// fresh fakes.
//
// Order of events, as pytorch/examples/dcgan: G makes fake from fresh z
// (training-mode BatchNorm); D is updated on real and fake (separate
// batches for BatchNorm); the updated D scores fake again for G's
// non-saturating loss; G is updated; the EMA generator follows.
func (m *Model) Step(real []float32) (Stats, error) {
	B := m.cfg.Batch
	if want := B * m.imageLen(); len(real) != want {
		return Stats{}, fmt.Errorf("gan: step: batch has %d values, want %d", len(real), want)
	}
	if m.train == nil {
		t, err := m.buildTrain()
		if err != nil {
			return Stats{}, err
		}
		m.train = t
	}
	t := m.train
	if err := toInternal(t.real, real, B, m.imageLen(), m.hw()); err != nil {
		return Stats{}, fmt.Errorf("gan: step: %w", err)
	}
	for range m.cfg.DSteps - 1 {
		m.drawLatents(t.gFwdZ, B)
		if err := run(t.gFwdVM); err != nil {
			return Stats{}, fmt.Errorf("gan: step: G forward: %w", err)
		}
		fake, ok := t.gFwdFake.Value().(*tensor.Dense)
		if !ok {
			return Stats{}, fmt.Errorf("gan: step: G forward gave %T", t.gFwdFake.Value())
		}
		if err := m.dUpdate(fake); err != nil {
			return Stats{}, fmt.Errorf("gan: step: %w", err)
		}
	}
	m.drawLatents(t.z, B)
	if err := run(t.gVM); err != nil {
		return Stats{}, fmt.Errorf("gan: step: %w", err)
	}
	for i, p := range t.gParams {
		p.grad = f32s(t.gGrads[i])
		if len(p.grad) != len(p.data) {
			return Stats{}, fmt.Errorf("gan: step: gradient of G %s has %d values, want %d", p.name, len(p.grad), len(p.data))
		}
	}
	m.optG.step(m.g)
	emaUpdate(m.ema, m.g, m.cfg.EMADecay, m.optG.t)
	st := t.stats
	for _, v := range []float64{st.LossD, st.LossG, st.DReal, st.DFake} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return st, fmt.Errorf("gan: step %d: non-finite loss (%+v)", m.optG.t, st)
		}
	}
	return st, nil
}

// ---------------------------------------------------------------------------
// Inference graphs

// inferChunk is the largest batch an inference graph processes at once.
const inferChunk = 64

type inferKey struct {
	which string // "G", "EMA" or "D"
	n     int
}

// inferGraph maps a fixed-size input batch to an output, BatchNorm in
// inference mode.
type inferGraph struct {
	vm  gorgonia.VM
	in  []float32
	out *gorgonia.Node
}

func (m *Model) inferGraphFor(which string, n int) (*inferGraph, error) {
	k := inferKey{which, n}
	if ig := m.infer[k]; ig != nil {
		return ig, nil
	}
	g := gorgonia.NewGraph()
	var src *net
	var inShape []int
	switch which {
	case "G":
		src, inShape = m.g, m.latentShape(n)
	case "EMA":
		src, inShape = m.ema, m.latentShape(n)
	default:
		src, inShape = m.d, m.imageShape(n)
	}
	b := bind(g, src)
	x, data := newInput(g, "x", inShape)
	out, err := b.forward(x, false)
	if err != nil {
		return nil, err
	}
	vm, err := machine(g, append(gorgonia.Nodes{x}, b.params()...), gorgonia.Nodes{out})
	if err != nil {
		return nil, err
	}
	ig := &inferGraph{vm: vm, in: data, out: out}
	m.infer[k] = ig
	return ig, nil
}

// chunkSize picks the graph batch for the next rem items: the smallest
// power of two that holds them, at most inferChunk.
func chunkSize(rem int) int {
	c := 1
	for c < rem && c < inferChunk {
		c *= 2
	}
	return c
}

// runChunks maps n records of inLen values to n records of outLen values
// through the inference graph `which`, chunk by chunk; the last chunk is
// zero-padded. Inputs and outputs are sample-major (NCHW).
func (m *Model) runChunks(which string, src []float32, n, inLen, inHW, outLen, outHW int) ([]float32, error) {
	out := make([]float32, n*outLen)
	tmpIn := make([]float32, inferChunk*inLen)
	tmpOut := make([]float32, inferChunk*outLen)
	for lo := 0; lo < n; {
		c := chunkSize(n - lo)
		k := min(c, n-lo)
		ig, err := m.inferGraphFor(which, c)
		if err != nil {
			return nil, err
		}
		in := tmpIn[:c*inLen]
		copy(in, src[lo*inLen:(lo+k)*inLen])
		clear(in[k*inLen:])
		if err := toInternal(ig.in, in, c, inLen, inHW); err != nil {
			return nil, err
		}
		if err := run(ig.vm); err != nil {
			return nil, fmt.Errorf("gan: running %s: %w", which, err)
		}
		res := f32s(ig.out)
		if len(res) != c*outLen {
			return nil, fmt.Errorf("gan: %s produced %d values, want %d", which, len(res), c*outLen)
		}
		o := tmpOut[:c*outLen]
		if err := fromInternal(o, res, c, outLen, outHW); err != nil {
			return nil, err
		}
		copy(out[lo*outLen:], o[:k*outLen])
		lo += k
	}
	return out, nil
}

// Generate maps n latent vectors (z: n*NZ values) to n images, NCHW float32
// in [-1, 1]. BatchNorm uses running statistics, so each image depends on its
// own z only. raw selects the raw generator instead of the EMA one (with
// EMADecay 0 both are the same).
func (m *Model) Generate(z []float32, n int, raw bool) ([]float32, error) {
	if n < 0 || len(z) != n*m.cfg.NZ {
		return nil, fmt.Errorf("gan: generate: %d latent values for %d images of nz %d", len(z), n, m.cfg.NZ)
	}
	which := "EMA"
	if raw {
		which = "G"
	}
	return m.runChunks(which, z, n, m.cfg.NZ, 1, m.imageLen(), m.hw())
}

// Discriminate returns D's logits for n images (NCHW in [-1, 1]), BatchNorm
// in inference mode.
func (m *Model) Discriminate(x []float32, n int) ([]float32, error) {
	if n < 0 || len(x) != n*m.imageLen() {
		return nil, fmt.Errorf("gan: discriminate: %d values for %d images of %d values", len(x), n, m.imageLen())
	}
	return m.runChunks("D", x, n, m.imageLen(), m.hw(), 1, 1)
}

// SampleLatents draws n latent vectors from N(0,1) with the given seed
// (independent of the training RNG).
func SampleLatents(seed uint64, n, nz int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x2a7e27))
	z := make([]float32, n*nz)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	return z
}

// ---------------------------------------------------------------------------
// State

// State returns every tensor a checkpoint must hold to resume exactly: G, D,
// EMA-G (weights and BatchNorm running statistics), both Adam states
// ("optG.<name>.m", ".v") and the Adam step counts ("optG.step",
// "optD.step", one value each). The order is fixed; data are copies.
func (m *Model) State() []Tensor {
	var out []Tensor
	out = m.g.stateTensors(out)
	out = m.d.stateTensors(out)
	out = m.ema.stateTensors(out)
	out = m.g.optTensors("optG.", out)
	out = m.d.optTensors("optD.", out)
	out = append(out,
		Tensor{Name: "optG.step", Shape: []int{1}, Data: []float32{float32(m.optG.t)}},
		Tensor{Name: "optD.step", Shape: []int{1}, Data: []float32{float32(m.optD.t)}})
	return out
}

// SetState loads tensors produced by State (or a subset, e.g. only "G." and
// "EMA." for sampling); it checks names and shapes and changes nothing when
// any tensor is wrong.
func (m *Model) SetState(ts []Tensor) error {
	slots := map[string]stateSlot{}
	m.g.slots(slots)
	m.d.slots(slots)
	m.ema.slots(slots)
	m.g.optSlots("optG.", slots)
	m.d.optSlots("optD.", slots)
	steps := map[string]*int{"optG.step": &m.optG.t, "optD.step": &m.optD.t}
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name] {
			return fmt.Errorf("gan: set state: tensor %s given twice", t.Name)
		}
		seen[t.Name] = true
		if _, ok := steps[t.Name]; ok {
			if err := checkShape(t.Name, t.Shape, []int{1}); err != nil {
				return fmt.Errorf("gan: set state: %w", err)
			}
			if len(t.Data) != 1 || t.Data[0] < 0 || t.Data[0] != float32(math.Floor(float64(t.Data[0]))) {
				return fmt.Errorf("gan: set state: tensor %s must hold one non-negative integer", t.Name)
			}
			continue
		}
		s, ok := slots[t.Name]
		if !ok {
			return fmt.Errorf("gan: set state: unknown tensor %s for a %s model of size %d", t.Name, m.cfg.Arch, m.cfg.Size)
		}
		if err := checkShape(t.Name, t.Shape, s.shape); err != nil {
			return fmt.Errorf("gan: set state: %w", err)
		}
		if len(t.Data) != len(s.dst) {
			return fmt.Errorf("gan: set state: tensor %s has %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
	}
	for _, t := range ts {
		if p, ok := steps[t.Name]; ok {
			*p = int(t.Data[0])
			continue
		}
		copy(slots[t.Name].dst, t.Data)
	}
	return nil
}

// RNGState serialises the latent RNG for checkpoints.
func (m *Model) RNGState() ([]byte, error) {
	b, err := m.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("gan: rng state: %w", err)
	}
	return b, nil
}

// SetRNGState restores what RNGState returned.
func (m *Model) SetRNGState(b []byte) error {
	if err := m.pcg.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("gan: set rng state: %w", err)
	}
	return nil
}
