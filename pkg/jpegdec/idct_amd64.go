//go:build !noasm

package jpegdec

import "golang.org/x/sys/cpu"

//go:generate python3 gen_idct_amd64.py

// idctAVX2 is idctRow on every row of b, then idctCols, then the level
// shift, clamp and store of idctBlock, on eight lanes at a time
// (idct_amd64.s): the same int32 operations, so the same bytes. It leaves b
// as it was.
//
//go:noescape
func idctAVX2(b *[blockSize]int32, dst *byte, stride int)

// hasIDCTAVX2 selects idctAVX2 in idctBlock.
var hasIDCTAVX2 = cpu.X86.HasAVX2
