package gan

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/safetensors"
)

type torchFixture struct {
	Size        int     `json:"size"`
	Kernel      int     `json:"kernel"`
	NZ          int     `json:"nz"`
	NF          int     `json:"nf"`
	Batch       int     `json:"batch"`
	LabelSmooth float64 `json:"label_smooth"`
	Init        map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float32 `json:"data"`
	} `json:"init"`
	Z       []float32            `json:"z"`
	Real    []float32            `json:"real"`
	Grads   map[string][]float32 `json:"grads"`
	Running map[string][]float32 `json:"running_after"`
	Stats   struct {
		LossD float64 `json:"loss_d"`
		LossG float64 `json:"loss_g"`
		DReal float64 `json:"d_real"`
		DFake float64 `json:"d_fake"`
	} `json:"stats"`
}

// TestTorchStep replays one training step of pytorch/examples' DCGAN
// (fixtures written by testdata/torch_step.py from the same initial weights,
// latents and real batch) and compares the D and G gradients, the losses and
// D scores, and the BatchNorm running statistics after the step.
func TestTorchStep(t *testing.T) {
	files, _ := filepath.Glob("testdata/torch_step_*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var fx torchFixture
			if err := json.Unmarshal(b, &fx); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			cfg := Config{Arch: "dcgan", Size: fx.Size, Channels: 3, NZ: fx.NZ, NGF: fx.NF, NDF: fx.NF,
				Kernel: fx.Kernel, Batch: fx.Batch, LR: 2e-4, Beta1: 0.5, Beta2: 0.999, DSteps: 1,
				LabelSmooth: fx.LabelSmooth, EMADecay: 0.999, Seed: 1}
			m := mustNew(t, cfg)
			var ts []safetensors.Tensor
			for name, v := range fx.Init {
				ts = append(ts, safetensors.Tensor{Name: name, Shape: v.Shape, Data: v.Data})
			}
			if err := m.SetState(ts); err != nil {
				t.Fatal(err)
			}
			m.latents = func(dst []float32, n int) {
				for b := 0; b < n; b++ {
					for c := 0; c < cfg.NZ; c++ {
						dst[c*n+b] = fx.Z[b*cfg.NZ+c]
					}
				}
			}
			st, err := m.Step(fx.Real)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"LossD", st.LossD, fx.Stats.LossD}, {"LossG", st.LossG, fx.Stats.LossG},
				{"DReal", st.DReal, fx.Stats.DReal}, {"DFake", st.DFake, fx.Stats.DFake}} {
				if math.Abs(c.got-c.want) > 1e-4 {
					t.Errorf("%s = %.6f, PyTorch %.6f", c.name, c.got, c.want)
				}
			}
			grads := map[string][]float32{}
			for _, p := range m.train.d.params {
				grads["D."+p.name] = p.grad
			}
			for _, p := range m.train.g.params {
				grads["G."+p.name] = p.grad
			}
			if len(grads) != len(fx.Grads) {
				t.Errorf("%d gradients, PyTorch has %d", len(grads), len(fx.Grads))
			}
			for name, want := range fx.Grads {
				got, ok := grads[name]
				if !ok {
					t.Errorf("no gradient for %s", name)
					continue
				}
				compareRel(t, "gradient of "+name, got, want, 2e-3)
			}
			state := stateMap(m.State())
			for name, want := range fx.Running {
				compareRel(t, name, state[name], want, 1e-4)
				if strings.HasPrefix(name, "G.") {
					compareRel(t, "EMA"+name[1:], state["EMA"+name[1:]], want, 1e-4)
				}
			}
		})
	}
}

// compareRel fails when some |got-want| exceeds tol times the largest
// |want| (plus a tiny absolute floor).
func compareRel(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, PyTorch %d", what, len(got), len(want))
		return
	}
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	if d := maxDiff(got, want); d > tol*scale+1e-9 {
		t.Errorf("%s: differs from PyTorch by %g (scale %g)", what, d, scale)
	}
}
