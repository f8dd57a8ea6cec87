package trainer

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/mpi/mpitest"
	"github.com/toongan/toongan/pkg/safetensors"
)

// runRanks runs one Run per rank, each with opts changed by set, and
// returns their errors.
func runRanks(ranks int, opts Options, set func(rank int, o *Options)) []error {
	ps := mpitest.Peers(ranks)
	errs := make([]error, ranks)
	var wg sync.WaitGroup
	for k := range ranks {
		o := opts
		o.Dist = &Dist{Rank: k, Size: ranks, Reducer: ps[k]}
		if set != nil {
			set(k, &o)
		}
		wg.Go(func() { errs[k] = Run(context.Background(), o, &bytes.Buffer{}) })
	}
	wg.Wait()
	return errs
}

func loadState(t *testing.T, out string) []safetensors.Tensor {
	t.Helper()
	m, _, err := checkpoint.Load(filepath.Join(out, CkptDir, safetensors.LatestName))
	if err != nil {
		t.Fatal(err)
	}
	return m.State()
}

// TestDistributedRun: two ranks of a job make the run one process makes
// (same checkpoint within float summation order, one log line per step,
// one set of grids), a job resumed from its checkpoint ends where the
// uninterrupted job ends, and a rank that cannot start stops every rank.
func TestDistributedRun(t *testing.T) {
	data := dataset(t, 40, 3)
	dir := t.TempDir()
	opts := Options{Data: data, Config: tinyConfig(), Quiet: true, LogEvery: 1, SampleEvery: 2}
	one, job, part := filepath.Join(dir, "one"), filepath.Join(dir, "job"), filepath.Join(dir, "part")
	o := opts
	o.Out, o.Steps = one, 3
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	o.Out = job
	for k, err := range runRanks(2, o, nil) {
		if err != nil {
			t.Fatalf("rank %d: %v", k, err)
		}
	}
	want := loadState(t, one)
	for i, ts := range loadState(t, job) {
		for j, v := range ts.Data {
			w := want[i].Data[j]
			if d := math.Abs(float64(v - w)); d > 1e-4*(1e-3+math.Abs(float64(w))) {
				t.Fatalf("2 ranks: %s[%d] = %g, one process %g", ts.Name, j, v, w)
			}
		}
	}
	if n := len(readLog(t, filepath.Join(job, LogFile))); n != 3 {
		t.Errorf("log.jsonl of the job has %d lines, want 3 (rank 0 alone writes it)", n)
	}
	grids, _ := filepath.Glob(filepath.Join(job, GridDir, "*.png"))
	if len(grids) != 3 { // steps 0, 2 and 3
		t.Errorf("job wrote grids %v, want steps 0, 2, 3", grids)
	}

	// Resume: 2 steps, then on to 3, equals 3 straight.
	o.Out, o.Steps = part, 2
	runRanks(2, o, nil)
	o.Steps, o.Resume = 3, true
	for k, err := range runRanks(2, o, nil) {
		if err != nil {
			t.Fatalf("resume, rank %d: %v", k, err)
		}
	}
	if !reflect.DeepEqual(loadState(t, part), loadState(t, job)) {
		t.Error("the resumed job's weights differ from the uninterrupted job's")
	}

	// A rank that cannot start: it names its problem, the others say so.
	o.Out, o.Resume = filepath.Join(dir, "bad"), false
	errs := runRanks(2, o, func(k int, o *Options) {
		if k == 1 {
			o.Data = filepath.Join(dir, "missing")
		}
	})
	if errs[1] == nil || errs[0] == nil || !strings.Contains(errs[0].Error(), "another rank") {
		t.Errorf("errors %v, want rank 1's own and rank 0's 'another rank'", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad", CkptDir)); err == nil {
		t.Error("a job that could not start wrote checkpoints")
	}
}

// TestDistributedInterrupt: one rank interrupted (its context cancelled,
// as by SIGTERM) stops every rank at the same step; each returns an
// *InterruptedError naming that step, after rank 0 has saved it.
func TestDistributedInterrupt(t *testing.T) {
	data := dataset(t, 40, 3)
	out := filepath.Join(t.TempDir(), "job")
	opts := Options{Data: data, Config: tinyConfig(), Quiet: true, Out: out, Steps: 5}
	ps := mpitest.Peers(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for k := range 2 {
		o := opts
		o.Dist = &Dist{Rank: k, Size: 2, Reducer: ps[k]}
		ctx, cancel := context.WithCancel(context.Background())
		if k == 1 {
			cancel()
		}
		wg.Go(func() {
			defer cancel()
			errs[k] = Run(ctx, o, &bytes.Buffer{})
		})
	}
	wg.Wait()
	for k, err := range errs {
		var ie *InterruptedError
		if !errors.As(err, &ie) || ie.Step != 0 {
			t.Fatalf("rank %d: %v, want interrupted at step 0", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, CkptDir, "step-000000.safetensors")); err != nil {
		t.Errorf("rank 0 did not save the step the job stopped at: %v", err)
	}
}
