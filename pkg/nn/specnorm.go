package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ErrNonFinite marks an op that met a NaN or Inf it cannot go on with (a
// spectral norm estimate of a weight that has diverged); a training step
// treats it as divergence, like a non-finite loss.
var ErrNonFinite = errors.New("not finite")

// SNState holds the power-iteration vectors of one spectrally normalised
// weight viewed as a matrix [rows, cols] (PyTorch's weight_u and
// weight_v): unit vectors U of length rows and V of length cols. Save them
// with the checkpoint for exact resumption.
type SNState struct {
	U, V []float32
}

// NewSNState returns a state for a weight of rows x cols, U and V random
// unit vectors drawn from r (N(0,1) draws, normalised, as PyTorch).
func NewSNState(rows, cols int, r *rand.Rand) *SNState {
	st := &SNState{U: make([]float32, rows), V: make([]float32, cols)}
	for _, v := range [][]float32{st.U, st.V} {
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		normalize(v)
	}
	return st
}

// fits reports whether the state matches weight shape s.
func (st *SNState) fits(s tensor.Shape) bool {
	return len(s) >= 2 && s[0] == len(st.U) && s.TotalSize() == len(st.U)*len(st.V)
}

// snEps guards the normalisations, as torch.nn.utils.spectral_norm.
const snEps = 1e-12

func normalize(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := math.Sqrt(s)
	inv := 1 / max(n, snEps)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
	return n
}

// SpectralNorm returns w / sigma(w), sigma being the largest singular value
// of w viewed as a matrix [w.Shape()[0], rest] (Miyato et al. 2018),
// estimated as sigma = u^T W v. With training true each run first does one
// power iteration (v = W^T u / |W^T u|, u = W v / |W v|) and stores u and v
// in st (PyTorch's training mode); with training false it uses st as it is.
// The gradient treats u and v as constants, as PyTorch does:
// dW = (dWsn - <dWsn, Wsn> u v^T) / sigma.
func SpectralNorm(w *gorgonia.Node, st *SNState, training bool) (*gorgonia.Node, error) {
	if w == nil || st == nil {
		return nil, fmt.Errorf("nn.SpectralNorm: nil input or state")
	}
	if !st.fits(w.Shape()) {
		return nil, fmt.Errorf("nn.SpectralNorm: weight shape %v does not match a state of %d x %d", w.Shape(), len(st.U), len(st.V))
	}
	return apply(&snFwd{st: st, training: training, saved: &snSaved{}}, w)
}

type snSaved struct {
	u, v  []float32
	wv    []float32 // W v, scratch reused from run to run
	sigma float32
}

type snFwd struct {
	st       *SNState
	training bool
	saved    *snSaved
}

func (k *snFwd) name() string { return "SpectralNorm" }

func (k *snFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("got %d inputs, want 1", len(in))
	}
	if !k.st.fits(in[0]) {
		return nil, fmt.Errorf("weight shape %v does not match a state of %d x %d", in[0], len(k.st.U), len(k.st.V))
	}
	return in[0].Clone(), nil
}

func (k *snFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	w := in[0]
	rows := s[0][0]
	cols := len(w) / rows
	sv := k.saved
	sv.u = resize(sv.u, rows)
	sv.v = resize(sv.v, cols)
	copy(sv.u, k.st.U)
	copy(sv.v, k.st.V)
	sv.wv = resize(sv.wv, rows)
	u, v, wv := sv.u, sv.v, sv.wv
	if k.training {
		// One power iteration: v = normalize(W^T u), u = normalize(W v);
		// W v is kept for sigma.
		transMatVec(v, w, u)
		normalize(v)
		matVec(wv, w, v, cols)
		copy(u, wv)
		normalize(u)
		copy(k.st.U, u)
		copy(k.st.V, v)
	} else {
		matVec(wv, w, v, cols)
	}
	var sigma float64
	for i := range u {
		sigma += float64(u[i]) * float64(wv[i])
	}
	if !(sigma > snEps) || math.IsInf(sigma, 0) {
		return fmt.Errorf("spectral norm estimate %g is not positive: %w", sigma, ErrNonFinite)
	}
	sv.sigma = float32(sigma)
	inv := float32(1 / sigma)
	for i, x := range w {
		out[i] = x * inv
	}
	return nil
}

func (k *snFwd) diffWRT() []bool { return []bool{true} }

func (k *snFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dw, err := apply(&snGrad{saved: k.saved}, grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dw}, nil
}

// snGrad: inputs dOut, out (= W/sigma).
type snGrad struct {
	noDiff
	saved *snSaved
}

func (k *snGrad) name() string { return "SpectralNormGrad" }

func (k *snGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 || !in[0].Eq(in[1]) {
		return nil, fmt.Errorf("want gradient and output of one shape, got %v", in)
	}
	return in[0].Clone(), nil
}

func (k *snGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	sv := k.saved
	g, wsn := in[0], in[1]
	rows := s[0][0]
	cols := len(g) / rows
	if len(sv.u) != rows || len(sv.v) != cols || sv.sigma == 0 {
		return fmt.Errorf("gradient run before the forward pass")
	}
	var dot float64
	for i, x := range g {
		dot += float64(x) * float64(wsn[i])
	}
	d := float32(dot)
	inv := 1 / sv.sigma
	for i := 0; i < rows; i++ {
		du := d * sv.u[i]
		o, gr := out[i*cols:(i+1)*cols], g[i*cols:(i+1)*cols]
		for j := range o {
			o[j] = (gr[j] - du*sv.v[j]) * inv
		}
	}
	return nil
}

// matVec sets dst = W v for W stored row-major with cols columns.
func matVec(dst, w, v []float32, cols int) {
	for i := range dst {
		var d float64
		for j, x := range w[i*cols : (i+1)*cols] {
			d += float64(x) * float64(v[j])
		}
		dst[i] = float32(d)
	}
}

// powerStep does one power iteration on W (row-major, len(u) rows):
// v = normalize(W^T u), then u = normalize(W v).
func powerStep(u, v, w []float32) {
	transMatVec(v, w, u)
	normalize(v)
	matVec(u, w, v, len(v))
	normalize(u)
}

// transMatVec sets v = W^T u for W stored row-major with len(u) rows.
func transMatVec(v, w, u []float32) {
	cols := len(v)
	clear(v)
	for i, ui := range u {
		for j, x := range w[i*cols : (i+1)*cols] {
			v[j] += ui * x
		}
	}
}

// Iterate runs n power iterations on the weight w (len(U) x len(V) values,
// row-major), as PyTorch does when it adds spectral normalisation to a
// layer, so that the first estimate is already close to the largest
// singular value.
func (st *SNState) Iterate(w []float32, n int) error {
	if len(w) != len(st.U)*len(st.V) {
		return fmt.Errorf("nn: spectral norm: weight has %d values, state is %d x %d", len(w), len(st.U), len(st.V))
	}
	for range n {
		powerStep(st.U, st.V, w)
	}
	return nil
}
