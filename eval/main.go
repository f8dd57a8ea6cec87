// Command eval scores trained checkpoints (or a folder of images from any
// generator) against held-out real faces and writes report.json and a
// self-contained report.html.
package main

import (
	"fmt"
	"time"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/evaluate"
	"github.com/urfave/cli/v2"
)

const examples = `  eval --ckpt runs/builtin/ckpt/latest.safetensors --data data/builtin --out runs/builtin/eval
  eval --ckpt runs/builtin/ckpt/step-001000.safetensors --ckpt runs/builtin/ckpt/step-002000.safetensors \
       --data data/builtin --out runs/builtin/eval            # SWD against training step
  eval --data data/builtin --out runs/builtin/eval runs/builtin/ckpt/step-*.safetensors   # same, with a glob
  eval --fake-dir other-gan/samples --data data/builtin --out eval-other   # images from any generator
  eval --ckpt ... --real-dir my-real-faces --out eval-x --n 500           # reals from a folder
`

func flags() []cli.Flag {
	env := func(f string) []string { return cliapp.EnvVar("eval", f) }
	d := evaluate.Defaults()
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "ckpt", Usage: "checkpoint to score (repeatable; extra arguments are checkpoints too); the last one gets the grid and memorisation check", EnvVars: env("ckpt")},
		&cli.StringFlag{Name: "fake-dir", Usage: "folder of generated images (png/jpg/gif/bmp/webp) to score instead of a checkpoint", EnvVars: env("fake-dir")},
		&cli.StringFlag{Name: "data", Usage: "dataset folder from prep: held-out reals and training images", EnvVars: env("data")},
		&cli.StringFlag{Name: "real-dir", Usage: "folder of real images to compare with instead of the holdout shards", EnvVars: env("real-dir")},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "output folder for report.json and report.html (required)", EnvVars: env("out")},
		&cli.StringFlag{Name: "log", Usage: "training log (default: log.jsonl beside the checkpoint's ckpt/ folder)", EnvVars: env("log")},
		&cli.IntFlag{Name: "n", Value: d.N, Usage: fmt.Sprintf("generated images per checkpoint (or most read from --fake-dir), 2..%d", evaluate.MaxN), EnvVars: env("n")},
		&cli.IntFlag{Name: "colour-n", Value: d.ColourN, Usage: fmt.Sprintf("generated images behind a checkpoint's mean colour (the first -n of them are the scored ones; more are drawn and not kept), 0..%d; faces vary in colour, so 1000 pin the mean down to only about 1 to 1.5 grey levels", evaluate.MaxColourN), EnvVars: env("colour-n")},
		&cli.IntFlag{Name: "holdout-cap", Value: d.HoldoutCap, Usage: fmt.Sprintf("most held-out real images used (0 = all), at most %d", evaluate.MaxHoldoutCap), EnvVars: env("holdout-cap")},
		&cli.IntFlag{Name: "nn-train", Value: d.NNTrain, Usage: fmt.Sprintf("training images searched by the memorisation check (spread over the set; 0 = skip), at most %d", evaluate.MaxNNTrain), EnvVars: env("nn-train")},
		&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "latent seed (same seed, same report)", EnvVars: env("seed")},
		&cli.Uint64Flag{Name: "swd-seed", Value: d.SWD.Seed, Usage: "seed of SWD's patch positions and projections", EnvVars: env("swd-seed")},
		&cli.BoolFlag{Name: "raw", Usage: "score the raw generator instead of its moving average (EMA)", EnvVars: env("raw")},
		&cli.IntFlag{Name: "batch", Value: d.Batch, Usage: fmt.Sprintf("model batch size (memory only), 1..%d", evaluate.MaxBatch), EnvVars: env("batch")},
		&cli.IntFlag{Name: "bins", Value: d.HistBins, Usage: fmt.Sprintf("bins of the D-score histograms, 1..%d", evaluate.MaxBins), EnvVars: env("bins")},
		&cli.IntFlag{Name: "grid", Value: d.GridN, Usage: fmt.Sprintf("images in the report's sample grid, 1..%d", evaluate.MaxGrid), EnvVars: env("grid")},
		&cli.IntFlag{Name: "pairs", Value: d.Pairs, Usage: fmt.Sprintf("nearest-neighbour pairs shown in the report, 1..%d", evaluate.MaxPairs), EnvVars: env("pairs")},
	}
}

func action(c *cli.Context) error {
	if err := cliapp.Require(c, "out"); err != nil {
		return err
	}
	o := evaluate.Defaults()
	o.Ckpts = append(c.StringSlice("ckpt"), c.Args().Slice()...)
	o.FakeDir, o.Data, o.RealDir = c.String("fake-dir"), c.String("data"), c.String("real-dir")
	o.Out, o.Log = c.String("out"), c.String("log")
	o.N, o.ColourN, o.HoldoutCap, o.NNTrain = c.Int("n"), c.Int("colour-n"), c.Int("holdout-cap"), c.Int("nn-train")
	o.Seed, o.Raw, o.Batch = c.Uint64("seed"), c.Bool("raw"), c.Int("batch")
	o.SWD.Seed = c.Uint64("swd-seed")
	o.HistBins, o.GridN, o.Pairs = c.Int("bins"), c.Int("grid"), c.Int("pairs")
	if len(o.Ckpts) == 0 && o.FakeDir == "" {
		return cliapp.UsageErrorf("give --ckpt CHECKPOINT (repeatable) or --fake-dir FOLDER")
	}
	if len(o.Ckpts) > 0 && o.FakeDir != "" {
		return cliapp.UsageErrorf("give either --ckpt or --fake-dir, not both")
	}
	if o.Data == "" && o.RealDir == "" {
		return cliapp.UsageErrorf("give --data DATASET or --real-dir FOLDER for the real images")
	}
	if err := o.Validate(); err != nil {
		return cliapp.UsageErrorf("%v", err)
	}
	quiet := c.Bool("quiet")
	o.Logf = func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(c.App.ErrWriter, "eval: "+format+"\n", a...)
		}
	}
	ctx, stop := cliapp.Interruptible(c.Context, c.App.ErrWriter, "eval: interrupted; stopping (Ctrl-C again quits at once)", interruptGrace)
	defer stop()
	res, err := evaluate.Run(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return cliapp.ErrInterrupted
		}
		return err
	}
	for _, w := range res.Report.Warnings {
		if quiet { // warnings still print when quiet
			fmt.Fprintf(c.App.ErrWriter, "eval: warning: %s\n", w)
		}
	}
	m := res.Report.Sources[res.Report.Main]
	fmt.Fprintf(c.App.Writer, "SWD %.2f (real vs real %.2f)", m.SWD.Avg, res.Report.Baseline.Avg)
	if m.D != nil {
		fmt.Fprintf(c.App.Writer, ", D AUC %.3f", m.D.Logits.AUC)
	}
	fmt.Fprintf(c.App.Writer, "\nwrote %s and %s\n", res.JSONPath, res.HTMLPath)
	return nil
}

func newApp() *cli.App {
	return cliapp.New("eval", "score checkpoints against held-out real faces", "[CHECKPOINT...]",
		`Measures the multi-scale sliced Wasserstein distance (SWD, ProGAN protocol) between generated and
held-out real images beside a real-vs-real baseline, the discriminator's scores on both (ROC AUC,
accuracy, histograms), a memorisation check (nearest training image of each generated one,
compared with held-out reals) and a mode-collapse check (pairwise distances). Writes OUT/report.json
(every number, input paths and hashes) and OUT/report.html (self-contained: images embedded).`,
		examples, flags(), action)
}

func main() { cliapp.Main(newApp()) }

// interruptGrace is how long eval may take to stop after SIGINT/SIGTERM
// before it exits anyway (with status 130; reports are written atomically,
// so none is left half-written).
const interruptGrace = 5 * time.Second
