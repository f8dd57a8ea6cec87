package kernels

import "sync"

// BufPool keeps a few large float32 buffers for reuse across ops and
// steps: the packed weights of the GEMMs, nn's phase-split images. It is a
// list under a lock rather than a sync.Pool: a collection does not empty
// it, and a caller that moved to another processor (ParallelFor yields)
// does not put a buffer into that processor's private slot, out of reach
// of the next Get elsewhere (with a sync.Pool a classic step kept
// allocating buffers the size of the largest weights; its peak RSS grew
// by about 90 MiB). The zero value is ready to use.
type BufPool struct {
	mu   sync.Mutex
	free [][]float32
}

// bufPoolMax is how many buffers a BufPool keeps: a step uses buffers of a
// few sizes.
const bufPoolMax = 4

// Get returns a buffer of n values (contents undefined): the smallest kept
// one that holds n, or a new one.
func (p *BufPool) Get(n int) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	best := -1
	for i, b := range p.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]float32, n)
	}
	b := p.free[best]
	p.free = append(p.free[:best], p.free[best+1:]...)
	return b[:n]
}

// Put hands b back for reuse, dropping the smallest kept buffer when
// full; b must not be used afterwards.
func (p *BufPool) Put(b []float32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, b)
	if len(p.free) > bufPoolMax {
		small := 0
		for i, f := range p.free {
			if cap(f) < cap(p.free[small]) {
				small = i
			}
		}
		p.free = append(p.free[:small], p.free[small+1:]...)
	}
}
