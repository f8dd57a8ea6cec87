package main

import (
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/urfave/cli/v2"
)

// configFromFlags builds the model configuration: the recipe's settings,
// then every flag the user set explicitly on top. Flags left alone keep the
// recipe's value (their --help defaults are the classic recipe's).
func configFromFlags(c *cli.Context) (gan.Config, error) {
	cfg := gan.DefaultConfig(64)
	cfg.Arch, cfg.NZ, cfg.NGF, cfg.NDF, cfg.Kernel = c.String("arch"), c.Int("nz"), c.Int("ngf"), c.Int("ndf"), c.Int("kernel")
	cfg.Seed = c.Uint64("seed")
	if err := gan.ApplyRecipe(&cfg, c.String("recipe")); err != nil {
		return cfg, cliapp.UsageErrorf("--recipe: %v", err)
	}
	set := func(name string, apply func()) {
		if c.IsSet(name) {
			apply()
		}
	}
	set("batch", func() { cfg.Batch = c.Int("batch") })
	set("lr", func() { cfg.LR = c.Float64("lr") })
	set("beta1", func() { cfg.Beta1 = c.Float64("beta1") })
	set("beta2", func() { cfg.Beta2 = c.Float64("beta2") })
	set("label-smooth", func() { cfg.LabelSmooth = c.Float64("label-smooth") })
	set("d-steps", func() { cfg.DSteps = c.Int("d-steps") })
	set("ema", func() { cfg.EMADecay = c.Float64("ema") })
	set("loss", func() { cfg.Loss = c.String("loss") })
	set("lr-d", func() { cfg.LRD = c.Float64("lr-d") })
	set("lr-g", func() { cfg.LRG = c.Float64("lr-g") })
	set("augment", func() { cfg.Augment = c.String("augment") })
	set("spectral-norm", func() { cfg.SpectralNorm = c.Bool("spectral-norm") })
	set("mbstd", func() { cfg.MBStd = c.Bool("mbstd") })
	if c.String("cond") != "" {
		// A conditional batch's mean colour carries its labels' colours
		// (hair): matching it made attribute grids change more than the
		// hair (pkg/sampling's identity test: 2.9x instead of 3.4x), so
		// conditional runs leave colour matching off unless asked.
		cfg.ColourMatch = 0
	}
	set("colour-match", func() { cfg.ColourMatch = c.Float64("colour-match") })
	set("ema-bn", func() { cfg.EMABN = c.String("ema-bn") })
	set("reduce-split", func() { cfg.ReduceSplit = c.Int("reduce-split") })
	if cfg.Augment == "none" {
		cfg.Augment = ""
	}
	return cfg, nil
}

// everyImages returns the step interval flag name asks for: its value when
// set, else its default (given for batch 64) scaled to the same number of
// images at batch, so that a recipe with small batches does not spend its
// time on grids and checkpoints.
func everyImages(c *cli.Context, name string, batch int) int {
	v := c.Int(name)
	if c.IsSet(name) || batch < 1 {
		return v
	}
	return max(1, v*64/batch)
}
