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

// hasAVX2 selects the AVX2 kernels.
var hasAVX2 = cpu.X86.HasAVX2

// addRowsAVX2 is AddRows for rows > 0 and n > 0 (deinterleave_amd64.s).
//
//go:noescape
func addRowsAVX2(dst *float32, ds int, src *float32, ss int, rows, n int)

// addRowsVec runs AddRows with AVX2 and reports whether it could.
func addRowsVec(dst []float32, ds int, src []float32, ss, rows, n int) bool {
	if !hasAVX2 {
		return false
	}
	addRowsAVX2(&dst[0], ds, &src[0], ss, rows, n)
	return true
}

// deinterleaveRowsAVX2 is DeinterleaveRows for rows > 0 and n > 0
// (deinterleave_amd64.s).
//
//go:noescape
func deinterleaveRowsAVX2(even, odd *float32, es int, src *float32, ss int, rows, n int)

// deinterleaveRowsVec runs DeinterleaveRows with AVX2 and reports whether
// it could.
func deinterleaveRowsVec(even, odd []float32, es int, src []float32, ss, rows, n int) bool {
	if !hasAVX2 {
		return false
	}
	deinterleaveRowsAVX2(&even[0], &odd[0], es, &src[0], ss, rows, n)
	return true
}

// interleaveRowsAVX2 is InterleaveRows for rows > 0 and n > 0
// (deinterleave_amd64.s).
//
//go:noescape
func interleaveRowsAVX2(dst *float32, ds int, even, odd *float32, es int, rows, n int)

// interleaveRowsVec runs InterleaveRows with AVX2 and reports whether it
// could.
func interleaveRowsVec(dst []float32, ds int, even, odd []float32, es, rows, n int) bool {
	if !hasAVX2 {
		return false
	}
	interleaveRowsAVX2(&dst[0], ds, &even[0], &odd[0], es, rows, n)
	return true
}

// leakyGradAVX2 applies LeakyGrad to the first n (a multiple of 8)
// elements.
//
//go:noescape
func leakyGradAVX2(dx, x, dy *float32, n int, alpha float32)

// leakyGradVec runs the AVX2 LeakyGrad on the longest prefix of whole
// 8-value vectors and returns its length.
func leakyGradVec(dx, x, dy []float32, alpha float32) int {
	n := len(dx) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = x[n-1], dy[n-1]
	leakyGradAVX2(&dx[0], &x[0], &dy[0], n, alpha)
	return n
}

// affineActAVX2 applies AffineAct to the first n (a multiple of 8)
// elements (elementwise_amd64.s).
//
//go:noescape
func affineActAVX2(dst, src *float32, n int, scale, shift, alpha float32, kind int)

// bnGradXAVX2 applies BNGradX to the first n (a multiple of 8) elements.
//
//go:noescape
func bnGradXAVX2(dx, x, dy, y *float32, n int, p *BNGradParams)

// affineActVec runs the AVX2 AffineAct on the longest prefix of whole
// 8-value vectors and returns its length.
func affineActVec(dst, src []float32, scale, shift float32, act Act, alpha float32) int {
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = src[n-1]
	affineActAVX2(&dst[0], &src[0], n, scale, shift, alpha, int(act))
	return n
}

// bnGradXVec runs the AVX2 BNGradX on the longest prefix of whole 8-value
// vectors and returns its length.
func bnGradXVec(dx, x, dy, y []float32, p *BNGradParams) int {
	n := len(dx) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _, _ = x[n-1], dy[n-1], y[n-1]
	bnGradXAVX2(&dx[0], &x[0], &dy[0], &y[0], n, p)
	return n
}

// maskRowsAVX2 is MaskRows for at least one row and one piece
// (maskrows_amd64.s).
//
//go:noescape
func maskRowsAVX2(dst *float32, ld int, src *float32, srcRow *int, mask *uint32, maskRow *int, rows int, pieces *MaskPiece, np int)

// maskRowsVec runs MaskRows with AVX2 and reports whether it could.
func maskRowsVec(dst []float32, ld int, src []float32, srcRow []int, mask []uint32, maskRow []int, pieces []MaskPiece) bool {
	if !hasAVX2 {
		return false
	}
	maskRowsAVX2(&dst[0], ld, &src[0], &srcRow[0], &mask[0], &maskRow[0], len(srcRow), &pieces[0], len(pieces))
	return true
}
