package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// HingeLoss returns the scalar mean over all elements of max(0, 1 - t*x),
// the discriminator's hinge loss (Lim and Ye 2017; SNGAN, BigGAN) with a
// per-element sign t: +1 for real images, -1 for generated ones. Its
// gradient is -t/n where 1 - t*x > 0 and 0 elsewhere; none flows to t.
func HingeLoss(logits, sign *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&hingeFwd{}, logits, sign)
}

// NegMean returns -mean(x), the generator's hinge loss -E[D(G(z))]. Its
// gradient is -1/n for every element.
func NegMean(x *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&hingeFwd{negMean: true}, x)
}

// hingeFwd: inputs logits [, sign].
type hingeFwd struct {
	negMean bool
}

func (k *hingeFwd) name() string {
	if k.negMean {
		return "NegMean"
	}
	return "HingeLoss"
}

func (k *hingeFwd) arity() int {
	if k.negMean {
		return 1
	}
	return 2
}

func (k *hingeFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != k.arity() {
		return nil, fmt.Errorf("got %d inputs, want %d", len(in), k.arity())
	}
	if !k.negMean && !in[0].Eq(in[1]) {
		return nil, fmt.Errorf("sign shape %v differs from logits shape %v", in[1], in[0])
	}
	if in[0].TotalSize() < 1 {
		return nil, fmt.Errorf("empty input %v", in[0])
	}
	return tensor.ScalarShape(), nil
}

func (k *hingeFwd) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	var sum float64
	for i, v := range in[0] {
		if k.negMean {
			sum -= float64(v)
			continue
		}
		sum += max(0, 1-float64(in[1][i])*float64(v))
	}
	out[0] = float32(sum / float64(len(in[0])))
	return nil
}

func (k *hingeFwd) diffWRT() []bool {
	if k.negMean {
		return []bool{true}
	}
	return []bool{true, false}
}

func (k *hingeFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := append(append(gorgonia.Nodes{}, in...), grad)
	dx, err := apply(&hingeGrad{fwd: *k}, args...)
	if err != nil {
		return nil, err
	}
	if k.negMean {
		return gorgonia.Nodes{dx}, nil
	}
	return gorgonia.Nodes{dx, nil}, nil
}

// hingeGrad: inputs logits [, sign], dLoss (scalar).
type hingeGrad struct {
	noDiff
	fwd hingeFwd
}

func (k *hingeGrad) name() string { return k.fwd.name() + "Grad" }

func (k *hingeGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != k.fwd.arity()+1 {
		return nil, fmt.Errorf("got %d inputs, want %d", len(in), k.fwd.arity()+1)
	}
	return in[0].Clone(), nil
}

func (k *hingeGrad) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	g := in[len(in)-1]
	if len(g) != 1 {
		return fmt.Errorf("loss gradient has %d values, want 1", len(g))
	}
	scale := g[0] / float32(len(in[0]))
	for i, v := range in[0] {
		switch {
		case k.fwd.negMean:
			out[i] = -scale
		case 1-in[1][i]*v > 0:
			out[i] = -in[1][i] * scale
		default:
			out[i] = 0
		}
	}
	return nil
}
