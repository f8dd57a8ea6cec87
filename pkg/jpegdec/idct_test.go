package jpegdec

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// idctGo is idctBlock's Go path without the shortcuts: idctRow on every
// row, idctCols, clamp.
func idctGo(b [blockSize]int32, dst []byte, stride int) {
	for y := 0; y < 8; y++ {
		idctRow(b[8*y : 8*y+8])
	}
	idctCols(&b)
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			dst[y*stride+x] = clampPixel(b[8*y+x])
		}
	}
}

// TestIDCTPaths: idctBlock (AVX2 where available, else the shortcuts) and
// the plain Go IDCT write the same pixels, for sparse and dense blocks of
// JPEG-sized and of extreme (overflowing) coefficients.
func TestIDCTPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var b [blockSize]int32
		var rowAny, rowAC uint8
		n := r.IntN(65)
		if i%4 == 0 {
			n = r.IntN(4)
		}
		for k := 0; k < n; k++ {
			z := r.IntN(blockSize)
			if i%3 == 0 {
				z = r.IntN(16) // low frequencies
			}
			v := int32(r.IntN(4096)) - 2048
			switch i % 7 {
			case 0:
				v = int32(r.Uint32()) // extreme
			case 1:
				v *= int32(r.IntN(256))
			}
			b[z] = v
			rowAny |= 1 << (z >> 3)
			if z&7 != 0 {
				rowAC |= 1 << (z >> 3)
			}
		}
		rowAny |= 1
		const stride = 11
		want := make([]byte, 8*stride)
		got := make([]byte, 8*stride)
		idctGo(b, want, stride)
		bb := b
		idctBlock(&bb, rowAny, rowAC, got, stride)
		if !bytes.Equal(got, want) {
			t.Fatalf("block %d %v: idctBlock\n%v\nwant\n%v", i, b, got, want)
		}
		if bb != ([blockSize]int32{}) {
			t.Fatalf("block %d: idctBlock left coefficients behind", i)
		}
	}
}
