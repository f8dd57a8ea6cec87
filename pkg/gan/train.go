package gan

import (
	"fmt"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The training graphs, one constructor each. Step (step.go) runs them; every
// graph binds the same weight tensors, so an optimiser update made after one
// graph has run is seen by the next.

// trainGraphs are the training-time graphs, built on the first Step.
type trainGraphs struct {
	d     *dGraph        // D's loss on one batch, gradients wrt D
	gLoss *gLossGraph    // G's loss through D, gradient wrt the fake batch
	g     *gGraph        // z -> G -> D hook, gradients wrt G
	gFwd  *gForwardGraph // z -> G only, for the extra D updates; nil when DSteps is 1
	obj   objective      // the losses the graphs were built with
	stats Stats          // the current step's numbers, filled as it runs
	vms   []gorgonia.VM  // every graph's machine, for Close
}

// buildTrain builds the training graphs for the model's configuration.
func (m *Model) buildTrain() (*trainGraphs, error) {
	t := &trainGraphs{obj: objectiveFor(m.cfg)}
	// D's graph and G's-loss graph run one after the other and their
	// results are read at once (updateD, lastDUpdateAndGLoss): they share
	// their ops' buffers, so D's activations are held once.
	bufs := &nn.Buffers{}
	var err error
	if t.d, err = m.newDGraph(t.obj, bufs); err != nil {
		return nil, err
	}
	if t.gLoss, err = m.newGLossGraph(t.obj, bufs); err != nil {
		return nil, err
	}
	if t.g, err = m.newGGraph(m.lastDUpdateAndGLoss); err != nil {
		return nil, err
	}
	t.vms = []gorgonia.VM{t.g.vm, t.d.vm, t.gLoss.vm}
	if m.cfg.DSteps > 1 {
		if t.gFwd, err = m.newGForwardGraph(); err != nil {
			return nil, err
		}
		t.vms = append(t.vms, t.gFwd.vm)
	}
	return t, nil
}

// dGraph computes D's loss on one batch, x, against one label per sample,
// and its gradients wrt D's weights. It runs once on the real batch and once
// on the fake batch per D update: separate BatchNorm batches as in
// pytorch/examples, one set of op buffers.
type dGraph struct {
	vm     gorgonia.VM
	x      *gorgonia.Node // bound to realT, or to a fake batch, before a pass
	realT  *tensor.Dense  // the real batch, internal layout
	real   []float32      // realT's data
	label  []float32      // per-sample label, filled before a pass
	loss   *gorgonia.Node
	logits *gorgonia.Node
	grads  gorgonia.Nodes
	params []*param    // trainable D params, aligned with grads
	acc    [][]float32 // real-batch gradients, then the sum
	// With Config.ReduceSplit n > 1, accParts[i][k] is slice k's part of
	// acc[i] (real, then real + fake), as the rank holding slice k
	// accumulates it before the ranks' gradients are summed.
	accParts [][][]float32
	aug      *nn.Augment // DiffAugment's draws (nil: none), drawn before each pass
	// misW is the weight of the matching-aware term (CondSpec.Mismatch),
	// set before each pass: the weight on the real pass, 0 on the fake
	// one. nil without the term.
	misW []float32
}

func (m *Model) newDGraph(obj objective, bufs *nn.Buffers) (*dGraph, error) {
	dg := &dGraph{}
	g := gorgonia.NewGraph()
	bd := bind(g, m.d)
	x, real := newInput(g, "x", m.imageShape(m.localBatch()))
	dg.x, dg.real, dg.realT = x, real, x.Value().(*tensor.Dense)
	in, aug, err := m.augmented(x)
	if err != nil {
		return nil, err
	}
	dg.aug = aug
	var aux, logitMis *gorgonia.Node
	if dg.logits, aux, logitMis, err = m.forwardDMis(bd, in, true, m.trainRows(true), m.misRows()); err != nil {
		return nil, err
	}
	label, labelData := newInput(g, "target", dg.logits.Shape())
	dg.label = labelData
	if dg.loss, err = obj.discriminator(dg.logits, label); err != nil {
		return nil, err
	}
	if dg.loss, err = withAux(dg.loss, aux); err != nil {
		return nil, err
	}
	if dg.loss, dg.misW, err = withMismatch(g, obj, dg.loss, logitMis); err != nil {
		return nil, err
	}
	ps := bd.params()
	if dg.grads, err = gorgonia.Grad(dg.loss, ps...); err != nil {
		return nil, fmt.Errorf("gan: D gradients: %w", err)
	}
	dg.params = trainable(m.d)
	for _, p := range dg.params {
		dg.acc = append(dg.acc, make([]float32, len(p.data)))
		if n := int(m.d.split); n > 1 {
			parts := make([][]float32, n)
			for k := range parts {
				parts[k] = make([]float32, len(p.data))
			}
			dg.accParts = append(dg.accParts, parts)
		}
	}
	outs := append(gorgonia.Nodes{dg.loss, dg.logits}, dg.grads...)
	bufs.Share(g.AllNodes())
	if dg.vm, err = machine(g, append(gorgonia.Nodes{x, label}, ps...), outs); err != nil {
		return nil, err
	}
	return dg, nil
}

// misRows are the training batch's mismatched rows for D's table
// (CondSpec.Mismatch), nil without the matching-aware term.
func (m *Model) misRows() *nn.EmbedRows {
	if m.cond == nil {
		return nil
	}
	return m.cond.trainMis
}

// withMismatch adds the matching-aware term w * D's loss on logitMis
// against the fake label to loss, w an input it returns (a one-value
// slice, 0 until set); logitMis nil adds nothing.
func withMismatch(g *gorgonia.ExprGraph, obj objective, loss, logitMis *gorgonia.Node) (*gorgonia.Node, []float32, error) {
	if logitMis == nil {
		return loss, nil, nil
	}
	fake, fakeData := newInput(g, "mismatch_target", logitMis.Shape())
	fill(fakeData, obj.fakeLabel())
	term, err := obj.discriminator(logitMis, fake)
	if err != nil {
		return nil, nil, fmt.Errorf("gan: matching-aware term: %w", err)
	}
	w, wData := newInput(g, "mismatch_w", []int{1})
	if term, err = gorgonia.Mul(term, w); err != nil {
		return nil, nil, fmt.Errorf("gan: matching-aware term: %w", err)
	}
	if term, err = gorgonia.Sum(term); err != nil {
		return nil, nil, fmt.Errorf("gan: matching-aware term: %w", err)
	}
	if loss, err = gorgonia.Add(loss, term); err != nil {
		return nil, nil, fmt.Errorf("gan: matching-aware term: %w", err)
	}
	return loss, wData, nil
}

// gLossGraph computes G's loss on D's logits for a fake batch and its
// gradient wrt that batch; D is in training mode, as in pytorch/examples.
type gLossGraph struct {
	vm       gorgonia.VM
	fake     *gorgonia.Node // bound to G's output before a pass
	loss     *gorgonia.Node
	gradFake *gorgonia.Node
	aug      *nn.Augment // DiffAugment's draws (nil: none), drawn before each pass
}

func (m *Model) newGLossGraph(obj objective, bufs *nn.Buffers) (*gLossGraph, error) {
	lg := &gLossGraph{}
	g := gorgonia.NewGraph()
	bd := bind(g, m.d)
	shape := m.imageShape(m.localBatch())
	lg.fake = gorgonia.NewTensor(g, tensor.Float32, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName("fake"))
	in, aug, err := m.augmented(lg.fake)
	if err != nil {
		return nil, err
	}
	lg.aug = aug
	logits, aux, err := m.forwardD(bd, in, true, m.trainRows(true))
	if err != nil {
		return nil, err
	}
	if lg.loss, err = obj.generator(logits); err != nil {
		return nil, err
	}
	if lg.loss, err = withAux(lg.loss, aux); err != nil {
		return nil, err
	}
	gs, err := gorgonia.Grad(lg.loss, lg.fake)
	if err != nil {
		return nil, fmt.Errorf("gan: G loss gradient: %w", err)
	}
	lg.gradFake = gs[0]
	bufs.Share(g.AllNodes())
	if lg.vm, err = machine(g, append(gorgonia.Nodes{lg.fake}, bd.params()...), gorgonia.Nodes{lg.loss, lg.gradFake}); err != nil {
		return nil, err
	}
	return lg, nil
}

// gGraph is G's training graph: z -> G (batch statistics) -> fake ->
// dHook(fake), with G's gradients. The hook (hook.go) calls atFake with the
// fake batch and hands the gradient atFake leaves in hook.grad to the
// backward pass through G.
type gGraph struct {
	vm     gorgonia.VM
	z      []float32 // z input, internal layout
	grads  gorgonia.Nodes
	params []*param // trainable G params, aligned with grads
	hook   *dHook
}

func (m *Model) newGGraph(atFake func(fake *tensor.Dense) (float32, error)) (*gGraph, error) {
	f, err := m.newGForward()
	if err != nil {
		return nil, err
	}
	gg := &gGraph{z: f.zData}
	gg.hook = newDHook(f.fake.Shape(), atFake)
	cost, err := gorgonia.ApplyOp(gg.hook, f.fake)
	if err != nil {
		return nil, fmt.Errorf("gan: G hook: %w", err)
	}
	ps := f.bound.params()
	if gg.grads, err = gorgonia.Grad(cost, ps...); err != nil {
		return nil, fmt.Errorf("gan: G gradients: %w", err)
	}
	gg.params = trainable(m.g)
	if gg.vm, err = machine(f.g, append(gorgonia.Nodes{f.z}, ps...), append(gorgonia.Nodes{cost}, gg.grads...)); err != nil {
		return nil, err
	}
	return gg, nil
}

// gForwardGraph is z -> G -> fake without gradients, for the D updates
// before the last one when DSteps > 1.
type gForwardGraph struct {
	vm   gorgonia.VM
	z    []float32
	fake *gorgonia.Node
}

func (m *Model) newGForwardGraph() (*gForwardGraph, error) {
	f, err := m.newGForward()
	if err != nil {
		return nil, err
	}
	fg := &gForwardGraph{z: f.zData, fake: f.fake}
	if fg.vm, err = machine(f.g, append(gorgonia.Nodes{f.z}, f.bound.params()...), gorgonia.Nodes{f.fake}); err != nil {
		return nil, err
	}
	return fg, nil
}

// gForward is G in a new graph: z -> G (training-mode BatchNorm) -> fake.
type gForward struct {
	g     *gorgonia.ExprGraph
	bound *bound
	z     *gorgonia.Node
	zData []float32 // z's value, internal layout
	fake  *gorgonia.Node
}

func (m *Model) newGForward() (*gForward, error) {
	f := &gForward{g: gorgonia.NewGraph()}
	f.bound = bind(f.g, m.g)
	f.z, f.zData = newInput(f.g, "z", m.latentShape(m.localBatch()))
	var err error
	if f.fake, err = m.forwardCond(f.bound, f.z, true, m.trainRows(false)); err != nil {
		return nil, err
	}
	return f, nil
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
