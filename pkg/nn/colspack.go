package nn

import (
	"sync"

	"github.com/toongan/toongan/pkg/kernels"
)

// colsPacker is the column matrix of an image (what im2col would write) as
// an SGEMM operand that is never stored: the GEMM's packing step gathers it
// straight from the image. op(B) is the column matrix ([c*k*k, b*oh*ow])
// or, with trans, its transpose. The packed values are the ones im2col
// would have stored, so the product is bit for bit the one with an
// explicit column matrix, without its memory and its extra pass.
//
// With stride s > 1 the image is first split into its s*s phases (pixel
// (y, x) goes to plane (y mod s, x mod s) at (y/s, x/s)), one pass over the
// image, after which every run of a row of the column matrix is a
// contiguous copy instead of a strided gather.
//
// Where a phase plane's rows are as wide as the grid's (wp == ow: every
// stride-2 layer of the DCGANs, k = 2p+1 or 2p+2), a row of the column
// matrix is, within each batch item, one contiguous run of a phase plane
// shifted by the kernel offset, with the positions whose pixel lies in
// the padding set to zero. PackB then copies whole items through a mask of those
// positions (kernels.MaskRows), one vector pass, instead of a short copy
// per grid row.
type colsPacker struct {
	img    []float32 // [c, b, s, s, hp, wp]: the image split by phase (the image itself when s == 1)
	g      geom
	trans  bool
	ys, xs [][2]int // g.ranges()
	hp, wp int      // a phase plane's height and width
	owned  []float32
	lead   int // where the phase-split image starts in img (the masked copy's reads before it)

	// The masked copy (nil masks: the runs of PackB's general path).
	masks []uint32 // [k*k, oh*ow]: all ones where kernel offset kk's pixel for the grid position is inside the image
	offs  []int    // [k*k]: kernel offset kk's offset in the phase-split image, channel 0 and item 0
}

func newColsPacker(img []float32, g geom, trans bool) *colsPacker {
	ys, xs := g.ranges()
	cp := &colsPacker{img: img, g: g, trans: trans, ys: ys, xs: xs, hp: g.h, wp: g.w}
	if g.s > 1 {
		cp.hp, cp.wp = (g.h+g.s-1)/g.s, (g.w+g.s-1)/g.s
	}
	lo, end, masked := cp.maskedReach()
	if g.s > 1 {
		// The phase-split image, with a guard before and after it for the
		// masked copy's reads into the padding (never through the mask).
		n := g.c * g.b * g.s * g.s * cp.hp * cp.wp
		lead, tail := 0, 0
		if masked {
			lead, tail = max(0, -lo), max(0, end-n)
		}
		cp.owned = phaseBufs.Get(lead + n + tail)
		splitPhases(cp.owned[lead:lead+n], img, g, cp.hp, cp.wp)
		cp.img, cp.lead = cp.owned, lead
	}
	if masked && lo+cp.lead >= 0 && end+cp.lead <= len(cp.img) {
		kk := g.k * g.k
		cp.offs = make([]int, kk)
		for r := range kk {
			cp.offs[r] = cp.rowInfo(r).base
		}
		cp.masks = packMasks(g, ys, xs)
	}
	return cp
}

// maskedReach reports whether the geometry suits the masked copy (grid
// rows as wide as the phase planes' rows, and grids of 8 values or more)
// and the span [lo, end) of the phase-split image it then reads, masked
// values included, before any guard (lo < 0: reads before the image).
func (cp *colsPacker) maskedReach() (lo, end int, ok bool) {
	g := cp.g
	if cp.wp != g.ow || g.oh*g.ow < 8 {
		return 0, 0, false
	}
	lo, hi := cp.rowInfo(0).base, cp.rowInfo(0).base
	for r := 1; r < g.k*g.k; r++ {
		b := cp.rowInfo(r).base
		lo, hi = min(lo, b), max(hi, b)
	}
	item := g.s * g.s * cp.hp * cp.wp
	return lo, (g.c-1)*g.b*item + hi + (g.b-1)*item + g.oh*g.ow, true
}

// maskKey is the part of a geometry its masks depend on.
type maskKey struct{ h, w, oh, ow, k, s, p int }

// maskCache keeps the masks of every geometry seen (a few per model).
var maskCache sync.Map // maskKey -> []uint32

// packMasks returns the masked copy's masks for g: for kernel offset
// (ki, kj) and grid position (y, x), all ones when the pixel is inside
// the image (ys[ki] and xs[kj] hold y and x), else zero.
func packMasks(g geom, ys, xs [][2]int) []uint32 {
	key := maskKey{g.h, g.w, g.oh, g.ow, g.k, g.s, g.p}
	if m, ok := maskCache.Load(key); ok {
		return m.([]uint32)
	}
	plane := g.oh * g.ow
	m := make([]uint32, g.k*g.k*plane)
	for ki := range g.k {
		for kj := range g.k {
			mk := m[(ki*g.k+kj)*plane:]
			for y := ys[ki][0]; y < ys[ki][1]; y++ {
				for x := xs[kj][0]; x < xs[kj][1]; x++ {
					mk[y*g.ow+x] = 0xffffffff
				}
			}
		}
	}
	maskCache.Store(key, m)
	return m
}

// maskedRows sets ps.srcRow and ps.maskRow to the masked copy's offsets of
// the column matrix's rows r0 .. r0+n.
func (cp *colsPacker) maskedRows(ps *packScratch, r0, n int) {
	g := cp.g
	kk, plane := g.k*g.k, g.oh*g.ow
	chStride := g.b * g.s * g.s * cp.hp * cp.wp
	ps.srcRow, ps.maskRow = ps.srcRow[:0], ps.maskRow[:0]
	for r := r0; r < r0+n; r++ {
		ch, kr := r/kk, r%kk
		ps.srcRow = append(ps.srcRow, ch*chStride+cp.offs[kr])
		ps.maskRow = append(ps.maskRow, kr*plane)
	}
}

// maskedPieces appends to dst the masked copy's pieces for the columns
// c0 .. c0+n of the column matrix, one per batch item they touch.
func (cp *colsPacker) maskedPieces(dst []kernels.MaskPiece, c0, n int) []kernels.MaskPiece {
	g := cp.g
	plane := g.oh * g.ow
	item := g.s * g.s * cp.hp * cp.wp
	for o := 0; o < n; {
		b, l0 := (c0+o)/plane, (c0+o)%plane
		l := min(plane-l0, n-o)
		dst = append(dst, kernels.MaskPiece{Dst: o, Src: b*item + l0, Mask: l0, N: l})
		o += l
	}
	return dst
}

// release hands the phase buffer back; the packer is not used afterwards.
func (cp *colsPacker) release() {
	if cp.owned != nil {
		phaseBufs.Put(cp.owned)
		cp.owned, cp.img = nil, nil
	}
}

// splitPhases writes the s*s phases of every image plane of img into dst
// ([c, b, s, s, hp, wp]); entries past the image's edge are left as they
// were (the general path never reads them, the masked copy reads them
// under a zero mask). Stride 2, every strided layer of the DCGANs, splits
// the rows with kernels.DeinterleaveRows (a plane's even rows, then its odd
// ones) or, for odd widths, kernels.Deinterleave2 row by row (vector code
// where the CPU has it).
func splitPhases(dst, img []float32, g geom, hp, wp int) {
	s := g.s
	kernels.ParallelForMin(g.c*g.b, max(1, 16384/(g.h*g.w)), func(lo, hi int) {
		for t := lo; t < hi; t++ {
			src := img[t*g.h*g.w : (t+1)*g.h*g.w]
			out := dst[t*s*s*hp*wp : (t+1)*s*s*hp*wp]
			if s == 2 && g.w%2 == 0 {
				// Even rows into phases (0, 0) and (0, 1), odd rows into
				// (1, 0) and (1, 1), each a call.
				kernels.DeinterleaveRows(out, out[hp*wp:], wp, src, 2*g.w, (g.h+1)/2, g.w/2)
				kernels.DeinterleaveRows(out[2*hp*wp:], out[3*hp*wp:], wp, src[g.w:], 2*g.w, g.h/2, g.w/2)
				continue
			}
			for y := range g.h {
				row := src[y*g.w : (y+1)*g.w]
				if s == 2 {
					o := out[(y%2*2*hp+y/2)*wp:]
					kernels.Deinterleave2(o[:(g.w+1)/2], o[hp*wp:][:g.w/2], row)
					continue
				}
				for px := range s {
					o := out[((y%s*s+px)*hp+y/s)*wp:][:wp]
					for q, x := 0, px; x < g.w; q, x = q+1, x+s {
						o[q] = row[x]
					}
				}
			}
		}
	})
}

// seg is a run of consecutive columns of the column matrix that share a
// batch item and an output row: columns o .. o+n of the run start at
// output pixel (y, x) of item b; base is the offset of (item b, phase
// row y) in the phase-split image, before the row's own offsets.
type seg struct{ o, n, y, x, base int }

// segments splits the columns [c0, c0+n) into runs along output rows.
func (cp *colsPacker) segments(dst []seg, c0, n int) []seg {
	g := cp.g
	plane := g.oh * g.ow
	b, rem := c0/plane, c0%plane
	y, x := rem/g.ow, rem%g.ow
	dst = dst[:0]
	for o := 0; o < n; {
		l := min(g.ow-x, n-o)
		dst = append(dst, seg{o: o, n: l, y: y, x: x, base: b*g.s*g.s*cp.hp*cp.wp + y*cp.wp})
		o += l
		x = 0
		if y++; y == g.oh {
			y = 0
			b++
		}
	}
	return dst
}

// rowInfo is what a row (ch, ki, kj) of the column matrix needs to gather
// its runs: the output rows and columns whose image pixel is inside the
// image, and the offset of output pixel (0, 0)'s pixel in the phase-split
// image (as if it were inside).
type rowInfo struct {
	ylo, yhi, xlo, xhi int
	base               int
}

// rowInfo returns row r's gather parameters. With ki-p = s*qi + ri (0 <=
// ri < s), image row y*s-p+ki is phase row y+qi of phase ri; likewise for
// columns.
func (cp *colsPacker) rowInfo(r int) rowInfo {
	g := cp.g
	kk := g.k * g.k
	ch, kr := r/kk, r%kk
	ki, kj := kr/g.k, kr%g.k
	qi, ri := floorDiv(ki-g.p, g.s)
	qj, rj := floorDiv(kj-g.p, g.s)
	return rowInfo{ylo: cp.ys[ki][0], yhi: cp.ys[ki][1], xlo: cp.xs[kj][0], xhi: cp.xs[kj][1],
		base: cp.lead + ((ch*g.b*g.s+ri)*g.s+rj)*cp.hp*cp.wp + qi*cp.wp + qj}
}

// floorDiv returns q, r with a = s*q + r and 0 <= r < s.
func floorDiv(a, s int) (q, r int) {
	q, r = a/s, a%s
	if r < 0 {
		q, r = q-1, r+s
	}
	return q, r
}

// row writes the column matrix's row ri over the columns described by
// segs into dst (dst[s.o:s.o+s.n] for each segment s).
func (cp *colsPacker) row(dst []float32, ri rowInfo, segs []seg) {
	img := cp.img
	for _, sg := range segs {
		d := dst[sg.o : sg.o+sg.n]
		a, e := max(sg.x, ri.xlo), min(sg.x+sg.n, ri.xhi)
		if sg.y < ri.ylo || sg.y >= ri.yhi || a >= e {
			clear(d)
			continue
		}
		if a > sg.x {
			clear(d[:a-sg.x])
		}
		if e < sg.x+sg.n {
			clear(d[e-sg.x:])
		}
		v := d[a-sg.x : e-sg.x]
		src := img[ri.base+sg.base+a:]
		if len(v) >= 64 {
			copy(v, src)
			continue
		}
		copyShort(v, src[:len(v)])
	}
}

// copyShort copies a short run in 16-byte pieces (the compiler copies
// [4]float32 inline, larger arrays and copy() through a call to memmove,
// which costs more than a short run).
func copyShort(v, src []float32) {
	t := 0
	for ; t+4 <= len(v); t += 4 {
		*(*[4]float32)(v[t:]) = *(*[4]float32)(src[t:])
	}
	for ; t < len(v); t++ {
		v[t] = src[t]
	}
}

// packScratch holds one goroutine's buffers for PackB.
type packScratch struct {
	segs  []seg
	rows  []float32
	infos []rowInfo
	ends  []int

	srcRow, maskRow []int
	pieces          []kernels.MaskPiece
}

var packScratchPool = sync.Pool{New: func() any { return new(packScratch) }}

// PackB implements kernels.BPacker.
func (cp *colsPacker) PackB(dst []float32, p0, kb, j0, nb, nr int) {
	if cp.g.oh == 1 && cp.g.ow == 1 {
		cp.pack1x1(dst, p0, kb, j0, nb, nr)
		return
	}
	ps := packScratchPool.Get().(*packScratch)
	defer packScratchPool.Put(ps)
	if cp.masks != nil {
		cp.packMasked(ps, dst, p0, kb, j0, nb, nr)
		return
	}
	if cp.trans {
		// op(B)(p, j) = cols(j, p): gather nr rows of the column matrix
		// over the columns p0 .. p0+kb, then transpose them into the panel.
		ps.segs = cp.segments(ps.segs, p0, kb)
		ps.rows = grow(ps.rows, nr*kb)
		for t := 0; t*nr < nb; t++ {
			cnt := min(nr, nb-t*nr)
			for jj := range cnt {
				cp.row(ps.rows[jj*kb:(jj+1)*kb], cp.rowInfo(j0+t*nr+jj), ps.segs)
			}
			kernels.TransposeInto(dst[t*nr*kb:(t+1)*nr*kb], nr, ps.rows, kb, cnt, kb)
		}
		return
	}
	// Rows p0 .. p0+kb, each written into every panel; the panels' runs
	// are found once (ps.ends[t] ends panel t's runs in ps.segs).
	ps.infos = ps.infos[:0]
	for p := range kb {
		ps.infos = append(ps.infos, cp.rowInfo(p0+p))
	}
	ps.segs, ps.ends = ps.segs[:0], ps.ends[:0]
	var one []seg
	for t := 0; t*nr < nb; t++ {
		one = cp.segments(one, j0+t*nr, min(nr, nb-t*nr))
		ps.segs = append(ps.segs, one...)
		ps.ends = append(ps.ends, len(ps.segs))
	}
	start := 0
	for t, end := range ps.ends {
		cnt := min(nr, nb-t*nr)
		d := dst[t*nr*kb : (t+1)*nr*kb]
		segs := ps.segs[start:end]
		for p, ri := range ps.infos {
			dp := d[p*nr : (p+1)*nr]
			cp.row(dp, ri, segs)
			if cnt < nr {
				clear(dp[cnt:])
			}
		}
		start = end
	}
}

// packMasked is PackB by the masked copy.
func (cp *colsPacker) packMasked(ps *packScratch, dst []float32, p0, kb, j0, nb, nr int) {
	if cp.trans {
		// Rows j0+t*nr .. of the column matrix over its columns p0 ..
		// p0+kb, then transposed into panel t.
		ps.pieces = cp.maskedPieces(ps.pieces[:0], p0, kb)
		ps.rows = grow(ps.rows, nr*kb)
		for t := 0; t*nr < nb; t++ {
			cnt := min(nr, nb-t*nr)
			cp.maskedRows(ps, j0+t*nr, cnt)
			kernels.MaskRows(ps.rows, kb, cp.img, ps.srcRow, cp.masks, ps.maskRow, ps.pieces)
			kernels.TransposeInto(dst[t*nr*kb:(t+1)*nr*kb], nr, ps.rows, kb, cnt, kb)
		}
		return
	}
	cp.maskedRows(ps, p0, kb)
	for t := 0; t*nr < nb; t++ {
		cnt := min(nr, nb-t*nr)
		d := dst[t*nr*kb : (t+1)*nr*kb]
		ps.pieces = cp.maskedPieces(ps.pieces[:0], j0+t*nr, cnt)
		kernels.MaskRows(d, nr, cp.img, ps.srcRow, cp.masks, ps.maskRow, ps.pieces)
		if cnt < nr {
			for p := range kb {
				clear(d[p*nr+cnt : (p+1)*nr])
			}
		}
	}
}

// pack1x1 is PackB for a 1x1 grid (D's last layer), where every column of
// the column matrix is a batch item of its own: each value is one strided
// read, without PackB's runs (one per value here).
func (cp *colsPacker) pack1x1(dst []float32, p0, kb, j0, nb, nr int) {
	pl := cp.g.s * cp.g.s * cp.hp * cp.wp // one batch item of a phase-split plane
	panels := (nb + nr - 1) / nr
	if cp.trans {
		// op(B)(p, j) = cols(j, p): row j of the column matrix, item p.
		clear(dst[:panels*nr*kb])
		for j := range nb {
			ri := cp.rowInfo(j0 + j)
			if !ri.inside1x1() {
				continue
			}
			d := dst[j/nr*nr*kb+j%nr:]
			src := cp.img[ri.base+p0*pl:]
			for p := range kb {
				d[p*nr] = src[p*pl]
			}
		}
		return
	}
	for p := range kb {
		ri := cp.rowInfo(p0 + p)
		for t := range panels {
			dp := dst[t*nr*kb+p*nr : t*nr*kb+(p+1)*nr]
			cnt := min(nr, nb-t*nr)
			if !ri.inside1x1() {
				clear(dp)
				continue
			}
			src := cp.img[ri.base+(j0+t*nr)*pl:]
			for jj := range cnt {
				dp[jj] = src[jj*pl]
			}
			clear(dp[cnt:])
		}
	}
}

// inside1x1 reports whether a row's image pixel for grid position (0, 0)
// lies inside the image.
func (ri rowInfo) inside1x1() bool {
	return ri.ylo == 0 && ri.yhi > 0 && ri.xlo == 0 && ri.xhi > 0
}

// phaseBufs keeps the phase-split images (colsPacker.owned) for reuse
// across ops and steps.
var phaseBufs kernels.BufPool
