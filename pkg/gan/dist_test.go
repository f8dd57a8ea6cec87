package gan

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// peer is a Reducer for one of the goroutines standing in for the ranks of
// a job: it posts its values to every other rank and adds theirs in rank
// order, so every rank gets the same sum. link[r][s] carries rank s's
// messages to rank r, in the order of the calls.
type peer struct {
	rank int
	link [][]chan []float64
}

func (p peer) SumFloat64(buf []float64) error {
	for r := range p.link {
		if r != p.rank {
			p.link[r][p.rank] <- slices.Clone(buf)
		}
	}
	got := make([][]float64, len(p.link))
	for s := range p.link {
		if got[s] = buf; s != p.rank {
			got[s] = <-p.link[p.rank][s]
		}
	}
	sum := make([]float64, len(buf))
	for i := range sum {
		for _, g := range got {
			sum[i] += g[i]
		}
	}
	copy(buf, sum)
	return nil
}

func (p peer) SumFloat32(buf []float32) error {
	t := make([]float64, len(buf))
	for i, v := range buf {
		t[i] = float64(v)
	}
	if err := p.SumFloat64(t); err != nil {
		return err
	}
	for i, v := range t {
		buf[i] = float32(v)
	}
	return nil
}

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
		link := make([][]chan []float64, ranks)
		for r := range link {
			link[r] = make([]chan []float64, ranks)
			for s := range link[r] {
				link[r][s] = make(chan []float64, 4)
			}
		}
		models := make([]*Model, ranks)
		var wg sync.WaitGroup
		for k := range ranks {
			models[k] = mustNew(t, cfg)
			if err := models[k].SetDistributed(k, ranks, peer{rank: k, link: link}); err != nil {
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
