package kernels

import (
	"runtime"
	"sync"
)

// Workers reports how many goroutines ParallelFor spreads work over: the
// current GOMAXPROCS.
func Workers() int { return runtime.GOMAXPROCS(0) }

// ParallelFor splits [0,n) into min(n, Workers()) contiguous chunks of
// near-equal size (sizes differ by at most one, larger chunks first) and
// calls fn(lo, hi) once per chunk, concurrently, returning when all are done.
// The chunk boundaries depend only on n and Workers(). The calling goroutine
// runs the first chunk; the others go to a persistent pool of workers (or to
// a fresh goroutine when every pool worker is busy, so nested calls cannot
// deadlock). fn must be safe to call concurrently on disjoint ranges.
//
// Go queues a goroutine woken by the hand-over on the caller's own
// processor, and an idle processor steals it from there only after a
// pause (the scheduler's usleep(3), about 50µs under Linux's default timer
// slack), on every call; a training step is a chain of a few hundred
// calls of a millisecond or less at small batches. So once the chunks are
// handed out the caller yields: its processor runs the woken worker at
// once, and the processor the hand-over woke takes the caller from the
// global queue, without the pause.
func ParallelFor(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := min(Workers(), n)
	if w <= 1 {
		fn(0, n)
		return
	}
	ensurePool(w - 1)
	var wg sync.WaitGroup
	wg.Add(w - 1)
	q, r := n/w, n%w
	bound := func(i int) int { return i*q + min(i, r) }
	for i := 1; i < w; i++ {
		t := poolTask{fn: fn, lo: bound(i), hi: bound(i + 1), wg: &wg}
		select {
		case poolTasks <- t:
		default:
			go t.run()
		}
	}
	runtime.Gosched()
	fn(0, bound(1))
	wg.Wait()
}

// ParallelForMin calls fn on contiguous chunks [lo, hi) covering [0, n), at
// most one per worker and each of at least minChunk items (so that small
// loops stay on one goroutine), and waits for all of them. Chunk i is
// [i*n/w, (i+1)*n/w) for w chunks; the boundaries depend only on n,
// minChunk and Workers(), so work that writes disjoint outputs is
// deterministic.
func ParallelForMin(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := min(Workers(), n/max(minChunk, 1))
	if w <= 1 {
		fn(0, n)
		return
	}
	ParallelFor(w, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i*n/w, (i+1)*n/w)
		}
	})
}

type poolTask struct {
	fn     func(lo, hi int)
	lo, hi int
	wg     *sync.WaitGroup
}

func (t poolTask) run() {
	defer t.wg.Done()
	t.fn(t.lo, t.hi)
}

var (
	poolTasks   = make(chan poolTask)
	poolMu      sync.Mutex
	poolStarted int
)

// ensurePool starts pool workers until at least n are running. Workers live
// for the life of the process, idle on a channel receive.
func ensurePool(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	for ; poolStarted < n; poolStarted++ {
		go func() {
			for t := range poolTasks {
				t.run()
			}
		}()
	}
}
