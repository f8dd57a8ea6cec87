package jpegdec

import "image"

// unzig maps the zig-zag order to the natural order.
var unzig = [blockSize]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// scanComp is one component of a scan.
type scanComp struct {
	ci     int // index into d.comp
	dc, ac *huffTable
	q      *[blockSize]int32
	plane  []byte
	stride int
	h, v   int
}

// processSOS reads the scan header in seg and decodes the entropy-coded
// data after it, leaving d.pos at the marker that ends it.
func (d *Decoder) processSOS(seg []byte) error {
	if d.nComp == 0 {
		return formatError("missing SOF marker")
	}
	if d.scanned {
		return unsupported("several scans")
	}
	n := len(seg)
	if n < 6 || 4+2*d.nComp < n || n%2 != 0 || n != 4+2*int(seg[0]) {
		return formatError("SOS has wrong length")
	}
	nScan := int(seg[0])
	if nScan != d.nComp {
		return unsupported("non-interleaved scan")
	}
	if d.nComp == 3 && d.isRGB() {
		return unsupported("RGB colour")
	}
	d.allocPlanes()
	var sc [3]scanComp
	totalHV := 0
	for i := 0; i < nScan; i++ {
		cs := seg[1+2*i]
		ci := -1
		for j := 0; j < d.nComp; j++ {
			if d.comp[j].c == cs {
				ci = j
			}
		}
		if ci < 0 {
			return formatError("unknown component selector")
		}
		for j := 0; j < i; j++ {
			if sc[j].ci == ci {
				return formatError("repeated component selector")
			}
		}
		td, ta := seg[2+2*i]>>4, seg[2+2*i]&0x0f
		if td > maxTh || ta > maxTh || (d.baseline && (td > 1 || ta > 1)) {
			return formatError("bad Td or Ta value")
		}
		c := &d.comp[ci]
		totalHV += c.h * c.v
		s := &sc[i]
		s.ci, s.dc, s.ac, s.q, s.h, s.v = ci, &d.huff[0][td], &d.huff[1][ta], &d.quant[c.tq], c.h, c.v
		if !s.dc.defined || !s.ac.defined {
			return formatError("uninitialized Huffman table")
		}
		s.plane, s.stride = d.planes[ci], d.planeStride(ci)
	}
	if d.nComp > 1 && totalHV > 10 {
		return formatError("total sampling factors too large")
	}
	d.pos += n
	d.scanned = true
	return d.decodeScan(sc[:nScan])
}

// mcus returns the number of MCUs across and down.
func (d *Decoder) mcus() (mxx, myy int) {
	h0, v0 := d.comp[0].h, d.comp[0].v
	return (d.width + 8*h0 - 1) / (8 * h0), (d.height + 8*v0 - 1) / (8 * v0)
}

func (d *Decoder) planeStride(ci int) int {
	mxx, _ := d.mcus()
	return 8 * d.comp[ci].h * mxx
}

// allocPlanes sizes the planes as image/jpeg does (whole MCUs) and points
// the returned image at them.
func (d *Decoder) allocPlanes() {
	mxx, myy := d.mcus()
	rect := image.Rect(0, 0, d.width, d.height)
	for ci := 0; ci < d.nComp; ci++ {
		c := d.comp[ci]
		n := 8 * c.h * mxx * 8 * c.v * myy
		if cap(d.planes[ci]) < n {
			d.planes[ci] = make([]byte, n)
		}
		d.planes[ci] = d.planes[ci][:n]
	}
	if d.nComp == 1 {
		d.gray = image.Gray{Pix: d.planes[0], Stride: d.planeStride(0), Rect: rect}
		return
	}
	ratio := image.YCbCrSubsampleRatio444
	switch (d.comp[0].h/d.comp[1].h)<<4 | d.comp[0].v/d.comp[1].v {
	case 0x12:
		ratio = image.YCbCrSubsampleRatio440
	case 0x21:
		ratio = image.YCbCrSubsampleRatio422
	case 0x22:
		ratio = image.YCbCrSubsampleRatio420
	case 0x41:
		ratio = image.YCbCrSubsampleRatio411
	case 0x42:
		ratio = image.YCbCrSubsampleRatio410
	}
	d.ycc = image.YCbCr{Y: d.planes[0], Cb: d.planes[1], Cr: d.planes[2],
		YStride: d.planeStride(0), CStride: d.planeStride(1), SubsampleRatio: ratio, Rect: rect}
}

// decodeScan decodes the MCUs of an interleaved scan (or the blocks of a
// grey image) into the planes.
func (d *Decoder) decodeScan(sc []scanComp) error {
	r := bitReader{data: d.data, pos: d.pos}
	mxx, myy := d.mcus()
	var dc [3]int32
	mcu, total := 0, mxx*myy
	expectedRST := byte(rst0Marker)
	for my := 0; my < myy; my++ {
		for mx := 0; mx < mxx; mx++ {
			for i := range sc {
				s := &sc[i]
				for j := 0; j < s.h*s.v; j++ {
					bx, by := s.h*mx+j%s.h, s.v*my+j/s.h
					if !d.decodeBlock(&r, s, &dc[i], s.plane[8*(by*s.stride+bx):], s.stride) {
						return formatError("bad Huffman data")
					}
				}
			}
			mcu++
			if d.ri > 0 && mcu%d.ri == 0 && mcu < total {
				if !r.restart(expectedRST) {
					return unsupported("restart marker not where expected")
				}
				expectedRST++
				if expectedRST == rst7Marker+1 {
					expectedRST = rst0Marker
				}
				dc = [3]int32{}
			}
		}
	}
	if r.overrun() {
		return formatError("short Huffman data")
	}
	d.pos = r.markerPos()
	return nil
}

// restart checks that the data up to the next marker is used up and that
// the marker is the expected RST, and starts reading after it.
func (r *bitReader) restart(want byte) bool {
	if r.overrun() {
		return false
	}
	p := r.markerPos()
	if p+1 >= len(r.data) || r.data[p+1] != want {
		return false
	}
	// Like image/jpeg, drop what is left before the marker.
	*r = bitReader{data: r.data, pos: p + 2}
	return true
}

// markerPos returns the position of the 0xff that starts the marker after
// the entropy-coded data (or len(data) when there is none).
func (r *bitReader) markerPos() int {
	p := r.pos
	for p < len(r.data) {
		if r.data[p] == 0xff {
			if p+1 < len(r.data) && r.data[p+1] == 0 {
				p += 2
				continue
			}
			return p
		}
		p++
	}
	return p
}
