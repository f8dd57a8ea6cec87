//go:build !amd64 || noasm

package imageset

// hasVectorResize is false: resizeRGB keeps to its two-lane Go passes.
const hasVectorResize = false

// vpass is one output row of a vertical pass (see vpassGo).
func vpass(dst, src []byte, stride int, w []int32) { vpassGo(dst, src, stride, w) }
