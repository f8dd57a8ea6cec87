package imgutil

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/toongan/toongan/pkg/atomicfile"
)

// WritePNG writes img to path as PNG, atomically.
func WritePNG(path string, img image.Image) error {
	return writePNG(path, img, png.DefaultCompression)
}

// WritePNGFast is WritePNG compressing at png.BestSpeed, for the images
// a long job writes as it goes (train's sample grids): on an 8x8 grid of
// an untrained generator's noise about 12x faster than the default level
// (17 vs 208 ms on a 2-core Xeon), the file about 23% larger.
func WritePNGFast(path string, img image.Image) error {
	return writePNG(path, img, png.BestSpeed)
}

func writePNG(path string, img image.Image, level png.CompressionLevel) error {
	return atomicfile.WriteFile(path, 0o644, func(w io.Writer) error {
		return (&png.Encoder{CompressionLevel: level}).Encode(w, img)
	})
}

// EncodePNG returns img as PNG bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode PNG: %w", err)
	}
	return b.Bytes(), nil
}

// Palette is the GIF palette: a 6x7x6 RGB cube (252 colours; seven levels of
// green, the channel the eye resolves best) plus four greys.
var Palette = func() color.Palette {
	p := make(color.Palette, 0, 256)
	for r := 0; r < 6; r++ {
		for g := 0; g < 7; g++ {
			for b := 0; b < 6; b++ {
				p = append(p, color.RGBA{uint8(r * 255 / 5), uint8(g * 255 / 6), uint8(b * 255 / 5), 255})
			}
		}
	}
	for _, v := range []uint8{32, 96, 160, 224} {
		p = append(p, color.RGBA{v, v, v, 255})
	}
	return p
}()

// Paletted dithers img onto Palette with Floyd-Steinberg error diffusion.
func Paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	p := image.NewPaletted(image.Rect(0, 0, b.Dx(), b.Dy()), Palette)
	draw.FloydSteinberg.Draw(p, p.Bounds(), img, b.Min)
	return p
}

// EncodeGIF writes frames as an animated GIF that loops forever, delay in
// hundredths of a second per frame. All frames must have the same size.
func EncodeGIF(w io.Writer, frames []image.Image, delay int) error {
	if len(frames) == 0 {
		return fmt.Errorf("imgutil: GIF with no frames")
	}
	size := frames[0].Bounds().Size()
	g := &gif.GIF{LoopCount: 0}
	for i, f := range frames {
		if f.Bounds().Size() != size {
			return fmt.Errorf("imgutil: GIF frame %d is %v, frame 0 is %v", i, f.Bounds().Size(), size)
		}
		g.Image = append(g.Image, Paletted(f))
		g.Delay = append(g.Delay, delay)
		g.Disposal = append(g.Disposal, gif.DisposalNone)
	}
	return gif.EncodeAll(w, g)
}

// WriteGIF writes an animated GIF to path atomically (see EncodeGIF).
func WriteGIF(path string, frames []image.Image, delay int) error {
	if len(frames) == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	return atomicfile.WriteFile(path, 0o644, func(w io.Writer) error {
		return EncodeGIF(w, frames, delay)
	})
}

// MkdirFor creates the parent directory of path.
func MkdirFor(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return nil
}
