package toon

import (
	"bytes"
	"image"
	"math"
	"sync"
	"testing"
)

func TestDeterministic(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40, math.MaxUint64} {
		a, b := Face(seed, 64), Face(seed, 64)
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("seed %d: two renders differ", seed)
		}
	}
}

func TestSeedsDiffer(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(0); seed < 100; seed++ {
		k := string(Face(seed, 32).Pix)
		if prev, ok := seen[k]; ok {
			t.Errorf("seeds %d and %d render identical images", prev, seed)
		}
		seen[k] = seed
	}
}

func TestConcurrent(t *testing.T) {
	const n = 32
	want := make([][]byte, n)
	for i := range want {
		want[i] = Face(uint64(i), 48).Pix
	}
	var wg sync.WaitGroup
	got := make([][]byte, n)
	for i := range got {
		wg.Go(func() { got[i] = Face(uint64(i), 48).Pix })
	}
	wg.Wait()
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("seed %d: concurrent render differs from serial", i)
		}
	}
}

func TestSizes(t *testing.T) {
	for _, size := range []int{1, 2, 32, 48, 64, 96, 128, 256} {
		for seed := uint64(0); seed < 5; seed++ {
			img := Face(seed, size)
			if want := image.Rect(0, 0, size, size); img.Rect != want {
				t.Fatalf("size %d: bounds %v, want %v", size, img.Rect, want)
			}
			if len(img.Pix) != 4*size*size || img.Stride != 4*size {
				t.Fatalf("size %d: len(Pix)=%d stride=%d", size, len(img.Pix), img.Stride)
			}
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] != 255 {
					t.Fatalf("size %d seed %d: pixel %d alpha %d, want 255", size, seed, i/4, img.Pix[i])
				}
			}
		}
	}
	for _, size := range []int{0, -3} {
		if img := Face(1, size); !img.Rect.Empty() {
			t.Errorf("size %d: bounds %v, want empty", size, img.Rect)
		}
	}
}

// TestSameFaceAcrossSizes checks that the parameters, not the size, decide
// the face: a 128 px render box-downsampled to 64 px is close to the 64 px
// render.
func TestSameFaceAcrossSizes(t *testing.T) {
	for seed := uint64(0); seed < 10; seed++ {
		big, small := Face(seed, 128), Face(seed, 64)
		var diff float64
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				for c := 0; c < 3; c++ {
					var s int
					for dy := 0; dy < 2; dy++ {
						for dx := 0; dx < 2; dx++ {
							s += int(big.Pix[(2*y+dy)*big.Stride+4*(2*x+dx)+c])
						}
					}
					diff += math.Abs(float64(s)/4 - float64(small.Pix[y*small.Stride+4*x+c]))
				}
			}
		}
		if mean := diff / (64 * 64 * 3); mean > 12 {
			t.Errorf("seed %d: mean abs difference 128->64 vs 64 is %.1f, want <= 12", seed, mean)
		}
	}
}

func TestVariety(t *testing.T) {
	const n = 200
	distinct := map[string]map[any]bool{}
	count := map[string]int{}
	add := func(k string, v any) {
		if distinct[k] == nil {
			distinct[k] = map[any]bool{}
		}
		distinct[k][v] = true
	}
	q := func(c rgb) [3]int { return [3]int{int(c.r * 8), int(c.g * 8), int(c.b * 8)} }
	var means [][3]float64
	for seed := uint64(0); seed < n; seed++ {
		p := newParams(seed)
		add("shape", p.shape)
		add("hair style", p.hairStyle)
		add("fringe", p.fringe)
		add("hair colour", q(p.hair))
		add("skin", q(p.skin))
		add("eye", p.eye)
		add("iris", q(p.iris))
		add("nose", p.nose)
		add("mouth", p.mouth)
		add("blush", p.blush)
		add("hat", p.hat)
		add("background", q(p.bg1))
		for k, on := range map[string]bool{
			"glasses": p.glasses, "hat": p.hat != hatNone, "ribbon": p.ribbon,
			"earring": p.earring, "blush": p.blush != blushNone, "gradient": p.bgGradient,
			"fantasy skin": p.fantasy, "bald": p.hairStyle == hairBald,
		} {
			if on {
				count[k]++
			}
		}
		img := Face(seed, 32)
		var m [3]float64
		for i := 0; i < len(img.Pix); i += 4 {
			for c := 0; c < 3; c++ {
				m[c] += float64(img.Pix[i+c])
			}
		}
		for c := range m {
			m[c] /= 32 * 32
		}
		means = append(means, m)
	}
	for _, tc := range []struct {
		name string
		min  int
	}{
		{"shape", numShapes}, {"hair style", numHair}, {"fringe", numFringe},
		{"hair colour", 12}, {"skin", 8}, {"eye", numEyes}, {"iris", 8},
		{"nose", numNoses}, {"mouth", numMouths}, {"blush", 3}, {"hat", 3},
		{"background", 30},
	} {
		if got := len(distinct[tc.name]); got < tc.min {
			t.Errorf("%s: %d distinct values over %d seeds, want >= %d", tc.name, got, n, tc.min)
		}
	}
	for _, tc := range []struct {
		name   string
		lo, hi int
	}{
		{"glasses", 10, 60}, {"hat", 15, 70}, {"ribbon", 10, 60}, {"earring", 15, 70},
		{"blush", 40, 140}, {"gradient", 60, 140}, {"fantasy skin", 4, 35}, {"bald", 2, 25},
	} {
		if got := count[tc.name]; got < tc.lo || got > tc.hi {
			t.Errorf("%s: present in %d of %d faces, want %d..%d", tc.name, got, n, tc.lo, tc.hi)
		}
	}
	// The mean colours of the images must spread out.
	var mu, v [3]float64
	for _, m := range means {
		for c := range m {
			mu[c] += m[c] / n
		}
	}
	for _, m := range means {
		for c := range m {
			v[c] += (m[c] - mu[c]) * (m[c] - mu[c]) / n
		}
	}
	for c := range v {
		if sd := math.Sqrt(v[c]); sd < 15 {
			t.Errorf("channel %d: std dev of mean image colour %.1f, want >= 15", c, sd)
		}
	}
}

// TestCentreIsSkin checks that the region between the eyes and the mouth is
// mostly the face's skin colour and not the background.
func TestCentreIsSkin(t *testing.T) {
	const n, size = 200, 64
	good := 0
	for seed := uint64(0); seed < n; seed++ {
		p := newParams(seed)
		img := Face(seed, size)
		skin := p.skin.rgba(1)
		bg := p.bg1.rgba(1)
		var skinPix, bgPix, total int
		for y := size * 60 / 100; y < size*68/100; y++ {
			for x := size * 42 / 100; x < size*58/100; x++ {
				o := y*img.Stride + 4*x
				px := [3]int{int(img.Pix[o]), int(img.Pix[o+1]), int(img.Pix[o+2])}
				total++
				if near(px, [3]int{int(skin.R), int(skin.G), int(skin.B)}, 24) {
					skinPix++
				}
				if near(px, [3]int{int(bg.R), int(bg.G), int(bg.B)}, 8) {
					bgPix++
				}
			}
		}
		if skinPix*2 >= total && bgPix*4 < total {
			good++
		}
	}
	if good < n*9/10 {
		t.Errorf("centre region is skin in %d of %d faces, want >= 90%%", good, n)
	}
}

func near(a, b [3]int, tol int) bool {
	for c := range a {
		if d := a[c] - b[c]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

// TestFillArea compares the anti-aliased coverage of filled and stroked
// shapes with their analytic areas.
func TestFillArea(t *testing.T) {
	tests := []struct {
		name string
		draw func(cv *canvas)
		area float64 // in pixels at size 100
	}{
		{"ellipse", func(cv *canvas) {
			cv.ellipse(0.5, 0.5, 0.3, 0.2, false)
			cv.fill(rgb{}, 1)
		}, math.Pi * 30 * 20},
		{"ring", func(cv *canvas) {
			cv.ellipse(0.5, 0.5, 0.3, 0.3, false)
			cv.ellipse(0.5, 0.5, 0.2, 0.2, true)
			cv.fill(rgb{}, 1)
		}, math.Pi * (30*30 - 20*20)},
		{"circle stroke", func(cv *canvas) {
			cv.ellipse(0.5, 0.5, 0.3, 0.3, false)
			cv.stroke(rgb{}, 1, 0.04)
		}, 2 * math.Pi * 30 * 4},
		{"line stroke", func(cv *canvas) {
			cv.moveTo(0.2, 0.5)
			cv.lineTo(0.8, 0.5)
			cv.stroke(rgb{}, 1, 0.04)
		}, 60*4 + math.Pi*2*2},
		{"spline square-ish", func(cv *canvas) {
			cv.spline([]vec{{0.2, 0.2}, {0.8, 0.2}, {0.8, 0.8}, {0.2, 0.8}})
			cv.fill(rgb{}, 1)
		}, -1}, // just within bounds, checked below
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cv := newCanvas(100)
			for i := range cv.img.Pix {
				cv.img.Pix[i] = 255
			}
			tc.draw(cv)
			var cover float64
			for i := 0; i < len(cv.img.Pix); i += 4 {
				cover += float64(255-cv.img.Pix[i]) / 255
			}
			if tc.area < 0 {
				// A closed Catmull-Rom loop through a square's corners bulges
				// out of the square but stays within its circumcircle.
				if cover < 60*60 || cover > math.Pi*30*30*2 {
					t.Errorf("area %.0f outside (%d, %.0f)", cover, 60*60, math.Pi*30*30*2)
				}
				return
			}
			if rel := math.Abs(cover-tc.area) / tc.area; rel > 0.03 {
				t.Errorf("covered %.1f px, want %.1f (%.1f%% off)", cover, tc.area, 100*rel)
			}
		})
	}
}

func BenchmarkFace64(b *testing.B) {
	b.ReportAllocs()
	var seed uint64
	for b.Loop() {
		Face(seed, 64)
		seed++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkFace128(b *testing.B) {
	var seed uint64
	for b.Loop() {
		Face(seed, 128)
		seed++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
