package nn

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestWeightGradSplit: a convolution's and a transposed convolution's
// weight gradient with Split 2 are, bit for bit, the sum of the two
// half-batches' weight gradients computed on their own (what the two
// processes of a job compute), and GradParts' slices are those halves.
func TestWeightGradSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for _, tc := range []struct {
		name                     string
		transposed               bool
		cin, cout, b, h, k, s, p int
	}{
		{"conv k4 s2", false, 3, 5, 8, 32, 4, 2, 1},
		{"conv k5 s2", false, 4, 3, 6, 12, 5, 2, 2},
		{"convT k4 s2", true, 5, 3, 8, 16, 4, 2, 1},
		{"convT 1x1 to 4x4", true, 6, 4, 10, 1, 4, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// x [cin, b, h, h]; dOut computed from its geometry.
			whole := func(b int, split Split) (kernel, []tensor.Shape) {
				xs := tensor.Shape{tc.cin, b, tc.h, tc.h}
				if tc.transposed {
					g, err := convTGeom(xs, tensor.Shape{tc.cin, tc.cout, tc.k, tc.k}, tc.s, tc.p, 0)
					if err != nil {
						t.Fatal(err)
					}
					return &convTGrad{g: g, wrtW: true, split: split}, []tensor.Shape{xs, {tc.cout, b, g.h, g.w}, {tc.cout, b, g.h, g.w}}
				}
				g, cout, err := convGeom(xs, tensor.Shape{tc.cout, tc.cin, tc.k, tc.k}, tc.s, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				return &convDW{g: g, split: split}, []tensor.Shape{xs, {cout, b, g.oh, g.ow}, {cout, b, g.oh, g.ow}}
			}
			k2, s2 := whole(tc.b, 2)
			x, dy := vals(s2[0].TotalSize()), vals(s2[1].TotalSize())
			nw := tc.cin * tc.cout * tc.k * tc.k
			got := make([]float32, nw)
			if err := k2.forward(got, [][]float32{x, dy, dy}, s2); err != nil {
				t.Fatal(err)
			}
			kh, sh := whole(tc.b/2, 0)
			sum := make([]float32, nw)
			for half := range 2 {
				lo, hi := half*tc.b/2, (half+1)*tc.b/2
				xh := part(x, tc.cin, tc.b, tc.h*tc.h, lo, hi)
				dyh := part(dy, s2[1][0], tc.b, s2[1][2]*s2[1][3], lo, hi)
				hg := make([]float32, nw)
				if err := kh.forward(hg, [][]float32{xh, dyh, dyh}, sh); err != nil {
					t.Fatal(err)
				}
				bitEqual(t, "part", k2.(interface{ gradParts() [][]float32 }).gradParts()[half], hg)
				for i := range sum {
					sum[i] += hg[i]
				}
			}
			bitEqual(t, "weight gradient", got, sum)
		})
	}
}
