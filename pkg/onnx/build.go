package onnx

import (
	"fmt"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// builder appends nodes to a graph while following the shape of the value
// flowing through it: [batch, c] (rank 2) or [batch, c, s, s] (rank 4).
type builder struct {
	g     *onnxpb.GraphProto
	cur   string // the name of the current value
	rank  int
	c, s  int
	bytes int64 // initializer data so far
}

// Build returns the ONNX model of a generator of cfg made of layers (as
// gan.Model.GeneratorLayers returns them). It refuses layers it has no
// translation for, tensors whose sizes do not match their layer, and a
// network whose output is not cfg's image.
func Build(cfg gan.Config, layers []gan.ExportLayer, info Info) (*onnxpb.ModelProto, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("onnx: the generator has no layers")
	}
	b := &builder{g: &onnxpb.GraphProto{Name: proto.String("toongan_generator")}, cur: InputName, rank: 2, c: cfg.NZ}
	b.g.Input = []*onnxpb.ValueInfoProto{valueInfo(InputName, BatchDim, cfg.NZ)}
	if layers[0].Kind != gan.KindLinear {
		b.reshape("latent_4d", -1, cfg.NZ, 1, 1)
	}
	for _, l := range layers {
		if err := b.layer(l); err != nil {
			return nil, fmt.Errorf("onnx: cannot export generator layer %s: %w", l.Name, err)
		}
	}
	if b.rank == 2 && b.c == cfg.Channels*cfg.Size*cfg.Size {
		b.reshape("image_nchw", -1, cfg.Channels, cfg.Size, cfg.Size)
	}
	if b.rank != 4 || b.c != cfg.Channels || b.s != cfg.Size {
		return nil, fmt.Errorf("onnx: the generator's output %s does not match the configuration's %dx%dx%d images", b.shape(), cfg.Channels, cfg.Size, cfg.Size)
	}
	if b.bytes > MaxBytes {
		return nil, fmt.Errorf("onnx: the generator's weights take %d bytes, more than the %d one ONNX file holds", b.bytes, int64(MaxBytes))
	}
	last := b.g.Node[len(b.g.Node)-1]
	last.Output[0] = OutputName
	b.g.Output = []*onnxpb.ValueInfoProto{valueInfo(OutputName, BatchDim, cfg.Channels, cfg.Size, cfg.Size)}
	model := &onnxpb.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String(Producer),
		ProducerVersion: proto.String(info.Version),
		DocString:       proto.String("toongan generator: latent [batch, nz] -> image [batch, channels, size, size] in [-1, 1]"),
		Graph:           b.g,
	}
	for _, kv := range Metadata(cfg, info) {
		model.MetadataProps = append(model.MetadataProps, &onnxpb.StringStringEntryProto{Key: proto.String(kv[0]), Value: proto.String(kv[1])})
	}
	return model, nil
}

func (b *builder) shape() string {
	if b.rank == 2 {
		return fmt.Sprintf("[batch, %d]", b.c)
	}
	return fmt.Sprintf("[batch, %d, %d, %d]", b.c, b.s, b.s)
}

// node appends a node whose output is called name and makes it current.
func (b *builder) node(op, name string, inputs []string, attrs ...*onnxpb.AttributeProto) {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(name),
		Input: inputs, Output: []string{name}, Attribute: attrs})
	b.cur = name
}

// weight adds a float32 initializer after checking its size.
func (b *builder) weight(name string, data []float32, dims ...int) (string, error) {
	n := 1
	for _, d := range dims {
		n *= d
	}
	if len(data) != n {
		return "", fmt.Errorf("tensor %s has %d values, want %v", name, len(data), dims)
	}
	b.g.Initializer = append(b.g.Initializer, floatTensor(name, data, dims...))
	b.bytes += 4 * int64(n)
	return name, nil
}

// reshape reshapes the current value to dims (one may be -1) and sets the
// tracked shape from them.
func (b *builder) reshape(name string, dims ...int) {
	shapeName := name + ".shape"
	b.g.Initializer = append(b.g.Initializer, int64Tensor(shapeName, int64s(dims)...))
	b.node("Reshape", name, []string{b.cur, shapeName})
	b.rank, b.c = len(dims), dims[1]
	if b.rank == 4 {
		b.s = dims[2]
	}
}

// layer appends l's nodes.
func (b *builder) layer(l gan.ExportLayer) error {
	switch l.Kind {
	case gan.KindConvTranspose:
		return b.convTranspose(l)
	case gan.KindBatchNorm:
		return b.batchNorm(l)
	case gan.KindLinear:
		return b.linear(l)
	case gan.KindReLU:
		b.node("Relu", l.Name, []string{b.cur})
	case gan.KindLeakyReLU:
		b.node("LeakyRelu", l.Name, []string{b.cur}, floatAttr("alpha", l.Slope))
	case gan.KindTanh:
		b.node("Tanh", l.Name, []string{b.cur})
	default:
		return fmt.Errorf("layer kind %q has no ONNX translation in toongan's exporter (it translates %s, %s, %s, %s, %s and %s)",
			l.Kind, gan.KindConvTranspose, gan.KindBatchNorm, gan.KindLinear, gan.KindReLU, gan.KindLeakyReLU, gan.KindTanh)
	}
	return nil
}

func (b *builder) convTranspose(l gan.ExportLayer) error {
	if b.rank != 4 || l.In != b.c {
		return fmt.Errorf("transposed convolution of %d input channels after a value of shape %s", l.In, b.shape())
	}
	if l.Kernel < 1 || l.Stride < 1 || l.Pad < 0 || l.OutPad < 0 || l.OutPad >= l.Stride {
		return fmt.Errorf("transposed convolution with kernel %d, stride %d, padding %d, output padding %d", l.Kernel, l.Stride, l.Pad, l.OutPad)
	}
	s := (b.s-1)*l.Stride - 2*l.Pad + l.Kernel + l.OutPad
	if s < 1 {
		return fmt.Errorf("transposed convolution makes %d px from %d px", s, b.s)
	}
	w, err := b.weight(l.Name+".weight", l.Weight, l.In, l.Out, l.Kernel, l.Kernel)
	if err != nil {
		return err
	}
	attrs := []*onnxpb.AttributeProto{
		intsAttr("kernel_shape", l.Kernel, l.Kernel), intsAttr("strides", l.Stride, l.Stride),
		intsAttr("pads", l.Pad, l.Pad, l.Pad, l.Pad), intAttr("group", 1),
	}
	if l.OutPad != 0 {
		attrs = append(attrs, intsAttr("output_padding", l.OutPad, l.OutPad))
	}
	b.node("ConvTranspose", l.Name, []string{b.cur, w}, attrs...)
	b.c, b.s = l.Out, s
	return nil
}

func (b *builder) batchNorm(l gan.ExportLayer) error {
	if b.rank != 4 || l.Out != b.c {
		return fmt.Errorf("BatchNorm of %d channels after a value of shape %s", l.Out, b.shape())
	}
	if !(l.Eps > 0) {
		return fmt.Errorf("BatchNorm epsilon %v", l.Eps)
	}
	in := []string{b.cur}
	for _, t := range []struct {
		suffix string
		data   []float32
	}{{".weight", l.Weight}, {".bias", l.Bias}, {".running_mean", l.Mean}, {".running_var", l.Var}} {
		name, err := b.weight(l.Name+t.suffix, t.data, l.Out)
		if err != nil {
			return err
		}
		in = append(in, name)
	}
	b.node("BatchNormalization", l.Name, in, floatAttr("epsilon", l.Eps))
	return nil
}

func (b *builder) linear(l gan.ExportLayer) error {
	if b.rank != 2 || l.In != b.c {
		return fmt.Errorf("linear layer of %d inputs after a value of shape %s", l.In, b.shape())
	}
	w, err := b.weight(l.Name+".weight", l.Weight, l.Out, l.In)
	if err != nil {
		return err
	}
	bias, err := b.weight(l.Name+".bias", l.Bias, l.Out)
	if err != nil {
		return err
	}
	// Gemm: Y = X W^T + b, X [batch, in], W [out, in].
	b.node("Gemm", l.Name, []string{b.cur, w, bias}, intAttr("transB", 1))
	b.c = l.Out
	return nil
}
