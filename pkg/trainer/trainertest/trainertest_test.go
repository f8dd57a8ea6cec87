package trainertest

import (
	"path/filepath"
	"testing"

	"github.com/toongan/toongan/pkg/shard"
)

// TestWriteDatasetHash: the dataset's content_hash is the one the manifest
// defines (over per-record digests), as prep writes it.
func TestWriteDatasetHash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	got, err := WriteDataset(dir, 7, 8, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.ReadContentHash()
	if err != nil {
		t.Fatal(err)
	}
	if got != want || m.ContentHash != want {
		t.Errorf("content hash %s (manifest %s), the records' is %s", got, m.ContentHash, want)
	}
}
