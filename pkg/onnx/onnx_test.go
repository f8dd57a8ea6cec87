package onnx

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// trained returns a small model of cfg after 30 training steps on random
// images, so that weights, EMA and BatchNorm statistics all differ.
func trained(t *testing.T, cfg gan.Config) *gan.Model {
	t.Helper()
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	real := make([]float32, cfg.Batch*cfg.Channels*cfg.Size*cfg.Size)
	for range 30 { // BatchNorm's running statistics (momentum 0.1) need a few dozen steps to settle
		for i := range real {
			real[i] = float32(r.Float64()*2 - 1)
		}
		if _, err := m.Step(real); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func smallConfig(t *testing.T, recipe, arch string, size, kernel int) gan.Config {
	t.Helper()
	cfg := gan.DefaultConfig(size)
	recipe, emaBN, _ := strings.Cut(recipe, "+") // "classic+ema": the recipe with --ema-bn ema
	if err := gan.ApplyRecipe(&cfg, recipe); err != nil {
		t.Fatal(err)
	}
	if emaBN != "" {
		cfg.EMABN = emaBN
	}
	cfg.Arch, cfg.Kernel = arch, kernel
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch, cfg.EMADecay = 8, 8, 12, 4, 0.9
	cfg.LR = 0.01 // two steps move the weights far enough that G and its EMA differ clearly
	return cfg
}

// TestExportMatchesGenerate exports each generator variant, decodes the
// bytes again and runs the decoded graph with a plain Go interpreter of the
// ONNX operators it uses (evalGraph below, written from the ONNX operator
// specification): its images must be those gan.Model.Generate draws.
func TestExportMatchesGenerate(t *testing.T) {
	for _, tc := range []struct {
		name, recipe, arch string
		size, kernel       int
		raw                bool
	}{
		{"toon dcgan 32", "toon", "dcgan", 32, 4, false},
		{"classic dcgan 32", "classic", "dcgan", 32, 4, false},
		{"classic dcgan 32 raw", "classic", "dcgan", 32, 4, true},
		{"classic dcgan 32 ema-bn ema", "classic+ema", "dcgan", 32, 4, false},
		{"toon dcgan 48 kernel 5", "toon", "dcgan", 48, 5, false},
		{"classic mlp 32", "classic", "mlp", 32, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig(t, tc.recipe, tc.arch, tc.size, tc.kernel)
			m := trained(t, cfg)
			path := filepath.Join(t.TempDir(), "g.onnx")
			info := Info{Version: "test", Step: 30, Raw: tc.raw}
			if err := Export(path, m, info); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got onnxpb.ModelProto
			if err := proto.Unmarshal(b, &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			checkModel(t, &got, cfg, info)
			const n = 3
			z := gan.SampleLatents(7, n, cfg.NZ)
			want, err := m.Generate(z, n, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			x := evalGraph(t, got.Graph, z, []int{n, cfg.NZ})
			if len(x) != len(want) {
				t.Fatalf("%d values, want %d", len(x), len(want))
			}
			worst, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
			for i := range x {
				worst = math.Max(worst, math.Abs(x[i]-float64(want[i])))
				lo, hi = math.Min(lo, x[i]), math.Max(hi, x[i])
			}
			if hi-lo < 0.2 {
				t.Errorf("images span only %.3g..%.3g: too flat for the comparison to mean much", lo, hi)
			}
			if worst > 1e-4 {
				t.Errorf("max abs difference %g from Generate", worst)
			}
			// The other generator (raw vs EMA) differs: the test can tell them apart.
			other, err := m.Generate(z, n, !tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			diff := 0.0
			for i := range x {
				diff = math.Max(diff, math.Abs(x[i]-float64(other[i])))
			}
			if diff < 100*worst || diff < 1e-5 {
				t.Errorf("the export is as close to the other generator (max diff %g) as to its own (%g)", diff, worst)
			}
			t.Logf("max abs difference %.3g from Generate, %.3g from the other generator", worst, diff)
		})
	}
}

// checkModel checks the model's interface, opset and metadata.
func checkModel(t *testing.T, m *onnxpb.ModelProto, cfg gan.Config, info Info) {
	t.Helper()
	if m.GetIrVersion() != IRVersion || len(m.OpsetImport) != 1 || m.OpsetImport[0].GetVersion() != Opset || m.OpsetImport[0].GetDomain() != "" {
		t.Errorf("ir %d opsets %v", m.GetIrVersion(), m.OpsetImport)
	}
	g := m.GetGraph()
	if len(g.Input) != 1 || g.Input[0].GetName() != InputName || len(g.Output) != 1 || g.Output[0].GetName() != OutputName {
		t.Fatalf("inputs %v outputs %v", g.Input, g.Output)
	}
	if got, want := dims(g.Input[0]), "batch,"+itoa(cfg.NZ); got != want {
		t.Errorf("input dims %s, want %s", got, want)
	}
	if got, want := dims(g.Output[0]), "batch,"+itoa(cfg.Channels)+","+itoa(cfg.Size)+","+itoa(cfg.Size); got != want {
		t.Errorf("output dims %s, want %s", got, want)
	}
	meta := map[string]string{}
	for _, p := range m.MetadataProps {
		if _, dup := meta[p.GetKey()]; dup {
			t.Errorf("metadata key %s twice", p.GetKey())
		}
		meta[p.GetKey()] = p.GetValue()
	}
	gen := map[bool]string{false: "ema", true: "raw"}[info.Raw]
	recipe := cfg.Recipe
	if recipe == "" {
		recipe = "classic"
	}
	emaBN := map[string]string{"toon": "standing", "classic": "copy"}[recipe]
	if cfg.EMABN != "" {
		emaBN = cfg.EMABN
	}
	for k, v := range map[string]string{"toongan_version": info.Version, "step": "30", "image_size": itoa(cfg.Size),
		"latent_size": itoa(cfg.NZ), "recipe": recipe, "generator": gen, "arch": cfg.Arch, "ema_bn": emaBN,
		"channels": "3"} {
		if meta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func dims(v *onnxpb.ValueInfoProto) string {
	var s []string
	for _, d := range v.GetType().GetTensorType().GetShape().GetDim() {
		if p := d.GetDimParam(); p != "" {
			s = append(s, p)
		} else {
			s = append(s, itoa(int(d.GetDimValue())))
		}
	}
	return strings.Join(s, ",")
}

// TestEncodeRoundTrip: the encoded model decodes to an equal message, and
// encoding is deterministic.
func TestEncodeRoundTrip(t *testing.T) {
	cfg := smallConfig(t, "toon", "dcgan", 32, 4)
	m := trained(t, cfg)
	layers, err := m.GeneratorLayers(false)
	if err != nil {
		t.Fatal(err)
	}
	model, err := Build(cfg, layers, Info{Version: "v", Step: 9})
	if err != nil {
		t.Fatal(err)
	}
	b1, err := Encode(model)
	if err != nil {
		t.Fatal(err)
	}
	var back onnxpb.ModelProto
	if err := proto.Unmarshal(b1, &back); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(model, &back) {
		t.Error("decoded model differs from the encoded one")
	}
	b2, err := Encode(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b1) != string(b2) {
		t.Error("encoding is not deterministic")
	}
	// Every weight is stored bit for bit.
	inits := map[string]*onnxpb.TensorProto{}
	for _, in := range back.Graph.Initializer {
		inits[in.GetName()] = in
	}
	for _, l := range layers {
		if l.Weight == nil {
			continue
		}
		got := floats(t, inits[l.Name+".weight"])
		for i := range got {
			if float32(got[i]) != l.Weight[i] {
				t.Fatalf("%s.weight[%d] = %v, want %v", l.Name, i, got[i], l.Weight[i])
			}
		}
	}
}

// TestRefusals: what the exporter cannot express is refused with a message
// naming it.
func TestRefusals(t *testing.T) {
	cfg := smallConfig(t, "toon", "dcgan", 32, 4)
	m := trained(t, cfg)
	layers, err := m.GeneratorLayers(false)
	if err != nil {
		t.Fatal(err)
	}
	huge := gan.DefaultConfig(128)
	huge.NGF = 512
	unknown := cfg
	unknown.Arch = "stylegan"
	mbstd := append([]gan.ExportLayer{}, layers[:3]...)
	mbstd = append(mbstd, gan.ExportLayer{Kind: gan.KindMBStd, Name: "main.3"})
	conv := append([]gan.ExportLayer{}, layers[:3]...)
	conv = append(conv, gan.ExportLayer{Kind: gan.KindConv, Name: "main.3", In: 32, Out: 3, Kernel: 3, Stride: 1})
	short := append([]gan.ExportLayer{}, layers...)
	short[1].Mean = short[1].Mean[:3]
	wrongIn := append([]gan.ExportLayer{}, layers...)
	wrongIn[3].In++
	for _, tc := range []struct {
		name string
		err  func() error
		want []string
	}{
		{"unknown arch", func() error { return Check(unknown) }, []string{`architecture "stylegan"`, "dcgan and mlp"}},
		{"over 2 GiB", func() error { return Check(huge) }, []string{"GiB", "more than the 2 GiB one ONNX file holds"}},
		{"mbstd layer", func() error { _, err := Build(cfg, mbstd, Info{}); return err }, []string{"layer main.3", `"mbstd" has no ONNX translation`}},
		{"conv layer", func() error { _, err := Build(cfg, conv, Info{}); return err }, []string{"layer main.3", `"conv"`}},
		{"short tensor", func() error { _, err := Build(cfg, short, Info{}); return err }, []string{"main.1.running_mean has 3 values"}},
		{"wrong channels", func() error { _, err := Build(cfg, wrongIn, Info{}); return err }, []string{"layer main.3", "input channels"}},
		{"truncated", func() error { _, err := Build(cfg, layers[:6], Info{}); return err }, []string{"output", "does not match"}},
		{"no layers", func() error { _, err := Build(cfg, nil, Info{}); return err }, []string{"no layers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if err := Check(cfg); err != nil {
		t.Errorf("small config refused: %v", err)
	}
}

// ---- a plain interpreter of the exported graph (the reference) ----

func floats(t *testing.T, tp *onnxpb.TensorProto) []float64 {
	t.Helper()
	if tp == nil {
		t.Fatal("missing tensor")
	}
	switch tp.GetDataType() {
	case int32(onnxpb.TensorProto_FLOAT):
		raw := tp.GetRawData()
		out := make([]float64, len(raw)/4)
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		return out
	case int32(onnxpb.TensorProto_INT64):
		out := make([]float64, len(tp.Int64Data))
		for i, v := range tp.Int64Data {
			out[i] = float64(v)
		}
		return out
	}
	t.Fatalf("tensor %s: data type %d", tp.GetName(), tp.GetDataType())
	return nil
}

type value struct {
	data  []float64
	shape []int
}

func attrs(n *onnxpb.NodeProto) map[string]*onnxpb.AttributeProto {
	a := map[string]*onnxpb.AttributeProto{}
	for _, at := range n.Attribute {
		a[at.GetName()] = at
	}
	return a
}

// evalGraph runs g on input z of shape zshape and returns its output.
func evalGraph(t *testing.T, g *onnxpb.GraphProto, z []float32, zshape []int) []float64 {
	t.Helper()
	env := map[string]value{}
	for _, in := range g.Initializer {
		var shape []int
		for _, d := range in.Dims {
			shape = append(shape, int(d))
		}
		env[in.GetName()] = value{floats(t, in), shape}
	}
	zd := make([]float64, len(z))
	for i, v := range z {
		zd[i] = float64(v)
	}
	env[g.Input[0].GetName()] = value{zd, zshape}
	for _, n := range g.Node {
		in := make([]value, len(n.Input))
		for i, name := range n.Input {
			v, ok := env[name]
			if !ok {
				t.Fatalf("node %s: input %s undefined", n.GetName(), name)
			}
			in[i] = v
		}
		env[n.Output[0]] = evalNode(t, n, in)
	}
	return env[g.Output[0].GetName()].data
}

func evalNode(t *testing.T, n *onnxpb.NodeProto, in []value) value {
	t.Helper()
	a := attrs(n)
	x := in[0]
	out := value{make([]float64, len(x.data)), x.shape}
	switch n.GetOpType() {
	case "Reshape":
		shape := make([]int, len(in[1].data))
		known := 1
		for i, d := range in[1].data {
			shape[i] = int(d)
			if d > 0 {
				known *= int(d)
			}
		}
		for i := range shape {
			if shape[i] == -1 {
				shape[i] = len(x.data) / known
			}
		}
		return value{x.data, shape}
	case "Relu":
		for i, v := range x.data {
			out.data[i] = math.Max(v, 0)
		}
	case "LeakyRelu":
		alpha := float64(a["alpha"].GetF())
		for i, v := range x.data {
			out.data[i] = v
			if v < 0 {
				out.data[i] = alpha * v
			}
		}
	case "Tanh":
		for i, v := range x.data {
			out.data[i] = math.Tanh(v)
		}
	case "BatchNormalization":
		return batchNorm(x, in[1].data, in[2].data, in[3].data, in[4].data, float64(a["epsilon"].GetF()))
	case "Gemm":
		if a["transB"].GetI() != 1 {
			t.Fatalf("Gemm without transB")
		}
		return gemmTransB(x, in[1], in[2].data)
	case "ConvTranspose":
		return convTranspose(t, x, in[1], a)
	default:
		t.Fatalf("reference: op %s not implemented", n.GetOpType())
	}
	return out
}

func batchNorm(x value, scale, bias, mean, variance []float64, eps float64) value {
	n, c, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	out := value{make([]float64, len(x.data)), x.shape}
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < hw; i++ {
				k := (b*c+ch)*hw + i
				out.data[k] = (x.data[k]-mean[ch])/math.Sqrt(variance[ch]+eps)*scale[ch] + bias[ch]
			}
		}
	}
	return out
}

func gemmTransB(x, w value, bias []float64) value {
	n, in, outN := x.shape[0], x.shape[1], w.shape[0]
	out := value{make([]float64, n*outN), []int{n, outN}}
	for b := 0; b < n; b++ {
		for o := 0; o < outN; o++ {
			s := bias[o]
			for i := 0; i < in; i++ {
				s += x.data[b*in+i] * w.data[o*in+i]
			}
			out.data[b*outN+o] = s
		}
	}
	return out
}

// convTranspose scatters each input pixel through the kernel:
// out[y*s - pad + ky] += x[y] * w[ky] (ONNX ConvTranspose, group 1).
func convTranspose(t *testing.T, x, w value, a map[string]*onnxpb.AttributeProto) value {
	t.Helper()
	s, p := int(a["strides"].Ints[0]), int(a["pads"].Ints[0])
	op := 0
	if a["output_padding"] != nil {
		op = int(a["output_padding"].Ints[0])
	}
	n, cin, h := x.shape[0], x.shape[1], x.shape[2]
	cout, k := w.shape[1], w.shape[2]
	if w.shape[0] != cin || int(a["kernel_shape"].Ints[0]) != k {
		t.Fatalf("ConvTranspose: weight %v for input %v", w.shape, x.shape)
	}
	oh := (h-1)*s - 2*p + k + op
	out := value{make([]float64, n*cout*oh*oh), []int{n, cout, oh, oh}}
	for b := 0; b < n; b++ {
		for ci := 0; ci < cin; ci++ {
			for y := 0; y < h; y++ {
				for xx := 0; xx < h; xx++ {
					v := x.data[((b*cin+ci)*h+y)*h+xx]
					for co := 0; co < cout; co++ {
						for ky := 0; ky < k; ky++ {
							oy := y*s - p + ky
							if oy < 0 || oy >= oh {
								continue
							}
							for kx := 0; kx < k; kx++ {
								ox := xx*s - p + kx
								if ox < 0 || ox >= oh {
									continue
								}
								out.data[((b*cout+co)*oh+oy)*oh+ox] += v * w.data[((ci*cout+co)*k+ky)*k+kx]
							}
						}
					}
				}
			}
		}
	}
	return out
}
