package jpegdec

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// sameAsStd checks the property the package promises: when Decode succeeds,
// image/jpeg decodes data too, to exactly the same image. A refusal is
// always allowed (the caller falls back to image/jpeg).
func sameAsStd(d *Decoder, data []byte) (decoded bool, err error) {
	got, err := d.Decode(data, 1<<22)
	if err != nil {
		return false, nil
	}
	want, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return true, fmt.Errorf("jpegdec decoded what image/jpeg refuses (%v)", err)
	}
	return true, samePixels(got, want)
}

func samePixels(got, want image.Image) error {
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("bounds %v, image/jpeg %v", got.Bounds(), want.Bounds())
	}
	r := want.Bounds()
	switch w := want.(type) {
	case *image.YCbCr:
		g, ok := got.(*image.YCbCr)
		if !ok {
			return fmt.Errorf("type %T, image/jpeg %T", got, want)
		}
		if g.SubsampleRatio != w.SubsampleRatio {
			return fmt.Errorf("subsampling %v, image/jpeg %v", g.SubsampleRatio, w.SubsampleRatio)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				gi, wi := g.YOffset(x, y), w.YOffset(x, y)
				gc, wc := g.COffset(x, y), w.COffset(x, y)
				if g.Y[gi] != w.Y[wi] || g.Cb[gc] != w.Cb[wc] || g.Cr[gc] != w.Cr[wc] {
					return fmt.Errorf("pixel (%d,%d): YCbCr %d,%d,%d, image/jpeg %d,%d,%d",
						x, y, g.Y[gi], g.Cb[gc], g.Cr[gc], w.Y[wi], w.Cb[wc], w.Cr[wc])
				}
			}
		}
	case *image.Gray:
		g, ok := got.(*image.Gray)
		if !ok {
			return fmt.Errorf("type %T, image/jpeg %T", got, want)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if a, b := g.GrayAt(x, y), w.GrayAt(x, y); a != b {
					return fmt.Errorf("pixel (%d,%d): %d, image/jpeg %d", x, y, a.Y, b.Y)
				}
			}
		}
	default:
		return fmt.Errorf("image/jpeg gave %T, which jpegdec should have refused", want)
	}
	return nil
}

// testImage is a picture with edges, gradients and noise.
func testImage(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(x * 255 / max(w-1, 1))
			if (x/5+y/7)%2 == 0 {
				v = 255 - v
			}
			m.SetNRGBA(x, y, color.NRGBA{v, uint8(y * 3), uint8(r.IntN(256)), 255})
		}
	}
	return m
}

func encode(t testing.TB, m image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob("testdata/*.jpg")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

func TestFixtures(t *testing.T) {
	// Which fixtures the fast path takes; the rest it must refuse.
	decodes := map[string]bool{
		"c420.jpg": true, "c422.jpg": true, "c444.jpg": true, "c440.jpg": true, "c411.jpg": true,
		"q100.jpg": true, "q5.jpg": true, "optimized.jpg": true, "restart1.jpg": true,
		"restart3.jpg": true, "grey.jpg": true, "grey-restart.jpg": true,
		"progressive.jpg": false, "rgb.jpg": false, "arithmetic.jpg": false,
	}
	var d Decoder
	for name, data := range fixtures(t) {
		want, known := decodes[name]
		if !known {
			t.Errorf("%s: fixture not in the table", name)
			continue
		}
		decoded, err := sameAsStd(&d, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if decoded != want {
			_, derr := d.Decode(data, 1<<22)
			t.Errorf("%s: decoded %v, want %v (%v)", name, decoded, want, derr)
		}
		if !want {
			if _, err := d.Decode(data, 1<<22); !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: error %v, want ErrUnsupported", name, err)
			}
		}
	}
}

func TestGoEncoder(t *testing.T) {
	var d Decoder // reused across all cases: no state may leak between images
	for _, size := range [][2]int{{1, 1}, {8, 8}, {17, 9}, {96, 96}, {33, 64}, {120, 7}} {
		for _, q := range []int{1, 30, 75, 95, 100} {
			for _, grey := range []bool{false, true} {
				var m image.Image = testImage(size[0], size[1], uint64(q))
				if grey {
					g := image.NewGray(m.Bounds())
					for i := range g.Pix {
						g.Pix[i] = m.(*image.NRGBA).Pix[4*i]
					}
					m = g
				}
				data := encode(t, m, q)
				decoded, err := sameAsStd(&d, data)
				if err != nil || !decoded {
					t.Errorf("%dx%d q%d grey=%v: decoded %v, %v", size[0], size[1], q, grey, decoded, err)
				}
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	good := encode(t, testImage(40, 30, 1), 80)
	var d Decoder
	if _, err := d.Decode(good, 40*30-1); err == nil {
		t.Error("an image over maxPixels was decoded")
	}
	for i := 0; i < len(good); i += 7 {
		if _, err := sameAsStd(&d, good[:i]); err != nil {
			t.Errorf("truncated at %d: %v", i, err)
		}
	}
	// Bit flips across the whole file: whatever jpegdec decodes,
	// image/jpeg decodes the same.
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		b := bytes.Clone(good)
		for j := 0; j < 1+r.IntN(3); j++ {
			b[r.IntN(len(b))] ^= 1 << r.IntN(8)
		}
		if _, err := sameAsStd(&d, b); err != nil {
			t.Fatalf("flip %d: %v", i, err)
		}
	}
	if _, err := sameAsStd(&d, good); err != nil {
		t.Errorf("after the corrupt ones: %v", err)
	}
}

// sharedArchive is the project's shared data beside the repository; the
// test that uses it is skipped when it is absent.
const sharedArchive = "../../../shared/data/anime-faces-96.tar.gz"

// TestSharedFaces decodes the first faces of the shared archive (the data
// prep's benchmark uses) and compares with image/jpeg.
func TestSharedFaces(t *testing.T) {
	if _, err := os.Stat(sharedArchive); err != nil {
		t.Skip("shared archive absent")
	}
	faces := readFaces(t, 500)
	if len(faces) == 0 {
		t.Fatal("no faces in the archive")
	}
	var d Decoder
	for i, data := range faces {
		decoded, err := sameAsStd(&d, data)
		if err != nil || !decoded {
			t.Fatalf("face %d: decoded %v, %v", i, decoded, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(data)
	}
	f.Add(encode(f, testImage(20, 13, 5), 60))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		if _, err := sameAsStd(&d, data); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkDecode96(b *testing.B) {
	data := encode(b, testImage(96, 96, 1), 90)
	b.Run("jpegdec", func(b *testing.B) {
		var d Decoder
		for i := 0; i < b.N; i++ {
			if _, err := d.Decode(data, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("image-jpeg", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
}

// readFaces returns the first n files of the shared archive (nil when it
// is absent).
func readFaces(tb testing.TB, n int) [][]byte {
	f, err := os.Open(sharedArchive)
	if err != nil {
		return nil
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out [][]byte
	for len(out) < n {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// BenchmarkDecodeFaces decodes the first 500 shared faces with jpegdec and
// with image/jpeg.
func BenchmarkDecodeFaces(b *testing.B) {
	faces := readFaces(b, 500)
	if faces == nil {
		b.Skip("shared archive absent")
	}
	b.Run("jpegdec", func(b *testing.B) {
		var d Decoder
		for i := 0; i < b.N; i++ {
			if _, err := d.Decode(faces[i%len(faces)], 1<<20); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("image-jpeg", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := jpeg.Decode(bytes.NewReader(faces[i%len(faces)])); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
}
