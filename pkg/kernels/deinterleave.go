package kernels

// Deinterleave2 splits src into its even and odd elements: even[i] =
// src[2i] and odd[i] = src[2i+1]. len(even)+len(odd) must be len(src) and
// even must hold as many values as odd or one more (src of odd length).
// It is the stride-2 convolutions' phase split (pkg/nn): one image row
// into the row of each of its two column phases.
func Deinterleave2(even, odd, src []float32) {
	if len(even)+len(odd) != len(src) || len(even)-len(odd) > 1 || len(odd) > len(even) {
		panic("kernels: Deinterleave2: lengths do not split src")
	}
	lo := deinterleaveVec(even, odd, src) // a prefix done by the vector kernel
	deinterleaveGo(even[lo:], odd[lo:], src[2*lo:])
}

// deinterleaveGo is the portable Deinterleave2.
func deinterleaveGo(even, odd, src []float32) {
	odd = odd[:min(len(odd), len(src)/2)]
	for i := range odd {
		even[i], odd[i] = src[2*i], src[2*i+1]
	}
	if len(even) > len(odd) {
		even[len(odd)] = src[2*len(odd)]
	}
}
