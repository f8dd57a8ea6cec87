package kernels

import "testing"

func TestBufPool(t *testing.T) {
	var p BufPool
	for _, n := range []int{10, 40, 20, 30, 50} { // five kept at most four: 10 goes
		p.Put(make([]float32, n))
	}
	for _, tc := range []struct {
		n, wantCap int
	}{
		{25, 30}, // the smallest that holds it
		{25, 40},
		{5, 20},
		{60, 60}, // none holds it: a new one
		{1, 50},
		{1, 1}, // 10 was dropped when the pool was full
	} {
		b := p.Get(tc.n)
		if len(b) != tc.n || cap(b) != tc.wantCap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.wantCap)
		}
	}
}
