package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/toongan/toongan/pkg/kernels"
)

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

// TestColsPackerMatchesIm2col checks the gathered column matrix against
// an explicit one, in both layouts, for panels of every micro-kernel width
// and ranges that start and end mid-row and mid-image.
func TestColsPackerMatchesIm2col(t *testing.T) {
	geoms := []geom{
		{c: 3, b: 2, h: 8, w: 8, k: 4, s: 2, p: 1},
		{c: 2, b: 3, h: 4, w: 4, k: 4, s: 1, p: 0},
		{c: 2, b: 2, h: 5, w: 7, k: 3, s: 1, p: 1},
		{c: 4, b: 2, h: 1, w: 1, k: 4, s: 1, p: 3}, // transposed conv from 1x1
		{c: 2, b: 3, h: 9, w: 9, k: 5, s: 2, p: 2},
		{c: 1, b: 5, h: 12, w: 10, k: 4, s: 3, p: 2},
		{c: 3, b: 40, h: 2, w: 2, k: 4, s: 1, p: 1}, // 1x1 grid, padded
		{c: 2, b: 35, h: 4, w: 4, k: 4, s: 2, p: 0}, // 1x1 grid, strided
		{c: 2, b: 2, h: 6, w: 37, k: 4, s: 2, p: 1}, // rows split 8 + 8 pairs by vector code, 2 pairs + 1 after
		{c: 1, b: 2, h: 5, w: 24, k: 4, s: 2, p: 1}, // 8 + 4 pairs
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range geoms {
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		img := make([]float32, g.c*g.b*g.h*g.w)
		for i := range img {
			img[i] = rng.Float32() + 1 // never 0, so a missed write shows
		}
		cols := make([]float32, g.rows()*g.cols())
		im2col(cols, img, g)
		for _, trans := range []bool{false, true} {
			cp := newColsPacker(img, g, trans)
			K, N := g.rows(), g.cols() // op(B) is K x N
			if trans {
				K, N = N, K
			}
			for _, nr := range []int{4, 16, 32} {
				for _, r := range [][4]int{{0, K, 0, N}, {1, K - 1, 3, N - 4}, {K / 2, K - K/2, N / 3, N - N/3}} {
					if r[1] > 0 && r[3] > 0 {
						checkPackB(t, cp, cols, r[0], r[1], r[2], r[3], nr)
					}
				}
			}
		}
	}
}

// checkPackB packs op(B)[p0:p0+kb, j0:j0+nb] in panels of nr columns and
// compares every packed value, padding included, with the explicit
// column matrix cols.
func checkPackB(t *testing.T, cp *colsPacker, cols []float32, p0, kb, j0, nb, nr int) {
	t.Helper()
	dst := make([]float32, kb*nr*((nb+nr-1)/nr))
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	cp.PackB(dst, p0, kb, j0, nb, nr)
	for i, v := range dst {
		panel, rem := i/(nr*kb), i%(nr*kb)
		p, j := rem/nr, panel*nr+rem%nr
		want := float32(0)
		if j < nb {
			r, c := p0+p, j0+j
			if cp.trans {
				r, c = c, r
			}
			want = cols[r*cp.g.cols()+c]
		}
		if math.Float32bits(v) != math.Float32bits(want) {
			t.Fatalf("%+v trans=%v masked=%v nr=%d rows %d+%d cols %d+%d: packed (p=%d, j=%d) = %g, want %g",
				cp.g, cp.trans, cp.masks != nil, nr, p0, kb, j0, nb, p, j, v, want)
		}
	}
}

// col2imRef is the whole-matrix col2im that gemmCol2im replaces.
func col2imRef(img, cols []float32, g geom) {
	ys, xs := g.ranges()
	for t := 0; t < g.c*g.b; t++ {
		ch, bi := t/g.b, t%g.b
		col2imPlane(img[t*g.h*g.w:(t+1)*g.h*g.w], cols, g.cols(), bi*g.oh*g.ow, ch, g, ys, xs, nil, nil) // the strided loop
	}
}

// TestGemmCol2imMatchesWhole checks that the chunked product-and-sum gives
// one whole GEMM followed by col2im bit for bit, for several GOMAXPROCS.
func TestGemmCol2imMatchesWhole(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	geoms := []geom{
		{c: 3, b: 5, h: 8, w: 8, k: 4, s: 2, p: 1},
		{c: 16, b: 7, h: 4, w: 4, k: 4, s: 1, p: 0}, // from a 1x1 grid
		{c: 2, b: 3, h: 9, w: 9, k: 5, s: 2, p: 2},
		{c: 64, b: 9, h: 16, w: 16, k: 4, s: 2, p: 1},
		{c: 300, b: 4, h: 8, w: 8, k: 4, s: 2, p: 1},  // chunks capped by size
		{c: 1100, b: 4, h: 4, w: 4, k: 4, s: 1, p: 0}, // one chunk, its planes spread
		{c: 2, b: 3, h: 7, w: 37, k: 4, s: 2, p: 1},   // odd sizes: phases of unequal length
		{c: 3, b: 2, h: 6, w: 10, k: 4, s: 2, p: 0},   // no padding
		{c: 2, b: 2, h: 10, w: 12, k: 3, s: 2, p: 1},  // odd kernel
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, g := range geoms {
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		if g.k == 4 && g.s == 1 {
			g.oh, g.ow = 1, 1
		}
		for _, kdim := range []int{1, 37, 300} {
			a := randSlice(rng, kdim*g.rows(), 1)
			x := randSlice(rng, kdim*g.cols(), 1)
			cols := make([]float32, g.rows()*g.cols())
			kernels.Sgemm(true, false, g.rows(), g.cols(), kdim, 1, a, g.rows(), x, g.cols(), 0, cols, g.cols())
			want := make([]float32, g.c*g.b*g.h*g.w)
			col2imRef(want, cols, g)
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				got := make([]float32, len(want))
				for i := range got {
					got[i] = float32(math.NaN())
				}
				gemmCol2im(got, a, x, g, kdim)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%+v kdim=%d GOMAXPROCS=%d: img[%d] = %g, want %g", g, kdim, procs, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPhasePlan checks which geometries take col2imPlane's phase path (the
// strided loop stays correct for all, so TestGemmCol2imMatchesWhole alone
// would not notice the path being skipped).
func TestPhasePlan(t *testing.T) {
	for _, c := range []struct {
		g    geom
		want bool
	}{
		{geom{c: 1, b: 1, h: 8, w: 8, k: 4, s: 2, p: 1}, true},  // DCGAN's layers
		{geom{c: 1, b: 1, h: 9, w: 9, k: 5, s: 2, p: 2}, true},  // 5x5 kernels
		{geom{c: 1, b: 1, h: 5, w: 7, k: 3, s: 1, p: 1}, false}, // stride 1
		{geom{c: 1, b: 1, h: 4, w: 4, k: 4, s: 2, p: 0}, false}, // 1x1 grid
		{geom{c: 1, b: 1, h: 8, w: 8, k: 4, s: 2, p: 4}, false}, // padding beyond the spare values
	} {
		g := c.g
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		ys, xs := g.ranges()
		if got := newPhasePlan(g, ys, xs) != nil; got != c.want {
			t.Errorf("%+v: phase plan %v, want %v", g, got, c.want)
		}
	}
}

// TestColsPackerMasked checks which geometries PackB copies through masks
// (the general path gives the same matrix, so TestColsPackerMatchesIm2col
// alone would not notice the masked copy being skipped).
func TestColsPackerMasked(t *testing.T) {
	for _, c := range []struct {
		g    geom
		want bool
	}{
		{geom{c: 3, b: 2, h: 8, w: 8, k: 4, s: 2, p: 1}, true},   // DCGAN's layers
		{geom{c: 2, b: 2, h: 64, w: 64, k: 4, s: 2, p: 1}, true}, // D's first layer
		{geom{c: 1, b: 3, h: 9, w: 9, k: 5, s: 2, p: 2}, true},   // 5x5 kernels
		{geom{c: 1, b: 1, h: 5, w: 7, k: 3, s: 1, p: 1}, false},  // stride 1: runs start before the image
		{geom{c: 1, b: 1, h: 4, w: 4, k: 4, s: 2, p: 0}, false},  // 1x1 grid
		{geom{c: 1, b: 2, h: 6, w: 37, k: 4, s: 2, p: 1}, false}, // odd width: grid rows narrower than the phases'
	} {
		g := c.g
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		cp := newColsPacker(make([]float32, g.c*g.b*g.h*g.w), g, false)
		if got := cp.masks != nil; got != c.want {
			t.Errorf("%+v: masked copy %v, want %v", g, got, c.want)
		}
		cp.release()
	}
}

// TestColsPackerRandomGeometries checks PackB against an explicit column
// matrix over random geometries (strides 1-3, kernels 1-5, padding up to
// the kernel, widths odd and even, so both the masked copy and the
// general path, with and without guards), in both layouts.
func TestColsPackerRandomGeometries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	masked := 0
	for trial := 0; trial < 300; trial++ {
		g := geom{c: 1 + rng.IntN(3), b: 1 + rng.IntN(4), h: 1 + rng.IntN(12), w: 1 + rng.IntN(12),
			k: 1 + rng.IntN(5), s: 1 + rng.IntN(3)}
		g.p = rng.IntN(g.k + 1)
		if g.h+2*g.p < g.k || g.w+2*g.p < g.k {
			continue
		}
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		img := make([]float32, g.c*g.b*g.h*g.w)
		for i := range img {
			img[i] = rng.Float32() + 1
		}
		cols := make([]float32, g.rows()*g.cols())
		im2col(cols, img, g)
		for _, trans := range []bool{false, true} {
			cp := newColsPacker(img, g, trans)
			if cp.masks != nil {
				masked++
			}
			K, N := g.rows(), g.cols()
			if trans {
				K, N = N, K
			}
			nr := []int{8, 32}[rng.IntN(2)]
			p0, j0 := rng.IntN(K), rng.IntN(N)
			kb, nb := 1+rng.IntN(K-p0), 1+rng.IntN(N-j0)
			checkPackB(t, cp, cols, p0, kb, j0, nb, nr)
			cp.release()
		}
	}
	t.Logf("%d of the packers took the masked copy", masked)
	if masked == 0 {
		t.Fatal("no geometry took the masked copy")
	}
}
