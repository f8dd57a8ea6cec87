//go:build !noasm

#include "textflag.h"

// func addRowsAVX2(dst *float32, ds int, src *float32, ss int, rows, n int)
//
// dst[r*ds+i] += src[r*ss+i] for r < rows and i < n: 8 values a step, then
// 4, then one at a time (one VADDPS or VADDSS per value, so the sums are
// the scalar loop's).
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ds+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ ss+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ n+40(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9
	TESTQ R10, R10
	JZ    adone

arow:
	MOVQ DI, AX
	MOVQ SI, BX
	MOVQ R11, CX

a8:
	CMPQ CX, $8
	JLT  a4
	VMOVUPS (AX), Y0
	VADDPS  (BX), Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ $32, AX
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  a8

a4:
	CMPQ CX, $4
	JLT  a1
	VMOVUPS (AX), X0
	VADDPS  (BX), X0, X0
	VMOVUPS X0, (AX)
	ADDQ $16, AX
	ADDQ $16, BX
	SUBQ $4, CX

a1:
	TESTQ CX, CX
	JZ    anext
	VMOVSS (AX), X0
	VADDSS (BX), X0, X0
	VMOVSS X0, (AX)
	ADDQ $4, AX
	ADDQ $4, BX
	DECQ CX
	JMP  a1

anext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R10
	JNZ  arow

adone:
	VZEROUPPER
	RET

// func deinterleaveRowsAVX2(even, odd *float32, es int, src *float32, ss int, rows, n int)
//
// For r < rows: the n pairs of src row r (at r*ss) split into even and odd
// row r (at r*es): 8 pairs a step (two YMM loads, the even and the odd
// lanes gathered by VSHUFPS within each 128-bit lane and put in order by
// VPERMPD), then 4 in XMM registers, then one.
TEXT ·deinterleaveRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ even+0(FP), DI
	MOVQ odd+8(FP), DX
	MOVQ es+16(FP), R8
	MOVQ src+24(FP), SI
	MOVQ ss+32(FP), R9
	MOVQ rows+40(FP), R10
	MOVQ n+48(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9
	TESTQ R10, R10
	JZ    drdone

drrow:
	MOVQ DI, AX
	MOVQ DX, BX
	MOVQ SI, R12
	MOVQ R11, CX

dr8:
	CMPQ CX, $8
	JLT  dr4
	VMOVUPS (R12), Y0
	VMOVUPS 32(R12), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (AX)
	VMOVUPS Y3, (BX)
	ADDQ $64, R12
	ADDQ $32, AX
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  dr8

dr4:
	CMPQ CX, $4
	JLT  dr1
	VMOVUPS (R12), X0
	VMOVUPS 16(R12), X1
	VSHUFPS $0x88, X1, X0, X2
	VSHUFPS $0xDD, X1, X0, X3
	VMOVUPS X2, (AX)
	VMOVUPS X3, (BX)
	ADDQ $32, R12
	ADDQ $16, AX
	ADDQ $16, BX
	SUBQ $4, CX

dr1:
	TESTQ CX, CX
	JZ    drnext
	MOVL (R12), R13
	MOVL R13, (AX)
	MOVL 4(R12), R13
	MOVL R13, (BX)
	ADDQ $8, R12
	ADDQ $4, AX
	ADDQ $4, BX
	DECQ CX
	JMP  dr1

drnext:
	ADDQ R8, DI
	ADDQ R8, DX
	ADDQ R9, SI
	DECQ R10
	JNZ  drrow

drdone:
	VZEROUPPER
	RET

// func interleaveRowsAVX2(dst *float32, ds int, even, odd *float32, es int, rows, n int)
//
// For r < rows: even and odd row r (at r*es, n values each) interleaved
// into dst row r (at r*ds): 8 pairs a step (VUNPCKLPS / VUNPCKHPS pair the
// lanes within each 128-bit half, VPERM2F128 puts the halves in order),
// then 4 in XMM registers, then one.
TEXT ·interleaveRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ ds+8(FP), R8
	MOVQ even+16(FP), SI
	MOVQ odd+24(FP), DX
	MOVQ es+32(FP), R9
	MOVQ rows+40(FP), R10
	MOVQ n+48(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9
	TESTQ R10, R10
	JZ    irdone

irrow:
	MOVQ DI, AX
	MOVQ SI, BX
	MOVQ DX, R12
	MOVQ R11, CX

ir8:
	CMPQ CX, $8
	JLT  ir4
	VMOVUPS (BX), Y0
	VMOVUPS (R12), Y1
	VUNPCKLPS Y1, Y0, Y2
	VUNPCKHPS Y1, Y0, Y3
	VPERM2F128 $0x20, Y3, Y2, Y4
	VPERM2F128 $0x31, Y3, Y2, Y5
	VMOVUPS Y4, (AX)
	VMOVUPS Y5, 32(AX)
	ADDQ $32, BX
	ADDQ $32, R12
	ADDQ $64, AX
	SUBQ $8, CX
	JMP  ir8

ir4:
	CMPQ CX, $4
	JLT  ir1
	VMOVUPS (BX), X0
	VMOVUPS (R12), X1
	VUNPCKLPS X1, X0, X2
	VUNPCKHPS X1, X0, X3
	VMOVUPS X2, (AX)
	VMOVUPS X3, 16(AX)
	ADDQ $16, BX
	ADDQ $16, R12
	ADDQ $32, AX
	SUBQ $4, CX

ir1:
	TESTQ CX, CX
	JZ    irnext
	MOVL (BX), R13
	MOVL R13, (AX)
	MOVL (R12), R13
	MOVL R13, 4(AX)
	ADDQ $4, BX
	ADDQ $4, R12
	ADDQ $8, AX
	DECQ CX
	JMP  ir1

irnext:
	ADDQ R8, DI
	ADDQ R9, SI
	ADDQ R9, DX
	DECQ R10
	JNZ  irrow

irdone:
	VZEROUPPER
	RET
