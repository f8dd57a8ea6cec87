package nn

import (
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// minChunk is the smallest number of elements an element-wise op hands to
// one worker.
const minChunk = 1 << 15

// ReLU returns max(x, 0) element-wise; any shape.
func ReLU(x *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&actFwd{kind: actReLU}, x)
}

// LeakyReLU returns x for x > 0 and alpha*x otherwise, element-wise (DCGAN's
// discriminator uses alpha 0.2).
func LeakyReLU(x *gorgonia.Node, alpha float32) (*gorgonia.Node, error) {
	return apply(&actFwd{kind: actLeaky, alpha: alpha}, x)
}

// Tanh returns tanh(x) element-wise.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&actFwd{kind: actTanh}, x)
}

type actKind int

const (
	actReLU actKind = iota
	actLeaky
	actTanh
)

// actFwd: input x.
type actFwd struct {
	kind  actKind
	alpha float32
}

func (a *actFwd) name() string {
	switch a.kind {
	case actReLU:
		return "ReLU"
	case actLeaky:
		return fmt.Sprintf("LeakyReLU(%g)", a.alpha)
	}
	return "Tanh"
}

func (a *actFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("got %d inputs, want 1", len(in))
	}
	return in[0].Clone(), nil
}

func (a *actFwd) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	x := in[0]
	kernels.ParallelForMin(len(x), minChunk, func(lo, hi int) {
		xs, ys := x[lo:hi], out[lo:hi]
		switch a.kind {
		case actReLU:
			for i, v := range xs {
				ys[i] = max(v, 0)
			}
		case actLeaky:
			kernels.Leaky(ys, xs, a.alpha) // vector code where the CPU has it
		case actTanh:
			for i, v := range xs {
				ys[i] = tanh32(v)
			}
		}
	})
	return nil
}

// tanh32 is tanh for float32, through exp: (1-e)/(1+e) with e = exp(-2|x|).
func tanh32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax > 9 {
		ax = 1
	} else {
		e := math.Exp(-2 * float64(ax))
		ax = float32((1 - e) / (1 + e))
	}
	if x < 0 {
		return -ax
	}
	return ax
}

func (a *actFwd) diffWRT() []bool { return []bool{true} }

func (a *actFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	src := in[0]
	if a.kind == actTanh {
		src = out // tanh' = 1 - y²
	}
	dx, err := apply(&actGrad{fwd: *a}, src, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// actGrad: inputs (x, or y for tanh), dOut.
type actGrad struct {
	noDiff
	fwd actFwd
}

func (a *actGrad) name() string { return a.fwd.name() + "Grad" }

func (a *actGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	if !in[0].Eq(in[1]) {
		return nil, fmt.Errorf("gradient shape %v differs from input shape %v", in[1], in[0])
	}
	return in[0].Clone(), nil
}

func (a *actGrad) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	src, dy := in[0], in[1]
	kernels.ParallelForMin(len(src), minChunk, func(lo, hi int) {
		xs, dys, dxs := src[lo:hi], dy[lo:hi], out[lo:hi]
		switch a.fwd.kind {
		case actReLU:
			kernels.LeakyGrad(dxs, xs, dys, 0)
		case actLeaky:
			kernels.LeakyGrad(dxs, xs, dys, a.fwd.alpha)
		case actTanh:
			for i, y := range xs {
				dxs[i] = dys[i] * (1 - y*y)
			}
		}
	})
	return nil
}
