package nn

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"gorgonia.org/gorgonia"
)

// fixture tensors are stored in PyTorch's layouts; see
// testdata/gen_fixtures.py.
type fxTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

type fxCase struct {
	Name    string              `json:"name"`
	Op      string              `json:"op"`
	Stride  int                 `json:"stride"`
	Pad     int                 `json:"pad"`
	OutPad  int                 `json:"outPad"`
	Target  float32             `json:"target"`
	Tensors map[string]fxTensor `json:"tensors"`
}

func loadFixtures(t *testing.T) []fxCase {
	t.Helper()
	path := filepath.Join("testdata", "fixtures.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var f struct {
		Cases []fxCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return f.Cases
}

// internal converts a PyTorch-layout activation (NCHW or [B, C]) to CBHW
// (or [C, B]) and returns its internal shape.
func (x fxTensor) internal(t *testing.T) ([]int, []float32) {
	t.Helper()
	s := x.Shape
	out := make([]float32, len(x.Data))
	switch len(s) {
	case 4:
		if err := NCHWToCBHW(out, x.Data, s[0], s[1], s[2], s[3]); err != nil {
			t.Fatal(err)
		}
		return []int{s[1], s[0], s[2], s[3]}, out
	case 2:
		if err := NCHWToCBHW(out, x.Data, s[0], s[1], 1, 1); err != nil {
			t.Fatal(err)
		}
		return []int{s[1], s[0]}, out
	}
	return s, append(out[:0], x.Data...)
}

func TestPyTorchFixtures(t *testing.T) {
	const atol, rtol = 2e-5, 2e-4
	for _, c := range loadFixtures(t) {
		t.Run(c.Name, func(t *testing.T) {
			tn := func(name string) fxTensor {
				v, ok := c.Tensors[name]
				if !ok {
					t.Fatalf("fixture %s lacks tensor %q", c.Name, name)
				}
				return v
			}
			act := func(name string) []float32 { _, d := tn(name).internal(t); return d }
			switch c.Op {
			case "conv", "convT":
				xs, x := tn("x").internal(t)
				w := tn("w")
				_, r := tn("r").internal(t)
				h := newHarness(t, []arg{{xs, x, true}, {w.Shape, w.Data, true}}, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
					if c.Op == "conv" {
						return Conv2d(in[0], in[1], c.Stride, c.Pad)
					}
					return ConvTranspose2d(in[0], in[1], c.Stride, c.Pad, c.OutPad)
				})
				out, grads := h.run()
				closeTo(t, "out", out, act("out"), atol, rtol)
				closeTo(t, "dx", grads[0], act("dx"), atol, rtol)
				closeTo(t, "dw", grads[1], tn("dw").Data, atol, rtol)
			case "bn":
				xs, x := tn("x").internal(t)
				gamma, beta := tn("gamma").Data, tn("beta").Data
				_, r := tn("r").internal(t)
				st := &BNState{Mean: append([]float32(nil), tn("rm0").Data...), Var: append([]float32(nil), tn("rv0").Data...)}
				args := []arg{{xs, x, true}, {[]int{len(gamma)}, gamma, true}, {[]int{len(beta)}, beta, true}}
				for _, training := range []bool{true, false} {
					h := newHarness(t, args, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
						return BatchNorm(in[0], in[1], in[2], st, training)
					})
					out, grads := h.run()
					sfx := ""
					if !training {
						sfx = "Eval"
					}
					closeTo(t, "out"+sfx, out, act("out"+sfx), atol, rtol)
					closeTo(t, "dx"+sfx, grads[0], act("dx"+sfx), atol, rtol)
					closeTo(t, "dgamma"+sfx, grads[1], tn("dgamma"+sfx).Data, atol, rtol)
					closeTo(t, "dbeta"+sfx, grads[2], tn("dbeta"+sfx).Data, atol, rtol)
					if training {
						closeTo(t, "running mean", st.Mean, tn("rm").Data, 1e-6, 1e-5)
						closeTo(t, "running var", st.Var, tn("rv").Data, 1e-6, 1e-5)
					}
				}
			case "leaky":
				xs, x := tn("x").internal(t)
				_, r := tn("r").internal(t)
				h := newHarness(t, []arg{{xs, x, true}}, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
					return LeakyReLU(in[0], 0.2)
				})
				out, grads := h.run()
				closeTo(t, "out", out, act("out"), atol, rtol)
				closeTo(t, "dx", grads[0], act("dx"), atol, rtol)
			case "bce", "bceNode":
				x := tn("x")
				args := []arg{{x.Shape, x.Data, true}}
				if c.Op == "bceNode" {
					tg := tn("target")
					args = append(args, arg{tg.Shape, tg.Data, false})
				}
				h := newHarness(t, args, nil, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
					if c.Op == "bceNode" {
						return BCEWithLogitsT(in[0], in[1])
					}
					return BCEWithLogits(in[0], c.Target)
				})
				out, grads := h.run()
				closeTo(t, "loss", out, tn("loss").Data, atol, rtol)
				closeTo(t, "dx", grads[0], tn("dx").Data, 1e-7, rtol)
			default:
				t.Fatalf("unknown fixture op %q", c.Op)
			}
		})
	}
}
