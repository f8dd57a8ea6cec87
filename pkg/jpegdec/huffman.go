package jpegdec

import "bytes"

// lutBits is the width of the Huffman look-up tables: codes of at most
// lutBits bits decode with one look-up, longer ones bit length by bit length.
const lutBits = 10

// huffTable is one Huffman table, built from its DHT bytes. Because most
// JPEGs carry the same tables, the tables are rebuilt only when those bytes
// change.
type huffTable struct {
	defined bool
	spec    []byte // the 17+n DHT bytes this table was built from
	// lut[peek] for the next lutBits bits: symbol<<8 | code length, or 0
	// when the code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fast[peek] (AC tables only) decodes a whole coefficient when its code
	// and extra bits fit in lutBits: value<<16 | run<<8 | bits used, or 0.
	fast [1 << lutBits]int32
	// For codes longer than lutBits: maxCode[l] is the largest code of
	// length l (-1 if none), and valPtr[l] - minCode[l] + code indexes vals.
	maxCode [17]int32
	minCode [17]int32
	valPtr  [17]int32
	vals    [256]uint8
}

// build (re)builds t from spec (the DHT bytes: 16 counts, then the
// symbols). Over-subscribed code lengths are refused: image/jpeg decodes
// them in its own way.
func (t *huffTable) build(spec []byte, ac bool) error {
	if t.spec != nil && bytes.Equal(t.spec, spec) {
		t.defined = true
		return nil
	}
	t.defined = false
	t.spec = append(t.spec[:0], spec...)
	counts := spec[1:17]
	copy(t.vals[:], spec[17:])
	clear(t.lut[:])
	clear(t.fast[:])
	code, k := int32(0), int32(0)
	for l := int32(1); l <= 16; l++ {
		n := int32(counts[l-1])
		if n == 0 {
			t.maxCode[l], t.minCode[l], t.valPtr[l] = -1, 0, 0
		} else {
			t.minCode[l], t.valPtr[l] = code, k
			if code+n > 1<<l {
				t.spec = t.spec[:0]
				return unsupported("over-subscribed Huffman table")
			}
			for i := int32(0); i < n; i++ {
				if l <= lutBits {
					t.fill(code, l, t.vals[k], ac)
				}
				code++
				k++
			}
			t.maxCode[l] = code - 1
		}
		code <<= 1
	}
	t.defined = true
	return nil
}

// fill sets the look-up entries of one code of length l <= lutBits.
func (t *huffTable) fill(code, l int32, sym uint8, ac bool) {
	shift := lutBits - l
	base := code << shift
	for j := int32(0); j < 1<<shift; j++ {
		peek := base | j
		t.lut[peek] = uint16(sym)<<8 | uint16(l)
		if !ac {
			continue
		}
		run, size := int32(sym>>4), int32(sym&15)
		if size == 0 || l+size > lutBits {
			continue
		}
		// The size extra bits follow the code inside peek.
		x := (peek >> (shift - size)) & (1<<size - 1)
		if x < 1<<(size-1) {
			x += -1<<size + 1
		}
		t.fast[peek] = x<<16 | run<<8 | (l + size)
	}
}
