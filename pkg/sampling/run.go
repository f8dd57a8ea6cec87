package sampling

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
)

// Options are the sample stage's settings.
type Options struct {
	N          int         // images in a grid or folder (ignored with Latents: the file decides)
	Cols       int         // grid columns
	Pad        int         // pixels between grid cells
	BG         color.Color // grid background
	Seed       uint64      // latent seed
	Raw        bool        // raw generator instead of the EMA one
	Truncation float64     // > 0: redraw latent components beyond +-Truncation
	Batch      int         // generator batch size (does not change results)

	Out string // grid PNG (or, with Interp, the PNG/GIF pair's name)
	Dir string // folder for single PNGs face-NNNN.png

	Interp int      // > 0: interpolation with this many steps per pair
	Seeds  []uint64 // interpolation keyframes, one latent per seed
	Keys   int      // number of random keyframes when Seeds is empty (from Seed)
	Delay  int      // GIF frame delay, 1/100 s
	Scale  int      // GIF enlargement factor (0 = automatic)

	SaveLatents string // write the latents used (grid: all; interp: keyframes)
	Latents     string // read latents instead of drawing them
	SaveFloats  string // write the grid's images as raw float32 (little-endian NCHW)

	// Conditional models (attrs.go): Attr fixes attributes ("hair=red,
	// glasses=yes"; the others are drawn from the training frequencies);
	// AttrGrid names an attribute to show in every value, one column each.
	Attr     string
	AttrGrid string
	// AttrTo, with Interp, draws each keyframe latent from the Attr
	// labelling to this one instead of a path between latents.
	AttrTo string
}

// Result lists what Run wrote.
type Result struct {
	Files   []string
	N       int      // images generated
	Columns []string // with AttrGrid: the value of each column
}

// Run generates images with g (a model of configuration cfg) as o asks and
// writes the requested files.
func Run(g Generator, cfg gan.Config, o Options) (Result, error) {
	var res Result
	if o.Out == "" && o.Dir == "" {
		return res, fmt.Errorf("nothing to write: give --out and/or --dir")
	}
	if o.BG == nil {
		o.BG = color.White
	}
	if o.Cols <= 0 {
		o.Cols = 8
	}
	nz := cfg.NZ
	var z []float32
	var n int
	if o.Latents != "" {
		lf, err := ReadLatents(o.Latents)
		if err != nil {
			return res, err
		}
		if lf.NZ != nz {
			return res, fmt.Errorf("latents file %q has nz %d, the checkpoint's model has nz %d", o.Latents, lf.NZ, nz)
		}
		z, n = lf.Flat(), lf.N
	}
	if o.Interp > 0 && o.AttrTo != "" {
		return runAttrInterp(g, cfg, o, z, n)
	}
	if o.Interp > 0 {
		return runInterp(g, cfg, o, z, n)
	}
	if o.AttrGrid != "" {
		return runAttrGrid(g, cfg, o, z, n)
	}
	if z == nil {
		if o.N <= 0 {
			return res, fmt.Errorf("--n must be > 0, got %d", o.N)
		}
		n = o.N
		z = Latents(o.Seed, n, nz, o.Truncation)
	}
	if o.SaveLatents != "" {
		if err := WriteLatents(o.SaveLatents, NewLatentFile(z, nz, o.Seed, o.Truncation)); err != nil {
			return res, err
		}
		res.Files = append(res.Files, o.SaveLatents)
	}
	x, err := generateFor(g, cfg, z, n, o)
	if err != nil {
		return res, err
	}
	if o.SaveFloats != "" {
		if err := WriteFloats(o.SaveFloats, x); err != nil {
			return res, err
		}
		res.Files = append(res.Files, o.SaveFloats)
	}
	imgs, err := imgutil.TensorImages(x, n, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		return res, err
	}
	res.N = n
	files, err := writeImages(imgs, o.Cols, o)
	res.Files = append(res.Files, files...)
	return res, err
}

// writeImages writes each face to --dir and the grid of cols columns to
// --out, as asked, and returns the files written.
func writeImages(imgs []*image.NRGBA, cols int, o Options) ([]string, error) {
	var files []string
	if o.Dir != "" {
		f, err := writeFaces(o.Dir, imgs)
		if err != nil {
			return files, err
		}
		files = append(files, f...)
	}
	if o.Out != "" {
		grid, err := imgutil.Grid(imgutil.AsImages(imgs), cols, o.Pad, o.BG)
		if err != nil {
			return files, err
		}
		if err := writePNG(o.Out, grid); err != nil {
			return files, err
		}
		files = append(files, o.Out)
	}
	return files, nil
}

// WriteFloats writes x as raw little-endian float32 values (numpy:
// np.fromfile(path, "<f4")), atomically.
func WriteFloats(path string, x []float32) error {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if err := atomicfile.WriteBytes(path, 0o644, b); err != nil {
		return fmt.Errorf("write floats %q: %w", path, err)
	}
	return nil
}

// writeFaces writes each image as dir/face-NNNN.png.
func writeFaces(dir string, imgs []*image.NRGBA) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	var files []string
	for i, im := range imgs {
		p := filepath.Join(dir, fmt.Sprintf("face-%04d.png", i))
		if err := imgutil.WritePNG(p, im); err != nil {
			return files, err
		}
		files = append(files, p)
	}
	return files, nil
}

func writePNG(path string, img image.Image) error {
	if err := imgutil.MkdirFor(path); err != nil {
		return err
	}
	return imgutil.WritePNG(path, img)
}

func images(g Generator, cfg gan.Config, z []float32, n int, o Options) ([]*image.NRGBA, error) {
	x, err := generateFor(g, cfg, z, n, o)
	if err != nil {
		return nil, err
	}
	return imgutil.TensorImages(x, n, cfg.Channels, cfg.Size, cfg.Size)
}

// runInterp draws keyframes, writes the grid PNG (rows = pairs, columns =
// steps) and a looping GIF through all keyframes.
func runInterp(g Generator, cfg gan.Config, o Options, z []float32, n int) (Result, error) {
	var res Result
	if o.Out == "" {
		return res, fmt.Errorf("--interp needs --out (NAME.gif or NAME.png: both are written)")
	}
	if o.Interp < 2 {
		return res, fmt.Errorf("--interp needs at least 2 steps, got %d", o.Interp)
	}
	keys := keyframes(cfg.NZ, o, z, n)
	if len(keys) < 2 {
		return res, fmt.Errorf("interpolation needs at least 2 keyframes, got %d", len(keys))
	}
	if o.SaveLatents != "" {
		var flat []float32
		for _, k := range keys {
			flat = append(flat, k...)
		}
		if err := WriteLatents(o.SaveLatents, NewLatentFile(flat, cfg.NZ, o.Seed, o.Truncation)); err != nil {
			return res, err
		}
		res.Files = append(res.Files, o.SaveLatents)
	}
	rows := Path(keys, o.Interp)
	var flat []float32
	for _, r := range rows {
		for _, v := range r {
			flat = append(flat, v...)
		}
	}
	cells, err := images(g, cfg, flat, len(rows)*o.Interp, o)
	if err != nil {
		return res, err
	}
	loop := Loop(keys, o.Interp)
	flat = flat[:0]
	for _, v := range loop {
		flat = append(flat, v...)
	}
	frames, err := images(g, cfg, flat, len(loop), o)
	if err != nil {
		return res, err
	}
	res.N = len(cells) + len(frames)
	base := strings.TrimSuffix(o.Out, filepath.Ext(o.Out))
	if err := writeInterp(base, cells, frames, cfg, o); err != nil {
		return res, err
	}
	res.Files = append(res.Files, base+".png", base+".gif")
	return res, nil
}

// keyframes are the interpolation's key latents: the n given ones (z), one
// per seed of Seeds, or Keys (default 4) from consecutive seeds.
func keyframes(nz int, o Options, z []float32, n int) [][]float32 {
	var keys [][]float32
	switch {
	case z != nil:
		for i := 0; i < n; i++ {
			keys = append(keys, z[i*nz:(i+1)*nz])
		}
	case len(o.Seeds) > 0:
		for _, s := range o.Seeds {
			keys = append(keys, Latents(s, 1, nz, o.Truncation))
		}
	default:
		k := o.Keys
		if k == 0 {
			k = 4
		}
		for i := 0; i < k; i++ {
			keys = append(keys, Latents(o.Seed+uint64(i), 1, nz, o.Truncation))
		}
	}
	return keys
}

// writeInterp writes base.png (the grid of cells, Interp per row) and
// base.gif (the frames, scaled up).
func writeInterp(base string, cells, frames []*image.NRGBA, cfg gan.Config, o Options) error {
	grid, err := imgutil.Grid(imgutil.AsImages(cells), o.Interp, o.Pad, o.BG)
	if err != nil {
		return err
	}
	if err := writePNG(base+".png", grid); err != nil {
		return err
	}
	scale := o.Scale
	if scale <= 0 {
		scale = max(1, 128/cfg.Size)
	}
	gf := make([]image.Image, len(frames))
	for i, f := range frames {
		gf[i] = imgutil.Scale(f, scale)
	}
	delay := o.Delay
	if delay <= 0 {
		delay = 8
	}
	return imgutil.WriteGIF(base+".gif", gf, delay)
}
