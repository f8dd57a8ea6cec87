package imgutil

import (
	"fmt"
	"image"
	_ "image/gif"  // decoder
	_ "image/jpeg" // decoder
	_ "image/png"  // decoder
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/toongan/toongan/pkg/safeio"
	_ "golang.org/x/image/bmp"  // decoder
	_ "golang.org/x/image/webp" // decoder
)

// imageExts are the file name endings ListDir lists.
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

// ImageConfig decodes only the header of the image file at path (its
// size and colour model). Only regular files are opened.
func ImageConfig(path string) (image.Config, error) {
	f, err := safeio.OpenRegular(path)
	if err != nil {
		return image.Config{}, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return image.Config{}, fmt.Errorf("decode image %q: %w", path, err)
	}
	return cfg, nil
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
