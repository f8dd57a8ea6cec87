package gan

import (
	"math"
	"math/rand/v2"
	"testing"
)

// colourTerm is the colour-matching term computed directly from NCHW
// batches (an independent reference for colourMatch): the mean over the
// slices of weight * sum_c d_c(A) * d_c(B), where A is the first half of
// the slice's images (rounded down), B the rest, and d_c(H) the mean of
// channel c over H's fake images minus its mean over the slice's real
// ones; a slice of one image gives weight * sum_c d_c^2.
func colourTerm(fake, real []float64, B, C, pix, slices int, weight float64) float64 {
	bs := B / slices
	mean := func(x []float64, c, from, to int) float64 {
		var s float64
		for b := from; b < to; b++ {
			for p := range pix {
				s += x[(b*C+c)*pix+p]
			}
		}
		return s / float64((to-from)*pix)
	}
	var term float64
	for s := range slices {
		lo, hi := s*bs, (s+1)*bs
		for c := range C {
			mr := mean(real, c, lo, hi)
			if bs == 1 {
				d := mean(fake, c, lo, hi) - mr
				term += weight * d * d
				continue
			}
			mid := lo + bs/2
			term += weight * (mean(fake, c, lo, mid) - mr) * (mean(fake, c, mid, hi) - mr)
		}
	}
	return term / float64(slices)
}

// TestColourMatch checks colourMatch's value against colourTerm and its
// gradient against central finite differences of colourTerm, for the
// convolutional layout (a plane per colour) and the fully connected one
// (a plane per value), with and without slices.
func TestColourMatch(t *testing.T) {
	for _, tc := range []struct {
		name           string
		B, C, side, hw int // hw: the internal layout's plane size
		slices         int
		weight         float64
	}{
		{name: "dcgan", B: 4, C: 3, side: 5, hw: 25, slices: 1, weight: 3},
		{name: "dcgan split", B: 4, C: 3, side: 5, hw: 25, slices: 2, weight: 0.7},
		{name: "mlp", B: 6, C: 3, side: 3, hw: 1, slices: 1, weight: 10},
		{name: "mlp split", B: 6, C: 3, side: 3, hw: 1, slices: 3, weight: 10},
		{name: "one colour", B: 2, C: 1, side: 4, hw: 16, slices: 1, weight: 2},
		{name: "odd slices", B: 6, C: 3, side: 3, hw: 9, slices: 2, weight: 5},
		{name: "one image a slice", B: 3, C: 3, side: 2, hw: 4, slices: 3, weight: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, uint64(tc.B)))
			pix := tc.side * tc.side
			n := tc.B * tc.C * pix
			// NCHW batches, and their float64 copies for the reference.
			fakeN, realN := make([]float32, n), make([]float32, n)
			fake64, real64 := make([]float64, n), make([]float64, n)
			for i := range fakeN {
				fakeN[i], realN[i] = float32(r.Float64()*2-1), float32(r.Float64()*2-1)
				fake64[i], real64[i] = float64(fakeN[i]), float64(realN[i])
			}
			// colourMatch takes the internal layout ([planes, B, hw]).
			fake, real := make([]float32, n), make([]float32, n)
			for _, p := range [][2][]float32{{fake, fakeN}, {real, realN}} {
				if err := toInternal(p[0], p[1], tc.B, tc.C*pix, tc.hw); err != nil {
					t.Fatal(err)
				}
			}
			grad := make([]float32, n)
			for i := range grad {
				grad[i] = 0.25 // colourMatch adds to what is there
			}
			got := colourMatch(grad, fake, real, tc.C, tc.B, tc.hw, tc.slices, tc.weight)
			want := colourTerm(fake64, real64, tc.B, tc.C, pix, tc.slices, tc.weight)
			if math.Abs(got-want) > 1e-9*math.Max(1, want) {
				t.Errorf("term = %g, want %g", got, want)
			}
			// Finite differences of the reference, NCHW index i, compared
			// with the gradient at i's internal position.
			const eps = 1e-3
			gradN := make([]float32, n)
			if err := fromInternal(gradN, grad, tc.B, tc.C*pix, tc.hw); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				x := append([]float64(nil), fake64...)
				x[i] += eps
				up := colourTerm(x, real64, tc.B, tc.C, pix, tc.slices, tc.weight)
				x[i] -= 2 * eps
				down := colourTerm(x, real64, tc.B, tc.C, pix, tc.slices, tc.weight)
				fd := (up - down) / (2 * eps)
				if g := float64(gradN[i]) - 0.25; math.Abs(g-fd) > 1e-5+1e-3*math.Abs(fd) {
					t.Fatalf("gradient at NCHW %d = %g, finite differences %g", i, g, fd)
				}
			}
		})
	}
}

// TestColourMatchSlices: with slices, the term and its gradient are what
// that many ranks compute, each on its slice as a whole batch, the ranks'
// gradients then averaged (sumGrads) and their terms too.
func TestColourMatchSlices(t *testing.T) {
	const B, C, hw, slices = 8, 3, 16, 2
	r := rand.New(rand.NewPCG(9, 9))
	n := B * C * hw
	fake, real := make([]float32, n), make([]float32, n)
	for i := range fake {
		fake[i], real[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	grad := make([]float32, n)
	term := colourMatch(grad, fake, real, C, B, hw, slices, 4)
	bs := B / slices
	var rankTerms float64
	for s := range slices {
		// Rank s's local batch: its images of every plane.
		lf, lr := make([]float32, bs*C*hw), make([]float32, bs*C*hw)
		for c := range C {
			copy(lf[c*bs*hw:(c+1)*bs*hw], fake[(c*B+s*bs)*hw:(c*B+(s+1)*bs)*hw])
			copy(lr[c*bs*hw:(c+1)*bs*hw], real[(c*B+s*bs)*hw:(c*B+(s+1)*bs)*hw])
		}
		lg := make([]float32, len(lf))
		rankTerms += colourMatch(lg, lf, lr, C, bs, hw, 1, 4)
		for c := range C {
			for i := range bs * hw {
				want := lg[c*bs*hw+i] / slices // sumGrads' mean over the ranks
				if got := grad[(c*B+s*bs)*hw+i]; got != want {
					t.Fatalf("slice %d colour %d value %d: gradient %g, the rank's %g", s, c, i, got, want)
				}
			}
		}
	}
	if want := rankTerms / slices; math.Abs(term-want) > 1e-12 {
		t.Errorf("term %g, the ranks' mean %g", term, want)
	}
}
