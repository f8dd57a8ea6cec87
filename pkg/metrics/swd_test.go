package metrics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// synth draws n textured images: a random two-colour gradient, random
// rectangles and discs of random colours, and pixel noise; clamped to [-1, 1].
func synth(n, side int, seed uint64) []Image {
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([]Image, n)
	for i := range out {
		m := Image{C: 3, H: side, W: side, Pix: make([]float32, 3*side*side)}
		var c0, c1 [3]float64
		for c := range 3 {
			c0[c], c1[c] = r.Float64()*2-1, r.Float64()*2-1
		}
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				t := float64(x+y) / float64(2*side)
				for c := range 3 {
					m.Pix[(c*side+y)*side+x] = float32(c0[c]*(1-t) + c1[c]*t)
				}
			}
		}
		for range 6 {
			var col [3]float32
			for c := range col {
				col[c] = float32(r.Float64()*2 - 1)
			}
			cx, cy := r.Float64()*float64(side), r.Float64()*float64(side)
			rad := (0.05 + 0.2*r.Float64()) * float64(side)
			disc := r.IntN(2) == 0
			for y := 0; y < side; y++ {
				for x := 0; x < side; x++ {
					dx, dy := float64(x)-cx, float64(y)-cy
					in := math.Abs(dx) < rad && math.Abs(dy) < rad*0.7
					if disc {
						in = dx*dx+dy*dy < rad*rad
					}
					if in {
						for c := range 3 {
							m.Pix[(c*side+y)*side+x] = col[c]
						}
					}
				}
			}
		}
		for j := range m.Pix {
			m.Pix[j] = min(max(m.Pix[j]+float32(r.NormFloat64()*0.05), -1), 1)
		}
		out[i] = m
	}
	return out
}

// boxBlur blurs each image with a (2r+1)^2 box, clamped borders.
func boxBlur(imgs []Image, r int) []Image {
	out := make([]Image, len(imgs))
	for i, m := range imgs {
		b := Image{C: m.C, H: m.H, W: m.W, Pix: make([]float32, len(m.Pix))}
		for c := 0; c < m.C; c++ {
			for y := 0; y < m.H; y++ {
				for x := 0; x < m.W; x++ {
					var s float32
					for dy := -r; dy <= r; dy++ {
						for dx := -r; dx <= r; dx++ {
							s += m.At(c, min(max(x+dx, 0), m.W-1), min(max(y+dy, 0), m.H-1))
						}
					}
					b.Pix[(c*m.H+y)*m.W+x] = s / float32((2*r+1)*(2*r+1))
				}
			}
		}
		out[i] = b
	}
	return out
}

// mixColours rotates colours: each channel takes fraction t of the next one.
func mixColours(imgs []Image, t float32) []Image {
	out := make([]Image, len(imgs))
	for i, m := range imgs {
		b := Image{C: 3, H: m.H, W: m.W, Pix: make([]float32, len(m.Pix))}
		hw := m.H * m.W
		for c := 0; c < 3; c++ {
			n := (c + 1) % 3
			for j := 0; j < hw; j++ {
				b.Pix[c*hw+j] = (1-t)*m.Pix[c*hw+j] + t*m.Pix[n*hw+j]
			}
		}
		out[i] = b
	}
	return out
}

func TestMirror(t *testing.T) {
	// scipy.ndimage mode "mirror" on n=4: ... 2 1 | 0 1 2 3 | 2 1 0 ...
	want := map[int]int{-3: 3, -2: 2, -1: 1, 0: 0, 3: 3, 4: 2, 5: 1, 6: 0, 7: 1}
	for i, w := range want {
		if got := mirror(i, 4); got != w {
			t.Errorf("mirror(%d, 4) = %d, want %d", i, got, w)
		}
	}
	if mirror(5, 1) != 0 {
		t.Error("mirror on length 1")
	}
}

// conv2DMirror is a direct (non-separable) 5x5 convolution with ProGAN's
// gaussian_filter and mirror borders: the reference for pyrDown/pyrUp.
func conv2DMirror(m Image, gain float64) Image {
	g := [5]float64{1, 4, 6, 4, 1}
	out := Image{C: m.C, H: m.H, W: m.W, Pix: make([]float32, len(m.Pix))}
	for c := 0; c < m.C; c++ {
		for y := 0; y < m.H; y++ {
			for x := 0; x < m.W; x++ {
				var s float64
				for dy := -2; dy <= 2; dy++ {
					for dx := -2; dx <= 2; dx++ {
						s += g[dy+2] * g[dx+2] / 256 * float64(m.At(c, mirror(x+dx, m.W), mirror(y+dy, m.H)))
					}
				}
				out.Pix[(c*m.H+y)*m.W+x] = float32(s * gain)
			}
		}
	}
	return out
}

func TestPyramidAgainstDirectConvolution(t *testing.T) {
	m := synth(1, 16, 3)[0]
	m = Image{C: 3, H: 16, W: 12, Pix: m.Pix[:3*16*12]}
	// pyrDown = full 2-D blur, then [::2, ::2].
	full := conv2DMirror(m, 1)
	down := pyrDown(m)
	if down.H != 8 || down.W != 6 {
		t.Fatalf("pyrDown size %dx%d", down.H, down.W)
	}
	for c := 0; c < 3; c++ {
		for y := 0; y < 8; y++ {
			for x := 0; x < 6; x++ {
				if d := down.At(c, x, y) - full.At(c, 2*x, 2*y); math.Abs(float64(d)) > 1e-5 {
					t.Fatalf("pyrDown(%d,%d,%d) off by %g", c, x, y, d)
				}
			}
		}
	}
	// pyrUp = zero insertion, then 4x the 2-D blur.
	z := Image{C: 3, H: 16, W: 12, Pix: make([]float32, 3*16*12)}
	for c := 0; c < 3; c++ {
		for y := 0; y < 8; y++ {
			for x := 0; x < 6; x++ {
				z.Pix[(c*16+2*y)*12+2*x] = down.At(c, x, y)
			}
		}
	}
	ref := conv2DMirror(z, 4)
	up := pyrUp(down, 16, 12)
	for j := range ref.Pix {
		if d := up.Pix[j] - ref.Pix[j]; math.Abs(float64(d)) > 1e-5 {
			t.Fatalf("pyrUp[%d] off by %g", j, d)
		}
	}
	// The Laplacian pyramid collapses back to the image.
	pyr := laplacianPyramid(m, 3)
	if len(pyr) != 3 || pyr[2].H != 4 || pyr[2].W != 3 {
		t.Fatalf("pyramid levels %d, coarsest %dx%d", len(pyr), pyr[2].H, pyr[2].W)
	}
	rec := pyr[2]
	for l := 1; l >= 0; l-- {
		up := pyrUp(rec, pyr[l].H, pyr[l].W)
		for j := range up.Pix {
			up.Pix[j] += pyr[l].Pix[j]
		}
		rec = up
	}
	for j := range m.Pix {
		if d := rec.Pix[j] - m.Pix[j]; math.Abs(float64(d)) > 1e-5 {
			t.Fatalf("collapsed pyramid differs at %d by %g", j, d)
		}
	}
	// A constant image has zero Laplacian bands and passes through pyrUp.
	k := Image{C: 1, H: 8, W: 8, Pix: slices.Repeat([]float32{0.3}, 64)}
	for _, v := range pyrUp(pyrDown(k), 8, 8).Pix {
		if math.Abs(float64(v-0.3)) > 1e-6 {
			t.Fatalf("constant image changed to %g", v)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, c := range []struct {
		h, w int
		want []int
	}{{64, 64, []int{64, 32, 16}}, {96, 96, []int{96, 48, 24}}, {32, 32, []int{32, 16}}, {128, 128, []int{128, 64, 32, 16}}, {8, 8, nil}, {64, 40, []int{40, 20}}} {
		if got := levels(c.h, c.w, 16); !slices.Equal(got, c.want) {
			t.Errorf("levels(%d, %d) = %v, want %v", c.h, c.w, got, c.want)
		}
	}
}

func TestWasserstein1(t *testing.T) {
	cases := []struct {
		x, y []float32
		want float64
	}{
		{[]float32{0, 1}, []float32{1, 2}, 1},
		{[]float32{0, 1, 5}, []float32{0, 1, 5}, 0},
		{[]float32{0}, []float32{0, 2}, 1},          // half the mass moves 2
		{[]float32{0, 0, 3}, []float32{1}, 4.0 / 3}, // 2/3*1 + 1/3*2
		{[]float32{1, 2}, []float32{1, 1, 2, 2}, 0},
	}
	for _, c := range cases {
		if got := wasserstein1Sorted(c.x, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("W1(%v, %v) = %g, want %g", c.x, c.y, got, c.want)
		}
		if got := wasserstein1Sorted(c.y, c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("W1(%v, %v) = %g, want %g", c.y, c.x, got, c.want)
		}
	}
}

func TestSortFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	v := make([]float32, 5000)
	for i := range v {
		v[i] = float32(r.NormFloat64() * 100)
	}
	v[3], v[7], v[11], v[12] = float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))
	want := slices.Clone(v)
	slices.Sort(want)
	sortFloat32(v)
	for i := range v {
		if v[i] != want[i] {
			t.Fatalf("sorted[%d] = %g, want %g", i, v[i], want[i])
		}
	}
}

func TestNormalise(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	rows, c, area := 50, 3, 4
	d := make([]float32, rows*c*area)
	for i := range d {
		d[i] = float32(r.NormFloat64()*3 + float64(i%(c*area)/area)*10)
	}
	normalise(d, rows, c, area)
	for ch := 0; ch < c; ch++ {
		var s, s2 float64
		for i := 0; i < rows; i++ {
			for _, v := range d[i*c*area+ch*area:][:area] {
				s += float64(v)
				s2 += float64(v) * float64(v)
			}
		}
		n := float64(rows * area)
		if math.Abs(s/n) > 1e-5 || math.Abs(s2/n-1) > 1e-4 {
			t.Errorf("channel %d: mean %g, var %g", ch, s/n, s2/n)
		}
	}
}

// small keeps the SWD tests fast: fewer patches and directions than ProGAN.
func small() SWDConfig {
	c := DefaultSWD()
	c.PatchesPerImage = 64
	c.DirsPerRepeat = 64
	return c
}

func TestSWDSelfAndBaseline(t *testing.T) {
	cfg := small()
	set := synth(96, 64, 1)
	self, err := cfg.SWD(set, set)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(self.Res, []int{64, 32, 16}) || len(self.PerLevel) != 3 {
		t.Fatalf("levels %v %v", self.Res, self.PerLevel)
	}
	base, err := cfg.Baseline(set)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("self %.3f, baseline %v", self.Avg, base.PerLevel)
	if self.Avg > 1e-6 {
		t.Errorf("SWD of a set with itself = %g, want 0", self.Avg)
	}
	for l, v := range base.PerLevel {
		if !(v > self.PerLevel[l]+1) {
			t.Errorf("level %d: baseline %g not above self %g", l, v, self.PerLevel[l])
		}
	}
	if m := (base.PerLevel[0] + base.PerLevel[1] + base.PerLevel[2]) / 3; math.Abs(m-base.Avg) > 1e-9 {
		t.Errorf("avg %g != mean of levels %g", base.Avg, m)
	}
}

func TestSWDMonotone(t *testing.T) {
	cfg := small()
	ref := synth(48, 64, 1)
	other := synth(48, 64, 2) // same distribution, different images
	dref, err := cfg.Describe(ref)
	if err != nil {
		t.Fatal(err)
	}
	dist := func(imgs []Image) SWDResult {
		d, err := cfg.Describe(imgs)
		if err != nil {
			t.Fatal(err)
		}
		r, err := cfg.Distance(dref, d)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var blur, mix []float64
	for _, r := range []int{0, 1, 2, 4} {
		blur = append(blur, dist(boxBlur(other, r)).Avg)
	}
	for _, m := range []float32{0, 0.15, 0.3, 0.6} {
		mix = append(mix, dist(mixColours(other, m)).Avg)
	}
	t.Logf("blur %v, colour mix %v", blur, mix)
	for i := 1; i < len(blur); i++ {
		if !(blur[i] > blur[i-1]) {
			t.Errorf("SWD not increasing with blur: %v", blur)
		}
		if !(mix[i] > mix[i-1]) {
			t.Errorf("SWD not increasing with colour mixing: %v", mix)
		}
	}
	// ProGAN normalises each descriptor set per channel, so a uniform
	// colour offset is invisible to the protocol.
	shifted := make([]Image, len(other))
	for i, m := range other {
		s := Image{C: 3, H: 64, W: 64, Pix: slices.Clone(m.Pix)}
		for j := range s.Pix[:64*64] {
			s.Pix[j] += 0.5
		}
		shifted[i] = s
	}
	if a, b := dist(other).Avg, dist(shifted).Avg; math.Abs(a-b) > 0.02*a {
		t.Errorf("uniform offset changed SWD from %g to %g", a, b)
	}
}

func TestSWDDeterministic(t *testing.T) {
	cfg := small()
	cfg.PatchesPerImage = 16
	a, b := synth(12, 32, 5), synth(12, 32, 6)
	r1, err := cfg.SWD(a, b)
	if err != nil {
		t.Fatal(err)
	}
	old := runtime.GOMAXPROCS(1)
	r2, _ := cfg.SWD(a, b)
	runtime.GOMAXPROCS(old)
	if !slices.Equal(r1.PerLevel, r2.PerLevel) {
		t.Errorf("GOMAXPROCS changed the result: %v vs %v", r1.PerLevel, r2.PerLevel)
	}
	cfg.Seed = 2
	r3, _ := cfg.SWD(a, b)
	if slices.Equal(r1.PerLevel, r3.PerLevel) {
		t.Error("seed has no effect")
	}
	// Unequal set sizes are allowed.
	if _, err := cfg.SWD(a, b[:5]); err != nil {
		t.Error(err)
	}
}

func TestSWDErrors(t *testing.T) {
	cfg := DefaultSWD()
	if _, err := cfg.SWD(nil, synth(2, 32, 1)); err == nil {
		t.Error("empty set accepted")
	}
	if _, err := cfg.SWD(synth(2, 8, 1), synth(2, 8, 1)); err == nil {
		t.Error("8 px images accepted")
	}
	if _, err := cfg.SWD(synth(2, 32, 1), synth(2, 64, 1)); err == nil {
		t.Error("different sizes accepted")
	}
	mixed := append(synth(1, 32, 1), synth(1, 64, 1)...)
	if _, err := cfg.SWD(mixed, mixed); err == nil {
		t.Error("mixed sizes accepted")
	}
	bad := cfg
	bad.PatchSize = 6
	if _, err := bad.SWD(synth(2, 32, 1), synth(2, 32, 1)); err == nil {
		t.Error("even patch size accepted")
	}
	if _, err := cfg.Baseline(synth(1, 32, 1)); err == nil {
		t.Error("baseline of one image accepted")
	}
}

// BenchmarkSWD1000 is ProGAN's full protocol on two sets of 1000 64 px images.
func BenchmarkSWD1000(b *testing.B) {
	x, y := synth(1000, 64, 1), synth(1000, 64, 2)
	cfg := DefaultSWD()
	for b.Loop() {
		if _, err := cfg.SWD(x, y); err != nil {
			b.Fatal(err)
		}
	}
}
