// Package toon renders procedural cartoon faces: toongan's built-in dataset.
package toon

import (
	"image"
	"image/color"
)

// Face renders the cartoon face for seed at size x size pixels. The same seed
// and size always give the same image; Face is safe for concurrent use.
//
// STUB: a flat disc until the real renderer lands.
func Face(seed uint64, size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	c := color.NRGBA{uint8(seed), uint8(seed >> 8), uint8(seed >> 16), 255}
	r := size / 3
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := x-size/2, y-size/2
			if dx*dx+dy*dy < r*r {
				img.SetNRGBA(x, y, c)
			} else {
				img.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
			}
		}
	}
	return img
}
