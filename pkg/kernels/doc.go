// Package kernels holds toongan's float32 compute kernels: a packed,
// cache-blocked SGEMM (AVX-512 and AVX2/FMA assembly on amd64, portable Go
// elsewhere or under the noasm build tag), a persistent-pool parallel loop,
// the BLAS adapter that plugs the SGEMM into gorgonia through gorgonia.Use,
// and the element-wise kernels of a training step (Adam, the EMA's Lerp,
// the leaky ReLU and BatchNorm's normalise and input gradient, the
// stride-2 phase split and merge of pkg/nn's convolutions, and MaskRows,
// the masked copy that gathers their implicit im2col). Each has AVX or
// AVX2 assembly beside a portable loop, and tests that compare the two bit
// for bit: the vector code performs the loop's operations, rounded in the
// same order, so results do not depend on the CPU (a NaN stays a NaN,
// though not necessarily the same one).
//
// Results are deterministic: the GEMM is split across workers only along M
// and N, never along K, so every element of C is summed in the same order
// whatever GOMAXPROCS is, and the output is bit-identical for any thread
// count.
package kernels
