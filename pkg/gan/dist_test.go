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
// order, so every rank gets the same sum.
type peer struct {
	rank int
	to   []chan []float64 // to[r]: messages for rank r
}

func (p peer) sum(buf []float64) {
	for r, c := range p.to {
		if r != p.rank {
			c <- slices.Clone(buf)
		}
	}
	got := make([][]float64, len(p.to))
	got[p.rank] = slices.Clone(buf)
	for range len(p.to) - 1 {
		m := <-p.to[p.rank]
		got[int(m[len(m)-1])] = m
	}
	for i := range buf {
		var s float64
		for _, g := range got {
			s += g[i]
		}
		buf[i] = s
	}
}

// SumFloat64 tags each message with the sender's rank in a last value.
func (p peer) SumFloat64(buf []float64) error {
	t := append(slices.Clone(buf), float64(p.rank))
	p.sum(t)
	copy(buf, t)
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
		chans := make([]chan []float64, ranks)
		for i := range chans {
			chans[i] = make(chan []float64, ranks)
		}
		models := make([]*Model, ranks)
		var wg sync.WaitGroup
		for k := range ranks {
			models[k] = mustNew(t, cfg)
			if err := models[k].SetDistributed(k, ranks, peer{rank: k, to: chans}); err != nil {
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
