package jpegdec

import (
	"errors"
	"fmt"
	"image"
)

// ErrUnsupported is wrapped by the errors for JPEGs this package leaves to
// image/jpeg (progressive, CMYK, RGB, several scans, unusual tables).
var ErrUnsupported = errors.New("jpegdec: unsupported JPEG")

// errFormat is wrapped by the errors for malformed data.
var errFormat = errors.New("jpegdec: invalid JPEG")

func unsupported(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }
func formatError(what string) error { return fmt.Errorf("%w: %s", errFormat, what) }

const (
	blockSize = 64
	maxTq     = 3
	maxTh     = 3

	sof0Marker  = 0xc0
	sof1Marker  = 0xc1
	sof2Marker  = 0xc2
	dhtMarker   = 0xc4
	rst0Marker  = 0xd0
	rst7Marker  = 0xd7
	soiMarker   = 0xd8
	eoiMarker   = 0xd9
	sosMarker   = 0xda
	dqtMarker   = 0xdb
	driMarker   = 0xdd
	comMarker   = 0xfe
	app0Marker  = 0xe0
	app14Marker = 0xee
	app15Marker = 0xef

	adobeTransformUnknown = 0
)

type component struct {
	h, v int   // sampling factors
	c    uint8 // identifier
	tq   uint8 // quantisation table
}

// Decoder decodes JPEGs into planes it keeps and reuses: the image that
// Decode returns is valid until the next call. The zero value is ready to
// use; a Decoder is not safe for concurrent use.
type Decoder struct {
	data []byte
	pos  int

	width, height int
	nComp         int
	comp          [3]component
	baseline      bool
	jfif          bool
	adobeValid    bool
	adobeXform    uint8
	ri            int
	scanned       bool
	quant         [maxTq + 1][blockSize]int32 // zig-zag order
	huff          [2][maxTh + 1]huffTable     // [class][id]; class 0 DC, 1 AC

	planes [3][]byte
	ycc    image.YCbCr
	gray   image.Gray
	blk    [blockSize]int32
}

// Decode decodes data, which must start with a JPEG's SOI marker. Images of
// more than maxPixels pixels are refused before their planes are allocated.
// The result is an *image.YCbCr or *image.Gray owned by d.
func (d *Decoder) Decode(data []byte, maxPixels int64) (image.Image, error) {
	img, err := d.decode(data, maxPixels)
	d.data = nil // keep no reference to the caller's buffer
	return img, err
}

func (d *Decoder) decode(data []byte, maxPixels int64) (image.Image, error) {
	d.reset(data)
	if len(data) < 2 || data[0] != 0xff || data[1] != soiMarker {
		return nil, formatError("missing SOI marker")
	}
	d.pos = 2
	for {
		marker, err := d.nextMarker()
		if err != nil {
			return nil, err
		}
		if marker == eoiMarker {
			break
		}
		if rst0Marker <= marker && marker <= rst7Marker {
			continue // a stray restart marker, as image/jpeg ignores it
		}
		if d.pos+2 > len(d.data) {
			return nil, formatError("short segment")
		}
		n := int(d.data[d.pos])<<8 + int(d.data[d.pos+1]) - 2
		d.pos += 2
		if n < 0 {
			return nil, formatError("short segment length")
		}
		if d.pos+n > len(d.data) {
			return nil, formatError("truncated segment")
		}
		seg := d.data[d.pos : d.pos+n]
		if err := d.segment(marker, seg, maxPixels); err != nil {
			return nil, err
		}
		if marker != sosMarker {
			d.pos += n
		}
	}
	if !d.scanned {
		return nil, formatError("missing SOS marker")
	}
	if d.nComp == 1 {
		return &d.gray, nil
	}
	if d.isRGB() { // an APP marker after the scan can still say so
		return nil, unsupported("RGB colour")
	}
	return &d.ycc, nil
}

func (d *Decoder) reset(data []byte) {
	d.data, d.pos = data, 0
	d.width, d.height, d.nComp = 0, 0, 0
	d.comp = [3]component{}
	d.baseline, d.jfif, d.adobeValid, d.adobeXform = false, false, false, 0
	d.ri = 0
	d.scanned = false
	d.blk = [blockSize]int32{} // a failed block may have left coefficients
	d.quant = [maxTq + 1][blockSize]int32{}
	for c := range d.huff {
		for i := range d.huff[c] {
			d.huff[c][i].defined = false
		}
	}
}

// nextMarker skips to the next marker as image/jpeg does (extraneous bytes
// and fill bytes are ignored) and returns it; d.pos is left after it.
func (d *Decoder) nextMarker() (byte, error) {
	for {
		if d.pos+2 > len(d.data) {
			return 0, formatError("unexpected end of data")
		}
		a, b := d.data[d.pos], d.data[d.pos+1]
		d.pos += 2
		for a != 0xff {
			if d.pos >= len(d.data) {
				return 0, formatError("unexpected end of data")
			}
			a, b = b, d.data[d.pos]
			d.pos++
		}
		if b == 0 {
			continue // "\xff\x00" is extraneous data
		}
		for b == 0xff {
			if d.pos >= len(d.data) {
				return 0, formatError("unexpected end of data")
			}
			b = d.data[d.pos]
			d.pos++
		}
		return b, nil
	}
}

// segment handles one marker segment whose payload is seg. For SOS, the
// entropy-coded data follows seg and d.pos is left at the marker after it.
func (d *Decoder) segment(marker byte, seg []byte, maxPixels int64) error {
	switch marker {
	case sof0Marker, sof1Marker:
		d.baseline = marker == sof0Marker
		return d.processSOF(seg, maxPixels)
	case sof2Marker:
		return unsupported("progressive")
	case dhtMarker:
		return d.processDHT(seg)
	case dqtMarker:
		return d.processDQT(seg)
	case sosMarker:
		return d.processSOS(seg)
	case driMarker:
		if len(seg) != 2 {
			return formatError("DRI has wrong length")
		}
		d.ri = int(seg[0])<<8 + int(seg[1])
		return nil
	case app0Marker:
		if len(seg) >= 5 {
			d.jfif = string(seg[:5]) == "JFIF\x00"
		}
		return nil
	case app14Marker:
		if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
			d.adobeValid, d.adobeXform = true, seg[11]
		}
		return nil
	}
	if app0Marker <= marker && marker <= app15Marker || marker == comMarker {
		return nil
	}
	return unsupported(fmt.Sprintf("marker %#02x", marker))
}

func (d *Decoder) processSOF(seg []byte, maxPixels int64) error {
	if d.nComp != 0 {
		return formatError("multiple SOF markers")
	}
	switch len(seg) {
	case 6 + 3*1:
		d.nComp = 1
	case 6 + 3*3:
		d.nComp = 3
	default:
		return unsupported("number of components")
	}
	if seg[0] != 8 {
		return unsupported("precision")
	}
	d.height = int(seg[1])<<8 + int(seg[2])
	d.width = int(seg[3])<<8 + int(seg[4])
	if int(seg[5]) != d.nComp {
		return formatError("SOF has wrong length")
	}
	if d.width == 0 || d.height == 0 {
		return formatError("empty image")
	}
	if int64(d.width)*int64(d.height) > maxPixels {
		return formatError("too many pixels")
	}
	for i := 0; i < d.nComp; i++ {
		c := &d.comp[i]
		c.c = seg[6+3*i]
		for j := 0; j < i; j++ {
			if c.c == d.comp[j].c {
				return formatError("repeated component identifier")
			}
		}
		c.tq = seg[8+3*i]
		if c.tq > maxTq {
			return formatError("bad Tq value")
		}
		hv := seg[7+3*i]
		h, v := int(hv>>4), int(hv&0x0f)
		if h < 1 || 4 < h || v < 1 || 4 < v || h == 3 || v == 3 {
			return unsupported("sampling factors")
		}
		if d.nComp == 1 {
			h, v = 1, 1 // a single component is never interleaved
		}
		switch i {
		case 0:
			if v == 4 {
				return unsupported("sampling factors")
			}
		case 1:
			if d.comp[0].h%h != 0 || d.comp[0].v%v != 0 {
				return unsupported("sampling factors")
			}
		case 2:
			if d.comp[1].h != h || d.comp[1].v != v {
				return unsupported("sampling factors")
			}
		}
		c.h, c.v = h, v
	}
	if d.nComp == 3 && d.isRGB() {
		return unsupported("RGB colour")
	}
	return nil
}

// isRGB is image/jpeg's test for an RGB (not YCbCr) three-component image.
// The markers that decide it may come after SOF, so Decode checks again.
func (d *Decoder) isRGB() bool {
	if d.jfif {
		return false
	}
	if d.adobeValid && d.adobeXform == adobeTransformUnknown {
		return true
	}
	return d.comp[0].c == 'R' && d.comp[1].c == 'G' && d.comp[2].c == 'B'
}

func (d *Decoder) processDQT(seg []byte) error {
	for len(seg) > 0 {
		x := seg[0]
		seg = seg[1:]
		tq := x & 0x0f
		if tq > maxTq {
			return formatError("bad Tq value")
		}
		q := &d.quant[tq]
		switch x >> 4 {
		case 0:
			if len(seg) < blockSize {
				return formatError("DQT has wrong length")
			}
			for i := range q {
				q[i] = int32(seg[i])
			}
			seg = seg[blockSize:]
		case 1:
			if len(seg) < 2*blockSize {
				return formatError("DQT has wrong length")
			}
			for i := range q {
				q[i] = int32(seg[2*i])<<8 | int32(seg[2*i+1])
			}
			seg = seg[2*blockSize:]
		default:
			return formatError("bad Pq value")
		}
	}
	return nil
}

func (d *Decoder) processDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return formatError("DHT has wrong length")
		}
		tc, th := seg[0]>>4, seg[0]&0x0f
		if tc > 1 {
			return formatError("bad Tc value")
		}
		if th > maxTh || (d.baseline && th > 1) {
			return formatError("bad Th value")
		}
		total := 0
		for _, c := range seg[1:17] {
			total += int(c)
		}
		if total == 0 {
			return formatError("Huffman table has zero length")
		}
		if total > 256 {
			return formatError("Huffman table has excessive length")
		}
		if len(seg) < 17+total {
			return formatError("DHT has wrong length")
		}
		if err := d.huff[tc][th].build(seg[:17+total], tc == 1); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}
