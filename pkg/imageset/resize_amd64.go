//go:build !noasm

package imageset

import "golang.org/x/sys/cpu"

// vpassAVX2 is vpassGo in AVX2 (resize_amd64.s): dst[i] =
// clampShift(sum over k < taps of w[k]*src[k*stride+i]) for i < n, n >= 8.
//
//go:noescape
func vpassAVX2(dst, src *byte, stride int, w *int32, taps, n int)

// hasVectorResize selects resizeVector in resizeRGB.
var hasVectorResize = cpu.X86.HasAVX2

// vpass is one output row of a vertical pass: dst[i] = clampShift(sum over
// k < len(w) of w[k]*src[k*stride+i]) for i < len(dst).
func vpass(dst, src []byte, stride int, w []int32) {
	n := len(dst)
	if !hasVectorResize || n < 8 || len(w) == 0 {
		vpassGo(dst, src, stride, w)
		return
	}
	_ = src[(len(w)-1)*stride+n-1]
	vpassAVX2(&dst[0], &src[0], stride, &w[0], len(w), n)
}
