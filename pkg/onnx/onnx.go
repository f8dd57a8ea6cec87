package onnx

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// The model's interface and format versions.
const (
	InputName  = "latent" // float32 [batch, nz]
	OutputName = "image"  // float32 [batch, channels, size, size] in [-1, 1]
	BatchDim   = "batch"  // the symbolic batch dimension of both
	Opset      = 13       // ai.onnx operator set
	IRVersion  = 7        // the ONNX IR version opset 13 belongs to
	Producer   = "toongan"
)

// MaxBytes is the largest model Build writes: a protobuf message cannot
// exceed 2 GiB, and toongan does not write ONNX's external data files.
const MaxBytes = 2<<30 - 1<<20

// Info is what the model's metadata records besides the configuration.
type Info struct {
	Version string // toongan's version
	Step    int64  // the checkpoint's training step
	Raw     bool   // the raw generator instead of the EMA one
}

// Check reports whether a generator of cfg can be exported, before its
// checkpoint is loaded: the architecture must be one the exporter knows and
// its weights must fit in one ONNX file.
func Check(cfg gan.Config) error {
	switch cfg.Arch {
	case "dcgan", "mlp":
	default:
		return fmt.Errorf("onnx: cannot export a generator of architecture %q: the exporter knows dcgan and mlp", cfg.Arch)
	}
	if cfg.Conditional() {
		return fmt.Errorf("onnx: cannot export a conditional generator (trained with --cond on %d attributes): the exporter writes unconditional generators only; draw with sample --attr, or load it in PyTorch (pkg/safetensors/testdata/load_in_pytorch.py)", len(cfg.CondAttrs()))
	}
	b, err := GeneratorBytes(cfg)
	if err != nil {
		return err
	}
	if b > MaxBytes {
		return fmt.Errorf("onnx: the generator's weights take %.1f GiB, more than the %.0f GiB one ONNX file holds (toongan does not write external data)",
			float64(b)/(1<<30), float64(MaxBytes)/(1<<30))
	}
	return nil
}

// GeneratorBytes is the size of the generator's tensors (float32) for a
// model of cfg, computed from the configuration alone.
func GeneratorBytes(cfg gan.Config) (int64, error) {
	shapes, err := gan.StateShapes(cfg)
	if err != nil {
		return 0, fmt.Errorf("onnx: %w", err)
	}
	var values int64
	for _, t := range shapes {
		if !strings.HasPrefix(t.Name, "G.") {
			continue
		}
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		values += n
	}
	return 4 * values, nil
}

// Encode serialises model deterministically.
func Encode(model *onnxpb.ModelProto) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("onnx: encode: %w", err)
	}
	return b, nil
}

// Export writes m's generator (the EMA one unless info.Raw) to path as an
// ONNX model, through the rename rule (pkg/atomicfile).
func Export(path string, m *gan.Model, info Info) error {
	cfg := m.Config()
	if err := Check(cfg); err != nil {
		return err
	}
	layers, err := m.GeneratorLayers(info.Raw)
	if err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	model, err := Build(cfg, layers, info)
	if err != nil {
		return err
	}
	b, err := Encode(model)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o644, b); err != nil {
		return fmt.Errorf("onnx: write %q: %w", path, err)
	}
	return nil
}

// Metadata returns the model's metadata_props for cfg and info, in order.
func Metadata(cfg gan.Config, info Info) [][2]string {
	gen := "ema"
	if info.Raw {
		gen = "raw"
	}
	return [][2]string{
		{"toongan_version", info.Version},
		{"step", strconv.FormatInt(info.Step, 10)},
		{"image_size", strconv.Itoa(cfg.Size)},
		{"channels", strconv.Itoa(cfg.Channels)},
		{"latent_size", strconv.Itoa(cfg.NZ)},
		{"arch", cfg.Arch},
		{"recipe", cmp.Or(cfg.Recipe, "classic")},
		{"ema_bn", cmp.Or(cfg.EMABN, gan.EMABNCopy)},
		{"generator", gen},
		{"input", InputName + ": float32 [batch, latent_size], N(0, 1) latents as sample --save-latents writes them"},
		{"output", OutputName + ": float32 [batch, channels, image_size, image_size], NCHW, RGB in [-1, 1]"},
	}
}

// floatTensor is a float32 initializer (raw little-endian data).
func floatTensor(name string, data []float32, dims ...int) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: int64s(dims),
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: raw}
}

// int64Tensor is an int64 initializer (a Reshape's target shape).
func int64Tensor(name string, data ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(data))},
		DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: data}
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func intsAttr(name string, v ...int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: int64s(v)}
}

func intAttr(name string, v int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(int64(v))}
}

func floatAttr(name string, v float64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(float32(v))}
}

// valueInfo is a float32 tensor value of the given dimensions: an int is
// a fixed size, a string a symbolic one.
func valueInfo(name string, dims ...any) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnxpb.TensorShapeProto_Dimension{}
		switch v := d.(type) {
		case int:
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}
		case string:
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: v}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{
		Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
}
