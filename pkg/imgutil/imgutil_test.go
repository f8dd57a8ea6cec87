package imgutil

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestToByte(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint8
	}{{-1, 0}, {1, 255}, {0, 128}, {-2, 0}, {2, 255}, {-0.5, 64}} {
		if got := ToByte(tc.in); got != tc.want {
			t.Errorf("ToByte(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestTensorRoundTrip(t *testing.T) {
	const c, h, w = 3, 4, 5
	rec := make([]byte, h*w*c)
	for i := range rec {
		rec[i] = byte(i * 7)
	}
	x := make([]float32, len(rec))
	if err := RecordTensor(rec, h, w, c, x); err != nil {
		t.Fatal(err)
	}
	// Independent check of the layout: pixel (y=1, x=2), channel 2.
	p := 1*w + 2
	if want := float32(rec[p*c+2])/127.5 - 1; x[2*h*w+p] != want {
		t.Fatalf("CHW value %v, want %v", x[2*h*w+p], want)
	}
	img, err := TensorImage(x, 0, c, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.NRGBAAt(2, 1); got.R != rec[p*c] || got.G != rec[p*c+1] || got.B != rec[p*c+2] {
		t.Fatalf("pixel (2,1) = %v, want %v", got, rec[p*c:p*c+3])
	}
	back, err := ImageRecord(img, c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, rec) {
		t.Fatal("record -> tensor -> image -> record changed the bytes")
	}
	img2, _ := RecordImage(rec, h, w, c)
	y := make([]float32, len(x))
	if err := ImageTensor(img2, c, y); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("value %d: %v vs %v", i, x[i], y[i])
		}
	}
}

func TestTensorErrors(t *testing.T) {
	if _, err := TensorImage(make([]float32, 10), 0, 3, 4, 4); err == nil {
		t.Error("short batch accepted")
	}
	if _, err := TensorImage(make([]float32, 48), 0, 2, 4, 4); err == nil {
		t.Error("2 channels accepted")
	}
	if _, err := RecordImage(make([]byte, 5), 2, 2, 3); err == nil {
		t.Error("short record accepted")
	}
}

func TestGrid(t *testing.T) {
	red := image.NewNRGBA(image.Rect(0, 0, 8, 6))
	for i := range red.Pix {
		if i%4 == 0 || i%4 == 3 {
			red.Pix[i] = 255
		}
	}
	for _, tc := range []struct{ n, cols, pad, w, h int }{
		{1, 8, 2, 12, 10}, {8, 4, 2, 4*8 + 5*2, 2*6 + 3*2}, {5, 4, 0, 32, 12}, {3, 8, 1, 3*8 + 4, 8},
	} {
		imgs := make([]image.Image, tc.n)
		for i := range imgs {
			imgs[i] = red
		}
		g, err := Grid(imgs, tc.cols, tc.pad, color.White)
		if err != nil {
			t.Fatal(err)
		}
		if g.Bounds().Dx() != tc.w || g.Bounds().Dy() != tc.h {
			t.Errorf("grid n=%d cols=%d pad=%d: %v, want %dx%d", tc.n, tc.cols, tc.pad, g.Bounds(), tc.w, tc.h)
		}
		if tc.pad > 0 && g.NRGBAAt(0, 0) != (color.NRGBA{255, 255, 255, 255}) {
			t.Errorf("border not background: %v", g.NRGBAAt(0, 0))
		}
		if got := g.NRGBAAt(tc.pad, tc.pad); got != (color.NRGBA{255, 0, 0, 255}) {
			t.Errorf("first cell pixel %v, want red", got)
		}
	}
	if _, err := Grid(nil, 4, 1, color.White); err == nil {
		t.Error("empty grid accepted")
	}
}

func TestParseColor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want color.NRGBA
		ok   bool
	}{
		{"#ff8000", color.NRGBA{255, 128, 0, 255}, true},
		{"fff", color.NRGBA{255, 255, 255, 255}, true},
		{"black", color.NRGBA{0, 0, 0, 255}, true},
		{"Black", color.NRGBA{0, 0, 0, 255}, true},
		{"white", color.NRGBA{255, 255, 255, 255}, true},
		{"grey", color.NRGBA{128, 128, 128, 255}, true},
		{"transparent", color.NRGBA{}, true},
		{"#00000080", color.NRGBA{0, 0, 0, 128}, true},
		{"#102030", color.NRGBA{0x10, 0x20, 0x30, 255}, true},
		{"a0b0c0", color.NRGBA{0xa0, 0xb0, 0xc0, 255}, true},
		{"#FA0", color.NRGBA{0xff, 0xaa, 0x00, 255}, true},
		{"1, 2,3", color.NRGBA{1, 2, 3, 255}, true},
		{"1,2,300", color.NRGBA{}, false},
		{"1,2", color.NRGBA{}, false},
		{"#12", color.NRGBA{}, false},
		{"#gggggg", color.NRGBA{}, false},
		{"#12345g", color.NRGBA{}, false},
		{"purple-ish", color.NRGBA{}, false},
		{"", color.NRGBA{}, false},
	} {
		got, err := ParseColor(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseColor(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestWriteGIF(t *testing.T) {
	dir := t.TempDir()
	var frames []image.Image
	for k := 0; k < 3; k++ {
		im := image.NewNRGBA(image.Rect(0, 0, 10, 7))
		for i := range im.Pix {
			im.Pix[i] = byte(k*80 + i)
		}
		frames = append(frames, im)
	}
	p := filepath.Join(dir, "a.gif")
	if err := WriteGIF(p, frames, 10); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Config.Width != 10 || g.Config.Height != 7 || g.Delay[1] != 10 {
		t.Fatalf("GIF %d frames %dx%d delay %v", len(g.Image), g.Config.Width, g.Config.Height, g.Delay)
	}
	// A flat colour on the palette must come back exactly.
	flat := image.NewUniform(color.RGBA{255, 0, 0, 255})
	pi := Paletted(&boundedUniform{flat, image.Rect(0, 0, 4, 4)})
	if r, g, b, _ := pi.At(1, 1).RGBA(); r>>8 != 255 || g != 0 || b != 0 {
		t.Errorf("red dithered to %d,%d,%d", r>>8, g>>8, b>>8)
	}
	bad := append(frames, image.NewNRGBA(image.Rect(0, 0, 3, 3)))
	if err := WriteGIF(filepath.Join(dir, "b.gif"), bad, 10); err == nil {
		t.Error("frames of different sizes accepted")
	}
}

type boundedUniform struct {
	*image.Uniform
	r image.Rectangle
}

func (b *boundedUniform) Bounds() image.Rectangle { return b.r }

func TestScale(t *testing.T) {
	im := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	im.SetNRGBA(1, 0, color.NRGBA{9, 8, 7, 255})
	s := Scale(im, 3)
	if s.Bounds().Dx() != 6 || s.NRGBAAt(5, 2) != (color.NRGBA{9, 8, 7, 255}) || s.NRGBAAt(2, 2) == (color.NRGBA{9, 8, 7, 255}) {
		t.Fatalf("scale wrong: %v %v", s.Bounds(), s.NRGBAAt(5, 2))
	}
}

// TestWritePNG: both compression levels give back the exact pixels and
// leave no temporary file beside the image.
func TestWritePNG(t *testing.T) {
	im := image.NewNRGBA(image.Rect(0, 0, 13, 9))
	for i := range im.Pix {
		im.Pix[i] = byte(i * 37)
		if i%4 == 3 {
			im.Pix[i] = 255
		}
	}
	for _, c := range []struct {
		name  string
		write func(string, image.Image) error
	}{{"WritePNG", WritePNG}, {"WritePNGFast", WritePNGFast}} {
		dir := t.TempDir()
		p := filepath.Join(dir, "a.png")
		if err := c.write(p, im); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for y := range 9 {
			for x := range 13 {
				r0, g0, b0, _ := im.At(x, y).RGBA()
				r1, g1, b1, _ := got.At(x, y).RGBA()
				if r0 != r1 || g0 != g1 || b0 != b1 {
					t.Fatalf("%s: pixel (%d, %d) %d,%d,%d came back %d,%d,%d", c.name, x, y, r0, g0, b0, r1, g1, b1)
				}
			}
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: %d files in the folder, want 1", c.name, len(ents))
		}
	}
}
