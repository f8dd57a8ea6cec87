package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
)

// refConv is a direct float64 Conv2d on CBHW data.
func refConv(x []float32, cin, b, h, w int, wt []float32, cout, k, s, p int) ([]float32, int, int) {
	oh, ow := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	out := make([]float32, cout*b*oh*ow)
	for co := 0; co < cout; co++ {
		for bi := 0; bi < b; bi++ {
			for y := 0; y < oh; y++ {
				for xo := 0; xo < ow; xo++ {
					var sum float64
					for ci := 0; ci < cin; ci++ {
						for i := 0; i < k; i++ {
							for j := 0; j < k; j++ {
								iy, ix := y*s-p+i, xo*s-p+j
								if iy < 0 || iy >= h || ix < 0 || ix >= w {
									continue
								}
								sum += float64(wt[((co*cin+ci)*k+i)*k+j]) * float64(x[((ci*b+bi)*h+iy)*w+ix])
							}
						}
					}
					out[((co*b+bi)*oh+y)*ow+xo] = float32(sum)
				}
			}
		}
	}
	return out, oh, ow
}

// refConvT is a direct float64 ConvTranspose2d on CBHW data (scatter form).
func refConvT(x []float32, cin, b, h, w int, wt []float32, cout, k, s, p, op int) ([]float32, int, int) {
	oh, ow := (h-1)*s-2*p+k+op, (w-1)*s-2*p+k+op
	acc := make([]float64, cout*b*oh*ow)
	for ci := 0; ci < cin; ci++ {
		for bi := 0; bi < b; bi++ {
			for y := 0; y < h; y++ {
				for xi := 0; xi < w; xi++ {
					v := float64(x[((ci*b+bi)*h+y)*w+xi])
					for co := 0; co < cout; co++ {
						for i := 0; i < k; i++ {
							for j := 0; j < k; j++ {
								oy, ox := y*s-p+i, xi*s-p+j
								if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
									continue
								}
								acc[((co*b+bi)*oh+oy)*ow+ox] += v * float64(wt[((ci*cout+co)*k+i)*k+j])
							}
						}
					}
				}
			}
		}
	}
	out := make([]float32, len(acc))
	for i, v := range acc {
		out[i] = float32(v)
	}
	return out, oh, ow
}

type convCase struct {
	k, s, p, op  int
	cin, cout, b int
	h            int
	tin          int // transposed-conv input size; 0 = derived from h
}

var convCases = []convCase{
	{k: 4, s: 2, p: 1, cin: 2, cout: 3, b: 2, h: 8},
	{k: 4, s: 1, p: 0, cin: 3, cout: 2, b: 2, h: 4},
	{k: 4, s: 1, p: 1, cin: 2, cout: 2, b: 1, h: 5},
	{k: 4, s: 2, p: 0, cin: 2, cout: 3, b: 2, h: 7},
	{k: 4, s: 2, p: 2, cin: 1, cout: 2, b: 3, h: 6},
	{k: 5, s: 2, p: 2, op: 1, cin: 2, cout: 3, b: 2, h: 8},
	{k: 5, s: 1, p: 2, cin: 2, cout: 2, b: 2, h: 5},
	{k: 5, s: 1, p: 0, cin: 2, cout: 2, b: 1, h: 6},
	{k: 5, s: 2, p: 1, op: 1, cin: 1, cout: 2, b: 2, h: 9},
	{k: 4, s: 1, p: 0, cin: 3, cout: 2, b: 3, h: 4, tin: 1},
	{k: 4, s: 1, p: 1, cin: 2, cout: 2, b: 3, h: 2, tin: 1},
}

func (c convCase) String() string {
	return fmt.Sprintf("k%ds%dp%dop%d_%dx%dto%d_b%d", c.k, c.s, c.p, c.op, c.h, c.cin, c.cout, c.b)
}

func TestConv2dForwardAndGrad(t *testing.T) {
	for ci, c := range convCases {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 1))
			xs := []int{c.cin, c.b, c.h, c.h}
			ws := []int{c.cout, c.cin, c.k, c.k}
			x, w := randSlice(rng, prod(xs), 1), randSlice(rng, prod(ws), 0.3)
			want, oh, ow := refConv(x, c.cin, c.b, c.h, c.h, w, c.cout, c.k, c.s, c.p)
			r := randSlice(rng, c.cout*c.b*oh*ow, 1)
			h := newHarness(t, []arg{{xs, x, true}, {ws, w, true}}, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return Conv2d(in[0], in[1], c.s, c.p)
			})
			got, _ := h.run()
			closeTo(t, "out", got, want, 1e-5, 1e-4)
			if s := h.out.Shape(); s[0] != c.cout || s[1] != c.b || s[2] != oh || s[3] != ow {
				t.Fatalf("shape %v", s)
			}
			h.checkGradFD(1e-2, 2e-3, 25, rng)
		})
	}
}

func TestConvTranspose2dForwardAndGrad(t *testing.T) {
	for ci, c := range convCases {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 2))
			ih := c.h/c.s + 1 - c.k/4 // keep shapes small
			if ih < 1 {
				ih = 1
			}
			iw := ih + 1
			if c.tin > 0 {
				ih, iw = c.tin, c.tin
			}
			xs := []int{c.cin, c.b, ih, iw}
			ws := []int{c.cin, c.cout, c.k, c.k}
			x, w := randSlice(rng, prod(xs), 1), randSlice(rng, prod(ws), 0.3)
			want, oh, ow := refConvT(x, c.cin, c.b, ih, iw, w, c.cout, c.k, c.s, c.p, c.op)
			if oh < 1 || ow < 1 {
				t.Skip("empty output")
			}
			r := randSlice(rng, c.cout*c.b*oh*ow, 1)
			h := newHarness(t, []arg{{xs, x, true}, {ws, w, true}}, r, func(in []*gorgonia.Node) (*gorgonia.Node, error) {
				return ConvTranspose2d(in[0], in[1], c.s, c.p, c.op)
			})
			got, _ := h.run()
			closeTo(t, "out", got, want, 1e-5, 1e-4)
			if s := h.out.Shape(); s[0] != c.cout || s[1] != c.b || s[2] != oh || s[3] != ow {
				t.Fatalf("shape %v, want [%d %d %d %d]", s, c.cout, c.b, oh, ow)
			}
			h.checkGradFD(1e-2, 2e-3, 25, rng)
		})
	}
}

func TestConvShapeErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 2, 4, 4), gorgonia.WithName("x"))
	w := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(5, 2, 4, 4), gorgonia.WithName("w"))
	wt := gorgonia.NewTensor(g, gorgonia.Float32, 4, gorgonia.WithShape(3, 5, 5, 5), gorgonia.WithName("wt"))
	x64 := gorgonia.NewTensor(g, gorgonia.Float64, 4, gorgonia.WithShape(3, 2, 4, 4), gorgonia.WithName("x64"))
	for name, f := range map[string]func() error{
		"channel mismatch": func() error { _, err := Conv2d(x, w, 1, 0); return err },
		"bad stride":       func() error { _, err := Conv2d(x, w, 0, 0); return err },
		"too small":        func() error { _, err := Conv2d(x, wt, 1, 0); return err },
		"outPad >= stride": func() error { _, err := ConvTranspose2d(x, wt, 2, 2, 2); return err },
		"float64":          func() error { _, err := ConvTranspose2d(x64, wt, 2, 2, 1); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
