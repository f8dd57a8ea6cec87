package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParallelFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		if Workers() != procs {
			t.Fatalf("Workers() = %d with GOMAXPROCS %d", Workers(), procs)
		}
		for _, n := range []int{0, 1, 2, 5, 7, 100, 1001} {
			hits := make([]int32, n)
			var calls atomic.Int32
			var mu sync.Mutex
			var chunks [][2]int
			ParallelFor(n, func(lo, hi int) {
				calls.Add(1)
				mu.Lock()
				chunks = append(chunks, [2]int{lo, hi})
				mu.Unlock()
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("procs=%d n=%d: index %d visited %d times", procs, n, i, h)
				}
			}
			if want := int32(min(n, procs)); calls.Load() != want {
				t.Errorf("procs=%d n=%d: %d chunks, want %d", procs, n, calls.Load(), want)
			}
			for _, c := range chunks {
				if size := c[1] - c[0]; size < n/procs || size > n/procs+1 {
					t.Errorf("procs=%d n=%d: unbalanced chunk %v", procs, n, c)
				}
			}
		}
	}
}

// TestParallelForNested checks nested calls finish (no deadlock when every
// pool worker is itself waiting on a ParallelFor).
func TestParallelForNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var total atomic.Int64
	ParallelFor(8, func(lo, hi int) {
		for range hi - lo {
			ParallelFor(8, func(lo, hi int) {
				ParallelFor(hi-lo, func(lo, hi int) { total.Add(int64(hi - lo)) })
			})
		}
	})
	if total.Load() != 64 {
		t.Errorf("total %d, want 64", total.Load())
	}
}

// TestParallelForConcurrent runs many callers at once (more than there are
// workers, so some chunks get goroutines of their own) and checks every
// chunk runs once.
func TestParallelForConcurrent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		var total atomic.Int64
		var want int64
		for g := range 12 {
			for i := range 200 {
				want += int64(1 + (g*7+i)%9)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					n := 1 + (g*7+i)%9
					ParallelFor(n, func(lo, hi int) { total.Add(int64(hi - lo)) })
				}
			}()
		}
		wg.Wait()
		if total.Load() != want {
			t.Fatalf("procs=%d: %d items visited, want %d", procs, total.Load(), want)
		}
	}
}
