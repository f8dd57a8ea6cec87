package gan

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/nn"
)

// Data-parallel training: the processes (ranks) of a job each hold the
// same model and take their slice of every global batch of Config.Batch
// images; the weights' gradients are summed over the ranks before Adam and
// BatchNorm normalises with the whole batch's statistics, so that N ranks
// make the step one process makes on the whole batch. The latents come
// from the same stream as in one process, each rank keeping its slice.

// Reducer sums values over the ranks of a job, in place (pkg/mpi).
type Reducer interface {
	nn.Reducer
	SumFloat32(buf []float32) error
}

// distributed is a model's place in a data-parallel job.
type distributed struct {
	rank, size int
	r          Reducer
	scratch    []float64
}

// SetDistributed makes m one rank of a data-parallel job of size ranks:
// Step then takes this rank's Batch/size images of each global batch. Call
// it before the first Step, on every rank alike. The recipe ingredients
// that draw per-sample randomness or mix samples beyond BatchNorm
// (DiffAugment, minibatch standard deviation, conditioning) are refused.
func (m *Model) SetDistributed(rank, size int, r Reducer) error {
	switch {
	case size < 1 || rank < 0 || rank >= size:
		return fmt.Errorf("gan: rank %d of %d", rank, size)
	case m.cfg.Batch%size != 0:
		return fmt.Errorf("gan: batch %d does not split over %d ranks: make it a multiple of %d", m.cfg.Batch, size, size)
	case m.train != nil:
		return errors.New("gan: SetDistributed after training started")
	case size == 1:
		return nil
	case m.cfg.Augment != "" || m.cfg.MBStd || m.cfg.Cond != nil:
		return errors.New("gan: data-parallel training supports neither augmentation, minibatch stddev nor conditioning (use --recipe classic)")
	case m.cfg.DSteps != 1:
		return errors.New("gan: data-parallel training needs one D update per step")
	}
	m.dist = &distributed{rank: rank, size: size, r: r}
	m.g.reduce, m.d.reduce = r, r
	return nil
}

// localBatch is how many of each global batch's images this process takes.
func (m *Model) localBatch() int {
	if m.dist == nil {
		return m.cfg.Batch
	}
	return m.cfg.Batch / m.dist.size
}

// drawLatents draws the latents of the whole batch (n per rank) as one
// process would, and keeps this rank's n into dst ([nz, n] internal layout).
func (d *distributed) drawLatents(r *rand.Rand, dst []float32, n, nz int) {
	lo := d.rank * n
	for b := 0; b < n*d.size; b++ {
		for c := 0; c < nz; c++ {
			v := float32(r.NormFloat64())
			if b >= lo && b < lo+n {
				dst[c*n+b-lo] = v
			}
		}
	}
}

// sumGrads replaces the gradients of ps with their mean over the ranks:
// each rank's loss is a mean over its slice, so the mean of the ranks'
// gradients is the gradient of the whole batch's mean loss. A nil d does
// nothing.
func (d *distributed) sumGrads(ps []*param) error {
	if d == nil {
		return nil
	}
	scale := 1 / float32(d.size)
	for _, p := range ps {
		if err := d.r.SumFloat32(p.grad); err != nil {
			return fmt.Errorf("sum of %s's gradient over the ranks: %w", p.name, err)
		}
		g := p.grad
		kernels.ParallelForMin(len(g), 1<<15, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				g[j] *= scale
			}
		})
	}
	return nil
}

// meanStats makes st the mean over the ranks (the whole batch's numbers).
func (d *distributed) meanStats(st *Stats) error {
	if d == nil {
		return nil
	}
	d.scratch = append(d.scratch[:0], st.LossD, st.LossG, st.DReal, st.DFake)
	if err := d.r.SumFloat64(d.scratch); err != nil {
		return fmt.Errorf("mean of the step's numbers over the ranks: %w", err)
	}
	n := float64(d.size)
	st.LossD, st.LossG, st.DReal, st.DFake = d.scratch[0]/n, d.scratch[1]/n, d.scratch[2]/n, d.scratch[3]/n
	return nil
}
