package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/imageset/imagesettest"
	"github.com/toongan/toongan/pkg/shard"
	"golang.org/x/image/bmp"
)

func solid(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func enc(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// inputFiles are good images of every format plus one of each kind of bad file.
func inputFiles(t *testing.T) (map[string][]byte, map[string]string) {
	t.Helper()
	webp, err := os.ReadFile("testdata/gradient-24x16.webp")
	if err != nil {
		t.Fatal(err)
	}
	red := solid(16, 16, color.NRGBA{250, 10, 10, 255})
	redPNG := enc(t, func(b *bytes.Buffer) error { return png.Encode(b, red) })
	alpha := enc(t, func(b *bytes.Buffer) error { return png.Encode(b, solid(20, 16, color.NRGBA{0, 0, 255, 0})) })
	jpg := enc(t, func(b *bytes.Buffer) error {
		return jpeg.Encode(b, solid(24, 24, color.NRGBA{40, 160, 90, 255}), &jpeg.Options{Quality: 95})
	})
	gifData := enc(t, func(b *bytes.Buffer) error {
		p := image.NewPaletted(image.Rect(0, 0, 16, 18), color.Palette{color.RGBA{10, 20, 30, 255}})
		return gif.Encode(b, p, nil)
	})
	bmpData := enc(t, func(b *bytes.Buffer) error { return bmp.Encode(b, solid(16, 16, color.NRGBA{1, 2, 3, 255})) })
	big := enc(t, func(b *bytes.Buffer) error { return png.Encode(b, solid(300, 300, color.NRGBA{9, 9, 9, 255})) })
	files := map[string][]byte{
		"a-red.png":          redPNG,
		"b-transparent.png":  alpha,
		"c-green.jpg":        jpg,
		"d-navy.gif":         gifData,
		"e-dark.bmp":         bmpData,
		"f-gradient.webp":    webp,
		"sub/g-red-copy.png": redPNG, // duplicate
		"bad/empty.png":      nil,
		"bad/truncated.jpg":  jpg[:len(jpg)/2],
		"bad/corrupt.png":    append(append([]byte(nil), redPNG[:40]...), bytes.Repeat([]byte{0x42}, 80)...),
		"bad/readme.txt":     []byte("these are my faces\n"),
		"bad/layers.psd":     []byte("8BPS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03"),
		"bad/bomb.png":       big,
	}
	reasons := map[string]string{
		"bad/empty.png": "empty file", "bad/truncated.jpg": "truncated image", "bad/corrupt.png": "corrupt image",
		"bad/readme.txt": "not an image", "bad/layers.psd": "unsupported format", "bad/bomb.png": "too many pixels",
	}
	return files, reasons
}

func sortedNames(files map[string][]byte) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func writeZip(t *testing.T, path string, files map[string][]byte) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range sortedNames(files) {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	zw.Close()
	imagesettest.WriteTree(t, filepath.Dir(path), map[string][]byte{filepath.Base(path): b.Bytes()})
}

func writeTarGz(t *testing.T, path string, files map[string][]byte) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, n := range sortedNames(files) {
		tw.WriteHeader(&tar.Header{Name: "faces/" + n, Size: int64(len(files[n])), Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Write(files[n])
	}
	tw.Close()
	gz.Close()
	imagesettest.WriteTree(t, filepath.Dir(path), map[string][]byte{filepath.Base(path): b.Bytes()})
}

func runPrep(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	app := newApp()
	app.Writer = &stderr
	app.ErrWriter = &stderr
	code := cliapp.Run(app, append([]string{"prep"}, args...), &stderr)
	return code, stderr.String()
}

func TestEndToEnd(t *testing.T) {
	files, reasons := inputFiles(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in")
	imagesettest.WriteTree(t, in, files)
	writeZip(t, filepath.Join(tmp, "in.zip"), files)
	writeTarGz(t, filepath.Join(tmp, "in.tar.gz"), files)
	out := filepath.Join(tmp, "data", "faces")
	common := []string{"--size", "16", "--max-pixels", "50000", "--background", "black", "--quiet"}

	code, stderr := runPrep(t, append(append([]string{"--out", out}, common...), in)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for name, reason := range reasons {
		if !strings.Contains(stderr, strconv.Quote(filepath.Join(in, filepath.FromSlash(name)))+": "+reason) {
			t.Errorf("no warning %q for %s in:\n%s", reason, name, stderr)
		}
	}
	m, err := shard.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Counts
	if c.Inputs != 13 || c.Kept != 6 || c.Duplicates != 1 || c.Skipped != 6 || c.Train != 6 || c.Holdout != 0 {
		t.Errorf("counts %+v", c)
	}
	for _, s := range m.Skipped {
		if reasons[s.File] != s.Reason {
			t.Errorf("manifest skip %s: %q, want %q", s.File, s.Reason, reasons[s.File])
		}
	}
	if m.Size != 16 || m.Channels != 3 || m.Source != in || m.Params["background"] != "black" {
		t.Errorf("manifest size %d channels %d source %q params %v", m.Size, m.Channels, m.Source, m.Params)
	}
	recs := imagesettest.Records(t, m)
	fill := func(r, g, b byte) []byte { return bytes.Repeat([]byte{r, g, b}, 16*16) }
	// Sorted order: a-red, b-transparent, c-green, d-navy, e-dark, f-gradient.
	if !bytes.Equal(recs[0], fill(250, 10, 10)) {
		t.Errorf("PNG record wrong: % x", recs[0][:6])
	}
	if !bytes.Equal(recs[1], fill(0, 0, 0)) {
		t.Errorf("transparent PNG not composited on black: % x", recs[1][:6])
	}
	for i := 0; i < len(recs[2]); i += 3 { // JPEG is lossy: close to (40,160,90)
		if d := int(recs[2][i+1]) - 160; d > 3 || d < -3 {
			t.Fatalf("JPEG record pixel %d: % x", i/3, recs[2][i:i+3])
		}
	}
	if !bytes.Equal(recs[3], fill(10, 20, 30)) {
		t.Errorf("GIF record wrong: % x", recs[3][:6])
	}
	if !bytes.Equal(recs[4], fill(1, 2, 3)) {
		t.Errorf("BMP record wrong: % x", recs[4][:6])
	}
	// The lossless WebP is 24x16 with R=10x, G=15y, B=200: the centre crop
	// starts at x=4 and needs no resize at 16 px.
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			p := recs[5][3*(16*y+x):]
			if p[0] != byte(10*(x+4)) || p[1] != byte(15*y) || p[2] != 200 {
				t.Fatalf("WebP pixel (%d,%d) = % x", x, y, p[:3])
			}
		}
	}

	// Same options and seed: byte-identical dataset; zip and tar.gz give the same content.
	first := imagesettest.DirBytes(t, out)
	for _, input := range []string{in, filepath.Join(tmp, "in.zip"), filepath.Join(tmp, "in.tar.gz")} {
		out2 := filepath.Join(tmp, "again")
		if code, stderr := runPrep(t, append(append([]string{"--out", out2}, common...), input)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", input, code, stderr)
		}
		again := imagesettest.DirBytes(t, out2)
		for name, b := range first {
			if name == shard.ManifestName {
				continue // records the source path
			}
			if !bytes.Equal(again[name], b) {
				t.Errorf("%s: %s differs from the folder run", input, name)
			}
		}
		m2, err := shard.Load(out2)
		if err != nil || m2.ContentHash != m.ContentHash {
			t.Errorf("%s: content hash %v / %v", input, m2, err)
		}
	}

	// Re-running with other options replaces the dataset whole.
	imagesettest.WriteTree(t, out, map[string][]byte{"train-00042.shard": []byte("stale")})
	args := append(append([]string{"--out", out, "--shard-size", "2", "--holdout", "0.5", "--seed", "3"}, common...), in)
	if code, stderr := runPrep(t, args...); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	m3, err := shard.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	got := imagesettest.DirBytes(t, out)
	if _, ok := got["train-00042.shard"]; ok {
		t.Error("stale shard survived the re-run")
	}
	if len(got) != 1+len(m3.Train.Shards)+len(m3.Holdout.Shards) || m3.Counts.Holdout == 0 || m3.Counts.Kept != 6 {
		t.Errorf("after re-run: %d files, counts %+v", len(got), m3.Counts)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Errorf("staging leftovers beside the dataset: %v", ents)
	}
}

func TestBuiltin(t *testing.T) {
	out := filepath.Join(t.TempDir(), "builtin")
	code, stderr := runPrep(t, "--builtin", "30", "--size", "32", "--holdout", "0.1", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "prep: ") || !strings.Contains(stderr, "images/s") {
		t.Errorf("no summary line in %q", stderr)
	}
	m, err := shard.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Inputs != 30 || m.Size != 32 || m.Source != "builtin:toon" {
		t.Errorf("manifest %+v", m)
	}
}

func TestExitCodes(t *testing.T) {
	tmp := t.TempDir()
	files, _ := inputFiles(t)
	in := filepath.Join(tmp, "in")
	imagesettest.WriteTree(t, in, files)
	bad := filepath.Join(tmp, "bad")
	imagesettest.WriteTree(t, bad, map[string][]byte{"x.txt": []byte("hi"), "y.png": nil})
	blocker := filepath.Join(tmp, "file")
	imagesettest.WriteTree(t, tmp, map[string][]byte{"file": []byte("x")})
	o := func() string { return filepath.Join(t.TempDir(), "o") }
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no input", []string{"--out", o()}, 2, "no INPUT"},
		{"no out", []string{in}, 2, "out"},
		{"two inputs", []string{"--out", o(), in, in}, 2, "one INPUT"},
		{"input and builtin", []string{"--out", o(), "--builtin", "3", in}, 2, "either"},
		{"bad crop", []string{"--out", o(), "--crop", "diagonal", in}, 2, "crop"},
		{"bad size", []string{"--out", o(), "--size", "0", in}, 2, "size"},
		{"bad background", []string{"--out", o(), "--background", "plaid", in}, 2, "background"},
		{"bad holdout", []string{"--out", o(), "--holdout", "0.9", in}, 2, "holdout"},
		{"unknown flag", []string{"--out", o(), "--colour", "x", in}, 2, "flag provided but not defined"},
		{"workers", []string{"--out", o(), "--workers", "100000", in}, 2, "--workers 100000 out of range 0..256"},
		{"max pixels", []string{"--out", o(), "--max-pixels", "1e15", in}, 2, "--max-pixels 1e+15 out of range"},
		{"builtin", []string{"--out", o(), "--builtin", "2000000"}, 2, "--builtin 2000000 out of range"},
		{"shard size", []string{"--out", o(), "--shard-size", "0", in}, 2, "--shard-size 0 out of range"},
		{"missing input", []string{"--out", o(), filepath.Join(tmp, "nope")}, 1, "nope"},
		{"only bad files", []string{"--out", o(), bad}, 1, "no usable images"},
		{"strict", []string{"--out", o(), "--strict", in}, 1, "--strict"},
		{"unwritable out", []string{"--out", filepath.Join(blocker, "ds"), in}, 1, "output"},
	} {
		code, stderr := runPrep(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", tc.name, code, stderr, tc.code, tc.want)
		}
	}
}
