package nn

import (
	"fmt"

	"github.com/toongan/toongan/pkg/kernels"
	"gorgonia.org/gorgonia"
)

// Split is how many consecutive slices of the batch a training graph's
// sums over the batch are taken as: with Split n > 1 every sum over batch
// items (a BatchNorm's statistics and gradient sums, a weight gradient) is
// taken slice by slice, each slice exactly as a process of an n-process
// data-parallel job holding only that slice would take it, and the slices'
// results are then added in slice order, as the job's reduction adds the
// processes'. One process then computes bit for bit what an n-process
// job computes when the job adds the processes' values in process order
// (for n = 2 any order: a reduction of two values is exact-commutative).
// 0 or 1: the whole batch at once. The batch must be a multiple of n.
type Split int

// slices returns the number of slices s asks for (at least 1).
func (s Split) slices() int { return max(int(s), 1) }

// first returns the split given to a constructor's variadic argument.
func first(split []Split) Split {
	if len(split) == 0 {
		return 1
	}
	return split[0]
}

// GradParts returns, for a node made by a weight-gradient op of a graph
// built with a Split of n > 1 (a convolution's or transposed
// convolution's weight gradient, a BatchNorm's gamma or beta gradient),
// the n slices' parts of its last value: the node's value is their sum in
// slice order. It returns nil for any other node, or before the op ran. The
// slices are the op's own buffers, overwritten by its next run.
func GradParts(n *gorgonia.Node) [][]float32 {
	if n == nil {
		return nil
	}
	o, ok := n.Op().(*op)
	if !ok {
		return nil
	}
	pk, ok := o.k.(interface{ gradParts() [][]float32 })
	if !ok {
		return nil
	}
	return pk.gradParts()
}

// partSums holds a gradient op's per-slice parts.
type partSums struct {
	parts [][]float32
}

func (p *partSums) gradParts() [][]float32 { return p.parts }

// grow makes n parts of size values each.
func (p *partSums) grow(n, size int) {
	if len(p.parts) != n {
		p.parts = make([][]float32, n)
	}
	for i := range p.parts {
		p.parts[i] = grow(p.parts[i], size)
	}
}

// sumInto writes the sum of the parts, in slice order, into out.
func (p *partSums) sumInto(out []float32) {
	kernels.ParallelForMin(len(out), 1<<15, func(lo, hi int) {
		o := out[lo:hi]
		copy(o, p.parts[0][lo:hi])
		for _, q := range p.parts[1:] {
			for j, v := range q[lo:hi] {
				o[j] += v
			}
		}
	})
}

// weightGrad computes out = op(A) × colsᵀ, the weight gradient of a
// convolution (A = dOut, cols = im2col(x)) or of a transposed convolution
// (A = x, cols = im2col(dOut)): m rows, A [m, g.cols()], cols gathered from
// img. With s.slices() > 1 the product's K (the columns: batch items ×
// grid positions) is taken slice by slice (whole batch items), each slice
// a product of its own as the process holding only those items computes
// it, kept in parts and then added.
func weightGrad(out []float32, m int, a, img []float32, g geom, s Split, parts *partSums) error {
	cp := newColsPacker(img, g, true)
	defer cp.release()
	n := s.slices()
	if n == 1 {
		kernels.SgemmPacked(false, m, g.rows(), g.cols(), 1, a, g.cols(), cp, 0, out, g.rows())
		return nil
	}
	if g.b%n != 0 {
		return fmt.Errorf("batch %d does not split into %d slices", g.b, n)
	}
	k := g.cols() / n
	parts.grow(n, len(out))
	for i, p := range parts.parts {
		kernels.SgemmPacked(false, m, g.rows(), k, 1, a[i*k:], g.cols(), colsFrom{cp, i * k}, 0, p, g.rows())
	}
	parts.sumInto(out)
	return nil
}

// colsFrom is the transposed column matrix of cp from column off on: the
// operand of one slice's weight-gradient product.
type colsFrom struct {
	cp  *colsPacker
	off int
}

// PackB implements kernels.BPacker.
func (c colsFrom) PackB(dst []float32, p0, kb, j0, nb, nr int) {
	c.cp.PackB(dst, p0+c.off, kb, j0, nb, nr)
}
