package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
)

// bnActCases are the fused BatchNorm+activation ops and the unfused
// compositions they replace.
var bnActCases = []struct {
	name    string
	fused   func(x, g, b *gorgonia.Node, st *BNState, training bool) (*gorgonia.Node, error)
	unfused func(x *gorgonia.Node) (*gorgonia.Node, error)
}{
	{"ReLU", BatchNormReLU, ReLU},
	{"LeakyReLU", func(x, g, b *gorgonia.Node, st *BNState, training bool) (*gorgonia.Node, error) {
		return BatchNormLeakyReLU(x, g, b, st, training, 0.2)
	}, func(x *gorgonia.Node) (*gorgonia.Node, error) { return LeakyReLU(x, 0.2) }},
}

// TestBatchNormActGrad checks the fused ops' gradients by finite
// differences.
func TestBatchNormActGrad(t *testing.T) {
	for _, op := range bnActCases {
		for _, training := range []bool{true, false} {
			for _, shape := range [][]int{{3, 4, 3, 3}, {5, 6}} {
				t.Run(fmt.Sprintf("%s_%v_train%v", op.name, shape, training), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(len(shape)), 11))
					c := shape[0]
					x := randSlice(rng, prod(shape), 2)
					gamma, beta := randSlice(rng, c, 1), randSlice(rng, c, 1)
					st := NewBNState(c)
					for i := range st.Mean {
						st.Mean[i], st.Var[i] = float32(rng.NormFloat64()), 0.5+rng.Float32()
					}
					if !training {
						awayFromKink(x, gamma, beta, st, prod(shape)/c)
					}
					r := randSlice(rng, len(x), 1)
					h := newHarness(t, []arg{{shape, x, true}, {[]int{c}, gamma, true}, {[]int{c}, beta, true}}, r,
						func(in []*gorgonia.Node) (*gorgonia.Node, error) {
							return op.fused(in[0], in[1], in[2], st, training)
						})
					h.checkGradFD(2e-3, 1e-2, 30, rng)
				})
			}
		}
	}
}

// awayFromKink moves the inputs whose normalised value (eval mode, with
// st's statistics) lies within 0.05 of the activation's kink at 0 to 0.05
// from it: a finite difference across the kink would see half the slope.
func awayFromKink(x, gamma, beta []float32, st *BNState, m int) {
	for i := range x {
		ch := i / m
		scale := gamma[ch] / float32(math.Sqrt(float64(st.Var[ch])+BNEps))
		z := (x[i]-st.Mean[ch])*scale + beta[ch]
		if z > -0.05 && z < 0.05 {
			target := float32(0.05)
			if z < 0 {
				target = -0.05
			}
			x[i] = st.Mean[ch] + (target-beta[ch])/scale
		}
	}
}

// TestBatchNormActMatchesUnfused checks that the fused ops give the output,
// the gradients and the running statistics of BatchNorm followed by the
// activation, bit for bit.
func TestBatchNormActMatchesUnfused(t *testing.T) {
	for _, op := range bnActCases {
		for _, training := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(5, 13))
			shape := []int{4, 3, 5, 5}
			c := shape[0]
			x := randSlice(rng, prod(shape), 2)
			gamma, beta := randSlice(rng, c, 1), randSlice(rng, c, 1)
			r := randSlice(rng, len(x), 1)
			args := []arg{{shape, x, true}, {[]int{c}, gamma, true}, {[]int{c}, beta, true}}
			stF, stU := NewBNState(c), NewBNState(c)
			hf := newHarness(t, args, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return op.fused(in[0], in[1], in[2], stF, training)
			})
			hu := newHarness(t, args, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				y, err := BatchNorm(in[0], in[1], in[2], stU, training)
				if err != nil {
					return nil, err
				}
				return op.unfused(y)
			})
			for run := range 2 { // the second run checks the per-run gradient sums
				of, gf := hf.run()
				ou, gu := hu.run()
				same := func(what string, a, b []float32) {
					for i := range a {
						if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
							t.Fatalf("%s train=%v run %d: %s[%d] fused %g, unfused %g", op.name, training, run, what, i, a[i], b[i])
						}
					}
				}
				same("out", of, ou)
				for i := range gf {
					same(fmt.Sprintf("grad%d", i), gf[i], gu[i])
				}
				same("running mean", stF.Mean, stU.Mean)
				same("running var", stF.Var, stU.Var)
			}
		}
	}
}

func TestBatchNormLeakyReLUBadAlpha(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(3, 2), gorgonia.WithName("x"))
	p := gorgonia.NewTensor(g, gorgonia.Float32, 1, gorgonia.WithShape(3), gorgonia.WithName("p"))
	if _, err := BatchNormLeakyReLU(x, p, p, NewBNState(3), true, -0.1); err == nil {
		t.Error("negative alpha accepted")
	}
}
