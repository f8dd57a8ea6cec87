//go:build !noasm

#include "textflag.h"

// func transpose8AVX(d *float32, w int, src *float32, ld int, nblocks int)
//
// For b < nblocks, transposes the 8x8 block of src at column 8b (8 rows,
// row stride ld floats) into d at row 8b (8 rows, row stride w floats):
// d[(8b+p)*w + r] = src[r*ld + 8b+p] for r, p < 8.
TEXT ·transpose8AVX(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ w+8(FP), R12
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R8
	MOVQ nblocks+32(FP), CX
	TESTQ CX, CX
	JZ done
	SHLQ $2, R8
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R9   // 3*ld
	LEAQ (R8)(R8*4), R10  // 5*ld
	LEAQ (R9)(R8*4), R11  // 7*ld
	LEAQ (R12)(R12*2), R13 // 3*w
	LEAQ (R12)(R12*4), R14 // 5*w
	LEAQ (R13)(R12*4), DX  // 7*w

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (SI)(R8*4), Y4
	VMOVUPS (SI)(R10*1), Y5
	VMOVUPS (SI)(R9*2), Y6
	VMOVUPS (SI)(R11*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R12*1)
	VMOVUPS Y10, (DI)(R12*2)
	VMOVUPS Y11, (DI)(R13*1)
	VMOVUPS Y12, (DI)(R12*4)
	VMOVUPS Y13, (DI)(R14*1)
	VMOVUPS Y14, (DI)(R13*2)
	VMOVUPS Y15, (DI)(DX*1)

	ADDQ $32, SI
	LEAQ (DI)(R12*8), DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
