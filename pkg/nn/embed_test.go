package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
)

// testRows draws rows for b samples of attrs attributes in [-1, r).
func testRows(rng *rand.Rand, attrs, b, r int) *EmbedRows {
	rows := NewEmbedRows(attrs, b)
	for i := range rows.Rows {
		rows.Rows[i] = int32(rng.IntN(r+1) - 1)
	}
	return rows
}

func TestEmbedConcat(t *testing.T) {
	for _, tc := range []struct {
		nz, b, attrs, r, e int
		mix                bool
	}{
		{3, 4, 2, 5, 3, false}, {1, 1, 1, 2, 1, false}, {5, 7, 3, 9, 4, false}, {3, 4, 2, 5, 3, true},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.b), 7))
			rows := testRows(rng, tc.attrs, tc.b, tc.r)
			rows.Rows[0] = int32(tc.r - 1) // the last row is used
			if tc.mix {
				rows.To = testRows(rng, tc.attrs, tc.b, tc.r).Rows
				rows.Mix = randSlice(rng, tc.b, 1)
			}
			z := randSlice(rng, tc.nz*tc.b, 1)
			table := randSlice(rng, tc.r*tc.e, 1)
			outC := tc.nz + tc.attrs*tc.e
			h := newHarness(t, []arg{{[]int{tc.nz, tc.b, 1, 1}, z, true}, {[]int{tc.r, tc.e}, table, true}},
				randSlice(rng, outC*tc.b, 1),
				func(in []*gorgonia.Node) (*gorgonia.Node, error) { return EmbedConcat(in[0], in[1], rows) })
			out, _ := h.run()
			// Reference: per sample, the latent then each attribute's row.
			for j := 0; j < tc.b; j++ {
				want := make([]float32, 0, outC)
				for c := 0; c < tc.nz; c++ {
					want = append(want, z[c*tc.b+j])
				}
				for a := 0; a < tc.attrs; a++ {
					row, w := rows.Rows[j*tc.attrs+a], float32(1)
					to, w2 := int32(-1), float32(0)
					if tc.mix {
						w, to, w2 = 1-rows.Mix[j], rows.To[j*tc.attrs+a], rows.Mix[j]
					}
					for c := 0; c < tc.e; c++ {
						v := float32(0)
						if row >= 0 {
							v = w * table[int(row)*tc.e+c]
						}
						if to >= 0 {
							v += w2 * table[int(to)*tc.e+c]
						}
						want = append(want, v)
					}
				}
				for c, w := range want {
					if got := out[c*tc.b+j]; got != w {
						t.Fatalf("sample %d channel %d: %g, want %g", j, c, got, w)
					}
				}
			}
			h.checkGradFD(1e-2, 1e-3, 40, rng)
		})
	}
}

func TestProjEmbed(t *testing.T) {
	for _, tc := range []struct{ c, b, hw, attrs, r int }{
		{3, 4, 4, 2, 5}, {1, 1, 1, 1, 1}, {6, 5, 9, 3, 7},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.c), 9))
			rows := testRows(rng, tc.attrs, tc.b, tc.r)
			side := int(math.Sqrt(float64(tc.hw)))
			hs := []int{tc.c, tc.b, side, side}
			x := randSlice(rng, prod(hs), 1)
			table := randSlice(rng, tc.r*tc.c, 1)
			h := newHarness(t, []arg{{hs, x, true}, {[]int{tc.r, tc.c}, table, true}}, randSlice(rng, tc.b, 1),
				func(in []*gorgonia.Node) (*gorgonia.Node, error) { return ProjEmbed(in[0], in[1], rows) })
			out, _ := h.run()
			hw := side * side
			for j := 0; j < tc.b; j++ {
				var want float64
				for a := 0; a < tc.attrs; a++ {
					row := int(rows.Rows[j*tc.attrs+a])
					if row < 0 {
						continue
					}
					for c := 0; c < tc.c; c++ {
						for p := 0; p < hw; p++ {
							want += float64(table[row*tc.c+c]) * float64(x[(c*tc.b+j)*hw+p])
						}
					}
				}
				if math.Abs(float64(out[j])-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("sample %d: %g, want %g", j, out[j], want)
				}
			}
			h.checkGradFD(1e-2, 1e-3, 40, rng)
		})
	}
}

func TestEmbedRowsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows *EmbedRows
	}{
		{"row past the table", &EmbedRows{Attrs: 1, Rows: []int32{0, 5}}},
		{"row below -1", &EmbedRows{Attrs: 1, Rows: []int32{-2, 0}}},
		{"wrong count", &EmbedRows{Attrs: 2, Rows: []int32{0, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := gorgonia.NewGraph()
			z := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(2, 2, 1, 1), gorgonia.WithInit(gorgonia.Zeroes()))
			tb := gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(5, 3), gorgonia.WithInit(gorgonia.Zeroes()))
			h := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 2, 1, 1), gorgonia.WithInit(gorgonia.Zeroes()))
			for i, build := range []func() (*gorgonia.Node, error){
				func() (*gorgonia.Node, error) { return EmbedConcat(z, tb, tc.rows) },
				func() (*gorgonia.Node, error) { return ProjEmbed(h, tb, tc.rows) },
			} {
				if _, err := build(); err != nil {
					t.Fatal(err)
				}
				vm := gorgonia.NewTapeMachine(g)
				if err := vm.RunAll(); err == nil {
					t.Errorf("op %d ran with bad rows", i)
				}
				vm.Close()
			}
		})
	}
	if _, err := EmbedConcat(nil, nil, nil); err == nil {
		t.Error("accepted nil rows")
	}
}

func TestAuxCE(t *testing.T) {
	for _, tc := range []struct {
		c, b, side int
		sizes      []int
	}{
		{3, 4, 2, []int{3, 2}}, {1, 1, 1, []int{2}}, {5, 6, 3, []int{4, 2, 3}},
	} {
		t.Run(fmt.Sprint(tc.c, tc.b, tc.sizes), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.b), 11))
			A, R := len(tc.sizes), 0
			for _, s := range tc.sizes {
				R += s
			}
			rows := NewEmbedRows(A, tc.b)
			for j := 0; j < tc.b; j++ {
				first := 0
				for a, s := range tc.sizes {
					if v := rng.IntN(s + 1); v < s { // s: unknown
						rows.Rows[j*A+a] = int32(first + v)
					}
					first += s
				}
			}
			hs := []int{tc.c, tc.b, tc.side, tc.side}
			x := randSlice(rng, prod(hs), 1)
			table := randSlice(rng, R*tc.c, 1)
			h := newHarness(t, []arg{{hs, x, true}, {[]int{R, tc.c}, table, true}}, nil,
				func(in []*gorgonia.Node) (*gorgonia.Node, error) { return AuxCE(in[0], in[1], rows, tc.sizes) })
			out, _ := h.run()
			// Reference: log-sum-exp over each block, minus the target's logit.
			hw := tc.side * tc.side
			var want float64
			for j := 0; j < tc.b; j++ {
				first := 0
				for a, s := range tc.sizes {
					logit := func(v int) float64 {
						var z float64
						for c := 0; c < tc.c; c++ {
							var m float64
							for p := 0; p < hw; p++ {
								m += float64(x[(c*tc.b+j)*hw+p])
							}
							z += float64(table[(first+v)*tc.c+c]) * m / float64(hw)
						}
						return z
					}
					if tr := int(rows.Rows[j*A+a]); tr >= 0 {
						var se float64
						for v := 0; v < s; v++ {
							se += math.Exp(logit(v))
						}
						want += math.Log(se) - logit(tr-first)
					}
					first += s
				}
			}
			want /= float64(tc.b)
			if math.Abs(float64(out[0])-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("loss %g, want %g", out[0], want)
			}
			h.checkGradFD(1e-2, 2e-3, 40, rng)
		})
	}
	rows := NewEmbedRows(1, 2)
	rows.Rows[0] = 3 // outside the 2-row block
	g := gorgonia.NewGraph()
	hh := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(2, 2, 1, 1), gorgonia.WithInit(gorgonia.Zeroes()))
	tb := gorgonia.NewTensor(g, gorgonia.Float32, 2, gorgonia.WithShape(4, 2), gorgonia.WithInit(gorgonia.Zeroes()))
	if _, err := AuxCE(hh, tb, rows, []int{2}); err == nil {
		t.Error("accepted a table of 4 rows for a block of 2")
	}
	if _, err := AuxCE(hh, tb, rows, []int{2, 2}); err == nil {
		t.Error("accepted 2 blocks for 1 attribute")
	}
}
