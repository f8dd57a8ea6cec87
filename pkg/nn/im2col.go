package nn

import (
	"sync"

	"github.com/toongan/toongan/pkg/kernels"
)

// geom describes how a k×k window with stride s and padding p maps an image
// of h×w pixels (per channel and batch item) onto a grid of oh×ow window
// positions: grid position (y, x) covers image rows y*s-p .. y*s-p+k-1 and
// columns x*s-p .. x*s-p+k-1. The same geometry serves convolution
// (image = input, grid = output) and transposed convolution (image = output,
// grid = input).
type geom struct {
	c, b   int // channels, batch
	h, w   int // image height, width
	oh, ow int // grid height, width
	k      int // kernel size
	s, p   int // stride, padding
}

// rows returns the number of rows of the column matrix: c*k*k.
func (g geom) rows() int { return g.c * g.k * g.k }

// cols returns the number of columns of the column matrix: b*oh*ow.
func (g geom) cols() int { return g.b * g.oh * g.ow }

// validRange returns the [lo, hi) of positions i in [0, n) with
// 0 <= i*s+off < size.
func validRange(n, size, s, off int) (lo, hi int) {
	// i*s+off >= 0  <=>  i >= ceil(-off/s)
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	// i*s+off <= size-1  <=>  i <= floor((size-1-off)/s)
	if size-1-off < 0 {
		return 0, 0
	}
	hi = (size-1-off)/s + 1
	if hi > n {
		hi = n
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// ranges returns, for each kernel offset, the grid rows [lo, hi) and grid
// columns [lo, hi) whose image position lies inside the image.
func (g geom) ranges() (ys, xs [][2]int) {
	ys, xs = make([][2]int, g.k), make([][2]int, g.k)
	for i := range g.k {
		lo, hi := validRange(g.oh, g.h, g.s, i-g.p)
		ys[i] = [2]int{lo, hi}
		lo, hi = validRange(g.ow, g.w, g.s, i-g.p)
		xs[i] = [2]int{lo, hi}
	}
	return ys, xs
}

// col2imPlane sums the column matrix's entries for image plane (ch, bi)
// into dst (that plane, h*w values, overwritten). cols holds ncols columns,
// batch item bi's starting at column off. Every plane is summed in the
// same fixed order, so the result is deterministic. With a phase plan
// (newPhasePlan, stride 2) and its buffer of pp.size() values the strided
// sums become contiguous ones (col2imPhases), with the same result; pp nil
// keeps the strided loop.
func col2imPlane(dst, cols []float32, ncols, off, ch int, g geom, ys, xs [][2]int, pp *phasePlan, ph []float32) {
	kk := g.k * g.k
	plane := g.oh * g.ow
	if pp != nil {
		col2imPhases(dst, cols, ncols, off, ch, g, pp, ph)
		return
	}
	clear(dst)
	if plane == 1 { // 1x1 grid: one strided read per kernel offset
		for kr := 0; kr < kk; kr++ {
			ki, kj := kr/g.k, kr%g.k
			if ys[ki][0] < ys[ki][1] && xs[kj][0] < xs[kj][1] {
				dst[(ki-g.p)*g.w+kj-g.p] += cols[(ch*kk+kr)*ncols+off]
			}
		}
		return
	}
	for kr := 0; kr < kk; kr++ {
		ki, kj := kr/g.k, kr%g.k
		xlo, xhi := xs[kj][0], xs[kj][1]
		if xlo >= xhi {
			continue
		}
		r := ch*kk + kr
		src := cols[r*ncols+off : r*ncols+off+plane]
		ix0 := xlo*g.s - g.p + kj
		for y := ys[ki][0]; y < ys[ki][1]; y++ {
			iy := y*g.s - g.p + ki
			drow := dst[iy*g.w : (iy+1)*g.w]
			srow := src[y*g.ow : (y+1)*g.ow]
			if g.s == 1 {
				d := drow[ix0 : ix0+xhi-xlo]
				s := srow[xlo:xhi]
				for i := range d {
					d[i] += s[i]
				}
				continue
			}
			ix := ix0
			for x := xlo; x < xhi; x++ {
				drow[ix] += srow[x]
				ix += g.s
			}
		}
	}
}

// phasePlan is what col2imPhases does for one geometry, worked out once
// per product rather than for every plane. Its buffer holds the stride-2
// image's four phases (pixel (y, x) in phase (y mod 2, x mod 2) at (y/2,
// x/2)), each hp rows of wq = wp+2 values: a row's pixels at 1..wp and one
// spare value on each side.
type phasePlan struct {
	hp, wq int
	adds   []phaseAdd // in kernel-offset order, the strided loop's
}

// phaseAdd is one kernel offset's rows: row kr of the column matrix, from
// grid value src on, added into the phase buffer from dst on, rows rows.
type phaseAdd struct{ kr, src, dst, rows int }

// newPhasePlan returns g's phase plan, or nil where col2imPlane keeps the
// strided loop: a stride other than 2, a 1x1 grid, or a grid column that
// lands, for some kernel column, beyond a phase row's spare values (the
// usual "same" paddings, e.g. k 4, p 1 and k 5, p 2, all fit).
func newPhasePlan(g geom, ys, xs [][2]int) *phasePlan {
	if g.s != 2 || g.oh*g.ow == 1 {
		return nil
	}
	hp, wp := (g.h+1)/2, (g.w+1)/2
	p := &phasePlan{hp: hp, wq: wp + 2}
	for kr := range g.k * g.k {
		ki, kj := kr/g.k, kr%g.k
		qx, rx := floorDiv(kj-g.p, 2)
		if qx < -1 || g.ow-1+qx > wp {
			return nil
		}
		ylo, yhi := ys[ki][0], ys[ki][1]
		if xs[kj][0] >= xs[kj][1] || ylo >= yhi {
			continue
		}
		qy, ry := floorDiv(ki-g.p, 2)
		p.adds = append(p.adds, phaseAdd{kr: kr, src: ylo * g.ow, dst: ((ry*2+rx)*hp+ylo+qy)*p.wq + 1 + qx, rows: yhi - ylo})
	}
	return p
}

// size is the length of p's phase buffer.
func (p *phasePlan) size() int { return 4 * p.hp * p.wq }

// col2imPhases is col2imPlane for stride 2: kernel offset (ki, kj) adds its
// grid rows into phase ((ki-p) mod 2, (kj-p) mod 2) shifted by
// floor((k-p)/2), whole rows at a time (the grid columns whose pixel is
// outside the image land on the rows' spare values, never read), then the
// phases are interleaved into dst. Each pixel gets the same additions in
// the same order as the strided loop, so the sums are bit for bit the
// same.
func col2imPhases(dst, cols []float32, ncols, off, ch int, g geom, p *phasePlan, ph []float32) {
	kk := g.k * g.k
	hp, wq := p.hp, p.wq
	ph = ph[:p.size()]
	clear(ph)
	for _, a := range p.adds {
		kernels.AddRows(ph[a.dst:], wq, cols[(ch*kk+a.kr)*ncols+off+a.src:], g.ow, a.rows, g.ow)
	}
	if g.w%2 == 0 {
		// Even image rows from phases (0, 0) and (0, 1), odd ones from
		// (1, 0) and (1, 1).
		kernels.InterleaveRows(dst, 2*g.w, ph[1:], ph[hp*wq+1:], wq, (g.h+1)/2, g.w/2)
		kernels.InterleaveRows(dst[g.w:], 2*g.w, ph[2*hp*wq+1:], ph[3*hp*wq+1:], wq, g.h/2, g.w/2)
		return
	}
	for iy := range g.h {
		row := ph[((iy%2*2)*hp+iy/2)*wq+1:]
		kernels.Interleave2(dst[iy*g.w:(iy+1)*g.w], row[:(g.w+1)/2], row[hp*wq:][:g.w/2])
	}
}

// gemmCol2im writes img = col2im(aᵀ × x): a is [kdim, c*k*k] (used
// transposed), x is [kdim, b*oh*ow], img is CBHW [c, b, h, w]. It is the
// forward pass of a transposed convolution and the input gradient of a
// convolution. The column matrix is never built whole: it is computed a
// few batch items at a time into a cache-sized buffer and summed into
// those items' planes at once, the chunks spread over the workers. Each
// column of the product is the same whatever the chunking (the GEMM's
// rounding does not depend on how N is split), so the result is bit for
// bit that of one GEMM followed by col2im, for any GOMAXPROCS.
func gemmCol2im(img, a, x []float32, g geom, kdim int) {
	plane := g.oh * g.ow
	rows := g.rows()
	workers := kernels.Workers()
	// Batch items per chunk: about colsTarget columns, at least one item;
	// two chunks per worker when the batch allows without going below
	// colsMin columns (narrower products waste the micro-kernel's width).
	per := max(1, colsTarget/max(plane, 1))
	per = min(per, max((g.b+2*workers-1)/(2*workers), (colsMin+plane-1)/plane))
	if rows*per*plane > colsMaxFloats {
		per = max(1, colsMaxFloats/max(rows*plane, 1))
	}
	chunks := (g.b + per - 1) / per
	ys, xs := g.ranges()
	plan := newPhasePlan(g, ys, xs)
	inner := 1 // GEMM workers inside one chunk
	if chunks < workers {
		inner = workers
	}
	// Several chunks multiply the same a: pack it once for all of them
	// (the packed values are those each product would pack).
	var pa *kernels.PackedA
	if chunks > 1 {
		pa = kernels.GetPackedA(rows, kdim)
		defer kernels.PutPackedA(pa)
		pa.Pack(true, rows, kdim, a, rows)
	}
	kernels.ParallelFor(chunks, func(lo, hi int) {
		bp := chunkPool.Get().(*[]float32)
		defer chunkPool.Put(bp)
		*bp = grow(*bp, rows*per*plane)
		buf := *bp
		for c := lo; c < hi; c++ {
			b0, b1 := c*per, min((c+1)*per, g.b)
			ncols := (b1 - b0) * plane
			if pa != nil {
				kernels.SgemmOnPackedA(inner, pa, false, ncols, 1, x[b0*plane:], g.cols(), 0, buf[:rows*ncols], ncols)
			} else {
				kernels.SgemmOn(inner, true, false, rows, ncols, kdim, 1, a, rows, x[b0*plane:], g.cols(), 0, buf[:rows*ncols], ncols)
			}
			sum := func(c0, c1 int) {
				var ph []float32
				if plan != nil {
					bp := phasePool.Get().(*[]float32)
					defer phasePool.Put(bp)
					*bp = grow(*bp, plan.size())
					ph = *bp
				}
				for ch := c0; ch < c1; ch++ {
					for bi := b0; bi < b1; bi++ {
						t := ch*g.b + bi
						col2imPlane(img[t*g.h*g.w:(t+1)*g.h*g.w], buf, ncols, (bi-b0)*plane, ch, g, ys, xs, plan, ph)
					}
				}
			}
			if inner == 1 {
				sum(0, g.c)
				continue
			}
			// One chunk for several workers: its planes are spread too.
			kernels.ParallelForMin(g.c, max(1, col2imMinChunk/max((b1-b0)*g.h*g.w, 1)), sum)
		}
	})
}

// chunkPool holds gemmCol2im's column buffers, one per worker at a time;
// phasePool col2imPlane's phase buffers (a plane's worth).
var (
	chunkPool = sync.Pool{New: func() any { return new([]float32) }}
	phasePool = sync.Pool{New: func() any { return new([]float32) }}
)

// Chunk sizes for gemmCol2im: the column buffer aims at colsTarget columns
// and stays under colsMaxFloats values (2 MiB, about one core's L2) unless
// one batch item needs more.
const (
	colsTarget    = 512
	colsMin       = 64
	colsMaxFloats = 512 << 10
)

// col2imMinChunk is about the fewest image values a worker sums when one
// chunk's planes are spread over the workers (a batch too small for a
// chunk per worker).
const col2imMinChunk = 1 << 15
