package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conditioning ops: learned embeddings of categorical labels.
//
// A conditional generator reads its latent with the embeddings of the
// labels asked for appended (EmbedConcat); a projection discriminator
// (Miyato & Koyama 2018) adds to its logit the inner product of the
// labels' embeddings with its pooled features (ProjEmbed). The labels are
// not a graph value: they are table rows in an EmbedRows that the caller
// fills before each run of the graph (like a data batch).

// EmbedRows are the table rows the conditioning ops look up: Rows[b*Attrs+a]
// is sample b's row for attribute a, or -1 for none (a zero embedding, no
// gradient). With Mix set (EmbedConcat only), sample b's embedding of
// attribute a is (1-Mix[b]) x row Rows[b*Attrs+a] + Mix[b] x row
// To[b*Attrs+a]: a path between two labellings.
type EmbedRows struct {
	Attrs int
	Rows  []int32
	To    []int32
	Mix   []float32
}

// NewEmbedRows is an EmbedRows for batch samples of attrs attributes, every
// row -1.
func NewEmbedRows(attrs, batch int) *EmbedRows {
	r := &EmbedRows{Attrs: attrs, Rows: make([]int32, attrs*batch)}
	for i := range r.Rows {
		r.Rows[i] = -1
	}
	return r
}

// check reports whether the rows fit a batch of b samples and a table of
// tableRows rows.
func (r *EmbedRows) check(b, tableRows int) error {
	if r == nil || r.Attrs < 1 || len(r.Rows) != r.Attrs*b {
		return fmt.Errorf("embedding rows do not match a batch of %d", b)
	}
	if r.Mix != nil && (len(r.Mix) != b || len(r.To) != len(r.Rows)) {
		return fmt.Errorf("embedding mix does not match a batch of %d", b)
	}
	for _, rows := range [][]int32{r.Rows, r.To} {
		for i, v := range rows {
			if v < -1 || int(v) >= tableRows {
				return fmt.Errorf("sample %d attribute %d: row %d outside the table's %d rows", i/r.Attrs, i%r.Attrs, v, tableRows)
			}
		}
	}
	return nil
}

// weights returns, for sample j and attribute a, up to two rows and their
// weights (row -1: none).
func (r *EmbedRows) weights(j, a int) (r1, r2 int, w1, w2 float32) {
	i := j*r.Attrs + a
	if r.Mix == nil {
		return int(r.Rows[i]), -1, 1, 0
	}
	return int(r.Rows[i]), int(r.To[i]), 1 - r.Mix[j], r.Mix[j]
}

// EmbedConcat returns z ([NZ, B, 1, 1]) with each sample's embeddings
// appended along the channels: out is [NZ + Attrs*E, B, 1, 1] with
// out[NZ + a*E + e, b] = table[Rows[b*Attrs+a], e] (0 for row -1), where
// table is [R, E]. Gradients flow to z and to the table.
func EmbedConcat(z, table *gorgonia.Node, rows *EmbedRows) (*gorgonia.Node, error) {
	if rows == nil {
		return nil, fmt.Errorf("nn.EmbedConcat: no rows")
	}
	return apply(&embedCat{rows: rows}, z, table)
}

type embedCat struct{ rows *EmbedRows }

func (k *embedCat) name() string { return "EmbedConcat" }

// catShapes checks z [NZ, B, 1, 1] and table [R, E].
func catShapes(in []tensor.Shape, attrs int) (nz, b, r, e int, err error) {
	if len(in) < 2 {
		return 0, 0, 0, 0, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	z, t := in[0], in[1]
	if len(z) != 4 || z[2] != 1 || z[3] != 1 || z.TotalSize() == 0 {
		return 0, 0, 0, 0, fmt.Errorf("latent shape %v: want [NZ, B, 1, 1]", z)
	}
	if len(t) != 2 || t.TotalSize() == 0 {
		return 0, 0, 0, 0, fmt.Errorf("table shape %v: want [rows, dim]", t)
	}
	if attrs < 1 {
		return 0, 0, 0, 0, fmt.Errorf("%d attributes", attrs)
	}
	return z[0], z[1], t[0], t[1], nil
}

func (k *embedCat) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	nz, b, _, e, err := catShapes(in, k.rows.Attrs)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{nz + k.rows.Attrs*e, b, 1, 1}, nil
}

func (k *embedCat) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	nz, b, r, e, err := catShapes(s, k.rows.Attrs)
	if err != nil {
		return err
	}
	if err := k.rows.check(b, r); err != nil {
		return err
	}
	copy(out, in[0][:nz*b])
	emb, table, A := out[nz*b:], in[1], k.rows.Attrs
	for a := 0; a < A; a++ {
		for j := 0; j < b; j++ {
			r1, r2, w1, w2 := k.rows.weights(j, a)
			for c := 0; c < e; c++ {
				v := float32(0)
				if r1 >= 0 {
					v = w1 * table[r1*e+c]
				}
				if r2 >= 0 {
					v += w2 * table[r2*e+c]
				}
				emb[(a*e+c)*b+j] = v
			}
		}
	}
	return nil
}

func (k *embedCat) diffWRT() []bool { return []bool{true, true} }

func (k *embedCat) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return pairGrads(func(table bool) kernel {
		return &embedCatGrad{pairGrad: pairGrad{op: "EmbedConcat", x: "Latent", table: table}, rows: k.rows}
	}, in, grad)
}

// embedCatGrad: inputs z, table, dOut; the gradient wrt z, or wrt the
// table when table is set.
type embedCatGrad struct {
	pairGrad
	rows *EmbedRows
}

func (k *embedCatGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	nz, b, r, e, err := catShapes(s, k.rows.Attrs)
	if err != nil {
		return err
	}
	dy := in[2]
	if !k.table {
		copy(out, dy[:nz*b])
		return nil
	}
	if err := k.rows.check(b, r); err != nil {
		return err
	}
	clear(out)
	demb, A := dy[nz*b:], k.rows.Attrs
	for a := 0; a < A; a++ {
		for j := 0; j < b; j++ {
			r1, r2, w1, w2 := k.rows.weights(j, a)
			for c := 0; c < e; c++ {
				g := demb[(a*e+c)*b+j]
				if r1 >= 0 {
					out[r1*e+c] += w1 * g
				}
				if r2 >= 0 {
					out[r2*e+c] += w2 * g
				}
			}
		}
	}
	return nil
}

// ProjEmbed is the projection discriminator's conditional term: for
// features h ([C, B, H, W]) and a table ([R, C]) it returns [1, B, 1, 1],
// out[b] = sum over attributes a and channels c of
// table[Rows[b*Attrs+a], c] * sum over positions of h[c, b]. A row of -1
// contributes nothing (an unknown label is masked). Gradients flow to h
// and to the table.
func ProjEmbed(h, table *gorgonia.Node, rows *EmbedRows) (*gorgonia.Node, error) {
	if rows == nil || rows.Mix != nil {
		return nil, fmt.Errorf("nn.ProjEmbed: no rows, or mixed rows")
	}
	return apply(&projEmbed{rows: rows}, h, table)
}

type projEmbed struct{ rows *EmbedRows }

func (k *projEmbed) name() string { return "ProjEmbed" }

// projShapes checks h [C, B, H, W] and table [R, C].
func projShapes(in []tensor.Shape) (c, b, hw, r int, err error) {
	if len(in) < 2 {
		return 0, 0, 0, 0, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	h, t := in[0], in[1]
	if len(h) != 4 || h.TotalSize() == 0 {
		return 0, 0, 0, 0, fmt.Errorf("feature shape %v: want [C, B, H, W]", h)
	}
	if len(t) != 2 || t[1] != h[0] || t[0] < 1 {
		return 0, 0, 0, 0, fmt.Errorf("table shape %v: want [rows, %d]", t, h[0])
	}
	return h[0], h[1], h[2] * h[3], t[0], nil
}

func (k *projEmbed) outShape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("got %d inputs, want 2", len(in))
	}
	_, b, _, _, err := projShapes(in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{1, b, 1, 1}, nil
}

// pooled is the sum over positions of h's channel c for sample j.
func pooled(h []float32, c, j, b, hw int) float64 {
	var s float64
	for _, v := range h[(c*b+j)*hw : (c*b+j+1)*hw] {
		s += float64(v)
	}
	return s
}

func (k *projEmbed) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	C, b, hw, r, err := projShapes(s)
	if err != nil {
		return err
	}
	if err := k.rows.check(b, r); err != nil {
		return err
	}
	h, table, A := in[0], in[1], k.rows.Attrs
	for j := 0; j < b; j++ {
		var acc float64
		for c := 0; c < C; c++ {
			var w float64
			for a := 0; a < A; a++ {
				if row := int(k.rows.Rows[j*A+a]); row >= 0 {
					w += float64(table[row*C+c])
				}
			}
			if w != 0 {
				acc += w * pooled(h, c, j, b, hw)
			}
		}
		out[j] = float32(acc)
	}
	return nil
}

func (k *projEmbed) diffWRT() []bool { return []bool{true, true} }

func (k *projEmbed) symDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return pairGrads(func(table bool) kernel {
		return &projEmbedGrad{pairGrad: pairGrad{op: "ProjEmbed", x: "Features", table: table}, rows: k.rows}
	}, in, grad)
}

// projEmbedGrad: inputs h, table, dOut; the gradient wrt h, or wrt the
// table when table is set.
type projEmbedGrad struct {
	pairGrad
	rows *EmbedRows
}

func (k *projEmbedGrad) forward(out []float32, in [][]float32, s []tensor.Shape) error {
	C, b, hw, r, err := projShapes(s)
	if err != nil {
		return err
	}
	if err := k.rows.check(b, r); err != nil {
		return err
	}
	h, table, dy, A := in[0], in[1], in[2], k.rows.Attrs
	clear(out)
	for j := 0; j < b; j++ {
		g := dy[j]
		for a := 0; a < A; a++ {
			row := int(k.rows.Rows[j*A+a])
			if row < 0 {
				continue
			}
			for c := 0; c < C; c++ {
				if k.table {
					out[row*C+c] += float32(float64(g) * pooled(h, c, j, b, hw))
					continue
				}
				v := g * table[row*C+c]
				dst := out[(c*b+j)*hw : (c*b+j+1)*hw]
				for p := range dst {
					dst[p] += v
				}
			}
		}
	}
	return nil
}
