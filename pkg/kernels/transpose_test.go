package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestTransposeInto checks the packing transpose (assembly 8x8 blocks where
// available) against the definition, padding rows included.
func TestTransposeInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ rows, w, n, ld int }{
		{1, 4, 1, 1}, {8, 8, 8, 8}, {8, 16, 37, 40}, {14, 14, 64, 70}, {13, 14, 9, 9},
		{32, 32, 256, 300}, {27, 32, 17, 17}, {7, 16, 100, 101}, {16, 16, 5, 5},
	} {
		src := randSlice(rng, (tc.rows-1)*tc.ld+tc.n)
		d := randSlice(rng, tc.n*tc.w)
		transposeInto(d, tc.w, src, tc.ld, tc.rows, tc.n)
		for p := range tc.n {
			for r := range tc.w {
				want := float32(0)
				if r < tc.rows {
					want = src[r*tc.ld+p]
				}
				if got := d[p*tc.w+r]; got != want {
					t.Fatalf("%+v: d[%d,%d] = %g, want %g", tc, p, r, got, want)
				}
			}
		}
	}
}
