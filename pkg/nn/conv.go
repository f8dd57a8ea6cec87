package nn

import (
	"fmt"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convState is the scratch space one convolution layer shares between its
// forward op and its gradient ops.
type convState struct {
	gen    uint64    // forward runs so far
	cols   []float32 // column matrix (see the layer's comment)
	colsOf *float32  // data pointer of the tensor cols was built from; nil if none
	colGen uint64    // value of gen when cols was built
}

// valid reports whether cols holds the column matrix of src in this run.
func (st *convState) valid(src []float32) bool {
	return st.colsOf != nil && st.colsOf == dataPtr(src) && st.colGen == st.gen
}

func (st *convState) mark(src []float32) {
	st.colsOf, st.colGen = dataPtr(src), st.gen
}

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
// The forward pass is im2col plus one GEMM; its column matrix is kept for
// the weight gradient. Gradients flow to x and w.
func Conv2d(x, w *gorgonia.Node, stride, pad int) (*gorgonia.Node, error) {
	if x == nil || w == nil {
		return nil, fmt.Errorf("nn.Conv2d: nil input")
	}
	if _, _, err := convGeom(x.Shape(), w.Shape(), stride, pad); err != nil {
		return nil, fmt.Errorf("nn.Conv2d: %w", err)
	}
	return apply(&convFwd{stride: stride, pad: pad, st: &convState{}}, x, w)
}

// Conv2dNoInputGrad is Conv2d for a layer whose input needs no gradient (the
// discriminator's first layer on real images): gorgonia would otherwise
// compute the input gradient even when nothing asks for it. Taking the
// gradient with respect to x through this op is an error.
func Conv2dNoInputGrad(x, w *gorgonia.Node, stride, pad int) (*gorgonia.Node, error) {
	if x == nil || w == nil {
		return nil, fmt.Errorf("nn.Conv2dNoInputGrad: nil input")
	}
	if _, _, err := convGeom(x.Shape(), w.Shape(), stride, pad); err != nil {
		return nil, fmt.Errorf("nn.Conv2dNoInputGrad: %w", err)
	}
	return apply(&convFwd{stride: stride, pad: pad, noGradX: true, st: &convState{}}, x, w)
}

// convFwd: inputs x, w. st.cols is im2col(x), kept for convDW.
type convFwd struct {
	stride, pad int
	noGradX     bool
	st          *convState
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
	st := c.st
	st.gen++
	st.cols = grow(st.cols, g.rows()*g.cols())
	im2col(st.cols, in[0], g)
	st.mark(in[0])
	kernels.Sgemm(false, false, cout, g.cols(), g.rows(), 1, in[1], g.rows(), st.cols, g.cols(), 0, out, g.cols())
	return nil
}

func (c *convFwd) diffWRT() []bool { return []bool{!c.noGradX, true} }

func (c *convFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, _, err := convGeom(in[0].Shape(), in[1].Shape(), c.stride, c.pad)
	if err != nil {
		return nil, err
	}
	var dx *gorgonia.Node
	if !c.noGradX {
		if dx, err = apply(&convDX{g: g}, in[1], grad); err != nil {
			return nil, err
		}
	}
	dw, err := apply(&convDW{g: g, st: c.st}, in[0], grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw}, nil
}

// convDX: inputs w, dOut; output dX = col2im(wᵀ × dOut).
type convDX struct {
	noDiff
	g     geom
	dcols []float32
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
	c.dcols = grow(c.dcols, g.rows()*g.cols())
	kernels.Sgemm(true, false, g.rows(), g.cols(), cout, 1, in[0], g.rows(), in[1], g.cols(), 0, c.dcols, g.cols())
	col2im(out, c.dcols, g)
	return nil
}

// convDW: inputs x, dOut, out (the forward output, only to order this op
// after the forward); output dW = dOut × im2col(x)ᵀ.
type convDW struct {
	noDiff
	g  geom
	st *convState
}

func (c *convDW) name() string { return "Conv2dGradW" }

func (c *convDW) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	return tensor.Shape{in[1][0], c.g.c, c.g.k, c.g.k}, nil
}

func (c *convDW) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	g, st := c.g, c.st
	if !st.valid(in[0]) {
		st.cols = grow(st.cols, g.rows()*g.cols())
		im2col(st.cols, in[0], g)
		st.mark(in[0])
	}
	cout := s[1][0]
	kernels.Sgemm(false, true, cout, g.rows(), g.cols(), 1, in[1], g.cols(), st.cols, g.cols(), 0, out, g.rows())
	return nil
}
