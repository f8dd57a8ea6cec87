package loader

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/toongan/toongan/pkg/imgutil"
)

// Source is random access to n fixed-size uint8 HWC images.
type Source interface {
	// Len is the number of images.
	Len() int
	// Read copies image i (H*W*C bytes, HWC order) into dst.
	Read(i int, dst []byte) error
}

// LabelSource is a Source whose images carry labels, such as the
// shard.Set of a labelled dataset.
type LabelSource interface {
	Source
	// Attrs is the number of label bytes per image (0: no labels).
	Attrs() int
	// Labels returns image i's Attrs() label bytes (0: unknown; k: the
	// attribute's value k-1 in the manifest's vocabulary).
	Labels(i int) []byte
}

// Perm is epoch's visiting order of n images for seed: a Fisher-Yates
// shuffle driven by a PCG seeded with (seed, epoch). It is specified here,
// not by the standard library, so the order never changes between Go versions.
func Perm(seed uint64, epoch, n int) []int {
	r := rand.NewPCG(seed, 0xda7a<<48^uint64(epoch))
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(uniform(r, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// uniform returns an unbiased value in [0, n) (Lemire's method).
func uniform(r *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Draws is epoch's visiting order for seed when images are drawn in
// proportion to weights: n = len(cum) draws with replacement, image i with
// probability (cum[i] - cum[i-1]) / cum[n-1], from a PCG seeded with (seed,
// epoch) apart from Perm's. cum must be non-decreasing with cum[n-1] > 0.
// Like Perm it is specified here, so the order never changes between Go
// versions.
func Draws(seed uint64, epoch int, cum []float64) []int {
	r := rand.NewPCG(seed, 0xba1a<<48^uint64(epoch))
	n := len(cum)
	total := cum[n-1]
	p := make([]int, n)
	for k := range p {
		u := float64(r.Uint64()>>11) * 0x1p-53 * total // [0, total)
		i, _ := slices.BinarySearchFunc(cum, u, func(c, u float64) int {
			if c <= u {
				return -1
			}
			return 1
		})
		p[k] = min(i, n-1) // the first image whose cumulative weight passes u
	}
	return p
}

// Pos is a position in the stream: the next batch to deliver is batch Batch
// (0-based) of epoch Epoch.
type Pos struct {
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`
}

// Loader turns a Source into batches.
type Loader struct {
	src          Source
	h, w, c      int
	batch        int
	seed         uint64
	perEpoch     int
	lut          [256]float32
	recordBytes  int
	sampleFloats int
	attrs        int       // label bytes per image delivered (0: no labels)
	lo, n        int       // of each batch, images lo..lo+n-1 are delivered (Slice)
	cum          []float64 // cumulative sampling weights (Balance); nil: each epoch a permutation
}

// New makes a loader of batch-image batches of h x w x c images from src.
func New(src Source, h, w, c, batch int, seed uint64) (*Loader, error) {
	if h <= 0 || w <= 0 || c <= 0 {
		return nil, fmt.Errorf("loader: invalid image geometry %dx%dx%d", h, w, c)
	}
	if batch <= 0 {
		return nil, fmt.Errorf("loader: invalid batch size %d", batch)
	}
	if src.Len() < batch {
		return nil, fmt.Errorf("loader: %d images are fewer than one batch of %d", src.Len(), batch)
	}
	l := &Loader{src: src, h: h, w: w, c: c, batch: batch, seed: seed,
		perEpoch: src.Len() / batch, recordBytes: h * w * c, sampleFloats: h * w * c, n: batch}
	for i := range l.lut {
		l.lut[i] = imgutil.FromByte(uint8(i))
	}
	return l, nil
}

// Balance makes every epoch a weighted draw of the images (Draws) instead
// of a permutation: image i is visited in proportion to weight[i], so rare
// kinds of image can be shown as often as common ones. An epoch keeps its
// length (Len images); images may repeat within it. weight needs one
// finite value >= 0 per image, not all 0. Call Balance before Stream.
func (l *Loader) Balance(weight []float64) error {
	if len(weight) != l.src.Len() {
		return fmt.Errorf("loader: %d sampling weights for %d images", len(weight), l.src.Len())
	}
	cum := make([]float64, len(weight))
	s := 0.0
	for i, w := range weight {
		if !(w >= 0 && w <= math.MaxFloat64) {
			return fmt.Errorf("loader: sampling weight %v of image %d: want a finite value >= 0", w, i)
		}
		s += w
		cum[i] = s
	}
	if !(s > 0 && s <= math.MaxFloat64) {
		return fmt.Errorf("loader: sampling weights sum to %v: want a finite value > 0", s)
	}
	l.cum = cum
	return nil
}

// order is epoch's visiting order: Perm, or Draws after Balance.
func (l *Loader) order(epoch int) []int {
	if l.cum != nil {
		return Draws(l.seed, epoch, l.cum)
	}
	return Perm(l.seed, epoch, l.src.Len())
}

// WithLabels makes the loader deliver each batch's labels with its images
// (Batch.Labels). It is an error when the source has no labels. Without
// it the loader never touches labels.
func (l *Loader) WithLabels() error {
	ls, ok := l.src.(LabelSource)
	if !ok || ls.Attrs() <= 0 {
		return errors.New("loader: the dataset has no labels (prep --builtin, or prep --labels FILE.csv, records them)")
	}
	l.attrs = ls.Attrs()
	return nil
}

// Slice makes the loader deliver, of every batch of the stream, only part
// k of n: the images k*batch/n to (k+1)*batch/n - 1, the part a
// data-parallel job's rank k of n trains on. The stream (the order, the
// epochs, the positions) stays the one of whole batches; only the other
// parts' images are neither read nor decoded. The batch must be a
// multiple of n; call Slice before Stream.
func (l *Loader) Slice(k, n int) error {
	if n < 1 || k < 0 || k >= n || l.batch%n != 0 {
		return fmt.Errorf("loader: part %d of %d of a batch of %d: want 0 <= part < parts, parts dividing the batch", k, n, l.batch)
	}
	l.lo, l.n = k*(l.batch/n), l.batch/n
	return nil
}

// Attrs is the number of label bytes per image in Batch.Labels (0 unless
// WithLabels was called).
func (l *Loader) Attrs() int { return l.attrs }

// BatchesPerEpoch is the number of full batches per epoch (the remainder of
// Len()/batch images is skipped each epoch, a different set every epoch).
func (l *Loader) BatchesPerEpoch() int { return l.perEpoch }

// Next is the position after p.
func (l *Loader) Next(p Pos) Pos {
	p.Batch++
	if p.Batch >= l.perEpoch {
		p.Epoch, p.Batch = p.Epoch+1, 0
	}
	return p
}

// Valid reports whether p is a position of this loader.
func (l *Loader) Valid(p Pos) bool { return p.Epoch >= 0 && p.Batch >= 0 && p.Batch < l.perEpoch }

// Fill writes the delivered images of the batch at p into dst (l.n*c*h*w
// floats, NCHW in [-1, 1]), using perm (the order of p.Epoch) and rec (a
// record buffer) as scratch.
func (l *Loader) fill(dst []float32, labels []byte, perm []int, p Pos, rec []byte) error {
	hw := l.h * l.w
	for k := 0; k < l.n; k++ {
		idx := perm[p.Batch*l.batch+l.lo+k]
		if err := l.src.Read(idx, rec); err != nil {
			return fmt.Errorf("read image %d (epoch %d batch %d): %w", idx, p.Epoch, p.Batch, err)
		}
		if l.attrs > 0 {
			lab := l.src.(LabelSource).Labels(idx)
			if len(lab) != l.attrs {
				return fmt.Errorf("labels of image %d (epoch %d batch %d): %d bytes, want %d", idx, p.Epoch, p.Batch, len(lab), l.attrs)
			}
			copy(labels[k*l.attrs:], lab)
		}
		out := dst[k*l.sampleFloats : (k+1)*l.sampleFloats]
		for ch := 0; ch < l.c; ch++ {
			plane := out[ch*hw : (ch+1)*hw]
			for i := range plane {
				plane[i] = l.lut[rec[i*l.c+ch]]
			}
		}
	}
	return nil
}

// Batch is one delivered batch.
type Batch struct {
	Data []float32 // batch images (after Loader.Slice, its part's), NCHW float32 in [-1, 1]
	// Labels holds, after Loader.WithLabels, each delivered image's label
	// bytes (images x Attrs, image-major); nil otherwise.
	Labels []byte
	Pos    Pos // where this batch is in the stream
	Next   Pos // the position to resume from once this batch is consumed
	s      *Stream
}

// Release hands the batch's buffer back for reuse; Data must not be used after.
func (b *Batch) Release() {
	if b.s != nil {
		select {
		case b.s.free <- b.Data:
		default:
		}
		b.s = nil
	}
}

// Stream delivers batches from a position on, prefetched by a goroutine.
type Stream struct {
	out    chan result
	free   chan []float32
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type result struct {
	b   *Batch
	err error
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("loader: stream closed")

// Stream starts delivering batches from position from, with up to prefetch
// batches prepared ahead (at least 1).
func (l *Loader) Stream(from Pos, prefetch int) (*Stream, error) {
	if !l.Valid(from) {
		return nil, fmt.Errorf("loader: position epoch %d batch %d is outside the %d batches of an epoch",
			from.Epoch, from.Batch, l.perEpoch)
	}
	prefetch = max(prefetch, 1)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stream{out: make(chan result, prefetch), free: make(chan []float32, prefetch+2), cancel: cancel}
	for range prefetch + 2 {
		s.free <- make([]float32, l.n*l.sampleFloats)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.out)
		rec := make([]byte, l.recordBytes)
		perm, permEpoch := []int(nil), -1
		for p := from; ; p = l.Next(p) {
			var buf []float32
			select {
			case buf = <-s.free:
			case <-ctx.Done():
				return
			}
			if p.Epoch != permEpoch {
				perm, permEpoch = l.order(p.Epoch), p.Epoch
			}
			r := result{b: &Batch{Data: buf, Pos: p, Next: l.Next(p), s: s}}
			if l.attrs > 0 {
				r.b.Labels = make([]byte, l.n*l.attrs)
			}
			if err := l.fill(buf, r.b.Labels, perm, p, rec); err != nil {
				r = result{err: err}
			}
			select {
			case s.out <- r:
			case <-ctx.Done():
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	return s, nil
}

// Next returns the next batch in order; call Release on it when done.
func (s *Stream) Next() (*Batch, error) {
	r, ok := <-s.out
	if !ok {
		return nil, ErrClosed
	}
	return r.b, r.err
}

// Close stops the prefetch goroutine and waits for it.
func (s *Stream) Close() {
	s.cancel()
	s.wg.Wait()
}
