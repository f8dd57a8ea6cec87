package nn

import "github.com/toongan/toongan/pkg/kernels"

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

// im2col writes the column matrix of img (CBHW, [c, b, h, w]) into cols
// ([c*k*k, b*oh*ow], row (ch, ki, kj), column (bi, y, x)). Zero padding is
// written explicitly, so cols need not be cleared first. Rows are split
// among workers.
func im2col(cols, img []float32, g geom) {
	kk := g.k * g.k
	plane := g.oh * g.ow
	ncols := g.cols()
	ys, xs := g.ranges()
	kernels.ParallelForMin(g.rows(), max(1, 4096/max(ncols, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ch, kr := r/kk, r%kk
			ki, kj := kr/g.k, kr%g.k
			ylo, yhi := ys[ki][0], ys[ki][1]
			xlo, xhi := xs[kj][0], xs[kj][1]
			if xlo >= xhi {
				ylo, yhi = 0, 0
			}
			ix0 := xlo*g.s - g.p + kj
			if plane == 1 { // 1x1 grid: one strided gather per row
				dst := cols[r*ncols : (r+1)*ncols]
				if ylo >= yhi {
					clear(dst)
					continue
				}
				off, hw := ch*g.b*g.h*g.w+(ki-g.p)*g.w+ix0, g.h*g.w
				for bi := range dst {
					dst[bi] = img[off+bi*hw]
				}
				continue
			}
			for bi := 0; bi < g.b; bi++ {
				src := img[(ch*g.b+bi)*g.h*g.w : (ch*g.b+bi+1)*g.h*g.w]
				dst := cols[r*ncols+bi*plane : r*ncols+(bi+1)*plane]
				clear(dst[:ylo*g.ow])
				clear(dst[yhi*g.ow:])
				for y := ylo; y < yhi; y++ {
					row := dst[y*g.ow : (y+1)*g.ow]
					iy := y*g.s - g.p + ki
					clear(row[:xlo])
					clear(row[xhi:])
					srow := src[iy*g.w : (iy+1)*g.w]
					if g.s == 1 {
						copy(row[xlo:xhi], srow[ix0:ix0+xhi-xlo])
						continue
					}
					ix := ix0
					for x := xlo; x < xhi; x++ {
						row[x] = srow[ix]
						ix += g.s
					}
				}
			}
		}
	})
}

// col2im sums the column matrix cols ([c*k*k, b*oh*ow]) back into img
// (CBHW), the adjoint of im2col. img is overwritten. Each (channel, batch)
// image plane is produced by one worker in a fixed order, so the result is
// deterministic.
func col2im(img, cols []float32, g geom) {
	kk := g.k * g.k
	plane := g.oh * g.ow
	ncols := g.cols()
	ys, xs := g.ranges()
	kernels.ParallelForMin(g.c*g.b, max(1, 4096/max(kk*plane, 1)), func(lo, hi int) {
		for t := lo; t < hi; t++ {
			ch, bi := t/g.b, t%g.b
			dst := img[t*g.h*g.w : (t+1)*g.h*g.w]
			clear(dst)
			if plane == 1 { // 1x1 grid: one strided read per kernel offset
				for kr := 0; kr < kk; kr++ {
					ki, kj := kr/g.k, kr%g.k
					if ys[ki][0] < ys[ki][1] && xs[kj][0] < xs[kj][1] {
						dst[(ki-g.p)*g.w+kj-g.p] += cols[(ch*kk+kr)*ncols+bi]
					}
				}
				continue
			}
			for kr := 0; kr < kk; kr++ {
				ki, kj := kr/g.k, kr%g.k
				xlo, xhi := xs[kj][0], xs[kj][1]
				if xlo >= xhi {
					continue
				}
				r := ch*kk + kr
				src := cols[r*ncols+bi*plane : r*ncols+(bi+1)*plane]
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
	})
}
