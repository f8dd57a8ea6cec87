package sampling

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// Limits of the sample stage's options: beyond them a request is refused
// before anything is generated. Memory is checked separately (EstimateBytes).
const (
	MaxN         = 10000 // images in one grid or folder
	MaxCols      = 1024
	MaxPad       = 64
	MaxBatch     = 1024
	MaxInterp    = 256  // steps per keyframe pair
	MaxKeys      = 64   // keyframes (random or --seeds)
	MaxFrames    = 4096 // keyframes x steps: the GIF's frames
	MaxScale     = 16
	MaxDelay     = 6000 // 1/100 s: one minute per frame
	MaxTrunc     = 100.0
	MinTrunc     = 0.05
	maxLatentMiB = 256 // largest latents JSON file read
)

// Validate checks o's numbers against the limits and the output names'
// extensions (a grid is a .png; an interpolation writes NAME.png and
// NAME.gif, so --out must end in one of them). The error names the field
// as the sample command spells its flag.
func (o Options) Validate() error {
	switch {
	case o.Out == "" && o.Dir == "":
		return fmt.Errorf("give --out FILE and/or --dir FOLDER")
	case o.Latents == "" && o.Interp == 0 && (o.N < 1 || o.N > MaxN):
		return fmt.Errorf("--n %d out of range 1..%d", o.N, MaxN)
	case o.Cols < 1 || o.Cols > MaxCols:
		return fmt.Errorf("--cols %d out of range 1..%d", o.Cols, MaxCols)
	case o.Pad < 0 || o.Pad > MaxPad:
		return fmt.Errorf("--pad %d out of range 0..%d", o.Pad, MaxPad)
	case o.Batch < 1 || o.Batch > MaxBatch:
		return fmt.Errorf("--batch %d out of range 1..%d", o.Batch, MaxBatch)
	case o.Truncation != 0 && !(o.Truncation >= MinTrunc && o.Truncation <= MaxTrunc):
		return fmt.Errorf("--truncation %v: want 0 (off) or a value in %g..%g", o.Truncation, MinTrunc, MaxTrunc)
	case o.Interp != 0 && (o.Interp < 2 || o.Interp > MaxInterp):
		return fmt.Errorf("--interp %d: want 0 (off) or 2..%d steps", o.Interp, MaxInterp)
	case len(o.Seeds) > MaxKeys:
		return fmt.Errorf("--seeds: %d keyframes, at most %d", len(o.Seeds), MaxKeys)
	case o.Keys < 2 || o.Keys > MaxKeys:
		return fmt.Errorf("--keys %d out of range 2..%d", o.Keys, MaxKeys)
	case o.Delay < 1 || o.Delay > MaxDelay:
		return fmt.Errorf("--delay %d out of range 1..%d (1/100 s)", o.Delay, MaxDelay)
	case o.Scale < 0 || o.Scale > MaxScale:
		return fmt.Errorf("--scale %d out of range 0..%d (0: automatic)", o.Scale, MaxScale)
	case o.SaveFloats != "" && o.Interp > 0:
		return fmt.Errorf("--save-floats writes a grid's images; it does not go with --interp")
	case len(o.Attr) > MaxAttrBytes || len(o.AttrGrid) > MaxAttrBytes || len(o.AttrTo) > MaxAttrBytes:
		return fmt.Errorf("--attr, --attr-to and --attr-grid: at most %d bytes", MaxAttrBytes)
	case o.AttrTo != "" && o.Interp == 0:
		return fmt.Errorf("--attr-to goes with --interp (from --attr to --attr-to, latents fixed)")
	case o.AttrGrid != "" && (o.Interp > 0 || o.SaveFloats != ""):
		return fmt.Errorf("--attr-grid draws a grid of its own; it does not go with --interp or --save-floats")
	}
	if o.Interp > 0 {
		keys := o.Keys
		if len(o.Seeds) > 0 {
			keys = len(o.Seeds)
		}
		if keys*o.Interp > MaxFrames {
			return fmt.Errorf("--interp %d with %d keyframes makes %d frames, at most %d", o.Interp, keys, keys*o.Interp, MaxFrames)
		}
		if o.Out == "" {
			return fmt.Errorf("--interp needs --out (NAME.gif or NAME.png: both are written)")
		}
		if e := strings.ToLower(filepath.Ext(o.Out)); e != ".gif" && e != ".png" {
			return fmt.Errorf("--out %q: an interpolation is written as NAME.png and NAME.gif; end the name in .png or .gif", o.Out)
		}
	} else if o.Out != "" && strings.ToLower(filepath.Ext(o.Out)) != ".png" {
		return fmt.Errorf("--out %q: sample writes PNG grids; end the name in .png", o.Out)
	}
	return nil
}

// OutputPaths lists the files Run may write for o (the folder's single
// images excepted), so that they can be checked before any work.
func (o Options) OutputPaths() []string {
	var out []string
	if o.SaveLatents != "" {
		out = append(out, o.SaveLatents)
	}
	if o.SaveFloats != "" {
		out = append(out, o.SaveFloats)
	}
	if o.Out != "" && o.Interp > 0 {
		base := strings.TrimSuffix(o.Out, filepath.Ext(o.Out))
		out = append(out, base+".png", base+".gif")
	} else if o.Out != "" {
		out = append(out, o.Out)
	}
	return out
}

// EstimateBytes is a rough upper estimate of the memory Run needs for o with
// a generator of images of side size with nz latent values (n images: the
// latents file's count when o.Latents is set).
func (o Options) EstimateBytes(n, nz, size int) int64 {
	per := float64(nz+3*size*size) * 4 // latent and generated tensor
	pic := float64(size*size) * 4      // NRGBA
	var total float64
	if o.Interp > 0 {
		keys := o.Keys
		if len(o.Seeds) > 0 {
			keys = len(o.Seeds)
		}
		if n > 0 {
			keys = n
		}
		cells, frames := float64((keys-1)*o.Interp), float64(keys*o.Interp)
		scale := max(o.Scale, 1, 128/max(size, 1))
		total = (cells+frames)*(per+pic) + frames*pic*float64(scale*scale)*1.25 + cells*pic*2
	} else {
		total = float64(n) * (per + 3*pic) // tensor, image, grid cell
		if o.SaveFloats != "" {
			total += float64(n) * float64(3*size*size) * 4 // the bytes written
		}
	}
	return int64(math.Min(total, math.MaxInt64/2)) + 64<<20
}
