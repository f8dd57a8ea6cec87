package attrclass

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// synthetic draws n 32 px images: attribute 0 (3 values) is the colour of
// the top half, attribute 1 (2 values) whether a dark bar crosses the
// middle; noise everywhere; some labels unknown.
func synthetic(seed uint64, n int) ([][]float32, []byte, []byte) {
	r := rand.New(rand.NewPCG(seed, 1))
	cols := [3][3]float64{{200, 40, 40}, {40, 200, 40}, {40, 40, 200}}
	var feats [][]float32
	var labels, truth []byte
	for range n {
		c, bar := r.IntN(3), r.IntN(2)
		rec := make([]byte, 32*32*3)
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				for ch := 0; ch < 3; ch++ {
					v := 128 + 60*r.NormFloat64()
					if y < 16 {
						v = cols[c][ch] + 30*r.NormFloat64()
					}
					if bar == 1 && y >= 20 && y < 22 && x > 4 && x < 28 {
						v = 10
					}
					rec[(y*32+x)*3+ch] = byte(max(0, min(255, v)))
				}
			}
		}
		feats = append(feats, FromHWC(rec, 32))
		l0, l1 := byte(c+1), byte(bar+1)
		truth = append(truth, l0, l1)
		if r.IntN(10) == 0 {
			l0 = 0
		}
		labels = append(labels, l0, l1)
	}
	return feats, labels, truth
}

func accuracy(c *Classifier, feats [][]float32, truth []byte) [2]float64 {
	var hit [2]float64
	for i, f := range feats {
		p := c.Predict(f)
		for a := range 2 {
			if p[a] == truth[2*i+a] {
				hit[a]++
			}
		}
	}
	return [2]float64{hit[0] / float64(len(feats)), hit[1] / float64(len(feats))}
}

func TestLearnsAndGeneralises(t *testing.T) {
	feats, labels, _ := synthetic(1, 400)
	c, err := Train(feats, labels, []int{3, 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	tf, _, truth := synthetic(2, 200)
	if acc := accuracy(c, tf, truth); acc[0] < 0.95 || acc[1] < 0.9 {
		t.Errorf("held-out accuracy %v, want colour >= 0.95 and bar >= 0.9", acc)
	}
	// Labels unrelated to the images: near chance on held-out images.
	r := rand.New(rand.NewPCG(3, 3))
	for i := range labels {
		labels[i] = byte(1 + r.IntN([]int{3, 2}[i%2]))
	}
	c, _ = Train(feats, labels, []int{3, 2}, 7)
	if acc := accuracy(c, tf, truth); acc[0] > 0.6 || acc[1] > 0.75 {
		t.Errorf("accuracy %v on random labels: the test cannot fail", acc)
	}
}

func TestFeatures(t *testing.T) {
	rec := make([]byte, 32*32*3)
	img := make([]float32, 3*32*32)
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			for c := 0; c < 3; c++ {
				v := byte((x/2 + y/2*3 + c*50) % 256)
				rec[(y*32+x)*3+c] = v
				img[(c*32+y)*32+x] = float32(v)/127.5 - 1
			}
		}
	}
	a, b := FromHWC(rec, 32), FromNCHW(img, 32)
	for i := range a {
		if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("feature %d: %g from bytes, %g from floats", i, a[i], b[i])
		}
	}
	// 2x2 blocks of equal pixels average to that pixel.
	if want := float32((1+1*3+0)%256) / 255; a[(1*Side+1)*3] != want {
		t.Errorf("block (1,1): %g, want %g", a[(1*Side+1)*3], want)
	}
	if _, err := Train(nil, nil, []int{2}, 1); err == nil {
		t.Error("trained on nothing")
	}
}

func TestClassWeights(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []byte // 2 attributes, the first scored
		V      int
		idx    []int
		w      []float32
	}{
		{"balanced", []byte{1, 0, 2, 0, 1, 0, 2, 0}, 2, []int{0, 1, 2, 3}, []float32{1, 1}},
		{"skewed", []byte{1, 0, 1, 0, 1, 0, 2, 0}, 2, []int{0, 1, 2, 3}, []float32{4.0 / 6, 2}},
		{"unknown skipped", []byte{0, 1, 1, 1, 2, 1}, 2, []int{1, 2}, []float32{1, 1}},
		{"a value never seen", []byte{1, 0, 3, 0, 3, 0, 3, 0}, 3, []int{0, 1, 2, 3}, []float32{2, 0, 4.0 / 6}},
	} {
		idx, w := classWeights(tc.labels, 0, 2, tc.V)
		if !slices.Equal(idx, tc.idx) || !slices.EqualFunc(w, tc.w, func(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }) {
			t.Errorf("%s: images %v weights %v, want %v %v", tc.name, idx, w, tc.idx, tc.w)
		}
	}
}

// TestBackward checks mlp.backward against central finite differences of
// the weighted cross-entropy on a small batch, for a sample of the weights
// of every tensor.
func TestBackward(t *testing.T) {
	const b, V = 3, 4
	r := rand.New(rand.NewPCG(5, 5))
	m := newMLP(V)
	for _, p := range [][]float32{m.w1, m.b1, m.w2, m.b2} {
		for i := range p {
			p[i] = float32(r.NormFloat64() * 0.1)
		}
	}
	x := make([]float32, b*Features)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	y, cw := []int{0, 3, 1}, []float32{0.5, 1, 1, 2}
	loss := func() float64 {
		h, z := make([]float32, b*Hidden), make([]float32, b*V)
		m.forward(x, h, z, b, V)
		var l float64
		for j := range b {
			row := z[j*V : (j+1)*V]
			softmax(row)
			l -= float64(cw[y[j]]) * math.Log(float64(row[y[j]]))
		}
		return l
	}
	h, dh, z := make([]float32, b*Hidden), make([]float32, b*Hidden), make([]float32, b*V)
	m.forward(x, h, z, b, V)
	for j := range b {
		row := z[j*V : (j+1)*V]
		softmax(row)
		row[y[j]]--
		for k := range row {
			row[k] *= cw[y[j]]
		}
	}
	g := newMLP(V)
	m.backward(&g, x, h, dh, z, b, V)
	for _, p := range []struct {
		name string
		w, g []float32
	}{{"w1", m.w1, g.w1}, {"b1", m.b1, g.b1}, {"w2", m.w2, g.w2}, {"b2", m.b2, g.b2}} {
		for range 12 {
			i := r.IntN(len(p.w))
			old := p.w[i]
			const eps = 1e-2
			p.w[i] = old + eps
			up := loss()
			p.w[i] = old - eps
			down := loss()
			p.w[i] = old
			num := (up - down) / (2 * eps)
			if d := math.Abs(num - float64(p.g[i])); d > 2e-3+0.02*math.Abs(num) {
				t.Errorf("%s[%d]: backward %g, finite differences %g", p.name, i, p.g[i], num)
			}
		}
	}
}

// TestRareValue: a value on 5% of the images, marked by a faint patch, is
// found in a good share of the held-out images that have it because the
// loss weighs each value alike (45% here; 6% with every image weighing 1),
// and training does not depend on GOMAXPROCS.
func TestRareValue(t *testing.T) {
	make1 := func(seed uint64, n int, rare float64) ([][]float32, []byte) {
		r := rand.New(rand.NewPCG(seed, 2))
		var feats [][]float32
		var labels []byte
		for range n {
			v := 0
			if r.Float64() < rare {
				v = 1
			}
			rec := make([]byte, 16*16*3)
			for i := range rec {
				rec[i] = byte(max(0, min(255, 128+50*r.NormFloat64())))
			}
			if v == 1 { // a faint patch
				for y := 4; y < 8; y++ {
					for x := 4; x < 8; x++ {
						rec[(y*16+x)*3] = byte(min(255, int(rec[(y*16+x)*3])+70))
					}
				}
			}
			feats = append(feats, FromHWC(rec, 16))
			labels = append(labels, byte(v+1))
		}
		return feats, labels
	}
	feats, labels := make1(1, 1000, 0.05)
	c, err := Train(feats, labels, []int{2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	test, truth := make1(2, 400, 0.5)
	hit := [2]int{}
	cnt := [2]int{}
	for i, f := range test {
		v := truth[i] - 1
		cnt[v]++
		if c.Predict(f)[0] == truth[i] {
			hit[v]++
		}
	}
	if rare := float64(hit[1]) / float64(cnt[1]); rare < 0.3 {
		t.Errorf("the rare value found in %.0f%% of its images (common %d/%d)", 100*rare, hit[0], cnt[0])
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var two []byte // the label twice: two attributes train in parallel
	for _, l := range labels {
		two = append(two, l, l)
	}
	c1, err := Train(feats, two, []int{2, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	c4, _ := Train(feats, two, []int{2, 2}, 3)
	for i, ts := range c1.Tensors() {
		if !slices.Equal(ts.Data, c4.Tensors()[i].Data) {
			t.Fatalf("tensor %s differs between GOMAXPROCS 1 and 4", ts.Name)
		}
	}
}
