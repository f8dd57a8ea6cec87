package imageset

import (
	"bytes"
	"context"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// TestSameAsV1Fixture: today's prep writes byte for byte the shards of the
// dataset prep wrote at commit eaf477e (pkg/shard/testdata/v1-builtin12:
// --builtin 12 --size 32 --holdout 0.25 --shard-size 5, seed 1).
func TestSameAsV1Fixture(t *testing.T) {
	const fixture = "../shard/testdata/v1-builtin12"
	out := filepath.Join(t.TempDir(), "data")
	opt := Options{Size: 32, Crop: CropCenter, Background: color.NRGBA{255, 255, 255, 255}, MaxPixels: DefaultMaxPixels}
	if _, err := Prepare(context.Background(), Config{Builtin: 12, Out: out, Options: opt, Holdout: 0.25, Seed: 1, ShardSize: 5}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"train-00000.shard", "train-00001.shard", "holdout-00000.shard"} {
		want, err := os.ReadFile(filepath.Join(fixture, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the one prep wrote at eaf477e", name)
		}
	}
}
