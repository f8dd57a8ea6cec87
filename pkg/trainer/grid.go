package trainer

import (
	"fmt"
	"image"
	"image/color"

	"github.com/toongan/toongan/pkg/imgutil"
)

// gridPad is the gap in pixels between and around grid cells.
const gridPad = 2

// gridImage lays out n NCHW images (c channels of h x w, values in [-1, 1])
// in rows of cols, on a white background.
func gridImage(x []float32, n, c, h, w, cols int) (*image.NRGBA, error) {
	imgs, err := imgutil.TensorImages(x, n, c, h, w)
	if err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	return imgutil.Grid(imgutil.AsImages(imgs), cols, gridPad, color.White)
}

// writeGrid writes the grid of x as a PNG at path, atomically, compressed
// for speed (a grid is written every --sample-every steps and twice in
// the shortest run).
func writeGrid(path string, x []float32, n, c, h, w, cols int) error {
	img, err := gridImage(x, n, c, h, w, cols)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return imgutil.WritePNGFast(path, img)
}
