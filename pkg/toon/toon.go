package toon

import "image"

// Face renders the cartoon face for seed at size x size pixels. The same seed
// and size always give the same image; Face is safe for concurrent use. The
// result is fully opaque. Sizes below 1 give an empty image.
func Face(seed uint64, size int) *image.NRGBA {
	p := newParams(seed)
	return renderParams(&p, size)
}

// renderParams draws the face p describes at size x size pixels.
func renderParams(p *params, size int) *image.NRGBA {
	if size < 1 {
		return image.NewNRGBA(image.Rect(0, 0, 0, 0))
	}
	cv := newCanvas(size)
	render(cv, p)
	// Every pixel is opaque, so premultiplied and straight alpha agree.
	return &image.NRGBA{Pix: cv.img.Pix, Stride: cv.img.Stride, Rect: cv.img.Rect}
}

// HairMask renders where the hair colour of the face Face draws for seed
// shows, at size x size pixels: each pixel is how much of its colour comes
// from the hair colour, 0 (none) to 255 (all of it). It is the largest
// channel difference between the face drawn with black and with white
// hair, everything else the same, so it covers the hair, its outline and
// highlights (in part: they mix the hair colour with ink or white) and the
// brows (drawn in a darker hair colour), and leaves out what a hat or a
// ribbon hides. A bald face's mask is empty. Sizes below 1 give an empty
// image.
func HairMask(seed uint64, size int) *image.Gray {
	if size < 1 {
		return image.NewGray(image.Rect(0, 0, 0, 0))
	}
	p := newParams(seed)
	p.hair = rgb{0, 0, 0}
	dark := renderParams(&p, size)
	p.hair = rgb{1, 1, 1}
	light := renderParams(&p, size)
	m := image.NewGray(dark.Rect)
	for i := range m.Pix {
		var d uint8
		for c := range 3 {
			a, b := dark.Pix[4*i+c], light.Pix[4*i+c]
			d = max(d, max(a, b)-min(a, b))
		}
		m.Pix[i] = d
	}
	return m
}
