package attrclass

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Side is the side of the averaged image the classifier reads.
const Side = 16

// Features is the number of inputs per image: Side x Side x 3 colours.
const Features = Side * Side * 3

// Training settings.
const (
	Epochs = 20
	batch  = 32
	lr     = 0.05
	l2     = 1e-4
)

// FromHWC returns the features of an s x s HWC uint8 RGB image: each
// channel averaged over (s/Side)-pixel blocks (s a multiple of Side, or
// nearest-block sampling otherwise), scaled to [0, 1].
func FromHWC(rec []byte, s int) []float32 {
	return features(func(y, x, c int) float32 { return float32(rec[(y*s+x)*3+c]) / 255 }, s)
}

// FromNCHW returns the features of one s x s RGB image in NCHW float32 in
// [-1, 1] (a generator's output).
func FromNCHW(img []float32, s int) []float32 {
	return features(func(y, x, c int) float32 { return (img[(c*s+y)*s+x] + 1) / 2 }, s)
}

func features(get func(y, x, c int) float32, s int) []float32 {
	f := make([]float32, Features)
	for by := 0; by < Side; by++ {
		y0, y1 := by*s/Side, max((by+1)*s/Side, by*s/Side+1)
		for bx := 0; bx < Side; bx++ {
			x0, x1 := bx*s/Side, max((bx+1)*s/Side, bx*s/Side+1)
			for c := 0; c < 3; c++ {
				var sum float32
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						sum += get(y, x, c)
					}
				}
				f[(by*Side+bx)*3+c] = sum / float32((y1-y0)*(x1-x0))
			}
		}
	}
	return f
}

// Classifier predicts each attribute's value from an image's features.
type Classifier struct {
	values    []int       // values per attribute
	w         [][]float32 // per attribute: [values][Features+1], bias last
	mean, std []float32   // feature standardisation from the training set
}

// Train fits one softmax regression per attribute (values[a] values) on
// feats (one Features-long vector per image) and labels (len(values)
// bytes per image: 0 unknown, skipped; k the value k-1), by minibatch
// gradient descent in an order drawn from seed.
func Train(feats [][]float32, labels []byte, values []int, seed uint64) (*Classifier, error) {
	A := len(values)
	if A == 0 || len(feats) == 0 || len(labels) != len(feats)*A {
		return nil, fmt.Errorf("attrclass: %d images, %d label bytes, %d attributes", len(feats), len(labels), A)
	}
	c := &Classifier{values: values, mean: make([]float32, Features), std: make([]float32, Features)}
	for _, f := range feats {
		if len(f) != Features {
			return nil, errors.New("attrclass: a feature vector of the wrong length")
		}
		for i, v := range f {
			c.mean[i] += v
			c.std[i] += v * v
		}
	}
	n := float32(len(feats))
	for i := range c.mean {
		c.mean[i] /= n
		c.std[i] = float32(math.Sqrt(float64(max(c.std[i]/n-c.mean[i]*c.mean[i], 0)))) + 1e-3
	}
	x := make([][]float32, len(feats))
	for i, f := range feats {
		x[i] = c.standard(f)
	}
	r := rand.New(rand.NewPCG(seed, 0xc1a55))
	for a := range A {
		if values[a] < 1 || values[a] > 255 {
			return nil, fmt.Errorf("attrclass: attribute %d has %d values", a, values[a])
		}
		c.w = append(c.w, fit(x, labels, a, A, values[a], r))
	}
	return c, nil
}

// standard returns f standardised with the training statistics.
func (c *Classifier) standard(f []float32) []float32 {
	out := make([]float32, Features)
	for i, v := range f {
		out[i] = (v - c.mean[i]) / c.std[i]
	}
	return out
}

// logits writes w's class scores for x into z.
func logits(w []float32, x []float32, z []float64) {
	for k := range z {
		row := w[k*(Features+1) : (k+1)*(Features+1)]
		s := float64(row[Features])
		for i, v := range x {
			s += float64(row[i] * v)
		}
		z[k] = s
	}
}

// softmax turns z into probabilities in place.
func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, v)
	}
	var sum float64
	for k := range z {
		z[k] = math.Exp(z[k] - mx)
		sum += z[k]
	}
	for k := range z {
		z[k] /= sum
	}
}

// fit trains attribute a's weights on the images whose label is known.
func fit(x [][]float32, labels []byte, a, A, V int, r *rand.Rand) []float32 {
	w := make([]float32, V*(Features+1))
	var idx []int
	for i := range x {
		if labels[i*A+a] != 0 {
			idx = append(idx, i)
		}
	}
	z := make([]float64, V)
	grad := make([]float32, len(w))
	for range Epochs {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for lo := 0; lo < len(idx); lo += batch {
			hi := min(lo+batch, len(idx))
			clear(grad)
			for _, i := range idx[lo:hi] {
				logits(w, x[i], z)
				softmax(z)
				z[int(labels[i*A+a])-1]--
				for k := range z {
					g := grad[k*(Features+1) : (k+1)*(Features+1)]
					d := float32(z[k])
					for f, v := range x[i] {
						g[f] += d * v
					}
					g[Features] += d
				}
			}
			step := float32(lr / float64(hi-lo))
			for i := range w {
				w[i] -= step*grad[i] + lr*l2*w[i]
			}
		}
	}
	return w
}

// Predict returns an image's label bytes (k: value k-1) from its features.
func (c *Classifier) Predict(f []float32) []byte {
	x := c.standard(f)
	out := make([]byte, len(c.values))
	for a, V := range c.values {
		z := make([]float64, V)
		logits(c.w[a], x, z)
		best := 0
		for k := range z {
			if z[k] > z[best] {
				best = k
			}
		}
		out[a] = byte(best + 1)
	}
	return out
}
