package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gorgonia.org/gorgonia"
)

// refAugment is an independent per-pixel reference of DiffAugment's forward
// pass in float64, written from the paper's definitions.
func refAugment(x []float32, C, B, S int, a *Augment) []float64 {
	out := make([]float64, len(x))
	at := func(c, b, y, xx int) int { return ((c*B+b)*S+y)*S + xx }
	for b := 0; b < B; b++ {
		img := make([][][]float64, C)
		for c := range img {
			img[c] = make([][]float64, S)
			for y := range img[c] {
				img[c][y] = make([]float64, S)
				for xx := range img[c][y] {
					img[c][y][xx] = float64(x[at(c, b, y, xx)])
				}
			}
		}
		if a.on[b] && a.Color {
			for c := range img {
				for y := range img[c] {
					for xx := range img[c][y] {
						img[c][y][xx] += float64(a.bright[b])
					}
				}
			}
			for y := 0; y < S; y++ {
				for xx := 0; xx < S; xx++ {
					m := 0.0
					for c := 0; c < C; c++ {
						m += img[c][y][xx]
					}
					m /= float64(C)
					for c := 0; c < C; c++ {
						img[c][y][xx] = (img[c][y][xx]-m)*float64(a.sat[b]) + m
					}
				}
			}
			m := 0.0
			for c := range img {
				for y := range img[c] {
					for xx := range img[c][y] {
						m += img[c][y][xx]
					}
				}
			}
			m /= float64(C * S * S)
			for c := range img {
				for y := range img[c] {
					for xx := range img[c][y] {
						img[c][y][xx] = (img[c][y][xx]-m)*float64(a.con[b]) + m
					}
				}
			}
		}
		for c := 0; c < C; c++ {
			for y := 0; y < S; y++ {
				for xx := 0; xx < S; xx++ {
					v := img[c][y][xx]
					if a.on[b] && a.Translation {
						sy, sx := y-a.ty[b], xx-a.tx[b]
						v = 0
						if sy >= 0 && sy < S && sx >= 0 && sx < S {
							v = img[c][sy][sx]
						}
					}
					if a.on[b] && a.Cutout {
						h := S / 2
						if xx >= a.cx[b]-h/2 && xx < a.cx[b]-h/2+h && y >= a.cy[b]-h/2 && y < a.cy[b]-h/2+h {
							v = 0
						}
					}
					out[at(c, b, y, xx)] = v
				}
			}
		}
	}
	return out
}

func TestDiffAugment(t *testing.T) {
	for _, tc := range []struct {
		color, trans, cut bool
		p                 float64
	}{
		{true, false, false, 1}, {false, true, false, 1}, {false, false, true, 1},
		{true, true, true, 1}, {true, true, true, 0.5}, {true, true, true, 0},
	} {
		t.Run(fmt.Sprintf("c%v_t%v_x%v_p%g", tc.color, tc.trans, tc.cut, tc.p), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			C, B, S := 3, 5, 8
			shape := []int{C, B, S, S}
			x := randSlice(rng, prod(shape), 0.7)
			a := &Augment{Color: tc.color, Translation: tc.trans, Cutout: tc.cut, P: tc.p}
			a.Draw(rand.New(rand.NewPCG(3, 4)), B, S)
			h := newHarness(t, []arg{{shape, x, true}}, randSlice(rng, len(x), 1),
				func(in []*gorgonia.Node) (*gorgonia.Node, error) { return DiffAugment(in[0], a) })
			out, _ := h.run()
			want := refAugment(x, C, B, S, a)
			for i := range out {
				if math.Abs(float64(out[i])-want[i]) > 1e-5 {
					t.Fatalf("out[%d] = %g, reference %g", i, out[i], want[i])
				}
			}
			if tc.p == 0 {
				closeTo(t, "p=0 output", out, x, 0, 0)
			}
			h.checkGradFD(1e-2, 2e-3, 60, rng)
		})
	}
}

func TestDiffAugmentDrawsFixedCount(t *testing.T) {
	// Turning a transform on or off must not change what the RNG gives
	// others afterwards.
	r1, r2 := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	(&Augment{Color: true, P: 1}).Draw(r1, 7, 16)
	(&Augment{Cutout: true, P: 0.3}).Draw(r2, 7, 16)
	if r1.Uint64() != r2.Uint64() {
		t.Fatal("Draw consumed a policy-dependent number of values")
	}
}

func TestDiffAugmentNotDrawn(t *testing.T) {
	a := &Augment{Color: true, P: 1}
	a.Draw(rand.New(rand.NewPCG(1, 1)), 2, 8)
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 4, 8, 8), gorgonia.WithInit(gorgonia.Zeroes()))
	y, err := DiffAugment(x, a)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err == nil {
		t.Fatalf("ran with draws for 2 images on a batch of 4: %v", y.Value())
	}
}

func TestHingeLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 40
	x := randSlice(rng, n, 1.5)
	sign := make([]float32, n)
	var want float64
	for i := range sign {
		sign[i] = float32(1 - 2*(i%2))
		want += math.Max(0, 1-float64(sign[i])*float64(x[i]))
	}
	want /= float64(n)
	h := newHarness(t, []arg{{[]int{n}, x, true}, {[]int{n}, sign, false}}, nil,
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return HingeLoss(in[0], in[1]) })
	out, _ := h.run()
	if math.Abs(float64(out[0])-want) > 1e-6 {
		t.Errorf("hinge = %g, want %g", out[0], want)
	}
	h.checkGradFD(1e-3, 2e-3, n, rng)

	h2 := newHarness(t, []arg{{[]int{n}, x, true}}, nil,
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return NegMean(in[0]) })
	out, _ = h2.run()
	var m float64
	for _, v := range x {
		m += float64(v)
	}
	if math.Abs(float64(out[0])+m/float64(n)) > 1e-6 {
		t.Errorf("NegMean = %g, want %g", out[0], -m/float64(n))
	}
	h2.checkGradFD(1e-3, 2e-3, n, rng)
}

func TestSpectralNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	shape := []int{6, 3, 2, 2}
	w := randSlice(rng, prod(shape), 0.3)
	// Reference: the largest singular value by SVD (gonum).
	wm := mat.NewDense(6, 12, nil)
	for i, v := range w {
		wm.Set(i/12, i%12, float64(v))
	}
	var svd mat.SVD
	if !svd.Factorize(wm, mat.SVDNone) {
		t.Fatal("svd failed")
	}
	sigma := svd.Values(nil)[0]

	st := NewSNState(6, 12, rng)
	h := newHarness(t, []arg{{shape, w, true}}, randSlice(rng, len(w), 1),
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return SpectralNorm(in[0], st, true) })
	var out []float32
	for range 50 { // power iteration converges over runs
		out, _ = h.run()
	}
	if got := float64(w[0]) / float64(out[0]); math.Abs(got-sigma) > 1e-4*sigma {
		t.Errorf("sigma after 50 runs = %g, SVD %g", got, sigma)
	}

	// Eval mode: u, v fixed, so the analytic gradient is exact.
	he := newHarness(t, []arg{{shape, w, true}}, randSlice(rng, len(w), 1),
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return SpectralNorm(in[0], st, false) })
	he.checkGradFD(1e-3, 3e-3, 40, rng)

	// A fresh state: the gradient must still match (vectors far from
	// converged, so the u v^T term matters).
	st2 := NewSNState(6, 12, rand.New(rand.NewPCG(1, 1)))
	he2 := newHarness(t, []arg{{shape, w, true}}, randSlice(rng, len(w), 1),
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return SpectralNorm(in[0], st2, false) })
	he2.checkGradFD(1e-3, 3e-3, 40, rng)

	if _, err := SpectralNorm(h.in[0], NewSNState(5, 12, rng), true); err == nil {
		t.Error("accepted a state of the wrong size")
	}
}

func TestMinibatchStd(t *testing.T) {
	for _, b := range []int{8, 6, 5, 1} {
		t.Run(fmt.Sprint(b), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(b), 2))
			C, H, W := 3, 2, 3
			shape := []int{C, b, H, W}
			x := randSlice(rng, prod(shape), 1)
			h := newHarness(t, []arg{{shape, x, true}}, randSlice(rng, (C+1)*b*H*W, 1),
				func(in []*gorgonia.Node) (*gorgonia.Node, error) { return MinibatchStd(in[0]) })
			out, _ := h.run()
			closeTo(t, "copied features", out[:len(x)], x, 0, 0)
			g := mbstdGroup(b)
			hw := H * W
			for s := 0; s < b; s++ {
				g0 := s / g * g
				var tot float64
				for c := 0; c < C; c++ {
					for p := 0; p < hw; p++ {
						var m, v float64
						for j := g0; j < g0+g; j++ {
							m += float64(x[(c*b+j)*hw+p])
						}
						m /= float64(g)
						for j := g0; j < g0+g; j++ {
							d := float64(x[(c*b+j)*hw+p]) - m
							v += d * d
						}
						tot += math.Sqrt(v/float64(g) + 1e-8)
					}
				}
				want := tot / float64(C*hw)
				for p := 0; p < hw; p++ {
					if got := out[(C*b+s)*hw+p]; math.Abs(float64(got)-want) > 1e-5 {
						t.Fatalf("image %d: feature %g, want %g", s, got, want)
					}
				}
			}
			if g > 1 {
				h.checkGradFD(1e-2, 5e-3, 40, rng)
			}
		})
	}
}

func TestBatchNormCumulative(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	c, m := 2, 16
	st := NewBNState(c)
	st.Cumulative = true
	x := randSlice(rng, c*m, 2)
	gamma, beta := []float32{1, 1}, []float32{0, 0}
	h := newHarness(t, []arg{{[]int{c, m}, x, false}, {[]int{c}, gamma, false}, {[]int{c}, beta, false}}, nil,
		func(in []*gorgonia.Node) (*gorgonia.Node, error) { return BatchNorm(in[0], in[1], in[2], st, true) })
	var sumMean, sumVar [2]float64
	for range 3 {
		for i := range x {
			h.vals[0][i] = float32(rng.NormFloat64()*3 + 1)
		}
		h.run()
		for ch := 0; ch < c; ch++ {
			var mean, v float64
			xs := h.vals[0][ch*m : (ch+1)*m]
			for _, xv := range xs {
				mean += float64(xv)
			}
			mean /= float64(m)
			for _, xv := range xs {
				v += (float64(xv) - mean) * (float64(xv) - mean)
			}
			sumMean[ch] += mean
			sumVar[ch] += v / float64(m-1)
		}
	}
	if st.Batches != 3 {
		t.Fatalf("Batches = %d, want 3", st.Batches)
	}
	for ch := 0; ch < c; ch++ {
		if math.Abs(float64(st.Mean[ch])-sumMean[ch]/3) > 1e-5 || math.Abs(float64(st.Var[ch])-sumVar[ch]/3) > 1e-4 {
			t.Errorf("channel %d: running (%g, %g), want the averages (%g, %g)", ch, st.Mean[ch], st.Var[ch], sumMean[ch]/3, sumVar[ch]/3)
		}
	}
}
