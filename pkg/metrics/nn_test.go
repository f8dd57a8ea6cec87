package metrics

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestResize(t *testing.T) {
	m := Image{C: 1, H: 2, W: 4, Pix: []float32{1, 3, 5, 7, 2, 4, 6, 8}}
	r := Resize(m, 1, 2)
	if !slices.Equal(r.Pix, []float32{2.5, 6.5}) {
		t.Errorf("4x2 -> 2x1 = %v", r.Pix)
	}
	// 3 -> 2: target 0 covers source 0 fully and half of 1: (a + b/2)/1.5.
	r = Resize(Image{C: 1, H: 1, W: 3, Pix: []float32{3, 6, 9}}, 1, 2)
	if math.Abs(float64(r.Pix[0]-4)) > 1e-6 || math.Abs(float64(r.Pix[1]-8)) > 1e-6 {
		t.Errorf("3 -> 2 = %v, want [4 8]", r.Pix)
	}
}

func TestConverters(t *testing.T) {
	n := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	n.SetNRGBA(0, 0, color.NRGBA{0, 255, 51, 255})
	n.SetNRGBA(1, 0, color.NRGBA{255, 0, 204, 128})
	m := FromNRGBA(n)
	want := []float32{-1, 1, 1, -1, 51/127.5 - 1, 204/127.5 - 1}
	for i := range want {
		if math.Abs(float64(m.Pix[i]-want[i])) > 1e-6 {
			t.Fatalf("FromNRGBA = %v, want %v", m.Pix, want)
		}
	}
	back := ToNRGBA(m)
	if back.NRGBAAt(0, 0) != (color.NRGBA{0, 255, 51, 255}) || back.NRGBAAt(1, 0) != (color.NRGBA{255, 0, 204, 255}) {
		t.Errorf("ToNRGBA round trip: %v %v", back.NRGBAAt(0, 0), back.NRGBAAt(1, 0))
	}
	hwc, err := FromHWC8([]uint8{0, 255, 51, 255, 0, 204}, 1, 2, 3)
	if err != nil || !slices.Equal(hwc.Pix, m.Pix) {
		t.Errorf("FromHWC8 = %v, %v; want %v", hwc.Pix, err, m.Pix)
	}
	if _, err := FromHWC8([]uint8{1}, 1, 2, 3); err == nil {
		t.Error("FromHWC8 accepted a short record")
	}
	g := image.NewGray(image.Rect(0, 0, 2, 1))
	g.SetGray(1, 0, color.Gray{255})
	if p := FromImages([]image.Image{g})[0].Pix; !slices.Equal(p, []float32{-1, 1, -1, 1, -1, 1}) {
		t.Errorf("FromImages(gray) = %v", p)
	}
	data := make([]float32, 2*3*4*5)
	imgs, err := FromNCHW(data, 2, 3, 4, 5)
	if err != nil || len(imgs) != 2 || &imgs[1].Pix[0] != &data[60] {
		t.Errorf("FromNCHW: %v", err)
	}
	if _, err := FromNCHW(data, 3, 3, 4, 5); err == nil {
		t.Error("FromNCHW accepted a wrong length")
	}
}

func rms(a, b Image) float64 {
	var s float64
	for i := range a.Pix {
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(a.Pix)))
}

func TestNearestBruteForce(t *testing.T) {
	q, ref := synth(37, 16, 7), synth(300, 16, 8)
	nn, err := Nearest(q, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range q {
		best, bd := -1, math.Inf(1)
		for j, r := range ref {
			if d := rms(m, r); d < bd {
				best, bd = j, d
			}
		}
		if nn.Index[i] != best || math.Abs(nn.Dist[i]-bd) > 1e-9 {
			t.Fatalf("query %d: got %d at %g, brute force %d at %g", i, nn.Index[i], nn.Dist[i], best, bd)
		}
	}
	if _, err := Nearest(q, synth(3, 8, 1), 0); err == nil {
		t.Error("different sizes accepted at full resolution")
	}
	if _, err := Nearest(q, synth(3, 8, 1), 8); err != nil {
		t.Errorf("resized comparison: %v", err)
	}
}

func TestMemorisation(t *testing.T) {
	train := synth(80, 32, 1)
	held := synth(40, 32, 2)
	gen := synth(40, 32, 3)
	// Plant two exact copies and a noisy copy (~1 grey level).
	gen[4] = train[17]
	r := rand.New(rand.NewPCG(4, 4))
	noisy := Image{C: 3, H: 32, W: 32, Pix: slices.Clone(train[50].Pix)}
	for i := range noisy.Pix {
		noisy.Pix[i] += float32(r.NormFloat64() * 0.01)
	}
	gen[21] = noisy
	gen[33] = train[3]
	rep, err := Memorisation(gen, held, train, DefaultMemo())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("threshold %.4f, medians gen %.3f held %.3f, flagged %+v", rep.Threshold, rep.GenMedian, rep.HeldMedian, rep.Flagged)
	want := []Match{{Gen: 4, Train: 17}, {Gen: 33, Train: 3}, {Gen: 21, Train: 50}}
	if len(rep.Flagged) != len(want) {
		t.Fatalf("flagged %+v, want %+v", rep.Flagged, want)
	}
	for i, w := range want {
		if f := rep.Flagged[i]; f.Gen != w.Gen || f.Train != w.Train {
			t.Errorf("flagged[%d] = %+v, want %+v", i, f, w)
		}
	}
	if rep.Flagged[0].Dist != 0 || !(rep.Flagged[2].Dist > 0) {
		t.Errorf("distances %+v", rep.Flagged)
	}
	if !(rep.Ratio > 0.8 && rep.Ratio < 1.25) {
		t.Errorf("median ratio %g for a generator of the same distribution", rep.Ratio)
	}
	// A generator that only copies has a ratio near 0.
	rep, _ = Memorisation(train[:20], held, train, DefaultMemo())
	if rep.Ratio != 0 || len(rep.Flagged) != 20 {
		t.Errorf("copying generator: ratio %g, %d flagged", rep.Ratio, len(rep.Flagged))
	}
}

func TestPercentile(t *testing.T) {
	x := []float64{5, 1, 3, 2, 4}
	for _, c := range []struct{ p, want float64 }{{0, 1}, {50, 3}, {100, 5}, {25, 2}, {10, 1.4}} {
		if got := Percentile(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Percentile(%g) = %g, want %g", c.p, got, c.want)
		}
	}
}

func TestDiversity(t *testing.T) {
	a, b := synth(60, 32, 1), synth(60, 32, 2)
	rep, err := Diversity(a, b, 16, DefaultCollapseRatio)
	if err != nil {
		t.Fatal(err)
	}
	if !(rep.Ratio > 0.85 && rep.Ratio < 1.15) || rep.Collapsed {
		t.Errorf("same distribution: %+v", rep)
	}
	// Collapsed: one mode with slight noise.
	r := rand.New(rand.NewPCG(5, 5))
	col := make([]Image, 60)
	for i := range col {
		m := Image{C: 3, H: 32, W: 32, Pix: slices.Clone(a[0].Pix)}
		for j := range m.Pix {
			m.Pix[j] += float32(r.NormFloat64() * 0.02)
		}
		col[i] = m
	}
	rep, err = Diversity(col, b, 16, DefaultCollapseRatio)
	if err != nil {
		t.Fatal(err)
	}
	if !(rep.Ratio < 0.1) || !rep.Collapsed {
		t.Errorf("collapsed set: %+v", rep)
	}
	// Against a direct computation.
	got, _ := MeanPairwiseDist(a[:10], 0)
	var s float64
	for i := 0; i < 10; i++ {
		for j := i + 1; j < 10; j++ {
			s += rms(a[i], a[j])
		}
	}
	if want := s / 45; math.Abs(got-want) > 1e-4 {
		t.Errorf("MeanPairwiseDist = %g, direct %g", got, want)
	}
	if _, err := MeanPairwiseDist(a[:1], 0); err == nil {
		t.Error("one image accepted")
	}
}
