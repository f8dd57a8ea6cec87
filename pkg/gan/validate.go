package gan

import (
	"fmt"
	"math"
)

// Limits on Config values: beyond them a model is refused before anything
// is allocated. The memory a configuration needs is bounded separately
// (EstimateBytes).
const (
	MaxNZ       = 4096
	MaxWidth    = 1024 // NGF and NDF
	MaxBatch    = 4096
	MaxDSteps   = 100
	MaxChannels = 4
	MaxMLPSize  = 512
)

// FieldError names the Config field (by its JSON name) that is wrong.
type FieldError struct {
	Field string // "nz", "ngf", "beta2", ... as in config JSON
	Value any
	Want  string // what is accepted, e.g. "1..4096" or "(0, 1)"
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("gan: %s %v out of range %s", e.Field, e.Value, e.Want)
}

// Validate reports the first problem with cfg, or nil. Every field is
// checked as it is: a zero is never replaced by a default, so what is
// recorded is what runs. Zero is accepted where it means something (beta1,
// label_smooth, ema_decay, seed) and refused where it cannot (nz, widths,
// batch, lr, beta2: Adam with beta2 = 0 is sign descent, almost surely a
// mistake).
func (cfg Config) Validate() error {
	if err := cfg.ValidateHyper(); err != nil {
		return err
	}
	switch cfg.Arch {
	case "dcgan":
		if base(cfg.Size) == 0 {
			return &FieldError{Field: "size", Value: cfg.Size, Want: fmt.Sprint(Sizes)}
		}
	case "mlp":
		if cfg.Size < 1 || cfg.Size > MaxMLPSize {
			return &FieldError{Field: "size", Value: cfg.Size, Want: fmt.Sprintf("1..%d", MaxMLPSize)}
		}
	}
	if cfg.Channels < 1 || cfg.Channels > MaxChannels {
		return &FieldError{Field: "channels", Value: cfg.Channels, Want: fmt.Sprintf("1..%d", MaxChannels)}
	}
	return nil
}

// ValidateHyper checks the fields that do not depend on the data (all but
// Size and Channels), so a command line can be checked before the data is
// read.
func (cfg Config) ValidateHyper() error {
	switch cfg.Arch {
	case "dcgan", "mlp":
	default:
		return &FieldError{Field: "arch", Value: fmt.Sprintf("%q", cfg.Arch), Want: "dcgan or mlp"}
	}
	if cfg.Arch == "dcgan" && cfg.Kernel != 4 && cfg.Kernel != 5 {
		return &FieldError{Field: "kernel", Value: cfg.Kernel, Want: "4 or 5"}
	}
	for _, c := range []struct {
		name   string
		v, max int
	}{
		{"nz", cfg.NZ, MaxNZ},
		{"ngf", cfg.NGF, MaxWidth},
		{"ndf", cfg.NDF, MaxWidth},
		{"batch", cfg.Batch, MaxBatch},
		{"d_steps", cfg.DSteps, MaxDSteps},
	} {
		if c.v < 1 || c.v > c.max {
			return &FieldError{Field: c.name, Value: c.v, Want: fmt.Sprintf("1..%d", c.max)}
		}
	}
	for _, c := range []struct {
		name     string
		v        float64
		zeroOK   bool
		hi       float64
		interval string
	}{
		{"lr", cfg.LR, false, 1, "(0, 1)"},
		{"beta1", cfg.Beta1, true, 1, "[0, 1)"},
		{"beta2", cfg.Beta2, false, 1, "(0, 1)"},
		{"label_smooth", cfg.LabelSmooth, true, 1, "[0, 1)"},
		{"ema_decay", cfg.EMADecay, true, 1, "[0, 1)"},
	} {
		ok := c.v > 0 || c.zeroOK && c.v == 0
		if !ok || !(c.v < c.hi) || math.IsNaN(c.v) {
			return &FieldError{Field: c.name, Value: c.v, Want: c.interval}
		}
	}
	if err := cfg.validateRecipe(); err != nil {
		return err
	}
	if err := cfg.validateSplit(); err != nil {
		return err
	}
	return cfg.validateCond()
}

// EstimateBytes is a rough upper estimate of the memory a model of cfg
// needs to train with batch cfg.Batch: every tensor of the state (weights,
// EMA, Adam moments, gradients, the copies a checkpoint takes) plus the
// activations, their gradients and the im2col buffers of one step. It is
// meant to refuse configurations that cannot fit before allocating them,
// not to predict usage exactly. cfg must be valid.
func EstimateBytes(cfg Config) int64 {
	a := buildArch(cfg)
	var params, acts, cols float64
	count := func(layers []layer, side float64) {
		for _, l := range layers {
			for _, s := range l.specs() {
				n := 1.0
				for _, d := range s.shape {
					n *= float64(d)
				}
				params += n
			}
			switch l.kind {
			case kConvT:
				in := side
				side = (side-1)*float64(l.stride) - 2*float64(l.pad) + float64(l.k) + float64(l.opad)
				acts += float64(l.out) * side * side
				cols += float64(l.out*l.k*l.k) * in * in
			case kConv:
				out := math.Floor((side+2*float64(l.pad)-float64(l.k))/float64(l.stride)) + 1
				cols += float64(l.in*l.k*l.k) * out * out
				side = out
				acts += float64(l.out) * side * side
			case kLinear:
				acts += float64(l.out)
			default: // BatchNorm and activations keep one output of the last size
				acts += acts / float64(max(1, len(layers)))
			}
		}
	}
	if cfg.Arch == "mlp" {
		count(a.g, 1)
		count(a.d, 1)
	} else {
		count(a.g, 1)
		count(a.d, float64(cfg.Size))
	}
	// Per parameter: weights, two Adam moments and a gradient for G and D,
	// the EMA copy, and the copies State makes for a checkpoint: about 10
	// float32 each. Per image of a batch: activations and their gradients
	// (several graphs share the step), and the im2col buffers.
	b := float64(cfg.Batch)
	total := 4 * (10*params + b*(6*acts+2*cols))
	return int64(min(total, math.MaxInt64/2)) + 64<<20 // runtime and buffers
}
