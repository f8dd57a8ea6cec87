package gan

import "strconv"

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
	kMBStd                   // minibatch standard deviation: one more channel, no parameters
	kEmbed                   // conditioning table "cond.embed" [in rows, out dims] (cond.go); skipped by forward
	kCBN                     // conditional BatchNorm tables of BatchNorm main.<of> [in rows, out channels] (cond.go); skipped by forward
)

// layer is one module of a PyTorch nn.Sequential called "main": its index in
// that sequence gives the state_dict names ("main.<index>.weight").
type layer struct {
	kind                 layerKind
	index                int
	in, out              int // channels (features for kLinear); BN: out only
	k, stride, pad, opad int
	sn                   bool // kConv: spectrally normalised weight (weight_u, weight_v buffers)
	of                   int  // kCBN: the index of the BatchNorm layer it conditions
}

// prefix is the state_dict prefix of the layer inside its network.
func (l layer) prefix() string { return "main." + strconv.Itoa(l.index) }

// arch is the layer list of the generator and the discriminator.
type arch struct {
	g, d []layer
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
	return condLayers(cfg, dcganArch(cfg))
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
	add(&a.g, layer{kind: kConvT, in: cfg.NZ + cfg.condInputs(), out: ch, k: b, stride: 1})
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
	sn := cfg.SpectralNorm
	add(&a.d, layer{kind: kConv, in: cfg.Channels, out: ch, k: k, stride: 2, pad: pad, sn: sn})
	add(&a.d, layer{kind: kLReLU})
	for i := 1; i < L; i++ {
		add(&a.d, layer{kind: kConv, in: ch, out: ch * 2, k: k, stride: 2, pad: pad, sn: sn})
		if !sn {
			add(&a.d, layer{kind: kBN, out: ch * 2})
		}
		add(&a.d, layer{kind: kLReLU})
		ch *= 2
	}
	in := ch
	if cfg.MBStd {
		add(&a.d, layer{kind: kMBStd})
		in++
	}
	add(&a.d, layer{kind: kConv, in: in, out: 1, k: b, stride: 1, sn: sn})
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
	zero   bool // trainable, initialised to zero (no draw from the init stream)
}

// specs lists the named tensors of one layer in state_dict order.
func (l layer) specs() []paramSpec {
	p := l.prefix()
	switch l.kind {
	case kConvT:
		return []paramSpec{{name: p + ".weight", shape: []int{l.in, l.out, l.k, l.k}}}
	case kConv:
		w := []paramSpec{{name: p + ".weight", shape: []int{l.out, l.in, l.k, l.k}}}
		if l.sn {
			w = append(w,
				paramSpec{name: p + ".weight_u", shape: []int{l.out}, buffer: true},
				paramSpec{name: p + ".weight_v", shape: []int{l.in * l.k * l.k}, buffer: true})
		}
		return w
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
	case kEmbed:
		return []paramSpec{{name: condEmbedName, shape: []int{l.in, l.out}}}
	case kCBN:
		return []paramSpec{
			{name: condBNName(l.of, "weight"), shape: []int{l.in, l.out}, zero: true},
			{name: condBNName(l.of, "bias"), shape: []int{l.in, l.out}, zero: true},
		}
	}
	return nil
}
