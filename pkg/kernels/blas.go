package kernels

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

// BLAS is gonum's pure-Go BLAS with Sgemm replaced by this package's packed
// kernel. It satisfies gorgonia.BLAS; Install makes gorgonia (and the tensor
// package under it) use it.
type BLAS struct {
	gonum.Implementation
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices, with
// gonum's argument conventions (blas.NoTrans, blas.Trans or blas.ConjTrans,
// which is Trans for real matrices).
func (BLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(isTrans(tA), isTrans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func isTrans(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(fmt.Sprintf("kernels: Sgemm: bad transpose flag %v", t))
}

// Install makes gorgonia use BLAS{} for every matrix product it computes.
func Install() { gorgonia.Use(BLAS{}) }
