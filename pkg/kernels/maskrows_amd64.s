//go:build !noasm

#include "textflag.h"

// func maskRowsAVX2(dst *float32, ld int, src *float32, srcRow *int, mask *uint32, maskRow *int, rows int, pieces *MaskPiece, np int)
//
// MaskRows for rows > 0 and np > 0: for every row, every piece 8 values a
// step (a YMM load, VANDPS with the mask, a store), then 4, then one.
TEXT ·maskRowsAVX2(SB), NOSPLIT, $8-72
	MOVQ dst+0(FP), DI
	MOVQ ld+8(FP), R8
	SHLQ $2, R8
	MOVQ srcRow+24(FP), R9
	MOVQ maskRow+40(FP), R11
	MOVQ rows+48(FP), R12
	MOVQ pieces+56(FP), AX
	MOVQ np+64(FP), CX
	SHLQ $5, CX
	ADDQ AX, CX
	MOVQ CX, pend-8(SP)

mrow:
	MOVQ (R9), AX
	MOVQ src+16(FP), SI
	LEAQ (SI)(AX*4), AX
	MOVQ (R11), BX
	MOVQ mask+32(FP), SI
	LEAQ (SI)(BX*4), BX
	MOVQ pieces+56(FP), R13

mpiece:
	MOVQ 0(R13), DX
	LEAQ (DI)(DX*4), DX
	MOVQ 8(R13), SI
	LEAQ (AX)(SI*4), SI
	MOVQ 16(R13), R10
	LEAQ (BX)(R10*4), R10
	MOVQ 24(R13), CX

m16:
	CMPQ CX, $16
	JLT  m8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VANDPS  (R10), Y0, Y0
	VANDPS  32(R10), Y1, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  m16

m8:
	CMPQ CX, $8
	JLT  m4
	VMOVUPS (SI), Y0
	VANDPS  (R10), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, DX
	SUBQ $8, CX

m4:
	CMPQ CX, $4
	JLT  m1
	VMOVUPS (SI), X0
	VANDPS  (R10), X0, X0
	VMOVUPS X0, (DX)
	ADDQ $16, SI
	ADDQ $16, R10
	ADDQ $16, DX
	SUBQ $4, CX

m1:
	TESTQ CX, CX
	JZ    mnext
	VMOVSS (SI), X0
	VMOVSS (R10), X1
	VANDPS X1, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $4, DX
	DECQ CX
	JMP  m1

mnext:
	ADDQ $32, R13
	CMPQ R13, pend-8(SP)
	JB   mpiece
	ADDQ R8, DI
	ADDQ $8, R9
	ADDQ $8, R11
	DECQ R12
	JNZ  mrow
	VZEROUPPER
	RET
