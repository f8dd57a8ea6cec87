package gan

import (
	"math"
	"strconv"
	"testing"
)

// benchModels keeps one model per configuration across the benchmark
// framework's repeated calls (b.N = 1, then the real run), so that the peak
// RSS measured around the benchmark binary is that of one model.
var benchModels = map[Config]*Model{}

// benchStep times full training steps of cfg and reports images/s.
func benchStep(b *testing.B, cfg Config) {
	m := benchModels[cfg]
	if m == nil {
		m = mustNew(b, cfg)
		benchModels[cfg] = m
	}
	real := SampleLatents(1, cfg.Batch, cfg.Channels*cfg.Size*cfg.Size)
	for i := range real {
		real[i] = float32(math.Tanh(float64(real[i])))
	}
	for i := 0; i < 2; i++ { // build graphs, warm buffers
		if _, err := m.Step(real); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Step(real); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*cfg.Batch)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkStepDCGAN64 is issue 3's yardstick: the pytorch/examples DCGAN
// at 64 px (nz 100, ngf = ndf = 64, kernel 4, batch 64), one D step on real
// and fake and one G step per iteration; compare with
// ../shared/bench/torch_dcgan_bench.py 64 64 (see bench_step.sh).
func BenchmarkStepDCGAN64(b *testing.B) { benchStep(b, DefaultConfig(64)) }

// BenchmarkStepDCGAN64Batch256 is BenchmarkStepDCGAN64 at batch 256 (for
// the peak memory of a large batch: bench_step.sh BATCH256=1).
func BenchmarkStepDCGAN64Batch256(b *testing.B) {
	cfg := DefaultConfig(64)
	cfg.Batch = 256
	benchStep(b, cfg)
}

// BenchmarkStepDCGAN32 is the same at 32 px.
func BenchmarkStepDCGAN32(b *testing.B) { benchStep(b, DefaultConfig(32)) }

// BenchmarkStepRecipe64 times a training step of every recipe at 64 px,
// each at its own batch (toon's 16, classic's 64): img/s is what a user's
// run gets per image (bench_step.sh compares them with classic).
func BenchmarkStepRecipe64(b *testing.B) { benchRecipes(b, 0) }

// BenchmarkStepRecipe64Batch64 is BenchmarkStepRecipe64 with every recipe
// at batch 64: the cost of a recipe's ingredients (colour matching, the
// EMA, augmentation ...) on the same step as classic's, the batch size's
// own effect on the rate left out.
func BenchmarkStepRecipe64Batch64(b *testing.B) { benchRecipes(b, 64) }

// benchRecipes runs benchStep for every recipe at 64 px, at batch when it
// is not 0 and at the recipe's own batch otherwise.
func benchRecipes(b *testing.B, batch int) {
	for _, name := range RecipeNames() {
		b.Run(name, func(b *testing.B) {
			cfg := DefaultConfig(64)
			if err := ApplyRecipe(&cfg, name); err != nil {
				b.Fatal(err)
			}
			if batch > 0 {
				cfg.Batch = batch
			}
			benchStep(b, cfg)
		})
	}
}

// BenchmarkSyncEMA64 times one measurement of the EMA generator's standing
// BatchNorm statistics at 64 px (done before each grid and checkpoint).
func BenchmarkSyncEMA64(b *testing.B) {
	cfg := DefaultConfig(64)
	cfg.EMABN = EMABNStanding
	m := mustNew(b, cfg)
	for i := 0; i < b.N; i++ {
		m.emaStale = true
		if err := m.SyncEMA(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepCond64 times a conditional training step at 64 px (toon
// recipe, batch 16, 12 attributes of 2..19 values as the built-in faces'),
// G conditioned by concat and by cbn (conditional BatchNorm), side by side.
func BenchmarkStepCond64(b *testing.B) {
	for _, g := range []string{CondConcat, CondCBN} {
		b.Run(g, func(b *testing.B) {
			cfg := DefaultConfig(64)
			if err := ApplyRecipe(&cfg, RecipeToon); err != nil {
				b.Fatal(err)
			}
			cfg.Cond = &CondSpec{Dim: DefaultCondDim, G: g}
			for a := range 12 {
				n := 2 + (a*7)%18
				at := CondAttr{Name: "a" + strconv.Itoa(a), Unknown: 1}
				for v := range n {
					at.Values = append(at.Values, "v"+strconv.Itoa(v))
					at.Counts = append(at.Counts, 1)
				}
				cfg.Cond.Attrs = append(cfg.Cond.Attrs, at)
			}
			m := mustNew(b, cfg)
			real := SampleLatents(1, cfg.Batch, cfg.Channels*cfg.Size*cfg.Size)
			for i := range real {
				real[i] = float32(math.Tanh(float64(real[i])))
			}
			labels := make([]byte, cfg.Batch*12)
			for i := range labels {
				labels[i] = byte(i % 3)
			}
			for i := 0; i < 2+b.N; i++ {
				if i == 2 {
					b.ResetTimer()
				}
				if _, err := m.StepLabels(real, labels); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*cfg.Batch)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
