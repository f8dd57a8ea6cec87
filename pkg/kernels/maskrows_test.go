package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaskRows checks the vector kernel (where the CPU has it) and the
// portable loop against a direct reference over piece lengths 0-40 (every
// tail of the 16-, 8- and 4-value steps), overlapping sources, masks of
// all ones, zeros and mixed bits, NaN sources, and guard values around
// the rows that must stay untouched.
func TestMaskRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	impls := []struct {
		name string
		fn   func([]float32, int, []float32, []int, []uint32, []int, []MaskPiece)
	}{
		{"MaskRows", MaskRows},
		{"maskRowsGo", maskRowsGo},
	}
	const guard = -7
	for _, impl := range impls {
		for trial := range 200 {
			rows := 1 + rng.IntN(5)
			src := randVals(rng, 300, 1)
			src[rng.IntN(len(src))] = float32(math.NaN())
			mask := make([]uint32, 120)
			for i := range mask {
				switch rng.IntN(3) {
				case 0:
					mask[i] = 0xffffffff
				case 1:
					mask[i] = rng.Uint32()
				}
			}
			// Pieces side by side in a row, with gaps the kernel must not
			// touch.
			var pieces []MaskPiece
			ld := 0
			for range 1 + rng.IntN(4) {
				n := trial % 41
				if len(pieces) > 0 {
					n = rng.IntN(41)
				}
				pieces = append(pieces, MaskPiece{Dst: ld + 1, Src: rng.IntN(100), Mask: rng.IntN(40), N: n})
				ld += n + 2
			}
			srcRow, maskRow := make([]int, rows), make([]int, rows)
			for r := range rows {
				srcRow[r], maskRow[r] = rng.IntN(150), rng.IntN(40)
			}
			dst := make([]float32, rows*ld)
			for i := range dst {
				dst[i] = guard
			}
			want := append([]float32(nil), dst...)
			for r := range rows {
				for _, q := range pieces {
					for i := range q.N {
						b := math.Float32bits(src[srcRow[r]+q.Src+i]) & mask[maskRow[r]+q.Mask+i]
						want[r*ld+q.Dst+i] = math.Float32frombits(b)
					}
				}
			}
			impl.fn(dst, ld, src, srcRow, mask, maskRow, pieces)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s trial %d (pieces %+v): dst[%d] = %g, want %g", impl.name, trial, pieces, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestMaskRowsPanics: an index outside a slice, masked or not, panics
// before anything is written.
func TestMaskRowsPanics(t *testing.T) {
	src, mask, dst := make([]float32, 20), make([]uint32, 10), make([]float32, 20)
	cases := []struct {
		name           string
		ld             int
		srcRow, mskRow []int
		q              MaskPiece
	}{
		{"source past the end", 10, []int{0, 12}, []int{0, 0}, MaskPiece{N: 9}},
		{"source before the start", 10, []int{0, 2}, []int{0, 0}, MaskPiece{Src: -3, N: 4}},
		{"mask past the end", 10, []int{0, 0}, []int{0, 3}, MaskPiece{N: 8}},
		{"destination past the end", 12, []int{0, 0}, []int{0, 0}, MaskPiece{Dst: 4, N: 5}},
		{"negative length", 10, []int{0, 0}, []int{0, 0}, MaskPiece{N: -1}},
		{"rows disagree", 10, []int{0, 0}, []int{0}, MaskPiece{N: 1}},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			MaskRows(dst, c.ld, src, c.srcRow, mask, c.mskRow, []MaskPiece{c.q})
		}()
	}
}
