//go:build !amd64 || noasm

package kernels

// adamVec: no vector kernel in this build.
func adamVec(_, _, _, _ []float32, _ *AdamParams) int { return 0 }

// lerpVec: no vector kernel in this build.
func lerpVec(_, _ []float32, _, _ float32) int { return 0 }

// addRowsVec: no vector kernel in this build.
func addRowsVec(_ []float32, _ int, _ []float32, _, _, _ int) bool { return false }

// deinterleaveRowsVec: no vector kernel in this build.
func deinterleaveRowsVec(_, _ []float32, _ int, _ []float32, _, _, _ int) bool { return false }

// interleaveRowsVec: no vector kernel in this build.
func interleaveRowsVec(_ []float32, _ int, _, _ []float32, _, _, _ int) bool { return false }

// leakyGradVec: no vector kernel in this build.
func leakyGradVec(_, _, _ []float32, _ float32) int { return 0 }

// affineActVec: no vector kernel in this build.
func affineActVec(_, _ []float32, _, _ float32, _ Act, _ float32) int { return 0 }

// bnGradXVec: no vector kernel in this build.
func bnGradXVec(_, _, _, _ []float32, _ *BNGradParams) int { return 0 }

// maskRowsVec: no vector kernel in this build.
func maskRowsVec(_ []float32, _ int, _ []float32, _ []int, _ []uint32, _ []int, _ []MaskPiece) bool {
	return false
}
