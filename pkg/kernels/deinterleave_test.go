package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDeinterleave2 checks the vector kernel (where the CPU has it) and the
// portable loop against a direct reference for every length up to 70,
// with guard values around the outputs that must stay untouched.
func TestDeinterleave2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const guard = 3
	impls := []struct {
		name string
		fn   func(even, odd, src []float32)
	}{
		{"Deinterleave2", Deinterleave2},
		{"deinterleaveGo", deinterleaveGo},
	}
	for _, impl := range impls {
		for n := 0; n <= 70; n++ {
			src := randVals(rng, n, 1)
			ne, no := (n+1)/2, n/2
			eb := make([]float32, ne+2*guard)
			ob := make([]float32, no+2*guard)
			for i := range eb {
				eb[i] = -7
			}
			for i := range ob {
				ob[i] = -7
			}
			even, odd := eb[guard:guard+ne], ob[guard:guard+no]
			impl.fn(even, odd, src)
			for i, v := range src {
				got := even[i/2]
				if i%2 == 1 {
					got = odd[i/2]
				}
				if math.Float32bits(got) != math.Float32bits(v) {
					t.Fatalf("%s n=%d: src[%d] = %g came out as %g", impl.name, n, i, v, got)
				}
			}
			for _, b := range [][]float32{eb[:guard], eb[guard+ne:], ob[:guard], ob[guard+no:]} {
				for _, v := range b {
					if v != -7 {
						t.Fatalf("%s n=%d: wrote outside the outputs", impl.name, n)
					}
				}
			}
		}
	}
}

func TestDeinterleave2Panics(t *testing.T) {
	for _, c := range []struct{ ne, no, ns int }{{2, 2, 5}, {3, 1, 4}, {1, 2, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("lengths %d+%d of %d: no panic", c.ne, c.no, c.ns)
				}
			}()
			Deinterleave2(make([]float32, c.ne), make([]float32, c.no), make([]float32, c.ns))
		}()
	}
}

// BenchmarkDeinterleave2 splits a 32x64 plane's rows (D1's input at 64 px).
func BenchmarkDeinterleave2(b *testing.B) {
	src := make([]float32, 64*64)
	even, odd := make([]float32, 32*64), make([]float32, 32*64)
	b.SetBytes(int64(8 * len(src)))
	for b.Loop() {
		for y := range 64 {
			Deinterleave2(even[y*32:(y+1)*32], odd[y*32:(y+1)*32], src[y*64:(y+1)*64])
		}
	}
}

// TestInterleave2 checks Interleave2 (vector kernel where the CPU has it)
// and the portable loop against the definition, lengths 0..70, with
// guards around dst.
func TestInterleave2(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const guard = 3
	for _, fn := range []func(dst, even, odd []float32){Interleave2, interleaveGo} {
		for n := 0; n <= 70; n++ {
			even, odd := randVals(rng, (n+1)/2, 1), randVals(rng, n/2, 1)
			db := make([]float32, n+2*guard)
			for i := range db {
				db[i] = -7
			}
			dst := db[guard : guard+n]
			fn(dst, even, odd)
			for i, v := range dst {
				want := even[i/2]
				if i%2 == 1 {
					want = odd[i/2]
				}
				if math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("n=%d: dst[%d] = %g, want %g", n, i, v, want)
				}
			}
			for _, v := range append(append([]float32(nil), db[:guard]...), db[guard+n:]...) {
				if v != -7 {
					t.Fatalf("n=%d: wrote outside dst", n)
				}
			}
		}
	}
}

// TestAddRows checks AddRows (vector kernel where the CPU has it) against
// the plain loop bit for bit, over row lengths 0..21 (every path of the
// vector code: 8, 4 and single values), several rows and strides, and
// that values between the rows stay untouched.
func TestAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := 0; n <= 21; n++ {
		for _, c := range []struct{ rows, dpad, spad int }{{1, 0, 0}, {3, 0, 0}, {4, 2, 5}, {5, 7, 1}} {
			ds, ss := n+c.dpad, n+c.spad
			size := func(stride int) int { return max(0, (c.rows-1)*stride+n) }
			dst, src := randVals(rng, size(ds)+2, 1), randVals(rng, size(ss), 1)
			want := append([]float32(nil), dst...)
			for r := range c.rows {
				for i := range n {
					want[r*ds+i] += src[r*ss+i]
				}
			}
			AddRows(dst, ds, src, ss, c.rows, n)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d rows=%d ds=%d ss=%d: dst[%d] = %g, want %g", n, c.rows, ds, ss, i, dst[i], want[i])
				}
			}
		}
	}
	for _, f := range []func(){
		func() { AddRows(make([]float32, 10), 4, make([]float32, 10), 4, 3, 5) },  // rows overlap
		func() { AddRows(make([]float32, 10), -1, make([]float32, 10), 4, 2, 1) }, // negative stride
		func() { AddRows(make([]float32, 7), 4, make([]float32, 10), 4, 2, 4) },   // dst too short
		func() { Interleave2(make([]float32, 5), make([]float32, 2), make([]float32, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// TestInterleaveRows checks DeinterleaveRows and InterleaveRows (vector
// kernels where the CPU has them) against the definitions over pair counts
// 0..21 (every path: 8, 4 and single pairs), several rows and strides,
// values between rows untouched, and that one undoes the other.
func TestInterleaveRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for n := 0; n <= 21; n++ {
		for _, c := range []struct{ rows, epad, spad int }{{1, 0, 0}, {3, 0, 0}, {4, 3, 5}} {
			es, ss := n+c.epad, 2*n+c.spad
			src := randVals(rng, max(0, (c.rows-1)*ss+2*n), 1)
			sz := max(0, (c.rows-1)*es+n)
			even, odd := make([]float32, sz+1), make([]float32, sz+1)
			for i := range even {
				even[i], odd[i] = -7, -7
			}
			DeinterleaveRows(even, odd, es, src, ss, c.rows, n)
			for r := range c.rows {
				for i := range n {
					if even[r*es+i] != src[r*ss+2*i] || odd[r*es+i] != src[r*ss+2*i+1] {
						t.Fatalf("DeinterleaveRows n=%d rows=%d: row %d pair %d wrong", n, c.rows, r, i)
					}
				}
				for i := n; r < c.rows-1 && i < es; i++ {
					if even[r*es+i] != -7 || odd[r*es+i] != -7 {
						t.Fatalf("DeinterleaveRows n=%d rows=%d: wrote between rows", n, c.rows)
					}
				}
			}
			back := make([]float32, len(src))
			for i := range back {
				back[i] = -9
			}
			InterleaveRows(back, ss, even, odd, es, c.rows, n)
			for r := range c.rows {
				for i := range ss {
					idx := r*ss + i
					if idx >= len(src) {
						break
					}
					want := float32(-9)
					if i < 2*n {
						want = src[idx]
					}
					if math.Float32bits(back[idx]) != math.Float32bits(want) {
						t.Fatalf("InterleaveRows n=%d rows=%d: dst[%d] = %g, want %g", n, c.rows, idx, back[idx], want)
					}
				}
			}
		}
	}
	for _, f := range []func(){
		func() { DeinterleaveRows(make([]float32, 8), make([]float32, 8), 2, make([]float32, 16), 8, 2, 4) },
		func() { InterleaveRows(make([]float32, 8), 8, make([]float32, 8), make([]float32, 3), 4, 1, 4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}
