package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mbstdEps is added to the variance before the square root (ProGAN: 1e-8).
const mbstdEps = 1e-8

// MinibatchStdGroup is the largest group of images whose spread one
// minibatch standard-deviation feature summarises (ProGAN's group size).
const MinibatchStdGroup = 4

// MinibatchStd appends one feature map to x (CBHW [C, B, H, W]): for each
// group of images (MinibatchStdGroup consecutive images, or fewer when B is
// not a multiple of it), the standard deviation over the group of every
// feature, averaged over features and positions (Karras et al. 2018). A
// discriminator that sees it can tell a batch of near-identical samples from
// a varied one, which discourages mode collapse. Output [C+1, B, H, W];
// gradients flow to x.
func MinibatchStd(x *gorgonia.Node) (*gorgonia.Node, error) {
	return apply(&mbstdFwd{saved: &mbstdSaved{}}, x)
}

// mbstdGroup returns the group size for a batch of b images.
func mbstdGroup(b int) int {
	for g := min(MinibatchStdGroup, b); g > 1; g-- {
		if b%g == 0 {
			return g
		}
	}
	return 1
}

type mbstdSaved struct {
	sd []float32 // per group and feature: the standard deviation
}

type mbstdFwd struct {
	saved *mbstdSaved
}

func (k *mbstdFwd) name() string { return "MinibatchStd" }

func (k *mbstdFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("got %d inputs, want 1", len(in))
	}
	s := in[0]
	if len(s) != 4 || s.TotalSize() == 0 {
		return nil, fmt.Errorf("input shape %v: want non-empty [C, B, H, W]", s)
	}
	return tensor.Shape{s[0] + 1, s[1], s[2], s[3]}, nil
}

func (k *mbstdFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	x := in[0]
	C, B, H, W := s[0][0], s[0][1], s[0][2], s[0][3]
	hw := H * W
	copy(out, x)
	g := mbstdGroup(B)
	groups := B / g
	sv := k.saved
	sv.sd = resize(sv.sd, groups*C*hw)
	extra := out[C*B*hw:]
	for gi := 0; gi < groups; gi++ {
		var total float64
		for c := 0; c < C; c++ {
			for p := 0; p < hw; p++ {
				m := groupMean(x, c, B, gi, g, hw, p)
				var v float64
				for j := 0; j < g; j++ {
					d := float64(x[(c*B+gi*g+j)*hw+p]) - m
					v += d * d
				}
				sd := math.Sqrt(v/float64(g) + mbstdEps)
				sv.sd[(gi*C+c)*hw+p] = float32(sd)
				total += sd
			}
		}
		f := float32(total / float64(C*hw))
		for j := 0; j < g; j++ {
			b := gi*g + j
			for p := 0; p < hw; p++ {
				extra[b*hw+p] = f
			}
		}
	}
	return nil
}

func (k *mbstdFwd) diffWRT() []bool { return []bool{true} }

func (k *mbstdFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := apply(&mbstdGrad{saved: k.saved}, in[0], grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// mbstdGrad: inputs x, dOut, out.
type mbstdGrad struct {
	noDiff
	saved *mbstdSaved
}

func (k *mbstdGrad) name() string { return "MinibatchStdGrad" }

func (k *mbstdGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("got %d inputs, want 3", len(in))
	}
	return in[0].Clone(), nil
}

// forward: dx = dOut[:C] + dF/dx, where F (one per group) is the mean over
// features of sd = sqrt(var + eps) and dsd/dx_j = (x_j - mean)/(g*sd).
func (k *mbstdGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	x, dy := in[0], in[1]
	C, B, H, W := s[0][0], s[0][1], s[0][2], s[0][3]
	hw := H * W
	g := mbstdGroup(B)
	groups := B / g
	sv := k.saved
	if len(sv.sd) != groups*C*hw {
		return fmt.Errorf("gradient run before the forward pass")
	}
	copy(out, dy[:C*B*hw])
	dExtra := dy[C*B*hw:]
	for gi := 0; gi < groups; gi++ {
		var gf float64 // dL/dF of this group
		for j := 0; j < g; j++ {
			b := gi*g + j
			for p := 0; p < hw; p++ {
				gf += float64(dExtra[b*hw+p])
			}
		}
		gf /= float64(C * hw)
		for c := 0; c < C; c++ {
			for p := 0; p < hw; p++ {
				m := groupMean(x, c, B, gi, g, hw, p)
				f := gf / (float64(g) * float64(sv.sd[(gi*C+c)*hw+p]))
				for j := 0; j < g; j++ {
					i := (c*B+gi*g+j)*hw + p
					out[i] += float32(f * (float64(x[i]) - m))
				}
			}
		}
	}
	return nil
}

// groupMean is the mean over group gi (of g images) of channel c's pixel p,
// for a CBHW batch x of B images of hw pixels.
func groupMean(x []float32, c, B, gi, g, hw, p int) float64 {
	var m float64
	for j := 0; j < g; j++ {
		m += float64(x[(c*B+gi*g+j)*hw+p])
	}
	return m / float64(g)
}
