//go:build !amd64 || noasm

package kernels

// kernelsAvailable lists the micro-kernels this build can run: only the
// portable Go one.
func kernelsAvailable() []*microKernel { return []*microKernel{&goKernel} }

var activeKernel = &goKernel

// transpose8 transposes an 8-row strip: d[p*w+r] = src[r*ld+p] for r < 8
// and p < n.
func transpose8(d []float32, w int, src []float32, ld, n int) {
	transpose8Go(d, w, src, ld, 0, n)
}
