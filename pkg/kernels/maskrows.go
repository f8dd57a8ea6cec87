package kernels

import (
	"fmt"
	"math"
)

// MaskPiece is one run of MaskRows: N values of every row, from source
// offset Src and mask offset Mask (both added to the row's own offsets)
// to destination offset Dst within the row.
type MaskPiece struct{ Dst, Src, Mask, N int }

// MaskRows copies runs of src into rows of dst through a bit mask: for
// every row r < len(srcRow) and every piece q,
//
//	dst[r*ld+q.Dst+i] = src[srcRow[r]+q.Src+i] AND mask[maskRow[r]+q.Mask+i]
//
// for i < q.N, bitwise on the float32 encodings, so a mask of all ones
// copies the value exactly and a mask of zeros writes +0 (whatever the
// source holds, NaN included). It is the implicit im2col's gather
// (pkg/nn): one row per kernel offset and channel, one piece per image of
// the batch, the mask zeroing the positions whose pixel lies in the
// padding. Every index must lie inside its slice, masked or not.
func MaskRows(dst []float32, ld int, src []float32, srcRow []int, mask []uint32, maskRow []int, pieces []MaskPiece) {
	rows := len(srcRow)
	if rows == 0 || len(pieces) == 0 {
		return
	}
	if err := checkMaskRows(len(dst), ld, len(src), srcRow, len(mask), maskRow, pieces); err != nil {
		panic("kernels: MaskRows: " + err.Error())
	}
	if len(dst) == 0 || len(src) == 0 || len(mask) == 0 {
		return // every piece is empty (checked)
	}
	if maskRowsVec(dst, ld, src, srcRow, mask, maskRow, pieces) {
		return
	}
	maskRowsGo(dst, ld, src, srcRow, mask, maskRow, pieces)
}

// checkMaskRows reports the first index of a MaskRows call outside its
// slice.
func checkMaskRows(nd, ld, ns int, srcRow []int, nm int, maskRow []int, pieces []MaskPiece) error {
	rows := len(srcRow)
	if len(maskRow) != rows {
		return fmt.Errorf("%d source rows but %d mask rows", rows, len(maskRow))
	}
	if ld < 0 {
		return fmt.Errorf("row stride %d", ld)
	}
	smin, smax := srcRow[0], srcRow[0]
	mmin, mmax := maskRow[0], maskRow[0]
	for r := 1; r < rows; r++ {
		smin, smax = min(smin, srcRow[r]), max(smax, srcRow[r])
		mmin, mmax = min(mmin, maskRow[r]), max(mmax, maskRow[r])
	}
	for _, q := range pieces {
		switch {
		case q.N < 0 || q.Dst < 0:
			return fmt.Errorf("piece %+v", q)
		case q.N == 0:
		case (rows-1)*ld+q.Dst+q.N > nd:
			return fmt.Errorf("piece %+v: %d rows of stride %d do not fit %d values", q, rows, ld, nd)
		case smin+q.Src < 0 || smax+q.Src+q.N > ns:
			return fmt.Errorf("piece %+v: source rows %d..%d outside %d values", q, smin, smax, ns)
		case mmin+q.Mask < 0 || mmax+q.Mask+q.N > nm:
			return fmt.Errorf("piece %+v: mask rows %d..%d outside %d values", q, mmin, mmax, nm)
		}
	}
	return nil
}

// maskRowsGo is the portable MaskRows.
func maskRowsGo(dst []float32, ld int, src []float32, srcRow []int, mask []uint32, maskRow []int, pieces []MaskPiece) {
	for r, so := range srcRow {
		mo := maskRow[r]
		for _, q := range pieces {
			d := dst[r*ld+q.Dst:][:q.N]
			s := src[so+q.Src:][:q.N]
			m := mask[mo+q.Mask:][:q.N]
			for i := range d {
				d[i] = math.Float32frombits(math.Float32bits(s[i]) & m[i])
			}
		}
	}
}
