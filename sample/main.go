// Command sample draws faces from a trained toongan checkpoint: a grid PNG,
// a folder of single PNGs, or a latent-space interpolation (grid PNG and
// looping GIF). The architecture comes from the checkpoint's metadata.
package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/imgutil"
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
  sample --ckpt ... --truncation 1.5 --raw --pad 0 --bg '#000000' --out grid.png
`

func flags() []cli.Flag {
	env := func(f string) []string { return cliapp.EnvVar("sample", f) }
	return []cli.Flag{
		&cli.StringFlag{Name: "ckpt", Usage: "checkpoint file (.safetensors) written by train (required)", EnvVars: env("ckpt")},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "grid PNG; with --interp NAME.gif/.png (both are written)", EnvVars: env("out")},
		&cli.StringFlag{Name: "dir", Usage: "also write each face as a PNG in this folder (face-0000.png, ...)", EnvVars: env("dir")},
		&cli.IntFlag{Name: "n", Value: 64, Usage: "number of faces", EnvVars: env("n")},
		&cli.IntFlag{Name: "cols", Value: 8, Usage: "grid columns", EnvVars: env("cols")},
		&cli.IntFlag{Name: "pad", Value: 2, Usage: "pixels between grid cells and around the border", EnvVars: env("pad")},
		&cli.StringFlag{Name: "bg", Value: "#ffffff", Usage: "grid background colour (#rrggbb, black, white, gray)", EnvVars: env("bg")},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "latent seed: the same seed draws the same faces", EnvVars: env("seed")},
		&cli.BoolFlag{Name: "raw", Usage: "use the raw generator instead of its moving average (EMA)", EnvVars: env("raw")},
		&cli.Float64Flag{Name: "truncation", Usage: "truncation trick: redraw latent values beyond +-T (e.g. 1.5; 0 = off)", EnvVars: env("truncation")},
		&cli.IntFlag{Name: "interp", Usage: "interpolate between keyframes with this many steps per pair (spherical)", EnvVars: env("interp")},
		&cli.StringFlag{Name: "seeds", Usage: "interpolation keyframes as latent seeds, e.g. 3,17,42", EnvVars: env("seeds")},
		&cli.IntFlag{Name: "keys", Value: 4, Usage: "number of random keyframes for --interp without --seeds (seeds SEED, SEED+1, ...)", EnvVars: env("keys")},
		&cli.IntFlag{Name: "delay", Value: 8, Usage: "GIF frame delay in 1/100 s", EnvVars: env("delay")},
		&cli.IntFlag{Name: "scale", Usage: "GIF enlargement factor (0 = up to about 128 px)", EnvVars: env("scale")},
		&cli.StringFlag{Name: "save-latents", Usage: "write the latents used to this JSON file (interp: the keyframes)", EnvVars: env("save-latents")},
		&cli.StringFlag{Name: "latents", Usage: "read latents from a JSON file written by --save-latents instead of drawing them", EnvVars: env("latents")},
		&cli.IntFlag{Name: "batch", Value: 64, Usage: "generator batch size (memory only: results do not depend on it)", EnvVars: env("batch")},
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
		return cliapp.UsageErrorf("unexpected arguments %v", c.Args().Slice())
	}
	bg, err := imgutil.ParseColor(c.String("bg"))
	if err != nil {
		return cliapp.UsageErrorf("--bg: %v", err)
	}
	seeds, err := parseSeeds(c.String("seeds"))
	if err != nil {
		return err
	}
	if t := c.Float64("truncation"); t < 0 || (t > 0 && t < 0.05) {
		return cliapp.UsageErrorf("--truncation %v: want 0 (off) or a value >= 0.05", t)
	}
	if c.String("out") == "" && c.String("dir") == "" {
		return cliapp.UsageErrorf("give --out FILE and/or --dir FOLDER")
	}
	if c.Int("pad") < 0 || c.Int("cols") <= 0 {
		return cliapp.UsageErrorf("--cols must be > 0 and --pad >= 0")
	}
	m, meta, err := checkpoint.Load(c.String("ckpt"))
	if err != nil {
		return err
	}
	o := sampling.Options{
		N: c.Int("n"), Cols: c.Int("cols"), Pad: c.Int("pad"), BG: bg, Seed: c.Uint64("seed"),
		Raw: c.Bool("raw"), Truncation: c.Float64("truncation"), Batch: c.Int("batch"),
		Out: c.String("out"), Dir: c.String("dir"),
		Interp: c.Int("interp"), Seeds: seeds, Keys: c.Int("keys"), Delay: c.Int("delay"), Scale: c.Int("scale"),
		SaveLatents: c.String("save-latents"), Latents: c.String("latents"),
	}
	res, err := sampling.Run(m, meta.Config, o)
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(c.App.ErrWriter, "sample: step %d checkpoint, %d images -> %s\n", meta.Step, res.N, strings.Join(shorten(res.Files), ", "))
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
	return cliapp.New("sample", "draw faces from a trained checkpoint", "",
		"Generates faces with the checkpoint's generator (EMA weights unless --raw), BatchNorm in inference mode: one latent gives one face whatever else is drawn with it.",
		examples, flags(), action)
}

func main() { cliapp.Main(newApp()) }
