package trainertest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/shard"
)

// WriteDataset writes a dataset of n size x size RGB images (seeded noise
// blobs) into dir as prep would: train shards of at most perShard images,
// one holdout shard of 2 images, and manifest.json. It returns the content hash.
func WriteDataset(dir string, n, size, perShard int, seed uint64) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(seed, 99))
	rec := make([]byte, size*size*3)
	m := &shard.Manifest{Format: shard.ManifestFormat, Version: shard.ManifestVersion, Source: "trainertest",
		Size: size, Height: size, Width: size, Channels: 3, DType: "uint8", Layout: "HWC",
		Params: map[string]any{"seed": seed}, Skipped: []shard.Skip{}, SkippedByReason: map[string]int{}}
	var digests []byte
	write := func(name string, count int) (shard.ShardInfo, error) {
		p := filepath.Join(dir, name)
		w, err := shard.Create(p, size, size, 3)
		if err != nil {
			return shard.ShardInfo{}, err
		}
		for range count {
			base := r.IntN(256)
			for i := range rec {
				rec[i] = byte(base + r.IntN(64))
			}
			if err := w.Append(rec); err != nil {
				w.Abort()
				return shard.ShardInfo{}, err
			}
			d := shard.RecordDigest(rec)
			digests = append(digests, d[:]...)
		}
		if err := w.Close(); err != nil {
			return shard.ShardInfo{}, err
		}
		st, err := os.Stat(p)
		if err != nil {
			return shard.ShardInfo{}, err
		}
		return shard.ShardInfo{File: name, Count: count, Bytes: st.Size()}, nil
	}
	for i := 0; i < n; i += perShard {
		c := min(perShard, n-i)
		info, err := write(fmt.Sprintf("train-%05d.shard", i/perShard), c)
		if err != nil {
			return "", err
		}
		m.Train.Shards = append(m.Train.Shards, info)
		m.Train.Count += c
	}
	info, err := write("holdout-00000.shard", 2)
	if err != nil {
		return "", err
	}
	m.Holdout = shard.Split{Count: 2, Shards: []shard.ShardInfo{info}}
	m.Counts = shard.Counts{Inputs: n + 2, Kept: n + 2, Train: n, Holdout: 2}
	m.ContentHash = shard.ContentHash(digests)
	if err := shard.WriteManifest(dir, m); err != nil {
		return "", err
	}
	return m.ContentHash, nil
}

// FakeModel is a stand-in GAN for trainer tests. Each Step folds the batch
// and draws of its RNG into its weights, so its State depends on the exact
// data order and RNG stream. Steps counts the steps of this process only and
// is not part of the state; hooks use it.
type FakeModel struct {
	Cfg   gan.Config
	G, D  []float32
	rng   *rand.PCG
	Steps int

	// Hooks: NaNLossAt makes Step number k (1-based, counted by Steps)
	// report a NaN loss; NaNWeightAt puts a NaN into D at that step;
	// OnStep is called after every step.
	NaNLossAt, NaNWeightAt int
	OnStep                 func(step int)
}

// NewFake builds a fake model for cfg.
func NewFake(cfg gan.Config) *FakeModel {
	r := rand.New(rand.NewPCG(cfg.Seed, 5))
	m := &FakeModel{Cfg: cfg, G: make([]float32, 16+cfg.NGF), D: make([]float32, 8+cfg.NDF), rng: rand.NewPCG(cfg.Seed, 6)}
	for i := range m.G {
		m.G[i] = float32(r.NormFloat64() * 0.02)
	}
	for i := range m.D {
		m.D[i] = float32(r.NormFloat64() * 0.02)
	}
	return m
}

// Step implements trainer.Model.
func (m *FakeModel) Step(real []float32) (gan.Stats, error) {
	m.Steps++
	r := rand.New(m.rng)
	noise, off := float32(r.NormFloat64()), r.IntN(1000)
	for i := range m.G {
		var s float32
		for j := i; j < len(real); j += len(m.G) {
			s += real[j] * float32(j%7+1)
		}
		m.G[i] = m.G[i]*0.9 + s*1e-4 + noise*1e-3
	}
	for i := range m.D {
		m.D[i] = m.D[i]*0.95 + real[(i*131+off)%len(real)]*0.01
	}
	if m.Steps == m.NaNWeightAt {
		m.D[0] = float32(math.NaN())
	}
	st := gan.Stats{LossD: 1 + float64(m.G[0]), LossG: 0.7 + float64(m.D[1]), DReal: 0.5, DFake: 0.4}
	if m.Steps == m.NaNLossAt {
		st.LossG = math.NaN()
	}
	if m.OnStep != nil {
		m.OnStep(m.Steps)
	}
	return st, nil
}

// Generate implements trainer.Model: images depend on z and G.
func (m *FakeModel) Generate(z []float32, n int, raw bool) ([]float32, error) {
	if len(z) != n*m.Cfg.NZ {
		return nil, fmt.Errorf("fake: %d latents for %d images", len(z), n)
	}
	per := m.Cfg.Channels * m.Cfg.Size * m.Cfg.Size
	out := make([]float32, n*per)
	for i := range out {
		out[i] = float32(math.Tanh(float64(z[(i/per)*m.Cfg.NZ+i%m.Cfg.NZ] + m.G[i%len(m.G)])))
	}
	return out, nil
}

// State implements trainer.Model.
func (m *FakeModel) State() []safetensors.Tensor {
	return []safetensors.Tensor{
		{Name: "D.w", Shape: []int{len(m.D)}, Data: slices.Clone(m.D)},
		{Name: "G.w", Shape: []int{len(m.G)}, Data: slices.Clone(m.G)},
	}
}

// SetState implements trainer.Model.
func (m *FakeModel) SetState(ts []safetensors.Tensor) error {
	for _, t := range ts {
		switch t.Name {
		case "D.w":
			copy(m.D, t.Data)
		case "G.w":
			copy(m.G, t.Data)
		default:
			return fmt.Errorf("fake: unknown tensor %s", t.Name)
		}
	}
	return nil
}

// RNGState implements trainer.Model.
func (m *FakeModel) RNGState() ([]byte, error) { return m.rng.MarshalBinary() }

// SetRNGState implements trainer.Model.
func (m *FakeModel) SetRNGState(b []byte) error { return m.rng.UnmarshalBinary(b) }
