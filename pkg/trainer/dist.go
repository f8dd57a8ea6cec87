package trainer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/toongan/toongan/pkg/gan"
)

// Dist makes a run one rank of a data-parallel job (train under mpirun or
// srun): every rank trains the same model on its slice of each global batch
// (gan.Model.SetDistributed), and rank 0 alone writes the run folder
// (checkpoints, log.jsonl, grids, config.json) and shows progress. Every
// rank reads the checkpoint on Resume.
type Dist struct {
	Rank, Size int
	Reducer    gan.Reducer
}

// distModel is what a data-parallel run needs of its model beyond Model.
type distModel interface {
	SetDistributed(rank, size int, r gan.Reducer) error
}

// leader reports whether this process writes the run folder: rank 0, or
// the only process.
func (o *Options) leader() bool { return o.Dist == nil || o.Dist.Rank == 0 }

// agree tells every rank whether each of them is ready: it returns true
// when all are (and at once without Dist). Every rank must call it at the
// same points.
func (o *Options) agree(ok bool) (bool, error) {
	if o.Dist == nil || o.Dist.Size == 1 || o.Dist.Reducer == nil {
		return ok, nil
	}
	v := []float64{0}
	if !ok {
		v[0] = 1
	}
	if err := o.Dist.Reducer.SumFloat64(v); err != nil {
		return false, fmt.Errorf("agreement of the ranks: %w", err)
	}
	return v[0] == 0, nil
}

// startDist makes the model one rank of the job.
func (r *run) startDist() error {
	d := r.opts.Dist
	if d == nil {
		return nil
	}
	if d.Size < 1 || d.Rank < 0 || d.Rank >= d.Size || d.Reducer == nil && d.Size > 1 {
		return fmt.Errorf("data-parallel training: rank %d of %d (reducer set: %v)", d.Rank, d.Size, d.Reducer != nil)
	}
	dm, ok := r.model.(distModel)
	if !ok {
		return errors.New("data-parallel training: the model cannot be distributed")
	}
	if err := dm.SetDistributed(d.Rank, d.Size, d.Reducer); err != nil {
		return fmt.Errorf("data-parallel training over %d ranks: %w", d.Size, err)
	}
	return nil
}

// failStart tells the other ranks that this one cannot start (they learn
// it in startAll), and returns err.
func (o *Options) failStart(err error) error {
	_, _ = o.agree(false) // err is the news; a failed agreement adds nothing
	return err
}

// startAll builds the model and the data stream on every rank; each rank
// learns whether all of them could (a rank that could not names its own
// problem; the others say a rank failed), before any rank writes.
func (r *run) startAll() error {
	err := r.startModel()
	if err == nil {
		err = r.startDist()
	}
	if err == nil {
		err = r.startData()
	}
	return r.opts.agreeOn(err, "another rank of the data-parallel job could not start (see its message)")
}

// agreeOn tells the other ranks whether this one succeeded (err == nil)
// and learns whether all did: this rank's own error first, then a failed
// agreement, then, when another rank failed, an error saying others.
func (o *Options) agreeOn(err error, others string) error {
	all, aerr := o.agree(err == nil)
	switch {
	case err != nil:
		return err
	case aerr != nil:
		return aerr
	case !all:
		return errors.New(others)
	}
	return nil
}

// stopNow reports whether the run stops before the next step, and whether
// because it was interrupted (ctx): in a data-parallel job, a rank
// interrupted or out of time stops every rank at the same step.
func (r *run) stopNow(ctx context.Context, deadline time.Time) (stop, interrupted bool, err error) {
	interrupted = ctx.Err() != nil
	timeUp := !deadline.IsZero() && !time.Now().Before(deadline)
	if d := r.opts.Dist; d != nil && d.Size > 1 {
		v := []float64{flag(interrupted), flag(timeUp)}
		if err := d.Reducer.SumFloat64(v); err != nil {
			return true, interrupted, fmt.Errorf("step %d: agreement of the ranks: %w", r.step+1, err)
		}
		interrupted, timeUp = v[0] > 0, v[1] > 0
	}
	return interrupted || timeUp, interrupted, nil
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
