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

// InOrderer is a Reducer that can also give one adding the ranks' values
// in rank order, ((r0 + r1) + r2) + ..., in the values' own precision
// (mpi.Ordered): the order in which one process with Config.ReduceSplit N
// adds its N slices' parts. SetDistributed uses it when ReduceSplit is the
// job's size, so that the job then makes the one process's steps bit for
// bit for any N; a plain Reducer (MPI_Allreduce) adds in an order of its
// own, the same only for 2 ranks.
type InOrderer interface {
	InOrder() Reducer
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
	case m.cfg.ReduceSplit > 1 && m.cfg.ReduceSplit != size:
		return fmt.Errorf("gan: reduce_split %d in a job of %d ranks: want 0, 1 or %d (one process with reduce_split N computes what N ranks compute)", m.cfg.ReduceSplit, size, size)
	}
	if o, ok := r.(InOrderer); ok && m.cfg.ReduceSplit == size {
		r = o.InOrder()
	}
	m.dist = &distributed{rank: rank, size: size, r: r}
	m.g.reduce, m.d.reduce = r, r
	m.g.split, m.d.split = 0, 0 // each rank holds one slice
	return nil
}

// validateSplit checks Config.ReduceSplit: what one process splits must be
// what a job of that many ranks could run (SetDistributed), with every sum
// over the batch in an op that takes it by slices (no spectral norm, whose
// weight gradient is a function of the whole sum; no fully connected
// layers, whose products are gorgonia's).
func (cfg Config) validateSplit() error {
	n := cfg.ReduceSplit
	switch {
	case n == 0 || n == 1:
		return nil
	case n < 0 || n > MaxBatch:
		return &FieldError{Field: "reduce_split", Value: n, Want: fmt.Sprintf("0..%d", MaxBatch)}
	case cfg.Batch%n != 0:
		return &FieldError{Field: "reduce_split", Value: n, Want: fmt.Sprintf("a divisor of batch %d", cfg.Batch)}
	case cfg.Arch != "dcgan" || cfg.SpectralNorm || cfg.Augment != "" || cfg.MBStd || cfg.Cond != nil || cfg.DSteps != 1:
		return &FieldError{Field: "reduce_split", Value: n, Want: "0 or 1 unless the arch is dcgan with one D step and neither spectral norm, augmentation, minibatch stddev nor conditioning"}
	}
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

// keepReal copies the gradients of D's pass on the real batch into acc
// (into accParts, slice by slice, with a split).
func (dg *dGraph) keepReal() error {
	for i := range dg.params {
		if dg.accParts != nil {
			parts, err := dg.parts(i)
			if err != nil {
				return err
			}
			for k, a := range dg.accParts[i] {
				copy(a, parts[k])
			}
			continue
		}
		acc, g := dg.acc[i], f32s(dg.grads[i])
		kernels.ParallelForMin(len(acc), 1<<15, func(lo, hi int) { copy(acc[lo:hi], g[lo:hi]) })
	}
	return nil
}

// addFake adds the gradients of D's pass on the fake batch to acc, which
// become the parameters' gradients. With a split each slice's real and
// fake parts are added first, then the slices in order: the sum of the
// ranks' real+fake gradients a job of that many ranks makes.
func (dg *dGraph) addFake() error {
	for i, p := range dg.params {
		acc := dg.acc[i]
		if dg.accParts != nil {
			parts, err := dg.parts(i)
			if err != nil {
				return err
			}
			ap := dg.accParts[i]
			kernels.ParallelForMin(len(acc), 1<<15, func(lo, hi int) {
				for k, a := range ap {
					addInto(a[lo:hi], parts[k][lo:hi])
				}
				copy(acc[lo:hi], ap[0][lo:hi])
				for _, a := range ap[1:] {
					addInto(acc[lo:hi], a[lo:hi])
				}
			})
		} else {
			g := f32s(dg.grads[i])
			kernels.ParallelForMin(len(acc), 1<<15, func(lo, hi int) { addInto(acc[lo:hi], g[lo:hi]) })
		}
		p.grad = acc
	}
	return nil
}

// parts returns the per-slice parts of parameter i's gradient in the last
// pass.
func (dg *dGraph) parts(i int) ([][]float32, error) {
	parts := nn.GradParts(dg.grads[i])
	if len(parts) != len(dg.accParts[i]) {
		return nil, fmt.Errorf("gradient of %s has %d slices, want %d", dg.params[i].name, len(parts), len(dg.accParts[i]))
	}
	return parts, nil
}

// addInto adds b to a, element by element.
func addInto(a, b []float32) {
	for j := range a {
		a[j] += b[j]
	}
}
