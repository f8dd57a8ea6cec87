package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBLASSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m, n, k := 13, 31, 17
	a := randSlice(rng, k*m) // stored k×m, used transposed
	b := randSlice(rng, k*n)
	c := randSlice(rng, m*n)
	want := append([]float32(nil), c...)
	naiveSgemm(true, false, m, n, k, 2, a, m, b, n, -1, want, n)
	BLAS{}.Sgemm(blas.Trans, blas.NoTrans, m, n, k, 2, a, m, b, n, -1, c, n)
	for i := range c {
		if math.Abs(float64(c[i]-want[i])) > 1e-4 {
			t.Fatalf("C[%d] = %g, want %g", i, c[i], want[i])
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("bad transpose flag did not panic")
		}
	}()
	BLAS{}.Sgemm(blas.Transpose('x'), blas.NoTrans, m, n, k, 2, a, m, b, n, -1, c, n)
}

// TestInstallGorgonia checks that after Install a gorgonia float32 graph
// (a matrix product and its gradients) runs on BLAS and matches the naive
// reference.
func TestInstallGorgonia(t *testing.T) {
	Install()
	if _, ok := gorgonia.WhichBLAS().(BLAS); !ok {
		t.Fatalf("gorgonia uses %T after Install", gorgonia.WhichBLAS())
	}
	rng := rand.New(rand.NewPCG(9, 10))
	m, n, k := 37, 70, 53
	xv := randSlice(rng, m*k)
	wv := randSlice(rng, k*n)

	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(m, k), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(m, k), tensor.WithBacking(append([]float32(nil), xv...)))))
	w := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(k, n), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(k, n), tensor.WithBacking(append([]float32(nil), wv...)))))
	y, err := gorgonia.Mul(x, w)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := gorgonia.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gorgonia.Grad(cost, x, w); err != nil {
		t.Fatal(err)
	}
	var yv gorgonia.Value
	gorgonia.Read(y, &yv)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}

	ones := make([]float32, m*n)
	for i := range ones {
		ones[i] = 1
	}
	wantY := make([]float32, m*n)
	naiveSgemm(false, false, m, n, k, 1, xv, k, wv, n, 0, wantY, n)
	wantDX := make([]float32, m*k) // ones · wᵀ
	naiveSgemm(false, true, m, k, n, 1, ones, n, wv, n, 0, wantDX, k)
	wantDW := make([]float32, k*n) // xᵀ · ones
	naiveSgemm(true, false, k, n, m, 1, xv, k, ones, n, 0, wantDW, n)

	dx, err := x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	dw, err := w.Grad()
	if err != nil {
		t.Fatal(err)
	}
	for _, chk := range []struct {
		name string
		got  gorgonia.Value
		want []float32
	}{{"y", yv, wantY}, {"dx", dx, wantDX}, {"dw", dw, wantDW}} {
		got, ok := chk.got.Data().([]float32)
		if !ok || len(got) != len(chk.want) {
			t.Fatalf("%s: got %T of len %d, want []float32 of len %d", chk.name, chk.got.Data(), len(got), len(chk.want))
		}
		for i := range got {
			if math.Abs(float64(got[i]-chk.want[i])) > 1e-4 {
				t.Fatalf("%s[%d] = %g, want %g", chk.name, i, got[i], chk.want[i])
			}
		}
	}
}
