package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// elemPacker packs a stored B (op(B) = B, or Bᵀ when trans) one element at a
// time, independently of packB.
type elemPacker struct {
	trans bool
	b     matrix
}

func (e elemPacker) PackB(dst []float32, p0, kb, j0, nb, nr int) {
	for i := range dst {
		dst[i] = float32(math.NaN()) // every value must be written below
	}
	for j := 0; j < roundUp(nb, nr); j++ {
		panel, jj := j/nr, j%nr
		for p := range kb {
			v := float32(0)
			if j < nb {
				if e.trans {
					v = e.b.data[(j0+j)*e.b.ld+p0+p]
				} else {
					v = e.b.data[(p0+p)*e.b.ld+j0+j]
				}
			}
			dst[panel*nr*kb+p*nr+jj] = v
		}
	}
}

// TestSgemmPackedMatchesSgemm checks that SgemmPacked with a packer of a
// stored B gives Sgemm's result bit for bit, for every kernel, both
// layouts of A and B, and one to three workers.
func TestSgemmPackedMatchesSgemm(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {7, 13, 5}, {64, 300, 257}, {130, 2000, 48}, {3, 5000, 520}, {600, 40, 33}}
	for _, kern := range kernelsAvailable() {
		for _, s := range shapes {
			for tr := range 4 {
				tA, tB := tr&1 != 0, tr&2 != 0
				m, n, k := s[0], s[1], s[2]
				rng := rand.New(rand.NewPCG(7, uint64(m*31+n+k+tr)))
				ar, ac := stored(tA, m, k)
				br, bc := stored(tB, k, n)
				a := newMatrix(rng, ar, ac, 1)
				b := newMatrix(rng, br, bc, 2)
				c0 := newMatrix(rng, m, n, 1)
				for _, w := range []int{1, 2, 3} {
					want, got := c0.clone(), c0.clone()
					sgemm(kern, w, tA, tB, m, n, k, 0.5, a.data, a.ld, b.data, b.ld, 0.25, want.data, want.ld)
					sgemmPacked(kern, w, tA, m, n, k, 0.5, a.data, a.ld, elemPacker{tB, b}, 0.25, got.data, got.ld)
					for i := range want.data {
						if math.Float32bits(got.data[i]) != math.Float32bits(want.data[i]) {
							t.Fatalf("%s %v tA=%v tB=%v workers=%d: C[%d] = %g, Sgemm gives %g", kern.name, s, tA, tB, w, i, got.data[i], want.data[i])
						}
					}
				}
			}
		}
	}
}

func TestSgemmPackedPublic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	m, n, k := 37, 91, 45
	a := newMatrix(rng, m, k, 0)
	b := newMatrix(rng, k, n, 0)
	want := make([]float32, m*n)
	naiveSgemm(false, false, m, n, k, 1, a.data, k, b.data, n, 0, want, n)
	got := make([]float32, m*n)
	SgemmPacked(false, m, n, k, 1, a.data, k, elemPacker{false, b}, 0, got, n)
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
			t.Fatalf("C[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}
