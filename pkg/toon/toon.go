// Package toon renders procedural cartoon faces: toongan's built-in dataset.
//
// Face draws a face-crop style image (face centred, hair around it) from a
// seed: face shape, skin tone, hair style and colour, eyes, brows, nose,
// mouth, accessories, background and a small pose jitter are all drawn from a
// PCG generator seeded with the seed, so a seed always gives the same face
// and the same face at every size. Shapes are vector paths in a unit square
// scaled to the image size and anti-aliased by golang.org/x/image/vector.
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
