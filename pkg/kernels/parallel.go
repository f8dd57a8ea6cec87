package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Workers reports how many goroutines ParallelFor spreads work over: the
// current GOMAXPROCS.
func Workers() int { return runtime.GOMAXPROCS(0) }

// ParallelFor splits [0,n) into min(n, Workers()) contiguous chunks of
// near-equal size (sizes differ by at most one, larger chunks first) and
// calls fn(lo, hi) once per chunk, concurrently, returning when all are done.
// The chunk boundaries depend only on n and Workers(). The calling goroutine
// runs the first chunk; the others go to a persistent pool of workers (or to
// a fresh goroutine when no pool worker is free, so nested calls cannot
// deadlock). fn must be safe to call concurrently on disjoint ranges.
//
// A training step is a chain of a few hundred such calls, each a
// millisecond or less at small batches, so the hand-over matters: a pool
// worker that sleeps has to be woken, and Go queues a woken goroutine on
// the waker's own processor, from where an idle one takes it only after a
// short sleep (tens of microseconds with Linux's timer slack), each call.
// So a worker that has finished a chunk polls for the next one for a while
// (poolSpin) before it blocks, and the caller polls for its chunks' end
// (callerSpin) before it blocks; neither changes which chunks run or any
// result.
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
	j := &join{}
	j.pending.Store(int32(w - 1))
	j.wg.Add(w - 1)
	q, r := n/w, n%w
	bound := func(i int) int { return i*q + min(i, r) }
	spin := true
	for i := 1; i < w; i++ {
		t := poolTask{fn: fn, lo: bound(i), hi: bound(i + 1), j: j}
		if !submit(t) {
			// A fresh goroutine queues on this processor: block at the end
			// rather than poll, so that it can run here.
			spin = false
			go t.run()
		}
	}
	fn(0, bound(1))
	j.wait(spin)
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

// How long a pool worker polls for its next chunk, and a caller for the end
// of its chunks, before blocking. A chunk handed to a polling worker starts
// at once; one handed to a blocked worker waits for a wake-up.
const (
	poolSpin   = 200 * time.Microsecond
	callerSpin = 200 * time.Microsecond
)

// join is one ParallelFor call's completion: pending counts the chunks
// handed out that have not finished (polled by the caller); wg is the same
// count for a caller that blocks, which sets parked first.
type join struct {
	pending atomic.Int32
	parked  atomic.Bool
	wg      sync.WaitGroup
}

// wait returns when every chunk handed out has finished; with spin it
// polls for up to callerSpin first.
func (j *join) wait(spin bool) {
	if spin {
		start := time.Now()
		for j.pending.Load() != 0 {
			if time.Since(start) > callerSpin {
				spin = false
				break
			}
		}
	}
	if !spin {
		j.parked.Store(true)
		j.wg.Wait()
	}
}

type poolTask struct {
	fn     func(lo, hi int)
	lo, hi int
	j      *join
}

// run computes the chunk and reports it done. It returns whether the
// caller is blocked (parked) waiting for it: the caller is then woken onto
// this goroutine's processor, so the worker should get out of its way.
func (t poolTask) run() (parked bool) {
	t.fn(t.lo, t.hi)
	t.j.pending.Add(-1)
	t.j.wg.Done()
	return t.j.parked.Load() // set before it blocked, if it did
}

var (
	// poolTasks holds chunks promised to idle workers: a chunk is only sent
	// after reserving a worker (poolIdle), so every chunk sent is taken.
	poolTasks = make(chan poolTask, poolMax)
	// poolIdle counts the workers waiting for a chunk (polling or blocked)
	// that no chunk has been promised to yet.
	poolIdle    atomic.Int32
	poolMu      sync.Mutex
	poolStarted int
)

// poolMax bounds the pool; further chunks get goroutines of their own.
const poolMax = 256

// submit hands t to an idle pool worker and reports whether there was one.
func submit(t poolTask) bool {
	for {
		idle := poolIdle.Load()
		if idle <= 0 {
			return false
		}
		if poolIdle.CompareAndSwap(idle, idle-1) {
			poolTasks <- t // never blocks: at most poolMax workers wait, one chunk each
			return true
		}
	}
}

// ensurePool starts pool workers until at least n are running (at most
// poolMax). Workers live for the life of the process.
func ensurePool(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	for ; poolStarted < min(n, poolMax); poolStarted++ {
		go poolWorker()
	}
}

// poolWorker runs chunks forever: it offers itself (poolIdle), takes the
// chunk promised to it, polling for up to poolSpin and then blocking, and
// runs it.
func poolWorker() {
	block := false
	for {
		poolIdle.Add(1)
		var t poolTask
		if block || !poll(&t) {
			t = <-poolTasks
		}
		block = t.run()
	}
}

// poll waits up to poolSpin for a chunk, without blocking.
func poll(t *poolTask) bool {
	start := time.Now()
	for {
		select {
		case *t = <-poolTasks:
			return true
		default:
		}
		if time.Since(start) > poolSpin {
			return false
		}
	}
}
