package imageset

import (
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/fslock"
	"github.com/toongan/toongan/pkg/imageset/imagesettest"
)

// TestPrepareOutputRules checks which output folders prep refuses, and that
// a refused folder (and the input) is left exactly as it was.
func TestPrepareOutputRules(t *testing.T) {
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	img := encodePNG(t, solid(4, 4, white))
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string) (input, out string)
		want  string // "" = success
	}{
		{"manifest without format field", func(t *testing.T, root string) (string, string) {
			out := filepath.Join(root, "x")
			imagesettest.WriteTree(t, out, map[string][]byte{"manifest.json": []byte(`{"manifest_version":3}`), "background.js": []byte("keep")})
			return inputDir(t, root, img), out
		}, "not a toongan dataset"},
		{"dataset with a foreign file", func(t *testing.T, root string) (string, string) {
			in := inputDir(t, root, img)
			out := filepath.Join(root, "ds")
			if _, err := Prepare(context.Background(), Config{Input: in, Out: out, Options: opt}); err != nil {
				t.Fatal(err)
			}
			imagesettest.WriteTree(t, filepath.Join(out, "ckpt"), map[string][]byte{"latest.safetensors": []byte("weights")})
			return in, out
		}, `holds files prep did not write ("ckpt")`},
		{"out is the input", func(t *testing.T, root string) (string, string) {
			in := inputDir(t, root, img)
			return in, in
		}, "is the input"},
		{"out contains the input", func(t *testing.T, root string) (string, string) {
			out := filepath.Join(root, "d")
			in := inputDir(t, out, img)
			return in, out
		}, "contains the input"},
		{"out inside the input", func(t *testing.T, root string) (string, string) {
			in := inputDir(t, root, img)
			return in, filepath.Join(in, "data")
		}, "inside the input"},
		{"out is a file", func(t *testing.T, root string) (string, string) {
			imagesettest.WriteTree(t, root, map[string][]byte{"f": []byte("keep")})
			return inputDir(t, root, img), filepath.Join(root, "f")
		}, "not a folder"},
		{"empty folder", func(t *testing.T, root string) (string, string) {
			out := filepath.Join(root, "empty")
			os.Mkdir(out, 0o755)
			return inputDir(t, root, img), out
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			in, out := tc.setup(t, root)
			before := treeBytes(t, root)
			_, err := Prepare(context.Background(), Config{Input: in, Out: out, Options: opt})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if after := treeBytes(t, root); !sameTree(before, after) {
				t.Errorf("a refused run changed files: before %v after %v", keys(before), keys(after))
			}
		})
	}
}

func TestPrepareSymlinkOut(t *testing.T) {
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	root := t.TempDir()
	in := inputDir(t, root, encodePNG(t, solid(4, 4, white)))
	real := filepath.Join(root, "real")
	if _, err := Prepare(context.Background(), Config{Input: in, Out: real, Options: opt}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	imagesettest.WriteTree(t, in, map[string][]byte{"b.png": encodePNG(t, solid(4, 4, color.NRGBA{A: 255}))})
	sum, err := Prepare(context.Background(), Config{Input: in, Out: link, Options: opt})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link", link)
	}
	if sum.Manifest.Counts.Kept != 2 {
		t.Errorf("kept %d, want 2", sum.Manifest.Counts.Kept)
	}
	if _, err := os.Stat(filepath.Join(real, "manifest.json")); err != nil {
		t.Errorf("target not renewed: %v", err)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 3 { // in, real, link: no lock or staging left
		t.Errorf("entries beside the dataset: %v", ents)
	}
}

func TestPrepareLocked(t *testing.T) {
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	root := t.TempDir()
	in := inputDir(t, root, encodePNG(t, solid(4, 4, white)))
	out := filepath.Join(root, "ds")
	l, err := fslock.Acquire(filepath.Join(root, ".ds.lock"), out)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = Prepare(context.Background(), Config{Input: in, Out: out, Options: opt})
	if !errors.Is(err, fslock.ErrLocked) {
		t.Fatalf("Prepare while locked = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("locked run created %s", out)
	}
}

func inputDir(t *testing.T, root string, img []byte) string {
	in := filepath.Join(root, "raw")
	imagesettest.WriteTree(t, in, map[string][]byte{"a.png": img})
	return in
}

// treeBytes maps every file below root (relative names) to its content.
func treeBytes(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel+"/"] = nil
			return nil
		}
		b, _ := os.ReadFile(p)
		out[rel] = b
		return nil
	})
	return out
}

func sameTree(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || string(v) != string(w) {
			return false
		}
	}
	return true
}
