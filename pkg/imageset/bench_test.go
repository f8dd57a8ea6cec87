package imageset

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// sharedArchive is the project's shared benchmark data (../shared beside the
// repository, as in CI); benchmarks that need it are skipped when it is absent.
const sharedArchive = "../../../shared/data/anime-faces-96.tar.gz"

// BenchmarkPrepareAnime runs the whole prep pipeline on the shared archive
// (24,000 96x96 JPEGs) to 64 px and reports images/s.
func BenchmarkPrepareAnime(b *testing.B) {
	if _, err := os.Stat(sharedArchive); err != nil {
		b.Skip("shared archive absent")
	}
	opt := Options{Size: 64, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "ds")
		sum, err := Prepare(context.Background(), Config{Input: sharedArchive, Out: out, Options: opt, Holdout: 0.05, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Manifest.Counts.Inputs)/sum.Elapsed.Seconds(), "images/s")
	}
}
