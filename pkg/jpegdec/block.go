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
	b := &d.blk
	q := s.q
	if r.n < 32 {
		r.refill()
	}
	sym, ok := r.decode(s.dc)
	if !ok || sym > 16 {
		return false
	}
	*dcPred += r.extend(sym)
	b[0] = *dcPred * q[0]
	rows := uint16(1) // low byte: rows with a coefficient; high: with an AC one off column 0
	ac := s.ac
	for k := 1; k < blockSize; {
		if r.n < 32 {
			r.refill()
		}
		if e := ac.fast[r.acc>>(64-lutBits)]; e != 0 {
			l := uint(e & 0xff)
			r.acc <<= l
			r.n -= l
			k += int(e>>8) & 0xff
			if k >= blockSize {
				return false
			}
			b[unzig[k]] = (e >> 16) * q[k]
			rows |= rowBits[k]
			k++
			continue
		}
		sym, ok := r.decode(ac)
		if !ok {
			return false
		}
		run, size := int(sym>>4), sym&15
		if size == 0 {
			if run == 15 { // ZRL: sixteen zeros
				k += 16
				continue
			}
			if run != 0 { // an EOB run, which sequential scans do not have
				return false
			}
			break // EOB
		}
		k += run
		if k >= blockSize {
			return false
		}
		b[unzig[k]] = r.extend(size) * q[k]
		rows |= rowBits[k]
		k++
	}
	idctBlock(b, uint8(rows), uint8(rows>>8), dst, stride)
	return true
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
	case rowAny&0xf0 == 0:
		idctColsHalf(b)
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
