package jpegdec

import "encoding/binary"

// bitReader reads the entropy-coded data of a scan, most significant bit
// first, with byte stuffing removed. At a marker (or the end of the data)
// it feeds zero bits and counts them in pad: a scan that used any of them
// ran past its data, which image/jpeg reports as an error.
type bitReader struct {
	acc  uint64 // the next n bits, left-aligned
	n    uint
	pad  uint // zero bits fed past the data (included in n)
	data []byte
	pos  int // next byte to load; at the marker once one is reached
}

// refill tops acc up to more than 56 bits.
func (r *bitReader) refill() {
	if r.pos+8 <= len(r.data) {
		v := binary.BigEndian.Uint64(r.data[r.pos:])
		x := ^v // a zero byte in x is an 0xff byte in v
		if (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			k := (64 - r.n) >> 3
			r.acc |= v >> (64 - 8*k) << (64 - r.n - 8*k)
			r.n += 8 * k
			r.pos += int(k)
			return
		}
	}
	r.refillSlow()
}

func (r *bitReader) refillSlow() {
	for r.n <= 56 {
		var b byte
		switch {
		case r.pos >= len(r.data):
			r.pad += 8
		case r.data[r.pos] != 0xff:
			b = r.data[r.pos]
			r.pos++
		case r.pos+1 < len(r.data) && r.data[r.pos+1] == 0:
			b = 0xff
			r.pos += 2
		default: // a marker, or a final 0xff
			r.pad += 8
		}
		r.acc |= uint64(b) << (56 - r.n)
		r.n += 8
	}
}

// overrun reports whether bits past the data were used.
func (r *bitReader) overrun() bool { return r.n < r.pad }

// decodeSlow decodes a Huffman code longer than lutBits bits. The caller
// has made sure that n >= 16.
func (r *bitReader) decodeSlow(t *huffTable) (uint8, bool) {
	peek := int32(r.acc >> 48)
	for l := uint(lutBits + 1); l <= 16; l++ {
		code := peek >> (16 - l)
		if code <= t.maxCode[l] {
			r.acc <<= l
			r.n -= l
			return t.vals[uint8(t.valPtr[l]+code-t.minCode[l])], true
		}
	}
	return 0, false
}

// decode returns the next Huffman-coded symbol. The caller has made sure
// that n >= 16.
func (r *bitReader) decode(t *huffTable) (uint8, bool) {
	e := t.lut[r.acc>>(64-lutBits)]
	if e == 0 {
		return r.decodeSlow(t)
	}
	l := uint(e & 0xff)
	r.acc <<= l
	r.n -= l
	return uint8(e >> 8), true
}

// extend reads t (1..16) bits and extends them to a signed value (the
// JPEG standard's RECEIVE and EXTEND). The caller has made sure n >= t.
func (r *bitReader) extend(t uint8) int32 {
	x := int32(r.acc >> (64 - uint(t)))
	r.acc <<= t
	r.n -= uint(t)
	if x < 1<<(t-1) {
		x += -1<<t + 1
	}
	return x
}
