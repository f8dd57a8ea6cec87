package imgutil

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// ToByte maps a model value in [-1, 1] to a pixel value 0..255: (v+1)*127.5
// rounded half away from zero, clamped; NaN gives 0. Every conversion of
// model output to pixels goes through it.
func ToByte(v float32) uint8 {
	f := (float64(v) + 1) * 127.5
	if !(f > 0) { // also NaN
		return 0
	}
	if f >= 255 {
		return 255
	}
	return uint8(math.Round(f))
}

// FromByte maps a pixel value 0..255 to a model value in [-1, 1]: b/127.5-1.
func FromByte(b uint8) float32 { return float32(b)/127.5 - 1 }

// TensorImage returns image i of an NCHW batch x (values in [-1, 1]) with c
// channels (1 or 3) of h x w pixels.
func TensorImage(x []float32, i, c, h, w int) (*image.NRGBA, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("imgutil: %d channels, want 1 or 3", c)
	}
	plane := h * w
	off := i * c * plane
	if i < 0 || h <= 0 || w <= 0 || off+c*plane > len(x) {
		return nil, fmt.Errorf("imgutil: image %d of %dx%dx%d outside a batch of %d values", i, c, h, w, len(x))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < plane; p++ {
		r := ToByte(x[off+p])
		g, b := r, r
		if c == 3 {
			g = ToByte(x[off+plane+p])
			b = ToByte(x[off+2*plane+p])
		}
		img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = r, g, b, 255
	}
	return img, nil
}

// TensorImages converts a whole NCHW batch of n images.
func TensorImages(x []float32, n, c, h, w int) ([]*image.NRGBA, error) {
	if n*c*h*w != len(x) {
		return nil, fmt.Errorf("imgutil: batch of %d values is not %d images of %dx%dx%d", len(x), n, c, h, w)
	}
	out := make([]*image.NRGBA, n)
	for i := range out {
		img, err := TensorImage(x, i, c, h, w)
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}

// ImageTensor writes img (any size: it must already be h x w, use Resize
// first) into dst as one CHW image in [-1, 1]; c is 1 (luma) or 3.
func ImageTensor(img image.Image, c int, dst []float32) error {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	if c != 1 && c != 3 {
		return fmt.Errorf("imgutil: %d channels, want 1 or 3", c)
	}
	if len(dst) != c*h*w {
		return fmt.Errorf("imgutil: destination of %d values for a %dx%dx%d image", len(dst), c, h, w)
	}
	n := toNRGBA(img)
	plane := h * w
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			q := n.PixOffset(b.Min.X+x, b.Min.Y+y)
			r, g, bb := n.Pix[q], n.Pix[q+1], n.Pix[q+2]
			if c == 1 {
				dst[p] = FromByte(luma(r, g, bb))
				continue
			}
			dst[p], dst[plane+p], dst[2*plane+p] = FromByte(r), FromByte(g), FromByte(bb)
		}
	}
	return nil
}

func luma(r, g, b uint8) uint8 {
	return uint8((299*int(r) + 587*int(g) + 114*int(b) + 500) / 1000)
}

func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok {
		return n
	}
	b := img.Bounds()
	n := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			n.Set(x, y, img.At(x, y))
		}
	}
	return n
}

// RecordImage turns one uint8 HWC record (c = 1 or 3) into an image.
func RecordImage(rec []byte, h, w, c int) (*image.NRGBA, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("imgutil: %d channels, want 1 or 3", c)
	}
	if len(rec) != h*w*c {
		return nil, fmt.Errorf("imgutil: record of %d bytes is not %dx%dx%d", len(rec), h, w, c)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < h*w; p++ {
		r := rec[p*c]
		g, b := r, r
		if c == 3 {
			g, b = rec[p*c+1], rec[p*c+2]
		}
		img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = r, g, b, 255
	}
	return img, nil
}

// ImageRecord turns an h x w image into a uint8 HWC record of c channels.
func ImageRecord(img image.Image, c int) ([]byte, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("imgutil: %d channels, want 1 or 3", c)
	}
	n := toNRGBA(img)
	b := n.Bounds()
	rec := make([]byte, 0, b.Dx()*b.Dy()*c)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			q := n.PixOffset(x, y)
			if c == 1 {
				rec = append(rec, luma(n.Pix[q], n.Pix[q+1], n.Pix[q+2]))
			} else {
				rec = append(rec, n.Pix[q], n.Pix[q+1], n.Pix[q+2])
			}
		}
	}
	return rec, nil
}

// RecordTensor converts one uint8 HWC record into CHW float32 in [-1, 1]
// (dst has h*w*c values).
func RecordTensor(rec []byte, h, w, c int, dst []float32) error {
	if len(rec) != h*w*c || len(dst) != len(rec) {
		return fmt.Errorf("imgutil: record of %d bytes, destination %d, for %dx%dx%d", len(rec), len(dst), h, w, c)
	}
	plane := h * w
	for p := 0; p < plane; p++ {
		for k := 0; k < c; k++ {
			dst[k*plane+p] = FromByte(rec[p*c+k])
		}
	}
	return nil
}

// ParseColor reads a colour: a name (black, white, gray or grey,
// transparent), hexadecimal "#rgb", "#rrggbb" or "#rrggbbaa" (the '#' is
// optional), or "r,g,b" with components 0..255. prep's --background and
// sample's --bg both take it.
func ParseColor(s string) (color.NRGBA, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "black":
		return color.NRGBA{0, 0, 0, 255}, nil
	case "white":
		return color.NRGBA{255, 255, 255, 255}, nil
	case "gray", "grey":
		return color.NRGBA{128, 128, 128, 255}, nil
	case "transparent":
		return color.NRGBA{}, nil
	}
	if strings.Contains(t, ",") {
		return parseRGB(s, t)
	}
	h := strings.TrimPrefix(t, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) == 6 {
		h += "ff"
	}
	if len(h) != 8 {
		return color.NRGBA{}, fmt.Errorf("colour %q: want a name (white, black, gray, transparent), #rrggbb, #rgb, #rrggbbaa or r,g,b", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("colour %q: not hexadecimal", s)
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// parseRGB reads "r,g,b" (t is s lower-cased and trimmed).
func parseRGB(s, t string) (color.NRGBA, error) {
	parts := strings.Split(t, ",")
	if len(parts) != 3 {
		return color.NRGBA{}, fmt.Errorf("colour %q: want r,g,b with values 0..255", s)
	}
	var c [3]uint8
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil {
			return color.NRGBA{}, fmt.Errorf("colour %q: want r,g,b with values 0..255", s)
		}
		c[i] = uint8(v)
	}
	return color.NRGBA{c[0], c[1], c[2], 255}, nil
}
