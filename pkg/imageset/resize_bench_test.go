package imageset

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkResize96to64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 3*96*96)
	for i := range src {
		src[i] = byte(r.IntN(256))
	}
	dst := make([]byte, 3*64*64)
	var rs resizeScratch
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resizeRGB(dst, src, 96, 64, &rs)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkResize96to64Go(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 3*96*96)
	for i := range src {
		src[i] = byte(r.IntN(256))
	}
	dst := make([]byte, 3*64*64)
	tmp := make([]byte, 3*64*96)
	var rs resizeScratch
	wt := lanczosWeights(96, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resizeRows(tmp, src, 96, 64, wt, &rs)
		resizeColumns(dst, tmp, 96, 64, wt, &rs)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
