//go:build !noasm

#include "textflag.h"

// func deinterleaveAVX2(even, odd, src *float32, n int)
//
// even[i] = src[2i] and odd[i] = src[2i+1] for i < n, n a multiple of 4:
// 8 pairs a step (two YMM loads, the even and the odd lanes gathered by
// VSHUFPS within each 128-bit lane and put in order by VPERMPD), then one
// step of 4 pairs in XMM registers if n is not a multiple of 8.
TEXT ·deinterleaveAVX2(SB), NOSPLIT, $0-32
	MOVQ even+0(FP), DI
	MOVQ odd+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $2, CX

loop8:
	CMPQ CX, $2
	JLT  tail4
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ $64, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $2, CX
	JMP  loop8

tail4:
	TESTQ CX, CX
	JZ    done
	VMOVUPS (SI), X0
	VMOVUPS 16(SI), X1
	VSHUFPS $0x88, X1, X0, X2
	VSHUFPS $0xDD, X1, X0, X3
	VMOVUPS X2, (DI)
	VMOVUPS X3, (DX)

done:
	VZEROUPPER
	RET
