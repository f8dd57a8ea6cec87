package gan

import (
	"fmt"
	"strconv"
)

// Sizes lists the image sides the DCGAN architecture supports. 32, 64 and
// 128 grow from a 4x4 base, 48 and 96 from 3x3.
var Sizes = []int{32, 48, 64, 96, 128}

// layerKind tells what one entry of a network's "main" sequence is.
type layerKind int

const (
	kConvT  layerKind = iota // transposed convolution, weight [Cin, Cout, k, k]
	kConv                    // convolution, weight [Cout, Cin, k, k]
	kBN                      // BatchNorm2d: weight, bias, running_mean, running_var
	kReLU                    // no parameters
	kLReLU                   // LeakyReLU(0.2), no parameters
	kTanh                    // no parameters
	kLinear                  // fully connected: weight [out, in], bias [out]
)

// layer is one module of a PyTorch nn.Sequential called "main": its index in
// that sequence gives the state_dict names ("main.<index>.weight").
type layer struct {
	kind                 layerKind
	index                int
	in, out              int // channels (features for kLinear); BN: out only
	k, stride, pad, opad int
}

// prefix is the state_dict prefix of the layer inside its network.
func (l layer) prefix() string { return "main." + strconv.Itoa(l.index) }

// arch is the layer list of the generator and the discriminator.
type arch struct {
	g, d []layer
}

// withDefaults fills zero fields of cfg with DefaultConfig's values, so a
// Config decoded from older metadata (or written by hand) still works.
func withDefaults(cfg Config) Config {
	def := DefaultConfig(cfg.Size)
	if cfg.Arch == "" {
		cfg.Arch = def.Arch
	}
	if cfg.Channels == 0 {
		cfg.Channels = def.Channels
	}
	if cfg.NZ == 0 {
		cfg.NZ = def.NZ
	}
	if cfg.NGF == 0 {
		cfg.NGF = def.NGF
	}
	if cfg.NDF == 0 {
		cfg.NDF = def.NDF
	}
	if cfg.Kernel == 0 {
		cfg.Kernel = def.Kernel
	}
	if cfg.Batch == 0 {
		cfg.Batch = def.Batch
	}
	if cfg.LR == 0 {
		cfg.LR = def.LR
	}
	if cfg.Beta1 == 0 {
		cfg.Beta1 = def.Beta1
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = def.Beta2
	}
	if cfg.DSteps == 0 {
		cfg.DSteps = def.DSteps
	}
	return cfg
}

// Validate reports the first problem with cfg, or nil. Zero fields are
// checked as they are (New fills defaults first).
func (cfg Config) Validate() error {
	switch cfg.Arch {
	case "dcgan":
		if base(cfg.Size) == 0 {
			return fmt.Errorf("gan: size %d not supported by the dcgan architecture (want one of %v)", cfg.Size, Sizes)
		}
		if cfg.Kernel != 4 && cfg.Kernel != 5 {
			return fmt.Errorf("gan: kernel %d not supported (want 4 or 5)", cfg.Kernel)
		}
	case "mlp":
		if cfg.Size < 1 || cfg.Size > 512 {
			return fmt.Errorf("gan: size %d out of range 1..512", cfg.Size)
		}
	default:
		return fmt.Errorf("gan: unknown architecture %q (want dcgan or mlp)", cfg.Arch)
	}
	checks := []struct {
		name   string
		v, max int
	}{
		{"channels", cfg.Channels, 4},
		{"nz", cfg.NZ, 4096},
		{"ngf", cfg.NGF, 1024},
		{"ndf", cfg.NDF, 1024},
		{"batch", cfg.Batch, 4096},
		{"d_steps", cfg.DSteps, 100},
	}
	for _, c := range checks {
		if c.v < 1 || c.v > c.max {
			return fmt.Errorf("gan: %s %d out of range 1..%d", c.name, c.v, c.max)
		}
	}
	if !(cfg.LR > 0 && cfg.LR < 1) {
		return fmt.Errorf("gan: lr %g out of range (0, 1)", cfg.LR)
	}
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1) || !(cfg.Beta2 >= 0 && cfg.Beta2 < 1) {
		return fmt.Errorf("gan: Adam betas (%g, %g) out of range [0, 1)", cfg.Beta1, cfg.Beta2)
	}
	if !(cfg.LabelSmooth >= 0 && cfg.LabelSmooth < 1) {
		return fmt.Errorf("gan: label_smooth %g out of range [0, 1)", cfg.LabelSmooth)
	}
	if !(cfg.EMADecay >= 0 && cfg.EMADecay < 1) {
		return fmt.Errorf("gan: ema_decay %g out of range [0, 1)", cfg.EMADecay)
	}
	return nil
}

// base returns the side of the generator's first feature map for a DCGAN of
// the given image size (4 or 3), or 0 when the size is not supported.
func base(size int) int {
	switch size {
	case 32, 64, 128:
		return 4
	case 48, 96:
		return 3
	}
	return 0
}

// ups returns the number of stride-2 layers: size = base * 2^ups.
func ups(size int) int {
	b := base(size)
	n := 0
	for s := b; s < size; s *= 2 {
		n++
	}
	return n
}

// buildArch returns the layer lists for a validated cfg.
func buildArch(cfg Config) arch {
	if cfg.Arch == "mlp" {
		return mlpArch(cfg)
	}
	return dcganArch(cfg)
}

// dcganArch follows pytorch/examples/dcgan: G is ConvT(nz, ngf*2^(L-1),
// base, 1, 0) to base x base, then L-1 blocks ConvT(k, 2, p)+BN+ReLU halving
// the channels, then ConvT to the image channels and Tanh; D mirrors it with
// LeakyReLU(0.2), no BN on the first layer, and a last Conv(.., 1, base, 1, 0)
// producing one logit (no Sigmoid: the loss takes logits).
func dcganArch(cfg Config) arch {
	b, L := base(cfg.Size), ups(cfg.Size)
	k, pad, opad := 4, 1, 0
	if cfg.Kernel == 5 {
		k, pad, opad = 5, 2, 1
	}
	var a arch
	idx := 0
	add := func(list *[]layer, l layer) {
		l.index = idx
		*list = append(*list, l)
		idx++
	}
	ch := cfg.NGF << (L - 1)
	add(&a.g, layer{kind: kConvT, in: cfg.NZ, out: ch, k: b, stride: 1})
	add(&a.g, layer{kind: kBN, out: ch})
	add(&a.g, layer{kind: kReLU})
	for i := 1; i < L; i++ {
		add(&a.g, layer{kind: kConvT, in: ch, out: ch / 2, k: k, stride: 2, pad: pad, opad: opad})
		add(&a.g, layer{kind: kBN, out: ch / 2})
		add(&a.g, layer{kind: kReLU})
		ch /= 2
	}
	add(&a.g, layer{kind: kConvT, in: ch, out: cfg.Channels, k: k, stride: 2, pad: pad, opad: opad})
	add(&a.g, layer{kind: kTanh})

	idx = 0
	ch = cfg.NDF
	add(&a.d, layer{kind: kConv, in: cfg.Channels, out: ch, k: k, stride: 2, pad: pad})
	add(&a.d, layer{kind: kLReLU})
	for i := 1; i < L; i++ {
		add(&a.d, layer{kind: kConv, in: ch, out: ch * 2, k: k, stride: 2, pad: pad})
		add(&a.d, layer{kind: kBN, out: ch * 2})
		add(&a.d, layer{kind: kLReLU})
		ch *= 2
	}
	add(&a.d, layer{kind: kConv, in: ch, out: 1, k: b, stride: 1})
	return a
}

// mlpArch is the source article's plain fully connected GAN: G is
// nz -> 4ngf -> 8ngf -> 16ngf -> C*H*W with ReLU and a final Tanh (256, 512,
// 1024 at the default ngf 64); D is C*H*W -> 16ndf -> 8ndf -> 4ndf -> 1 with
// LeakyReLU(0.2). Linear layers carry biases, as torch.nn.Linear does.
func mlpArch(cfg Config) arch {
	var a arch
	idx := 0
	add := func(list *[]layer, l layer) {
		l.index = idx
		*list = append(*list, l)
		idx++
	}
	pix := cfg.Channels * cfg.Size * cfg.Size
	gw := []int{cfg.NZ, 4 * cfg.NGF, 8 * cfg.NGF, 16 * cfg.NGF, pix}
	for i := 0; i+1 < len(gw); i++ {
		add(&a.g, layer{kind: kLinear, in: gw[i], out: gw[i+1]})
		if i+2 < len(gw) {
			add(&a.g, layer{kind: kReLU})
		}
	}
	add(&a.g, layer{kind: kTanh})
	idx = 0
	dw := []int{pix, 16 * cfg.NDF, 8 * cfg.NDF, 4 * cfg.NDF, 1}
	for i := 0; i+1 < len(dw); i++ {
		add(&a.d, layer{kind: kLinear, in: dw[i], out: dw[i+1]})
		if i+2 < len(dw) {
			add(&a.d, layer{kind: kLReLU})
		}
	}
	return a
}

// paramSpec is one trainable tensor or BatchNorm buffer of a layer.
type paramSpec struct {
	name   string // e.g. "main.1.running_mean"
	shape  []int
	buffer bool // running statistic: saved, not trained
}

// specs lists the named tensors of one layer in state_dict order.
func (l layer) specs() []paramSpec {
	p := l.prefix()
	switch l.kind {
	case kConvT:
		return []paramSpec{{name: p + ".weight", shape: []int{l.in, l.out, l.k, l.k}}}
	case kConv:
		return []paramSpec{{name: p + ".weight", shape: []int{l.out, l.in, l.k, l.k}}}
	case kBN:
		return []paramSpec{
			{name: p + ".weight", shape: []int{l.out}},
			{name: p + ".bias", shape: []int{l.out}},
			{name: p + ".running_mean", shape: []int{l.out}, buffer: true},
			{name: p + ".running_var", shape: []int{l.out}, buffer: true},
		}
	case kLinear:
		return []paramSpec{
			{name: p + ".weight", shape: []int{l.out, l.in}},
			{name: p + ".bias", shape: []int{l.out}},
		}
	}
	return nil
}
