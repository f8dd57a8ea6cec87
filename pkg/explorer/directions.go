package explorer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/kernels"
	"gonum.org/v1/gonum/mat"
)

// Direction is one GANSpace direction: a unit vector in latent space and
// the variance of the principal component of the generator's first-layer
// activations it was regressed from.
type Direction struct {
	Z        []float32 // unit vector, nz values
	Variance float64   // variance of the component over the sampled latents
	Share    float64   // its fraction of the total variance of the activations
}

// DirectionOptions set how Directions samples the generator.
type DirectionOptions struct {
	K       int    // directions to return (top K by variance)
	Samples int    // latents to sample; fewer when the activations are large
	Seed    uint64 // latent and sketch seed
	Iters   int    // power iterations of the randomized PCA
}

// Bounds of the direction computation.
const (
	MaxDirections     = 10
	maxPCAValues      = 1 << 24 // samples x features held at once (64 MiB)
	minPCASamples     = 64
	defaultPCASamples = 2048
	pcaOversample     = 10
)

// errNoFeatures is returned for a generator whose first layer is not a
// transposed convolution or linear layer fed by the latent (with its label
// embeddings, for a conditional one).
var errNoFeatures = errors.New("explorer: the generator's first layer is not one directions can be computed for")

// firstLayer is the EMA generator's first block: an affine map of its
// input (weight as in x features, bias or nil), an optional BatchNorm in
// inference mode over channels of spatial features each, then ReLU. The
// input is the latent (in = nz), or for a conditional generator the latent
// with its label embeddings appended (gan.Model.GeneratorInput).
type firstLayer struct {
	nz, in, feat int
	w            []float32 // in x feat, row-major
	bias         []float32 // feat or nil
	scale        []float32 // BatchNorm folded: per channel; nil without BatchNorm
	shift        []float32
	spatial      int // features per channel
	// A generator with conditional BatchNorm (gan.CondCBN): the
	// BatchNorm's gamma, beta, mean and 1/sqrt(var+eps), with which
	// each input's offsets of gamma and beta are folded.
	gamma, beta, mean, invstd []float32
}

func readFirstLayer(m *gan.Model) (*firstLayer, error) {
	cfg := m.Config()
	layers, err := m.GeneratorLayers(false)
	in := cfg.NZ
	if cfg.Conditional() {
		layers, err = m.CondGeneratorLayers(false)
		in += len(cfg.Cond.Attrs) * cfg.Cond.Dim
	}
	if err != nil {
		return nil, fmt.Errorf("explorer: %w", err)
	}
	if len(layers) == 0 || layers[0].Name != "main.0" || layers[0].In != in {
		return nil, errNoFeatures
	}
	l := layers[0]
	fl := &firstLayer{nz: cfg.NZ, in: in}
	switch l.Kind {
	case gan.KindConvTranspose: // [in, C, k, k] on a 1x1 input
		fl.feat, fl.w = len(l.Weight)/in, l.Weight
	case gan.KindLinear: // [out, in]
		fl.feat = l.Out
		fl.w = make([]float32, in*fl.feat)
		for o := 0; o < fl.feat; o++ {
			for i := 0; i < in; i++ {
				fl.w[i*fl.feat+o] = l.Weight[o*in+i]
			}
		}
		if len(l.Bias) == fl.feat {
			fl.bias = l.Bias
		}
	default:
		return nil, errNoFeatures
	}
	if len(layers) > 1 && layers[1].Name == "main.1" && layers[1].Kind == gan.KindBatchNorm {
		bn := layers[1]
		c := len(bn.Mean)
		if c == 0 || fl.feat%c != 0 || len(bn.Var) != c || len(bn.Weight) != c || len(bn.Bias) != c {
			return nil, errNoFeatures
		}
		fl.spatial = fl.feat / c
		fl.scale, fl.shift, fl.invstd = make([]float32, c), make([]float32, c), make([]float32, c)
		fl.gamma, fl.beta, fl.mean = bn.Weight, bn.Bias, bn.Mean
		for i := range c {
			inv := 1 / math.Sqrt(float64(bn.Var[i])+bn.Eps)
			s := float64(bn.Weight[i]) * inv
			fl.scale[i], fl.invstd[i] = float32(s), float32(inv)
			fl.shift[i] = float32(float64(bn.Bias[i]) - float64(bn.Mean[i])*s)
		}
	}
	return fl, nil
}

// activations returns the first block's output for n inputs of fl.in
// values each (n x feat).
func (fl *firstLayer) activations(x []float32, n int) []float32 {
	return fl.condActivations(x, n, nil, nil)
}

// condActivations is activations for a first BatchNorm with conditional
// gains and biases: input r's gamma and beta are offset by gain and bias
// (n x channels each; nil: no offsets).
func (fl *firstLayer) condActivations(x []float32, n int, gain, bias []float32) []float32 {
	h := make([]float32, n*fl.feat)
	kernels.Sgemm(false, false, n, fl.feat, fl.in, 1, x, fl.in, fl.w, fl.feat, 0, h, fl.feat)
	kernels.ParallelFor(n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := h[r*fl.feat : (r+1)*fl.feat]
			for f := range row {
				v := row[f]
				if fl.bias != nil {
					v += fl.bias[f]
				}
				if fl.scale != nil {
					c := f / fl.spatial
					scale, shift := fl.scale[c], fl.shift[c]
					if gain != nil {
						nc := len(fl.scale)
						scale = (fl.gamma[c] + gain[r*nc+c]) * fl.invstd[c]
						shift = fl.beta[c] + bias[r*nc+c] - fl.mean[c]*scale
					}
					v = v*scale + shift
				}
				row[f] = max(v, 0)
			}
		}
	})
	return h
}

// Directions finds the top o.K GANSpace directions of m's EMA generator
// (Härkönen et al. 2020): the first block's activations (transposed
// convolution or linear layer, BatchNorm, ReLU) over o.Samples random
// latents, their principal components (randomized subspace iteration,
// Halko et al. 2011), and each component's coordinates regressed back onto
// the latents, giving one latent direction per component, ordered by the
// component's variance. The same model and options give the same result.
//
// A conditional generator's first layer reads the latent with the label
// embeddings appended: each latent gets labels drawn from the training
// frequencies (per latent, as sample draws them), the activations of
// latent and embeddings go through the PCA, and the components are
// regressed onto the latent alone. The embeddings are an offset of the
// first layer's input that the latent's directions move around, so the
// directions serve with any labels. With conditional BatchNorm
// (gan.CondCBN) the labels also offset the first BatchNorm's gain and
// bias per latent: the activations include that too.
func Directions(m *gan.Model, o DirectionOptions) ([]Direction, error) {
	fl, err := readFirstLayer(m)
	if err != nil {
		return nil, err
	}
	k := min(max(o.K, 1), MaxDirections)
	n := cmpOr(o.Samples, defaultPCASamples)
	n = min(n, maxPCAValues/fl.feat)
	if n < minPCASamples || n < k+pcaOversample {
		return nil, fmt.Errorf("explorer: %d first-layer features are too many for directions", fl.feat)
	}
	z := gan.SampleLatents(o.Seed, n, fl.nz)
	x, err := fl.latentActivations(m, z, n)
	if err != nil {
		return nil, err
	}
	centre(x, n, fl.feat)
	return pcaDirections(x, z, n, fl.feat, fl.nz, k, cmpOr(o.Iters, 4), o.Seed)
}

// latentActivations is the first block's output for n latents z: with
// the embeddings of labels drawn per latent appended, and the first
// BatchNorm's offsets for those labels, for a conditional generator.
func (fl *firstLayer) latentActivations(m *gan.Model, z []float32, n int) ([]float32, error) {
	if !m.Config().Conditional() {
		return fl.activations(z, n), nil
	}
	labels, err := m.ResolveLabels(z, nil, n)
	if err != nil {
		return nil, fmt.Errorf("explorer: %w", err)
	}
	in, err := m.GeneratorInput(z, labels, n, false)
	if err != nil {
		return nil, fmt.Errorf("explorer: %w", err)
	}
	var gain, bias []float32
	if fl.scale != nil {
		if gain, bias, err = m.CondBNOffsets(z, labels, n, "main.1", false); err != nil {
			return nil, fmt.Errorf("explorer: %w", err)
		}
	}
	return fl.condActivations(in, n, gain, bias), nil
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// centre subtracts each column's mean from x (n x d).
func centre(x []float32, n, d int) {
	mean := make([]float64, d)
	for r := 0; r < n; r++ {
		for c, v := range x[r*d : (r+1)*d] {
			mean[c] += float64(v)
		}
	}
	for c := range mean {
		mean[c] /= float64(n)
	}
	for r := 0; r < n; r++ {
		row := x[r*d : (r+1)*d]
		for c := range row {
			row[c] -= float32(mean[c])
		}
	}
}

// pcaDirections computes the top k principal components of the centred
// x (n x d) by randomized subspace iteration and regresses z (n x nz) onto
// each component's coordinates.
func pcaDirections(x, z []float32, n, d, nz, k, iters int, seed uint64) ([]Direction, error) {
	p := k + pcaOversample
	r := rand.New(rand.NewPCG(seed, 0x9ca5))
	omega := make([]float32, d*p)
	for i := range omega {
		omega[i] = float32(r.NormFloat64())
	}
	y := make([]float32, n*p)  // X Ω, then X Xᵀ Y ...
	wt := make([]float32, d*p) // Xᵀ Y
	kernels.Sgemm(false, false, n, p, d, 1, x, d, omega, p, 0, y, p)
	orthonormalize(y, n, p)
	for range iters {
		kernels.Sgemm(true, false, d, p, n, 1, x, d, y, p, 0, wt, p)
		orthonormalize(wt, d, p)
		kernels.Sgemm(false, false, n, p, d, 1, x, d, wt, p, 0, y, p)
		orthonormalize(y, n, p)
	}
	// X ≈ Y B with B = Yᵀ X (p x d); B Bᵀ = E S² Eᵀ, and X's component
	// coordinates are Y E S.
	b := make([]float32, p*d)
	kernels.Sgemm(true, false, p, d, n, 1, y, p, x, d, 0, b, d)
	bbt := mat.NewSymDense(p, nil)
	for i := range p {
		for j := i; j < p; j++ {
			var s float64
			for c := range d {
				s += float64(b[i*d+c]) * float64(b[j*d+c])
			}
			bbt.SetSym(i, j, s)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(bbt, true) {
		return nil, errors.New("explorer: PCA eigen-decomposition did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	var total float64
	for _, v := range x {
		total += float64(v) * float64(v)
	}
	out := make([]Direction, 0, k)
	for j := p - 1; j >= p-k; j-- {
		dir, err := regress(y, z, vecs.ColView(j), n, p, nz)
		if err != nil {
			return nil, err
		}
		out = append(out, Direction{Z: dir, Variance: vals[j] / float64(n-1), Share: vals[j] / math.Max(total, 1e-30)})
	}
	return out, nil
}

// regress returns the unit latent direction u minimising |Z - c uᵀ|, where
// c = Y e are the component's coordinates (up to scale): u ∝ Zᵀ c. Its sign
// makes its largest component positive.
func regress(y, z []float32, e mat.Vector, n, p, nz int) ([]float32, error) {
	c := make([]float64, n)
	for r := range n {
		var s float64
		for j := range p {
			s += float64(y[r*p+j]) * e.AtVec(j)
		}
		c[r] = s
	}
	u := make([]float64, nz)
	for r := range n {
		for i := range nz {
			u[i] += float64(z[r*nz+i]) * c[r]
		}
	}
	var norm, big float64
	for _, v := range u {
		norm += v * v
		if math.Abs(v) > math.Abs(big) {
			big = v
		}
	}
	norm = math.Sqrt(norm)
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, errors.New("explorer: a direction came out degenerate")
	}
	if big < 0 {
		norm = -norm
	}
	out := make([]float32, nz)
	for i, v := range u {
		out[i] = float32(v / norm)
	}
	return out, nil
}

// orthonormalize makes the p columns of a (rows x p, row-major)
// orthonormal by modified Gram-Schmidt, twice for stability; a column that
// vanishes is replaced by zeros.
func orthonormalize(a []float32, rows, p int) {
	col := make([]float64, rows)
	cols := make([][]float64, p)
	for j := range p {
		for r := range rows {
			col[r] = float64(a[r*p+j])
		}
		for range 2 {
			for _, q := range cols[:j] {
				var dot float64
				for r := range rows {
					dot += q[r] * col[r]
				}
				for r := range rows {
					col[r] -= dot * q[r]
				}
			}
		}
		var norm float64
		for _, v := range col {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		q := make([]float64, rows)
		if norm > 1e-12 {
			for r := range rows {
				q[r] = col[r] / norm
			}
		}
		cols[j] = q
		for r := range rows {
			a[r*p+j] = float32(q[r])
		}
	}
}
