package mpi

import (
	"fmt"
	"sync"
)

// orderedChunk bounds the values gathered at once (all ranks' together):
// a long buffer is summed in pieces, so that the gathered copies take at
// most 16 MiB of float32s (32 MiB of float64s) whatever the job's size.
const orderedChunk = 1 << 22

// Ordered sums over the ranks in rank order: every rank gets
// ((b0 + b1) + b2) + ... + b(N-1), its values added in that order in the
// buffer's own precision, the sum one process with --reduce-split N makes
// of its N slices' parts. MPI_Allreduce adds in an order of its own (a tree
// or a ring, by message size), equal to that only for N <= 2. The cost:
// every rank gathers all ranks' values (MPI_Allgather) and adds them
// itself, so each rank receives (N-1) times the buffer instead of the
// 2(N-1)/N times of a ring allreduce: the same for 2 ranks, N/2 times as
// many bytes above. The zero value is ready; an Ordered is safe for one
// caller at a time (it keeps the gathered values between calls).
type Ordered struct {
	mu  sync.Mutex
	f32 []float32
	f64 []float64
}

// SumFloat32 replaces buf with its element-wise sum over all ranks, added
// in rank order.
func (o *Ordered) SumFloat32(buf []float32) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var err error
	o.f32, err = orderedSum(buf, o.f32, Size(), orderedChunk, gatherFloat32)
	return err
}

// SumFloat64 replaces buf with its element-wise sum over all ranks, added
// in rank order.
func (o *Ordered) SumFloat64(buf []float64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var err error
	o.f64, err = orderedSum(buf, o.f64, Size(), orderedChunk, gatherFloat64)
	return err
}

// orderedSum gathers buf from the n ranks piece by piece, at most chunk
// values of all ranks at once (gather fills all with the ranks' pieces,
// rank-major), and writes their sum in rank order into buf; it returns the
// (grown) scratch all.
func orderedSum[T float32 | float64](buf, all []T, n, chunk int, gather func(piece, all []T) error) ([]T, error) {
	if n == 1 || len(buf) == 0 {
		return all, nil
	}
	step := max(chunk/n, 1)
	for lo := 0; lo < len(buf); lo += step {
		piece := buf[lo:min(lo+step, len(buf))]
		if cap(all) < n*len(piece) {
			all = make([]T, n*min(step, len(buf)))
		}
		a := all[:n*len(piece)]
		if err := gather(piece, a); err != nil {
			return all, fmt.Errorf("mpi: ordered sum of %d values: %w", len(buf), err)
		}
		AddInOrder(piece, a)
	}
	return all, nil
}

// AddInOrder writes into dst the element-wise sum of the len(all)/len(dst)
// rows of all (rank-major: row r is rank r's values), added row by row in
// order: dst = ((row0 + row1) + row2) + ....
func AddInOrder[T float32 | float64](dst, all []T) {
	m := len(dst)
	if m == 0 {
		return
	}
	copy(dst, all[:m])
	for r := m; r+m <= len(all); r += m {
		for i, v := range all[r : r+m] {
			dst[i] += v
		}
	}
}
