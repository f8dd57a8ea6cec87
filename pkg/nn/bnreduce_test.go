package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/tensor"
)

// peerSum is a Reducer for one of two goroutines standing in for the two
// processes of a job: each sends its values to the other and adds the
// other's.
type peerSum struct{ out, in chan []float64 }

func (p peerSum) SumFloat64(buf []float64) error {
	p.out <- slices.Clone(buf)
	o := <-p.in
	for i := range buf {
		buf[i] += o[i]
	}
	return nil
}

// bnRun is one BatchNorm layer's forward and backward pass over x
// ([C, B, H, W]) with output gradient dy: the output, dx, dgamma, dbeta
// and the running statistics afterwards.
type bnRun struct{ y, dx, dgamma, dbeta, mean, vr []float32 }

func runBN(t *testing.T, x, dy, gamma, beta []float32, s tensor.Shape, act *actFwd, red Reducer, split Split) bnRun {
	c := s[0]
	st := NewBNState(c)
	st.Reduce, st.Split = red, split
	sv := &bnSaved{}
	f := &bnFwd{st: st, training: true, saved: sv, act: act}
	r := bnRun{y: make([]float32, len(x)), dx: make([]float32, len(x)), dgamma: make([]float32, c), dbeta: make([]float32, c)}
	shapes := []tensor.Shape{s, {c}, {c}}
	if err := f.forward(r.y, [][]float32{x, gamma, beta}, shapes); err != nil {
		t.Error(err)
	}
	gs := []tensor.Shape{s, {c}, s, s}
	for wrt, out := range [][]float32{r.dx, r.dgamma, r.dbeta} {
		g := &bnGrad{saved: sv, wrt: wrt, act: act}
		if err := g.forward(out, [][]float32{x, gamma, dy, r.y}, gs); err != nil {
			t.Error(err)
		}
	}
	r.mean, r.vr = st.Mean, st.Var
	return r
}

// part returns batch entries [lo, hi) of a [C, B, HW] tensor.
func part(v []float32, c, b, hw, lo, hi int) []float32 {
	var out []float32
	for ch := range c {
		out = append(out, v[(ch*b+lo)*hw:(ch*b+hi)*hw]...)
	}
	return out
}

// TestBatchNormReduce: a batch split over two processes whose BatchNorm
// sums are reduced gives what one process gives on the whole batch: the
// same outputs, input gradients and running statistics, and gamma's and
// beta's gradients whose sum over the processes is the whole batch's.
func TestBatchNormReduce(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  *actFwd
	}{{"plain", nil}, {"leaky", &actFwd{kind: actLeaky, alpha: 0.2}}} {
		t.Run(tc.name, func(t *testing.T) {
			const c, b, hw = 3, 6, 4
			r := rand.New(rand.NewPCG(1, 2))
			vals := func(n int, scale, shift float32) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(r.NormFloat64())*scale + shift
				}
				return v
			}
			x, dy := vals(c*b*hw, 2, 0.5), vals(c*b*hw, 1, 0)
			gamma, beta := vals(c, 0.3, 1), vals(c, 0.1, 0)
			whole := runBN(t, x, dy, gamma, beta, tensor.Shape{c, b, 2, 2}, tc.act, nil, 0)
			split := runBN(t, x, dy, gamma, beta, tensor.Shape{c, b, 2, 2}, tc.act, nil, 2)
			ab, ba := make(chan []float64, 1), make(chan []float64, 1)
			reds := []Reducer{peerSum{ab, ba}, peerSum{ba, ab}}
			parts := make([]bnRun, 2)
			var wg sync.WaitGroup
			for p := range 2 {
				wg.Go(func() {
					lo, hi := p*b/2, (p+1)*b/2
					parts[p] = runBN(t, part(x, c, b, hw, lo, hi), part(dy, c, b, hw, lo, hi), gamma, beta,
						tensor.Shape{c, b / 2, 2, 2}, tc.act, reds[p], 0)
				})
			}
			wg.Wait()
			for p := range 2 {
				lo, hi := p*b/2, (p+1)*b/2
				closeTo(t, "output", parts[p].y, part(whole.y, c, b, hw, lo, hi), 1e-5, 1e-5)
				closeTo(t, "input gradient", parts[p].dx, part(whole.dx, c, b, hw, lo, hi), 1e-5, 1e-5)
				closeTo(t, "running mean", parts[p].mean, whole.mean, 1e-5, 1e-5)
				closeTo(t, "running variance", parts[p].vr, whole.vr, 1e-5, 1e-5)
				// With Split 2 one process computes what the two do, bit
				// for bit.
				bitEqual(t, "split output", parts[p].y, part(split.y, c, b, hw, lo, hi))
				bitEqual(t, "split input gradient", parts[p].dx, part(split.dx, c, b, hw, lo, hi))
				bitEqual(t, "split running mean", parts[p].mean, split.mean)
				bitEqual(t, "split running variance", parts[p].vr, split.vr)
			}
			for _, g := range []struct {
				name        string
				a, b, whole []float32
			}{{"gamma gradient", parts[0].dgamma, parts[1].dgamma, whole.dgamma}, {"beta gradient", parts[0].dbeta, parts[1].dbeta, whole.dbeta}} {
				sum := make([]float32, c)
				for i := range sum {
					sum[i] = g.a[i] + g.b[i]
				}
				closeTo(t, g.name, sum, g.whole, 1e-5, 1e-5)
			}
			for i := range c {
				bitEqual(t, "split gamma gradient", []float32{parts[0].dgamma[i] + parts[1].dgamma[i]}, split.dgamma[i:i+1])
				bitEqual(t, "split beta gradient", []float32{parts[0].dbeta[i] + parts[1].dbeta[i]}, split.dbeta[i:i+1])
			}
		})
	}
}

// bitEqual fails unless got and want are equal bit for bit.
func bitEqual(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, v := range got {
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %g, want %g bit for bit", what, i, v, want[i])
		}
	}
}

// TestChanStatsMatchPerChannel checks that BatchNorm's statistics taken
// four channels at a time (chanStats) and its gradient sums taken two at a
// time (bnSaved.sliceSums) are the one-channel loops' bit for bit.
func TestChanStatsMatchPerChannel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const c, m = 7, 301
	x, dy, y := randSlice(rng, c*m, 3), randSlice(rng, c*m, 1), randSlice(rng, c*m, 1)
	for ch := 0; ch < c; ch += 4 {
		n := min(4, c-ch)
		var mean, v [4]float64
		chanStats(x, ch, n, m, &mean, &v)
		for j := range n {
			xs := x[(ch+j)*m : (ch+j+1)*m]
			wm := chanSum(xs) / m
			wv := chanSqDev(xs, wm) / m
			if math.Float64bits(mean[j]) != math.Float64bits(wm) || math.Float64bits(v[j]) != math.Float64bits(wv) {
				t.Fatalf("channel %d: mean %v var %v, want %v %v", ch+j, mean[j], v[j], wm, wv)
			}
		}
	}
	sv := &bnSaved{mean: randSlice(rng, c, 0.1), invstd: randSlice(rng, c, 2), sdy: make([]float64, c), sdyx: make([]float64, c)}
	const neg = 0.2
	sv.sliceSums(x, dy, y, 2, 2, 0, c, m, m, neg)
	for _, ch := range []int{2, 3} {
		var sdy, sdyx float64
		for i := ch * m; i < (ch+1)*m; i++ {
			d := dy[i] * kernels.Slope(y[i], neg)
			sdy += float64(d)
			sdyx += float64(d) * float64((x[i]-sv.mean[ch])*sv.invstd[ch])
		}
		if math.Float64bits(sv.sdy[ch]) != math.Float64bits(sdy) || math.Float64bits(sv.sdyx[ch]) != math.Float64bits(sdyx) {
			t.Fatalf("channel %d: sums %v %v, want %v %v", ch, sv.sdy[ch], sv.sdyx[ch], sdy, sdyx)
		}
	}
}
