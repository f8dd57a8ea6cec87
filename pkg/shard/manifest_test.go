package shard

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func validManifest() *Manifest {
	return &Manifest{
		Format: ManifestFormat, Version: ManifestVersion, Source: "faces.zip",
		Size: 8, Height: 8, Width: 8, Channels: 3, DType: "uint8", Layout: "HWC",
		Counts:  Counts{Inputs: 7, Kept: 5, Train: 4, Holdout: 1, Duplicates: 1, Skipped: 1},
		Train:   Split{Count: 4, Shards: []ShardInfo{{File: "train-00000.shard", Count: 3}, {File: "train-00001.shard", Count: 1}}},
		Holdout: Split{Count: 1, Shards: []ShardInfo{{File: "holdout-00000.shard", Count: 1}}},
		Params:  map[string]any{"size": 8.0},
		Skipped: []Skip{{File: "x.txt", Reason: "not an image"}}, SkippedByReason: map[string]int{"not an image": 1},
		ContentHash: "sha256:" + strings.Repeat("ab", 32),
	}
}

func TestManifestWriteLoad(t *testing.T) {
	dir := t.TempDir()
	m := validManifest()
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, ManifestName)} {
		got, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Dir() != dir {
			t.Errorf("Dir %q, want %q", got.Dir(), dir)
		}
		wantTrain := []string{filepath.Join(dir, "train-00000.shard"), filepath.Join(dir, "train-00001.shard")}
		if !reflect.DeepEqual(got.TrainPaths(), wantTrain) || !reflect.DeepEqual(got.HoldoutPaths(), []string{filepath.Join(dir, "holdout-00000.shard")}) {
			t.Errorf("paths %v %v", got.TrainPaths(), got.HoldoutPaths())
		}
		got.dir, m.dir = "", ""
		if !reflect.DeepEqual(got, m) {
			t.Errorf("loaded %+v\nwant %+v", got, m)
		}
	}
}

func TestManifestRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(m *Manifest)
		want   string
	}{
		{"format", func(m *Manifest) { m.Format = "other" }, "format"},
		{"version", func(m *Manifest) { m.Version = 9 }, "unknown manifest version 9"},
		{"size", func(m *Manifest) { m.Size = 9 }, "does not match"},
		{"channels", func(m *Manifest) { m.Channels = 0 }, "channel"},
		{"dtype", func(m *Manifest) { m.DType = "float32" }, "dtype"},
		{"path traversal", func(m *Manifest) { m.Train.Shards[0].File = "../x.shard" }, "not a plain file name"},
		{"absolute", func(m *Manifest) { m.Train.Shards[0].File = "/etc/passwd" }, "not a plain file name"},
		{"count mismatch", func(m *Manifest) { m.Train.Count = 9 }, "train count"},
		{"holdout mismatch", func(m *Manifest) { m.Counts.Holdout = 3 }, "holdout count"},
		{"no train", func(m *Manifest) {
			m.Train = Split{Shards: []ShardInfo{}}
			m.Counts.Train, m.Counts.Kept = 0, 1
		}, "no train images"},
		{"kept", func(m *Manifest) { m.Counts.Kept = 2 }, "counts.kept"},
		{"hash", func(m *Manifest) { m.ContentHash = "md5:00" }, "content_hash"},
		{"empty shard", func(m *Manifest) {
			m.Holdout.Shards[0].Count = 0
			m.Holdout.Count, m.Counts.Holdout, m.Counts.Kept = 0, 0, 4
		}, "has 0 records"},
	} {
		m := validManifest()
		tc.mutate(m)
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	dir := t.TempDir()
	for name, content := range map[string]string{"bad-json": "{", "trailing": `{"format":"toongan-dataset"} {}`, "array": "[]"} {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming %s", name, err, p)
		}
	}
	if _, err := Load(filepath.Join(dir, "nothing")); err == nil || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("missing: %v", err)
	}
}
