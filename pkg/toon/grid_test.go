package toon

import (
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"testing"

	"github.com/toongan/toongan/pkg/atomicfile"
)

var (
	gridPath = flag.String("grid", "", "write an 8x8 grid of 64 px faces (seeds 1..64) to this PNG file")
	gridSize = flag.Int("gridsize", 64, "face size for -grid")
	gridFrom = flag.Uint64("gridfrom", 1, "first seed for -grid")
	gridN    = flag.Int("gridn", 8, "faces per row and column for -grid")
)

// grid lays out n x n faces of size px starting at seed from with a 2 px gap.
func grid(from uint64, px, n int) *image.NRGBA {
	const gap = 2
	side := n*px + (n-1)*gap
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	for i := 0; i < n*n; i++ {
		x, y := (i%n)*(px+gap), (i/n)*(px+gap)
		f := Face(from+uint64(i), px)
		draw.Draw(img, image.Rect(x, y, x+px, y+px), f, image.Point{}, draw.Src)
	}
	return img
}

// TestWriteGrid regenerates docs/builtin-grid.png:
//
//	go test ./pkg/toon -run TestWriteGrid -grid ../../docs/builtin-grid.png
func TestWriteGrid(t *testing.T) {
	if *gridPath == "" {
		t.Skip("set -grid FILE to write the preview grid")
	}
	if *gridSize < 1 || *gridN < 1 {
		t.Fatalf("-gridsize %d and -gridn %d must be positive", *gridSize, *gridN)
	}
	img := grid(*gridFrom, *gridSize, *gridN)
	err := atomicfile.WriteFile(*gridPath, 0o644, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		t.Fatal(err)
	}
}
