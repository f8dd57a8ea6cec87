package gan

import (
	"fmt"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
)

// Inference graphs: G, the EMA generator and D with BatchNorm in inference
// mode, built per batch size on first use.

// inferChunk is the largest batch an inference graph processes at once.
const inferChunk = 64

type inferKey struct {
	which string // "G", "EMA" or "D"
	n     int
}

// inferGraph maps a fixed-size input batch to an output, BatchNorm in
// inference mode.
type inferGraph struct {
	vm   gorgonia.VM
	in   []float32
	out  *gorgonia.Node
	rows *nn.EmbedRows // a conditional model's labels (cond.go); nil otherwise
}

func (m *Model) inferGraphFor(which string, n int) (*inferGraph, error) {
	k := inferKey{which, n}
	if ig := m.infer[k]; ig != nil {
		return ig, nil
	}
	g := gorgonia.NewGraph()
	var src *net
	var inShape []int
	switch which {
	case "G":
		src, inShape = m.g, m.latentShape(n)
	case "EMA":
		src, inShape = m.ema, m.latentShape(n)
	default:
		src, inShape = m.d, m.imageShape(n)
	}
	b := bind(g, src)
	x, data := newInput(g, "x", inShape)
	rows := m.newRows(n)
	out, err := m.forwardCond(b, x, false, rows)
	if err != nil {
		return nil, err
	}
	vm, err := machine(g, append(gorgonia.Nodes{x}, m.inferParams(b)...), gorgonia.Nodes{out})
	if err != nil {
		return nil, err
	}
	ig := &inferGraph{vm: vm, in: data, out: out, rows: rows}
	m.infer[k] = ig
	return ig, nil
}

// chunkSize picks the graph batch for the next rem items: the smallest
// power of two that holds them, at most inferChunk.
func chunkSize(rem int) int {
	c := 1
	for c < rem && c < inferChunk {
		c *= 2
	}
	return c
}

// runChunks maps n records of inLen values to n records of outLen values
// through the inference graph `which`, chunk by chunk; the last chunk is
// zero-padded. Inputs and outputs are sample-major (NCHW). A conditional
// model's graphs get labels (cond.go; nil: every label unknown).
func (m *Model) runChunks(which string, src []float32, labels *condBatch, n, inLen, inHW, outLen, outHW int) ([]float32, error) {
	out := make([]float32, n*outLen)
	tmpIn := make([]float32, inferChunk*inLen)
	tmpOut := make([]float32, inferChunk*outLen)
	for lo := 0; lo < n; {
		c := chunkSize(n - lo)
		k := min(c, n-lo)
		ig, err := m.inferGraphFor(which, c)
		if err != nil {
			return nil, err
		}
		in := tmpIn[:c*inLen]
		copy(in, src[lo*inLen:(lo+k)*inLen])
		clear(in[k*inLen:])
		if err := toInternal(ig.in, in, c, inLen, inHW); err != nil {
			return nil, err
		}
		m.chunkRows(ig.rows, which == "D", labels, lo, k)
		if err := run(ig.vm); err != nil {
			return nil, fmt.Errorf("gan: running %s: %w", which, err)
		}
		res := f32s(ig.out)
		if len(res) != c*outLen {
			return nil, fmt.Errorf("gan: %s produced %d values, want %d", which, len(res), c*outLen)
		}
		o := tmpOut[:c*outLen]
		if err := fromInternal(o, res, c, outLen, outHW); err != nil {
			return nil, err
		}
		copy(out[lo*outLen:], o[:k*outLen])
		lo += k
	}
	return out, nil
}

// Generate maps n latent vectors (z: n*NZ values) to n images, NCHW float32
// in [-1, 1]. BatchNorm uses running statistics, so each image depends on its
// own z only. raw selects the raw generator instead of the EMA one (with
// EMADecay 0 both are the same).
func (m *Model) Generate(z []float32, n int, raw bool) ([]float32, error) {
	if n < 0 || len(z) != n*m.cfg.NZ {
		return nil, fmt.Errorf("gan: generate: %d latent values for %d images of nz %d", len(z), n, m.cfg.NZ)
	}
	if m.cond != nil {
		return m.GenerateLabels(z, nil, n, raw)
	}
	which := "EMA"
	if raw {
		which = "G"
	} else if err := m.SyncEMA(); err != nil {
		return nil, err
	}
	return m.runChunks(which, z, nil, n, m.cfg.NZ, 1, m.imageLen(), m.hw())
}

// Discriminate returns D's logits for n images (NCHW in [-1, 1]), BatchNorm
// in inference mode.
func (m *Model) Discriminate(x []float32, n int) ([]float32, error) {
	if n < 0 || len(x) != n*m.imageLen() {
		return nil, fmt.Errorf("gan: discriminate: %d values for %d images of %d values", len(x), n, m.imageLen())
	}
	return m.runChunks("D", x, nil, n, m.imageLen(), m.hw(), 1, 1)
}

// SampleLatents draws n latent vectors from N(0,1) with the given seed
// (independent of the training RNG).
func SampleLatents(seed uint64, n, nz int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x2a7e27))
	z := make([]float32, n*nz)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	return z
}
