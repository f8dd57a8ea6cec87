//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// adamAVX applies Adam to the first n (a multiple of 8) elements
// (elementwise_amd64.s).
//
//go:noescape
func adamAVX(w, gr, m, v *float32, n int, p *AdamParams)

// lerpAVX applies Lerp to the first n (a multiple of 8) elements.
//
//go:noescape
func lerpAVX(dst, src *float32, n int, a, b float32)

// adamVec runs the AVX Adam on the longest prefix of whole 8-value
// vectors and returns its length.
func adamVec(w, g, m, v []float32, p *AdamParams) int {
	n := len(w) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamAVX(&w[0], &g[0], &m[0], &v[0], n, p)
	return n
}

// lerpVec runs the AVX Lerp on the longest prefix of whole 8-value vectors
// and returns its length.
func lerpVec(dst, src []float32, a, b float32) int {
	n := len(dst) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_ = src[n-1]
	lerpAVX(&dst[0], &src[0], n, a, b)
	return n
}

// deinterleaveAVX2 runs Deinterleave2 on the first n pairs, n a multiple
// of 4 (deinterleave_amd64.s).
//
//go:noescape
func deinterleaveAVX2(even, odd, src *float32, n int)

// hasAVX2 selects deinterleaveAVX2 (VPERMPD is AVX2).
var hasAVX2 = cpu.X86.HasAVX2

// deinterleaveVec runs the AVX2 Deinterleave2 on the longest prefix of
// whole groups of 4 pairs and returns its number of pairs.
func deinterleaveVec(even, odd, src []float32) int {
	n := len(odd) &^ 3
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = even[n-1], src[2*n-1]
	deinterleaveAVX2(&even[0], &odd[0], &src[0], n)
	return n
}
