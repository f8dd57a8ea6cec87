package imageset

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestYCbCrToRGBExact: the converter gives color.YCbCrToRGB's value for
// every pixel, whatever the subsampling and the crop's offset.
func TestYCbCrToRGBExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411}
	for _, ratio := range ratios {
		for _, size := range [][2]int{{1, 1}, {2, 3}, {7, 5}, {16, 9}} {
			m := image.NewYCbCr(image.Rect(0, 0, size[0]+3, size[1]+2), ratio)
			for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = byte(r.IntN(256))
				}
			}
			for sx := 0; sx < 3; sx++ {
				for sy := 0; sy < 2; sy++ {
					cw, ch := size[0], size[1]
					rgb := make([]byte, 3*cw*ch)
					ycbcrToRGB(rgb, 3*cw, 0, 0, m, sx, sy, cw, ch)
					for y := 0; y < ch; y++ {
						for x := 0; x < cw; x++ {
							c := m.YCbCrAt(sx+x, sy+y)
							wr, wg, wb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
							o := rgb[3*(y*cw+x):]
							if o[0] != wr || o[1] != wg || o[2] != wb {
								t.Fatalf("%v %v at (%d,%d) from (%d,%d): %v, want %v", ratio, size, x, y, sx, sy, o[:3], []byte{wr, wg, wb})
							}
						}
					}
				}
			}
		}
	}
}
