package imgutil

import (
	"fmt"
	"image"
	_ "image/gif"  // decoder
	_ "image/jpeg" // decoder
	_ "image/png"  // decoder
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/toongan/toongan/pkg/safeio"
	_ "golang.org/x/image/bmp"  // decoder
	_ "golang.org/x/image/webp" // decoder
)

// MaxPixels is the largest image (width x height) LoadImage decodes, as
// prep's default --max-pixels.
const MaxPixels = 40_000_000

// imageExts are the file name endings LoadDir reads.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".webp": true}

// ListDir returns the image files (png, jpg, gif, bmp, webp) directly inside
// dir, sorted by name.
func ListDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read image folder: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			continue
		}
		p := filepath.Join(dir, e.Name())
		// Only regular files: a FIFO or device named like an image would
		// block or stream forever.
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// LoadImage decodes one image file and resizes it to size x size: the
// shorter side is scaled to size and the centre cropped (Lanczos). With
// size <= 0 the image keeps its size.
//
// Only regular files are opened, and an image of more than MaxPixels
// pixels is refused before it is decoded.
func LoadImage(path string, size int) (*image.NRGBA, error) {
	f, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("decode image %q: %w", path, err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxPixels {
		return nil, fmt.Errorf("image %q is %dx%d = %d pixels, over the limit of %d", path, cfg.Width, cfg.Height, px, int64(MaxPixels))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read image %q: %w", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode image %q: %w", path, err)
	}
	if size <= 0 {
		return toNRGBA(img), nil
	}
	return Resize(img, size), nil
}

// Resize scales the shorter side of img to size and crops the centre square.
func Resize(img image.Image, size int) *image.NRGBA {
	b := img.Bounds()
	if b.Dx() == size && b.Dy() == size {
		return toNRGBA(img)
	}
	return imaging.Fill(img, size, size, imaging.Center, imaging.Lanczos)
}

// LoadDir loads up to limit images (all when limit <= 0) from dir, sorted by
// file name, each resized to size x size. Files that fail to decode are
// skipped and reported in skipped ("path: reason").
func LoadDir(dir string, size, limit int) (imgs []*image.NRGBA, names []string, skipped []string, err error) {
	files, err := ListDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range files {
		if limit > 0 && len(imgs) >= limit {
			break
		}
		img, err := LoadImage(p, size)
		if err != nil {
			skipped = append(skipped, err.Error())
			continue
		}
		imgs = append(imgs, img)
		names = append(names, p)
	}
	if len(imgs) == 0 {
		return nil, nil, skipped, fmt.Errorf("image folder %s: no readable png/jpg/gif/bmp/webp images", dir)
	}
	return imgs, names, skipped, nil
}

// ImagesTensor stacks same-size images into one NCHW batch in [-1, 1].
func ImagesTensor(imgs []*image.NRGBA, c int) ([]float32, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	b := imgs[0].Bounds()
	per := c * b.Dx() * b.Dy()
	out := make([]float32, len(imgs)*per)
	for i, im := range imgs {
		if im.Bounds().Size() != b.Size() {
			return nil, fmt.Errorf("imgutil: image %d is %v, image 0 is %v", i, im.Bounds().Size(), b.Size())
		}
		if err := ImageTensor(im, c, out[i*per:(i+1)*per]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
