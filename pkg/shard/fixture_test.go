package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// v1Dataset was written by `prep --out ... --builtin 12 --size 32 --holdout
// 0.25 --shard-size 5` at commit eaf477e (shard and manifest version 1).
// Datasets written then must keep loading with the same pixels.
const (
	v1Dataset     = "testdata/v1-builtin12"
	v1PixelsHash  = "25110df13fba2df26f5ba0e8ad0ef7bbbb95fab8e0ac51d2869234c9357b398f"
	v1ContentHash = "sha256:a5be3136c6095367221eb00d065170cc9194ce1ec6d20db878a15dcaa642c489"
)

func TestV1Dataset(t *testing.T) {
	m, err := Load(v1Dataset)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHash != v1ContentHash || m.Train.Count != 8 || m.Holdout.Count != 4 || m.Size != 32 {
		t.Fatalf("manifest: %d train, %d holdout, size %d, hash %s", m.Train.Count, m.Holdout.Count, m.Size, m.ContentHash)
	}
	pixels, content := sha256.New(), sha256.New()
	for _, p := range append(m.TrainPaths(), m.HoldoutPaths()...) {
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, r.Header().RecordSize())
		for i := range r.Len() {
			if err := r.ReadRecord(i, rec); err != nil {
				t.Fatalf("%s record %d: %v", p, i, err)
			}
			pixels.Write(rec)
			d := sha256.Sum256(rec)
			content.Write(d[:])
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := hex.EncodeToString(pixels.Sum(nil)); got != v1PixelsHash {
		t.Errorf("pixels hash %s, want %s", got, v1PixelsHash)
	}
	if got := "sha256:" + hex.EncodeToString(content.Sum(nil)); got != m.ContentHash {
		t.Errorf("content hash of the records %s, manifest says %s", got, m.ContentHash)
	}
}
