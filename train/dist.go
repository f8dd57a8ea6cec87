package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/mpi"
	"github.com/toongan/toongan/pkg/trainer"
)

// Data-parallel training under MPI: --dist auto (the default) joins the
// job when an MPI launcher started this process as one of several, --dist
// mpi always does, --dist none never does.

// mpiReducer sums over the ranks of MPI_COMM_WORLD.
type mpiReducer struct{}

func (mpiReducer) SumFloat32(buf []float32) error { return mpi.SumFloat32(buf) }
func (mpiReducer) SumFloat64(buf []float64) error { return mpi.SumFloat64(buf) }

// InOrder returns the reducer that adds the ranks in rank order (used with
// --reduce-split N, bit for bit one process's sums).
func (mpiReducer) InOrder() gan.Reducer { return &mpi.Ordered{} }

// startDist joins the MPI job when mode asks for it: the trainer's Dist
// (nil: one process) and the function that ends the job's part in this
// process, given the run's error.
func startDist(mode string, stderr io.Writer) (*trainer.Dist, func(error) error, error) {
	none := func(err error) error { return err }
	switch mode {
	case "none":
		return nil, none, nil
	case "auto":
		if !mpi.Launched() {
			return nil, none, nil
		}
	case "mpi":
	default:
		return nil, nil, cliapp.UsageErrorf("--dist %q: want auto, mpi or none", mode)
	}
	if !mpi.Enabled {
		return nil, nil, errors.New("train was started by an MPI launcher (or given --dist mpi) but built without MPI: build it with -tags mpi (go build -tags mpi ./train, or make -f pipeline.mk train NP=N), or pass --dist none")
	}
	if err := mpi.Init(); err != nil {
		return nil, nil, err
	}
	d := &trainer.Dist{Rank: mpi.Rank(), Size: mpi.Size(), Reducer: mpiReducer{}}
	end := func(err error) error {
		if errors.Is(err, cliapp.ErrInterrupted) {
			// Every rank stopped at the same step and rank 0 has saved
			// it (the ranks agreed on both). No MPI_Finalize: when the
			// signal came from mpirun's Ctrl-C teardown (SIGTERM to the
			// ranks, SIGKILL a grace later), Finalize waits on the
			// tearing-down launcher for seconds and the SIGKILL would
			// find the ranks inside it; ending now gives status 130.
			return err
		}
		if err == nil {
			// Every rank stops at the same step, together.
			return mpi.Finalize()
		}
		// A rank that fails alone ends the whole job: the others would
		// wait for it in the next sum forever.
		fmt.Fprintf(stderr, "train: error on rank %d of %d: %v\ntrain: aborting the MPI job\n", d.Rank, d.Size, err)
		mpi.Abort(1)
		return err
	}
	return d, end, nil
}
