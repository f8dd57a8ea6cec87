package gan

import (
	"fmt"
	"slices"

	"github.com/toongan/toongan/pkg/nn"
)

// Generator layers for exporters (pkg/onnx): the network sample runs, as a
// plain list of layers with copies of their tensors.

// Layer kinds of ExportLayer.Kind.
const (
	KindConvTranspose = "convtranspose" // Weight [In, Out, K, K], no bias
	KindConv          = "conv"          // Weight [Out, In, K, K], no bias
	KindBatchNorm     = "batchnorm"     // Weight (gamma), Bias (beta), Mean, Var [Out]; inference mode
	KindReLU          = "relu"
	KindLeakyReLU     = "leakyrelu" // slope Slope
	KindTanh          = "tanh"
	KindLinear        = "linear" // Weight [Out, In], Bias [Out]: y = W x + b
	KindMBStd         = "mbstd"  // minibatch standard deviation (never in a generator today)
)

// ExportLayer is one layer of a generator as an exporter needs it.
type ExportLayer struct {
	Kind string // one of the Kind constants
	Name string // the layer's state_dict prefix, e.g. "main.3"

	In, Out                     int // channels (features for linear); BatchNorm: Out only
	Kernel, Stride, Pad, OutPad int // convolutions

	Weight, Bias []float32 // copies; see the Kind constants for shapes
	Mean, Var    []float32 // BatchNorm running statistics (copies)
	Eps          float64   // BatchNorm: added to the variance
	Slope        float64   // LeakyReLU: the negative slope
}

func (k layerKind) name() string {
	switch k {
	case kConvT:
		return KindConvTranspose
	case kConv:
		return KindConv
	case kBN:
		return KindBatchNorm
	case kReLU:
		return KindReLU
	case kLReLU:
		return KindLeakyReLU
	case kTanh:
		return KindTanh
	case kLinear:
		return KindLinear
	case kMBStd:
		return KindMBStd
	}
	return fmt.Sprintf("kind%d", int(k))
}

// GeneratorLayers returns the generator that Generate(z, n, raw) runs, in
// order: the EMA generator (its BatchNorm statistics brought up to date
// first, as Generate does: with Config.EMABN "standing" they are measured
// on it) or, with raw, G itself. The input of the first layer is the
// latent batch ([N, NZ] for a linear first layer, [N, NZ, 1, 1] for a
// transposed convolution); the last layer's output, reshaped to [N,
// Channels, Size, Size], is the image batch in [-1, 1].
func (m *Model) GeneratorLayers(raw bool) ([]ExportLayer, error) {
	if m.cfg.Conditional() {
		return nil, fmt.Errorf("gan: the generator is conditional (on %s): its input is the latent with label embeddings, which this list of layers does not express", condNames(m.cfg))
	}
	return m.exportLayers(raw)
}

// exportLayers is GeneratorLayers of any model (a conditional generator's
// embedding table left out: see CondGeneratorLayers).
func (m *Model) exportLayers(raw bool) ([]ExportLayer, error) {
	src := m.g
	if !raw {
		if err := m.SyncEMA(); err != nil {
			return nil, err
		}
		src = m.ema
	}
	get := func(name string) []float32 {
		if p := src.get(name); p != nil {
			return slices.Clone(p.data)
		}
		return nil
	}
	out := make([]ExportLayer, 0, len(src.layers))
	for _, l := range src.layers {
		if l.kind == kEmbed || l.kind == kCBN {
			continue
		}
		p := l.prefix()
		e := ExportLayer{Kind: l.kind.name(), Name: p, In: l.in, Out: l.out,
			Kernel: l.k, Stride: l.stride, Pad: l.pad, OutPad: l.opad}
		switch l.kind {
		case kConvT, kConv:
			e.Weight = get(p + ".weight")
		case kLinear:
			e.Weight, e.Bias = get(p+".weight"), get(p+".bias")
		case kBN:
			e.Weight, e.Bias = get(p+".weight"), get(p+".bias")
			e.Mean, e.Var = get(p+".running_mean"), get(p+".running_var")
			e.Eps = nn.BNEps
		case kLReLU:
			e.Slope = leakySlope
		}
		out = append(out, e)
	}
	return out, nil
}
