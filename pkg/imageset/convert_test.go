package imageset

import (
	"bytes"
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
					rgbT := make([]byte, 3*cw*ch) // transposed
					ycbcrToRGB(rgb, 3*cw, 3, 0, 0, m, sx, sy, cw, ch)
					ycbcrToRGB(rgbT, 3, 3*ch, 0, 0, m, sx, sy, cw, ch)
					for y := 0; y < ch; y++ {
						for x := 0; x < cw; x++ {
							c := m.YCbCrAt(sx+x, sy+y)
							wr, wg, wb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
							o, oT := rgb[3*(y*cw+x):], rgbT[3*(x*ch+y):]
							if o[0] != wr || o[1] != wg || o[2] != wb || !bytes.Equal(o[:3], oT[:3]) {
								t.Fatalf("%v %v at (%d,%d) from (%d,%d): %v (transposed %v), want %v",
									ratio, size, x, y, sx, sy, o[:3], oT[:3], []byte{wr, wg, wb})
							}
						}
					}
				}
			}
		}
	}
}

// TestFromImageTransposedSame: FromImage's path for YCbCr images (written
// transposed for the vector resize) gives the same record as converting
// row by row and resizing with the two-lane Go passes.
func TestFromImageTransposedSame(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440}
	for _, ratio := range ratios {
		for _, size := range [][2]int{{96, 96}, {97, 41}, {40, 75}, {3, 2}} {
			m := image.NewYCbCr(image.Rect(0, 0, size[0], size[1]), ratio)
			for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = byte(r.IntN(256))
				}
			}
			for _, crop := range []string{CropCenter, CropNone} {
				for _, out := range []int{64, 32, 5} {
					opt := Options{Size: out, Crop: crop, Background: color.NRGBA{10, 200, 30, 255}, MaxPixels: DefaultMaxPixels}
					got := make([]byte, opt.RecordSize())
					var s Scratch
					if err := FromImage(m, opt, got, &s); err != nil {
						t.Fatal(err)
					}
					want := slowRecord(m, opt)
					if !bytes.Equal(got, want) {
						t.Errorf("%v %v crop=%s size=%d: FromImage differs from the row-major Go path", ratio, size, crop, out)
					}
				}
			}
		}
	}
}

// slowRecord is FromImage without the transposed write or the vector resize.
func slowRecord(m *image.YCbCr, opt Options) []byte {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	sq, x0, y0, px, py := squareOf(w, h, opt.Crop)
	rgb := make([]byte, 3*sq*sq)
	fillRGB(rgb, opt.Background)
	ycbcrToRGB(rgb, 3*sq, 3, px, py, m, x0, y0, min(w, sq), min(h, sq))
	if sq == opt.Size {
		return rgb
	}
	d := opt.Size
	var rs resizeScratch
	out := make([]byte, 3*d*d)
	resizeTwoLane(out, rgb, sq, d, lanczosWeights(sq, d), &rs)
	return out
}
