package kernels

import "fmt"

// PackedA is the A operand of SGEMM packed once for several products that
// share it (SgemmOnPackedA): a layer's weights multiplied with a batch a
// few columns at a time, say, which Sgemm would pack again for every
// product. Its memory is reused by the next Pack.
type PackedA struct {
	kern *microKernel
	m, k int
	kc   int // the K blocking, as gemmArgs.do chooses it for k
	mPad int // m rounded up to whole micro-panels
	data []float32
}

// blockK returns the K block size a product of depth k uses with kern:
// kern.kc balanced over the blocks (k=257 with kc=256 gives two blocks of
// 129 and 128, not 256 and 1). It depends only on k, so it is the same for
// every thread count.
func blockK(kern *microKernel, k int) int {
	nkb := (k + kern.kc - 1) / kern.kc
	return (k + nkb - 1) / nkb
}

// Pack stores op(A) (m×k; A is stored k×m when transA, with row stride
// lda) in p, in the layout the GEMM's own packing gives each block: for
// every K block, the micro-panels of mr rows one after another. It runs
// on up to Workers() goroutines.
func (p *PackedA) Pack(transA bool, m, k int, a []float32, lda int) {
	ar, ac := stored(transA, m, k)
	if m < 0 || k < 0 || lda < max(1, ac) || (ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac) {
		panic(fmt.Sprintf("kernels: PackedA.Pack: bad operand m=%d k=%d lda=%d len=%d", m, k, lda, len(a)))
	}
	p.pack(activeKernel, transA, m, k, a, lda)
}

// pack is Pack with an explicit kernel.
func (p *PackedA) pack(kern *microKernel, transA bool, m, k int, a []float32, lda int) {
	mr := kern.mr
	p.kern, p.m, p.k = kern, m, k
	p.mPad = roundUp(m, mr)
	p.kc = 1
	if k > 0 {
		p.kc = blockK(kern, k)
	}
	if cap(p.data) < p.mPad*k {
		p.data = make([]float32, p.mPad*k)
	}
	p.data = p.data[:p.mPad*k]
	panels := p.mPad / mr
	// Each worker packs whole panels, every K block of them: at least
	// about 32K values apiece.
	ParallelForMin(panels, max(1, (1<<15)/max(mr*k, 1)), func(lo, hi int) {
		i0, i1 := lo*mr, min(hi*mr, m)
		for pc := 0; pc < k; pc += p.kc {
			kb := min(p.kc, k-pc)
			packA(p.data[pc*p.mPad+i0*kb:], transA, a, lda, i0, i1-i0, pc, kb, mr)
		}
	})
}

// block returns the packed panels of rows ic.. (a multiple of mr) for the
// K block starting at pc, of depth kb: what packA writes into the
// workspace for that block.
func (p *PackedA) block(ic, pc, kb int) []float32 {
	return p.data[pc*p.mPad+ic*kb:]
}

// SgemmOnPackedA is SgemmOn with op(A) taken from pa (m×k as packed):
// C = alpha*op(A)*op(B) + beta*C with op(B) k×n. The blocking, the split
// among workers and the packed values are Sgemm's, so the result is bit
// for bit Sgemm's with the A pa was packed from.
func SgemmOnPackedA(workers int, pa *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if pa == nil || pa.kern == nil {
		panic("kernels: SgemmOnPackedA: A not packed")
	}
	m, k := pa.m, pa.k
	checkArgs(false, transB, m, n, k, m*k, max(1, k), len(b), ldb, len(c), ldc)
	g := &gemmArgs{kern: pa.kern, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		lda: max(1, k), b: b, ldb: ldb, c: c, ldc: ldc, pa: pa}
	g.do(max(workers, 1))
}

// packedBufs holds the memory of the PackedA values GetPackedA hands out.
var packedBufs BufPool

// GetPackedA returns a PackedA whose memory, from a pool shared by the
// products, holds an m×k op(A); hand it back with PutPackedA.
func GetPackedA(m, k int) *PackedA {
	return &PackedA{data: packedBufs.Get(roundUp(m, activeKernel.mr) * k)}
}

// PutPackedA hands p's memory back for reuse; p must not be used
// afterwards.
func PutPackedA(p *PackedA) {
	packedBufs.Put(p.data)
	p.data = nil
}
