//go:build mpi

// Command mpibench times what a data-parallel training step sends over MPI:
// the sums of the D and G gradients (one MPI_Allreduce per weight tensor,
// as gan.Model.Step does) and of the BatchNorm statistics, for the model of
// a size and width, and one allreduce of all gradients at once (the
// bandwidth). Run it under mpirun:
//
//	go build -tags mpi -o bin/mpibench ./scripts/mpibench
//	mpirun -np 2 bin/mpibench -size 64 -ngf 64 -ndf 64 -reps 20
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/mpi"
)

func main() {
	size := flag.Int("size", 64, "image size")
	ngf := flag.Int("ngf", 64, "generator width")
	ndf := flag.Int("ndf", 64, "discriminator width")
	reps := flag.Int("reps", 20, "timed repetitions")
	flag.Parse()
	if err := run(*size, *ngf, *ndf, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "mpibench:", err)
		mpi.Abort(1)
	}
	_ = mpi.Finalize()
}

func run(size, ngf, ndf, reps int) error {
	if err := mpi.Init(); err != nil {
		return err
	}
	cfg := gan.DefaultConfig(size)
	cfg.NGF, cfg.NDF = ngf, ndf
	shapes, err := gan.StateShapes(cfg)
	if err != nil {
		return err
	}
	var grads [][]float32 // one per trainable G or D tensor
	bn := 0               // BatchNorm channels (running means)
	total := 0
	for _, t := range shapes {
		if !strings.HasPrefix(t.Name, "G.") && !strings.HasPrefix(t.Name, "D.") {
			continue
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		switch {
		case strings.HasSuffix(t.Name, ".running_mean"):
			bn += n
		case strings.Contains(t.Name, ".running_") || strings.Contains(t.Name, ".weight_u") || strings.Contains(t.Name, ".weight_v"):
		default:
			grads = append(grads, make([]float32, n))
			total += n
		}
	}
	// A training step: per BatchNorm layer 2 forward and 1 backward sums
	// (float64) in each of the 3 graph runs that pass through it, roughly
	// 4 values per channel and pass; counted as 3 allreduces of bn*4/3.
	bnBuf := make([]float64, bn*4/3+1)
	step := func() error {
		for _, g := range grads {
			if err := mpi.SumFloat32(g); err != nil {
				return err
			}
		}
		for range 3 {
			if err := mpi.SumFloat64(bnBuf); err != nil {
				return err
			}
		}
		return nil
	}
	all := make([]float32, total)
	perStep, err := timeIt(reps, step)
	if err != nil {
		return err
	}
	whole, err := timeIt(reps, func() error { return mpi.SumFloat32(all) })
	if err != nil {
		return err
	}
	if mpi.Rank() == 0 {
		bytes := float64(total*4 + len(bnBuf)*8*3)
		fmt.Printf("ranks %d  model %dpx ngf %d ndf %d: %d gradient values in %d tensors (%.1f MB), %d BatchNorm channels\n",
			mpi.Size(), size, ngf, ndf, total, len(grads), float64(total*4)/1e6, bn)
		fmt.Printf("per step (one allreduce per tensor + BatchNorm sums): %.2f ms, %.2f GB/s of payload\n",
			perStep.Seconds()*1e3, bytes/perStep.Seconds()/1e9)
		fmt.Printf("one allreduce of all gradients: %.2f ms, %.2f GB/s of payload\n",
			whole.Seconds()*1e3, float64(total*4)/whole.Seconds()/1e9)
	}
	return nil
}

// timeIt returns the mean time of f over reps runs after one warm-up,
// every rank starting together.
func timeIt(reps int, f func() error) (time.Duration, error) {
	if err := f(); err != nil {
		return 0, err
	}
	if err := mpi.Barrier(); err != nil {
		return 0, err
	}
	t0 := time.Now()
	for range reps {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return time.Since(t0) / time.Duration(reps), nil
}
