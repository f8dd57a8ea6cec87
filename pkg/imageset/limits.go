package imageset

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// Limits of prep's options: beyond them a run is refused before any work.
const (
	MaxMaxPixels    = 250_000_000 // --max-pixels: one such image decodes to 1 GB of RGBA
	MaxBuiltin      = 1_000_000   // built-in faces in one dataset
	MaxWorkers      = 256
	ReasonSpecial   = "not a regular file"
	ReasonEncrypted = "encrypted"
)

// ReadAheadBytes bounds the input bytes read but not yet decoded (the file
// being read comes on top, at most MaxFileBytes).
const ReadAheadBytes = 64 << 20

// EstimateBytes is a rough upper estimate of Prepare's memory: the record
// window, the read-ahead budget, and one decoded image of up to MaxPixels
// per worker (RGBA plus the resampler's scratch).
func (c Config) EstimateBytes() int64 {
	workers := c.Workers
	window := 8*workers + 16
	rec := float64(c.Options.RecordSize())
	// A decoded image is 4 bytes a pixel (RGBA; YCbCr JPEGs less) and the
	// resampler's intermediate rows add well under one more.
	total := float64(window)*rec + ReadAheadBytes + float64(workers)*float64(c.Options.MaxPixels)*5 + 64<<20
	if c.Builtin > 0 {
		total += float64(c.Builtin) * 128 // duplicate set and digests
	}
	return int64(math.Min(total, math.MaxInt64/2))
}

// checkLimits bounds the numbers that drive allocation.
func (c Config) checkLimits() error {
	switch {
	case c.Options.MaxPixels > MaxMaxPixels:
		return fmt.Errorf("max pixels %d over the limit of %d", c.Options.MaxPixels, int64(MaxMaxPixels))
	case c.Builtin > MaxBuiltin:
		return fmt.Errorf("builtin %d over the limit of %d", c.Builtin, MaxBuiltin)
	case c.Workers > MaxWorkers:
		return fmt.Errorf("workers %d over the limit of %d", c.Workers, MaxWorkers)
	}
	return nil
}

// byteBudget is a counting semaphore over bytes. One acquire may exceed the
// budget when nothing else is held (a single large file still goes
// through); acquire gives up when the context ends.
type byteBudget struct {
	mu        sync.Mutex
	cond      *sync.Cond
	used, max int64
	done      bool
}

func newByteBudget(ctx context.Context, max int64) *byteBudget {
	b := &byteBudget{max: max}
	b.cond = sync.NewCond(&b.mu)
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.done = true
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	return b
}

// acquire waits until n more bytes fit (or nothing is held); false when the
// context ended first.
func (b *byteBudget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.done && b.used > 0 && b.used+n > b.max {
		b.cond.Wait()
	}
	if b.done {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.cond.Broadcast()
	b.mu.Unlock()
}
