package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestBuffersShared builds the same small network twice, shares the two
// graphs' buffers, and checks that running them in turn gives each its own
// results, that ops of one graph never share a buffer, and that the two
// graphs do.
func TestBuffersShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	bufs := &Buffers{}
	type built struct {
		vm  gorgonia.VM
		out *gorgonia.Node
		g   *gorgonia.ExprGraph
	}
	build := func(seed float32) built {
		g := gorgonia.NewGraph()
		xv := randSlice(rng, 2*3*8*8, 1)
		for i := range xv {
			xv[i] += seed
		}
		x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(2, 3, 8, 8), gorgonia.WithName("x"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(2, 3, 8, 8), tensor.WithBacking(xv))))
		w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(4, 2, 4, 4), gorgonia.WithName("w"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(4, 2, 4, 4), tensor.WithBacking(randSlice(rng, 4*2*16, 0.1)))))
		h, err := Conv2d(x, w, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if h, err = ReLU(h); err != nil {
			t.Fatal(err)
		}
		out, err := LeakyReLU(h, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		bufs.Share(g.AllNodes())
		vm := gorgonia.NewTapeMachine(g)
		t.Cleanup(func() { vm.Close() })
		return built{vm, out, g}
	}
	a, b := build(0), build(5)
	runOut := func(x built) []float32 {
		x.vm.Reset()
		if err := x.vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), x.out.Value().Data().([]float32)...)
	}
	a1 := runOut(a)
	b1 := runOut(b)
	a2 := runOut(a)
	for i := range a1 {
		if math.Float32bits(a1[i]) != math.Float32bits(a2[i]) {
			t.Fatalf("graph A's output changed after graph B ran: %g vs %g", a1[i], a2[i])
		}
	}
	same := true
	for i := range a1 {
		same = same && a1[i] == b1[i]
	}
	if same {
		t.Fatal("the two graphs gave the same output")
	}
	// Within graph A the three ops hold three buffers; graph B uses the same three.
	seen := map[*float32]bool{}
	for _, n := range a.g.AllNodes() {
		if o, ok := n.Op().(*op); ok {
			p := &o.out.Data().([]float32)[0]
			if seen[p] {
				t.Fatal("two ops of one graph share a buffer")
			}
			seen[p] = true
		}
	}
	for _, n := range b.g.AllNodes() {
		if o, ok := n.Op().(*op); ok && !seen[&o.out.Data().([]float32)[0]] {
			t.Error("an op of graph B has a buffer graph A does not share")
		}
	}
}
