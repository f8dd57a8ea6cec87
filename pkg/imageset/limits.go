package imageset

import (
	"fmt"
	"math"
)

// Limits of prep's options: beyond them a run is refused before any work.
const (
	MaxMaxPixels    = 250_000_000 // --max-pixels: one such image decodes to 1 GB of RGBA
	MaxBuiltin      = 1_000_000   // built-in faces in one dataset
	MaxWorkers      = 256
	ReasonSpecial   = "not a regular file"
	ReasonEncrypted = "encrypted"
)

// EstimateBytes is a rough upper estimate of Prepare's memory: the record
// window, one decoded image of up to MaxPixels per worker (RGBA plus the
// resampler's scratch), and a file buffer per job in flight (sized for a
// typical compressed image, not for MaxFileBytes: large files are rare).
func (c Config) EstimateBytes() int64 {
	workers := c.Workers
	window := 8*workers + 16
	rec := float64(c.Options.RecordSize())
	// A decoded image is 4 bytes a pixel (RGBA; YCbCr JPEGs less) and the
	// resampler's intermediate rows add well under one more.
	total := float64(window)*(rec+2<<20) + float64(workers)*float64(c.Options.MaxPixels)*5 + 64<<20
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
