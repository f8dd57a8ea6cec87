package nn

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is the float32 computation behind one op: the generic op type
// handles gorgonia's bookkeeping (types, shapes, buffers, hashing) and
// delegates the arithmetic here.
type kernel interface {
	// name is used in String and WriteHash.
	name() string
	// outShape checks the input shapes and returns the output shape; an
	// empty shape means a scalar output.
	outShape(in []tensor.Shape) (tensor.Shape, error)
	// forward computes out from the inputs; out is fully overwritten.
	forward(out []float32, in [][]float32, shapes []tensor.Shape) error
	// diffWRT reports which inputs the op is differentiable against; nil
	// for ops that are themselves gradients.
	diffWRT() []bool
	// symDiff builds the gradient nodes of the inputs given the output's
	// gradient.
	symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error)
}

// noDiff is embedded by kernels that are only used as backward passes.
type noDiff struct{}

func (noDiff) diffWRT() []bool { return nil }
func (noDiff) symDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, fmt.Errorf("nn: second derivatives are not supported")
}

var opCounter atomic.Uint64

// op adapts a kernel to gorgonia.Op, gorgonia.SDOp and
// gorgonia.UsePreallocDoer. Every op has a unique id in its hash, so
// gorgonia never merges two of them (they carry per-instance state).
type op struct {
	k       kernel
	id      uint64
	inDims  []int // dimensions of each input; 0 = scalar
	outDims int   // 0 = scalar
	out     *tensor.Dense
}

var (
	_ gorgonia.Op              = (*op)(nil)
	_ gorgonia.SDOp            = (*op)(nil)
	_ gorgonia.UsePreallocDoer = (*op)(nil)
)

// apply wraps k in a new op and applies it to the inputs.
func apply(k kernel, inputs ...*gorgonia.Node) (*gorgonia.Node, error) {
	o := &op{k: k, id: opCounter.Add(1)}
	shapes := make([]tensor.Shape, len(inputs))
	for i, n := range inputs {
		if n == nil {
			return nil, fmt.Errorf("nn.%s: input %d is nil", k.name(), i)
		}
		if dt := n.Dtype(); dt != tensor.Float32 {
			return nil, fmt.Errorf("nn.%s: input %d (%v) has dtype %v, want float32", k.name(), i, n.Name(), dt)
		}
		shapes[i] = n.Shape()
		o.inDims = append(o.inDims, len(n.Shape()))
	}
	s, err := k.outShape(shapes)
	if err != nil {
		return nil, fmt.Errorf("nn.%s: %w", k.name(), err)
	}
	o.outDims = len(s)
	out, err := gorgonia.ApplyOp(o, inputs...)
	if err != nil {
		return nil, fmt.Errorf("nn.%s: %w", k.name(), err)
	}
	return out, nil
}

func typeOf(dims int) hm.Type {
	if dims == 0 {
		return tensor.Float32
	}
	return gorgonia.TensorType{Dims: dims, Of: tensor.Float32}
}

func (o *op) Arity() int { return len(o.inDims) }

func (o *op) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.inDims)+1)
	for _, d := range o.inDims {
		ts = append(ts, typeOf(d))
	}
	ts = append(ts, typeOf(o.outDims))
	return hm.NewFnType(ts...)
}

func (o *op) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != len(o.inDims) {
		return nil, fmt.Errorf("nn.%s: got %d inputs, want %d", o.k.name(), len(in), len(o.inDims))
	}
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("nn.%s: input %d: expected tensor.Shape, got %T", o.k.name(), i, d)
		}
		shapes[i] = s
	}
	s, err := o.k.outShape(shapes)
	if err != nil {
		return nil, fmt.Errorf("nn.%s: %w", o.k.name(), err)
	}
	return s, nil
}

// inputsOf extracts the float32 data and shapes of the input values.
func (o *op) inputsOf(vals []gorgonia.Value) ([][]float32, []tensor.Shape, error) {
	if len(vals) != len(o.inDims) {
		return nil, nil, fmt.Errorf("nn.%s: got %d inputs, want %d", o.k.name(), len(vals), len(o.inDims))
	}
	data := make([][]float32, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case *tensor.Dense:
			if v.RequiresIterator() {
				return nil, nil, fmt.Errorf("nn.%s: input %d is a non-contiguous view", o.k.name(), i)
			}
			d, ok := v.Data().([]float32)
			if !ok {
				return nil, nil, fmt.Errorf("nn.%s: input %d has dtype %v, want float32", o.k.name(), i, v.Dtype())
			}
			data[i], shapes[i] = d, v.Shape()
		case *gorgonia.F32:
			data[i], shapes[i] = []float32{float32(*v)}, tensor.ScalarShape()
		default:
			return nil, nil, fmt.Errorf("nn.%s: input %d: unsupported value %T", o.k.name(), i, v)
		}
	}
	return data, shapes, nil
}

func (o *op) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return o.UsePreallocDo(nil, vals...)
}

// UsePreallocDo writes into prealloc when it is a float32 tensor of the
// right shape that shares no memory with the inputs, and otherwise into the
// op's own buffer, which is kept from run to run.
func (o *op) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, shapes, err := o.inputsOf(vals)
	if err != nil {
		return nil, err
	}
	s, err := o.k.outShape(shapes)
	if err != nil {
		return nil, fmt.Errorf("nn.%s: %w", o.k.name(), err)
	}
	if len(s) == 0 {
		var r [1]float32
		if err := o.k.forward(r[:], in, shapes); err != nil {
			return nil, fmt.Errorf("nn.%s: %w", o.k.name(), err)
		}
		return gorgonia.NewF32(r[0]), nil
	}
	dst := o.pick(prealloc, s, in)
	if err := o.k.forward(dst.Data().([]float32), in, shapes); err != nil {
		return nil, fmt.Errorf("nn.%s: %w", o.k.name(), err)
	}
	return dst, nil
}

// pick chooses the output tensor for shape s.
func (o *op) pick(prealloc gorgonia.Value, s tensor.Shape, in [][]float32) *tensor.Dense {
	if d, ok := prealloc.(*tensor.Dense); ok && d.Dtype() == tensor.Float32 && d.Shape().Eq(s) && !d.RequiresIterator() {
		if buf := d.Data().([]float32); len(buf) == s.TotalSize() && !aliases(buf, in) {
			return d
		}
	}
	// A later op may have reshaped our buffer in place: then start afresh.
	if o.out == nil || !o.out.Shape().Eq(s) || o.out.RequiresIterator() {
		o.out = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.Clone()...))
	}
	if aliases(o.out.Data().([]float32), in) {
		return tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.Clone()...))
	}
	return o.out
}

// aliases reports whether buf overlaps any of the input slices.
func aliases(buf []float32, in [][]float32) bool {
	if len(buf) == 0 {
		return false
	}
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	b1 := b0 + uintptr(len(buf))*4
	for _, x := range in {
		if len(x) == 0 {
			continue
		}
		x0 := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
		x1 := x0 + uintptr(len(x))*4
		if x0 < b1 && b0 < x1 {
			return true
		}
	}
	return false
}

func (o *op) ReturnsPtr() bool     { return false }
func (o *op) CallsExtern() bool    { return false }
func (o *op) OverwritesInput() int { return -1 }

func (o *op) WriteHash(h hash.Hash) { fmt.Fprintf(h, "nn.%s#%d", o.k.name(), o.id) }

func (o *op) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o *op) String() string { return o.k.name() }

func (o *op) DiffWRT(n int) []bool {
	d := o.k.diffWRT()
	if len(d) != n {
		return make([]bool, n)
	}
	return d
}

func (o *op) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(in) != len(o.inDims) {
		return nil, fmt.Errorf("nn.%s: SymDiff got %d inputs, want %d", o.k.name(), len(in), len(o.inDims))
	}
	g, err := o.k.symDiff(in, out, grad)
	if err != nil {
		return nil, fmt.Errorf("nn.%s: gradient: %w", o.k.name(), err)
	}
	return g, nil
}

// dataPtr returns the address of the first element of s, used to check
// that a cached scratch buffer was computed from the same input tensor.
func dataPtr(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// grow returns buf resized to n values, reallocating only when it is too
// small.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// Buffers lets the ops of several graphs share their output buffers, for
// graphs that never run at the same time and whose values are not needed
// once another of them has run (the training step's discriminator graph
// and G's-loss graph: each is run and its results read before the other
// runs). Within one graph every op keeps a buffer of its own.
type Buffers struct {
	mu   sync.Mutex
	bufs map[string][]*tensor.Dense
}

// Share gives the nn ops among nodes (one graph's) output buffers from b:
// the k-th op of a given output shape gets the k-th buffer of that shape,
// the same one the k-th op of that shape in every other graph shared
// through b gets.
func (b *Buffers) Share(nodes gorgonia.Nodes) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bufs == nil {
		b.bufs = map[string][]*tensor.Dense{}
	}
	counts := map[string]int{}
	for _, n := range nodes {
		o, ok := n.Op().(*op)
		if !ok || o.outDims == 0 {
			continue
		}
		s := n.Shape()
		key := fmt.Sprint([]int(s))
		k := counts[key]
		counts[key]++
		for len(b.bufs[key]) <= k {
			b.bufs[key] = append(b.bufs[key], tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.Clone()...)))
		}
		o.out = b.bufs[key][k]
	}
}
