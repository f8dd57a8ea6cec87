package gan

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The discriminator hook is a detail of Step's phases (1) and (2) (see
// step.go). G's training graph ends in dHook(fake), a scalar op: its forward
// pass calls Model.lastDUpdateAndGLoss with the fake batch (G's own output,
// bound to D's input without a copy), which updates D on the real batch and
// fake and then runs the updated D on fake for G's loss and dLoss/dfake. The
// hook's gradient op hands that stored dLoss/dfake to gorgonia's backward
// pass through G. The order of events is exactly pytorch/examples/dcgan's
// (D update first, then G's gradient through the updated D), but G's
// forward pass with its BatchNorm batch statistics is computed once, not
// twice.

var hookCounter atomic.Uint64

// dHook is the scalar op at the end of the generator's training graph.
type dHook struct {
	id    uint64
	dims  int          // dimensions of fake
	shape tensor.Shape // shape of fake
	// fn consumes fake and returns L_G; it fills grad with dL_G/dfake.
	fn   func(fake *tensor.Dense) (float32, error)
	grad *tensor.Dense
}

func newDHook(shape tensor.Shape, fn func(*tensor.Dense) (float32, error)) *dHook {
	return &dHook{
		id: hookCounter.Add(1), dims: len(shape), shape: shape.Clone(), fn: fn,
		grad: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(shape.Clone()...)),
	}
}

var (
	_ gorgonia.Op   = (*dHook)(nil)
	_ gorgonia.SDOp = (*dHook)(nil)
)

func (h *dHook) Arity() int { return 1 }
func (h *dHook) Type() hm.Type {
	return hm.NewFnType(gorgonia.TensorType{Dims: h.dims, Of: tensor.Float32}, tensor.Float32)
}
func (h *dHook) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (h *dHook) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("gan: discriminator hook: %d inputs, want 1", len(vals))
	}
	fake, ok := vals[0].(*tensor.Dense)
	if !ok || !fake.Shape().Eq(h.shape) {
		return nil, fmt.Errorf("gan: discriminator hook: unexpected input %T %v, want shape %v", vals[0], shapeOf(vals[0]), h.shape)
	}
	loss, err := h.fn(fake)
	if err != nil {
		return nil, err
	}
	return gorgonia.NewF32(loss), nil
}
func (h *dHook) ReturnsPtr() bool      { return false }
func (h *dHook) CallsExtern() bool     { return false }
func (h *dHook) OverwritesInput() int  { return -1 }
func (h *dHook) WriteHash(w hash.Hash) { fmt.Fprintf(w, "gan.dHook#%d", h.id) }
func (h *dHook) Hashcode() uint32 {
	f := fnv.New32a()
	h.WriteHash(f)
	return f.Sum32()
}
func (h *dHook) String() string { return fmt.Sprintf("dHook#%d", h.id) }

func (h *dHook) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns the stored gradient. The gradient op reads the hook's
// output node so that it is scheduled after the hook has run.
func (h *dHook) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, err := gorgonia.ApplyOp(hookGrad{h}, output, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: discriminator hook gradient: %w", err)
	}
	return gorgonia.Nodes{g}, nil
}

// hookGrad returns dHook's stored gradient scaled by the incoming scalar
// gradient (1 for the graph's cost).
type hookGrad struct{ h *dHook }

func (o hookGrad) Arity() int { return 2 }
func (o hookGrad) Type() hm.Type {
	return hm.NewFnType(tensor.Float32, tensor.Float32, gorgonia.TensorType{Dims: o.h.dims, Of: tensor.Float32})
}
func (o hookGrad) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return o.h.shape.Clone(), nil
}
func (o hookGrad) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != 2 {
		return nil, fmt.Errorf("gan: hook gradient: %d inputs, want 2", len(vals))
	}
	s, err := scalarOf(vals[1])
	if err != nil {
		return nil, fmt.Errorf("gan: hook gradient: %w", err)
	}
	if s != 1 {
		d := o.h.grad.Data().([]float32)
		for i := range d {
			d[i] *= s
		}
	}
	return o.h.grad, nil
}
func (o hookGrad) ReturnsPtr() bool      { return true }
func (o hookGrad) CallsExtern() bool     { return false }
func (o hookGrad) OverwritesInput() int  { return -1 }
func (o hookGrad) WriteHash(w hash.Hash) { fmt.Fprintf(w, "gan.hookGrad#%d", o.h.id) }
func (o hookGrad) Hashcode() uint32 {
	f := fnv.New32a()
	o.WriteHash(f)
	return f.Sum32()
}
func (o hookGrad) String() string { return fmt.Sprintf("hookGrad#%d", o.h.id) }

func scalarOf(v gorgonia.Value) (float32, error) {
	switch v := v.(type) {
	case *gorgonia.F32:
		return float32(*v), nil
	case *tensor.Dense:
		if d, ok := v.Data().([]float32); ok && len(d) == 1 {
			return d[0], nil
		}
		if d, ok := v.Data().(float32); ok {
			return d, nil
		}
	}
	return 0, fmt.Errorf("want a float32 scalar, got %T", v)
}

func shapeOf(v gorgonia.Value) tensor.Shape {
	if v == nil {
		return nil
	}
	return v.Shape()
}
