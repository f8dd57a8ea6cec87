package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// matrix is a rows×cols row-major operand with stride ld >= cols; the padding
// is NaN so any read of it poisons the result.
type matrix struct {
	rows, cols, ld int
	data           []float32
}

func newMatrix(rng *rand.Rand, rows, cols, pad int) matrix {
	ld := max(1, cols+pad)
	data := make([]float32, max(0, (rows-1)*ld+cols)+pad)
	for i := range data {
		data[i] = float32(math.NaN())
	}
	for i := range rows {
		for j := range cols {
			data[i*ld+j] = rng.Float32()*2 - 1
		}
	}
	return matrix{rows, cols, ld, data}
}

func (x matrix) clone() matrix {
	x.data = append([]float32(nil), x.data...)
	return x
}

// naiveSgemm is the reference: a triple loop accumulating in float64.
func naiveSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(v)
		}
	}
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d", tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// checkCase runs one case through kern with the given worker count and
// compares it with the naive loop. It reports whether it passed.
func checkCase(t testing.TB, kern *microKernel, workers int, tc gemmCase, seed uint64) bool {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(tc.m*1000003+tc.n*1009+tc.k)))
	ar, ac := stored(tc.transA, tc.m, tc.k)
	br, bc := stored(tc.transB, tc.k, tc.n)
	a := newMatrix(rng, ar, ac, tc.pad)
	b := newMatrix(rng, br, bc, 2*tc.pad)
	c := newMatrix(rng, tc.m, tc.n, tc.pad+1)
	if tc.beta == 0 {
		// beta == 0 must ignore whatever is in C.
		for i := range c.data {
			if rng.IntN(3) == 0 {
				c.data[i] = float32(math.NaN())
			}
		}
	}
	want := c.clone()
	naiveSgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data, a.ld, b.data, b.ld, tc.beta, want.data, want.ld)
	got := c.clone()
	checkArgs(tc.transA, tc.transB, tc.m, tc.n, tc.k, len(a.data), a.ld, len(b.data), b.ld, len(got.data), got.ld)
	sgemm(kern, workers, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data, a.ld, b.data, b.ld, tc.beta, got.data, got.ld)

	// Inputs are in [-1,1]: each product is below 1 in magnitude, so the
	// float32 error of a k-term dot product is bounded by about k*eps.
	tol := 1e-6 * float64(tc.k+4) * (math.Abs(float64(tc.alpha)) + math.Abs(float64(tc.beta)) + 1)
	for i := range got.data {
		w, g := float64(want.data[i]), float64(got.data[i])
		inside := i/got.ld < tc.m && i%got.ld < tc.n
		if !inside {
			// Padding of C must be left alone (it was copied identically).
			if math.Float32bits(got.data[i]) != math.Float32bits(c.data[i]) {
				t.Errorf("%s %s: wrote C padding at %d", kern.name, tc, i)
				return false
			}
			continue
		}
		if math.IsNaN(g) || math.Abs(g-w) > tol {
			t.Errorf("%s workers=%d %s: C[%d,%d] = %g, want %g (tol %g)", kern.name, workers, tc, i/got.ld, i%got.ld, g, w, tol)
			return false
		}
	}
	return true
}

var testDims = []int{1, 2, 3, 7, 13, 17, 31, 64, 97, 129, 257}

func TestSgemmShapes(t *testing.T) {
	ks := []int{1, 7, 64, 257}
	if testing.Short() {
		ks = []int{7, 257}
	}
	scalars := [][2]float32{{1, 0}, {-0.5, 1}, {2, -0.5}, {1, 2}, {0.5, 0}}
	for _, kern := range kernelsAvailable() {
		t.Run(kern.name, func(t *testing.T) {
			n := 0
			for _, m := range testDims {
				for _, nn := range testDims {
					for _, k := range ks {
						for tr := range 4 {
							s := scalars[n%len(scalars)]
							tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: m, n: nn, k: k, alpha: s[0], beta: s[1], pad: n % 3}
							n++
							if !checkCase(t, kern, 1, tc, 1) {
								return
							}
						}
					}
				}
			}
		})
	}
}

func TestSgemmScalars(t *testing.T) {
	vals := []float32{0, 1, -0.5, 2}
	for _, kern := range kernelsAvailable() {
		for _, alpha := range vals {
			for _, beta := range vals {
				for tr := range 4 {
					for _, shape := range [][3]int{{31, 97, 129}, {64, 64, 64}, {3, 2, 1}, {17, 13, 0}} {
						tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: shape[0], n: shape[1], k: shape[2], alpha: alpha, beta: beta, pad: 3}
						if !checkCase(t, kern, 2, tc, 2) {
							return
						}
					}
				}
			}
		}
	}
}

// TestSgemmParallel checks the parallel paths (splits over M and over N)
// against the reference, with every kernel.
func TestSgemmParallel(t *testing.T) {
	shapes := [][3]int{{300, 200, 150}, {48, 2000, 64}, {2000, 40, 100}, {64, 48, 3000}, {200, 700, 400}}
	for _, kern := range kernelsAvailable() {
		for _, s := range shapes {
			for tr := range 4 {
				tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: -0.5, pad: 1}
				for _, w := range []int{2, 3} {
					if !checkCase(t, kern, w, tc, 3) {
						return
					}
				}
			}
		}
	}
}

// TestSgemmDeterministic checks results are bit-identical for any number of
// workers and GOMAXPROCS, including the single-threaded path.
func TestSgemmDeterministic(t *testing.T) {
	// {200, 700, 400} splits along N with op(A) packed beforehand.
	shapes := [][3]int{{257, 333, 513}, {64, 4099, 48}, {1031, 64, 100}, {45, 37, 5000}, {200, 700, 400}}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, kern := range kernelsAvailable() {
		for _, s := range shapes {
			for tr := range 4 {
				tA, tB := tr&1 != 0, tr&2 != 0
				m, n, k := s[0], s[1], s[2]
				rng := rand.New(rand.NewPCG(4, uint64(tr)))
				ar, ac := stored(tA, m, k)
				br, bc := stored(tB, k, n)
				a := newMatrix(rng, ar, ac, 0)
				b := newMatrix(rng, br, bc, 0)
				c0 := newMatrix(rng, m, n, 0)
				run := func(workers, procs int) []float32 {
					runtime.GOMAXPROCS(procs)
					c := c0.clone()
					sgemm(kern, workers, tA, tB, m, n, k, 0.75, a.data, a.ld, b.data, b.ld, 0.5, c.data, c.ld)
					return c.data
				}
				ref := run(1, 1)
				for _, cfg := range [][2]int{{1, 2}, {2, 1}, {2, 2}, {3, 3}, {5, 4}} {
					got := run(cfg[0], cfg[1])
					for i := range ref {
						if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
							t.Fatalf("%s %v tA=%v tB=%v: workers=%d GOMAXPROCS=%d differs from single-threaded at %d: %g vs %g",
								kern.name, s, tA, tB, cfg[0], cfg[1], i, got[i], ref[i])
						}
					}
				}
			}
		}
	}
}

// TestSgemmPublic exercises the exported entry point with GOMAXPROCS 1 and 2
// and checks both the reference and bit-identity between them.
func TestSgemmPublic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	m, n, k := 129, 257, 97
	rng := rand.New(rand.NewPCG(5, 6))
	a := newMatrix(rng, m, k, 0)
	b := newMatrix(rng, k, n, 0)
	want := make([]float32, m*n)
	naiveSgemm(false, false, m, n, k, 1, a.data, k, b.data, n, 0, want, n)
	var prev []float32
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		got := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a.data, k, b.data, n, 0, got, n)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
				t.Fatalf("GOMAXPROCS=%d: C[%d] = %g, want %g", procs, i, got[i], want[i])
			}
			if prev != nil && math.Float32bits(got[i]) != math.Float32bits(prev[i]) {
				t.Fatalf("GOMAXPROCS=2 differs from 1 at %d", i)
			}
		}
		prev = got
	}
	if KernelName() == "" {
		t.Error("empty KernelName")
	}
	t.Logf("kernel %s", KernelName())
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 6)
	cases := []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"short a", func() { Sgemm(false, false, 3, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"bad lda", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"bad ldc", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a, 1) }},
		{"short b trans", func() { Sgemm(false, true, 1, 3, 3, 1, a, 3, a, 3, 0, a, 3) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), int8(2), int8(0), uint8(1), uint64(1))
	f.Add(uint8(15), uint8(33), uint8(1), uint8(3), int8(-1), int8(3), uint8(0), uint64(2))
	f.Add(uint8(1), uint8(1), uint8(200), uint8(1), int8(1), int8(1), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, tr uint8, alpha, beta int8, pad uint8, seed uint64) {
		tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: int(m % 70), n: int(n % 70), k: int(k),
			alpha: float32(alpha) / 4, beta: float32(beta) / 4, pad: int(pad % 4)}
		for _, kern := range kernelsAvailable() {
			checkCase(t, kern, 1+int(seed%3), tc, seed)
		}
	})
}
