package mpi

import "testing"

// In one process (go test, no mpirun) every build is a job of one rank:
// sums leave the values as they are.
func TestSingleProcess(t *testing.T) {
	if err := Init(); err != nil {
		t.Fatal(err)
	}
	if Rank() != 0 || Size() != 1 {
		t.Fatalf("rank %d of %d, want 0 of 1", Rank(), Size())
	}
	f32 := []float32{1, -2.5, 3}
	f64 := []float64{4, 5e300, -6}
	if err := SumFloat32(f32); err != nil {
		t.Fatal(err)
	}
	if err := SumFloat64(f64); err != nil {
		t.Fatal(err)
	}
	if f32[1] != -2.5 || f64[1] != 5e300 {
		t.Fatalf("sums over one rank changed the values: %v %v", f32, f64)
	}
	b := []byte("abc")
	if err := Bcast(b, 0); err != nil || string(b) != "abc" {
		t.Fatalf("bcast: %q %v", b, err)
	}
	if err := Barrier(); err != nil {
		t.Fatal(err)
	}
}
