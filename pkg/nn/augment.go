package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Augment holds the policy and the current random draws of differentiable
// augmentation (DiffAugment, Zhao et al. 2020) for one batch of CBHW images.
// The same transform is applied to real and generated images before the
// discriminator, and gradients flow through it to the generator: every
// transform is affine in the pixels once its random parameters are drawn.
//
// Per image, in this order:
//   - colour: brightness x + (r-0.5); saturation (x - mean_c x)*2r + mean_c x;
//     contrast (x - mean x)*(r+0.5) + mean x (r uniform in [0, 1));
//   - translation by whole pixels, up to 1/8 of the side each way, zero
//     padded;
//   - cutout: a square of half the side, at a random place, set to zero.
//
// Draw the parameters (Draw) before each run of a graph holding the op; its
// gradient op reuses the draws of the forward pass of the same run.
type Augment struct {
	Color, Translation, Cutout bool
	// P is the probability with which each image is augmented at all
	// (adaptive augmentation steers it); 1 augments every image.
	P float64

	n, side int
	on      []bool
	bright  []float32
	sat     []float32
	con     []float32
	tx, ty  []int
	cx, cy  []int
}

// Active reports whether any transform is enabled.
func (a *Augment) Active() bool { return a != nil && (a.Color || a.Translation || a.Cutout) }

// Draw picks new random parameters for n images of side px from r. It
// draws the same number of values whatever the policy, so that turning a
// transform on or off does not shift other users of r.
func (a *Augment) Draw(r *rand.Rand, n, side int) {
	a.n, a.side = n, side
	a.on = resize(a.on, n)
	a.bright, a.sat, a.con = resize(a.bright, n), resize(a.sat, n), resize(a.con, n)
	a.tx, a.ty, a.cx, a.cy = resize(a.tx, n), resize(a.ty, n), resize(a.cx, n), resize(a.cy, n)
	shift := (side + 4) / 8 // int(side*0.125 + 0.5)
	for b := 0; b < n; b++ {
		a.on[b] = r.Float64() < a.P
		a.bright[b] = float32(r.Float64()) - 0.5
		a.sat[b] = float32(r.Float64()) * 2
		a.con[b] = float32(r.Float64()) + 0.5
		a.tx[b] = r.IntN(2*shift+1) - shift
		a.ty[b] = r.IntN(2*shift+1) - shift
		a.cx[b] = r.IntN(side + 1)
		a.cy[b] = r.IntN(side + 1)
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// DiffAugment applies a's current draws to x (CBHW [C, B, H, W], H == W).
// Gradients flow to x.
func DiffAugment(x *gorgonia.Node, a *Augment) (*gorgonia.Node, error) {
	if a == nil {
		return nil, fmt.Errorf("nn.DiffAugment: nil policy")
	}
	return apply(&augFwd{a: a}, x)
}

type augFwd struct {
	a *Augment
}

func (k *augFwd) name() string { return "DiffAugment" }

func augCheck(s tensor.Shape) error {
	if len(s) != 4 || s[2] != s[3] || s.TotalSize() == 0 {
		return fmt.Errorf("input shape %v: want non-empty [C, B, S, S]", s)
	}
	return nil
}

func (k *augFwd) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("got %d inputs, want 1", len(in))
	}
	if err := augCheck(in[0]); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

// apply writes the augmentation of x (shape s) to out; backward applies
// the transposes of the transforms in reverse order (the gradient).
func (a *Augment) apply(out, x []float32, s tensor.Shape, backward bool) error {
	if err := a.ready(s); err != nil {
		return err
	}
	copy(out, x)
	C, B, S := s[0], s[1], s[2]
	kernels.ParallelForMin(B, 1, func(lo, hi int) {
		tmp := make([]float32, C*S*S)
		for b := lo; b < hi; b++ {
			if !a.on[b] {
				continue
			}
			if a.Color && !backward {
				a.colour(out, C, B, S, b, false)
			}
			if a.Cutout && backward {
				a.cutout(out, C, B, S, b)
			}
			if a.Translation {
				a.translate(out, tmp, C, B, S, b, backward)
			}
			if a.Cutout && !backward {
				a.cutout(out, C, B, S, b)
			}
			if a.Color && backward {
				a.colour(out, C, B, S, b, true)
			}
		}
	})
	return nil
}

// ready checks that the draws fit shape s.
func (a *Augment) ready(s tensor.Shape) error {
	if a.n != s[1] || a.side != s[2] {
		return fmt.Errorf("augmentation drawn for %d images of %d px, input has %d of %d px (call Draw first)", a.n, a.side, s[1], s[2])
	}
	return nil
}

func (k *augFwd) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	return k.a.apply(out, in[0], s[0], false)
}

func (k *augFwd) diffWRT() []bool { return []bool{true} }

func (k *augFwd) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := apply(&augGrad{a: k.a}, grad, out)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// augGrad: inputs dOut, out (only to run after the forward pass). The
// transforms are symmetric linear maps (colour) or permutations with zeros
// (translation, cutout), so the gradient applies their transposes in
// reverse order.
type augGrad struct {
	noDiff
	a *Augment
}

func (k *augGrad) name() string { return "DiffAugmentGrad" }

func (k *augGrad) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	if err := augCheck(in[0]); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (k *augGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	return k.a.apply(out, in[0], s[0], true)
}

// colour applies brightness, saturation and contrast to image b in place
// (transpose: contrast, saturation; brightness adds a constant, whose
// gradient is the identity).
func (a *Augment) colour(x []float32, C, B, S, b int, transpose bool) {
	hw := S * S
	plane := func(c int) []float32 { o := (c*B + b) * hw; return x[o : o+hw] }
	sat := func() {
		s := a.sat[b]
		for p := 0; p < hw; p++ {
			var m float32
			for c := 0; c < C; c++ {
				m += plane(c)[p]
			}
			m /= float32(C)
			for c := 0; c < C; c++ {
				v := plane(c)
				v[p] = (v[p]-m)*s + m
			}
		}
	}
	con := func() {
		var sum float64
		for c := 0; c < C; c++ {
			for _, v := range plane(c) {
				sum += float64(v)
			}
		}
		m := float32(sum / float64(C*hw))
		k := a.con[b]
		for c := 0; c < C; c++ {
			v := plane(c)
			for p := range v {
				v[p] = (v[p]-m)*k + m
			}
		}
	}
	if transpose {
		con()
		sat()
		return
	}
	br := a.bright[b]
	for c := 0; c < C; c++ {
		v := plane(c)
		for p := range v {
			v[p] += br
		}
	}
	sat()
	con()
}

// translate shifts image b by (tx, ty) with zero fill: out[y][x] =
// in[y-ty][x-tx]; the transpose shifts back.
func (a *Augment) translate(x, tmp []float32, C, B, S, b int, transpose bool) {
	tx, ty := a.tx[b], a.ty[b]
	if transpose {
		tx, ty = -tx, -ty
	}
	if tx == 0 && ty == 0 {
		return
	}
	hw := S * S
	for c := 0; c < C; c++ {
		o := (c*B + b) * hw
		src := x[o : o+hw]
		dst := tmp[c*hw : (c+1)*hw]
		clear(dst)
		for y := max(0, ty); y < min(S, S+ty); y++ {
			sy := y - ty
			x0, x1 := max(0, tx), min(S, S+tx)
			copy(dst[y*S+x0:y*S+x1], src[sy*S+x0-tx:sy*S+x1-tx])
		}
		copy(src, dst)
	}
}

// cutout zeroes image b's square of side S/2 centred at (cx, cy), clipped
// to the image. It is its own transpose.
func (a *Augment) cutout(x []float32, C, B, S, b int) {
	half := S / 2
	x0, y0 := max(0, a.cx[b]-half/2), max(0, a.cy[b]-half/2)
	x1, y1 := min(S, a.cx[b]-half/2+half), min(S, a.cy[b]-half/2+half)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	hw := S * S
	for c := 0; c < C; c++ {
		o := (c*B + b) * hw
		for y := y0; y < y1; y++ {
			clear(x[o+y*S+x0 : o+y*S+x1])
		}
	}
}
