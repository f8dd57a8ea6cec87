package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BCEWithLogits returns the scalar mean over all elements of the binary
// cross-entropy between sigmoid(logits) and the constant target t (1 for
// "real", 0 for "fake"), computed stably as
// max(x, 0) - x*t + log(1 + exp(-|x|)). Its gradient is
// (sigmoid(x) - t)/n.
func BCEWithLogits(logits *gorgonia.Node, target float32) (*gorgonia.Node, error) {
	return apply(&bceFwd{target: target}, logits)
}

// BCEWithLogitsT is BCEWithLogits with a per-element target node of the
// same shape as logits (for example smoothed or noisy labels). No gradient
// flows to the target.
func BCEWithLogitsT(logits, target *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&bceFwd{withNode: true}, logits, target)
}

// bceFwd: inputs logits [, target].
type bceFwd struct {
	target   float32
	withNode bool
}

func (b *bceFwd) name() string {
	if b.withNode {
		return "BCEWithLogits"
	}
	return fmt.Sprintf("BCEWithLogits(%g)", b.target)
}

func (b *bceFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	want := 1
	if b.withNode {
		want = 2
	}
	if len(in) != want {
		return nil, fmt.Errorf("got %d inputs, want %d", len(in), want)
	}
	if b.withNode && !in[0].Eq(in[1]) {
		return nil, fmt.Errorf("target shape %v differs from logits shape %v", in[1], in[0])
	}
	if in[0].TotalSize() < 1 {
		return nil, fmt.Errorf("empty logits %v", in[0])
	}
	return tensor.ScalarShape(), nil
}

func (b *bceFwd) targetAt(in [][]float32, i int) float64 {
	if b.withNode {
		return float64(in[1][i])
	}
	return float64(b.target)
}

func (b *bceFwd) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	var sum float64
	for i, v := range in[0] {
		x := float64(v)
		sum += max(x, 0) - x*b.targetAt(in, i) + math.Log1p(math.Exp(-math.Abs(x)))
	}
	out[0] = float32(sum / float64(len(in[0])))
	return nil
}

func (b *bceFwd) diffWRT() []bool {
	if b.withNode {
		return []bool{true, false}
	}
	return []bool{true}
}

func (b *bceFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := append(gorgonia.Nodes{}, in...)
	args = append(args, grad)
	dx, err := apply(&bceGrad{fwd: *b}, args...)
	if err != nil {
		return nil, err
	}
	if b.withNode {
		return gorgonia.Nodes{dx, nil}, nil
	}
	return gorgonia.Nodes{dx}, nil
}

// bceGrad: inputs logits [, target], dLoss (scalar).
type bceGrad struct {
	noDiff
	fwd bceFwd
}

func (b *bceGrad) name() string { return b.fwd.name() + "Grad" }

func (b *bceGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("got %d inputs, want at least 2", len(in))
	}
	return in[0].Clone(), nil
}

func (b *bceGrad) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	g := in[len(in)-1]
	if len(g) != 1 {
		return fmt.Errorf("loss gradient has %d values, want 1", len(g))
	}
	scale := float64(g[0]) / float64(len(in[0]))
	for i, v := range in[0] {
		out[i] = float32((sigmoid(float64(v)) - b.fwd.targetAt(in, i)) * scale)
	}
	return nil
}

// sigmoid is 1/(1+exp(-x)) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
