package gan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
)

// The ingredients of the training recipe that sit around the networks:
// what D sees (DiffAugment), the losses, and spectral normalisation's
// state. The classic recipe uses none of them and draws no extra random
// numbers, so its runs are what they were before the ingredients existed.

// augmented is what D sees of a batch x (real or fake) in the training
// graphs: x passed through DiffAugment when the configuration asks for
// augmentation, with the policy whose draws the caller refreshes before
// each run; otherwise x itself and a nil policy. It applies to the real and
// the fake batch of D's update, and G's gradient (gLossGraph differentiates
// wrt the fake batch) flows back through it.
func (m *Model) augmented(x *gorgonia.Node) (*gorgonia.Node, *nn.Augment, error) {
	a, err := ParseAugment(m.cfg.Augment)
	if err != nil || !a.Active() {
		return x, nil, err
	}
	y, err := nn.DiffAugment(x, a)
	if err != nil {
		return nil, nil, err
	}
	return y, a, nil
}

// drawAugment draws a's parameters for the next run from the training RNG
// (saved in checkpoints, so resumption stays exact).
func (m *Model) drawAugment(a *nn.Augment) {
	if a != nil {
		a.Draw(m.rng, m.cfg.Batch, m.cfg.Size)
	}
}

// snInitIterations is how many power iterations a new spectrally
// normalised weight starts with (torch.nn.utils.spectral_norm: 15).
const snInitIterations = 15

// initSN gives every spectrally normalised weight of n its power-iteration
// vectors: random unit vectors drawn from r (a stream of its own, so weight
// initialisation is the same with and without spectral norm), refined by
// snInitIterations iterations. Call it after the weights are initialised.
func (n *net) initSN(r *rand.Rand) {
	for _, l := range n.layers {
		if !l.sn {
			continue
		}
		w := n.get(l.prefix() + ".weight")
		st := nn.NewSNState(w.shape[0], len(w.data)/w.shape[0], r)
		_ = st.Iterate(w.data, snInitIterations) // sizes match by construction
		copy(n.get(l.prefix()+".weight_u").data, st.U)
		copy(n.get(l.prefix()+".weight_v").data, st.V)
	}
}

// Recipe names (Config.Recipe). RecipeClassic is the DCGAN of Radford et
// al. as in pytorch/examples; the others add ingredients whose worth was
// measured (README, "Recipes").
const (
	RecipeClassic = "classic"
	RecipeToon    = "toon"

	// DefaultRecipe is train's --recipe when none is given.
	DefaultRecipe = RecipeToon
)

// recipes maps a recipe name to what it changes in a classic Config.
//
// toon: at the budgets toongan is run on (minutes to hours of a CPU) the
// classic DCGAN is limited by its number of updates, not by the images it
// sees: in screening runs on the anime faces at 64 px, batch 16 reached in
// 3,200 images the SWD that batch 64 reached in 12,800, while a step of
// batch 16 costs about a quarter of one of batch 64 (images/s within 15%).
// Standing statistics for the EMA generator remove most of its colour cast.
// Its moving average is short (decay 0.98 a step, a half-life of 34 steps
// or about 550 images): at these budgets G still improves quickly, and
// the classic 0.999 (a half-life of about 11,000 images at batch 16)
// averages in generators so old that the samples lose their fine detail.
// Recomputed on the recipes run's own trajectories (training does not
// depend on the average), 0.98 scored SWD 23.7 against 0.999's 38.1 at 20
// minutes on the anime faces; the raw generator, 45.3, drifts in colour
// from step to step. Colour matching (colour.go) with weight 30 gives G
// the pull towards the real faces' mean colour that D, normalising each
// batch on its own, cannot. Hinge loss with spectral norm, DiffAugment
// and (for those colour swings) G at half D's learning rate were screened
// too and did not win at these budgets (README, "Recipes").
var recipes = map[string]func(*Config){
	RecipeClassic: func(*Config) {},
	RecipeToon: func(c *Config) {
		c.Batch = 16
		c.EMABN = EMABNStanding
		c.EMADecay = 0.98
		c.ColourMatch = 30
	},
}

// RecipeNames lists the recipes, classic first.
func RecipeNames() []string {
	names := []string{RecipeClassic}
	for n := range recipes {
		if n != RecipeClassic {
			names = append(names, n)
		}
	}
	slices.Sort(names[1:])
	return names
}

// ApplyRecipe sets cfg's training hyper-parameters (batch, optimiser, loss,
// augmentation, D's normalisation, EMA ...) to those of the named recipe;
// the architecture's sizes and the seed keep their values.
func ApplyRecipe(cfg *Config, name string) error {
	f, ok := recipes[name]
	if !ok {
		return fmt.Errorf("gan: recipe %q unknown (want one of %s)", name, strings.Join(RecipeNames(), ", "))
	}
	def := DefaultConfig(cfg.Size)
	cfg.Batch, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.LabelSmooth, cfg.DSteps, cfg.EMADecay = def.Batch, def.LR, def.Beta1, def.Beta2, def.LabelSmooth, def.DSteps, def.EMADecay
	cfg.Loss, cfg.LRD, cfg.LRG, cfg.Augment, cfg.SpectralNorm, cfg.MBStd, cfg.EMABN, cfg.ColourMatch = "", 0, 0, "", false, false, "", 0
	f(cfg)
	cfg.Recipe = name
	if name == RecipeClassic {
		cfg.Recipe = "" // classic configurations encode as they always did
	}
	return nil
}

// validateRecipe checks the recipe ingredients of cfg (zero values are the
// classic recipe's).
func (cfg Config) validateRecipe() error {
	switch cfg.Loss {
	case "", LossBCE:
	case LossHinge:
		if cfg.LabelSmooth != 0 {
			return &FieldError{Field: "label_smooth", Value: cfg.LabelSmooth, Want: "0 with the hinge loss (smoothing applies to bce)"}
		}
	default:
		return &FieldError{Field: "loss", Value: fmt.Sprintf("%q", cfg.Loss), Want: LossBCE + " or " + LossHinge}
	}
	for _, lr := range []struct {
		name string
		v    float64
	}{{"lr_d", cfg.LRD}, {"lr_g", cfg.LRG}} {
		if !(lr.v >= 0 && lr.v < 1) {
			return &FieldError{Field: lr.name, Value: lr.v, Want: "(0, 1), or 0 for lr"}
		}
	}
	if w := cfg.ColourMatch; !(w >= 0 && w <= MaxColourMatch) { // NaN fails too
		return &FieldError{Field: "colour_match", Value: cfg.ColourMatch, Want: fmt.Sprintf("0..%d", MaxColourMatch)}
	}
	switch cfg.EMABN {
	case "", EMABNCopy, EMABNAverage, EMABNStanding:
	default:
		return &FieldError{Field: "ema_bn", Value: fmt.Sprintf("%q", cfg.EMABN), Want: EMABNCopy + ", " + EMABNAverage + " or " + EMABNStanding}
	}
	if _, err := ParseAugment(cfg.Augment); err != nil {
		return err
	}
	if cfg.Arch != "dcgan" && (cfg.Augment != "" || cfg.SpectralNorm || cfg.MBStd) {
		return &FieldError{Field: "arch", Value: fmt.Sprintf("%q", cfg.Arch), Want: "dcgan with augment, spectral_norm or mbstd"}
	}
	return nil
}

// ParseAugment parses a comma-separated list of Augmentations ("" or
// "none": no augmentation) into a policy applying to every image.
func ParseAugment(s string) (*nn.Augment, error) {
	a := &nn.Augment{P: 1}
	if s == "" || s == "none" {
		return a, nil
	}
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if seen[f] {
			return nil, &FieldError{Field: "augment", Value: fmt.Sprintf("%q", s), Want: "each transform once"}
		}
		seen[f] = true
		switch f {
		case "color":
			a.Color = true
		case "translation":
			a.Translation = true
		case "cutout":
			a.Cutout = true
		default:
			return nil, &FieldError{Field: "augment", Value: fmt.Sprintf("%q", s), Want: "a comma-separated list of " + strings.Join(Augmentations, ", ")}
		}
	}
	return a, nil
}
