package evaluate

import (
	"fmt"
	"image"
	"image/color"
	"slices"

	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/shard"
)

// spread returns up to limit indices spread evenly over [0, total)
// (all of them when limit <= 0 or limit >= total).
func spread(total, limit int) []int {
	n := total
	if limit > 0 && limit < total {
		n = limit
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = int(int64(i) * int64(total) / int64(n))
	}
	return idx
}

// images reads the records at idx as CHW float images in [-1, 1], resized
// to side x side by area averaging when side > 0 and differs.
func images(s *shard.Set, idx []int, side int) ([]metrics.Image, error) {
	out := make([]metrics.Image, 0, len(idx))
	err := eachImage(s, idx, func(_ int, m metrics.Image) error {
		if side > 0 && (side != m.H || side != m.W) {
			m = metrics.Resize(m, side, side)
		} else {
			m.Pix = slices.Clone(m.Pix)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// eachImage reads the records at idx in turn as CHW float images in
// [-1, 1] and calls fn with each record's index and image. The image's
// pixels are overwritten by the next record: fn copies what it keeps.
func eachImage(s *shard.Set, idx []int, fn func(i int, m metrics.Image) error) error {
	h := s.Header()
	buf := make([]byte, h.RecordSize())
	m := metrics.Image{C: h.Channels, H: h.Height, W: h.Width, Pix: make([]float32, h.RecordSize())}
	for _, i := range idx {
		if err := s.Read(i, buf); err != nil {
			return err
		}
		if err := imgutil.RecordTensor(buf, h.Height, h.Width, h.Channels, m.Pix); err != nil {
			return err
		}
		if err := fn(i, m); err != nil {
			return err
		}
	}
	return nil
}

// picture reads record i as an image for display.
func picture(s *shard.Set, i int) (*image.NRGBA, error) {
	h := s.Header()
	buf := make([]byte, h.RecordSize())
	if err := s.Read(i, buf); err != nil {
		return nil, err
	}
	return imgutil.RecordImage(buf, h.Height, h.Width, h.Channels)
}

// loadDir reads up to limit images (all when limit <= 0) of an image folder
// (sorted by name) as size x size metrics images, each preprocessed exactly
// as prep preprocesses its input (imageset.ReadFile: centre crop, alpha
// over white, prep's resampler). It returns how many files it skipped as
// unreadable.
func loadDir(dir string, size, limit, channels int) ([]metrics.Image, int, error) {
	files, err := imgutil.ListDir(dir)
	if err != nil {
		return nil, 0, err
	}
	opt := imageset.Options{Size: size, Crop: imageset.CropCenter, Background: color.NRGBA{255, 255, 255, 255},
		MaxPixels: imageset.DefaultMaxPixels}
	rec := make([]byte, opt.RecordSize())
	var scratch imageset.Scratch
	var out []metrics.Image
	skipped := 0
	for _, p := range files {
		if limit > 0 && len(out) >= limit {
			break
		}
		if err := imageset.ReadFile(p, opt, rec, &scratch); err != nil {
			skipped++
			continue
		}
		m := metrics.Image{C: channels, H: size, W: size, Pix: make([]float32, channels*size*size)}
		if err := recordTensor(rec, size, channels, m.Pix); err != nil {
			return nil, skipped, fmt.Errorf("image folder %q: %w", dir, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, skipped, fmt.Errorf("image folder %q: no readable png/jpg/gif/bmp/webp images", dir)
	}
	return out, skipped, nil
}

// recordTensor converts an RGB record to a CHW image of c channels.
func recordTensor(rec []byte, size, c int, dst []float32) error {
	if c == 3 {
		return imgutil.RecordTensor(rec, size, size, 3, dst)
	}
	im, err := imgutil.RecordImage(rec, size, size, 3)
	if err != nil {
		return err
	}
	return imgutil.ImageTensor(im, c, dst)
}

// nchw packs images into one NCHW batch.
func nchw(imgs []metrics.Image) []float32 {
	if len(imgs) == 0 {
		return nil
	}
	per := len(imgs[0].Pix)
	out := make([]float32, 0, len(imgs)*per)
	for _, m := range imgs {
		out = append(out, m.Pix...)
	}
	return out
}

// toPictures converts metrics images for display.
func toPictures(imgs []metrics.Image) []image.Image {
	out := make([]image.Image, len(imgs))
	for i, m := range imgs {
		out[i] = metrics.ToNRGBA(m)
	}
	return out
}
