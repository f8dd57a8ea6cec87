package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkColsPack times colsPacker.PackB alone over DCGAN-64's strided
// conv geometries at batch 64, as the GEMM calls it (K blocks of 256 rows,
// N blocks of 2048 columns, panels of 32), and reports the packed values
// per second.
//
//	go test -run '^$' -bench ColsPack -benchtime 20x ./pkg/nn/
func BenchmarkColsPack(b *testing.B) {
	const kc, nc, nr = 256, 2048, 32
	for _, l := range dcganLayers {
		if l.transposed || l.stride == 1 {
			continue
		}
		g := geom{c: l.cin, b: 64, h: l.in, w: l.in, k: l.k, s: l.stride, p: l.pad}
		g.oh = (g.h+2*g.p-g.k)/g.s + 1
		g.ow = (g.w+2*g.p-g.k)/g.s + 1
		rng := rand.New(rand.NewPCG(1, 3))
		img := randSlice(rng, g.c*g.b*g.h*g.w, 1)
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/trans=%v", l.name, trans), func(b *testing.B) {
				cp := newColsPacker(img, g, trans)
				defer cp.release()
				K, N := g.rows(), g.cols()
				if trans {
					K, N = N, K
				}
				dst := make([]float32, kc*nc)
				b.ResetTimer()
				for range b.N {
					for jc := 0; jc < N; jc += nc {
						nb := min(nc, N-jc)
						for pc := 0; pc < K; pc += kc {
							cp.PackB(dst[:kc*((nb+nr-1)/nr*nr)], pc, min(kc, K-pc), jc, nb, nr)
						}
					}
				}
				b.ReportMetric(float64(K)*float64(N)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
			})
		}
	}
}
