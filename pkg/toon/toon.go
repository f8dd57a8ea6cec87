package toon

import "image"

// Face renders the cartoon face for seed at size x size pixels. The same seed
// and size always give the same image; Face is safe for concurrent use. The
// result is fully opaque. Sizes below 1 give an empty image.
func Face(seed uint64, size int) *image.NRGBA {
	if size < 1 {
		return image.NewNRGBA(image.Rect(0, 0, 0, 0))
	}
	p := newParams(seed)
	cv := newCanvas(size)
	render(cv, &p)
	// Every pixel is opaque, so premultiplied and straight alpha agree.
	return &image.NRGBA{Pix: cv.img.Pix, Stride: cv.img.Stride, Rect: cv.img.Rect}
}
