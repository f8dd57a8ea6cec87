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

// BPacker supplies the B operand of SgemmPacked without it being stored as a
// matrix (an implicit im2col, say). PackB must write op(B)[p0:p0+kb,
// j0:j0+nb] into dst as micro-panels of nr columns: panel t holds, for each
// p in [0, kb), the nr values of columns j0+t*nr .., at dst[t*nr*kb+p*nr:],
// with zeros in columns past j0+nb. len(dst) is kb*nr*ceil(nb/nr). PackB is
// called concurrently from several goroutines on disjoint dst.
type BPacker interface {
	PackB(dst []float32, p0, kb, j0, nb, nr int)
}

// SgemmPacked is Sgemm with B supplied by a BPacker: C = alpha*op(A)*B +
// beta*C with B k×n. The blocking, the split among workers and so the
// rounding are exactly Sgemm's for the same shapes, so when the packer
// writes the values a stored B would hold, the result is bit for bit
// Sgemm's.
func SgemmPacked(transA bool, m, n, k int, alpha float32, a []float32, lda int, b BPacker, beta float32, c []float32, ldc int) {
	checkArgs(transA, false, m, n, k, len(a), lda, k*n, max(1, n), len(c), ldc)
	sgemmPacked(activeKernel, Workers(), transA, m, n, k, alpha, a, lda, b, beta, c, ldc)
}

// sgemmPacked is SgemmPacked with an explicit kernel and worker count.
func sgemmPacked(kern *microKernel, workers int, transA bool, m, n, k int, alpha float32, a []float32, lda int, b BPacker, beta float32, c []float32, ldc int) {
	g := &gemmArgs{kern: kern, transA: transA, m: m, n: n, k: k,
		alpha: alpha, beta: beta, a: a, lda: lda, ldb: max(1, n), c: c, ldc: ldc, packer: b}
	g.do(workers)
}

// TransposeInto writes the rows×n block src (row stride ld) transposed into
// d, an n×w block with row stride w: d[p*w+r] = src[r*ld+p] for r < rows,
// and zero for rows <= r < w. It is the transpose SGEMM packs with, for
// BPacker implementations.
func TransposeInto(d []float32, w int, src []float32, ld, rows, n int) {
	transposeInto(d, w, src, ld, rows, n)
}

// SgemmOn is Sgemm on at most workers goroutines (1: the calling one only),
// for callers that run several products in parallel themselves. The result
// is bit for bit Sgemm's whatever workers is.
func SgemmOn(workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	sgemm(activeKernel, max(workers, 1), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
