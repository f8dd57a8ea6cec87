//go:build openblas

package kernels

import (
	"fmt"
	"os"

	"github.com/toongan/toongan/pkg/kernels/internal/openblas"
)

func init() {
	core, config := openblas.Info()
	fmt.Fprintf(os.Stderr, "OpenBLAS core %s, config %q, OPENBLAS_CORETYPE=%q; toongan kernel %s\n",
		core, config, os.Getenv("OPENBLAS_CORETYPE"), KernelName())
	sgemmImpls = append(sgemmImpls, sgemmImpl{
		name: "openblas",
		setThreads: func(threads int) func() {
			old := openblas.SetThreads(threads)
			return func() { openblas.SetThreads(old) }
		},
		sgemm: openblas.Sgemm,
	})
}
