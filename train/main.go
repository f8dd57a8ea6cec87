// Command train trains the DCGAN (or the fully connected GAN) on a dataset
// written by prep, with progress, JSON-lines logs, sample grids and
// resumable checkpoints. See train --help.
package main

import (
	"context"
	"fmt"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/trainer"
	"github.com/urfave/cli/v2"
)

const description = `
Trains a GAN on the shards of a prep output directory. Image size and channels
come from the data; architecture and hyper-parameters are stored in every
checkpoint, so later stages (sample, eval) and --resume need no model flags.

Each epoch visits every training image once in a shuffled order fixed by --seed
and the epoch number; the last partial batch of an epoch is dropped. Training
stops at the first of --steps, --epochs and --minutes (--steps and --epochs are
totals for the run, counted across resumes; --minutes is this invocation's
wall time); with none given it runs --epochs 25.

Writes into --out (runs/NAME):
  ckpt/step-NNNNNN.safetensors, ckpt/latest.safetensors   checkpoints (newest --keep)
  log.jsonl        one JSON object per --log-every steps (step, epoch, time,
                   elapsed_s, loss_d, loss_g, d_real, d_fake, img_per_s)
  grids/step-NNNNNN.png   8x8 samples of a fixed latent batch (EMA generator;
                   step-000000.png is the untrained one)
  config.json      data, dataset hash, model config and budget of the run

Ctrl-C (SIGINT) or SIGTERM finishes the current step, saves a checkpoint and
exits with status 130; --resume continues bit-identically (same seed and
GOMAXPROCS). A NaN or Inf loss or weight stops training with status 1 without
saving the bad state. --resume refuses a checkpoint whose data set hash differs
(--force overrides) or whose model settings differ from flags given on the
command line. Starting without --resume where --out already has checkpoints
is an error.`

const examples = `
  train --data data/builtin --out runs/builtin --epochs 25
  train --data data/anime --out runs/anime --minutes 60 --batch 64 --kernel 5
  train --data data/anime --out runs/anime --resume --epochs 40
  train --data data/builtin --out runs/mlp --arch mlp --steps 2000 --lr 1e-4
  TOONGAN_TRAIN_BATCH=32 train --data data/builtin --out runs/b32`

func main() {
	cliapp.Main(app())
}

func flags() []cli.Flag {
	d := gan.DefaultConfig(64)
	ev := func(n string) []string { return cliapp.EnvVar("train", n) }
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Usage: "dataset directory written by prep (`DIR` with manifest.json)", EnvVars: ev("data")},
		&cli.StringFlag{Name: "out", Usage: "run directory for checkpoints, logs and grids (`DIR`, e.g. runs/NAME)", EnvVars: ev("out")},
		&cli.IntFlag{Name: "steps", Usage: "stop after `N` steps in total (0: no step limit)", EnvVars: ev("steps")},
		&cli.IntFlag{Name: "epochs", Usage: "stop after `N` epochs in total (0: no epoch limit; 25 when no budget is given)", EnvVars: ev("epochs")},
		&cli.Float64Flag{Name: "minutes", Usage: "stop after `M` minutes of this invocation (0: no time limit)", EnvVars: ev("minutes")},
		&cli.IntFlag{Name: "batch", Value: d.Batch, Usage: "images per batch", EnvVars: ev("batch")},
		&cli.BoolFlag{Name: "resume", Usage: "continue from --out's latest checkpoint", EnvVars: ev("resume")},
		&cli.BoolFlag{Name: "force", Usage: "with --resume: accept a data set whose hash differs from the checkpoint's", EnvVars: ev("force")},
		&cli.StringFlag{Name: "arch", Value: d.Arch, Usage: "architecture `NAME`: dcgan (convolutional) or mlp (fully connected)", EnvVars: ev("arch")},
		&cli.IntFlag{Name: "kernel", Value: d.Kernel, Usage: "convolution kernel size: 4 (pytorch/examples) or 5 (the article)", EnvVars: ev("kernel")},
		&cli.IntFlag{Name: "ngf", Value: d.NGF, Usage: "generator feature width", EnvVars: ev("ngf")},
		&cli.IntFlag{Name: "ndf", Value: d.NDF, Usage: "discriminator feature width", EnvVars: ev("ndf")},
		&cli.IntFlag{Name: "nz", Value: d.NZ, Usage: "latent vector size", EnvVars: ev("nz")},
		&cli.Float64Flag{Name: "lr", Value: d.LR, Usage: "Adam learning rate", EnvVars: ev("lr")},
		&cli.Float64Flag{Name: "beta1", Value: d.Beta1, Usage: "Adam beta1", EnvVars: ev("beta1")},
		&cli.Float64Flag{Name: "beta2", Value: d.Beta2, Usage: "Adam beta2", EnvVars: ev("beta2")},
		&cli.Float64Flag{Name: "label-smooth", Value: d.LabelSmooth, Usage: "one-sided label smoothing: real label 1-`S` (0: off)", EnvVars: ev("label-smooth")},
		&cli.IntFlag{Name: "d-steps", Value: d.DSteps, Usage: "discriminator updates per generator update", EnvVars: ev("d-steps")},
		&cli.Float64Flag{Name: "ema", Value: d.EMADecay, Usage: "decay of the generator's moving average used for samples (0: off)", EnvVars: ev("ema")},
		&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "seed of weights, latents, data order and the grids' latents", EnvVars: ev("seed")},
		&cli.IntFlag{Name: "save-every", Value: 500, Usage: "checkpoint every `N` steps (0: only at the end); also saved at the end and on Ctrl-C", EnvVars: ev("save-every")},
		&cli.IntFlag{Name: "keep", Value: 5, Usage: "keep the newest `K` step checkpoints (0: all)", EnvVars: ev("keep")},
		&cli.IntFlag{Name: "sample-every", Value: 100, Usage: "write a sample grid every `N` steps (0: only at the end)", EnvVars: ev("sample-every")},
		&cli.IntFlag{Name: "log-every", Value: 10, Usage: "append a log.jsonl line every `N` steps (losses averaged over them)", EnvVars: ev("log-every")},
	}
}

func app() *cli.App {
	return cliapp.New("train", "train a GAN on prepared shards", "", description, examples, flags(), action)
}

func action(c *cli.Context) error {
	if c.NArg() > 0 {
		return cliapp.UsageErrorf("unexpected argument %q (use --data DIR)", c.Args().First())
	}
	cfg := gan.Config{
		Arch: c.String("arch"), NZ: c.Int("nz"), NGF: c.Int("ngf"), NDF: c.Int("ndf"), Kernel: c.Int("kernel"),
		Batch: c.Int("batch"), LR: c.Float64("lr"), Beta1: c.Float64("beta1"), Beta2: c.Float64("beta2"),
		LabelSmooth: c.Float64("label-smooth"), DSteps: c.Int("d-steps"), EMADecay: c.Float64("ema"), Seed: c.Uint64("seed"),
	}
	if err := checkConfig(cfg); err != nil {
		return err
	}
	var explicit []string
	for _, f := range trainer.ConfigFlags() {
		if c.IsSet(f) {
			explicit = append(explicit, f)
		}
	}
	opts := trainer.Options{
		Data: c.String("data"), Out: c.String("out"),
		Steps: c.Int("steps"), Epochs: c.Int("epochs"), Minutes: c.Float64("minutes"),
		Config: cfg, Explicit: explicit, Resume: c.Bool("resume"), Force: c.Bool("force"),
		SaveEvery: c.Int("save-every"), Keep: c.Int("keep"), SampleEvery: c.Int("sample-every"),
		LogEvery: c.Int("log-every"), Quiet: c.Bool("quiet"),
	}
	ctx, stop := cliapp.SignalContext(context.Background())
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			stop() // a second Ctrl-C now kills at once; checkpoints stay whole
			fmt.Fprintln(c.App.ErrWriter, "train: stopping after the current step to save a checkpoint (Ctrl-C again quits without saving)")
		case <-done:
		}
	}()
	return trainer.Run(ctx, opts, c.App.ErrWriter)
}

// checkConfig rejects flag values no model can use.
func checkConfig(c gan.Config) error {
	switch {
	case c.Arch != "dcgan" && c.Arch != "mlp":
		return cliapp.UsageErrorf("--arch %q: want dcgan or mlp", c.Arch)
	case c.Kernel != 4 && c.Kernel != 5:
		return cliapp.UsageErrorf("--kernel %d: want 4 or 5", c.Kernel)
	case c.Batch < 1, c.NZ < 1, c.NGF < 1, c.NDF < 1, c.DSteps < 1:
		return cliapp.UsageErrorf("--batch, --nz, --ngf, --ndf and --d-steps must be at least 1")
	case !(c.LR > 0), !(c.Beta1 >= 0 && c.Beta1 < 1), !(c.Beta2 >= 0 && c.Beta2 < 1):
		return cliapp.UsageErrorf("--lr must be positive, --beta1 and --beta2 in [0, 1)")
	case !(c.LabelSmooth >= 0 && c.LabelSmooth < 1), !(c.EMADecay >= 0 && c.EMADecay < 1):
		return cliapp.UsageErrorf("--label-smooth and --ema must be in [0, 1)")
	}
	return nil
}
