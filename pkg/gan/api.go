package gan

import "cmp"

// Config fixes a model: architecture, sizes and optimiser settings. It is
// stored in checkpoint metadata (as JSON) so later stages rebuild the model
// without flags.
type Config struct {
	Arch     string `json:"arch"`     // "dcgan" (default) or "mlp"
	Size     int    `json:"size"`     // image side: 32, 48, 64, 96 or 128
	Channels int    `json:"channels"` // 3
	NZ       int    `json:"nz"`       // latent size, 100
	NGF      int    `json:"ngf"`      // generator feature width, 64
	NDF      int    `json:"ndf"`      // discriminator feature width, 64
	Kernel   int    `json:"kernel"`   // 4 (pytorch/examples) or 5 (the article)
	Batch    int    `json:"batch"`    // 64

	LR          float64 `json:"lr"`           // 2e-4
	Beta1       float64 `json:"beta1"`        // 0.5
	Beta2       float64 `json:"beta2"`        // 0.999
	LabelSmooth float64 `json:"label_smooth"` // one-sided: real label = 1-LabelSmooth; 0 = off
	DSteps      int     `json:"d_steps"`      // D updates per G update, 1
	EMADecay    float64 `json:"ema_decay"`    // 0.999; 0 = no EMA
	// EMABN is where the EMA generator's BatchNorm statistics come from:
	// EMABNCopy ("copy" or empty: G's), EMABNAverage (averaged like the
	// weights) or EMABNStanding (measured on the EMA generator).
	EMABN string `json:"ema_bn,omitempty"`
	Seed  uint64 `json:"seed"` // weight init and latent draws

	// Training recipe ingredients beyond the classic DCGAN. Their zero
	// values are the classic recipe, and they are left out of the JSON
	// when zero, so a classic configuration encodes as it always did.
	Recipe string  `json:"recipe,omitempty"` // name of the preset the run started from (information only)
	Loss   string  `json:"loss,omitempty"`   // LossBCE ("" too) or LossHinge
	LRD    float64 `json:"lr_d,omitempty"`   // D's learning rate; 0: LR
	LRG    float64 `json:"lr_g,omitempty"`   // G's learning rate; 0: LR
	// Augment lists DiffAugment's transforms applied to everything D sees
	// while training: "color", "translation", "cutout", comma-separated.
	Augment string `json:"augment,omitempty"`
	// SpectralNorm makes D the SNGAN discriminator: every convolution
	// spectrally normalised, no BatchNorm.
	SpectralNorm bool `json:"spectral_norm,omitempty"`
	// MBStd adds a minibatch standard-deviation feature map before D's last
	// convolution.
	MBStd bool `json:"mbstd,omitempty"`
	// ColourMatch weighs a term of G's loss that pulls the fake batch's
	// mean colour to the real batch's (colour.go); 0: off.
	ColourMatch float64 `json:"colour_match,omitempty"`

	// Cond makes the model conditional (cond.go): the attributes it draws
	// on request, with their values and training frequencies. nil for an
	// unconditional model (a pointer keeps Config comparable).
	Cond *CondSpec `json:"cond,omitempty"`

	// ReduceSplit n > 1 makes one process take every sum over the batch
	// as an n-process data-parallel job (SetDistributed) would: each of n
	// consecutive slices of the batch summed on its own, then the slices
	// added in order (dist.go). One process and an n-process job with
	// the same ReduceSplit (whose reducer then adds the ranks in rank
	// order, InOrderer) make bit for bit the same steps; with 2 any
	// reducer does. 0 or 1: the whole batch at once
	// (the arithmetic of every run before it existed).
	ReduceSplit int `json:"reduce_split,omitempty"`
}

// Losses (Config.Loss).
const (
	LossBCE   = "bce"   // non-saturating binary cross-entropy, pytorch/examples
	LossHinge = "hinge" // D: mean(relu(1-D(x))) + mean(relu(1+D(G(z)))); G: -mean(D(G(z)))
)

// Augmentations (Config.Augment).
var Augmentations = []string{"color", "translation", "cutout"}

// lrD and lrG are the effective learning rates.
func (cfg Config) lrD() float64 { return cmp.Or(cfg.LRD, cfg.LR) }
func (cfg Config) lrG() float64 { return cmp.Or(cfg.LRG, cfg.LR) }

// DefaultConfig is the reference DCGAN of pytorch/examples for size px images.
func DefaultConfig(size int) Config {
	return Config{Arch: "dcgan", Size: size, Channels: 3, NZ: 100, NGF: 64, NDF: 64, Kernel: 4,
		Batch: 64, LR: 2e-4, Beta1: 0.5, Beta2: 0.999, DSteps: 1, EMADecay: 0.999, Seed: 1}
}

// Stats are one training step's numbers.
type Stats struct {
	LossD float64 // BCE of D on real + fake
	LossG float64 // non-saturating BCE of G
	DReal float64 // mean sigmoid(D(x)) on the real batch
	DFake float64 // mean sigmoid(D(G(z))) on the fake batch, before D's update
}
