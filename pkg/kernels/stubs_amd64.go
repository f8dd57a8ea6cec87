//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run asmgen.go

// sgemmKernelAVX2 is the 6x16 AVX2/FMA micro-kernel (sgemm_avx2_amd64.s).
//
//go:noescape
func sgemmKernelAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemmKernelAVX512 is the 14x32 AVX-512F micro-kernel (sgemm_avx512_amd64.s).
//
//go:noescape
func sgemmKernelAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// transpose8AVX transposes nblocks 8x8 blocks (transpose_amd64.s): for
// b < nblocks, d[(8b+p)*w+r] = src[r*ld+8b+p] for r, p < 8.
//
//go:noescape
func transpose8AVX(d *float32, w int, src *float32, ld int, nblocks int)

// hasAVX selects transpose8AVX in transpose8.
var hasAVX = cpu.X86.HasAVX

// transpose8 transposes an 8-row strip: d[p*w+r] = src[r*ld+p] for r < 8
// and p < n. d and src must hold the whole strip.
func transpose8(d []float32, w int, src []float32, ld, n int) {
	p := 0
	if hasAVX && n >= 8 {
		_ = d[(n-1)*w+7]
		_ = src[7*ld+n-1]
		nb := n / 8
		transpose8AVX(&d[0], w, &src[0], ld, nb)
		p = nb * 8
	}
	transpose8Go(d, w, src, ld, p, n)
}

var (
	avx2Kernel   = microKernel{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 6 * 24, nc: 2048, fn: sgemmKernelAVX2}
	avx512Kernel = microKernel{name: "avx512", mr: 14, nr: 32, kc: 256, mc: 14 * 16, nc: 2048, fn: sgemmKernelAVX512}
)

// kernelsAvailable lists the micro-kernels this CPU can run, fastest first.
func kernelsAvailable() []*microKernel {
	var ks []*microKernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx2Kernel)
	}
	return append(ks, &goKernel)
}

var activeKernel = kernelsAvailable()[0]
