package attrclass

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/kernels"
)

// Side is the side of the averaged image the classifier reads.
const Side = 16

// Features is the number of inputs per image: Side x Side x 3 colours.
const Features = Side * Side * 3

// Hidden is the width of each attribute's hidden layer.
const Hidden = 128

// Training settings.
const (
	Epochs = 20
	batch  = 32
	lr     = 0.01
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
	values    []int     // values per attribute
	nets      []mlp     // per attribute
	mean, std []float32 // feature standardisation from the training set
}

// mlp is one attribute's network: Features -> Hidden (ReLU) -> values.
type mlp struct {
	w1 []float32 // [Hidden][Features] row-major
	b1 []float32 // [Hidden]
	w2 []float32 // [values][Hidden]
	b2 []float32 // [values]
}

// newMLP returns a zeroed network (or gradient) for V values.
func newMLP(V int) mlp {
	return mlp{w1: make([]float32, Hidden*Features), b1: make([]float32, Hidden),
		w2: make([]float32, V*Hidden), b2: make([]float32, V)}
}

// Train fits one small network per attribute (values[a] values: a hidden
// layer of Hidden ReLU units, then softmax) on feats (one Features-long
// vector per image) and labels (len(values) bytes per image: 0 unknown,
// skipped; k the value k-1). Each known label's loss is weighted by the
// inverse frequency of its value, so that every value counts alike, as the
// conditioning accuracy asks for each value equally often. Minibatch SGD;
// the initial weights and the order are drawn from seed and the
// attribute's index, so the result does not depend on GOMAXPROCS (the
// attributes train in parallel).
func Train(feats [][]float32, labels []byte, values []int, seed uint64) (*Classifier, error) {
	A := len(values)
	if A == 0 || len(feats) == 0 || len(labels) != len(feats)*A {
		return nil, fmt.Errorf("attrclass: %d images, %d label bytes, %d attributes", len(feats), len(labels), A)
	}
	for a, v := range values {
		if v < 1 || v > 255 {
			return nil, fmt.Errorf("attrclass: attribute %d has %d values", a, v)
		}
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
	x := c.standard(feats)
	c.nets = make([]mlp, A)
	kernels.ParallelFor(A, func(lo, hi int) {
		for a := lo; a < hi; a++ {
			c.nets[a] = fit(x, labels, a, A, values[a], seed)
		}
	})
	return c, nil
}

// standard returns feats standardised with the training statistics, one
// image after another in one slice.
func (c *Classifier) standard(feats [][]float32) []float32 {
	out := make([]float32, 0, len(feats)*Features)
	for _, f := range feats {
		for i, v := range f {
			out = append(out, (v-c.mean[i])/c.std[i])
		}
	}
	return out
}

// classWeights returns the images with a known label of attribute a and
// the loss weight of each value: n / (V' count), V' the values that occur,
// so that the weights average 1 over the images and every value that
// occurs weighs the same in total.
func classWeights(labels []byte, a, A, V int) ([]int, []float32) {
	var idx []int
	count := make([]int, V)
	for i := 0; i+A <= len(labels); i += A {
		if l := int(labels[i+a]); l > 0 && l <= V {
			idx = append(idx, i/A)
			count[l-1]++
		}
	}
	seen := 0
	for _, k := range count {
		if k > 0 {
			seen++
		}
	}
	w := make([]float32, V)
	for v, k := range count {
		if k > 0 {
			w[v] = float32(float64(len(idx)) / float64(seen*k))
		}
	}
	return idx, w
}

// fit trains attribute a's network on the images whose label is known (x:
// the standardised features, image-major).
func fit(x []float32, labels []byte, a, A, V int, seed uint64) mlp {
	r := rand.New(rand.NewPCG(seed, 0xc1a55^uint64(a)<<20))
	m := newMLP(V)
	for i := range m.w1 {
		m.w1[i] = float32(r.NormFloat64() * math.Sqrt(2.0/Features))
	}
	for i := range m.w2 {
		m.w2[i] = float32(r.NormFloat64() * math.Sqrt(1.0/Hidden))
	}
	idx, cw := classWeights(labels, a, A, V)
	g := newMLP(V)
	xb := make([]float32, batch*Features)
	h := make([]float32, batch*Hidden)
	dh := make([]float32, batch*Hidden)
	z := make([]float32, batch*V)
	for range Epochs {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for lo := 0; lo < len(idx); lo += batch {
			b := min(batch, len(idx)-lo)
			for j, i := range idx[lo : lo+b] {
				copy(xb[j*Features:(j+1)*Features], x[i*Features:(i+1)*Features])
			}
			m.forward(xb[:b*Features], h[:b*Hidden], z[:b*V], b, V)
			for j, i := range idx[lo : lo+b] { // z becomes dLoss/dlogits
				y := int(labels[i*A+a]) - 1
				row := z[j*V : (j+1)*V]
				softmax(row)
				row[y]--
				for k := range row {
					row[k] *= cw[y]
				}
			}
			m.backward(&g, xb[:b*Features], h[:b*Hidden], dh[:b*Hidden], z[:b*V], b, V)
			m.update(&g, float32(lr/float64(b)), lr*l2)
		}
	}
	return m
}

// forward computes the hidden activations h [b][Hidden] and the logits z
// [b][V] of the b images in x.
func (m *mlp) forward(x, h, z []float32, b, V int) {
	kernels.SgemmOn(1, false, true, b, Hidden, Features, 1, x, Features, m.w1, Features, 0, h, Hidden)
	for j := range b {
		row := h[j*Hidden : (j+1)*Hidden]
		for k := range row {
			row[k] = max(row[k]+m.b1[k], 0)
		}
	}
	kernels.SgemmOn(1, false, true, b, V, Hidden, 1, h, Hidden, m.w2, Hidden, 0, z, V)
	for j := range b {
		for k := range V {
			z[j*V+k] += m.b2[k]
		}
	}
}

// backward writes into g the gradients of the batch's loss given dz, its
// derivative by the logits; dh is scratch.
func (m *mlp) backward(g *mlp, x, h, dh, dz []float32, b, V int) {
	kernels.SgemmOn(1, true, false, V, Hidden, b, 1, dz, V, h, Hidden, 0, g.w2, Hidden)
	clear(g.b2)
	for j := range b {
		for k := range V {
			g.b2[k] += dz[j*V+k]
		}
	}
	kernels.SgemmOn(1, false, false, b, Hidden, V, 1, dz, V, m.w2, Hidden, 0, dh, Hidden)
	clear(g.b1)
	for i, v := range h {
		if v <= 0 {
			dh[i] = 0
		}
		g.b1[i%Hidden] += dh[i]
	}
	kernels.SgemmOn(1, true, false, Hidden, Features, b, 1, dh, Hidden, x, Features, 0, g.w1, Features)
}

// update takes one SGD step with weight decay on the weights (not biases).
func (m *mlp) update(g *mlp, step float32, decay float64) {
	sgd := func(w, gw []float32, d float32) {
		for i := range w {
			w[i] -= step*gw[i] + d*w[i]
		}
	}
	sgd(m.w1, g.w1, float32(decay))
	sgd(m.w2, g.w2, float32(decay))
	sgd(m.b1, g.b1, 0)
	sgd(m.b2, g.b2, 0)
}

// softmax turns z into probabilities in place.
func softmax(z []float32) {
	mx := float32(math.Inf(-1))
	for _, v := range z {
		mx = max(mx, v)
	}
	var sum float64
	for k := range z {
		e := math.Exp(float64(z[k] - mx))
		z[k] = float32(e)
		sum += e
	}
	for k := range z {
		z[k] = float32(float64(z[k]) / sum)
	}
}

// Predict returns an image's label bytes (k: value k-1) from its features.
func (c *Classifier) Predict(f []float32) []byte {
	out := make([]byte, len(c.values))
	for a := range c.values {
		out[a] = c.PredictAttr([][]float32{f}, a)[0]
	}
	return out
}

// PredictAttr returns attribute a's label byte (k: value k-1) for each
// image of feats, the images going through the network together.
func (c *Classifier) PredictAttr(feats [][]float32, a int) []byte {
	b, V := len(feats), c.values[a]
	if b == 0 {
		return nil
	}
	h, z := make([]float32, b*Hidden), make([]float32, b*V)
	c.nets[a].forward(c.standard(feats), h, z, b, V)
	out := make([]byte, b)
	for j := range out {
		row := z[j*V : (j+1)*V]
		best := 0
		for k := range row {
			if row[k] > row[best] {
				best = k
			}
		}
		out[j] = byte(best + 1)
	}
	return out
}
