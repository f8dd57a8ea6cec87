// Package imagesettest holds what the tests of prep and package imageset
// share: writing an input tree, and reading a dataset folder back.
package imagesettest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/toongan/toongan/pkg/shard"
)

// WriteTree creates files under dir (names with slashes make folders).
func WriteTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// DirBytes returns the contents of every file directly in dir, by name.
func DirBytes(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// Records returns every record of the dataset, train then holdout.
func Records(t testing.TB, m *shard.Manifest) [][]byte {
	t.Helper()
	var out [][]byte
	if err := m.EachRecord(func(rec []byte) error {
		out = append(out, slices.Clone(rec))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
