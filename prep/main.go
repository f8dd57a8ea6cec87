// Command prep turns a folder or archive of images, or the built-in cartoon
// faces, into a toongan dataset folder (shards and manifest.json).
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/shard"
	"github.com/urfave/cli/v2"
)

const examples = `  prep --out data/anime /path/to/anime-faces-96.tar.gz
  prep --size 96 --holdout 0.1 --seed 7 --out data/faces ~/Pictures/faces/
  prep --crop none --background "#202020" --out data/icons icons.zip
  prep --builtin 20000 --out data/builtin
  prep --labels ~/Pictures/faces/labels.csv --out data/faces ~/Pictures/faces/
  prep --strict --max-pixels 10e6 --out data/clean photos.tar`

func main() { cliapp.Main(newApp()) }

// interruptGrace is how long prep may take to stop after SIGINT/SIGTERM
// before it exits anyway (with status 130; the old dataset is intact).
const interruptGrace = 10 * time.Second

func newApp() *cli.App {
	env := func(name string) []string { return cliapp.EnvVar("prep", name) }
	flags := []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "dataset folder to (re)create, e.g. data/NAME (required): new, empty, or a dataset of prep", EnvVars: env("out")},
		&cli.IntFlag{Name: "size", Value: 64, Usage: "output image side in pixels (e.g. 32, 48, 64, 96, 128; 4..1024)", EnvVars: env("size")},
		&cli.Float64Flag{Name: "holdout", Value: 0, Usage: "fraction of images kept apart for evaluation, 0..0.5 (e.g. 0.05)", EnvVars: env("holdout")},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the holdout split and the built-in faces", EnvVars: env("seed")},
		&cli.StringFlag{Name: "crop", Value: imageset.CropCenter, Usage: "center: crop the centred square; none: pad to a square with --background", EnvVars: env("crop")},
		&cli.StringFlag{Name: "background", Value: "white", Usage: "colour under transparent pixels and padding: white, black, gray, #rrggbb or r,g,b", EnvVars: env("background")},
		&cli.IntFlag{Name: "builtin", Usage: fmt.Sprintf("render `N` built-in cartoon faces instead of reading INPUT (at most %d)", imageset.MaxBuiltin), EnvVars: env("builtin")},
		&cli.StringFlag{Name: "labels", Usage: "label the images from `FILE.csv`: header file,attr1,attr2,...; a row per image (path in INPUT), a value word per attribute, empty cells unknown", EnvVars: env("labels")},
		&cli.BoolFlag{Name: "no-labels", Usage: "with --builtin: do not record each face's attributes (labels)", EnvVars: env("no-labels")},
		&cli.BoolFlag{Name: "strict", Usage: "stop at the first unreadable, corrupt or unsupported file (or label problem) instead of skipping it", EnvVars: env("strict")},
		&cli.Float64Flag{Name: "max-pixels", Value: imageset.DefaultMaxPixels, Usage: fmt.Sprintf("refuse images with more pixels than this (decompression bombs), checked before decoding; 1..%g", float64(imageset.MaxMaxPixels)), EnvVars: env("max-pixels")},
		&cli.IntFlag{Name: "shard-size", Value: imageset.DefaultShardSize, Usage: fmt.Sprintf("images per shard file, 1..%d", shard.MaxCount), EnvVars: env("shard-size")},
		&cli.IntFlag{Name: "workers", Usage: fmt.Sprintf("decoding goroutines (0: all cores; at most %d)", imageset.MaxWorkers), EnvVars: env("workers")},
	}
	return cliapp.New("prep",
		"turn images into a toongan dataset (shards + manifest.json)",
		"INPUT",
		`INPUT is a folder (searched recursively), a .zip, a .tar or a .tar.gz/.tgz
archive of PNG, JPEG, GIF, BMP or WebP images; or use --builtin N instead.
Each image is cropped to its centred square (or padded with --crop none),
composited on --background, resized with Lanczos-3 to --size and stored as
8-bit RGB. Exact duplicates are dropped; unreadable files are skipped with a
warning (or fatal with --strict). The --out folder is replaced as a whole,
atomically: a crash leaves the previous dataset intact.

Labels: --builtin records each face's attributes (hair, hair_style, eyes,
eye_colour, mouth, face, skin, hat, glasses, blush, ribbon, earring);
--labels FILE.csv labels INPUT's images from a table with the header row
file,attr1,attr2,... and one row per image (its path inside INPUT, a value
word per attribute, empty for unknown). Label problems (images without a
row, rows without an image, bad or repeated columns, conflicting rows, a
column with one value or more than 64) are warnings counted in the
manifest, fatal with --strict.`,
		examples, flags, run)
}

func run(c *cli.Context) error {
	if err := cliapp.Require(c, "out"); err != nil {
		return err
	}
	builtin := c.Int("builtin")
	input := c.Args().First()
	switch {
	case c.NArg() > 1:
		return cliapp.UsageErrorf("one INPUT expected, got %d", c.NArg())
	case builtin < 0 || builtin > imageset.MaxBuiltin:
		return cliapp.UsageErrorf("--builtin %d out of range 1..%d", builtin, imageset.MaxBuiltin)
	case builtin > 0 && input != "":
		return cliapp.UsageErrorf("give either INPUT or --builtin, not both")
	case builtin == 0 && input == "":
		return cliapp.UsageErrorf("no INPUT folder or archive given (or use --builtin N)")
	}
	opt, err := imageOptions(c)
	if err != nil {
		return err
	}
	holdout := c.Float64("holdout")
	if !(holdout >= 0 && holdout <= 0.5) {
		return cliapp.UsageErrorf("--holdout %g must be between 0 and 0.5", holdout)
	}
	if err := cliapp.IntIn(c, "shard-size", 1, shard.MaxCount); err != nil {
		return err
	}
	if err := cliapp.IntIn(c, "workers", 0, imageset.MaxWorkers); err != nil {
		return err
	}
	quiet := c.Bool("quiet")
	stderr := c.App.ErrWriter
	labels, err := labeling(c, builtin)
	if err != nil {
		return err
	}
	labelSource := ""
	if labels != nil {
		labelSource = labels.Source
	}
	cfg := imageset.Config{
		Labels: labels,
		Input:  input, Builtin: builtin, Out: c.String("out"), Options: opt,
		Holdout: holdout, Seed: c.Uint64("seed"), Strict: c.Bool("strict"),
		ShardSize: c.Int("shard-size"), Workers: c.Int("workers"),
		Params: map[string]any{
			"size": opt.Size, "crop": opt.Crop, "background": c.String("background"),
			"holdout": holdout, "seed": c.Uint64("seed"), "builtin": builtin,
			"max_pixels": opt.MaxPixels, "shard_size": c.Int("shard-size"), "strict": c.Bool("strict"),
			"labels": labelSource,
		},
		Warn: stderr,
		NewProgress: func(total int64) imageset.Progress {
			return cliapp.NewProgress(stderr, total, "prep", quiet)
		},
	}
	ctx, stop := cliapp.Interruptible(context.Background(), stderr, "prep: interrupted; stopping (Ctrl-C again quits at once)", interruptGrace)
	defer stop()
	sum, err := imageset.Prepare(ctx, cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return cliapp.ErrInterrupted
		}
		return err
	}
	if !quiet {
		fmt.Fprintln(stderr, "prep: "+sum.Line())
		if s := imageset.LabelSummary(sum.Manifest); s != "" {
			fmt.Fprintln(stderr, "prep: "+s)
		}
	}
	return nil
}

// imageOptions reads the flags of the image conversion.
func imageOptions(c *cli.Context) (imageset.Options, error) {
	bg, err := imgutil.ParseColor(c.String("background"))
	if err != nil {
		return imageset.Options{}, cliapp.UsageErrorf("--background: %v", err)
	}
	if bg.A != 255 {
		return imageset.Options{}, cliapp.UsageErrorf("--background %q: must be opaque", c.String("background"))
	}
	maxPix := c.Float64("max-pixels")
	if !(maxPix >= 1 && maxPix <= imageset.MaxMaxPixels) {
		return imageset.Options{}, cliapp.UsageErrorf("--max-pixels %g out of range 1..%g", maxPix, float64(imageset.MaxMaxPixels))
	}
	opt := imageset.Options{Size: c.Int("size"), Crop: c.String("crop"), Background: bg, MaxPixels: int64(maxPix)}
	if err := opt.Validate(); err != nil {
		return imageset.Options{}, cliapp.UsageErrorf("--%v", err)
	}
	return opt, nil
}

// labeling is where the run's labels come from: the built-in faces'
// attributes (unless --no-labels), a --labels CSV file, or none.
func labeling(c *cli.Context, builtin int) (*imageset.Labeling, error) {
	file := c.String("labels")
	switch {
	case c.Bool("no-labels") && builtin == 0:
		return nil, cliapp.UsageErrorf("--no-labels goes with --builtin")
	case c.Bool("no-labels"):
		return nil, nil
	case file != "" && builtin > 0:
		return nil, cliapp.UsageErrorf("--labels is for INPUT's images; the built-in faces carry their own (or --no-labels)")
	case file != "":
		return imageset.ReadLabelsCSV(file)
	}
	if builtin > 0 {
		return imageset.BuiltinLabeling(), nil
	}
	return nil, nil
}
