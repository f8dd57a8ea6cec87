package trainer

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/toongan/toongan/pkg/atomicfile"
)

// gridPad is the gap in pixels between and around grid cells.
const gridPad = 2

// toByte maps [-1, 1] to [0, 255], clamping.
func toByte(v float32) uint8 {
	f := (v + 1) * 127.5
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= 255:
		return 255
	}
	return uint8(f + 0.5)
}

// gridImage lays out n NCHW images (c channels of h x w, values in [-1, 1])
// in rows of cols, on a white background.
func gridImage(x []float32, n, c, h, w, cols int) (*image.NRGBA, error) {
	if n <= 0 || cols <= 0 || (c != 1 && c != 3) || len(x) != n*c*h*w {
		return nil, fmt.Errorf("grid: %d values for %d images of %dx%dx%d", len(x), n, c, h, w)
	}
	rows := (n + cols - 1) / cols
	W, H := cols*(w+gridPad)+gridPad, rows*(h+gridPad)+gridPad
	img := image.NewNRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	hw := h * w
	for k := 0; k < n; k++ {
		x0, y0 := gridPad+(k%cols)*(w+gridPad), gridPad+(k/cols)*(h+gridPad)
		s := x[k*c*hw : (k+1)*c*hw]
		for y := 0; y < h; y++ {
			for xx := 0; xx < w; xx++ {
				var px color.NRGBA
				if c == 1 {
					v := toByte(s[y*w+xx])
					px = color.NRGBA{v, v, v, 255}
				} else {
					px = color.NRGBA{toByte(s[y*w+xx]), toByte(s[hw+y*w+xx]), toByte(s[2*hw+y*w+xx]), 255}
				}
				img.SetNRGBA(x0+xx, y0+y, px)
			}
		}
	}
	return img, nil
}

// writeGrid writes the grid of x as a PNG at path, atomically.
func writeGrid(path string, x []float32, n, c, h, w, cols int) error {
	img, err := gridImage(x, n, c, h, w, cols)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, 0o644, func(wr io.Writer) error {
		return png.Encode(wr, img)
	})
}
