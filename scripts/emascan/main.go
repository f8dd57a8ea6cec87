// Command emascan replays the generator's moving average (EMA) with other
// decays from a run's step checkpoints, so that one training run answers
// "which EMA decay gives the best samples at this budget" (issue 10).
//
// Train with frequent checkpoints over the stretch the average remembers
// (--save-every 20 --keep 0 over the last few thousand steps), then:
//
//	go run ./scripts/emascan -out runs/scan -decays 0.99,0.995,0.998,0.999 runs/x/ckpt/step-*.safetensors
//
// For each decay d it starts from the first checkpoint's raw generator and
// folds in each later one with weight 1 - (the product of the k steps'
// decays), k being the steps between the two, so a checkpoint every k
// steps stands for k equal steps. A step t's decay is train's,
// gan.EMAStepDecay (with the warm-up that lets the average follow G early
// on). It writes OUT/ema-D/ckpt/: the last checkpoint with its EMA weights replaced. The
// EMA generator's BatchNorm statistics are measured again when the file is
// loaded (standing statistics), so eval and sample score it as train would
// have saved it. The replay is an approximation of the true per-step
// average: it sees one generator in k.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
)

func main() {
	out := flag.String("out", "", "output `DIR`: one ema-D/ckpt folder per decay")
	decays := flag.String("decays", "0.99,0.995,0.998,0.999", "comma-separated `LIST` of decays in (0, 1)")
	flag.Parse()
	if *out == "" || flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: emascan -out DIR [-decays LIST] STEP.safetensors STEP.safetensors ...")
		os.Exit(2)
	}
	if err := scan(*out, *decays, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "emascan:", err)
		os.Exit(1)
	}
}

type snap struct {
	path string
	step int
}

// averaged reports whether a generator tensor is a weight the EMA averages
// (BatchNorm's running statistics are not).
func averaged(name string) bool {
	return strings.HasPrefix(name, "G.") && !strings.Contains(name, "running_") && !strings.Contains(name, "num_batches")
}

func scan(out, decayList string, paths []string) error {
	var ds []float64
	for _, f := range strings.Split(decayList, ",") {
		d, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(d > 0 && d < 1) {
			return fmt.Errorf("-decays: %q is not a number in (0, 1)", f)
		}
		ds = append(ds, d)
	}
	snaps := make([]snap, 0, len(paths))
	for _, p := range paths {
		meta, err := checkpoint.ReadMeta(p)
		if err != nil {
			return err
		}
		snaps = append(snaps, snap{p, meta.Step})
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].step < snaps[j].step })
	emas, err := replay(snaps, ds)
	if err != nil {
		return err
	}
	last := snaps[len(snaps)-1]
	fmt.Printf("replayed %d checkpoints, steps %d..%d\n", len(snaps), snaps[0].step, last.step)
	return write(out, last.path, ds, emas)
}

// replay returns, for each decay, the averaged generator tensors after the
// last of snaps (sorted by step).
func replay(snaps []snap, ds []float64) ([]map[string][]float32, error) {
	emas := make([]map[string][]float32, len(ds))
	prev := 0
	for i, s := range snaps {
		ts, err := safetensors.Load(s.path)
		if err != nil {
			return nil, err
		}
		for di, d := range ds {
			if i == 0 { // every average starts at the first raw generator
				emas[di] = map[string][]float32{}
				for _, t := range ts.Tensors {
					if averaged(t.Name) {
						emas[di][t.Name] = append([]float32(nil), t.Data...)
					}
				}
				continue
			}
			keep := 1.0
			for t := prev + 1; t <= s.step; t++ {
				keep *= gan.EMAStepDecay(d, t)
			}
			w := float32(1 - keep)
			for _, t := range ts.Tensors {
				if e, ok := emas[di][t.Name]; ok {
					for k, v := range t.Data {
						e[k] += w * (v - e[k])
					}
				}
			}
		}
		prev = s.step
	}
	return emas, nil
}

// write saves the checkpoint at path once per decay, with that decay's
// average as its EMA weights, under out/ema-D/ckpt. One model takes each
// average in turn: SetState replaces every averaged EMA tensor, and Save
// measures the standing statistics of the average it holds.
func write(out, path string, ds []float64, emas []map[string][]float32) error {
	m, meta, err := checkpoint.Load(path)
	if err != nil {
		return err
	}
	defer m.Close()
	for di, d := range ds {
		var set []safetensors.Tensor
		for _, t := range m.State() {
			if e, ok := emas[di][t.Name]; ok {
				set = append(set, safetensors.Tensor{Name: "EMA." + strings.TrimPrefix(t.Name, "G."), Shape: t.Shape, Data: e})
			}
		}
		if err := m.SetState(set); err != nil {
			return fmt.Errorf("decay %g: %w", d, err)
		}
		dir := filepath.Join(out, "ema-"+strconv.FormatFloat(d, 'f', -1, 64), "ckpt")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		p, err := checkpoint.Save(dir, meta.Step, 0, m, meta)
		if err != nil {
			return fmt.Errorf("decay %g: %w", d, err)
		}
		fmt.Println("wrote", p)
	}
	return nil
}
