package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
)

// condBNRef is CondBatchNorm in float64: batch statistics (or st's in eval
// mode), then each sample's affine map from the tables, then ReLU.
func condBNRef(x, gamma, beta, gain, bias []float32, shape []int, st *BNState, training bool, cb CondBN, relu bool) []float64 {
	c, b := shape[0], shape[1]
	hw := prod(shape) / (c * b)
	out := make([]float64, len(x))
	for ch := range c {
		var mean, v float64
		if training {
			for j := range b * hw {
				mean += float64(x[ch*b*hw+j])
			}
			mean /= float64(b * hw)
			for j := range b * hw {
				d := float64(x[ch*b*hw+j]) - mean
				v += d * d
			}
			v /= float64(b * hw)
		} else {
			mean, v = float64(st.Mean[ch]), float64(st.Var[ch])
		}
		inv := 1 / math.Sqrt(v+BNEps)
		for j := range b {
			g, bb := float64(gamma[ch]), float64(beta[ch])
			for a := range cb.Rows.Attrs {
				rows := []int32{cb.Rows.Rows[j*cb.Rows.Attrs+a]}
				ws := []float64{1}
				if cb.Rows.Mix != nil {
					rows = append(rows, cb.Rows.To[j*cb.Rows.Attrs+a])
					ws = []float64{1 - float64(cb.Rows.Mix[j]), float64(cb.Rows.Mix[j])}
				}
				for i, r := range rows {
					if r >= 0 && cb.Map != nil {
						r = cb.Map[r]
					}
					if r >= 0 {
						g += ws[i] * float64(gain[int(r)*c+ch])
						bb += ws[i] * float64(bias[int(r)*c+ch])
					}
				}
			}
			for p := range hw {
				i := (ch*b+j)*hw + p
				z := g*(float64(x[i])-mean)*inv + bb
				if relu {
					z = math.Max(z, 0)
				}
				out[i] = z
			}
		}
	}
	return out
}

type condBNCase struct {
	shape          []int
	attrs, rows    int
	training, relu bool
	mapped, mix    bool
}

// condBNSetup draws a case's inputs: x, gamma, beta, gain, bias, the rows
// (with a map when asked: every other row unknown) and a BatchNorm state.
func condBNSetup(tc condBNCase, rng *rand.Rand) (in [][]float32, cb CondBN, st *BNState) {
	c := tc.shape[0]
	in = [][]float32{randSlice(rng, prod(tc.shape), 2), randSlice(rng, c, 1), randSlice(rng, c, 1),
		randSlice(rng, tc.rows*c, 0.5), randSlice(rng, tc.rows*c, 0.5)}
	for i := range in[1] {
		in[1][i] += 1
	}
	n := tc.rows
	if tc.mapped {
		n = 2 * tc.rows // row 2k is unknown, 2k+1 is table row k
		cb.Map = make([]int32, n)
		for i := range cb.Map {
			cb.Map[i] = -1
			if i%2 == 1 {
				cb.Map[i] = int32(i / 2)
			}
		}
	}
	cb.Rows = testRows(rng, tc.attrs, tc.shape[1], n)
	if tc.mix {
		cb.Rows.To = testRows(rng, tc.attrs, tc.shape[1], n).Rows
		cb.Rows.Mix = randSlice(rng, tc.shape[1], 1)
	}
	st = NewBNState(c)
	for i := range st.Mean {
		st.Mean[i], st.Var[i] = float32(rng.NormFloat64()), 0.5+rng.Float32()
	}
	return in, cb, st
}

func (tc condBNCase) harness(t *testing.T, in [][]float32, cb CondBN, st *BNState, r []float32) *harness {
	c := tc.shape[0]
	args := []arg{{tc.shape, in[0], true}, {[]int{c}, in[1], true}, {[]int{c}, in[2], true},
		{[]int{tc.rows, c}, in[3], true}, {[]int{tc.rows, c}, in[4], true}}
	return newHarness(t, args, r, func(n []*gorgonia.Node) (*gorgonia.Node, error) {
		return CondBatchNorm(n[0], n[1], n[2], n[3], n[4], st, tc.training, cb, tc.relu)
	})
}

// TestCondBatchNorm checks the output against the float64 reference and
// every gradient (x, gamma, beta, both tables) by finite differences.
func TestCondBatchNorm(t *testing.T) {
	for _, tc := range []condBNCase{
		{shape: []int{3, 4, 3, 3}, attrs: 2, rows: 5, training: true},
		{shape: []int{3, 4, 3, 3}, attrs: 2, rows: 5, training: true, relu: true},
		{shape: []int{4, 5, 2, 2}, attrs: 3, rows: 4, training: true, mapped: true},
		{shape: []int{5, 6}, attrs: 1, rows: 3, training: true},
		{shape: []int{3, 4, 3, 3}, attrs: 2, rows: 5, relu: true, mapped: true},
		{shape: []int{3, 4, 2, 2}, attrs: 2, rows: 5, mix: true, mapped: true},
	} {
		t.Run(fmt.Sprintf("%v_a%d_train%v_relu%v_map%v_mix%v", tc.shape, tc.attrs, tc.training, tc.relu, tc.mapped, tc.mix), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(prod(tc.shape)), 17))
			in, cb, st := condBNSetup(tc, rng)
			stRef := &BNState{Mean: append([]float32(nil), st.Mean...), Var: append([]float32(nil), st.Var...)}
			want := condBNRef(in[0], in[1], in[2], in[3], in[4], tc.shape, stRef, tc.training, cb, tc.relu)
			h := tc.harness(t, in, cb, st, randSlice(rng, prod(tc.shape), 1))
			out, _ := h.run()
			for i, w := range want {
				if math.Abs(float64(out[i])-w) > 1e-5*(1+math.Abs(w)) {
					t.Fatalf("out[%d] = %g, want %g", i, out[i], w)
				}
			}
			h.checkGradFD(2e-3, 1e-2, 30, rng)
		})
	}
}

// TestCondBatchNormZeroTables checks that zero tables give BatchNorm+ReLU
// (what a conditional generator starts from), up to float32 rounding.
func TestCondBatchNormZeroTables(t *testing.T) {
	tc := condBNCase{shape: []int{4, 6, 3, 3}, attrs: 2, rows: 3, training: true, relu: true}
	rng := rand.New(rand.NewPCG(3, 19))
	in, cb, st := condBNSetup(tc, rng)
	clear(in[3])
	clear(in[4])
	r := randSlice(rng, prod(tc.shape), 1)
	st2 := &BNState{Mean: append([]float32(nil), st.Mean...), Var: append([]float32(nil), st.Var...)}
	hc := tc.harness(t, in, cb, st, r)
	c := tc.shape[0]
	hb := newHarness(t, []arg{{tc.shape, in[0], true}, {[]int{c}, in[1], true}, {[]int{c}, in[2], true}}, r,
		func(n []*gorgonia.Node) (*gorgonia.Node, error) { return BatchNormReLU(n[0], n[1], n[2], st2, true) })
	oc, gc := hc.run()
	ob, gb := hb.run()
	closeTo(t, "out", oc, ob, 1e-5, 1e-5)
	for i := range 3 {
		closeTo(t, fmt.Sprintf("grad %d", i), gc[i], gb[i], 1e-4, 1e-4)
	}
	closeTo(t, "running mean", st.Mean, st2.Mean, 0, 0)
	closeTo(t, "running var", st.Var, st2.Var, 0, 0)
}

// TestCondBatchNormDeterministic runs one graph twice and checks that the
// table gradients are bit for bit the same (fixed summation order).
func TestCondBatchNormDeterministic(t *testing.T) {
	tc := condBNCase{shape: []int{8, 16, 4, 4}, attrs: 3, rows: 6, training: true, relu: true, mapped: true}
	rng := rand.New(rand.NewPCG(4, 23))
	in, cb, st := condBNSetup(tc, rng)
	h := tc.harness(t, in, cb, st, randSlice(rng, prod(tc.shape), 1))
	_, g1 := h.run()
	_, g2 := h.run()
	for i := range g1 {
		for j := range g1[i] {
			if math.Float32bits(g1[i][j]) != math.Float32bits(g2[i][j]) {
				t.Fatalf("grad %d[%d]: %g then %g", i, j, g1[i][j], g2[i][j])
			}
		}
	}
}

func TestCondBatchNormRefused(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 2, 2, 2), gorgonia.WithName("x"))
	p := gorgonia.NewTensor(g, gorgonia.Float32, 1, gorgonia.WithShape(3), gorgonia.WithName("p"))
	tb := gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(4, 3), gorgonia.WithName("t"))
	bad := gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(4, 2), gorgonia.WithName("b"))
	rows := NewEmbedRows(1, 2)
	for _, tc := range []struct {
		name        string
		gain, bias  *gorgonia.Node
		cb          CondBN
		errContains string
	}{
		{"no rows", tb, tb, CondBN{}, "nil"},
		{"table channels", bad, bad, CondBN{Rows: rows}, "table shape"},
		{"map past the table", tb, tb, CondBN{Rows: rows, Map: []int32{0, 4}}, "map entry 1"},
		{"tables differ", tb, gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(5, 3), gorgonia.WithName("t5")), CondBN{Rows: rows}, "differ"},
	} {
		if _, err := CondBatchNorm(x, p, p, tc.gain, tc.bias, NewBNState(3), true, tc.cb, true); err == nil || !strings.Contains(err.Error(), tc.errContains) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.errContains)
		}
	}
}
