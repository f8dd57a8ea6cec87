package imgutil

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// GridSize returns the pixel size of a grid of n cells of cw x ch pixels in
// cols columns with pad pixels between cells and around the border.
func GridSize(n, cols, cw, ch, pad int) (w, h int) {
	if n <= 0 || cols <= 0 {
		return 0, 0
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	return cols*cw + (cols+1)*pad, rows*ch + (rows+1)*pad
}

// Grid lays imgs out row by row in cols columns, pad pixels apart (and from
// the border), on a bg background. Cells take the size of the largest image;
// smaller images sit in their cell's top-left corner. A nil image leaves its
// cell empty.
func Grid(imgs []image.Image, cols, pad int, bg color.Color) (*image.NRGBA, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("imgutil: grid of no images")
	}
	if cols <= 0 || pad < 0 {
		return nil, fmt.Errorf("imgutil: grid with %d columns and padding %d", cols, pad)
	}
	cw, ch := 0, 0
	for _, im := range imgs {
		if im == nil {
			continue
		}
		cw, ch = max(cw, im.Bounds().Dx()), max(ch, im.Bounds().Dy())
	}
	if cw == 0 || ch == 0 {
		return nil, fmt.Errorf("imgutil: grid of empty images")
	}
	w, h := GridSize(len(imgs), cols, cw, ch, pad)
	if int64(w)*int64(h) > 1<<28 {
		return nil, fmt.Errorf("imgutil: grid of %dx%d pixels is too large", w, h)
	}
	cols = min(cols, len(imgs))
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	for i, im := range imgs {
		if im == nil {
			continue
		}
		x := pad + (i%cols)*(cw+pad)
		y := pad + (i/cols)*(ch+pad)
		b := im.Bounds()
		draw.Draw(out, image.Rect(x, y, x+b.Dx(), y+b.Dy()), im, b.Min, draw.Over)
	}
	return out, nil
}

// AsImages widens a slice of *image.NRGBA to []image.Image.
func AsImages(imgs []*image.NRGBA) []image.Image {
	out := make([]image.Image, len(imgs))
	for i, im := range imgs {
		if im != nil {
			out[i] = im
		}
	}
	return out
}

// Scale enlarges img by an integer factor with nearest-neighbour sampling
// (crisp pixels for small faces); factor 1 returns img.
func Scale(img *image.NRGBA, factor int) *image.NRGBA {
	if factor <= 1 {
		return img
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*factor, b.Dy()*factor))
	for y := 0; y < b.Dy()*factor; y++ {
		for x := 0; x < b.Dx()*factor; x++ {
			s := img.PixOffset(b.Min.X+x/factor, b.Min.Y+y/factor)
			d := out.PixOffset(x, y)
			copy(out.Pix[d:d+4], img.Pix[s:s+4])
		}
	}
	return out
}
