package kernels

import "fmt"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(A) is m×k (A is stored k×m when transA), op(B) is k×n (B is stored
// n×k when transB), and lda, ldb, ldc are the row strides. When beta is 0, C
// is not read (NaN or Inf there is overwritten). It runs in parallel over
// Workers() goroutines when the problem is large enough.
//
// Like BLAS, it panics when the dimensions, strides or slice lengths are
// inconsistent (a programming error, not bad user input).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	sgemm(activeKernel, Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// KernelName reports the micro-kernel Sgemm uses on this machine: "avx512",
// "avx2" or "go".
func KernelName() string { return activeKernel.name }

func checkArgs(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	check := func(name string, rows, cols, l, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("kernels: Sgemm: ld%s=%d < %d columns", name, ld, cols))
		}
		if rows > 0 && cols > 0 && l < (rows-1)*ld+cols {
			panic(fmt.Sprintf("kernels: Sgemm: len(%s)=%d too short for %dx%d with stride %d", name, l, rows, cols, ld))
		}
	}
	check("a", ar, ac, la, lda)
	check("b", br, bc, lb, ldb)
	check("c", m, n, lc, ldc)
}

// stored is the stored shape of an operand that is rows x cols after the
// optional transpose.
func stored(trans bool, rows, cols int) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}
