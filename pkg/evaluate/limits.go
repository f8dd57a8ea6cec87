package evaluate

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/runlog"
	"github.com/toongan/toongan/pkg/safeio"
	"github.com/toongan/toongan/pkg/shard"
)

// Limits of eval's options: beyond them a request is refused before any
// work. Memory is checked separately, once the image size is known.
const (
	MaxN          = 20000 // generated images per checkpoint
	MaxHoldoutCap = 100000
	MaxNNTrain    = 100000
	MaxColourN    = 100000
	MaxBatch      = 1024
	MaxBins       = 1000
	MaxGrid       = 1024
	MaxPairs      = 256
	MaxCkpts      = 1000
)

// Validate checks the numbers and the combination of inputs; the error names
// the eval flag. Start from Defaults: no zero is replaced by a default.
func (o *Options) Validate() error {
	for _, c := range []struct {
		flag      string
		v, lo, hi int
	}{
		{"n", o.N, 2, MaxN}, {"holdout-cap", o.HoldoutCap, 0, MaxHoldoutCap}, {"nn-train", o.NNTrain, 0, MaxNNTrain},
		{"colour-n", o.ColourN, 0, MaxColourN},
		{"batch", o.Batch, 1, MaxBatch}, {"bins", o.HistBins, 1, MaxBins}, {"grid", o.GridN, 1, MaxGrid},
		{"pairs", o.Pairs, 1, MaxPairs}, {"ckpt", len(o.Ckpts), 0, MaxCkpts},
	} {
		if c.v < c.lo || c.v > c.hi {
			if c.flag == "ckpt" {
				return fmt.Errorf("%d checkpoints, at most %d", c.v, c.hi)
			}
			return fmt.Errorf("--%s %d out of range %d..%d", c.flag, c.v, c.lo, c.hi)
		}
	}
	if o.Out == "" {
		return fmt.Errorf("give --out FOLDER")
	}
	return nil
}

// prepareOut checks the inputs that are plain files and creates the output
// folder, before any work: a wrong --out or --log fails at once, not after
// minutes of scoring.
func (o *Options) prepareOut() error {
	out, err := atomicfile.ResolveDir(o.Out)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, name := range []string{"report.json", "report.html"} {
		if _, err := atomicfile.Resolve(filepath.Join(out, name)); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	for _, p := range o.Ckpts {
		f, err := safeio.OpenRegular(p)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		f.Close()
	}
	if o.Log != "" {
		f, err := safeio.OpenRegular(o.Log)
		if err != nil {
			return fmt.Errorf("training log: %w", err)
		}
		st, err := f.Stat()
		f.Close()
		if err == nil && st.Size() > runlog.MaxBytes {
			return fmt.Errorf("training log %q: %d bytes, over the %d byte limit", o.Log, st.Size(), int64(runlog.MaxBytes))
		}
	}
	for _, d := range []struct{ flag, dir string }{{"fake-dir", o.FakeDir}, {"real-dir", o.RealDir}} {
		if d.dir == "" {
			continue
		}
		if st, err := os.Stat(d.dir); err != nil {
			return fmt.Errorf("--%s: %w", d.flag, err)
		} else if !st.IsDir() {
			return fmt.Errorf("--%s %q is not a folder", d.flag, d.dir)
		}
	}
	return nil
}

// checkMemory refuses a run whose memory estimate does not fit, counting
// the reals and training images that will actually be read.
func (o *Options) checkMemory(size, channels int, held, train *shard.Set) error {
	reals, nn := o.HoldoutCap, o.NNTrain
	if held != nil && (reals == 0 || held.Len() < reals) {
		reals = held.Len()
	}
	if train == nil {
		nn = 0
	} else if train.Len() < nn {
		nn = train.Len()
	}
	return memlimit.Check(fmt.Sprintf("evaluating %d images of %d px against %d reals", o.N, size, reals),
		o.estimateBytes(size, channels, reals, nn))
}

// estimateBytes is a rough upper estimate of eval's memory for images of
// side size: every generated and real image as float32 with its SWD
// descriptors (128 7x7 patches per pyramid level), the training images of
// the memorisation check, and one model.
func (o *Options) estimateBytes(size, channels, reals, nn int) int64 {
	img := float64(channels*size*size) * 4
	levels := 0.0
	for s := size; s >= 16; s /= 2 {
		levels++
	}
	desc := 128 * 49 * float64(channels) * 4 * levels
	per := 2*img + desc
	imgs := float64(o.N)*2 + float64(reals) // main fake, previous fake, reals
	memo := float64(nn) * float64(channels*o.Memo.Side*o.Memo.Side) * 4
	total := imgs*per + memo + float64(o.Batch)*img*40
	return int64(math.Min(total, math.MaxInt64/2)) + 256<<20
}
