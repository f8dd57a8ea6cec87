// Package kernels holds toongan's float32 compute kernels: a packed,
// cache-blocked SGEMM (AVX2/FMA assembly on amd64, portable Go elsewhere or
// under the noasm build tag), parallel loops, and the BLAS adapter that plugs
// the SGEMM into gorgonia through gorgonia.Use.
package kernels

import "gonum.org/v1/gonum/blas/gonum"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when
// transB), and lda, ldb, ldc are the row strides.
//
// PLACEHOLDER: forwards to gonum's pure-Go implementation until the packed
// kernel lands.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blasNoTrans, blasNoTrans
	if transA {
		ta = blasTrans
	}
	if transB {
		tb = blasTrans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
