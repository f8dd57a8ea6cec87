//go:build !noasm

#include "textflag.h"

// PACKSTORE rounds and shifts the eight int32 sums in Y, clamps them to
// bytes (signed then unsigned saturation: clampShift) and stores them at ADDR.
#define PACKSTORE(Y, X, ADDR) \
	VPADDD Y15, Y, Y \
	VPSRAD $21, Y, Y \
	VEXTRACTI128 $1, Y, X14 \
	VPACKSSDW X14, X, X \
	VPACKUSWB X, X, X \
	MOVQ X, ADDR

// func vpassAVX2(dst, src *byte, stride int, w *int32, taps, n int)
// dst[i] = clampShift(sum over k < taps of w[k]*src[k*stride+i]) for i < n;
// n >= 8, taps >= 1.
TEXT ·vpassAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R8
	MOVQ w+24(FP), R9
	MOVQ taps+32(FP), R10
	MOVQ n+40(FP), R11
	MOVL $0x100000, AX
	MOVL AX, X15
	VPBROADCASTD X15, Y15
	XORQ CX, CX

loop32:
	LEAQ 32(CX), AX
	CMPQ AX, R11
	JGT  loop8
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	LEAQ (SI)(CX*1), BX
	MOVQ R9, DX
	MOVQ R10, R12

tap32:
	VPBROADCASTD (DX), Y4
	VPMOVZXBD    (BX), Y5
	VPMOVZXBD    8(BX), Y6
	VPMOVZXBD    16(BX), Y7
	VPMOVZXBD    24(BX), Y8
	VPMULLD      Y4, Y5, Y5
	VPMULLD      Y4, Y6, Y6
	VPMULLD      Y4, Y7, Y7
	VPMULLD      Y4, Y8, Y8
	VPADDD       Y5, Y0, Y0
	VPADDD       Y6, Y1, Y1
	VPADDD       Y7, Y2, Y2
	VPADDD       Y8, Y3, Y3
	ADDQ         R8, BX
	ADDQ         $4, DX
	DECQ         R12
	JNZ          tap32

	LEAQ (DI)(CX*1), BX
	PACKSTORE(Y0, X0, (BX))
	PACKSTORE(Y1, X1, 8(BX))
	PACKSTORE(Y2, X2, 16(BX))
	PACKSTORE(Y3, X3, 24(BX))
	ADDQ $32, CX
	JMP  loop32

loop8:
	LEAQ 8(CX), AX
	CMPQ AX, R11
	JGT  tail

block8:
	VPXOR Y0, Y0, Y0
	LEAQ  (SI)(CX*1), BX
	MOVQ  R9, DX
	MOVQ  R10, R12

tap8:
	VPBROADCASTD (DX), Y4
	VPMOVZXBD    (BX), Y5
	VPMULLD      Y4, Y5, Y5
	VPADDD       Y5, Y0, Y0
	ADDQ         R8, BX
	ADDQ         $4, DX
	DECQ         R12
	JNZ          tap8

	LEAQ (DI)(CX*1), BX
	PACKSTORE(Y0, X0, (BX))
	ADDQ $8, CX
	JMP  loop8

tail:
	// The last n%8 outputs: redo the final eight (the overlap is
	// recomputed to the same values).
	CMPQ CX, R11
	JGE  done
	LEAQ -8(R11), CX
	JMP  block8

done:
	VZEROUPPER
	RET
