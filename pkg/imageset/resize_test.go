package imageset

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// testImage is a smooth gradient with structure and some noise: it exercises
// negative Lanczos lobes (clamping) without being pure noise.
func testImage(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(x, y)
			v := 128 + 100*math.Sin(float64(x)/5+float64(seed)) + float64(r.IntN(40)) - 20
			img.Pix[i] = clamp8(v)
			img.Pix[i+1] = uint8(255 * x / max(w-1, 1))
			if (x/4+y/4)%2 == 0 { // hard edges
				img.Pix[i+2] = 250
			} else {
				img.Pix[i+2] = 5
			}
			img.Pix[i+3] = 255
		}
	}
	return img
}

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

func packRGB(img *image.NRGBA) []byte {
	b := img.Bounds()
	out := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			i := img.PixOffset(x, y)
			out = append(out, img.Pix[i], img.Pix[i+1], img.Pix[i+2])
		}
	}
	return out
}

// maxDiff compares packed RGB with an NRGBA image of the same size.
func maxDiff(t *testing.T, got []byte, want *image.NRGBA) int {
	t.Helper()
	w := packRGB(want)
	if len(w) != len(got) {
		t.Fatalf("size mismatch: %d vs %d bytes", len(got), len(w))
	}
	m := 0
	for i := range w {
		d := int(got[i]) - int(w[i])
		m = max(m, d, -d)
	}
	return m
}

func TestResizeMatchesImaging(t *testing.T) {
	for _, tc := range []struct{ src, dst int }{
		{96, 64}, {128, 64}, {100, 32}, {96, 48}, {200, 128}, {64, 64}, {32, 96}, {48, 128}, {7, 4}, {5, 9}, {1, 4}, {300, 96},
	} {
		img := testImage(tc.src, tc.src, uint64(tc.src*1000+tc.dst))
		want := imaging.Resize(img, tc.dst, tc.dst, imaging.Lanczos)
		got := make([]byte, 3*tc.dst*tc.dst)
		resizeRGB(got, packRGB(img), tc.src, tc.dst, &resizeScratch{})
		if d := maxDiff(t, got, want); d > 1 {
			t.Errorf("%d->%d: max difference %d from imaging.Resize Lanczos, want <= 1", tc.src, tc.dst, d)
		}
	}
}

func TestResizeFlatStaysExact(t *testing.T) {
	for _, tc := range []struct{ src, dst int }{{96, 64}, {33, 128}, {500, 32}} {
		src := bytes.Repeat([]byte{12, 200, 255}, tc.src*tc.src)
		got := make([]byte, 3*tc.dst*tc.dst)
		resizeRGB(got, src, tc.src, tc.dst, &resizeScratch{})
		if want := bytes.Repeat([]byte{12, 200, 255}, tc.dst*tc.dst); !bytes.Equal(got, want) {
			t.Errorf("%d->%d: flat colour not preserved", tc.src, tc.dst)
		}
	}
}

func TestWeightsSumToOne(t *testing.T) {
	for _, tc := range []struct{ src, dst int }{{96, 64}, {3, 128}, {1000, 17}} {
		wt := lanczosWeights(tc.src, tc.dst)
		for v := 0; v < tc.dst; v++ {
			var sum int32
			for _, w := range wt.w[v*wt.n : (v+1)*wt.n] {
				sum += w
			}
			if sum != wOne {
				t.Fatalf("%d->%d output %d: weights sum to %d, want %d", tc.src, tc.dst, v, sum, wOne)
			}
			if wt.start[v] < 0 || wt.start[v]+wt.n > tc.src {
				t.Fatalf("%d->%d output %d: taps [%d,%d) outside the source", tc.src, tc.dst, v, wt.start[v], wt.start[v]+wt.n)
			}
		}
	}
}

// reference is the slow, obviously-right pipeline built from imaging: crop or
// pad, composite alpha on bg in float, resize with imaging.
func reference(img image.Image, opt Options) *image.NRGBA {
	src := imaging.Clone(img)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	var sq *image.NRGBA
	if opt.Crop == CropNone {
		s := max(w, h)
		sq = imaging.New(s, s, color.NRGBA{0, 0, 0, 0})
		sq = imaging.Paste(sq, src, image.Pt((s-w)/2, (s-h)/2))
	} else {
		s := min(w, h)
		sq = imaging.Crop(src, image.Rect((w-s)/2, (h-s)/2, (w-s)/2+s, (h-s)/2+s))
	}
	bg := opt.Background
	for i := 0; i < len(sq.Pix); i += 4 {
		a := float64(sq.Pix[i+3]) / 255
		sq.Pix[i] = clamp8(float64(sq.Pix[i])*a + float64(bg.R)*(1-a))
		sq.Pix[i+1] = clamp8(float64(sq.Pix[i+1])*a + float64(bg.G)*(1-a))
		sq.Pix[i+2] = clamp8(float64(sq.Pix[i+2])*a + float64(bg.B)*(1-a))
		sq.Pix[i+3] = 255
	}
	return imaging.Resize(sq, opt.Size, opt.Size, imaging.Lanczos)
}

func jpegRoundTrip(t *testing.T, img image.Image) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFromImageMatchesReference(t *testing.T) {
	base := testImage(90, 70, 3)
	alpha := testImage(50, 61, 4)
	for i := 3; i < len(alpha.Pix); i += 4 {
		alpha.Pix[i] = uint8(i * 7)
	}
	gray := image.NewGray(base.Bounds())
	cmyk := image.NewCMYK(base.Bounds())
	rgba64 := image.NewRGBA64(base.Bounds())
	gray16 := image.NewGray16(base.Bounds())
	pal := image.NewPaletted(base.Bounds(), color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 90, 200, 128}})
	ycc444 := image.NewYCbCr(base.Bounds(), image.YCbCrSubsampleRatio444)
	ycc422 := image.NewYCbCr(base.Bounds(), image.YCbCrSubsampleRatio422)
	ycc410 := image.NewYCbCr(base.Bounds(), image.YCbCrSubsampleRatio410)
	for y := 0; y < 70; y++ {
		for x := 0; x < 90; x++ {
			c := base.NRGBAAt(x, y)
			gray.Set(x, y, c)
			cmyk.Set(x, y, c)
			rgba64.Set(x, y, color.RGBA64{uint16(c.R) * 257, uint16(c.G)*257 + 3, uint16(c.B) * 257, 0xffff})
			gray16.Set(x, y, color.Gray16{uint16(x * 700)})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			for _, m := range []*image.YCbCr{ycc444, ycc422, ycc410} {
				m.Y[m.YOffset(x, y)] = yy
				m.Cb[m.COffset(x, y)] = cb
				m.Cr[m.COffset(x, y)] = cr
			}
		}
	}
	sub := base.SubImage(image.Rect(5, 3, 80, 64))
	red := color.NRGBA{200, 10, 10, 255}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"nrgba", base}, {"nrgba-alpha", alpha}, {"jpeg-420", jpegRoundTrip(t, base)},
		{"jpeg-gray", jpegRoundTrip(t, gray)}, {"gray", gray}, {"cmyk", cmyk}, {"rgba64", rgba64},
		{"gray16", gray16}, {"paletted", pal}, {"ycc444", ycc444}, {"ycc422", ycc422}, {"ycc410", ycc410},
		{"subimage", sub}, {"jpeg-odd-crop", jpegRoundTrip(t, testImage(97, 41, 9))},
	} {
		for _, crop := range []string{CropCenter, CropNone} {
			for _, size := range []int{32, 64, 96} {
				opt := Options{Size: size, Crop: crop, Background: red, MaxPixels: DefaultMaxPixels}
				got := make([]byte, opt.RecordSize())
				var s Scratch
				if err := FromImage(tc.img, opt, got, &s); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if d := maxDiff(t, got, reference(tc.img, opt)); d > 1 {
					t.Errorf("%s crop=%s size=%d: max difference %d from the imaging reference", tc.name, crop, size, d)
				}
			}
		}
	}
}

// TestResizeVectorSame: the vector path (both passes as vertical passes,
// AVX2 where the CPU has it) writes the same bytes as the two-lane Go passes.
func TestResizeVectorSame(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	pairs := [][2]int{{96, 64}, {64, 32}, {3, 8}, {2, 4}, {5, 3}, {128, 64}, {250, 96}, {37, 64}, {100, 7}, {9, 9}}
	for _, p := range pairs {
		s, d := p[0], p[1]
		src := make([]byte, 3*s*s)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		if s > 50 { // some flat and saturated areas too
			for i := 0; i < len(src)/4; i++ {
				src[i] = 255
			}
		}
		wt := lanczosWeights(s, d)
		var rs resizeScratch
		want := make([]byte, 3*d*d)
		resizeTwoLane(want, src, s, d, wt, &rs)
		got := make([]byte, 3*d*d)
		resizeVector(got, src, s, d, wt, &rs)
		if !bytes.Equal(got, want) {
			t.Errorf("%d->%d: the vector path differs from the Go passes", s, d)
		}
	}
}

// TestVpassMatchesGo: vpass (AVX2 where available) against vpassGo, for
// row lengths around the kernel's blocks of 32 and 8, and extreme weights.
func TestVpassMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 40, 191, 192, 288} {
		for _, taps := range []int{1, 2, 9, 13} {
			stride := n + r.IntN(5)
			src := make([]byte, taps*stride+n)
			for i := range src {
				src[i] = byte(r.IntN(256))
			}
			w := make([]int32, taps)
			for k := range w {
				w[k] = int32(r.IntN(3*wOne)) - wOne
			}
			got, want := make([]byte, n), make([]byte, n)
			vpass(got, src, stride, w)
			vpassGo(want, src, stride, w)
			if !bytes.Equal(got, want) {
				t.Errorf("n=%d taps=%d: vpass %v, vpassGo %v", n, taps, got, want)
			}
		}
	}
}
