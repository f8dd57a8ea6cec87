package jpegdec

// rowBits[k] says which row the zig-zag coefficient k lies in: 1<<row in
// the low byte, and again in the high byte when it is not in column 0.
var rowBits = func() (t [blockSize]uint16) {
	for k, z := range unzig {
		row := uint16(1) << (z >> 3)
		t[k] = row
		if z&7 != 0 {
			t[k] |= row << 8
		}
	}
	return t
}()

// decodeBlock decodes one block's coefficients into d.blk (dequantised,
// natural order), and writes its inverse DCT to dst (8 rows of stride
// bytes). It returns false on data that image/jpeg would refuse or decode
// in its own way.
func (d *Decoder) decodeBlock(r *bitReader, s *scanComp, dcPred *int32, dst []byte, stride int) bool {
	rows, ok := decodeCoeffs(r, s, dcPred, &d.blk)
	if !ok {
		return false
	}
	idctBlock(&d.blk, uint8(rows), uint8(rows>>8), dst, stride)
	return true
}

// decodeCoeffs is decodeBlock's entropy decoding. It keeps the bit buffer
// in locals (acc, n), handing them back to r around the calls that need it.
// rows has a bit in the low byte for each row of b with a coefficient and
// in the high byte for each row with one off column 0.
func decodeCoeffs(r *bitReader, s *scanComp, dcPred *int32, b *[blockSize]int32) (rows uint16, ok bool) {
	q := s.q
	if r.n < 32 {
		r.refill()
	}
	sym, ok := r.decode(s.dc)
	if !ok || sym > 16 {
		return 0, false
	}
	*dcPred += r.extend(sym)
	b[0] = *dcPred * q[0]
	rows = 1
	ac := s.ac
	acc, n := r.acc, r.n
	for k := 1; k < blockSize; {
		if n < 32 {
			r.acc, r.n = acc, n
			r.refill()
			acc, n = r.acc, r.n
		}
		peek := acc >> (64 - lutBits)
		if e := ac.fast[peek]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			n -= l
			k += int(e>>8) & 0xff
			if k >= blockSize {
				return 0, false
			}
			b[unzig[k]&63] = (e >> 16) * q[k&63]
			rows |= rowBits[k&63]
			k++
			continue
		}
		if e := ac.lut[peek]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			n -= l
			sym = uint8(e >> 8)
		} else {
			r.acc, r.n = acc, n
			if sym, ok = r.decodeSlow(ac); !ok {
				return 0, false
			}
			acc, n = r.acc, r.n
		}
		run, size := int(sym>>4), uint(sym&15)
		if size == 0 {
			if run == 15 { // ZRL: sixteen zeros
				k += 16
				continue
			}
			if run != 0 { // an EOB run, which sequential scans do not have
				return 0, false
			}
			break // EOB
		}
		k += run
		if k >= blockSize {
			return 0, false
		}
		x := int32(acc >> (64 - size)) // RECEIVE and EXTEND, as in extend
		acc <<= size
		n -= size
		if x < 1<<(size-1) {
			x += -1<<size + 1
		}
		b[unzig[k]&63] = x * q[k&63]
		rows |= rowBits[k&63]
		k++
	}
	r.acc, r.n = acc, n
	return rows, true
}

// idctBlock applies the inverse DCT to b, writes the level-shifted, clamped
// pixels to dst and leaves b zero. rowAny has a bit for each row of b that
// may be non-zero, rowAC one for each row that may be non-zero off column 0.
func idctBlock(b *[blockSize]int32, rowAny, rowAC uint8, dst []byte, stride int) {
	_ = dst[7*stride+7]
	if rowAny == 1 && rowAC == 0 {
		// Only the DC coefficient: idctRow makes row 0 all x<<17 and
		// idctCols turns every column into the value below.
		v := clampPixel((b[0]<<17 + 1<<19) >> 2 >> 18)
		b[0] = 0
		for y := 0; y < 8; y++ {
			row := dst[y*stride : y*stride+8 : y*stride+8]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	if hasIDCTAVX2 {
		idctAVX2(b, &dst[0], stride)
		clear(b[:])
		return
	}
	for y := 0; y < 8; y++ {
		bit := uint8(1) << y
		switch {
		case rowAC&bit != 0:
			idctRow(b[8*y : 8*y+8])
		case rowAny&bit != 0: // only column 0: the row becomes x<<17
			x := b[8*y] << 17
			row := b[8*y : 8*y+8 : 8*y+8]
			for i := range row {
				row[i] = x
			}
		}
	}
	switch {
	case rowAny == 1:
		for i := 0; i < 8; i++ {
			b[i] = (b[i] + 1<<19) >> 2 >> 18
			for y := 1; y < 8; y++ {
				b[8*y+i] = b[i]
			}
		}
	default:
		idctCols(b)
	}
	for y := 0; y < 8; y++ {
		row := dst[y*stride : y*stride+8 : y*stride+8]
		src := b[8*y : 8*y+8 : 8*y+8]
		for x := range row {
			row[x] = clampPixel(src[x])
		}
	}
	clear(b[:])
}

// clampPixel level-shifts an IDCT output by 128 and clamps it to a byte, as
// image/jpeg does.
func clampPixel(c int32) uint8 {
	if c < -128 {
		return 0
	}
	if c > 127 {
		return 255
	}
	return uint8(c + 128)
}
