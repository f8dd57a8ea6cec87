// Package jpegdec is a fast decoder for the common kind of JPEG: baseline or
// extended sequential Huffman coding, 8-bit, grey or YCbCr, one interleaved
// scan, with or without restart markers. Its output is bit-identical to
// image/jpeg's (the same integer inverse DCT, Go 1.25's, copied with zero-
// row and DC-only shortcuts that do the same integer arithmetic on zeros),
// so a caller can use it first and fall back to image/jpeg on any error:
// every other JPEG (progressive, CMYK, RGB, non-interleaved scans, corrupt
// or truncated data, tables of unusual shape) is refused with an error
// rather than decoded differently.
//
// It is faster than image/jpeg for small images because it reuses its
// planes and tables between images (no allocation per image), reads the
// entropy-coded data from a byte slice eight bytes at a time, decodes a
// coefficient's Huffman code and its extra bits with one table look-up, and
// skips the inverse DCT work on rows and blocks that are zero.
//
// Parts of this package are copied from Go's image/jpeg (BSD licence, see
// LICENSE-go).
package jpegdec
