package shard

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRecognise checks that a dataset folder is recognised by its
// manifest's format field, and nothing else is.
func TestRecognise(t *testing.T) {
	write := func(t *testing.T, manifest string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tc := range []struct {
		name  string
		dir   func(t *testing.T) string
		files []string // nil: not a dataset
	}{
		{"v1 fixture", func(*testing.T) string { return filepath.Join("testdata", "v1-builtin12") },
			[]string{ManifestName, "train-00000.shard", "train-00001.shard", "holdout-00000.shard"}},
		{"format field only", func(t *testing.T) string { return write(t, `{"format":"toongan-dataset"}`) }, []string{ManifestName}},
		{"other format", func(t *testing.T) string { return write(t, `{"format":"webpack-manifest"}`) }, nil},
		{"no format field", func(t *testing.T) string { return write(t, `{"manifest_version":3}`) }, nil},
		{"not JSON", func(t *testing.T) string { return write(t, `CACHE MANIFEST`) }, nil},
		{"no manifest", func(t *testing.T) string { return t.TempDir() }, nil},
		{"manifest is /dev/zero", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.Symlink("/dev/zero", filepath.Join(dir, ManifestName)); err != nil {
				t.Fatal(err)
			}
			return dir
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Recognise(tc.dir(t))
			if tc.files == nil {
				if !errors.Is(err, ErrNotDataset) {
					t.Fatalf("Recognise = %v, %v; want ErrNotDataset", files, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(files)
			slices.Sort(tc.files)
			if !slices.Equal(files, tc.files) {
				t.Errorf("files %v, want %v", files, tc.files)
			}
		})
	}
}
