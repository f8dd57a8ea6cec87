package gan

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/toongan/toongan/pkg/mpi/mpitest"
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
