package imageset

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/toongan/toongan/pkg/jpegdec"
	_ "golang.org/x/image/bmp"  // register BMP
	_ "golang.org/x/image/webp" // register WebP
)

// Crop modes.
const (
	CropCenter = "center" // cut the largest centred square
	CropNone   = "none"   // pad to a square with the background colour
)

// DefaultMaxPixels is the default limit on width*height of an input image.
const DefaultMaxPixels = 40_000_000

// Skip reasons: the short classes reported per skipped file.
const (
	ReasonEmpty       = "empty file"
	ReasonNotImage    = "not an image"
	ReasonUnsupported = "unsupported format"
	ReasonTruncated   = "truncated image"
	ReasonCorrupt     = "corrupt image"
	ReasonTooLarge    = "too many pixels"
	ReasonFileTooBig  = "file too large"
	ReasonRead        = "read error"
)

// SkipError says why one input could not be used.
type SkipError struct {
	Reason string // one of the Reason constants
	Err    error  // detail
}

func (e *SkipError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *SkipError) Unwrap() error { return e.Err }

func skipf(reason, format string, a ...any) *SkipError {
	return &SkipError{Reason: reason, Err: fmt.Errorf(format, a...)}
}

// Options control how one image becomes a record.
type Options struct {
	Size       int         // output side in pixels
	Crop       string      // CropCenter or CropNone
	Background color.NRGBA // alpha is composited on this (opaque) colour; also the padding
	MaxPixels  int64       // refuse inputs with more pixels (before decoding)
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.Size < 4 || o.Size > 1024 {
		return fmt.Errorf("size %d out of range 4..1024", o.Size)
	}
	if o.Crop != CropCenter && o.Crop != CropNone {
		return fmt.Errorf("crop %q: want %q or %q", o.Crop, CropCenter, CropNone)
	}
	if o.Background.A != 255 {
		return fmt.Errorf("background %v is not opaque", o.Background)
	}
	if o.MaxPixels < 1 {
		return fmt.Errorf("max pixels %d must be positive", o.MaxPixels)
	}
	return nil
}

// RecordSize is the byte size of one output record (Size*Size*3).
func (o Options) RecordSize() int { return 3 * o.Size * o.Size }

// Scratch holds one worker's reusable buffers.
type Scratch struct {
	rgb  []byte
	rs   resizeScratch
	jpeg jpegdec.Decoder
}

func (s *Scratch) rgbBuf(n int) []byte {
	if cap(s.rgb) < n {
		s.rgb = make([]byte, n)
	}
	return s.rgb[:n]
}

// Decode decodes one encoded image into dst (RecordSize bytes of packed RGB).
// Errors are *SkipError values that classify the problem.
func Decode(data []byte, opt Options, dst []byte, s *Scratch) error {
	if len(data) == 0 {
		return &SkipError{Reason: ReasonEmpty}
	}
	// The common JPEGs take jpegdec's fast path, whose output is image/jpeg's
	// bit for bit; the others, and any error, go the standard way below.
	if len(data) > 2 && data[0] == 0xff && data[1] == 0xd8 {
		if img, err := s.jpeg.Decode(data, opt.MaxPixels); err == nil {
			return FromImage(img, opt, dst, s)
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return classify(data, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return skipf(ReasonCorrupt, "%s with %dx%d pixels", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > opt.MaxPixels {
		return skipf(ReasonTooLarge, "%s of %dx%d = %d pixels, over the limit of %d (--max-pixels)",
			format, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), opt.MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return classify(data, err)
	}
	return FromImage(img, opt, dst, s)
}

// classify maps a decoding error to a skip reason.
func classify(data []byte, err error) *SkipError {
	if errors.Is(err, image.ErrFormat) {
		if f := sniffUnsupported(data); f != "" {
			return skipf(ReasonUnsupported, "%s images are not supported (use PNG, JPEG, GIF, BMP or WebP)", f)
		}
		return skipf(ReasonNotImage, "unrecognised file content")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &SkipError{Reason: ReasonTruncated, Err: err}
	}
	// The standard decoders report data that ends early in their own words.
	msg := err.Error()
	for _, m := range []string{"not enough pixel data", "short Huffman data", "missing SOS marker", "missing IDAT"} {
		if strings.Contains(msg, m) {
			return &SkipError{Reason: ReasonTruncated, Err: err}
		}
	}
	return &SkipError{Reason: ReasonCorrupt, Err: err}
}

// sniffUnsupported recognises common image formats that we cannot decode.
func sniffUnsupported(b []byte) string {
	has := func(off int, sig string) bool {
		return len(b) >= off+len(sig) && string(b[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "TIFF"
	case has(0, "\x00\x00\x01\x00"):
		return "ICO"
	case has(0, "8BPS"):
		return "PSD"
	case has(4, "ftypavif"), has(4, "ftypavis"):
		return "AVIF"
	case has(4, "ftypheic"), has(4, "ftypheix"), has(4, "ftypmif1"):
		return "HEIC"
	case has(0, "\xff\x0a"), has(4, "JXL "):
		return "JPEG XL"
	case has(0, "\x00\x00\x00\x0cjP  "):
		return "JPEG 2000"
	case has(0, "RIFF") && !has(8, "WEBP"):
		return "RIFF"
	case has(0, "<svg"), has(0, "<?xml") && bytes.Contains(b[:min(len(b), 1024)], []byte("<svg")):
		return "SVG"
	case has(0, "P1"), has(0, "P2"), has(0, "P3"), has(0, "P4"), has(0, "P5"), has(0, "P6"):
		if len(b) > 2 && (b[2] == '\n' || b[2] == ' ' || b[2] == '\r' || b[2] == '\t') {
			return "PNM"
		}
	}
	return ""
}

// FromImage turns a decoded image into a record in dst: crop or pad to a
// square, composite on the background, resize to opt.Size.
func FromImage(img image.Image, opt Options, dst []byte, s *Scratch) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return skipf(ReasonCorrupt, "empty image")
	}
	if len(dst) < opt.RecordSize() {
		return fmt.Errorf("imageset: record buffer of %d bytes, want %d", len(dst), opt.RecordSize())
	}
	sq, x0, y0, px, py := squareOf(w, h, opt.Crop)
	cw, ch := min(w, sq), min(h, sq) // copied extent
	target := dst[:opt.RecordSize()]
	// When no resize is needed, write the square straight into dst. A
	// YCbCr square (a JPEG's) bound for the vector resize is written
	// transposed, as its first pass reads it.
	_, isYCC := img.(*image.YCbCr)
	transposed := sq != opt.Size && isYCC && hasVectorResize && 3*opt.Size >= 8
	var rgb []byte
	stride, ps := 3*sq, 3 // bytes from one row, and one pixel, to the next
	switch {
	case sq == opt.Size:
		rgb = target
	case transposed:
		s.rs.srcT = growBytes(s.rs.srcT, 3*sq*sq)
		rgb, stride, ps = s.rs.srcT, 3, 3*sq
	default:
		rgb = s.rgbBuf(3 * sq * sq)
	}
	if px != 0 || py != 0 || cw != sq || ch != sq {
		fillRGB(rgb, opt.Background)
	}
	toRGB(rgb, stride, ps, px, py, img, b.Min.X+x0, b.Min.Y+y0, cw, ch, opt.Background)
	switch {
	case transposed:
		resizeFromT(target, rgb, sq, opt.Size, lanczosWeights(sq, opt.Size), &s.rs)
	case sq != opt.Size:
		resizeRGB(target, rgb, sq, opt.Size, &s.rs)
	}
	return nil
}

// squareOf is the square region of a w x h image that FromImage takes: side
// sq, source origin (x0, y0), and placement (px, py) inside the square
// (non-zero only when padding, crop CropNone).
func squareOf(w, h int, crop string) (sq, x0, y0, px, py int) {
	if crop == CropNone {
		sq = max(w, h)
		return sq, 0, 0, (sq - w) / 2, (sq - h) / 2
	}
	sq = min(w, h)
	return sq, (w - sq) / 2, (h - sq) / 2, 0, 0
}

// toRGB writes the cw x ch region of img at (sx, sy) as RGB into rgb at
// (px, py), compositing alpha on bg. Pixel (x, y) goes to rgb[stride*y +
// ps*x]; only YCbCr images may be written with ps != 3 (transposed).
func toRGB(rgb []byte, stride, ps, px, py int, img image.Image, sx, sy, cw, ch int, bg color.NRGBA) {
	switch m := img.(type) {
	case *image.YCbCr:
		ycbcrToRGB(rgb, stride, ps, px, py, m, sx, sy, cw, ch)
	case *image.Gray:
		for y := 0; y < ch; y++ {
			in := m.Pix[m.PixOffset(sx, sy+y):][:cw]
			out := rgb[stride*(py+y)+3*px:][:3*cw]
			for x, v := range in {
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA:
		nrgbaToRGB(rgb, stride, px, py, m, sx, sy, cw, ch, bg)
	default:
		// Paletted, CMYK, 16-bit, RGBA, NYCbCrA and anything else: let
		// imaging convert the region to NRGBA (un-premultiplied, 8-bit).
		sub := imaging.Crop(img, image.Rect(sx, sy, sx+cw, sy+ch))
		nrgbaToRGB(rgb, stride, px, py, sub, 0, 0, cw, ch, bg)
	}
}

func fillRGB(rgb []byte, c color.NRGBA) {
	if len(rgb) < 3 {
		return
	}
	rgb[0], rgb[1], rgb[2] = c.R, c.G, c.B
	for n := 3; n < len(rgb); n *= 2 {
		copy(rgb[n:], rgb[:n])
	}
}

// nrgbaToRGB composites the cw x ch region of m at (sx, sy) on bg and writes
// it to rgb (stride bytes per row) at (px, py).
func nrgbaToRGB(rgb []byte, stride, px, py int, m *image.NRGBA, sx, sy, cw, ch int, bg color.NRGBA) {
	for y := 0; y < ch; y++ {
		in := m.Pix[m.PixOffset(sx, sy+y):][:4*cw]
		out := rgb[stride*(py+y)+3*px:][:3*cw]
		for x := 0; x < cw; x++ {
			p := in[4*x : 4*x+4 : 4*x+4]
			o := out[3*x : 3*x+3 : 3*x+3]
			switch a := uint32(p[3]); a {
			case 255:
				o[0], o[1], o[2] = p[0], p[1], p[2]
			default:
				ia := 255 - a
				o[0] = uint8((uint32(p[0])*a + uint32(bg.R)*ia + 127) / 255)
				o[1] = uint8((uint32(p[1])*a + uint32(bg.G)*ia + 127) / 255)
				o[2] = uint8((uint32(p[2])*a + uint32(bg.B)*ia + 127) / 255)
			}
		}
	}
}

// ycbcrToRGB converts the cw x ch region of m at (sx, sy) to RGB in rgb at
// (px, py), with the same arithmetic as color.YCbCrToRGB: pixel (x, y) goes
// to rgb[stride*y + ps*x].
func ycbcrToRGB(rgb []byte, stride, ps, px, py int, m *image.YCbCr, sx, sy, cw, ch int) {
	if cw <= 0 {
		return
	}
	for y := 0; y < ch; y++ {
		yi := m.YOffset(sx, sy+y)
		yrow := m.Y[yi : yi+cw]
		out := rgb[stride*(py+y)+ps*px:][:ps*(cw-1)+3]
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio444:
			ci := m.COffset(sx, sy+y)
			cbrow, crrow := m.Cb[ci:ci+cw], m.Cr[ci:ci+cw]
			for x, yy := range yrow {
				o := out[ps*x : ps*x+3 : ps*x+3]
				o[0], o[1], o[2] = yccToRGB(yy, cbrow[x], crrow[x])
			}
		case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422:
			// Chroma is halved horizontally: pixel x uses chroma (sx+x)/2.
			c0 := m.COffset(sx, sy+y)
			halfChromaRow(out, yrow, m.Cb[c0:], m.Cr[c0:], sx&1, ps)
		default:
			for x, yy := range yrow {
				ci := m.COffset(sx+x, sy+y)
				o := out[ps*x : ps*x+3 : ps*x+3]
				o[0], o[1], o[2] = yccToRGB(yy, m.Cb[ci], m.Cr[ci])
			}
		}
	}
}

// halfChromaRow converts one row of pixels whose chroma is halved
// horizontally (pixel x uses chroma (x+off)/2) to RGB at out[ps*x:],
// working out each chroma sample's terms once for its two pixels. The
// arithmetic is yccToRGB's.
func halfChromaRow(out, yrow, cb, cr []byte, off, ps int) {
	x := 0
	if off == 1 && len(yrow) > 0 {
		o := out[0:3:3]
		o[0], o[1], o[2] = yccToRGB(yrow[0], cb[0], cr[0])
		cb, cr, x = cb[1:], cr[1:], 1
	}
	for i := 0; x+1 < len(yrow); i, x = i+1, x+2 {
		rc, gc, bc := chromaTerms(cb[i], cr[i])
		o := out[ps*x : ps*x+3 : ps*x+3]
		o[0], o[1], o[2] = addChroma(yrow[x], rc, gc, bc)
		o = out[ps*(x+1) : ps*(x+1)+3 : ps*(x+1)+3]
		o[0], o[1], o[2] = addChroma(yrow[x+1], rc, gc, bc)
	}
	if x < len(yrow) {
		i := (x - off) >> 1
		o := out[ps*x : ps*x+3 : ps*x+3]
		o[0], o[1], o[2] = yccToRGB(yrow[x], cb[i], cr[i])
	}
}

// chromaTerms is the first half of yccToRGB: the red, green and blue
// terms of one chroma sample.
func chromaTerms(cb, cr uint8) (rc, gc, bc int32) {
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	return 91881 * cr1, -22554*cb1 - 46802*cr1, 116130 * cb1
}

// addChroma is the second half of yccToRGB: luma plus the chroma terms.
func addChroma(y uint8, rc, gc, bc int32) (uint8, uint8, uint8) {
	yy1 := int32(y) * 0x10101
	return clamp16(yy1 + rc), clamp16(yy1 + gc), clamp16(yy1 + bc)
}

// clamp16 is yccToRGB's rounding: v>>16 clamped to [0, 255].
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// yccToRGB is color.YCbCrToRGB.
func yccToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	rc, gc, bc := chromaTerms(cb, cr)
	return addChroma(y, rc, gc, bc)
}
