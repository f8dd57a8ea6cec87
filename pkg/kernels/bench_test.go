package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// sgemmImpl is one SGEMM under benchmark; openblas_bench_test.go (build tag
// openblas) appends OpenBLAS so the two print side by side.
type sgemmImpl struct {
	name string
	// setThreads prepares threads workers and returns a restore func.
	setThreads func(threads int) func()
	sgemm      func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

var sgemmImpls = []sgemmImpl{{
	name: "toongan",
	setThreads: func(threads int) func() {
		old := runtime.GOMAXPROCS(threads)
		return func() { runtime.GOMAXPROCS(old) }
	},
	sgemm: Sgemm,
}}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// benchGemm times C = op(A)·op(B) for one shape and reports GFLOP/s.
func benchGemm(b *testing.B, impl sgemmImpl, transA, transB bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := randSlice(rng, m*k)
	bm := randSlice(rng, k*n)
	c := make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	impl.sgemm(transA, transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n) // warm up
	b.ResetTimer()
	for b.Loop() {
		impl.sgemm(transA, transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm1024 runs 1024³ on 1 and 2 threads for every implementation
// (toongan, plus OpenBLAS under -tags openblas), implementations interleaved.
func BenchmarkSgemm1024(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, impl := range sgemmImpls {
			b.Run(fmt.Sprintf("impl=%s/threads=%d", impl.name, threads), func(b *testing.B) {
				defer impl.setThreads(threads)()
				benchGemm(b, impl, false, false, 1024, 1024, 1024)
			})
		}
	}
}

// dcganShapes are the GEMMs of DCGAN-64 at batch 64 in the im2col
// formulation with activations laid out [C, B*H*W].
var dcganShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"D_fwd1", false, false, 64, 65536, 48},
	{"D_fwd2", false, false, 128, 16384, 1024},
	{"D_fwd3", false, false, 256, 4096, 2048},
	{"D_fwd4", false, false, 512, 1024, 4096},
	{"D_dW1", false, true, 64, 48, 65536},
	{"D_dW2", false, true, 128, 1024, 16384},
	{"D_dW3", false, true, 256, 2048, 4096},
	{"D_dW4", false, true, 512, 4096, 1024},
	{"D_dX1", true, false, 48, 65536, 64},
	{"D_dX2", true, false, 1024, 16384, 128},
	{"D_dX3", true, false, 2048, 4096, 256},
	{"D_dX4", true, false, 4096, 1024, 512},
	{"G_fwd1", true, false, 8192, 64, 100},
	{"G_fwd2", true, false, 4096, 1024, 512},
	{"G_fwd3", true, false, 2048, 4096, 256},
	{"G_fwd4", true, false, 1024, 16384, 128},
	{"G_fwd5", true, false, 48, 65536, 64},
	// Backward of the transposed conv: dX = W × dCols (W is [Cin_col, Cout]
	// seen as [Cout? ...]) and dW = x × dColsᵀ, the forward shapes permuted.
	{"G_dX1", false, false, 100, 64, 8192},
	{"G_dX2", false, false, 512, 1024, 4096},
	{"G_dX3", false, false, 256, 4096, 2048},
	{"G_dX4", false, false, 128, 16384, 1024},
	{"G_dX5", false, false, 64, 65536, 48},
	{"G_dW1", false, true, 100, 8192, 64},
	{"G_dW2", false, true, 512, 4096, 1024},
	{"G_dW3", false, true, 256, 2048, 4096},
	{"G_dW4", false, true, 128, 1024, 16384},
	{"G_dW5", false, true, 64, 48, 65536},
}

// BenchmarkSgemmDCGAN runs the DCGAN-64 layer GEMMs with GOMAXPROCS 1 and 2.
func BenchmarkSgemmDCGAN(b *testing.B) {
	for _, s := range dcganShapes {
		for _, threads := range []int{1, 2} {
			for _, impl := range sgemmImpls {
				name := fmt.Sprintf("%s_%dx%dx%d_tA=%v_tB=%v/impl=%s/threads=%d", s.name, s.m, s.n, s.k, s.transA, s.transB, impl.name, threads)
				b.Run(name, func(b *testing.B) {
					defer impl.setThreads(threads)()
					benchGemm(b, impl, s.transA, s.transB, s.m, s.n, s.k)
				})
			}
		}
	}
}

// BenchmarkSgemmKernel compares the micro-kernels this CPU can run on one
// thread at 512³.
func BenchmarkSgemmKernel(b *testing.B) {
	for _, kern := range kernelsAvailable() {
		impl := sgemmImpl{name: kern.name, sgemm: func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, bm []float32, ldb int, beta float32, c []float32, ldc int) {
			sgemm(kern, 1, transA, transB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
		}}
		b.Run("kernel="+kern.name, func(b *testing.B) { benchGemm(b, impl, false, false, 512, 512, 512) })
	}
}
