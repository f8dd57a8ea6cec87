//go:build !amd64 || noasm

package jpegdec

// hasIDCTAVX2 is false: idctBlock keeps to the Go IDCT.
const hasIDCTAVX2 = false

// idctAVX2 is never called in this build.
func idctAVX2(*[blockSize]int32, *byte, int) {}
