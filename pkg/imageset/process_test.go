package imageset

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"image"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/toongan/toongan/pkg/imageset/imagesettest"
	"golang.org/x/image/bmp"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeFormatsAndReasons(t *testing.T) {
	img := testImage(40, 30, 1)
	good := encodePNG(t, img)
	var gifBuf, bmpBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, img); err != nil {
		t.Fatal(err)
	}
	jpg := func() []byte {
		var b bytes.Buffer
		if err := jpegEncode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}()
	corrupt := append([]byte(nil), good...)
	for i := 60; i < len(corrupt)-20; i++ { // scramble the IDAT payload
		corrupt[i] ^= 0x5a
	}
	webp, err := os.ReadFile("../../prep/testdata/gradient-24x16.webp")
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	for _, tc := range []struct {
		name   string
		data   []byte
		max    int64
		reason string // "" = success
	}{
		{"png", good, 0, ""},
		{"jpeg", jpg, 0, ""},
		{"gif", gifBuf.Bytes(), 0, ""},
		{"bmp", bmpBuf.Bytes(), 0, ""},
		{"webp", webp, 0, ""},
		{"empty", nil, 0, ReasonEmpty},
		{"text", []byte("hello, this is not an image\n"), 0, ReasonNotImage},
		{"psd", []byte("8BPS\x00\x01\x00\x00\x00\x00\x00\x00rest"), 0, ReasonUnsupported},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), 0, ReasonUnsupported},
		{"svg", []byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>"), 0, ReasonUnsupported},
		{"truncated png", good[:len(good)/2], 0, ReasonTruncated},
		{"truncated jpeg", jpg[:len(jpg)/2], 0, ReasonTruncated},
		{"header only", good[:20], 0, ReasonTruncated},
		{"corrupt png", corrupt, 0, ReasonCorrupt},
		{"bomb", good, 1000, ReasonTooLarge},
	} {
		o := opt
		if tc.max != 0 {
			o.MaxPixels = tc.max
		}
		dst := make([]byte, o.RecordSize())
		var s Scratch
		err := Decode(tc.data, o, dst, &s)
		var se *SkipError
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.reason != "" && !errors.As(err, &se):
			t.Errorf("%s: got %v, want skip reason %q", tc.name, err, tc.reason)
		case tc.reason != "" && se.Reason != tc.reason:
			t.Errorf("%s: reason %q (%v), want %q", tc.name, se.Reason, err, tc.reason)
		}
	}
}

func names(t *testing.T, src Source) []string {
	t.Helper()
	var out []string
	for {
		e, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Name+"="+string(e.Data))
	}
	return out
}

func TestSources(t *testing.T) {
	files := map[string][]byte{"b.png": []byte("B"), "a/z.jpg": []byte("Z"), "a/c.gif": []byte("C"),
		".hidden": []byte("H"), ".git/x": []byte("X"), "__MACOSX/m": []byte("M"), "10.jpg": []byte("T")}
	sorted := []string{"10.jpg=T", "a/c.gif=C", "a/z.jpg=Z", "b.png=B"}
	dir := t.TempDir()
	imagesettest.WriteTree(t, filepath.Join(dir, "folder"), files)

	// zip, written in unsorted order
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, n := range []string{"b.png", "a/z.jpg", ".hidden", "10.jpg", "a/c.gif", "__MACOSX/m"} {
		w, _ := zw.Create(n)
		w.Write(files[n])
	}
	zw.Close()
	imagesettest.WriteTree(t, dir, map[string][]byte{"in.zip": zb.Bytes()})

	// tar and tar.gz keep archive order
	tarOrder := []string{"b.png", "a/z.jpg", ".hidden", "10.jpg"}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range tarOrder {
		tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(files[n])), Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Write(files[n])
	}
	tw.Close()
	var gz bytes.Buffer
	g := gzip.NewWriter(&gz)
	g.Write(tb.Bytes())
	g.Close()
	imagesettest.WriteTree(t, dir, map[string][]byte{"in.tar": tb.Bytes(), "in.tgz": gz.Bytes(), "plain.txt": []byte("no archive")})

	for _, tc := range []struct {
		path  string
		want  []string
		total int
	}{
		{"folder", sorted, 4},
		{"in.zip", sorted, 4},
		{"in.tar", []string{"b.png=B", "a/z.jpg=Z", "10.jpg=T"}, -1},
		{"in.tgz", []string{"b.png=B", "a/z.jpg=Z", "10.jpg=T"}, -1},
	} {
		src, err := OpenSource(filepath.Join(dir, tc.path), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if got := names(t, src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: entries %q, want %q", tc.path, got, tc.want)
		}
		if src.Total() != tc.total {
			t.Errorf("%s: Total %d, want %d", tc.path, src.Total(), tc.total)
		}
		src.Close()
	}
	for _, bad := range []string{"plain.txt", "missing"} {
		if _, err := OpenSource(filepath.Join(dir, bad), nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	// A truncated tar.gz is a fatal read error naming the archive.
	cut := filepath.Join(dir, "cut.tgz")
	imagesettest.WriteTree(t, dir, map[string][]byte{"cut.tgz": gz.Bytes()[:len(gz.Bytes())/2]})
	src, err := OpenSource(cut, nil)
	if err == nil {
		for err == nil {
			_, err = src.Next()
		}
		if errors.Is(err, io.EOF) || !bytes.Contains([]byte(err.Error()), []byte(cut)) {
			t.Errorf("truncated tar.gz: %v, want an error naming %s", err, cut)
		}
	}
}
