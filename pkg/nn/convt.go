package nn

import (
	"fmt"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convTGeom checks the shapes of a ConvTranspose2d (x [Cin, B, IH, IW], w
// [Cin, Cout, k, k]) and returns the geometry that maps the output image
// onto the input grid.
func convTGeom(xs, ws tensor.Shape, stride, pad, outPad int) (geom, error) {
	if len(xs) != 4 {
		return geom{}, fmt.Errorf("input shape %v: want 4-D [C, B, H, W]", xs)
	}
	if len(ws) != 4 || ws[2] != ws[3] {
		return geom{}, fmt.Errorf("weight shape %v: want [Cin, Cout, k, k]", ws)
	}
	if ws[0] != xs[0] {
		return geom{}, fmt.Errorf("weight shape %v expects %d input channels, input %v has %d", ws, ws[0], xs, xs[0])
	}
	k := ws[2]
	if stride < 1 || pad < 0 || k < 1 || outPad < 0 || outPad >= stride {
		return geom{}, fmt.Errorf("bad kernel %d, stride %d, pad %d, outPad %d (want 0 <= outPad < stride)", k, stride, pad, outPad)
	}
	g := geom{c: ws[1], b: xs[1], oh: xs[2], ow: xs[3], k: k, s: stride, p: pad}
	g.h = (g.oh-1)*stride - 2*pad + k + outPad
	g.w = (g.ow-1)*stride - 2*pad + k + outPad
	if g.h < 1 || g.w < 1 {
		return geom{}, fmt.Errorf("input %dx%d gives an empty output with kernel %d, stride %d, pad %d", g.oh, g.ow, k, stride, pad)
	}
	return g, nil
}

// ConvTranspose2d returns the transposed convolution of x ([Cin, B, IH, IW],
// CBHW) with w ([Cin, Cout, k, k], PyTorch's ConvTranspose2d layout), without
// bias: every input pixel (ih, iw) adds w[ci, co, :, :]*x[ci, b, ih, iw] to the
// output window starting at (ih*stride-pad, iw*stride-pad). The output is
// [Cout, B, OH, OW] with OH = (IH-1)*stride - 2*pad + k + outPad (likewise
// OW), exactly PyTorch's ConvTranspose2d(..., output_padding=outPad), and
// the gradient of Conv2d(·, w, stride, pad) with respect to its input.
//
// outPad (0 <= outPad < stride) only adds rows and columns at the bottom and
// right so that a strided layer can exactly double the size: k4 s2 p1 and
// k5 s2 p2 outPad 1 (TensorFlow's "SAME" transposed convolution) both map
// H to 2H; k4 s1 p0 maps 1x1 to 4x4.
//
// Forward: col2im(wᵀ × x), a few batch items at a time (gemmCol2im). Gradients flow to x and w:
// dX = w × im2col(dOut), dW = x × im2col(dOut)ᵀ, the column matrix gathered
// from dOut while packing (colspack.go). An optional Split sets how the
// weight gradient sums over the batch (split.go).
func ConvTranspose2d(x, w *gorgonia.Node, stride, pad, outPad int, split ...Split) (*gorgonia.Node, error) {
	if x == nil || w == nil {
		return nil, fmt.Errorf("nn.ConvTranspose2d: nil input")
	}
	if _, err := convTGeom(x.Shape(), w.Shape(), stride, pad, outPad); err != nil {
		return nil, fmt.Errorf("nn.ConvTranspose2d: %w", err)
	}
	return apply(&convTFwd{stride: stride, pad: pad, outPad: outPad, split: first(split)}, x, w)
}

// convTFwd: inputs x, w.
type convTFwd struct {
	stride, pad, outPad int
	split               Split // of the weight gradient's sum over the batch
}

func (c *convTFwd) name() string {
	return fmt.Sprintf("ConvTranspose2d(s%d,p%d,op%d)", c.stride, c.pad, c.outPad)
}

func (c *convTFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	g, err := convTGeom(in[0], in[1], c.stride, c.pad, c.outPad)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.c, g.b, g.h, g.w}, nil
}

func (c *convTFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	g, err := convTGeom(s[0], s[1], c.stride, c.pad, c.outPad)
	if err != nil {
		return err
	}
	gemmCol2im(out, in[1], in[0], g, s[0][0])
	return nil
}

func (c *convTFwd) diffWRT() []bool { return []bool{true, true} }

func (c *convTFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, err := convTGeom(in[0].Shape(), in[1].Shape(), c.stride, c.pad, c.outPad)
	if err != nil {
		return nil, err
	}
	dx, err := apply(&convTGrad{g: g, wrtW: false}, in[1], grad, out)
	if err != nil {
		return nil, err
	}
	dw, err := apply(&convTGrad{g: g, wrtW: true, split: c.split}, in[0], grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw}, nil
}

// convTGrad: inputs (w or x), dOut, out (the forward output, only to order
// this op after the forward). With wrtW false it returns dX = w × dcols,
// otherwise dW = x × dcolsᵀ, where dcols = im2col(dOut) is gathered while
// packing; dW sums over the batch as split says.
type convTGrad struct {
	noDiff
	partSums
	g     geom
	wrtW  bool
	split Split
}

func (c *convTGrad) name() string {
	if c.wrtW {
		return "ConvTranspose2dGradW"
	}
	return "ConvTranspose2dGradX"
}

func (c *convTGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	if c.wrtW {
		return tensor.Shape{in[0][0], c.g.c, c.g.k, c.g.k}, nil
	}
	return tensor.Shape{in[0][0], c.g.b, c.g.oh, c.g.ow}, nil
}

func (c *convTGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	g := c.g
	cin := s[0][0]
	if c.wrtW {
		return weightGrad(out, cin, in[0], in[1], g, c.split, &c.partSums)
	}
	cp := newColsPacker(in[1], g, false)
	defer cp.release()
	kernels.SgemmPacked(false, cin, g.cols(), g.rows(), 1, in[0], g.rows(), cp, 0, out, g.cols())
	return nil
}
