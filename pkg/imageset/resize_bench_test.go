package imageset

import (
	"image"
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
	var rs resizeScratch
	wt := lanczosWeights(96, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resizeTwoLane(dst, src, 96, 64, wt, &rs)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFromImageJPEG96 is prep's work after decoding for one 96x96
// 4:2:0 JPEG face: colour conversion, transposition and resize to 64.
func BenchmarkFromImageJPEG96(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	m := image.NewYCbCr(image.Rect(0, 0, 96, 96), image.YCbCrSubsampleRatio420)
	for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = byte(r.IntN(256))
		}
	}
	opt := Options{Size: 64, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	dst := make([]byte, opt.RecordSize())
	var s Scratch
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := FromImage(m, opt, dst, &s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
