package metrics

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/kernels"
)

// Image is one planar (CHW) float32 image, values nominally in [-1, 1].
type Image struct {
	C, H, W int
	Pix     []float32 // len C*H*W; Pix[(c*H+y)*W+x]
}

// At returns channel c of pixel (x, y).
func (m Image) At(c, x, y int) float32 { return m.Pix[(c*m.H+y)*m.W+x] }

func (m Image) check() error {
	if m.C <= 0 || m.H <= 0 || m.W <= 0 || len(m.Pix) != m.C*m.H*m.W {
		return fmt.Errorf("invalid image: %dx%dx%d with %d values", m.C, m.H, m.W, len(m.Pix))
	}
	for i, v := range m.Pix {
		if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
			return fmt.Errorf("invalid image: value %d is %v (a generator gone NaN or Inf)", i, v)
		}
	}
	return nil
}

// FromNCHW views a batch of n images stored NCHW (as gan.Model.Generate
// returns them) as Images. The Pix slices alias data; nothing is copied.
func FromNCHW(data []float32, n, c, h, w int) ([]Image, error) {
	if n < 0 || c <= 0 || h <= 0 || w <= 0 || len(data) != n*c*h*w {
		return nil, fmt.Errorf("NCHW batch: %d values for %d images of %dx%dx%d", len(data), n, c, h, w)
	}
	per := c * h * w
	out := make([]Image, n)
	for i := range out {
		out[i] = Image{C: c, H: h, W: w, Pix: data[i*per : (i+1)*per : (i+1)*per]}
	}
	return out, nil
}

// FromHWC8 converts one 8-bit interleaved (HWC) image, as shard records
// store them, to an Image in [-1, 1] (v/127.5 - 1).
func FromHWC8(pix []uint8, h, w, c int) (Image, error) {
	if h <= 0 || w <= 0 || c <= 0 || len(pix) != h*w*c {
		return Image{}, fmt.Errorf("HWC image: %d bytes for %dx%dx%d", len(pix), h, w, c)
	}
	out := Image{C: c, H: h, W: w, Pix: make([]float32, c*h*w)}
	for i := 0; i < h*w; i++ {
		for ch := 0; ch < c; ch++ {
			out.Pix[ch*h*w+i] = imgutil.FromByte(pix[i*c+ch])
		}
	}
	return out, nil
}

// FromNRGBA converts an 8-bit image to a 3-channel Image in [-1, 1]
// (v/127.5 - 1), dropping alpha.
func FromNRGBA(img *image.NRGBA) Image {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	out := Image{C: 3, H: h, W: w, Pix: make([]float32, 3*h*w)}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				out.Pix[(c*h+y)*w+x] = imgutil.FromByte(row[4*x+c])
			}
		}
	}
	return out
}

// FromImages converts decoded images of any type (via NRGBA) to Images.
func FromImages(imgs []image.Image) []Image {
	out := make([]Image, len(imgs))
	for i, im := range imgs {
		n, ok := im.(*image.NRGBA)
		if !ok {
			b := im.Bounds()
			n = image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					n.Set(x, y, color.NRGBAModel.Convert(im.At(b.Min.X+x, b.Min.Y+y)))
				}
			}
		}
		out[i] = FromNRGBA(n)
	}
	return out
}

// ToNRGBA converts a 1- or 3-channel Image in [-1, 1] to 8-bit (imgutil.ToByte).
func ToNRGBA(m Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			for c := 0; c < 3; c++ {
				v := m.At(min(c, m.C-1), x, y)
				out.Pix[y*out.Stride+4*x+c] = imgutil.ToByte(v)
			}
			out.Pix[y*out.Stride+4*x+3] = 255
		}
	}
	return out
}

// Resize returns m resampled to h x w by area averaging (a box filter whose
// weights are the overlaps of source and target pixels), the usual way to
// shrink images without aliasing.
func Resize(m Image, h, w int) Image {
	if h == m.H && w == m.W {
		return m
	}
	wy := areaWeights(m.H, h)
	wx := areaWeights(m.W, w)
	tmp := make([]float32, m.C*m.H*w)
	for c := 0; c < m.C; c++ {
		for y := 0; y < m.H; y++ {
			src := m.Pix[(c*m.H+y)*m.W:][:m.W]
			dst := tmp[(c*m.H+y)*w:][:w]
			for x, ws := range wx {
				var s float32
				for _, t := range ws {
					s += t.w * src[t.i]
				}
				dst[x] = s
			}
		}
	}
	out := Image{C: m.C, H: h, W: w, Pix: make([]float32, m.C*h*w)}
	for c := 0; c < m.C; c++ {
		for y, ws := range wy {
			dst := out.Pix[(c*h+y)*w:][:w]
			for _, t := range ws {
				src := tmp[(c*m.H+t.i)*w:][:w]
				for x := range dst {
					dst[x] += t.w * src[x]
				}
			}
		}
	}
	return out
}

type tap struct {
	i int
	w float32
}

// areaWeights gives, for each of the out target pixels, the source pixels
// it overlaps (in units where the whole axis is in*out long) and weights
// summing to 1.
func areaWeights(in, out int) [][]tap {
	ws := make([][]tap, out)
	for o := range ws {
		lo, hi := o*in, (o+1)*in // target pixel span, scaled by in*out
		for i := lo / out; i*out < hi && i < in; i++ {
			a, b := max(lo, i*out), min(hi, (i+1)*out)
			if b > a {
				ws[o] = append(ws[o], tap{i, float32(b-a) / float32(in)})
			}
		}
	}
	return ws
}

// parallelFor runs fn(i) for i in [0, n) on the kernels' workers. Each i
// must write only its own outputs, so results do not depend on scheduling.
func parallelFor(n int, fn func(i int)) {
	kernels.ParallelFor(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}
