package nn

import (
	"fmt"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom checks the shapes of a Conv2d (x [Cin, B, H, W], w [Cout, Cin,
// k, k]) and returns its im2col geometry and Cout.
func convGeom(xs, ws tensor.Shape, stride, pad int) (geom, int, error) {
	if len(xs) != 4 {
		return geom{}, 0, fmt.Errorf("input shape %v: want 4-D [C, B, H, W]", xs)
	}
	if len(ws) != 4 || ws[2] != ws[3] {
		return geom{}, 0, fmt.Errorf("weight shape %v: want [Cout, Cin, k, k]", ws)
	}
	if ws[1] != xs[0] {
		return geom{}, 0, fmt.Errorf("weight shape %v expects %d input channels, input %v has %d", ws, ws[1], xs, xs[0])
	}
	k := ws[2]
	if stride < 1 || pad < 0 || k < 1 {
		return geom{}, 0, fmt.Errorf("bad kernel %d, stride %d, pad %d", k, stride, pad)
	}
	g := geom{c: xs[0], b: xs[1], h: xs[2], w: xs[3], k: k, s: stride, p: pad}
	g.oh = (g.h+2*pad-k)/stride + 1
	g.ow = (g.w+2*pad-k)/stride + 1
	if g.h+2*pad < k || g.w+2*pad < k || g.oh < 1 || g.ow < 1 {
		return geom{}, 0, fmt.Errorf("input %dx%d with pad %d is smaller than kernel %d", g.h, g.w, pad, k)
	}
	return g, ws[0], nil
}

// Conv2d returns the 2-D convolution of x ([Cin, B, H, W], CBHW) with the
// weight w ([Cout, Cin, k, k], PyTorch's Conv2d layout), without bias:
// out[co, b, y, x] = sum over ci, i, j of w[co, ci, i, j] *
// x[ci, b, y*stride-pad+i, x*stride-pad+j] (zero outside), of shape
// [Cout, B, (H+2*pad-k)/stride+1, (W+2*pad-k)/stride+1].
//
// The forward pass is one GEMM whose column-matrix operand is gathered from
// x while packing (colspack.go); so is the weight gradient's. Gradients
// flow to x and w. An optional Split sets how the weight gradient sums
// over the batch (split.go).
func Conv2d(x, w *gorgonia.Node, stride, pad int, split ...Split) (*gorgonia.Node, error) {
	if x == nil || w == nil {
		return nil, fmt.Errorf("nn.Conv2d: nil input")
	}
	if _, _, err := convGeom(x.Shape(), w.Shape(), stride, pad); err != nil {
		return nil, fmt.Errorf("nn.Conv2d: %w", err)
	}
	return apply(&convFwd{stride: stride, pad: pad, split: first(split)}, x, w)
}

// convFwd: inputs x, w.
type convFwd struct {
	stride, pad int
	split       Split // of the weight gradient's sum over the batch
}

func (c *convFwd) name() string {
	return fmt.Sprintf("Conv2d(s%d,p%d)", c.stride, c.pad)
}

func (c *convFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	g, cout, err := convGeom(in[0], in[1], c.stride, c.pad)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{cout, g.b, g.oh, g.ow}, nil
}

func (c *convFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	g, cout, err := convGeom(s[0], s[1], c.stride, c.pad)
	if err != nil {
		return err
	}
	cp := newColsPacker(in[0], g, false)
	defer cp.release()
	kernels.SgemmPacked(false, cout, g.cols(), g.rows(), 1, in[1], g.rows(), cp, 0, out, g.cols())
	return nil
}

func (c *convFwd) diffWRT() []bool { return []bool{true, true} }

func (c *convFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, _, err := convGeom(in[0].Shape(), in[1].Shape(), c.stride, c.pad)
	if err != nil {
		return nil, err
	}
	dx, err := apply(&convDX{g: g}, in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&convDW{g: g, split: c.split}, in[0], grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw}, nil
}

// convDX: inputs w, dOut; output dX = col2im(wᵀ × dOut) (gemmCol2im).
type convDX struct {
	noDiff
	g geom
}

func (c *convDX) name() string { return "Conv2dGradX" }

func (c *convDX) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	return tensor.Shape{c.g.c, c.g.b, c.g.h, c.g.w}, nil
}

func (c *convDX) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	g := c.g
	cout := s[0][0]
	gemmCol2im(out, in[0], in[1], g, cout)
	return nil
}

// convDW: inputs x, dOut, out (the forward output, only to order this op
// after the forward); output dW = dOut × im2col(x)ᵀ, summed over the
// batch as split says.
type convDW struct {
	noDiff
	partSums
	g     geom
	split Split
}

func (c *convDW) name() string { return "Conv2dGradW" }

func (c *convDW) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	return tensor.Shape{in[1][0], c.g.c, c.g.k, c.g.k}, nil
}

func (c *convDW) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	return weightGrad(out, s[1][0], in[1], in[0], c.g, c.split, &c.partSums)
}
