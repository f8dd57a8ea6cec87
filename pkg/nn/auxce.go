package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AuxCE is an auxiliary classifier's loss (AC-GAN, Odena et al. 2017) over
// features h ([C, B, H, W]) with a table ([R, C]) of class weights split
// into blocks, one per attribute (sizes: the number of rows of each, in
// order): attribute a's logits for sample b are the inner products of its
// block's rows with the mean over positions of h[:, b]; its target is the
// row Rows[b*Attrs+a] (an absolute table row inside the block, or -1:
// unknown, no loss). The output is the scalar sum over samples and known
// attributes of the softmax cross-entropy, divided by B. Gradients flow to
// h and to the table.
func AuxCE(h, table *gorgonia.Node, rows *EmbedRows, sizes []int) (*gorgonia.Node, error) {
	if rows == nil || rows.Mix != nil || len(sizes) != rows.Attrs {
		return nil, fmt.Errorf("nn.AuxCE: rows do not match %d attribute blocks", len(sizes))
	}
	total, first := 0, make([]int, len(sizes))
	for a, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("nn.AuxCE: a block of %d rows", s)
		}
		first[a] = total
		total += s
	}
	return apply(&auxCE{rows: rows, sizes: sizes, first: first, total: total, saved: &auxSaved{}}, h, table)
}

type auxSaved struct {
	pooled []float64 // [C, B]: the mean over positions of h
	probs  []float64 // per sample, attribute block by block: softmax over the block
}

type auxCE struct {
	rows  *EmbedRows
	sizes []int
	first []int // each block's first table row
	total int
	saved *auxSaved
}

func (k *auxCE) name() string { return "AuxCE" }

func (k *auxCE) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	if _, _, _, r, err := projShapes(in); err != nil || r != k.total {
		return nil, fmt.Errorf("shapes %v: want features [C, B, H, W] and a table of %d rows (%v)", in, k.total, err)
	}
	return tensor.ScalarShape(), nil
}

// block returns the first table row of attribute a's block, and its size.
func (k *auxCE) block(a int) (first, size int) { return k.first[a], k.sizes[a] }

func (k *auxCE) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	C, b, hw, r, err := projShapes(s)
	if err != nil {
		return err
	}
	if err := k.rows.check(b, r); err != nil {
		return err
	}
	h, table, A := in[0], in[1], k.rows.Attrs
	sv := k.saved
	sv.pooled = resize(sv.pooled, C*b)
	sv.probs = resize(sv.probs, b*k.total)
	for c := 0; c < C; c++ {
		for j := 0; j < b; j++ {
			sv.pooled[c*b+j] = pooled(h, c, j, b, hw) / float64(hw)
		}
	}
	var loss float64
	for j := 0; j < b; j++ {
		for a := 0; a < A; a++ {
			first, size := k.block(a)
			p := sv.probs[j*k.total+first : j*k.total+first+size]
			mx := math.Inf(-1)
			for v := range p {
				var z float64
				for c := 0; c < C; c++ {
					z += float64(table[(first+v)*C+c]) * sv.pooled[c*b+j]
				}
				p[v] = z
				mx = math.Max(mx, z)
			}
			var sum float64
			for v := range p {
				p[v] = math.Exp(p[v] - mx)
				sum += p[v]
			}
			for v := range p {
				p[v] /= sum
			}
			t := int(k.rows.Rows[j*A+a])
			if t < 0 {
				continue
			}
			if t < first || t >= first+size {
				return fmt.Errorf("sample %d attribute %d: target row %d outside its block %d..%d", j, a, t, first, first+size-1)
			}
			loss -= math.Log(math.Max(p[t-first], 1e-30))
		}
	}
	out[0] = float32(loss / float64(b))
	return nil
}

func (k *auxCE) diffWRT() []bool { return []bool{true, true} }

func (k *auxCE) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return pairGrads(func(table bool) kernel {
		return &auxCEGrad{pairGrad: pairGrad{op: "AuxCE", x: "Features", table: table}, k: k}
	}, in, grad)
}

// auxCEGrad: inputs h, table, dLoss (scalar); the gradient wrt h, or wrt
// the table when table is set.
type auxCEGrad struct {
	pairGrad
	k *auxCE
}

// forward: dlogit_v = dLoss/B x (p_v - [v = target]); the table gets
// dlogit_v x pooled, the features dlogit_v x weight / positions.
func (g *auxCEGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	C, b, hw, _, err := projShapes(s)
	if err != nil {
		return err
	}
	k, sv := g.k, g.k.saved
	if len(sv.pooled) != C*b || len(sv.probs) != b*k.total {
		return fmt.Errorf("gradient run before the forward pass")
	}
	table, A := in[1], k.rows.Attrs
	scale := float64(in[2][0]) / float64(b)
	clear(out)
	for j := 0; j < b; j++ {
		for a := 0; a < A; a++ {
			t := int(k.rows.Rows[j*A+a])
			if t < 0 {
				continue
			}
			first, size := k.block(a)
			for v := 0; v < size; v++ {
				d := sv.probs[j*k.total+first+v]
				if first+v == t {
					d--
				}
				d *= scale
				row := (first + v) * C
				for c := 0; c < C; c++ {
					if g.table {
						out[row+c] += float32(d * sv.pooled[c*b+j])
						continue
					}
					dv := float32(d * float64(table[row+c]) / float64(hw))
					dst := out[(c*b+j)*hw : (c*b+j+1)*hw]
					for p := range dst {
						dst[p] += dv
					}
				}
			}
		}
	}
	return nil
}
