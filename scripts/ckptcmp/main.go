// Command ckptcmp compares the float32 tensors of two safetensors files
// (toongan checkpoints) and fails when any value differs by more than a
// relative tolerance: |a-b| > rtol*max(|a|, |b|, atol/rtol). Used by
// scripts/mpi-check.sh to compare a data-parallel run with one process.
//
//	go run ./scripts/ckptcmp [-rtol 1e-5] [-atol 1e-7] [-skip opt] [-report] A.safetensors B.safetensors
package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/toongan/toongan/pkg/safetensors"
)

func main() {
	rtol := flag.Float64("rtol", 1e-5, "relative tolerance")
	atol := flag.Float64("atol", 1e-7, "absolute tolerance for values near 0")
	skip := flag.String("skip", "", "leave out tensors whose name starts with this `PREFIX` (e.g. opt: the optimiser's state)")
	report := flag.Bool("report", false, "print the largest difference and exit 0 whatever it is")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: ckptcmp [-rtol R] [-atol A] A.safetensors B.safetensors")
		os.Exit(2)
	}
	if err := compare(flag.Arg(0), flag.Arg(1), *rtol, *atol, *skip); err != nil && (!*report || !errors.Is(err, errDiffer)) {
		fmt.Fprintln(os.Stderr, "ckptcmp:", err)
		os.Exit(1)
	}
}

var errDiffer = errors.New("differ")

func compare(pa, pb string, rtol, atol float64, skip string) error {
	a, err := safetensors.Load(pa)
	if err != nil {
		return err
	}
	b, err := safetensors.Load(pb)
	if err != nil {
		return err
	}
	if len(a.Tensors) != len(b.Tensors) {
		return fmt.Errorf("%q has %d tensors, %q %d", pa, len(a.Tensors), pb, len(b.Tensors))
	}
	// Values under atol/rtol in size count as that size; with rtol 0 any
	// difference counts.
	floor := 0.0
	if rtol > 0 {
		floor = atol / rtol
	}
	worst, where, n := 0.0, "", 0
	for _, ta := range a.Tensors {
		if skip != "" && strings.HasPrefix(ta.Name, skip) {
			continue
		}
		tb, ok := b.Get(ta.Name)
		if !ok || len(tb.Data) != len(ta.Data) {
			return fmt.Errorf("%q: tensor %s missing or of another size", pb, ta.Name)
		}
		for i, va := range ta.Data {
			x, y := float64(va), float64(tb.Data[i])
			d := math.Abs(x - y)
			rel := 0.0
			if d != 0 {
				rel = d / max(math.Abs(x), math.Abs(y), floor)
			}
			if math.IsNaN(d) {
				rel = math.Inf(1)
			}
			if rel > worst {
				worst, where = rel, fmt.Sprintf("%s[%d]: %g vs %g", ta.Name, i, x, y)
			}
			n++
		}
	}
	fmt.Printf("ckptcmp: %d values, largest relative difference %.3g (%s)\n", n, worst, where)
	if worst > rtol {
		return fmt.Errorf("%q and %q: %w by more than %g", pa, pb, errDiffer, rtol)
	}
	return nil
}
