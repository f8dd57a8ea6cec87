package gan

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/toongan/toongan/pkg/mpi/mpitest"
	"github.com/toongan/toongan/pkg/safetensors"
)

// TestDistributedStepEqualsOneProcess: N models, each one rank of a job
// taking its slice of every batch, end with the weights one model makes
// on the whole batches, within float summation order.
func TestDistributedStepEqualsOneProcess(t *testing.T) {
	for _, ranks := range []int{2, 4} {
		cfg := tiny("dcgan", 32, 4)
		cfg.Batch = 8
		const steps = 3
		r := rand.New(rand.NewPCG(5, 6))
		n := cfg.Batch * cfg.Channels * cfg.Size * cfg.Size
		batches := make([][]float32, steps)
		for s := range batches {
			batches[s] = make([]float32, n)
			for i := range batches[s] {
				batches[s][i] = float32(r.Float64()*2 - 1)
			}
		}
		one := mustNew(t, cfg)
		for _, b := range batches {
			if _, err := one.Step(b); err != nil {
				t.Fatal(err)
			}
		}
		peers := mpitest.Peers(ranks)
		models := make([]*Model, ranks)
		var wg sync.WaitGroup
		for k := range ranks {
			models[k] = mustNew(t, cfg)
			if err := models[k].SetDistributed(k, ranks, peers[k]); err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				per := n / ranks
				for _, b := range batches {
					if _, err := models[k].Step(b[k*per : (k+1)*per]); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		want := one.State()
		for k, m := range models {
			for i, ts := range m.State() {
				for j, v := range ts.Data {
					w := want[i].Data[j]
					if d := math.Abs(float64(v - w)); d > 1e-4*(1e-3+math.Abs(float64(w))) {
						t.Fatalf("%d ranks: rank %d: %s[%d] = %g, one process %g", ranks, k, ts.Name, j, v, w)
					}
				}
			}
		}
	}
}

// randomBatches returns steps batches of n values in [-1, 1).
func randomBatches(steps, n int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 6))
	batches := make([][]float32, steps)
	for s := range batches {
		batches[s] = make([]float32, n)
		for i := range batches[s] {
			batches[s][i] = float32(r.Float64()*2 - 1)
		}
	}
	return batches
}

// TestReduceSplitEqualsRanks: one process with ReduceSplit N makes, bit
// for bit, the steps of an N-rank job (each rank taking 1/N of every
// batch, summing over the in-process reducer in rank order): after every
// step the weights, Adam moments, BatchNorm running statistics and EMA
// generator are equal. Without the split they are not (a counter-check that the
// comparison can fail).
func TestReduceSplitEqualsRanks(t *testing.T) {
	base := tiny("dcgan", 32, 4)
	base.Batch = 8
	k5 := base
	k5.Kernel, k5.Loss, k5.Size = 5, LossHinge, 48
	smooth := base
	smooth.LabelSmooth, smooth.EMABN = 0.1, EMABNAverage
	colour := base
	colour.ColourMatch, colour.EMABN = 5, EMABNStanding
	for _, tc := range []struct {
		name         string
		cfg          Config
		ranks, steps int
	}{{"classic", base, 2, 20}, {"classic-4-ranks", base, 4, 20}, {"k5-hinge-48px", k5, 2, 4}, {"smooth", smooth, 2, 4}, {"colour-match", colour, 2, 4}} {
		t.Run(tc.name, func(t *testing.T) {
			ranks := tc.ranks
			cfg := tc.cfg
			n := cfg.Batch * cfg.Channels * cfg.Size * cfg.Size
			batches := randomBatches(tc.steps, n, 11)
			plain := mustNew(t, cfg)
			cfg.ReduceSplit = ranks
			one := mustNew(t, cfg)
			peers := mpitest.Peers(ranks)
			models := make([]*Model, ranks)
			for k := range models {
				models[k] = mustNew(t, cfg)
				if err := models[k].SetDistributed(k, ranks, peers[k]); err != nil {
					t.Fatal(err)
				}
			}
			differs := false
			for s, b := range batches {
				for _, m := range []*Model{one, plain} {
					if _, err := m.Step(b); err != nil {
						t.Fatal(err)
					}
				}
				stepRanks(t, models, b)
				want := one.State()
				for k, m := range models {
					if i, j := firstBitDiff(m.State(), want); i >= 0 {
						got := m.State()[i]
						t.Fatalf("step %d: rank %d: %s[%d] = %g, one process with ReduceSplit %d: %g", s+1, k, got.Name, j, got.Data[j], ranks, want[i].Data[j])
					}
				}
				if i, _ := firstBitDiff(plain.State(), want); i >= 0 {
					differs = true
				}
			}
			if !differs {
				t.Errorf("ReduceSplit %d changed nothing in %d steps: the comparison cannot fail", ranks, tc.steps)
			}
		})
	}
}

// stepRanks runs one step of every rank concurrently, rank k on its slice
// of batch.
func stepRanks(t *testing.T, models []*Model, batch []float32) {
	t.Helper()
	per := len(batch) / len(models)
	var wg sync.WaitGroup
	for k, m := range models {
		wg.Go(func() {
			if _, err := m.Step(batch[k*per : (k+1)*per]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// firstBitDiff returns the first tensor i and value j where got and want
// differ bit for bit, or -1, -1.
func firstBitDiff(got, want []safetensors.Tensor) (int, int) {
	for i, ts := range got {
		for j, v := range ts.Data {
			if math.Float32bits(v) != math.Float32bits(want[i].Data[j]) {
				return i, j
			}
		}
	}
	return -1, -1
}

// TestReduceSplitRefused: a split the batch or the recipe cannot take, or
// one that is not the job's number of ranks, is refused with its reason.
func TestReduceSplitRefused(t *testing.T) {
	base := tiny("dcgan", 32, 4)
	base.Batch = 8
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"negative", func(c *Config) { c.ReduceSplit = -1 }, "0..4096"},
		{"not a divisor", func(c *Config) { c.ReduceSplit = 3 }, "divisor of batch 8"},
		{"spectral norm", func(c *Config) { c.ReduceSplit, c.SpectralNorm = 2, true }, "spectral norm"},
		{"mlp", func(c *Config) { c.ReduceSplit, c.Arch = 2, "mlp" }, "dcgan"},
		{"d steps", func(c *Config) { c.ReduceSplit, c.DSteps = 2, 2 }, "one D step"},
	} {
		cfg := base
		tc.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	cfg := base
	cfg.ReduceSplit = 2
	m := mustNew(t, cfg)
	if err := m.SetDistributed(0, 4, mpitest.Peers(4)[0]); err == nil || !strings.Contains(err.Error(), "want 0, 1 or 4") {
		t.Errorf("reduce_split 2 over 4 ranks: %v", err)
	}
}
