// Package kernels holds toongan's float32 compute kernels: a packed,
// cache-blocked SGEMM (AVX-512 and AVX2/FMA assembly on amd64, portable Go
// elsewhere or under the noasm build tag), a persistent-pool parallel loop,
// and the BLAS adapter that plugs the SGEMM into gorgonia through
// gorgonia.Use.
//
// Results are deterministic: the GEMM is split across workers only along M
// and N, never along K, so every element of C is summed in the same order
// whatever GOMAXPROCS is, and the output is bit-identical for any thread
// count.
package kernels
