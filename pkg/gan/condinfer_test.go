package gan

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// refD is a projection discriminator by the book, in float64, from the
// model's state tensors: Conv2d, BatchNorm with running statistics,
// LeakyReLU(0.2) up to the last convolution (the features h), then the
// last convolution plus sum_a <D.cond.embed[row of label a], sum over
// positions of h> (unknown labels add nothing). x is one CHW image.
func refD(t *testing.T, m *Model, x []float32, labels []byte) float64 {
	t.Helper()
	ts := map[string][]float32{}
	for _, s := range m.State() {
		ts[s.Name] = s.Data
	}
	c, side := m.cfg.Channels, m.cfg.Size
	h := make([]float64, len(x))
	for i, v := range x {
		h[i] = float64(v)
	}
	var convs []layer
	for _, l := range m.d.layers {
		if l.kind == kConv {
			convs = append(convs, l)
		}
	}
	last := convs[len(convs)-1]
	var feat []float64
	for _, l := range m.d.layers {
		p := "D." + l.prefix()
		switch l.kind {
		case kConv:
			if l == last {
				feat = slices.Clone(h)
			}
			h, c, side = refConv(h, ts[p+".weight"], c, side, l)
		case kBN:
			mean, vr, g, b := ts[p+".running_mean"], ts[p+".running_var"], ts[p+".weight"], ts[p+".bias"]
			for i := range h {
				ch := i / (side * side)
				h[i] = (h[i]-float64(mean[ch]))/math.Sqrt(float64(vr[ch])+1e-5)*float64(g[ch]) + float64(b[ch])
			}
		case kLReLU:
			for i, v := range h {
				if v < 0 {
					h[i] = 0.2 * v
				}
			}
		case kEmbed:
		default:
			t.Fatalf("reference D: layer kind %d", l.kind)
		}
	}
	logit := h[0]
	table, C := ts["D.cond.embed"], last.in
	pos := len(feat) / C
	off := 0
	for a, ca := range m.cfg.Cond.Attrs {
		if k := int(labels[a]); k > 0 {
			for ch := range C {
				var s float64
				for p := range pos {
					s += feat[ch*pos+p]
				}
				logit += float64(table[(off+k-1)*C+ch]) * s
			}
		}
		off += len(ca.Values)
	}
	return logit
}

// refConv is Conv2d without bias of a CHW image: weight [out, in, k, k].
func refConv(x []float64, w []float32, in, side int, l layer) ([]float64, int, int) {
	o := (side+2*l.pad-l.k)/l.stride + 1
	y := make([]float64, l.out*o*o)
	for co := range l.out {
		for oy := range o {
			for ox := range o {
				var s float64
				for ci := range in {
					for ky := range l.k {
						iy := oy*l.stride - l.pad + ky
						for kx := range l.k {
							ix := ox*l.stride - l.pad + kx
							if iy >= 0 && iy < side && ix >= 0 && ix < side {
								s += x[(ci*side+iy)*side+ix] * float64(w[((co*in+ci)*l.k+ky)*l.k+kx])
							}
						}
					}
				}
				y[(co*o+oy)*o+ox] = s
			}
		}
	}
	return y, l.out, o
}

// TestDiscriminateLabels: a trained-for-two-steps projection D's logits
// with labels equal the float64 reference within 1e-5 and differ from the
// unconditional head (Discriminate); all-unknown labels are the head; an
// AC-GAN D's logit ignores the labels; bad labels are refused.
func TestDiscriminateLabels(t *testing.T) {
	cfg := condTiny(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	defer m.Close()
	for s := range 2 {
		if _, err := m.StepLabels(tanhBatch(uint64(s+1), cfg), condLabels(cfg.Batch)); err != nil {
			t.Fatal(err)
		}
	}
	const n = 6
	x := SampleLatents(9, n, m.imageLen())
	for i, v := range x {
		x[i] = float32(math.Tanh(float64(v)))
	}
	labels := condLabels(n)
	got, err := m.DiscriminateLabels(x, labels, n)
	if err != nil {
		t.Fatal(err)
	}
	head, err := m.Discriminate(x, n)
	if err != nil {
		t.Fatal(err)
	}
	per, A := m.imageLen(), len(cfg.Cond.Attrs)
	for j := range n {
		want := refD(t, m, x[j*per:(j+1)*per], labels[j*A:(j+1)*A])
		if d := math.Abs(float64(got[j]) - want); d > 1e-5 {
			t.Errorf("image %d: logit %g, reference %g", j, got[j], want)
		}
		if d := math.Abs(float64(got[j] - head[j])); d < 1e-4 {
			t.Errorf("image %d: logit %g with labels, %g without: no projection term", j, got[j], head[j])
		}
		if ref0 := refD(t, m, x[j*per:(j+1)*per], make([]byte, A)); math.Abs(float64(head[j])-ref0) > 1e-5 {
			t.Errorf("image %d: head %g, reference with unknown labels %g", j, head[j], ref0)
		}
	}
	unknown, err := m.DiscriminateLabels(x, make([]byte, n*A), n)
	if err != nil || maxDiff(unknown, head) != 0 {
		t.Errorf("all-unknown labels: %v, differ from the head by %g", err, maxDiff(unknown, head))
	}
	bad := slices.Clone(labels)
	bad[1] = LabelDraw
	if _, err := m.DiscriminateLabels(x, bad, n); err == nil || !strings.Contains(err.Error(), "glasses label 255") {
		t.Errorf("a LabelDraw byte: %v", err)
	}
	if _, err := mustNew(t, tiny("dcgan", 32, 4)).DiscriminateLabels(x, labels, n); err == nil {
		t.Error("labels given to an unconditional model accepted")
	}
	ac := cfg
	ac.Cond = &CondSpec{Dim: cfg.Cond.Dim, Attrs: cfg.Cond.Attrs, D: CondACGAN}
	am := mustNew(t, ac)
	defer am.Close()
	a1, err1 := am.DiscriminateLabels(x, labels, n)
	a0, err0 := am.Discriminate(x, n)
	if err1 != nil || err0 != nil || maxDiff(a1, a0) != 0 {
		t.Errorf("AC-GAN logit depends on the labels: %v %v %g", err1, err0, maxDiff(a1, a0))
	}
}

// TestGeneratorInput: the first layer's input is the latent and the EMA
// table's rows of the resolved labels, and the conditional layer list
// reads it (its first layer's input width).
func TestGeneratorInput(t *testing.T) {
	cfg := condTiny(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	defer m.Close()
	const n = 5
	z := SampleLatents(4, n, cfg.NZ)
	labels := condLabels(n)
	labels[3] = LabelDraw
	in, err := m.GeneratorInput(z, labels, n, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.ResolveLabels(z, labels, n)
	if err != nil || res[3] == LabelDraw || !slices.Equal(res[:3], labels[:3]) {
		t.Fatalf("resolved %v (%v) from %v", res, err, labels)
	}
	var table []float32
	for _, s := range m.State() {
		if s.Name == "EMA.cond.embed" {
			table = s.Data
		}
	}
	dim, A := cfg.Cond.Dim, len(cfg.Cond.Attrs)
	width := cfg.NZ + A*dim
	off := []int{0, len(cfg.Cond.Attrs[0].Values) + 1}
	for j := range n {
		row := in[j*width : (j+1)*width]
		if !slices.Equal(row[:cfg.NZ], z[j*cfg.NZ:(j+1)*cfg.NZ]) {
			t.Fatalf("image %d: latent part differs", j)
		}
		for a := range A {
			r := off[a] + int(res[j*A+a])
			if !slices.Equal(row[cfg.NZ+a*dim:cfg.NZ+(a+1)*dim], table[r*dim:(r+1)*dim]) {
				t.Errorf("image %d attribute %d: not the table's row %d", j, a, r)
			}
		}
	}
	layers, err := m.CondGeneratorLayers(false)
	if err != nil || layers[0].In != width || layers[len(layers)-1].Kind != KindTanh {
		t.Fatalf("conditional layers: %v", err)
	}
	if _, err := mustNew(t, tiny("dcgan", 32, 4)).CondGeneratorLayers(false); err == nil {
		t.Error("CondGeneratorLayers of an unconditional model")
	}
}

// TestCondBNOffsets: a cbn model's offsets are its tables' rows of each
// image's known labels (an unknown label adds nothing); a concat model has
// none; a layer without tables is refused.
func TestCondBNOffsets(t *testing.T) {
	cfg := condCBN(tiny("dcgan", 32, 4))
	m := mustNew(t, cfg)
	gt, bt := m.g.get("cond.bn.4.weight"), m.g.get("cond.bn.4.bias")
	for i := range gt.data {
		gt.data[i], bt.data[i] = float32(i), float32(-2*i)
	}
	const n = 3
	z := SampleLatents(1, n, cfg.NZ)
	labels := []byte{0, 2, 1, 1, 2, 0} // colour unknown/a/b, glasses yes/no/unknown
	gain, bias, err := m.CondBNOffsets(z, labels, n, "main.4", true)
	if err != nil {
		t.Fatal(err)
	}
	c := gt.shape[1]
	// D's row layout: colour a, b are rows 0, 1; glasses no, yes rows 2, 3.
	rows := [][]int{{3}, {0, 2}, {1}}
	for j, rs := range rows {
		for ch := range c {
			var want float32
			for _, r := range rs {
				want += float32(r*c + ch)
			}
			if gain[j*c+ch] != want || bias[j*c+ch] != -2*want {
				t.Fatalf("image %d channel %d: offsets %g, %g, want %g, %g", j, ch, gain[j*c+ch], bias[j*c+ch], want, -2*want)
			}
		}
	}
	for _, name := range []string{"main.2", "main.4x", "main.40", "cond.embed"} {
		if _, _, err := m.CondBNOffsets(z, labels, n, name, true); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if g, b, err := mustNew(t, condTiny(tiny("dcgan", 32, 4))).CondBNOffsets(z, labels, n, "main.1", false); g != nil || b != nil || err != nil {
		t.Errorf("concat model: %v, %v, %v", g, b, err)
	}
}
