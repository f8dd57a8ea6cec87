package imageset

import (
	"math"
	"sync"

	"github.com/disintegration/imaging"
)

// The resampler below reproduces imaging.Resize(img, d, d, imaging.Lanczos)
// on packed 8-bit RGB squares: the same Lanczos-3 weights (computed once per
// (source, destination) size pair and cached as 21-bit fixed point), the same
// order (horizontal pass, rounded to 8 bits, then vertical pass) and the same
// rounding, so results agree within one level. It is several times faster
// than imaging for small images: no per-pixel interface calls, no alpha
// premultiplication, integer arithmetic, no allocations per image.

// Weights are fixed point with wBits fraction bits. Lanczos-3 weights of one
// output sum to 1 with absolute sum below 1.3, so any partial sum of
// 255*w stays under 255*1.3*2^21 < 2^30: no int32 overflow.
const (
	wBits = 21
	wOne  = 1 << wBits
	wHalf = 1 << (wBits - 1)
)

// weightTable holds, for each output index, the first input index and n
// fixed-point weights (zero-padded so every output uses exactly n taps).
type weightTable struct {
	src, dst int
	n        int
	start    []int
	w        []int32 // dst*n
	w64      []int64 // w widened, for the two-lane loops
}

var weightCache sync.Map // [2]int{src, dst} -> *weightTable

func lanczosWeights(src, dst int) *weightTable {
	key := [2]int{src, dst}
	if t, ok := weightCache.Load(key); ok {
		return t.(*weightTable)
	}
	t := computeWeights(src, dst)
	v, _ := weightCache.LoadOrStore(key, t)
	return v.(*weightTable)
}

// computeWeights mirrors imaging's precomputeWeights (Lanczos, support 3).
func computeWeights(src, dst int) *weightTable {
	du := float64(src) / float64(dst)
	scale := math.Max(du, 1)
	ru := math.Ceil(scale * imaging.Lanczos.Support)
	type iw struct {
		i int
		w float64
	}
	rows := make([][]iw, dst)
	n := 1
	for v := 0; v < dst; v++ {
		fu := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(fu-ru)), 0)
		end := min(int(math.Floor(fu+ru)), src-1)
		var sum float64
		var row []iw
		for u := begin; u <= end; u++ {
			if w := imaging.Lanczos.Kernel((float64(u) - fu) / scale); w != 0 {
				sum += w
				row = append(row, iw{u, w})
			}
		}
		if sum != 0 {
			for i := range row {
				row[i].w /= sum
			}
		}
		rows[v] = row
		if len(row) > 0 {
			n = max(n, row[len(row)-1].i-row[0].i+1)
		}
	}
	t := &weightTable{src: src, dst: dst, n: n, start: make([]int, dst), w: make([]int32, dst*n)}
	for v, row := range rows {
		if len(row) == 0 {
			continue
		}
		st := min(row[0].i, src-n)
		t.start[v] = st
		ws := t.w[v*n : v*n+n]
		var total int32
		for _, e := range row {
			q := int32(math.Round(e.w * wOne))
			ws[e.i-st] += q
			total += q
		}
		// Make the weights sum to exactly one so flat areas stay exact.
		if d := wOne - total; d != 0 {
			big := 0
			for j := range row {
				if math.Abs(row[j].w) > math.Abs(row[big].w) {
					big = j
				}
			}
			ws[row[big].i-st] += d
		}
	}
	t.w64 = make([]int64, len(t.w))
	for i, w := range t.w {
		t.w64[i] = int64(w)
	}
	return t
}

func clampShift(v int32) byte {
	v = (v + wHalf) >> wBits
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

// resizeScratch holds the resampler's reusable buffers.
type resizeScratch struct {
	planes []int64 // 3*s: one source row pair, lanes packed
	tmp    []byte  // s rows of d pixels after the horizontal pass
	packed []int64 // tmp with byte pairs packed into lanes
	acc    []int64 // one output row, lanes packed
	srcT   []byte  // resizeVector: the source transposed
	colT   []byte  // resizeVector: the horizontal pass's output, transposed
}

func grow64(b []int64, n int) []int64 {
	if cap(b) < n {
		return make([]int64, n)
	}
	return b[:n]
}

// Two-lane SWAR: an int64 holds two values as lo + hi<<32. Adding products
// of such words with a (possibly negative) weight is exact as long as each
// lane's true sum fits in an int32, which the weight bound above ensures;
// unpack recovers both lanes. This halves the multiply-adds of both passes.
func unpack(v int64) (lo, hi int32) {
	lo = int32(v)
	return lo, int32((v - int64(lo)) >> 32)
}

// resizeRGB resamples the s x s packed RGB image src into the d x d packed RGB
// image dst (len 3*d*d) with Lanczos-3, reusing the buffers in rs: a
// horizontal pass into rs.tmp (s rows of d pixels), then a vertical one.
func resizeRGB(dst, src []byte, s, d int, rs *resizeScratch) {
	if s == d {
		copy(dst[:3*d*d], src[:3*s*s])
		return
	}
	wt := lanczosWeights(s, d)
	if hasVectorResize && 3*d >= 8 {
		resizeVector(dst, src, s, d, wt, rs)
		return
	}
	resizeTwoLane(dst, src, s, d, wt, rs)
}

// resizeTwoLane is resizeRGB's portable path: the two-lane Go passes,
// horizontal into rs.tmp, then vertical into dst.
func resizeTwoLane(dst, src []byte, s, d int, wt *weightTable, rs *resizeScratch) {
	rs.tmp = growBytes(rs.tmp, 3*d*s)
	resizeRows(rs.tmp, src, s, d, wt, rs)
	resizeColumns(dst, rs.tmp, s, d, wt, rs)
}

// resizeVector is resizeRGB with both passes done as vertical passes
// (vpass, eight or more lanes at a time): the horizontal pass runs down
// the columns of the transposed source (each output column of the
// intermediate is a weighted sum of whole source columns), the result is
// transposed back and the vertical pass runs on its rows. The sums are the
// same exact integers as in resizeRows and resizeColumns, so the output is
// the same bytes.
func resizeVector(dst, src []byte, s, d int, wt *weightTable, rs *resizeScratch) {
	rs.srcT = growBytes(rs.srcT, 3*s*s)
	transposeRGB(rs.srcT, src, s, s) // row u: source column u, pixels top to bottom
	resizeFromT(dst, rs.srcT, s, d, wt, rs)
}

// resizeFromT is resizeVector on the transposed source srcT (which must not
// be rs.colT or rs.tmp).
func resizeFromT(dst, srcT []byte, s, d int, wt *weightTable, rs *resizeScratch) {
	n, col := wt.n, 3*s
	rs.colT = growBytes(rs.colT, d*col)
	for x := 0; x < d; x++ {
		st := wt.start[x]
		vpass(rs.colT[x*col:(x+1)*col], srcT[st*col:], col, wt.w[x*n:(x+1)*n])
	}
	rs.tmp = growBytes(rs.tmp, 3*d*s)
	transposeRGB(rs.tmp, rs.colT, d, s) // s rows of d pixels, as resizeRows leaves them
	row := 3 * d
	for y := 0; y < d; y++ {
		st := wt.start[y]
		vpass(dst[y*row:(y+1)*row], rs.tmp[st*row:], row, wt.w[y*n:(y+1)*n])
	}
}

// vpassGo is the portable vertical pass: dst[i] = clampShift(sum over
// k < len(w) of w[k]*src[k*stride+i]) for i < len(dst).
func vpassGo(dst, src []byte, stride int, w []int32) {
	for i := range dst {
		var acc int32
		for k, wk := range w {
			acc += wk * int32(src[k*stride+i])
		}
		dst[i] = clampShift(acc)
	}
}

// transposeRGB transposes the rows x cols image of packed RGB pixels src
// into dst (cols rows of rows pixels), in 8x8 tiles.
func transposeRGB(dst, src []byte, rows, cols int) {
	_ = src[3*rows*cols-1]
	_ = dst[3*rows*cols-1]
	for r0 := 0; r0 < rows; r0 += 8 {
		r1 := min(r0+8, rows)
		for c0 := 0; c0 < cols; c0 += 8 {
			c1 := min(c0+8, cols)
			for r := r0; r < r1; r++ {
				in := src[3*(r*cols+c0) : 3*(r*cols+c1)]
				for c := c0; c < c1; c++ {
					p := in[3*(c-c0) : 3*(c-c0)+3 : 3*(c-c0)+3]
					o := dst[3*(c*rows+r) : 3*(c*rows+r)+3 : 3*(c*rows+r)+3]
					o[0], o[1], o[2] = p[0], p[1], p[2]
				}
			}
		}
	}
}

// resizeRows is the horizontal pass, two source rows at a time (row y in
// the low lanes, y+1 in the high ones): s rows of s pixels -> s rows of d
// pixels in tmp.
func resizeRows(tmp, src []byte, s, d int, wt *weightTable, rs *resizeScratch) {
	n := wt.n
	rs.planes = grow64(rs.planes, 3*s)
	pr, pg, pb := rs.planes[:s], rs.planes[s:2*s], rs.planes[2*s:3*s]
	for y := 0; y < s; y += 2 {
		row0 := src[3*s*y : 3*s*(y+1)]
		row1 := row0
		if y+1 < s {
			row1 = src[3*s*(y+1) : 3*s*(y+2)]
		}
		for x := range pr {
			p := row0[3*x : 3*x+3 : 3*x+3]
			q := row1[3*x : 3*x+3 : 3*x+3]
			pr[x] = int64(p[0]) | int64(q[0])<<32
			pg[x] = int64(p[1]) | int64(q[1])<<32
			pb[x] = int64(p[2]) | int64(q[2])<<32
		}
		out0 := tmp[3*d*y : 3*d*(y+1)]
		out1 := out0
		if y+1 < s {
			out1 = tmp[3*d*(y+1) : 3*d*(y+2)]
		}
		for x := 0; x < d; x++ {
			ws := wt.w64[x*n : x*n+n]
			st := wt.start[x]
			rr := pr[st:][:len(ws)]
			gg := pg[st:][:len(ws)]
			bb := pb[st:][:len(ws)]
			var r, g, b int64
			for k, w := range ws {
				r += rr[k] * w
				g += gg[k] * w
				b += bb[k] * w
			}
			r0, r1 := unpack(r)
			g0, g1 := unpack(g)
			b0, b1 := unpack(b)
			o := out1[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = clampShift(r1), clampShift(g1), clampShift(b1)
			o = out0[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = clampShift(r0), clampShift(g0), clampShift(b0)
		}
	}
}

// resizeColumns is the vertical pass on rows packed as byte pairs: s rows
// of tmp -> d rows of dst.
func resizeColumns(dst, tmp []byte, s, d int, wt *weightTable, rs *resizeScratch) {
	n := wt.n
	rowLen := 3 * d
	half := (rowLen + 1) / 2
	rs.packed = grow64(rs.packed, s*half)
	packed := rs.packed
	for y := 0; y < s; y++ {
		in := tmp[rowLen*y : rowLen*(y+1)]
		pk := packed[half*y : half*(y+1)]
		for i := 0; i+1 < len(in); i += 2 {
			pk[i/2] = int64(in[i]) | int64(in[i+1])<<32
		}
		if rowLen%2 == 1 {
			pk[half-1] = int64(in[rowLen-1])
		}
	}
	rs.acc = grow64(rs.acc, half)
	acc := rs.acc
	for y := 0; y < d; y++ {
		clear(acc)
		ws := wt.w64[y*n : y*n+n]
		st := wt.start[y]
		k := 0
		for ; k+1 < len(ws); k += 2 {
			w0, w1 := ws[k], ws[k+1]
			in0 := packed[half*(st+k) : half*(st+k+1)]
			in1 := packed[half*(st+k+1) : half*(st+k+2)]
			in0 = in0[:len(acc)]
			in1 = in1[:len(acc)]
			for i := range acc {
				acc[i] += in0[i]*w0 + in1[i]*w1
			}
		}
		if k < len(ws) {
			w := ws[k]
			in := packed[half*(st+k) : half*(st+k+1)]
			in = in[:len(acc)]
			for i, p := range in {
				acc[i] += p * w
			}
		}
		out := dst[rowLen*y : rowLen*(y+1)]
		for i, v := range acc {
			lo, hi := unpack(v)
			out[2*i] = clampShift(lo)
			if 2*i+1 < len(out) {
				out[2*i+1] = clampShift(hi)
			}
		}
	}
}

func growBytes(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
