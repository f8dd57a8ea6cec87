package kernels

import (
	"sync"
	"unsafe"
)

// microKernel describes one register-tile kernel and the cache blocking that
// suits it. fn computes the mr×nr tile alpha*Ap*Bp + beta*C from a packed A
// micro-panel (kc steps of mr values) and a packed B micro-panel (kc steps of
// nr values); when beta is 0 it must not read C.
type microKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	fn         func(kc int, a, b, c *float32, ldc int, alpha, beta float32)
}

// parallelMinWork is the m*n*k below which Sgemm stays on one goroutine.
const parallelMinWork = 1 << 18

// packedAStream is the cost, in the split's units (2 a multiply-add), of
// streaming one value of op(A), packed beforehand, from memory: the split
// choices it gives were measured, and any value between 16 (below it the
// 64x48 weight gradients from K = 65536 stay split along N, 1.3x slower)
// and 29 (above it D's second layer's weight gradient, 128x1024 from K =
// 16384, would go along M, 1.1x slower) gives the same ones.
const packedAStream = 20

// prepackMinA is the size of op(A) from which a product split along N
// packs op(A) once for all its workers (PackedA, itself split among them)
// rather than once in each; smaller ones are packed by each worker.
const prepackMinA = 1 << 16

// workspace holds one goroutine's packing buffers.
type workspace struct {
	a, b, tile []float32
}

var workspaces sync.Pool

func getWorkspace(na, nb, nt int) *workspace {
	w, _ := workspaces.Get().(*workspace)
	if w == nil {
		w = new(workspace)
	}
	if cap(w.a) < na {
		w.a = make([]float32, na)
	}
	if cap(w.b) < nb {
		w.b = make([]float32, nb)
	}
	if cap(w.tile) < nt {
		w.tile = make([]float32, nt)
	}
	w.a, w.b, w.tile = w.a[:na], w.b[:nb], w.tile[:nt]
	return w
}

// gemmArgs bundles one call's operands so the range workers share them.
type gemmArgs struct {
	kern           *microKernel
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	kc             int
	packer         BPacker  // packs op(B) instead of b when not nil
	pa             *PackedA // op(A) packed beforehand (a unused) when not nil
}

// sgemm is Sgemm with an explicit kernel and worker count (tests use it to
// exercise every kernel and the single-threaded path). Arguments are assumed
// checked.
func sgemm(kern *microKernel, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := &gemmArgs{kern: kern, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	g.do(workers)
}

// do runs the product described by g (kc is set here) over workers
// goroutines.
func (g *gemmArgs) do(workers int) {
	kern, m, n, k, c, ldc := g.kern, g.m, g.n, g.k, g.c, g.ldc
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || g.alpha == 0 {
		scaleC(m, n, g.beta, c, ldc)
		return
	}
	g.kc = blockK(kern, k)

	mr, nr := kern.mr, kern.nr
	mTiles := (m + mr - 1) / mr
	nTiles := (n + nr - 1) / nr
	if workers <= 1 || m*n*k < parallelMinWork || mTiles*nTiles < 2 {
		g.run(0, m, 0, n)
		return
	}
	// Split along N or M in whole tiles, whichever gives the smaller
	// per-worker share: compute, plus the operand every worker needs whole.
	// Along M that is op(B), which each worker packs; along N it is op(A),
	// which each packs too when it is small, and which is otherwise packed
	// once beforehand (below) and streamed from memory by every worker:
	// with few columns a worker to multiply it by, that traffic bounds the
	// product (a weight gradient's 64x48 from K = 65536 ran 1.3x faster
	// split along M).
	wn, wm := min(workers, nTiles), min(workers, mTiles)
	opA := 4 * m
	if g.pa != nil || m*k >= prepackMinA {
		opA = packedAStream * mTiles * mr
	}
	costN := 2*((nTiles+wn-1)/wn)*nr*mTiles*mr + opA
	costM := 2*((mTiles+wm-1)/wm)*mr*nTiles*nr + 4*n
	if costN <= costM {
		// Every worker needs all of op(A): pack it once, split among the
		// workers, instead of once by each.
		if g.pa == nil && m*k >= prepackMinA {
			pa := GetPackedA(m, k)
			defer PutPackedA(pa)
			pa.pack(kern, g.transA, m, k, g.a, g.lda)
			g.pa = pa
		}
		ParallelFor(nTiles, func(lo, hi int) {
			g.run(0, m, lo*nr, min(hi*nr, n))
		})
	} else {
		ParallelFor(mTiles, func(lo, hi int) {
			g.run(lo*mr, min(hi*mr, m), 0, n)
		})
	}
}

// run computes rows [i0,i1) and columns [j0,j1) of C. i0 and j0 are
// multiples of the tile size, so tile boundaries (and with them every
// rounding) are the same however the work is split.
func (g *gemmArgs) run(i0, i1, j0, j1 int) {
	kern := g.kern
	mr, nr := kern.mr, kern.nr
	kc := g.kc
	mc := min(kern.mc, roundUp(i1-i0, mr))
	nc := min(kern.nc, roundUp(j1-j0, nr))
	na := mc * kc
	if g.pa != nil {
		na = 0
	}
	ws := getWorkspace(na, kc*nc, mr*nr)
	defer workspaces.Put(ws)
	ap, bp, tile := ws.a, ws.b, ws.tile

	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			if g.packer != nil {
				g.packer.PackB(bp[:kb*roundUp(nb, nr)], pc, kb, jc, nb, nr)
			} else {
				packB(bp, g.transB, g.b, g.ldb, pc, kb, jc, nb, nr)
			}
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				if g.pa != nil {
					ap = g.pa.block(ic, pc, kb)
				} else {
					packA(ap, g.transA, g.a, g.lda, ic, mb, pc, kb, mr)
				}
				for jr := 0; jr < nb; jr += nr {
					nn := min(nr, nb-jr)
					bpan := &bp[jr*kb]
					for ir := 0; ir < mb; ir += mr {
						mm := min(mr, mb-ir)
						apan := &ap[ir*kb]
						off := (ic+ir)*g.ldc + jc + jr
						if mm == mr && nn == nr {
							kern.fn(kb, apan, bpan, &g.c[off], g.ldc, g.alpha, beta)
							continue
						}
						kern.fn(kb, apan, bpan, &tile[0], nr, g.alpha, 0)
						mergeTile(g.c[off:], g.ldc, tile, nr, mm, nn, beta)
					}
				}
			}
		}
	}
}

// mergeTile stores the top-left mm×nn of an edge tile: C = tile + beta*C.
func mergeTile(c []float32, ldc int, tile []float32, nr, mm, nn int, beta float32) {
	for i := range mm {
		crow := c[i*ldc : i*ldc+nn]
		trow := tile[i*nr : i*nr+nn]
		switch beta {
		case 0:
			copy(crow, trow)
		case 1:
			for j, t := range trow {
				crow[j] += t
			}
		default:
			for j, t := range trow {
				crow[j] = beta*crow[j] + t
			}
		}
	}
}

// scaleC sets C = beta*C, writing zeros (not NaN*0) when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into dst as micro-panels of mr rows:
// panel t holds, for each p, the mr values of rows i0+t*mr..; rows past the
// end are zero.
func packA(dst []float32, trans bool, a []float32, lda, i0, mb, p0, kb, mr int) {
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : ir*kb+kb*mr]
		if trans {
			// op(A)(i,p) = a[p*lda+i]: each p is a contiguous run of rows
			// (copied as fixed-size arrays for the kernels' tile heights:
			// a call to memmove per run costs more than the run).
			packRuns(d, a[(p0)*lda+i0+ir:], lda, kb, rows, mr)
			continue
		}
		transposeInto(d, mr, a[(i0+ir)*lda+p0:], lda, rows, kb)
	}
}

// packRuns writes, for p < kb, the rows values at src[p*lda:] into
// d[p*mr:], zero-padded to mr: packA's rows of a transposed A, packB's
// columns of B. The kernels' tile widths are copied as fixed-size arrays.
func packRuns(d, src []float32, lda, kb, rows, mr int) {
	switch {
	case rows == 32 && mr == 32:
		for p := range kb {
			*(*[32]float32)(d[p*32:]) = *(*[32]float32)(src[p*lda:])
		}
	case rows == 16 && mr == 16:
		for p := range kb {
			*(*[16]float32)(d[p*16:]) = *(*[16]float32)(src[p*lda:])
		}
	case rows == 14 && mr == 14: // 16-byte pieces: larger arrays are copied by a call
		for p := range kb {
			dp, sp := d[p*14:p*14+14], src[p*lda:p*lda+14]
			*(*[4]float32)(dp) = *(*[4]float32)(sp)
			*(*[4]float32)(dp[4:]) = *(*[4]float32)(sp[4:])
			*(*[4]float32)(dp[8:]) = *(*[4]float32)(sp[8:])
			*(*[2]float32)(dp[12:]) = *(*[2]float32)(sp[12:])
		}
	case rows == 6 && mr == 6:
		for p := range kb {
			dp, sp := d[p*6:p*6+6], src[p*lda:p*lda+6]
			*(*[4]float32)(dp) = *(*[4]float32)(sp)
			*(*[2]float32)(dp[4:]) = *(*[2]float32)(sp[4:])
		}
	case rows == 4 && mr == 4:
		for p := range kb {
			*(*[4]float32)(d[p*4:]) = *(*[4]float32)(src[p*lda:])
		}
	default:
		for p := range kb {
			dp := d[p*mr : p*mr+mr]
			copy(dp, src[p*lda:p*lda+rows])
			clear(dp[rows:])
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into dst as micro-panels of nr
// columns: panel t holds, for each p, the nr values of columns j0+t*nr..;
// columns past the end are zero.
func packB(dst []float32, trans bool, b []float32, ldb, p0, kb, j0, nb, nr int) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : jr*kb+kb*nr]
		if trans {
			// op(B)(p,j) = b[j*ldb+p]: each column is a contiguous run of p.
			transposeInto(d, nr, b[(j0+jr)*ldb+p0:], ldb, cols, kb)
			continue
		}
		packRuns(d, b[p0*ldb+j0+jr:], ldb, kb, cols, nr)
	}
}

// transposeInto writes the rows×n block src (row stride ld) transposed into
// d, an n×w block with row stride w: d[p*w+r] = src[r*ld+p] for r < rows,
// and zero for rows <= r < w.
func transposeInto(d []float32, w int, src []float32, ld, rows, n int) {
	d = d[:n*w]
	r := 0
	for ; r+8 <= rows; r += 8 {
		transpose8(d[r:], w, src[r*ld:], ld, n)
	}
	if r < rows && rows >= 8 {
		// Finish with an 8-row strip that overlaps the last one.
		transpose8(d[rows-8:], w, src[(rows-8)*ld:], ld, n)
		r = rows
	}
	for ; r < rows; r++ {
		s := src[r*ld:][:n]
		for p, v := range s {
			d[p*w+r] = v
		}
	}
	for ; r < w; r++ {
		for p := range n {
			d[p*w+r] = 0
		}
	}
}

// transpose8Go is the portable transpose8 for columns [p0,n).
func transpose8Go(d []float32, w int, src []float32, ld, p0, n int) {
	s0 := src[0*ld:][:n]
	s1 := src[1*ld:][:n]
	s2 := src[2*ld:][:n]
	s3 := src[3*ld:][:n]
	s4 := src[4*ld:][:n]
	s5 := src[5*ld:][:n]
	s6 := src[6*ld:][:n]
	s7 := src[7*ld:][:n]
	for p := p0; p < n; p++ {
		dp := (*[8]float32)(d[p*w:])
		dp[0], dp[1], dp[2], dp[3] = s0[p], s1[p], s2[p], s3[p]
		dp[4], dp[5], dp[6], dp[7] = s4[p], s5[p], s6[p], s7[p]
	}
}

// goKernel is the portable 4x4 micro-kernel.
var goKernel = microKernel{name: "go", mr: 4, nr: 4, kc: 256, mc: 128, nc: 1024, fn: sgemmKernelGo}

func sgemmKernelGo(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	as := unsafe.Slice(a, kc*4)
	bs := unsafe.Slice(b, kc*4)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := range kc {
		av := as[p*4 : p*4+4 : p*4+4]
		bv := bs[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	acc := [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
	for i := range 4 {
		row := cs[i*ldc : i*ldc+4 : i*ldc+4]
		ac := acc[i*4 : i*4+4 : i*4+4]
		if beta == 0 {
			for j := range row {
				row[j] = alpha * ac[j]
			}
			continue
		}
		for j := range row {
			row[j] = alpha*ac[j] + beta*row[j]
		}
	}
}
