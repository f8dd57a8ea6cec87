// Command train trains the DCGAN (or the fully connected GAN) on a dataset
// written by prep, with progress, JSON-lines logs, sample grids and
// resumable checkpoints. See train --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
  train --data data/builtin --out runs/cond --cond all --minutes 30     # draw what is asked: sample --attr hair=red
  TOONGAN_TRAIN_BATCH=32 train --data data/builtin --out runs/b32`

func main() {
	cliapp.Main(app())
}

// fieldFlags maps gan.Config fields (JSON names) to the flags that set them.
var fieldFlags = map[string]string{
	"arch": "arch", "nz": "nz", "ngf": "ngf", "ndf": "ndf", "kernel": "kernel", "batch": "batch",
	"lr": "lr", "beta1": "beta1", "beta2": "beta2", "label_smooth": "label-smooth", "d_steps": "d-steps",
	"ema_decay": "ema", "seed": "seed", "recipe": "recipe", "loss": "loss", "lr_d": "lr-d", "lr_g": "lr-g",
	"augment": "augment", "spectral_norm": "spectral-norm", "mbstd": "mbstd", "ema_bn": "ema-bn", "colour_match": "colour-match",
	"reduce_split": "reduce-split", "cond_mismatch": "cond-mismatch", "cond_balance": "cond-balance", "cond_balance_power": "cond-balance-power",
}

func flags() []cli.Flag {
	// The help shows the default recipe's settings.
	d := gan.DefaultConfig(64)
	_ = gan.ApplyRecipe(&d, gan.DefaultRecipe) // a known name
	ev := func(n string) []string { return cliapp.EnvVar("train", n) }
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Usage: "dataset directory written by prep (`DIR` with manifest.json; required)", EnvVars: ev("data")},
		&cli.StringFlag{Name: "out", Usage: "run directory for checkpoints, logs and grids (`DIR`, e.g. runs/NAME; required): empty, new, or a run directory of train", EnvVars: ev("out")},
		&cli.IntFlag{Name: "steps", Usage: fmt.Sprintf("stop after `N` steps in total (0: no step limit; at most %d)", trainer.MaxSteps), EnvVars: ev("steps")},
		&cli.IntFlag{Name: "epochs", Usage: fmt.Sprintf("stop after `N` epochs in total (0: no epoch limit; 25 when no budget is given; at most %d)", trainer.MaxEpochs), EnvVars: ev("epochs")},
		&cli.Float64Flag{Name: "minutes", Usage: fmt.Sprintf("stop after `M` minutes of this invocation (0: no time limit; at most %g)", trainer.MaxMinutes), EnvVars: ev("minutes")},
		&cli.IntFlag{Name: "batch", Value: d.Batch, Usage: fmt.Sprintf("images per batch, 1..%d (default: the recipe's; toon 16, classic 64)", gan.MaxBatch), EnvVars: ev("batch")},
		&cli.BoolFlag{Name: "resume", Usage: "continue from --out's latest checkpoint", EnvVars: ev("resume")},
		&cli.BoolFlag{Name: "force", Usage: "with --resume: accept a data set whose hash differs from the checkpoint's", EnvVars: ev("force")},
		&cli.StringFlag{Name: "arch", Value: d.Arch, Usage: "architecture `NAME`: dcgan (convolutional) or mlp (fully connected)", EnvVars: ev("arch")},
		&cli.IntFlag{Name: "kernel", Value: d.Kernel, Usage: "convolution kernel size: 4 (pytorch/examples) or 5 (the article)", EnvVars: ev("kernel")},
		&cli.IntFlag{Name: "ngf", Value: d.NGF, Usage: fmt.Sprintf("generator feature width, 1..%d", gan.MaxWidth), EnvVars: ev("ngf")},
		&cli.IntFlag{Name: "ndf", Value: d.NDF, Usage: fmt.Sprintf("discriminator feature width, 1..%d", gan.MaxWidth), EnvVars: ev("ndf")},
		&cli.IntFlag{Name: "nz", Value: d.NZ, Usage: fmt.Sprintf("latent vector size, 1..%d", gan.MaxNZ), EnvVars: ev("nz")},
		&cli.Float64Flag{Name: "lr", Value: d.LR, Usage: "Adam learning rate, in (0, 1)", EnvVars: ev("lr")},
		&cli.Float64Flag{Name: "beta1", Value: d.Beta1, Usage: "Adam beta1, in [0, 1) (0: no momentum)", EnvVars: ev("beta1")},
		&cli.Float64Flag{Name: "beta2", Value: d.Beta2, Usage: "Adam beta2, in (0, 1)", EnvVars: ev("beta2")},
		&cli.Float64Flag{Name: "label-smooth", Value: d.LabelSmooth, Usage: "one-sided label smoothing: real label 1-`S`, S in [0, 1) (0: off)", EnvVars: ev("label-smooth")},
		&cli.IntFlag{Name: "d-steps", Value: d.DSteps, Usage: fmt.Sprintf("discriminator updates per generator update, 1..%d", gan.MaxDSteps), EnvVars: ev("d-steps")},
		&cli.Float64Flag{Name: "ema", Value: d.EMADecay, Usage: "decay of the generator's moving average used for samples, in [0, 1) (0: off)", EnvVars: ev("ema")},
		&cli.StringFlag{Name: "recipe", Value: gan.DefaultRecipe, Usage: "training recipe `NAME`: " + strings.Join(gan.RecipeNames(), ", ") + "; the flags above and below override its settings", EnvVars: ev("recipe")},
		&cli.StringFlag{Name: "loss", Usage: "GAN loss `NAME`: bce or hinge (default: the recipe's)", EnvVars: ev("loss")},
		&cli.Float64Flag{Name: "lr-d", Usage: "discriminator learning rate, in (0, 1) (default: the recipe's, else --lr)", EnvVars: ev("lr-d")},
		&cli.Float64Flag{Name: "lr-g", Usage: "generator learning rate, in (0, 1) (default: the recipe's, else --lr)", EnvVars: ev("lr-g")},
		&cli.StringFlag{Name: "augment", Usage: "DiffAugment transforms of everything D sees while training: `LIST` of color,translation,cutout, or none (default: the recipe's)", EnvVars: ev("augment")},
		&cli.BoolFlag{Name: "spectral-norm", Usage: "SNGAN discriminator: spectrally normalised convolutions, no BatchNorm (default: the recipe's)", EnvVars: ev("spectral-norm")},
		&cli.BoolFlag{Name: "mbstd", Usage: "minibatch standard-deviation feature before D's last layer (default: the recipe's)", EnvVars: ev("mbstd")},
		&cli.Float64Flag{Name: "colour-match", Usage: fmt.Sprintf("weight `W` of a term of G's loss pulling each fake batch's mean colour to the real batch's (D cannot see a colour shift a whole batch shares); 0 off, at most %d (default: the recipe's; 0 with --cond)", gan.MaxColourMatch), EnvVars: ev("colour-match")},
		&cli.StringFlag{Name: "ema-bn", Usage: "where the EMA generator's BatchNorm statistics come from: `MODE` copy (G's), ema (averaged like the weights) or standing (measured on the EMA generator) (default: the recipe's)", EnvVars: ev("ema-bn")},
		&cli.StringFlag{Name: "cond", Usage: "conditional training on the dataset's labels: `LIST` of attributes (e.g. hair,glasses) or all; sample --attr then draws what is asked (kept by --resume)", EnvVars: ev("cond")},
		&cli.IntFlag{Name: "cond-dim", Usage: fmt.Sprintf("with --cond: size of each attribute's embedding in the generator's input, 1..%d (default %d)", gan.MaxCondDim, gan.DefaultCondDim), EnvVars: ev("cond-dim")},
		&cli.StringFlag{Name: "cond-d", Usage: "with --cond: how the discriminator is conditioned, `MODE` projection (its logit gets the labels' embeddings times its features; default) or acgan (an auxiliary classifier of the attributes)", EnvVars: ev("cond-d")},
		&cli.StringFlag{Name: "cond-g", Usage: "with --cond: how the generator is conditioned, `MODE` concat (the labels' embeddings appended to the latent) or cbn (that, and conditional BatchNorm: each BatchNorm's gain and bias offset per label; default)", EnvVars: ev("cond-g")},
		&cli.Float64Flag{Name: "cond-mismatch", Usage: fmt.Sprintf("with --cond: weight `W` of a matching-aware term: D also sees real faces with another face's labels as fakes (Reed et al. 2016); 0 off, at most %d; projection D only (default %d with it; kept by --resume)", gan.MaxCondMismatch, gan.DefaultCondMismatch), EnvVars: ev("cond-mismatch")},
		&cli.StringFlag{Name: "cond-balance", Usage: "with --cond: `LIST` of conditioned attributes whose values the data order shows equally often (images drawn in inverse proportion to their values' frequencies, e.g. hat,glasses: a beanie on 7% of the faces then comes as often as no hat); none (default) visits every image once per epoch; kept by --resume", EnvVars: ev("cond-balance")},
		&cli.Float64Flag{Name: "cond-balance-power", Value: 1, Usage: "with --cond-balance: `P` in (0, 1], how far to balance: each value is drawn in proportion to its frequency to the power 1-P (1: equally often; 0.5: by the square root of its frequency); kept by --resume", EnvVars: ev("cond-balance-power")},
		&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "seed of weights, latents, data order and the grids' latents", EnvVars: ev("seed")},
		&cli.IntFlag{Name: "save-every", Value: 500, Usage: "checkpoint every `N` steps (0: only at the end; default: 32,000 images' worth, 500 steps at batch 64); also saved at the end and on Ctrl-C", EnvVars: ev("save-every")},
		&cli.IntFlag{Name: "keep", Value: 5, Usage: "keep the newest `K` step checkpoints (0: all)", EnvVars: ev("keep")},
		&cli.IntFlag{Name: "sample-every", Value: 100, Usage: "write a sample grid every `N` steps (0: only at the end; default: 6,400 images' worth, 100 steps at batch 64)", EnvVars: ev("sample-every")},
		&cli.StringFlag{Name: "dist", Value: "auto", Usage: "data-parallel training: `MODE` auto (join an MPI job when mpirun or srun started this process as one of several), mpi or none; needs a build with -tags mpi; --batch stays the whole job's batch", EnvVars: ev("dist")},
		&cli.IntFlag{Name: "reduce-split", Usage: "take every sum over the batch as `N` data-parallel ranks would (each 1/N of the batch on its own, then the N parts in order): one process with --reduce-split N makes bit for bit the steps of mpirun -np N with --reduce-split N (which then adds the ranks' sums in rank order); under MPI 0, 1 or the number of ranks (kept by --resume; 0: the whole batch at once)", EnvVars: ev("reduce-split")},
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
	if err := cliapp.Require(c, "data", "out"); err != nil {
		return err
	}
	cfg, err := configFromFlags(c)
	if err != nil {
		return err
	}
	var explicit []string
	for _, f := range trainer.ConfigFields() {
		if c.IsSet(fieldFlags[f]) {
			explicit = append(explicit, f)
		}
	}
	opts := trainer.Options{
		Data: c.String("data"), Out: c.String("out"),
		Steps: c.Int("steps"), Epochs: c.Int("epochs"), Minutes: c.Float64("minutes"),
		Config: cfg, Explicit: explicit, Resume: c.Bool("resume"), Force: c.Bool("force"),
		SaveEvery: everyImages(c, "save-every", cfg.Batch), Keep: c.Int("keep"), SampleEvery: everyImages(c, "sample-every", cfg.Batch),
		LogEvery: c.Int("log-every"), Quiet: c.Bool("quiet"),
		Cond: condList(c.String("cond")), CondDim: c.Int("cond-dim"), CondD: c.String("cond-d"), CondG: condG(c),
		CondMismatch: condMismatch(c, cfg.Batch), CondBalance: condBalance(c.String("cond-balance")), CondBalancePower: c.Float64("cond-balance-power"),
	}
	if err := checkFlags(c, opts); err != nil {
		return err
	}
	dist, end, err := startDist(c.String("dist"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	opts.Dist = dist
	ctx, stop := cliapp.Interruptible(context.Background(), c.App.ErrWriter,
		"train: stopping after the current step to save a checkpoint (Ctrl-C again quits without saving)", 0)
	defer stop()
	return end(explain(trainer.Run(ctx, opts, c.App.ErrWriter), opts))
}

// checkFlags validates every flag before any work, naming the flag.
func checkFlags(c *cli.Context, o trainer.Options) error {
	var fe *gan.FieldError
	if err := o.Config.ValidateHyper(); errors.As(err, &fe) {
		if !o.Resume || c.IsSet(fieldFlags[fe.Field]) {
			return cliapp.UsageErrorf("--%s %v out of range %s", fieldFlags[fe.Field], fe.Value, fe.Want)
		}
	}
	for _, b := range []struct {
		flag string
		v    float64
		max  float64
	}{
		{"steps", float64(o.Steps), trainer.MaxSteps}, {"epochs", float64(o.Epochs), trainer.MaxEpochs},
		{"minutes", o.Minutes, trainer.MaxMinutes}, {"save-every", float64(o.SaveEvery), trainer.MaxEvery},
		{"keep", float64(o.Keep), trainer.MaxEvery}, {"sample-every", float64(o.SampleEvery), trainer.MaxEvery},
		{"log-every", float64(o.LogEvery), trainer.MaxEvery},
	} {
		if !(b.v >= 0 && b.v <= b.max) {
			return cliapp.UsageErrorf("--%s %v out of range 0..%g", b.flag, b.v, b.max)
		}
	}
	if c.IsSet("cond") && len(o.Cond) == 0 {
		return cliapp.UsageErrorf("--cond: want a list of attributes (e.g. hair,glasses) or all")
	}
	if err := trainer.CheckCondNames(o.Cond); err != nil {
		return cliapp.UsageErrorf("--cond: %v", err)
	}
	if c.IsSet("cond-dim") && (o.CondDim < 1 || o.CondDim > gan.MaxCondDim || len(o.Cond) == 0 || o.Resume) {
		return cliapp.UsageErrorf("--cond-dim %d: want 1..%d, with --cond on a new run", o.CondDim, gan.MaxCondDim)
	}
	if d := o.CondD; c.IsSet("cond-d") && (d != gan.CondProjection && d != gan.CondACGAN || len(o.Cond) == 0 || o.Resume) {
		return cliapp.UsageErrorf("--cond-d %q: want projection or acgan, with --cond on a new run", d)
	}
	if g := o.CondG; c.IsSet("cond-g") && (g != gan.CondConcat && g != gan.CondCBN || len(o.Cond) == 0 || o.Resume) {
		return cliapp.UsageErrorf("--cond-g %q: want concat or cbn, with --cond on a new run", g)
	}
	if w := o.CondMismatch; c.IsSet("cond-mismatch") && (!(w >= 0 && w <= gan.MaxCondMismatch) || len(o.Cond) == 0 && !o.Resume || o.CondD == gan.CondACGAN && w > 0) {
		return cliapp.UsageErrorf("--cond-mismatch %v: want 0..%d, with --cond and the projection D (on --resume: the checkpoint's value)", w, gan.MaxCondMismatch)
	}
	if c.IsSet("cond-balance") && len(o.CondBalance) > 0 && len(o.Cond) == 0 && !o.Resume {
		return cliapp.UsageErrorf("--cond-balance %s: balancing needs --cond (on --resume: the checkpoint's list)", strings.Join(o.CondBalance, ","))
	}
	if p := o.CondBalancePower; c.IsSet("cond-balance-power") && (!(p > 0 && p <= 1) || len(o.CondBalance) == 0 && !o.Resume) {
		return cliapp.UsageErrorf("--cond-balance-power %v: want a value in (0, 1], with --cond-balance (on --resume: the checkpoint's)", p)
	}
	if o.Force && !o.Resume {
		return cliapp.UsageErrorf("--force only applies with --resume")
	}
	return nil
}

// condList splits --cond's comma-separated list.
func condList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// explain adds the command-line hints to the trainer's errors.
func explain(err error, o trainer.Options) error {
	var ie *trainer.InterruptedError
	var rm *trainer.ResumeMismatchError
	var dm *trainer.DataMismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie):
		return fmt.Errorf("%w at step %d; saved %s; continue with: train --data %s --out %s --resume",
			cliapp.ErrInterrupted, ie.Step, ie.Ckpt, o.Data, o.Out)
	case errors.Is(err, trainer.ErrNoCheckpoint):
		return fmt.Errorf("--resume: %w; run without --resume to start a new run", err)
	case errors.Is(err, trainer.ErrHasCheckpoint):
		return fmt.Errorf("%w: add --resume to continue it, or choose another --out", err)
	case errors.As(err, &rm):
		var parts []string
		if rm.Geometry != "" {
			parts = append(parts, rm.Geometry)
		}
		for _, d := range rm.Diffs {
			parts = append(parts, fmt.Sprintf("--%s %s differs from the checkpoint's %s", fieldFlags[d.Field], d.Want, d.Have))
		}
		return fmt.Errorf("cannot resume %q: %s (drop those flags to keep the checkpoint's settings, or start a new run with another --out)",
			rm.Path, strings.Join(parts, "; "))
	case errors.As(err, &dm):
		return fmt.Errorf("%w (add --force to continue on the new data)", err)
	}
	return err
}

// condBalance is --cond-balance's list; "none" (or nothing) is none.
func condBalance(s string) []string {
	l := condList(s)
	if len(l) == 1 && l[0] == "none" {
		return nil
	}
	return l
}

// condG is --cond-g: the flag's value when given, else gan.DefaultCondG for
// a new conditional run (on --resume the checkpoint's value counts).
func condG(c *cli.Context) string {
	if c.IsSet("cond-g") || c.String("cond") == "" || c.Bool("resume") {
		return c.String("cond-g")
	}
	return gan.DefaultCondG
}

// condMismatch is --cond-mismatch: the flag's value when given, else
// gan.DefaultCondMismatch for a new conditional run with the projection D
// and a batch (the run's, recipe or flag) that can pair each face with
// another's labels, else 0 (on --resume the checkpoint's value counts).
func condMismatch(c *cli.Context, batch int) float64 {
	if c.IsSet("cond-mismatch") {
		return c.Float64("cond-mismatch")
	}
	if c.String("cond") == "" || c.Bool("resume") || c.String("cond-d") == gan.CondACGAN || batch < 2 {
		return 0
	}
	return gan.DefaultCondMismatch
}
