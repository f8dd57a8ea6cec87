package attrclass

import (
	"math/rand/v2"
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
