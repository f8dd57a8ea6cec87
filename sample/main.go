// Command sample draws faces from a trained toongan checkpoint: a grid PNG,
// a folder of single PNGs, or a latent-space interpolation (grid PNG and
// looping GIF). The architecture comes from the checkpoint's metadata.
package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/urfave/cli/v2"
)

const examples = `  sample --ckpt runs/builtin/ckpt/latest.safetensors --out grid.png
  sample --ckpt runs/builtin/ckpt/latest.safetensors --n 100 --cols 10 --seed 7 --out grid.png
  sample --ckpt runs/builtin/ckpt/latest.safetensors --n 16 --dir faces/
  sample --ckpt runs/builtin/ckpt/latest.safetensors --interp 8 --out interp.gif   # also interp.png
  sample --ckpt runs/builtin/ckpt/latest.safetensors --interp 10 --seeds 3,17,42 --out walk.gif
  sample --ckpt ... --n 8 --save-latents z.json --out a.png   # keep the latents ...
  sample --ckpt ... --latents z.json --out b.png              # ... and redraw them later
  sample --ckpt ... --export-onnx generator.onnx              # the EMA generator for onnxruntime
  sample --ckpt runs/cond/ckpt/latest.safetensors --attr hair=red,glasses=yes --out red.png   # train --cond models
  sample --ckpt runs/cond/ckpt/latest.safetensors --attr-grid hair --out hair.png   # rows: latents, columns: colours
  sample --ckpt runs/cond/ckpt/latest.safetensors --interp 8 --attr hair=black --attr-to hair=red --out dye.gif
  sample --ckpt ... --truncation 1.5 --raw --pad 0 --bg '#000000' --out grid.png
`

func flags() []cli.Flag {
	env := func(f string) []string { return cliapp.EnvVar("sample", f) }
	return []cli.Flag{
		&cli.StringFlag{Name: "ckpt", Usage: "checkpoint file (.safetensors) written by train (required)", EnvVars: env("ckpt")},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "grid PNG (NAME.png); with --interp NAME.gif or NAME.png (both are written). Written through symbolic links; devices, FIFOs, folders and /dev, /proc paths (e.g. /dev/stdout) are refused", EnvVars: env("out")},
		&cli.StringFlag{Name: "dir", Usage: "also write each face as a PNG in this folder (face-0000.png, ...)", EnvVars: env("dir")},
		&cli.IntFlag{Name: "n", Value: 64, Usage: fmt.Sprintf("number of faces, 1..%d", sampling.MaxN), EnvVars: env("n")},
		&cli.IntFlag{Name: "cols", Value: 8, Usage: fmt.Sprintf("grid columns, 1..%d", sampling.MaxCols), EnvVars: env("cols")},
		&cli.IntFlag{Name: "pad", Value: 2, Usage: fmt.Sprintf("pixels between grid cells and around the border, 0..%d", sampling.MaxPad), EnvVars: env("pad")},
		&cli.StringFlag{Name: "bg", Value: "#ffffff", Usage: "grid background colour (#rrggbb, black, white, gray)", EnvVars: env("bg")},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "latent seed: the same seed draws the same faces", EnvVars: env("seed")},
		&cli.BoolFlag{Name: "raw", Usage: "use the raw generator instead of its moving average (EMA)", EnvVars: env("raw")},
		&cli.Float64Flag{Name: "truncation", Usage: fmt.Sprintf("truncation trick: redraw latent values beyond +-T (e.g. 1.5; 0 = off; else %g..%g)", sampling.MinTrunc, sampling.MaxTrunc), EnvVars: env("truncation")},
		&cli.IntFlag{Name: "interp", Usage: fmt.Sprintf("interpolate between keyframes with this many steps per pair (spherical; 2..%d, keyframes x steps at most %d)", sampling.MaxInterp, sampling.MaxFrames), EnvVars: env("interp")},
		&cli.StringFlag{Name: "seeds", Usage: fmt.Sprintf("interpolation keyframes as latent seeds, e.g. 3,17,42 (at most %d)", sampling.MaxKeys), EnvVars: env("seeds")},
		&cli.IntFlag{Name: "keys", Value: 4, Usage: fmt.Sprintf("number of random keyframes for --interp without --seeds (seeds SEED, SEED+1, ...), 2..%d", sampling.MaxKeys), EnvVars: env("keys")},
		&cli.IntFlag{Name: "delay", Value: 8, Usage: fmt.Sprintf("GIF frame delay in 1/100 s, 1..%d", sampling.MaxDelay), EnvVars: env("delay")},
		&cli.IntFlag{Name: "scale", Usage: fmt.Sprintf("GIF enlargement factor (0 = up to about 128 px), 0..%d", sampling.MaxScale), EnvVars: env("scale")},
		&cli.StringFlag{Name: "save-latents", Usage: "write the latents used to this JSON file (interp: the keyframes); same rule as --out: no devices, FIFOs, folders, /dev or /proc", EnvVars: env("save-latents")},
		&cli.StringFlag{Name: "latents", Usage: "read latents from a JSON file written by --save-latents instead of drawing them", EnvVars: env("latents")},
		&cli.StringFlag{Name: "save-floats", Usage: "also write the grid's images as raw float32 values (little-endian, NCHW, in [-1, 1]: n x 3 x size x size) to this file, to compare with other runtimes", EnvVars: env("save-floats")},
		&cli.StringFlag{Name: "export-onnx", Usage: "write the generator (EMA unless --raw) as an ONNX model to this FILE.onnx instead of drawing (input \"latent\" [batch, nz], output \"image\" NCHW in [-1, 1])", EnvVars: env("export-onnx")},
		&cli.StringFlag{Name: "attr", Usage: "conditional models (train --cond): draw these attributes, `LIST` of name=value (e.g. hair=red,glasses=yes); the others are drawn from the training frequencies", EnvVars: env("attr")},
		&cli.StringFlag{Name: "attr-to", Usage: "with --interp: go from the --attr attributes to these (`LIST` of name=value), each keyframe latent fixed (one row each)", EnvVars: env("attr-to")},
		&cli.StringFlag{Name: "attr-grid", Usage: "conditional models: one row per latent (--n of them, default 8), one column per value of attribute `NAME` (e.g. hair)", EnvVars: env("attr-grid")},
		&cli.IntFlag{Name: "batch", Value: 64, Usage: fmt.Sprintf("generator batch size (memory only: results do not depend on it), 1..%d", sampling.MaxBatch), EnvVars: env("batch")},
	}
}

func parseSeeds(s string) ([]uint64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, cliapp.UsageErrorf("--seeds %q: %q is not a non-negative integer", s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

func action(c *cli.Context) error {
	if err := cliapp.Require(c, "ckpt"); err != nil {
		return err
	}
	if c.NArg() > 0 {
		return cliapp.UsageErrorf("unexpected arguments %q", c.Args().Slice())
	}
	if p := c.String("export-onnx"); p != "" {
		return exportONNX(c, p)
	}
	bg, err := imgutil.ParseColor(c.String("bg"))
	if err != nil {
		return cliapp.UsageErrorf("--bg: %v", err)
	}
	seeds, err := parseSeeds(c.String("seeds"))
	if err != nil {
		return err
	}
	o := sampling.Options{
		N: c.Int("n"), Cols: c.Int("cols"), Pad: c.Int("pad"), BG: bg, Seed: c.Uint64("seed"),
		Raw: c.Bool("raw"), Truncation: c.Float64("truncation"), Batch: c.Int("batch"),
		Out: c.String("out"), Dir: c.String("dir"),
		Interp: c.Int("interp"), Seeds: seeds, Keys: c.Int("keys"), Delay: c.Int("delay"), Scale: c.Int("scale"),
		SaveLatents: c.String("save-latents"), Latents: c.String("latents"), SaveFloats: c.String("save-floats"),
		Attr: c.String("attr"), AttrGrid: c.String("attr-grid"), AttrTo: c.String("attr-to"),
	}
	if o.AttrGrid != "" && !c.IsSet("n") {
		o.N = 8
	}
	if err := o.Validate(); err != nil {
		return cliapp.UsageErrorf("%v", err)
	}
	for _, p := range o.OutputPaths() {
		if _, err := atomicfile.Resolve(p); err != nil {
			return cliapp.UsageErrorf("output: %v", err)
		}
	}
	if o.Dir != "" {
		if _, err := atomicfile.ResolveDir(o.Dir); err != nil {
			return cliapp.UsageErrorf("--dir: %v", err)
		}
	}
	// The header alone first: a damaged or forged checkpoint, or a request
	// too big for memory, is refused before the model is built.
	meta, err := checkpoint.CheckHeader(c.String("ckpt"))
	if err != nil {
		return err
	}
	n := o.N
	if o.Latents != "" {
		lf, err := sampling.ReadLatents(o.Latents)
		if err != nil {
			return err
		}
		n = lf.N
	}
	if err := memlimit.Check(fmt.Sprintf("sampling %d images of %d px", n, meta.Config.Size),
		o.EstimateBytes(n, meta.Config.NZ, meta.Config.Size)); err != nil {
		return err
	}
	m, meta, err := checkpoint.Load(c.String("ckpt"))
	if err != nil {
		return err
	}
	res, err := sampling.Run(m, meta.Config, o)
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "sample: step %d checkpoint, %d images -> %s\n", meta.Step, res.N, strings.Join(shorten(res.Files), ", "))
		if len(res.Columns) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "sample: columns (%s): %s\n", o.AttrGrid, strings.Join(res.Columns, ", "))
		}
	}
	return nil
}

func shorten(files []string) []string {
	if len(files) <= 4 {
		return files
	}
	return append(files[:2:2], fmt.Sprintf("... (%d files)", len(files)-3), files[len(files)-1])
}

func newApp() *cli.App {
	app := cliapp.New("sample", "draw faces from a trained checkpoint", "",
		"Generates faces with the checkpoint's generator (EMA weights unless --raw), BatchNorm in inference mode: one latent gives one face whatever else is drawn with it.",
		examples, flags(), action)
	app.Commands = append(app.Commands, serveCommand()) // sample serve: the web explorer
	return app
}

func main() { cliapp.Main(newApp()) }
