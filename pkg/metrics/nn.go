package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/toongan/toongan/pkg/kernels"
)

// Distances in this file are RMS pixel differences, sqrt(mean over values of
// (a-b)^2), in [-1, 1] units (0 = identical, 2 = black vs white everywhere),
// measured on copies area-resized to Side x Side pixels (Side <= 0: full
// size). Dividing the L2 norm by sqrt(values) makes thresholds independent of
// the image size; 32 px keeps a 20k-image reference set at ~250 MB and the
// comparisons cheap while still telling faces apart.

// DefaultSide is the resolution nearest-neighbour searches work at.
const DefaultSide = 32

// flatten resizes imgs to side x side (side <= 0: unchanged) and packs them
// as rows of a matrix; it also returns each row's squared norm.
func flatten(imgs []Image, side int) (x []float32, dim int, norms []float32, err error) {
	if len(imgs) == 0 {
		return nil, 0, nil, errors.New("no images")
	}
	c, h, w := imgs[0].C, imgs[0].H, imgs[0].W
	if side > 0 {
		h, w = side, side
	}
	dim = c * h * w
	x = make([]float32, len(imgs)*dim)
	norms = make([]float32, len(imgs))
	for i, m := range imgs {
		if err := m.check(); err != nil {
			return nil, 0, nil, fmt.Errorf("image %d: %w", i, err)
		}
		if m.C != c || (side <= 0 && (m.H != h || m.W != w)) {
			return nil, 0, nil, fmt.Errorf("image %d is %dx%dx%d, image 0 is %dx%dx%d", i, m.C, m.H, m.W, c, imgs[0].H, imgs[0].W)
		}
	}
	parallelFor(len(imgs), func(i int) {
		r := Resize(imgs[i], h, w)
		copy(x[i*dim:], r.Pix)
		var s float64
		for _, v := range r.Pix {
			s += float64(v) * float64(v)
		}
		norms[i] = float32(s)
	})
	return x, dim, norms, nil
}

// NN is a nearest-neighbour search result, one entry per query.
type NN struct {
	Index []int     `json:"index"` // nearest reference image
	Dist  []float64 `json:"dist"`  // its RMS distance
}

// Nearest finds, for every query image, the closest reference image (RMS
// distance at side x side px). Candidates are ranked with one matrix product
// (|q|^2 + |r|^2 - 2 q.r, blocked over queries, parallel inside Sgemm) and
// the winner's distance is then recomputed exactly. Ties go to the lower
// reference index.
func Nearest(query, ref []Image, side int) (NN, error) {
	q, dim, qn, err := flatten(query, side)
	if err != nil {
		return NN{}, fmt.Errorf("nearest neighbours: queries: %w", err)
	}
	r, rdim, rn, err := flatten(ref, side)
	if err != nil {
		return NN{}, fmt.Errorf("nearest neighbours: reference: %w", err)
	}
	if dim != rdim {
		return NN{}, fmt.Errorf("nearest neighbours: queries have %d values, reference images %d", dim, rdim)
	}
	nq, nr := len(query), len(ref)
	res := NN{Index: make([]int, nq), Dist: make([]float64, nq)}
	const block = 256
	dots := make([]float32, block*nr)
	for q0 := 0; q0 < nq; q0 += block {
		bq := min(block, nq-q0)
		kernels.Sgemm(false, true, bq, nr, dim, 1, q[q0*dim:], dim, r, dim, 0, dots, nr)
		parallelFor(bq, func(i int) {
			row := dots[i*nr:][:nr]
			best, bestD := 0, float32(math.Inf(1))
			for j, d := range row {
				if v := qn[q0+i] + rn[j] - 2*d; v < bestD {
					best, bestD = j, v
				}
			}
			a := q[(q0+i)*dim:][:dim]
			b := r[best*dim:][:dim]
			var s float64
			for k := range a {
				d := float64(a[k]) - float64(b[k])
				s += d * d
			}
			res.Index[q0+i] = best
			res.Dist[q0+i] = math.Sqrt(s / float64(dim))
		})
	}
	return res, nil
}

// MemoConfig sets the memorisation check.
type MemoConfig struct {
	Side       int     // resolution of the comparison, DefaultSide
	Percentile float64 // of held-out NN distances, 1
	Factor     float64 // flag below Factor * that percentile, 0.5
	Abs        float64 // also flag below this RMS distance, 0.02 (~2.5 grey levels)
}

// DefaultMemo returns the defaults above. A generated image is flagged when
// its nearest training image is closer than max(Abs, Factor * the
// Percentile-th percentile of the held-out reals' nearest-training
// distances): held-out reals show how close an unseen image of the same
// distribution comes to the training set by chance, and a memorised copy sits
// far below even their lowest percentile. Factor 0.5 keeps a generator that
// matches the data distribution from being flagged about Percentile% of the
// time by chance.
func DefaultMemo() MemoConfig {
	return MemoConfig{Side: DefaultSide, Percentile: 1, Factor: 0.5, Abs: 0.02}
}

// Match is a flagged generated image and its nearest training image.
type Match struct {
	Gen   int     `json:"gen"`
	Train int     `json:"train"`
	Dist  float64 `json:"dist"`
}

// MemoReport is the result of the memorisation check.
type MemoReport struct {
	Gen        NN      `json:"gen"`         // generated -> train
	Held       NN      `json:"held"`        // held-out real -> train
	GenMedian  float64 `json:"gen_median"`  // median NN distance of generated images
	HeldMedian float64 `json:"held_median"` // median NN distance of held-out reals
	// Ratio is GenMedian/HeldMedian: about 1 for a generator that makes new
	// images, well below 1 when it reproduces training images.
	Ratio     float64 `json:"ratio"`
	Threshold float64 `json:"threshold"` // flagging distance
	Flagged   []Match `json:"flagged"`   // sorted by distance, closest first
}

// Memorisation compares generated-to-train nearest-neighbour distances with
// held-out-real-to-train ones and flags generated images that are suspiciously
// close to a training image (see DefaultMemo).
func Memorisation(gen, held, train []Image, cfg MemoConfig) (*MemoReport, error) {
	g, err := Nearest(gen, train, cfg.Side)
	if err != nil {
		return nil, fmt.Errorf("memorisation check: generated: %w", err)
	}
	h, err := Nearest(held, train, cfg.Side)
	if err != nil {
		return nil, fmt.Errorf("memorisation check: held-out: %w", err)
	}
	rep := &MemoReport{Gen: g, Held: h, GenMedian: Percentile(g.Dist, 50), HeldMedian: Percentile(h.Dist, 50)}
	rep.Ratio = rep.GenMedian / rep.HeldMedian
	if rep.HeldMedian == 0 {
		rep.Ratio = 1
	}
	rep.Threshold = max(cfg.Abs, cfg.Factor*Percentile(h.Dist, cfg.Percentile))
	rep.Flagged = []Match{}
	for i, d := range g.Dist {
		if d < rep.Threshold {
			rep.Flagged = append(rep.Flagged, Match{Gen: i, Train: g.Index[i], Dist: d})
		}
	}
	slices.SortStableFunc(rep.Flagged, func(a, b Match) int {
		switch {
		case a.Dist < b.Dist:
			return -1
		case a.Dist > b.Dist:
			return 1
		}
		return 0
	})
	return rep, nil
}

// Percentile returns the p-th percentile (0..100) of x with linear
// interpolation between order statistics (numpy's default); NaN if empty.
func Percentile(x []float64, p float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	pos := min(max(p, 0), 100) / 100 * float64(len(s)-1)
	i := int(pos)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}

// MaxDiversityImages caps the images MeanPairwiseDist compares (the first
// ones are used): n^2/2 distances.
const MaxDiversityImages = 2000

// MeanPairwiseDist is the mean RMS distance over all pairs of distinct
// images (at side x side px), using at most MaxDiversityImages of them.
func MeanPairwiseDist(imgs []Image, side int) (float64, error) {
	imgs = imgs[:min(len(imgs), MaxDiversityImages)]
	if len(imgs) < 2 {
		return 0, fmt.Errorf("mean pairwise distance: need at least 2 images, have %d", len(imgs))
	}
	x, dim, norms, err := flatten(imgs, side)
	if err != nil {
		return 0, fmt.Errorf("mean pairwise distance: %w", err)
	}
	n := len(imgs)
	gram := make([]float32, n*n)
	kernels.Sgemm(false, true, n, n, dim, 1, x, dim, x, dim, 0, gram, n)
	rows := make([]float64, n)
	parallelFor(n, func(i int) {
		var s float64
		for j := i + 1; j < n; j++ {
			d2 := float64(norms[i]) + float64(norms[j]) - 2*float64(gram[i*n+j])
			s += math.Sqrt(max(d2, 0) / float64(dim))
		}
		rows[i] = s
	})
	var s float64
	for _, v := range rows {
		s += v
	}
	return s / float64(n*(n-1)/2), nil
}

// DiversityReport compares the spread of generated and real images.
type DiversityReport struct {
	Gen   float64 `json:"gen"`   // mean pairwise distance of generated images
	Real  float64 `json:"real"`  // same for real images
	Ratio float64 `json:"ratio"` // Gen / Real: ~1 healthy, -> 0 under mode collapse
	// Collapsed is set when Ratio is below the warning threshold.
	Collapsed bool `json:"collapsed"`
}

// DefaultCollapseRatio is the Ratio below which Diversity warns of mode
// collapse.
const DefaultCollapseRatio = 0.5

// Diversity computes mean pairwise distances of gen and real (at side x side
// px) and flags mode collapse when gen's is below warnRatio times real's.
func Diversity(gen, real []Image, side int, warnRatio float64) (DiversityReport, error) {
	g, err := MeanPairwiseDist(gen, side)
	if err != nil {
		return DiversityReport{}, fmt.Errorf("diversity: generated: %w", err)
	}
	r, err := MeanPairwiseDist(real, side)
	if err != nil {
		return DiversityReport{}, fmt.Errorf("diversity: real: %w", err)
	}
	rep := DiversityReport{Gen: g, Real: r, Ratio: 1}
	if r > 0 {
		rep.Ratio = g / r
	}
	rep.Collapsed = rep.Ratio < warnRatio
	return rep, nil
}
