package imageset

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toongan/toongan/pkg/imageset/imagesettest"
	"github.com/toongan/toongan/pkg/shard"
)

// cancelAfter is a Progress that cancels a context after n images.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Add(k int) {
	c.n -= k
	if c.n <= 0 {
		c.cancel()
	}
}
func (c *cancelAfter) Finish() {}

func pngs(t *testing.T, n int) map[string][]byte {
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("img-%03d.png", i)] = encodePNG(t, solid(8, 8, color.NRGBA{uint8(i), uint8(i * 7), 3, 255}))
	}
	return files
}

func TestPrepareHostileInputs(t *testing.T) {
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}

	t.Run("fifo input", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "in.tar")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := runWithTimeout(t, Config{Input: fifo, Out: filepath.Join(t.TempDir(), "o"), Options: opt})
		if err == nil || !strings.Contains(err.Error(), "FIFO") {
			t.Fatalf("error %v, want one saying the input is a FIFO", err)
		}
	})

	t.Run("fifo in folder", func(t *testing.T) {
		in := t.TempDir()
		imagesettest.WriteTree(t, in, pngs(t, 3))
		if err := syscall.Mkfifo(filepath.Join(in, "trap.png"), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := runWithTimeout(t, Config{Input: in, Out: filepath.Join(t.TempDir(), "o"), Options: opt})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Manifest.Counts.Kept != 3 {
			t.Errorf("kept %d, want 3", sum.Manifest.Counts.Kept)
		}
	})

	t.Run("encrypted zip entry", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, b := range pngs(t, 2) {
			w, _ := zw.Create(name)
			w.Write(b)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "secret.png", Method: zip.Deflate, Flags: 0x1})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("ciphertext ciphertext ciphertext"))
		zw.Close()
		in := filepath.Join(t.TempDir(), "in.zip")
		os.WriteFile(in, buf.Bytes(), 0o644)
		var warn bytes.Buffer
		sum, err := runWithTimeout(t, Config{Input: in, Out: filepath.Join(t.TempDir(), "o"), Options: opt, Warn: &warn})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Manifest.SkippedByReason[ReasonEncrypted] != 1 || !strings.Contains(warn.String(), "encrypted") {
			t.Errorf("skipped %v, warnings %q: want secret.png skipped as encrypted", sum.Manifest.SkippedByReason, warn.String())
		}
	})

	t.Run("names are quoted", func(t *testing.T) {
		in := t.TempDir()
		files := pngs(t, 2)
		files["evil\nwarning: all good.png"] = []byte("not an image")
		files["bad-\xff-name.png"] = []byte("not an image either")
		imagesettest.WriteTree(t, in, files)
		var warn bytes.Buffer
		sum, err := runWithTimeout(t, Config{Input: in, Out: filepath.Join(t.TempDir(), "o"), Options: opt, Warn: &warn})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(warn.String()), "\n") {
			if !strings.HasPrefix(line, "warning: skipping ") {
				t.Errorf("warning output has a forged line %q", line)
			}
		}
		found := false
		for _, sk := range sum.Manifest.Skipped {
			if string(sk.FileBytes) == "bad-\xff-name.png" {
				found = true
				if _, err := os.Stat(filepath.Join(in, string(sk.FileBytes))); err != nil {
					t.Errorf("the manifest's name does not find the file: %v", err)
				}
			}
		}
		if !found {
			t.Errorf("manifest skipped list %+v lacks the exact bytes of the non-UTF-8 name", sum.Manifest.Skipped)
		}
		if _, err := shard.Load(sum.Manifest.Dir()); err != nil {
			t.Errorf("manifest does not load: %v", err)
		}
	})

	t.Run("truncated tar.gz names the cause", func(t *testing.T) {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for i := range 60 {
			// Incompressible content, so that truncation lands inside an entry.
			b := make([]byte, 4000)
			for j := range b {
				b[j] = byte((i*31 + j*j*7) ^ (j >> 3))
			}
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%02d.png", i), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
			tw.Write(b)
		}
		tw.Close()
		gz.Close()
		in := filepath.Join(t.TempDir(), "in.tar.gz")
		os.WriteFile(in, buf.Bytes()[:buf.Len()/2], 0o644)
		_, err := runWithTimeout(t, Config{Input: in, Out: filepath.Join(t.TempDir(), "o"), Options: opt, Workers: 2})
		if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "record of") {
			t.Fatalf("error %v, want the archive's unexpected EOF", err)
		}
	})

	t.Run("cancelled run reports cancellation", func(t *testing.T) {
		for range 5 {
			ctx, cancel := context.WithCancel(context.Background())
			out := filepath.Join(t.TempDir(), "o")
			_, err := Prepare(ctx, Config{Builtin: 3000, Out: out, Options: opt, Workers: 2,
				NewProgress: func(int64) Progress { return &cancelAfter{n: 50, cancel: cancel} }})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("cancelled run left %s", out)
			}
		}
	})
}

// runWithTimeout runs Prepare and fails the test if it blocks (a FIFO
// opened for reading would).
func runWithTimeout(t *testing.T, cfg Config) (Summary, error) {
	t.Helper()
	type res struct {
		s   Summary
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := Prepare(context.Background(), cfg)
		ch <- res{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(30 * time.Second):
		t.Fatal("Prepare blocked")
	}
	return Summary{}, nil
}
