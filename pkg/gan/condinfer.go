package gan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/toongan/toongan/pkg/nn"
)

// Inference helpers of conditional models for eval and the explorer: D's
// logit with the labels, the labels a latent draws, and G's first layer
// with its input.

// DiscriminateLabels is Discriminate with labels (n images, len(Config.Cond)
// bytes each; 0 unknown, k the attribute's value k-1). A projection
// discriminator's logit gets the projection term of each image's known
// labels, as in training (an unknown label adds nothing); with CondACGAN
// the logit is unconditional (the auxiliary classifier is no part of it)
// and the labels are only checked. nil labels are all unknown; for an
// unconditional model labels must be nil.
func (m *Model) DiscriminateLabels(x []float32, labels []byte, n int) ([]float32, error) {
	if labels == nil {
		return m.Discriminate(x, n)
	}
	if m.cond == nil {
		return nil, errors.New("gan: discriminate: labels given to an unconditional model")
	}
	if n < 0 || len(x) != n*m.imageLen() {
		return nil, fmt.Errorf("gan: discriminate: %d values for %d images of %d values", len(x), n, m.imageLen())
	}
	if err := m.checkLabels(labels, n, false); err != nil {
		return nil, fmt.Errorf("gan: discriminate: %w", err)
	}
	return m.runChunks("D", x, &condBatch{labels: labels}, n, m.imageLen(), m.hw(), 1, 1)
}

// ResolveLabels returns the labels GenerateLabels draws n images with:
// labels (as for GenerateLabels; nil: all LabelDraw) with each LabelDraw
// byte drawn for its image's latent in z.
func (m *Model) ResolveLabels(z []float32, labels []byte, n int) ([]byte, error) {
	if m.cond == nil {
		return nil, errors.New("gan: labels: the model is unconditional")
	}
	if n < 0 || len(z) != n*m.cfg.NZ {
		return nil, fmt.Errorf("gan: labels: %d latent values for %d images of nz %d", len(z), n, m.cfg.NZ)
	}
	if labels == nil {
		labels = slices.Repeat([]byte{LabelDraw}, n*len(m.cfg.Cond.Attrs))
	}
	return m.resolveLabels(labels, z, n)
}

// CondGeneratorLayers is GeneratorLayers for a conditional model: the same
// list, whose first layer reads GeneratorInput's NZ + len(Cond)*Cond.Dim
// values per image instead of the latent alone. With conditional BatchNorm
// (CondSpec.G CondCBN) each BatchNorm's weight and bias are further offset
// per image by its labels (CondBNOffsets), which the list leaves out.
func (m *Model) CondGeneratorLayers(raw bool) ([]ExportLayer, error) {
	if m.cond == nil {
		return nil, errors.New("gan: the generator is unconditional (see GeneratorLayers)")
	}
	return m.exportLayers(raw)
}

// GeneratorInput returns the first layer's input of a conditional
// generator for n latents and their labels (as for GenerateLabels,
// LabelDraw drawn per latent): per image, NZ + len(Cond)*Cond.Dim values,
// the latent then each attribute's embedding in Cond's order (the EMA
// generator's table, or G's with raw), as the generator concatenates them.
func (m *Model) GeneratorInput(z []float32, labels []byte, n int, raw bool) ([]float32, error) {
	res, err := m.ResolveLabels(z, labels, n)
	if err != nil {
		return nil, err
	}
	src := m.g
	if !raw {
		if err := m.SyncEMA(); err != nil {
			return nil, err
		}
		src = m.ema
	}
	table := src.get(condEmbedName).data
	A, nz, dim := len(m.cfg.Cond.Attrs), m.cfg.NZ, m.cfg.Cond.Dim
	rows := nn.NewEmbedRows(A, n)
	m.setRows(rows, res, n, false)
	width := nz + A*dim
	out := make([]float32, n*width)
	for j := range n {
		copy(out[j*width:], z[j*nz:(j+1)*nz])
		for a := range A {
			r := int(rows.Rows[j*A+a])
			copy(out[j*width+nz+a*dim:j*width+nz+(a+1)*dim], table[r*dim:(r+1)*dim])
		}
	}
	return out, nil
}

// CondBNOffsets returns what the labels of n images (as for
// GenerateLabels, LabelDraw drawn for each image's latent in z) add to the
// gain and the bias of G's BatchNorm layer name (e.g. "main.1") with
// conditional BatchNorm (CondSpec.G CondCBN): n*C values each, image-major,
// from the EMA generator's tables (G's with raw). A layer's per-image
// gain is its weight plus the offset, its bias likewise (an unknown label
// adds nothing). For a concat generator, whose BatchNorm layers are
// plain, the offsets are nil.
func (m *Model) CondBNOffsets(z []float32, labels []byte, n int, name string, raw bool) (gain, bias []float32, err error) {
	res, err := m.ResolveLabels(z, labels, n)
	if err != nil {
		return nil, nil, err
	}
	if !m.cfg.condBN() {
		return nil, nil, nil
	}
	src := m.g
	if !raw {
		src = m.ema
	}
	var of int
	if _, err := fmt.Sscanf(name, "main.%d", &of); err != nil || src.get(condBNName(of, "weight")) == nil || name != "main."+strconv.Itoa(of) {
		return nil, nil, fmt.Errorf("gan: %q is not a conditional BatchNorm layer of the generator", name)
	}
	gt, bt := src.get(condBNName(of, "weight")), src.get(condBNName(of, "bias"))
	c := gt.shape[1]
	A := len(m.cfg.Cond.Attrs)
	rows := nn.NewEmbedRows(A, n)
	m.setRows(rows, res, n, true)
	gain, bias = make([]float32, n*c), make([]float32, n*c)
	for j := range n {
		for a := range A {
			r := int(rows.Rows[j*A+a])
			if r < 0 {
				continue
			}
			for ch := range c {
				gain[j*c+ch] += gt.data[r*c+ch]
				bias[j*c+ch] += bt.data[r*c+ch]
			}
		}
	}
	return gain, bias, nil
}
