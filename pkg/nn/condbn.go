package nn

import (
	"fmt"
	"strconv"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conditional BatchNorm (de Vries et al. 2017; Miyato & Koyama 2018's and
// BigGAN's generators): a BatchNorm whose gain and bias are each sample's
// own, offset by learned tables looked up with its labels.

// CondBN is how a conditional BatchNorm looks its tables up: Rows are the
// labels' rows (filled by the caller before each run, as for EmbedConcat),
// and Map, when set, translates them to table rows: a row r of Rows means
// table row Map[r], or nothing when Map[r] is -1 (an unknown label adds
// nothing). nil Map: Rows index the tables directly.
type CondBN struct {
	Rows *EmbedRows
	Map  []int32
}

// CondBatchNorm normalises x per channel as BatchNorm does (x [C, B, H, W]
// or [C, B], running statistics in st, mode fixed by training) and gives
// each sample b its own affine map: out[c, b] = gammaB[c]*x̂[c, b] +
// betaB[c] with gammaB[c] = gamma[c] + sum over attributes a of
// gain[row(b, a), c] and betaB[c] = beta[c] + sum_a bias[row(b, a), c]
// (row -1: nothing; with Rows.Mix, the two rows weighted). gamma and beta
// are [C], gain and bias [R, C]. With relu set, out is ReLU of that.
// Gradients flow to x, gamma, beta, gain and bias; the tables' gradients
// are summed in a fixed order (channel, then sample, then attribute).
//
// It is two ops: a BatchNorm with unit gain and no bias (x̂, the one
// BatchNorm kernel with its statistics, running averages and gradient)
// and the per-sample affine map fused with the ReLU.
func CondBatchNorm(x, gamma, beta, gain, bias *gorgonia.Node, st *BNState, training bool, cb CondBN, relu bool) (*gorgonia.Node, error) {
	if x == nil || gamma == nil || beta == nil || gain == nil || bias == nil || st == nil || cb.Rows == nil {
		return nil, fmt.Errorf("nn.CondBatchNorm: nil input, state or rows")
	}
	if err := checkBNParams(x.Shape(), gamma.Shape(), beta.Shape()); err != nil {
		return nil, fmt.Errorf("nn.CondBatchNorm: %w", err)
	}
	c := x.Shape()[0]
	if err := cb.checkMap(gain.Shape(), c); err != nil {
		return nil, fmt.Errorf("nn.CondBatchNorm: %w", err)
	}
	one, zero := unitParams(x.Graph(), c)
	xhat, err := BatchNorm(x, one, zero, st, training)
	if err != nil {
		return nil, err
	}
	k := &condAffine{cb: cb, saved: &condSaved{}}
	if relu {
		k.act = &actFwd{kind: actReLU}
	}
	return apply(k, xhat, gamma, beta, gain, bias)
}

// unitParams returns constant nodes of c ones and c zeros in g: the unit
// gain and zero bias of the BatchNorm under a conditional one.
func unitParams(g *gorgonia.ExprGraph, c int) (one, zero *gorgonia.Node) {
	ones := make([]float32, c)
	fill32(ones, 1)
	id := strconv.FormatUint(opCounter.Add(1), 10)
	mk := func(name string, v []float32) *gorgonia.Node {
		return gorgonia.NewTensor(g, tensor.Float32, 1, gorgonia.WithShape(c), gorgonia.WithName(name+id),
			gorgonia.WithValue(tensor.New(tensor.WithShape(c), tensor.WithBacking(v))))
	}
	return mk("cbn.one", ones), mk("cbn.zero", make([]float32, c))
}

func fill32(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// checkMap checks a table shape [R, c] and the map into it.
func (cb CondBN) checkMap(ts tensor.Shape, c int) error {
	if len(ts) != 2 || ts[0] < 1 || ts[1] != c {
		return fmt.Errorf("table shape %v: want [rows, %d]", ts, c)
	}
	for i, r := range cb.Map {
		if r < -1 || int(r) >= ts[0] {
			return fmt.Errorf("map entry %d is %d, outside the table's %d rows", i, r, ts[0])
		}
	}
	return nil
}

// tableRows is the number of row values the Rows may hold: the map's
// length, or the table's rows without a map.
func (cb CondBN) tableRows(r int) int {
	if cb.Map != nil {
		return len(cb.Map)
	}
	return r
}

// row translates a row of Rows (-1 stays -1).
func (cb CondBN) row(r int) int {
	if r < 0 || cb.Map == nil {
		return r
	}
	return int(cb.Map[r])
}

// condSaved is shared by a conditional BatchNorm's affine op and its
// gradient ops: the per-sample, per-channel sums of the gradient that
// reaches the affine map (dz) and of dz*x̂, computed once per backward
// pass for the four parameter gradients.
type condSaved struct {
	gen     uint64    // forward runs so far
	sumsGen uint64    // gen the sums belong to; 0: none
	sumsOf  *float32  // data pointer of the gradient they were summed from
	sdz     []float64 // [c*B+b]
	sdzx    []float64
}

// condAffine: inputs x̂, gamma, beta, gain, bias; out = act(gammaB*x̂ +
// betaB) per sample (see CondBatchNorm).
type condAffine struct {
	cb    CondBN
	act   *actFwd // ReLU or nil
	saved *condSaved
}

func (k *condAffine) name() string {
	if k.act != nil {
		return "CondAffine+" + k.act.name()
	}
	return "CondAffine"
}

// condShapes checks x̂ [C, B, ...], gamma and beta [C], gain and bias [R,
// C], and returns C, B, the values per sample and channel, and R.
func condShapes(in []tensor.Shape) (c, b, hw, r int, err error) {
	if len(in) < 5 {
		return 0, 0, 0, 0, fmt.Errorf("got %d inputs, want 5", len(in))
	}
	if err := checkBNParams(in[0], in[1], in[2]); err != nil {
		return 0, 0, 0, 0, err
	}
	c, b = in[0][0], in[0][1]
	for _, t := range in[3:5] {
		if len(t) != 2 || t[0] < 1 || t[1] != c {
			return 0, 0, 0, 0, fmt.Errorf("table shape %v: want [rows, %d]", t, c)
		}
	}
	if !in[3].Eq(in[4]) {
		return 0, 0, 0, 0, fmt.Errorf("gain table %v and bias table %v differ", in[3], in[4])
	}
	return c, b, in[0].TotalSize() / (c * b), in[3][0], nil
}

func (k *condAffine) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 5 {
		return nil, fmt.Errorf("got %d inputs, want 5", len(in))
	}
	if _, _, _, _, err := condShapes(in); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

// coef returns sample j's gain and bias on channel ch: gamma and beta plus
// the table rows of its labels, added in attribute order.
func coef(cb CondBN, gamma, beta, gain, bias []float32, c, ch, j int) (g, bb float32) {
	g, bb = gamma[ch], beta[ch]
	for a := range cb.Rows.Attrs {
		r1, r2, w1, w2 := cb.Rows.weights(j, a)
		if r1 = cb.row(r1); r1 >= 0 {
			g += w1 * gain[r1*c+ch]
			bb += w1 * bias[r1*c+ch]
		}
		if r2 = cb.row(r2); r2 >= 0 {
			g += w2 * gain[r2*c+ch]
			bb += w2 * bias[r2*c+ch]
		}
	}
	return g, bb
}

func (k *condAffine) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	c, b, hw, r, err := condShapes(s)
	if err != nil {
		return err
	}
	if err := k.cb.Rows.check(b, k.cb.tableRows(r)); err != nil {
		return err
	}
	k.saved.gen++
	x, gamma, beta, gain, bias := in[0], in[1], in[2], in[3], in[4]
	relu := k.act != nil
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			for j := range b {
				g, bb := coef(k.cb, gamma, beta, gain, bias, c, ch, j)
				o := (ch*b + j) * hw
				xs, ys := x[o:o+hw], out[o:o+hw]
				if relu {
					for i, v := range xs {
						ys[i] = max(v*g+bb, 0)
					}
					continue
				}
				for i, v := range xs {
					ys[i] = v*g + bb
				}
			}
		}
	})
	return nil
}

func (k *condAffine) diffWRT() []bool { return []bool{true, true, true, true, true} }

func (k *condAffine) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	res := make(gorgonia.Nodes, 5)
	for i := range res {
		n, err := apply(&condAffineGrad{fwd: k, wrt: i}, in[0], in[1], in[2], in[3], in[4], grad, out)
		if err != nil {
			return nil, err
		}
		res[i] = n
	}
	return res, nil
}

// condAffineGrad: inputs x̂, gamma, beta, gain, bias, dOut, out; the
// gradient wrt input wrt (0 x̂, 1 gamma, 2 beta, 3 gain, 4 bias).
type condAffineGrad struct {
	noDiff
	fwd *condAffine
	wrt int
}

func (k *condAffineGrad) name() string {
	return [...]string{"CondAffineGradX", "CondAffineGradGamma", "CondAffineGradBeta", "CondAffineGradGain", "CondAffineGradBias"}[k.wrt]
}

func (k *condAffineGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 7 {
		return nil, fmt.Errorf("got %d inputs, want 7", len(in))
	}
	if _, _, _, _, err := condShapes(in); err != nil {
		return nil, err
	}
	if !in[5].Eq(in[0]) || !in[6].Eq(in[0]) {
		return nil, fmt.Errorf("gradient %v or output %v differs from the input %v", in[5], in[6], in[0])
	}
	return in[k.wrt].Clone(), nil
}

// negSlope is the activation's derivative where its output is not
// positive: 0 for ReLU, 1 without an activation.
func (k *condAffineGrad) negSlope() float32 {
	if k.fwd.act != nil {
		return 0
	}
	return 1
}

func (k *condAffineGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	c, b, hw, r, err := condShapes(s)
	if err != nil {
		return err
	}
	cb := k.fwd.cb
	if err := cb.Rows.check(b, cb.tableRows(r)); err != nil {
		return err
	}
	x, gamma, beta, gain, bias, dy, y := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
	neg := k.negSlope()
	if k.wrt == 0 {
		kernels.ParallelForMin(c, 1, func(lo, hi int) {
			for ch := lo; ch < hi; ch++ {
				for j := range b {
					g, _ := coef(cb, gamma, beta, gain, bias, c, ch, j)
					o := (ch*b + j) * hw
					dys, ys, dxs := dy[o:o+hw], y[o:o+hw], out[o:o+hw]
					for i, d := range dys {
						dxs[i] = g * (d * kernels.Slope(ys[i], neg))
					}
				}
			}
		})
		return nil
	}
	sv := k.sums(c, b, hw, x, dy, y)
	src := sv.sdzx // gamma and gain
	if k.wrt == 2 || k.wrt == 4 {
		src = sv.sdz
	}
	if k.wrt <= 2 {
		for ch := range c {
			var acc float64
			for j := range b {
				acc += src[ch*b+j]
			}
			out[ch] = float32(acc)
		}
		return nil
	}
	k.tableGrad(out, src, c, b, r)
	return nil
}

// tableGrad writes a table's gradient from the per-sample sums src: row
// r, channel ch gets the sum over samples (in order) and their attributes
// (in order) that look row r up, each weighted as in the forward pass.
func (k *condAffineGrad) tableGrad(out []float32, src []float64, c, b, r int) {
	cb := k.fwd.cb
	kernels.ParallelForMin(c, 1, func(lo, hi int) {
		acc := make([]float64, r)
		for ch := lo; ch < hi; ch++ {
			clear(acc)
			for j := range b {
				v := src[ch*b+j]
				for a := range cb.Rows.Attrs {
					r1, r2, w1, w2 := cb.Rows.weights(j, a)
					if r1 = cb.row(r1); r1 >= 0 {
						acc[r1] += float64(w1) * v
					}
					if r2 = cb.row(r2); r2 >= 0 {
						acc[r2] += float64(w2) * v
					}
				}
			}
			for row, v := range acc {
				out[row*c+ch] = float32(v)
			}
		}
	})
}

// sums fills the shared per-sample sums for this forward run and
// gradient, unless another gradient op of the layer already did.
func (k *condAffineGrad) sums(c, b, hw int, x, dy, y []float32) *condSaved {
	sv := k.fwd.saved
	if sv.sumsGen == sv.gen && sv.sumsOf == dataPtr(dy) {
		return sv
	}
	sv.sdz = growF64(sv.sdz, c*b)
	sv.sdzx = growF64(sv.sdzx, c*b)
	neg := k.negSlope()
	kernels.ParallelForMin(c*b, 1, func(lo, hi int) {
		for cj := lo; cj < hi; cj++ {
			o := cj * hw
			xs, dys, ys := x[o:o+hw], dy[o:o+hw], y[o:o+hw]
			var s1, s2 float64
			for i, d := range dys {
				d *= kernels.Slope(ys[i], neg)
				s1 += float64(d)
				s2 += float64(d) * float64(xs[i])
			}
			sv.sdz[cj], sv.sdzx[cj] = s1, s2
		}
	})
	sv.sumsGen, sv.sumsOf = sv.gen, dataPtr(dy)
	return sv
}
