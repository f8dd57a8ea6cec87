//go:build openblas

// Package openblas wraps the few OpenBLAS calls the SGEMM benchmark compares
// against (go test -tags openblas -bench Sgemm1024 ./pkg/kernels/). It builds
// only with -tags openblas and needs libopenblas-dev; normal builds never see
// it.
package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// Sgemm calls cblas_sgemm on row-major operands.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb), C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// SetThreads sets OpenBLAS's thread count and returns the old one.
func SetThreads(n int) int {
	old := int(C.openblas_get_num_threads())
	C.openblas_set_num_threads(C.int(n))
	return old
}

// Info reports OpenBLAS's core type and build configuration.
func Info() (core, config string) {
	return C.GoString(C.openblas_get_corename()), C.GoString(C.openblas_get_config())
}
