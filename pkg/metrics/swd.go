package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/toongan/toongan/pkg/kernels"
)

// SWDConfig sets the sliced Wasserstein protocol. DefaultSWD is ProGAN's
// (Karras et al. 2018, metrics/sliced_wasserstein.py).
type SWDConfig struct {
	PatchSize       int    // side of the square neighbourhoods, 7
	PatchesPerImage int    // random neighbourhoods per image and level, 128
	Repeats         int    // direction draws, 4
	DirsPerRepeat   int    // random unit directions per draw, 128
	MinRes          int    // coarsest pyramid level kept, 16 (64 px: 64, 32, 16)
	Seed            uint64 // patch positions and directions
}

// DefaultSWD returns ProGAN's settings with seed 1.
func DefaultSWD() SWDConfig {
	return SWDConfig{PatchSize: 7, PatchesPerImage: 128, Repeats: 4, DirsPerRepeat: 128, MinRes: 16, Seed: 1}
}

// SWDResult is the distance per pyramid level (x 1e3, as ProGAN reports
// it), finest first, and their mean.
type SWDResult struct {
	Res      []int     `json:"res"`       // level resolution (the shorter side), e.g. 64, 32, 16
	PerLevel []float64 `json:"per_level"` // SWD x 1e3 per level
	Avg      float64   `json:"avg"`       // mean of PerLevel
}

// Descriptors are the normalised neighbourhood descriptors of one image set,
// one matrix per pyramid level (rows: neighbourhoods, PatchSize^2*C values
// each, channel-major). Memory: N*PatchesPerImage*Dim*4 bytes per level.
// Compute them once for the real set and reuse them against many fakes.
type Descriptors struct {
	Res     []int
	Dim     int         // values per descriptor
	Rows    []int       // descriptors per level
	Levels  [][]float32 // Rows[l] x Dim, row-major
	c, h, w int
}

// levels returns the pyramid level count for an h x w image: full resolution
// and each halving while the shorter side stays >= minRes.
func levels(h, w, minRes int) []int {
	var res []int
	for s := min(h, w); s >= minRes; s /= 2 {
		res = append(res, s)
		if s%2 == 1 {
			break
		}
	}
	return res
}

func (cfg SWDConfig) validate() error {
	if cfg.PatchSize < 1 || cfg.PatchSize%2 == 0 || cfg.PatchesPerImage < 1 || cfg.Repeats < 1 || cfg.DirsPerRepeat < 1 || cfg.MinRes < cfg.PatchSize {
		return fmt.Errorf("swd: invalid config %+v (odd patch size, min resolution >= patch size, positive counts)", cfg)
	}
	return nil
}

// Describe builds the Laplacian pyramid of every image, draws
// PatchesPerImage random PatchSize^2 neighbourhoods per image and level
// (positions from Seed and the image's index), and normalises each level's
// descriptors per channel by their own mean and standard deviation.
func (cfg SWDConfig) Describe(imgs []Image) (*Descriptors, error) {
	return cfg.DescribeContext(context.Background(), imgs)
}

// DescribeContext is Describe that stops early, returning ctx's error, once
// ctx is done.
func (cfg SWDConfig) DescribeContext(ctx context.Context, imgs []Image) (*Descriptors, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, errors.New("swd: no images")
	}
	c, h, w := imgs[0].C, imgs[0].H, imgs[0].W
	for i, m := range imgs {
		if err := m.check(); err != nil {
			return nil, fmt.Errorf("swd: image %d: %w", i, err)
		}
		if m.C != c || m.H != h || m.W != w {
			return nil, fmt.Errorf("swd: image %d is %dx%dx%d, image 0 is %dx%dx%d", i, m.C, m.H, m.W, c, h, w)
		}
	}
	res := levels(h, w, cfg.MinRes)
	if len(res) == 0 {
		return nil, fmt.Errorf("swd: %dx%d images are smaller than the %d px minimum level", h, w, cfg.MinRes)
	}
	ps, per := cfg.PatchSize, cfg.PatchesPerImage
	d := &Descriptors{Res: res, Dim: c * ps * ps, c: c, h: h, w: w}
	for range res {
		d.Rows = append(d.Rows, len(imgs)*per)
		d.Levels = append(d.Levels, make([]float32, len(imgs)*per*d.Dim))
	}
	parallelFor(len(imgs), func(i int) {
		if ctx.Err() != nil {
			return
		}
		pyr := laplacianPyramid(imgs[i], len(res))
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		for l, lv := range pyr {
			out := d.Levels[l][i*per*d.Dim:][:per*d.Dim]
			extractPatches(lv, ps, per, rng, out)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for l := range res {
		normalise(d.Levels[l], d.Rows[l], c, ps*ps)
	}
	return d, nil
}

// extractPatches copies n random ps x ps neighbourhoods of m, centres drawn
// uniformly with the whole patch inside the image (ProGAN: randint(H, S-H)).
func extractPatches(m Image, ps, n int, rng *rand.Rand, out []float32) {
	r := ps / 2
	dim := m.C * ps * ps
	for k := 0; k < n; k++ {
		cx := r + rng.IntN(m.W-2*r)
		cy := r + rng.IntN(m.H-2*r)
		dst := out[k*dim:]
		j := 0
		for c := 0; c < m.C; c++ {
			for y := cy - r; y <= cy+r; y++ {
				row := m.Pix[(c*m.H+y)*m.W:]
				j += copy(dst[j:j+ps], row[cx-r:cx+r+1])
			}
		}
	}
}

// normalise subtracts each channel's mean and divides by its (population)
// standard deviation over all descriptors and positions, as ProGAN's
// finalize_descriptors does. A constant channel is only centred.
func normalise(desc []float32, rows, c, area int) {
	dim := c * area
	for ch := 0; ch < c; ch++ {
		var s, s2 float64
		for r := 0; r < rows; r++ {
			for _, v := range desc[r*dim+ch*area:][:area] {
				s += float64(v)
				s2 += float64(v) * float64(v)
			}
		}
		n := float64(rows * area)
		mean := s / n
		std := math.Sqrt(max(s2/n-mean*mean, 0))
		inv := 1.0
		if std > 0 {
			inv = 1 / std
		}
		for r := 0; r < rows; r++ {
			seg := desc[r*dim+ch*area:][:area]
			for j, v := range seg {
				seg[j] = float32((float64(v) - mean) * inv)
			}
		}
	}
}

// Distance is the sliced Wasserstein distance between two descriptor sets
// per level: Repeats draws of DirsPerRepeat random unit directions (from
// Seed and the level), both sets projected on each, the 1-D Wasserstein-1
// distance of the projections (mean |sorted a - sorted b| for equal counts)
// averaged over directions and repeats, times 1e3.
func (cfg SWDConfig) Distance(a, b *Descriptors) (SWDResult, error) {
	return cfg.DistanceContext(context.Background(), a, b)
}

// DistanceContext is Distance that stops early, returning ctx's error,
// once ctx is done.
func (cfg SWDConfig) DistanceContext(ctx context.Context, a, b *Descriptors) (SWDResult, error) {
	if err := cfg.validate(); err != nil {
		return SWDResult{}, err
	}
	if a.Dim != b.Dim || !slices.Equal(a.Res, b.Res) {
		return SWDResult{}, fmt.Errorf("swd: descriptor sets differ: %d values at levels %v vs %d at %v (different image sizes?)", a.Dim, a.Res, b.Dim, b.Res)
	}
	out := SWDResult{Res: slices.Clone(a.Res)}
	nd := cfg.DirsPerRepeat
	for l := range a.Res {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed0000+uint64(l)))
		pa := make([]float32, nd*a.Rows[l])
		pb := make([]float32, nd*b.Rows[l])
		dirs := make([]float32, nd*a.Dim)
		var sum float64
		for range cfg.Repeats {
			if err := ctx.Err(); err != nil {
				return SWDResult{}, err
			}
			for k := 0; k < nd; k++ {
				row := dirs[k*a.Dim:][:a.Dim]
				var n2 float64
				for j := range row {
					v := rng.NormFloat64()
					row[j] = float32(v)
					n2 += v * v
				}
				inv := float32(1 / math.Sqrt(n2))
				for j := range row {
					row[j] *= inv
				}
			}
			// proj (nd x rows) = dirs (nd x dim) * desc^T (dim x rows)
			kernels.Sgemm(false, true, nd, a.Rows[l], a.Dim, 1, dirs, a.Dim, a.Levels[l], a.Dim, 0, pa, a.Rows[l])
			kernels.Sgemm(false, true, nd, b.Rows[l], b.Dim, 1, dirs, b.Dim, b.Levels[l], b.Dim, 0, pb, b.Rows[l])
			per := make([]float64, nd)
			parallelFor(nd, func(k int) {
				x := pa[k*a.Rows[l]:][:a.Rows[l]]
				y := pb[k*b.Rows[l]:][:b.Rows[l]]
				sortFloat32(x)
				sortFloat32(y)
				per[k] = wasserstein1Sorted(x, y)
			})
			for _, v := range per {
				sum += v
			}
		}
		out.PerLevel = append(out.PerLevel, 1e3*sum/float64(cfg.Repeats*nd))
	}
	for _, v := range out.PerLevel {
		out.Avg += v
	}
	out.Avg /= float64(len(out.PerLevel))
	return out, nil
}

// wasserstein1Sorted is the Wasserstein-1 distance between the empirical
// distributions of two sorted samples: the integral of |F_x - F_y|, which
// for equal sizes is mean |x_i - y_i|.
func wasserstein1Sorted(x, y []float32) float64 {
	if len(x) == len(y) {
		var s float64
		for i := range x {
			s += math.Abs(float64(x[i]) - float64(y[i]))
		}
		return s / float64(len(x))
	}
	nx, ny := float64(len(x)), float64(len(y))
	var s float64
	i, j := 0, 0
	prev := float64(min(x[0], y[0]))
	for i < len(x) || j < len(y) {
		var v float64
		if j == len(y) || (i < len(x) && x[i] <= y[j]) {
			v = float64(x[i])
		} else {
			v = float64(y[j])
		}
		if v != v { // NaN never equals itself: the loops below would not advance
			return math.NaN()
		}
		s += math.Abs(float64(i)/nx-float64(j)/ny) * (v - prev)
		prev = v
		for i < len(x) && float64(x[i]) == v {
			i++
		}
		for j < len(y) && float64(y[j]) == v {
			j++
		}
	}
	return s
}

// SWD is Describe on both sets followed by Distance. Sets may differ in size.
func (cfg SWDConfig) SWD(a, b []Image) (SWDResult, error) {
	da, err := cfg.Describe(a)
	if err != nil {
		return SWDResult{}, err
	}
	db, err := cfg.Describe(b)
	if err != nil {
		return SWDResult{}, err
	}
	return cfg.Distance(da, db)
}

// Baseline is the real-vs-real reference: the SWD between the first and the
// second half of real (disjoint halves, the odd image left out). A generator
// matching the data distribution scores about this on sets of half the size.
func (cfg SWDConfig) Baseline(real []Image) (SWDResult, error) {
	return cfg.BaselineContext(context.Background(), real)
}

// BaselineContext is Baseline that stops early once ctx is done.
func (cfg SWDConfig) BaselineContext(ctx context.Context, real []Image) (SWDResult, error) {
	if len(real) < 2 {
		return SWDResult{}, fmt.Errorf("swd baseline: need at least 2 images, have %d", len(real))
	}
	h := len(real) / 2
	da, err := cfg.DescribeContext(ctx, real[:h])
	if err != nil {
		return SWDResult{}, err
	}
	db, err := cfg.DescribeContext(ctx, real[h:2*h])
	if err != nil {
		return SWDResult{}, err
	}
	return cfg.DistanceContext(ctx, da, db)
}

// laplacianPyramid returns n levels: Laplacian bands from full resolution
// down, the last level the Gaussian (low-pass) image, as ProGAN's
// generate_laplacian_pyramid (cv2.pyrDown / pyrUp with mirror borders).
func laplacianPyramid(m Image, n int) []Image {
	pyr := []Image{{C: m.C, H: m.H, W: m.W, Pix: slices.Clone(m.Pix)}}
	for i := 1; i < n; i++ {
		prev := pyr[len(pyr)-1]
		down := pyrDown(prev)
		up := pyrUp(down, prev.H, prev.W)
		for j := range prev.Pix {
			prev.Pix[j] -= up.Pix[j]
		}
		pyr = append(pyr, down)
	}
	return pyr
}

// binomial is the 5-tap [1 4 6 4 1]/16 filter; its outer product is
// ProGAN's 5x5 gaussian_filter.
var binomial = [5]float32{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16}

// mirror maps an index into [0, n) reflecting about the edge samples
// (scipy.ndimage mode "mirror": d c b | a b c d | c b a).
func mirror(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// blur1D filters src (length n, stride 1) with the binomial filter times
// gain, mirror borders, writing the samples at positions start, start+step,
// ... into dst.
func blur1D(dst, src []float32, n, start, step int, gain float32) {
	k := 0
	for i := start; i < n; i += step {
		var s float32
		if i >= 2 && i < n-2 {
			s = binomial[0]*src[i-2] + binomial[1]*src[i-1] + binomial[2]*src[i] + binomial[3]*src[i+1] + binomial[4]*src[i+2]
		} else {
			for t := -2; t <= 2; t++ {
				s += binomial[t+2] * src[mirror(i+t, n)]
			}
		}
		dst[k] = gain * s
		k++
	}
}

// pyrDown blurs with the 5x5 binomial filter and keeps even rows and columns.
func pyrDown(m Image) Image {
	h2, w2 := (m.H+1)/2, (m.W+1)/2
	return sepFilter(m, h2, w2, 2, 1)
}

// pyrUp inserts zeros between samples (to h x w), then blurs with 4x the
// binomial filter.
func pyrUp(m Image, h, w int) Image {
	z := Image{C: m.C, H: h, W: w, Pix: make([]float32, m.C*h*w)}
	for c := 0; c < m.C; c++ {
		for y := 0; y < m.H && 2*y < h; y++ {
			for x := 0; x < m.W && 2*x < w; x++ {
				z.Pix[(c*h+2*y)*w+2*x] = m.Pix[(c*m.H+y)*m.W+x]
			}
		}
	}
	return sepFilter(z, h, w, 1, 2) // gain 2 per axis = 4 overall
}

// sepFilter applies the binomial filter along x then y (mirror borders),
// keeping every step-th sample, each pass scaled by gain.
func sepFilter(m Image, oh, ow, step int, gain float32) Image {
	tmp := make([]float32, m.C*m.H*ow)
	for c := 0; c < m.C; c++ {
		for y := 0; y < m.H; y++ {
			blur1D(tmp[(c*m.H+y)*ow:], m.Pix[(c*m.H+y)*m.W:][:m.W], m.W, 0, step, gain)
		}
	}
	out := Image{C: m.C, H: oh, W: ow, Pix: make([]float32, m.C*oh*ow)}
	col := make([]float32, m.H)
	res := make([]float32, oh)
	for c := 0; c < m.C; c++ {
		for x := 0; x < ow; x++ {
			for y := 0; y < m.H; y++ {
				col[y] = tmp[(c*m.H+y)*ow+x]
			}
			blur1D(res, col, m.H, 0, step, gain)
			for y := 0; y < oh; y++ {
				out.Pix[(c*oh+y)*ow+x] = res[y]
			}
		}
	}
	return out
}

// sortFloat32 sorts v ascending with an LSD radix sort (digits of 11, 11
// and 10 bits) on the order-preserving bit pattern of each float; about 5x
// faster than a comparison sort for the ~1e5-element projections SWD sorts
// thousands of times. NaNs sort to the ends by sign bit.
func sortFloat32(v []float32) {
	if len(v) < 512 {
		slices.Sort(v)
		return
	}
	sp := scratchPool.Get().(*[]uint32)
	if cap(*sp) < 2*len(v) {
		*sp = make([]uint32, 2*len(v))
	}
	keys, tmp := (*sp)[:len(v)], (*sp)[len(v):2*len(v)]
	var count [3][2048]int
	for i, f := range v {
		b := math.Float32bits(f)
		if b&0x80000000 != 0 {
			b = ^b
		} else {
			b |= 0x80000000
		}
		keys[i] = b
		count[0][b&0x7ff]++
		count[1][(b>>11)&0x7ff]++
		count[2][b>>22]++
	}
	for p, shift := range [3]uint{0, 11, 22} {
		cnt := &count[p]
		pos := 0
		for i, c := range cnt {
			cnt[i] = pos
			pos += c
		}
		for _, k := range keys {
			d := (k >> shift) & 0x7ff
			tmp[cnt[d]] = k
			cnt[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, b := range keys {
		if b&0x80000000 != 0 {
			b &^= 0x80000000
		} else {
			b = ^b
		}
		v[i] = math.Float32frombits(b)
	}
	scratchPool.Put(sp)
}

var scratchPool = sync.Pool{New: func() any { return new([]uint32) }}
