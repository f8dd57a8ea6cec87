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
	n := len(odd)
	DeinterleaveRows(even, odd, n, src, 2*n, 1, n)
	if len(even) > n {
		even[n] = src[2*n]
	}
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

// Interleave2 is Deinterleave2's inverse: dst[2i] = even[i] and dst[2i+1] =
// odd[i], with the same lengths (the phase merge of pkg/nn's col2im).
func Interleave2(dst, even, odd []float32) {
	if len(even)+len(odd) != len(dst) || len(even)-len(odd) > 1 || len(odd) > len(even) {
		panic("kernels: Interleave2: lengths do not fill dst")
	}
	n := len(odd)
	InterleaveRows(dst, 2*n, even, odd, n, 1, n)
	if len(even) > n {
		dst[2*n] = even[n]
	}
}

// interleaveGo is the portable Interleave2.
func interleaveGo(dst, even, odd []float32) {
	odd = odd[:min(len(odd), len(dst)/2)]
	for i := range odd {
		dst[2*i], dst[2*i+1] = even[i], odd[i]
	}
	if len(even) > len(odd) {
		dst[2*len(odd)] = even[len(odd)]
	}
}

// AddRows adds rows of src to rows of dst: dst[r*ds+i] += src[r*ss+i] for r
// < rows and i < n (row strides ds and ss; one float32 addition per value,
// so the sums are those of the plain loop).
func AddRows(dst []float32, ds int, src []float32, ss, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if ds < 0 || ss < 0 || rows > 1 && (ds < n || ss < n) || len(dst) < (rows-1)*ds+n || len(src) < (rows-1)*ss+n {
		panic("kernels: AddRows: rows outside the slices")
	}
	if addRowsVec(dst, ds, src, ss, rows, n) {
		return
	}
	addRowsGo(dst, ds, src, ss, rows, n)
}

// addRowsGo is the portable AddRows.
func addRowsGo(dst []float32, ds int, src []float32, ss, rows, n int) {
	for r := range rows {
		d, s := dst[r*ds:r*ds+n], src[r*ss:r*ss+n]
		for i := range d {
			d[i] += s[i]
		}
	}
}

// DeinterleaveRows is Deinterleave2 over rows: for r < rows and i < n,
// even[r*es+i] = src[r*ss+2i] and odd[r*es+i] = src[r*ss+2i+1] (row
// strides es for both outputs and ss for src; 2n values of each src row).
// It splits a whole image plane's even or odd rows in one call.
func DeinterleaveRows(even, odd []float32, es int, src []float32, ss, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if es < 0 || ss < 0 || rows > 1 && (es < n || ss < 2*n) || len(even) < (rows-1)*es+n || len(odd) < (rows-1)*es+n || len(src) < (rows-1)*ss+2*n {
		panic("kernels: DeinterleaveRows: rows outside the slices")
	}
	if deinterleaveRowsVec(even, odd, es, src, ss, rows, n) {
		return
	}
	for r := range rows {
		deinterleaveGo(even[r*es:r*es+n], odd[r*es:r*es+n], src[r*ss:r*ss+2*n])
	}
}

// InterleaveRows is Interleave2 over rows, DeinterleaveRows' inverse: for
// r < rows and i < n, dst[r*ds+2i] = even[r*es+i] and dst[r*ds+2i+1] =
// odd[r*es+i].
func InterleaveRows(dst []float32, ds int, even, odd []float32, es, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if ds < 0 || es < 0 || rows > 1 && (ds < 2*n || es < n) || len(dst) < (rows-1)*ds+2*n || len(even) < (rows-1)*es+n || len(odd) < (rows-1)*es+n {
		panic("kernels: InterleaveRows: rows outside the slices")
	}
	if interleaveRowsVec(dst, ds, even, odd, es, rows, n) {
		return
	}
	for r := range rows {
		interleaveGo(dst[r*ds:r*ds+2*n], even[r*es:r*es+n], odd[r*es:r*es+n])
	}
}
