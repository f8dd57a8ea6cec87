package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmPackedAMatchesSgemm checks that a product with A packed
// beforehand gives Sgemm's result bit for bit, for every kernel, both
// layouts of A and B, one to three workers, and a PackedA reused across
// shapes (its memory kept from a larger one).
func TestSgemmPackedAMatchesSgemm(t *testing.T) {
	shapes := [][3]int{{600, 40, 33}, {1, 1, 1}, {7, 13, 5}, {64, 300, 257}, {130, 2000, 48}, {3, 5000, 520}, {4096, 64, 512}}
	for _, kern := range kernelsAvailable() {
		var pa PackedA
		for _, s := range shapes {
			for tr := range 4 {
				tA, tB := tr&1 != 0, tr&2 != 0
				m, n, k := s[0], s[1], s[2]
				rng := rand.New(rand.NewPCG(11, uint64(m*31+n+k+tr)))
				ar, ac := stored(tA, m, k)
				br, bc := stored(tB, k, n)
				a := newMatrix(rng, ar, ac, 1)
				b := newMatrix(rng, br, bc, 2)
				c0 := newMatrix(rng, m, n, 1)
				pa.pack(kern, tA, m, k, a.data, a.ld)
				for _, w := range []int{1, 2, 3} {
					want, got := c0.clone(), c0.clone()
					sgemm(kern, w, tA, tB, m, n, k, 0.5, a.data, a.ld, b.data, b.ld, 0.25, want.data, want.ld)
					g := &gemmArgs{kern: kern, transB: tB, m: m, n: n, k: k, alpha: 0.5, beta: 0.25,
						b: b.data, ldb: b.ld, c: got.data, ldc: got.ld, pa: &pa}
					g.do(w)
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

func TestSgemmOnPackedAPublic(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	m, n, k := 37, 91, 45
	a := newMatrix(rng, k, m, 0) // stored transposed
	b := newMatrix(rng, k, n, 0)
	want := make([]float32, m*n)
	Sgemm(true, false, m, n, k, 1, a.data, m, b.data, n, 0, want, n)
	var pa PackedA
	pa.Pack(true, m, k, a.data, m)
	for _, w := range []int{1, 2} {
		got := make([]float32, m*n)
		SgemmOnPackedA(w, &pa, false, n, 1, b.data, n, 0, got, n)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("workers=%d: C[%d] = %g, Sgemm gives %g", w, i, got[i], want[i])
			}
		}
	}
}

func TestPackedAPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short a":    func() { new(PackedA).Pack(false, 4, 4, make([]float32, 15), 4) },
		"bad lda":    func() { new(PackedA).Pack(true, 4, 3, make([]float32, 12), 3) },
		"not packed": func() { SgemmOnPackedA(1, new(PackedA), false, 1, 1, []float32{1}, 1, 0, []float32{0}, 1) },
		"short c": func() {
			var pa PackedA
			pa.Pack(false, 2, 2, make([]float32, 4), 2)
			SgemmOnPackedA(1, &pa, false, 2, 1, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
