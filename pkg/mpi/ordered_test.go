package mpi

import (
	"math"
	"testing"
)

// TestAddInOrder: rows are added left to right in the buffer's precision,
// which float32 rounding can tell apart from any other order.
func TestAddInOrder(t *testing.T) {
	big := float32(1 << 24)
	for _, tc := range []struct {
		name string
		all  []float32
		want []float32
	}{
		{"one row", []float32{1, 2}, []float32{1, 2}},
		{"two rows", []float32{1, 2, 3, 4}, []float32{4, 6}},
		// (2^24 + 1) + 1 rounds to 2^24 twice; 2^24 + (1 + 1) does not
		{"order", []float32{big, 1, 1}, []float32{big}},
		{"order, last first", []float32{1, 1, big}, []float32{big + 2}},
	} {
		dst := make([]float32, len(tc.want))
		AddInOrder(dst, tc.all)
		for i := range dst {
			if dst[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, dst, tc.want)
				break
			}
		}
	}
}

// TestOrderedSumPieces: a buffer longer than a chunk is gathered in
// pieces, each summed in rank order, as a job of 3 ranks would (a fake
// gather stands in for MPI_Allgather: rank r holds r*1000 + i).
func TestOrderedSumPieces(t *testing.T) {
	const n = 3
	for _, chunk := range []int{1, 6, 7, 1 << 20} {
		buf := make([]float64, 10)
		for i := range buf {
			buf[i] = float64(i) // rank 0's values
		}
		calls := 0
		gather := func(piece, all []float64) error {
			calls++
			if len(all) != n*len(piece) {
				t.Fatalf("chunk %d: gather of %d into %d", chunk, len(piece), len(all))
			}
			off := int(piece[0]) // the piece's first index (rank 0's value)
			for r := range n {
				for i := range piece {
					all[r*len(piece)+i] = float64(r*1000 + off + i)
				}
			}
			return nil
		}
		if _, err := orderedSum(buf, nil, n, chunk, gather); err != nil {
			t.Fatal(err)
		}
		for i, v := range buf {
			if want := float64(3*i + 3000); v != want {
				t.Fatalf("chunk %d: sum[%d] = %g, want %g", chunk, i, v, want)
			}
		}
		if want := int(math.Ceil(10 / float64(max(chunk/n, 1)))); calls != want {
			t.Errorf("chunk %d: %d gathers, want %d", chunk, calls, want)
		}
	}
}

// In one process the ordered sums leave the values as they are.
func TestOrderedSingleProcess(t *testing.T) {
	var o Ordered
	f32 := []float32{1, -2.5}
	f64 := []float64{3, 5e300}
	if err := o.SumFloat32(f32); err != nil {
		t.Fatal(err)
	}
	if err := o.SumFloat64(f64); err != nil {
		t.Fatal(err)
	}
	if f32[1] != -2.5 || f64[1] != 5e300 {
		t.Fatalf("ordered sums over one rank changed the values: %v %v", f32, f64)
	}
}
