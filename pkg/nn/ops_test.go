package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
)

func TestBatchNormGrad(t *testing.T) {
	for _, tc := range []struct {
		shape    []int
		training bool
	}{
		{[]int{3, 4, 3, 3}, true},
		{[]int{3, 4, 3, 3}, false},
		{[]int{5, 6}, true},
		{[]int{5, 6}, false},
		{[]int{2, 1, 2, 2}, true},
	} {
		t.Run(fmt.Sprintf("%v_train%v", tc.shape, tc.training), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(tc.shape)), 3))
			c := tc.shape[0]
			x := randSlice(rng, prod(tc.shape), 2)
			gamma, beta := randSlice(rng, c, 1), randSlice(rng, c, 1)
			st := NewBNState(c)
			for i := range st.Mean {
				st.Mean[i], st.Var[i] = float32(rng.NormFloat64()), 0.5+rng.Float32()
			}
			r := randSlice(rng, len(x), 1)
			h := newHarness(t, []arg{{tc.shape, x, true}, {[]int{c}, gamma, true}, {[]int{c}, beta, true}}, r,
				func(in []*gorgonia.Node) (*gorgonia.Node, error) {
					return BatchNorm(in[0], in[1], in[2], st, tc.training)
				})
			h.checkGradFD(1e-2, 5e-3, 30, rng)
		})
	}
}

func TestBatchNormForwardAndStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c, m := 3, 10
	x := randSlice(rng, c*m, 3)
	gamma, beta := []float32{1, 2, 0.5}, []float32{0, -1, 3}
	st := NewBNState(c)
	h := newHarness(t, []arg{{[]int{c, m}, x, false}, {[]int{c}, gamma, false}, {[]int{c}, beta, false}}, nil,
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return BatchNorm(in[0], in[1], in[2], st, true) })
	out, _ := h.run()
	for ch := 0; ch < c; ch++ {
		var mean, v float64
		for _, xv := range x[ch*m : (ch+1)*m] {
			mean += float64(xv)
		}
		mean /= float64(m)
		for _, xv := range x[ch*m : (ch+1)*m] {
			v += (float64(xv) - mean) * (float64(xv) - mean)
		}
		for i := 0; i < m; i++ {
			want := float64(gamma[ch])*(float64(x[ch*m+i])-mean)/math.Sqrt(v/float64(m)+BNEps) + float64(beta[ch])
			if math.Abs(float64(out[ch*m+i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("out[%d,%d] = %g, want %g", ch, i, out[ch*m+i], want)
			}
		}
		if wm := 0.1 * mean; math.Abs(float64(st.Mean[ch])-wm) > 1e-6 {
			t.Errorf("running mean %g, want %g", st.Mean[ch], wm)
		}
		if wv := 0.9 + 0.1*v/float64(m-1); math.Abs(float64(st.Var[ch])-wv) > 1e-5 {
			t.Errorf("running var %g, want %g", st.Var[ch], wv)
		}
	}
}

func TestBatchNormErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 2, 4, 4), gorgonia.WithName("x"))
	p3 := gorgonia.NewTensor(g, gorgonia.Float32, 1, gorgonia.WithShape(3), gorgonia.WithName("p3"))
	p4 := gorgonia.NewTensor(g, gorgonia.Float32, 1, gorgonia.WithShape(4), gorgonia.WithName("p4"))
	if _, err := BatchNorm(x, p4, p3, NewBNState(3), true); err == nil {
		t.Error("gamma shape mismatch: no error")
	}
	if _, err := BatchNorm(x, p3, p3, NewBNState(4), true); err == nil {
		t.Error("state size mismatch: no error")
	}
	if _, err := BatchNorm(x, p3, p3, nil, true); err == nil {
		t.Error("nil state: no error")
	}
}

func TestActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shape := []int{3, 2, 4, 5}
	x := randSlice(rng, prod(shape), 1)
	for i := range x { // keep away from the kink at 0 for the FD check
		if math.Abs(float64(x[i])) < 0.05 {
			x[i] += 0.1
		}
	}
	for _, tc := range []struct {
		name  string
		build func(*gorgonia.Node) (*gorgonia.Node, error)
		ref   func(float64) float64
	}{
		{"relu", ReLU, func(v float64) float64 { return math.Max(v, 0) }},
		{"leaky", func(n *gorgonia.Node) (*gorgonia.Node, error) { return LeakyReLU(n, 0.2) },
			func(v float64) float64 {
				if v > 0 {
					return v
				}
				return 0.2 * v
			}},
		{"tanh", Tanh, math.Tanh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := randSlice(rng, len(x), 1)
			h := newHarness(t, []arg{{shape, x, true}}, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) { return tc.build(in[0]) })
			out, _ := h.run()
			for i, v := range x {
				if want := tc.ref(float64(v)); math.Abs(float64(out[i])-want) > 1e-6 {
					t.Fatalf("%s(%g) = %g, want %g", tc.name, v, out[i], want)
				}
			}
			h.checkGradFD(1e-3, 3e-3, 40, rng)
		})
	}
}

func TestTanhExtremes(t *testing.T) {
	for _, v := range []float32{0, 1e-8, -1e-8, 0.5, -3, 8.9, 9.1, 50, -50, float32(math.Inf(1))} {
		got, want := tanh32(v), math.Tanh(float64(v))
		if math.Abs(float64(got)-want) > 2e-7 {
			t.Errorf("tanh32(%g) = %g, want %g", v, got, want)
		}
	}
}

func TestBCEWithLogits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := randSlice(rng, 12, 3)
	x[0], x[1] = 60, -60
	ref := func(tg func(int) float64) float64 {
		var s float64
		for i, v := range x {
			// -t*log(p) - (1-t)*log(1-p) with log p = -log1p(exp(-x)) and
			// log(1-p) = -log1p(exp(x)), fine in float64 for |x| <= 60.
			tt := tg(i)
			s += tt*math.Log1p(math.Exp(-float64(v))) + (1-tt)*math.Log1p(math.Exp(float64(v)))
		}
		return s / float64(len(x))
	}
	for _, target := range []float32{0, 1} {
		h := newHarness(t, []arg{{[]int{3, 4}, x, true}}, nil, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
			return BCEWithLogits(in[0], target)
		})
		out, grads := h.run()
		want := ref(func(int) float64 { return float64(target) })
		if math.Abs(float64(out[0])-want) > 1e-5*want {
			t.Errorf("target %g: loss %g, want %g", target, out[0], want)
		}
		for i, v := range x {
			wantG := (1/(1+math.Exp(-float64(v))) - float64(target)) / float64(len(x))
			if math.Abs(float64(grads[0][i])-wantG) > 1e-7 {
				t.Errorf("target %g: grad[%d] = %g, want %g", target, i, grads[0][i], wantG)
			}
		}
		h.checkGradFD(1e-2, 2e-3, 12, rng)
	}
	// Away from saturation the loss matches the textbook formula.
	x[0], x[1] = 0.3, -0.4
	tg := make([]float32, len(x))
	for i := range tg {
		tg[i] = rng.Float32()
	}
	h := newHarness(t, []arg{{[]int{12}, x, true}, {[]int{12}, tg, false}}, nil, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
		return BCEWithLogitsT(in[0], in[1])
	})
	out, _ := h.run()
	if want := ref(func(i int) float64 { return float64(tg[i]) }); math.Abs(float64(out[0])-want) > 1e-6 {
		t.Errorf("loss %g, want %g", out[0], want)
	}
	h.checkGradFD(1e-2, 2e-3, 12, rng)
}

func TestLayoutRoundTrip(t *testing.T) {
	n, c, hh, w := 2, 3, 2, 2
	src := make([]float32, n*c*hh*w)
	for i := range src {
		src[i] = float32(i)
	}
	cbhw := make([]float32, len(src))
	if err := NCHWToCBHW(cbhw, src, n, c, hh, w); err != nil {
		t.Fatal(err)
	}
	// element (n=1, c=2, y=1, x=0) is src[(1*3+2)*4+2] = 22; in CBHW it
	// sits at ((c=2)*2+(n=1))*4+2.
	if cbhw[(2*n+1)*hh*w+2] != 22 {
		t.Errorf("CBHW element = %g, want 22", cbhw[(2*n+1)*hh*w+2])
	}
	back := make([]float32, len(src))
	if err := CBHWToNCHW(back, cbhw, n, c, hh, w); err != nil {
		t.Fatal(err)
	}
	for i := range src {
		if back[i] != src[i] {
			t.Fatalf("round trip differs at %d", i)
		}
	}
	if err := NCHWToCBHW(cbhw[:3], src, n, c, hh, w); err == nil {
		t.Error("short dst: no error")
	}
}

// TestRepeatedRuns checks that reused buffers give the same results run
// after run, with and without Reset, and after the inputs change.
func TestRepeatedRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	xs, ws := []int{2, 3, 8, 8}, []int{4, 2, 4, 4}
	x, w := randSlice(rng, prod(xs), 1), randSlice(rng, prod(ws), 0.3)
	r := randSlice(rng, 3*3*5*5, 1)
	build := func(in []*gorgonia.Node) (*gorgonia.Node, error) {
		y, err := Conv2d(in[0], in[1], 2, 1)
		if err != nil {
			return nil, err
		}
		if y, err = LeakyReLU(y, 0.2); err != nil {
			return nil, err
		}
		return ConvTranspose2d(y, in[2], 1, 1, 0)
	}
	wt := randSlice(rng, 4*3*4*4, 0.3)
	args := []arg{{xs, x, true}, {ws, w, true}, {[]int{4, 3, 4, 4}, wt, true}}
	h := newHarness(t, args, r, build)
	out1, g1 := h.run()
	// A plain machine (no trace: values live in the ops' reused buffers),
	// run several times with and without Reset.
	plain := gorgonia.NewTapeMachine(h.g)
	defer plain.Close()
	for i := 0; i < 3; i++ {
		if i == 2 {
			plain.Reset()
		}
		if err := plain.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	for i, gn := range h.grads {
		closeTo(t, "plain grad", valueData(t, gn.Value()), g1[h.wrt[i]], 0, 0)
	}
	out2, g2 := h.run()
	closeTo(t, "out", out2, out1, 0, 0)
	for i := range g1 {
		closeTo(t, "grad", g2[i], g1[i], 0, 0)
	}
	// Change x in place: results must follow.
	for i := range h.vals[0] {
		h.vals[0][i] *= -1
	}
	out3, _ := h.run()
	h2 := newHarness(t, []arg{{xs, h.vals[0], true}, args[1], args[2]}, r, build)
	out4, _ := h2.run()
	closeTo(t, "out after change", out3, out4, 0, 0)
	h.checkGradFD(1e-3, 3e-3, 10, rng)
}
