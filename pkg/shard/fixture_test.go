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
	pixels := sha256.New()
	for _, split := range []Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, set.Header().RecordSize())
		for i := range set.Len() {
			if err := set.Read(i, rec); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			pixels.Write(rec)
		}
		if err := set.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := hex.EncodeToString(pixels.Sum(nil)); got != v1PixelsHash {
		t.Errorf("pixels hash %s, want %s", got, v1PixelsHash)
	}
	if got, err := m.ReadContentHash(); err != nil || got != m.ContentHash {
		t.Errorf("content hash of the records %s (%v), manifest says %s", got, err, m.ContentHash)
	}
}
