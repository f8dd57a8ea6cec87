package nn

import "github.com/toongan/toongan/pkg/kernels"

// parallelFor calls fn on contiguous chunks [lo, hi) covering [0, n), one
// chunk per worker, and waits for all of them. Chunk boundaries depend only
// on n and GOMAXPROCS, so work that writes disjoint outputs is deterministic.
func parallelFor(n int, fn func(lo, hi int)) {
	parallelForMin(n, 1, fn)
}

// parallelForMin is parallelFor with at least minChunk items per chunk, to
// keep scheduling overhead away from small loops.
func parallelForMin(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := min(kernels.Workers(), n/max(minChunk, 1))
	if w <= 1 {
		fn(0, n)
		return
	}
	kernels.ParallelFor(w, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i*n/w, (i+1)*n/w)
		}
	})
}
