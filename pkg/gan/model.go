package gan

import (
	"fmt"
	"math/rand/v2"
)

// STUB: this file is a stand-in with the final API so that train, sample and
// eval can be written and tested while the real gorgonia model is built. Its
// Step does no learning; Generate returns seeded noise.

// Model is a GAN ready to train or sample: both networks, their optimiser
// state, the EMA generator and the latent RNG.
type Model struct {
	cfg  Config
	rng  *rand.PCG
	step int
}

// New builds a model for cfg with freshly initialised weights (from cfg.Seed).
func New(cfg Config) (*Model, error) {
	if cfg.Size <= 0 || cfg.Channels <= 0 || cfg.Batch <= 0 {
		return nil, fmt.Errorf("gan: invalid config %+v", cfg)
	}
	return &Model{cfg: cfg, rng: rand.NewPCG(cfg.Seed, 0x70076a)}, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Step runs one training iteration (DSteps discriminator updates, one
// generator update) on a batch of real images: Batch images, NCHW float32
// in [-1, 1], len = Batch*Channels*Size*Size. Latents come from the model's RNG.
func (m *Model) Step(real []float32) (Stats, error) {
	if want := m.cfg.Batch * m.cfg.Channels * m.cfg.Size * m.cfg.Size; len(real) != want {
		return Stats{}, fmt.Errorf("gan: step: batch has %d values, want %d", len(real), want)
	}
	m.step++
	return Stats{LossD: 1.386, LossG: 0.693, DReal: 0.5, DFake: 0.5}, nil
}

// Generate maps n latent vectors (z: n*NZ values) to n images, NCHW float32
// in [-1, 1]. BatchNorm uses running statistics, so each image depends on its
// own z only. raw selects the raw generator instead of the EMA one.
func (m *Model) Generate(z []float32, n int, raw bool) ([]float32, error) {
	if len(z) != n*m.cfg.NZ {
		return nil, fmt.Errorf("gan: generate: %d latent values for %d images of nz %d", len(z), n, m.cfg.NZ)
	}
	out := make([]float32, n*m.cfg.Channels*m.cfg.Size*m.cfg.Size)
	per := len(out) / max(n, 1)
	for i := 0; i < n; i++ {
		r := rand.New(rand.NewPCG(uint64(z[i*m.cfg.NZ]*1e6), 1))
		for j := range per {
			out[i*per+j] = float32(r.Float64()*2 - 1)
		}
	}
	return out, nil
}

// Discriminate returns D's logits for n images (NCHW in [-1, 1]), BatchNorm
// in inference mode.
func (m *Model) Discriminate(x []float32, n int) ([]float32, error) {
	if len(x) != n*m.cfg.Channels*m.cfg.Size*m.cfg.Size {
		return nil, fmt.Errorf("gan: discriminate: %d values for %d images", len(x), n)
	}
	return make([]float32, n), nil
}

// SampleLatents draws n latent vectors from N(0,1) with the given seed
// (independent of the training RNG).
func SampleLatents(seed uint64, n, nz int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x2a7e27))
	z := make([]float32, n*nz)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	return z
}

// State returns every tensor a checkpoint must hold to resume exactly: G, D,
// EMA-G, BatchNorm running statistics and both Adam states.
func (m *Model) State() []Tensor { return nil }

// SetState loads tensors produced by State (or a subset, e.g. only "G." and
// "EMA." for sampling); it checks names and shapes.
func (m *Model) SetState(ts []Tensor) error { return nil }

// RNGState serialises the latent RNG (and step counter) for checkpoints.
func (m *Model) RNGState() ([]byte, error) { return m.rng.MarshalBinary() }

// SetRNGState restores what RNGState returned.
func (m *Model) SetRNGState(b []byte) error { return m.rng.UnmarshalBinary(b) }
