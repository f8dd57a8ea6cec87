package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pairGrad is embedded by the backward kernels of the ops whose two
// differentiable inputs are a tensor x and a table of embeddings (the label
// ops): one kernel type computes either gradient, x's or, with table set,
// the table's. Its inputs are x, table and the output's gradient.
type pairGrad struct {
	noDiff
	op, x string // names: the op's, and x's role ("Latent", "Features")
	table bool
}

func (p *pairGrad) name() string {
	if p.table {
		return p.op + "GradTable"
	}
	return p.op + "Grad" + p.x
}

func (p *pairGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	if p.table {
		return in[1].Clone(), nil
	}
	return in[0].Clone(), nil
}

// pairGrads builds both gradient nodes of such an op: mk(false) gives x's
// kernel, mk(true) the table's.
func pairGrads(mk func(table bool) kernel, in gorgonia.Nodes, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := apply(mk(false), in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	dt, err := apply(mk(true), in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dt}, nil
}
