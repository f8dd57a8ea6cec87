package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// arg is one input of a test graph.
type arg struct {
	shape []int
	data  []float32
	grad  bool // take the gradient with respect to it
}

// harness is a compiled test graph: out = build(inputs), loss = sum(out*r)
// (or out itself when scalar), with gradients of loss.
type harness struct {
	t     *testing.T
	g     *gorgonia.ExprGraph
	in    []*gorgonia.Node
	vals  [][]float32 // backing slices of the inputs, editable in place
	out   *gorgonia.Node
	r     []float32
	grads gorgonia.Nodes
	wrt   []int // input index of each gradient
	m     gorgonia.VM
}

func newHarness(t *testing.T, args []arg, r []float32, build func(in []*gorgonia.Node) (*gorgonia.Node, error)) *harness {
	t.Helper()
	h := &harness{t: t, g: gorgonia.NewGraph(), r: r}
	var wrt gorgonia.Nodes
	for i, a := range args {
		d := append([]float32(nil), a.data...)
		v := tensor.New(tensor.WithShape(a.shape...), tensor.WithBacking(d))
		n := gorgonia.NewTensor(h.g, tensor.Float32, len(a.shape), gorgonia.WithShape(a.shape...), gorgonia.WithValue(v), gorgonia.WithName(string(rune('a'+i))))
		h.in = append(h.in, n)
		h.vals = append(h.vals, d)
		if a.grad {
			wrt = append(wrt, n)
			h.wrt = append(h.wrt, i)
		}
	}
	out, err := build(h.in)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	h.out = out
	loss := out
	if !out.IsScalar() {
		rn := gorgonia.NewTensor(h.g, tensor.Float32, len(out.Shape()), gorgonia.WithShape(out.Shape()...),
			gorgonia.WithValue(tensor.New(tensor.WithShape(out.Shape()...), tensor.WithBacking(append([]float32(nil), r...)))), gorgonia.WithName("r"))
		prod, err := gorgonia.HadamardProd(out, rn)
		if err != nil {
			t.Fatal(err)
		}
		if loss, err = gorgonia.Sum(prod); err != nil {
			t.Fatal(err)
		}
	}
	if len(wrt) > 0 {
		if h.grads, err = gorgonia.Grad(loss, wrt...); err != nil {
			t.Fatalf("grad: %v", err)
		}
	}
	// TraceExec binds a copy of every value to its node: gorgonia may
	// overwrite the output in place when computing the loss.
	h.m = gorgonia.NewTapeMachine(h.g, gorgonia.TraceExec())
	t.Cleanup(func() { h.m.Close() })
	return h
}

// run executes the graph once and returns copies of the output and the
// gradients (indexed like the inputs; nil where not taken).
func (h *harness) run() ([]float32, [][]float32) {
	h.t.Helper()
	h.m.Reset()
	if err := h.m.RunAll(); err != nil {
		h.t.Fatalf("run: %v", err)
	}
	out := valueData(h.t, h.out.Value())
	grads := make([][]float32, len(h.in))
	for i, gn := range h.grads {
		grads[h.wrt[i]] = valueData(h.t, gn.Value())
	}
	return out, grads
}

// loss64 is sum(out*r) (or the scalar output) in float64.
func (h *harness) loss64(out []float32) float64 {
	if h.out.IsScalar() {
		return float64(out[0])
	}
	var s float64
	for i, v := range out {
		s += float64(v) * float64(h.r[i])
	}
	return s
}

func valueData(t *testing.T, v gorgonia.Value) []float32 {
	t.Helper()
	switch v := v.(type) {
	case *gorgonia.F32:
		return []float32{float32(*v)}
	case tensor.Tensor:
		return append([]float32(nil), v.Data().([]float32)...)
	}
	t.Fatalf("unexpected value %T", v)
	return nil
}

// checkGradFD compares the analytic gradients with central differences of
// the loss, on up to maxPts elements of every differentiated input.
func (h *harness) checkGradFD(eps float64, tol float64, maxPts int, rng *rand.Rand) {
	h.t.Helper()
	_, grads := h.run()
	for _, i := range h.wrt {
		vals := h.vals[i]
		idx := rng.Perm(len(vals))
		if len(idx) > maxPts {
			idx = idx[:maxPts]
		}
		for _, j := range idx {
			orig := vals[j]
			vals[j] = orig + float32(eps)
			up := float64(vals[j])
			lp, _ := h.run()
			l1 := h.loss64(lp)
			vals[j] = orig - float32(eps)
			down := float64(vals[j])
			lm, _ := h.run()
			l2 := h.loss64(lm)
			vals[j] = orig
			num := (l1 - l2) / (up - down)
			got := float64(grads[i][j])
			if math.Abs(num-got) > tol*(1+math.Max(math.Abs(num), math.Abs(got))) {
				h.t.Errorf("input %d elem %d: analytic %.6g, numeric %.6g", i, j, got, num)
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int, scale float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64()) * scale
	}
	return s
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// closeTo reports the first element where got and want differ by more than
// atol + rtol*|want|.
func closeTo(t *testing.T, what string, got, want []float32, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > atol+rtol*math.Abs(float64(want[i])) || math.IsNaN(float64(got[i])) {
			t.Errorf("%s[%d] = %g, want %g", what, i, got[i], want[i])
			return
		}
	}
}
