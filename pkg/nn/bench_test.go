package nn

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sumKernel is a test-only loss: the plain sum of its input, whose gradient
// is a constant fill, so benchmarks measure the layer and not the loss.
type sumKernel struct{}

func (sumKernel) name() string { return "benchSum" }
func (sumKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (sumKernel) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	var s float64
	for _, v := range in[0] {
		s += float64(v)
	}
	out[0] = float32(s)
	return nil
}
func (sumKernel) diffWRT() []bool { return []bool{true} }
func (sumKernel) symDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := apply(fillKernel{}, in[0], grad)
	return gorgonia.Nodes{d}, err
}

// fillKernel: inputs like, g (scalar); output g everywhere in like's shape.
type fillKernel struct{ noDiff }

func (fillKernel) name() string { return "benchFill" }
func (fillKernel) outShape(in []tensor.Shape) (tensor.Shape, error) {
	return in[0].Clone(), nil
}
func (fillKernel) forward(out []float32, in [][]float32, _ []tensor.Shape) error {
	for i := range out {
		out[i] = in[1][0]
	}
	return nil
}

// DCGAN-64 layers at batch 64 (pytorch/examples): D convs and G transposed
// convs, with input channels, output channels, input size, kernel, stride,
// pad.
var dcganLayers = []struct {
	name           string
	transposed     bool
	cin, cout, in  int
	k, stride, pad int
}{
	{"D1_3to64_64px", false, 3, 64, 64, 4, 2, 1},
	{"D2_64to128_32px", false, 64, 128, 32, 4, 2, 1},
	{"D3_128to256_16px", false, 128, 256, 16, 4, 2, 1},
	{"D4_256to512_8px", false, 256, 512, 8, 4, 2, 1},
	{"D5_512to1_4px", false, 512, 1, 4, 4, 1, 0},
	{"G1_100to512_1px", true, 100, 512, 1, 4, 1, 0},
	{"G2_512to256_4px", true, 512, 256, 4, 4, 2, 1},
	{"G3_256to128_8px", true, 256, 128, 8, 4, 2, 1},
	{"G4_128to64_16px", true, 128, 64, 16, 4, 2, 1},
	{"G5_64to3_32px", true, 64, 3, 32, 4, 2, 1},
}

// BenchmarkDCGANLayers runs forward + backward (input and weight gradients)
// of each layer through a gorgonia TapeMachine and reports GFLOP/s counting
// 3 × 2·Cin·Cout·k²·(positions) per step. Keep it short:
//
//	go test -run '^$' -bench DCGANLayers -benchtime 3x ./pkg/nn/
func BenchmarkDCGANLayers(b *testing.B) {
	const batch = 64
	for _, l := range dcganLayers {
		b.Run(l.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := gorgonia.NewGraph()
			xs := []int{l.cin, batch, l.in, l.in}
			ws := []int{l.cout, l.cin, l.k, l.k}
			if l.transposed {
				ws = []int{l.cin, l.cout, l.k, l.k}
			}
			x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xs...), gorgonia.WithName("x"),
				gorgonia.WithValue(tensor.New(tensor.WithShape(xs...), tensor.WithBacking(randSlice(rng, prod(xs), 1)))))
			w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(ws...), gorgonia.WithName("w"),
				gorgonia.WithValue(tensor.New(tensor.WithShape(ws...), tensor.WithBacking(randSlice(rng, prod(ws), 0.02)))))
			var y *gorgonia.Node
			var err error
			if l.transposed {
				y, err = ConvTranspose2d(x, w, l.stride, l.pad, 0)
			} else {
				y, err = Conv2d(x, w, l.stride, l.pad)
			}
			if err != nil {
				b.Fatal(err)
			}
			loss, err := apply(sumKernel{}, y)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := gorgonia.Grad(loss, x, w); err != nil {
				b.Fatal(err)
			}
			m := gorgonia.NewTapeMachine(g)
			defer m.Close()
			positions := batch * l.in * l.in // input positions for G
			if !l.transposed {
				s := y.Shape()
				positions = batch * s[2] * s[3]
			}
			flops := 3 * 2 * float64(l.cin*l.cout*l.k*l.k) * float64(positions)
			run := func() {
				if err := m.RunAll(); err != nil {
					b.Fatal(err)
				}
				m.Reset()
			}
			run() // allocate buffers outside the timing
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flops/1e9, "GFLOP/op")
		})
	}
}

// BenchmarkBNLeaky runs BatchNorm (train) + LeakyReLU forward and backward
// on DCGAN-64's largest D activation at batch 64, [128, 64, 16, 16].
//
//	go test -run '^$' -bench BNLeaky -benchtime 5x ./pkg/nn/
func BenchmarkBNLeaky(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	g := gorgonia.NewGraph()
	s := []int{128, 64, 16, 16}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(s...), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(randSlice(rng, prod(s), 1)))))
	gamma := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(s[0]), gorgonia.WithName("gamma"), gorgonia.WithInit(gorgonia.Ones()))
	beta := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(s[0]), gorgonia.WithName("beta"), gorgonia.WithInit(gorgonia.Zeroes()))
	y, err := BatchNorm(x, gamma, beta, NewBNState(s[0]), true)
	if err == nil {
		y, err = LeakyReLU(y, 0.2)
	}
	var loss *gorgonia.Node
	if err == nil {
		loss, err = apply(sumKernel{}, y)
	}
	if err == nil {
		_, err = gorgonia.Grad(loss, x, gamma, beta)
	}
	if err != nil {
		b.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	b.SetBytes(int64(prod(s) * 4))
	for i := 0; i < b.N; i++ {
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
		m.Reset()
	}
}
