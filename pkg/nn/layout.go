package nn

import "fmt"

// NCHWToCBHW copies src, a [n, c, h, w] batch in PyTorch's NCHW order, into
// dst in the internal CBHW order [c, n, h, w]. Both slices must hold
// n*c*h*w values.
func NCHWToCBHW(dst, src []float32, n, c, h, w int) error {
	return swapOuter(dst, src, n, c, h*w, "NCHWToCBHW")
}

// CBHWToNCHW copies src, a [c, n, h, w] tensor in the internal CBHW order,
// into dst in PyTorch's NCHW order [n, c, h, w]. Both slices must hold
// n*c*h*w values.
func CBHWToNCHW(dst, src []float32, n, c, h, w int) error {
	return swapOuter(dst, src, c, n, h*w, "CBHWToNCHW")
}

// swapOuter transposes the two outer axes of an [a, b, inner] array.
func swapOuter(dst, src []float32, a, b, inner int, name string) error {
	if a < 0 || b < 0 || inner < 0 {
		return fmt.Errorf("nn.%s: negative dimension in (%d, %d, %d)", name, a, b, inner)
	}
	size := a * b * inner
	if len(src) != size || len(dst) != size {
		return fmt.Errorf("nn.%s: want %d values, got src %d, dst %d", name, size, len(src), len(dst))
	}
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			copy(dst[(j*a+i)*inner:(j*a+i+1)*inner], src[(i*b+j)*inner:(i*b+j+1)*inner])
		}
	}
	return nil
}
