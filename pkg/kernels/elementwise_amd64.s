//go:build !noasm

#include "textflag.h"

// func adamAVX(w, gr, m, v *float32, n int, p *AdamParams)
//
// n is a multiple of 8. Each operation is rounded on its own, in the order
// of adamGo (no FMA): m = B1*m + OB1*g; v = B2*v + (OB2*g)*g;
// w -= StepSize * (m / (sqrt(v)*InvSqrtBC2 + Eps)).
TEXT ·adamAVX(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ p+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // B1
	VBROADCASTSS 4(AX), Y9   // OB1
	VBROADCASTSS 8(AX), Y10  // B2
	VBROADCASTSS 12(AX), Y11 // OB2
	VBROADCASTSS 16(AX), Y12 // InvSqrtBC2
	VBROADCASTSS 20(AX), Y13 // Eps
	VBROADCASTSS 24(AX), Y14 // StepSize
	SHRQ $3, CX
	JZ adamdone

adamloop:
	VMOVUPS (SI), Y0      // g
	VMOVUPS (R8), Y1      // m
	VMULPS Y8, Y1, Y1     // B1*m
	VMULPS Y9, Y0, Y2     // OB1*g
	VADDPS Y2, Y1, Y1     // new m
	VMOVUPS Y1, (R8)
	VMOVUPS (R9), Y4      // v
	VMULPS Y10, Y4, Y4    // B2*v
	VMULPS Y11, Y0, Y3    // OB2*g
	VMULPS Y0, Y3, Y3     // (OB2*g)*g
	VADDPS Y3, Y4, Y4     // new v
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y5
	VMULPS Y12, Y5, Y5    // sqrt(new v)*InvSqrtBC2
	VADDPS Y13, Y5, Y5    // + Eps
	VDIVPS Y5, Y1, Y6     // new m / denom
	VMULPS Y6, Y14, Y6    // StepSize * that
	VMOVUPS (DI), Y7
	VSUBPS Y6, Y7, Y7     // w - that
	VMOVUPS Y7, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ adamloop

adamdone:
	VZEROUPPER
	RET

// func lerpAVX(dst, src *float32, n int, a, b float32)
//
// dst = a*dst + b*src for the first n (a multiple of 8) elements.
TEXT ·lerpAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Y8
	VBROADCASTSS b+28(FP), Y9
	SHRQ $3, CX
	JZ lerpdone

lerploop:
	VMOVUPS (DI), Y0
	VMULPS Y8, Y0, Y0
	VMOVUPS (SI), Y1
	VMULPS Y9, Y1, Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ lerploop

lerpdone:
	VZEROUPPER
	RET

// func leakyGradAVX2(dx, x, dy *float32, n int, alpha float32)
//
// dx = dy * (1 where x's bits, as an int32, are > 0, else alpha) for the
// first n (a multiple of 8) elements: nn's slope, one multiply.
TEXT ·leakyGradAVX2(SB), NOSPLIT, $0-36
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS alpha+32(FP), Y6
	MOVL $0x3f800000, AX
	MOVL AX, X5
	VBROADCASTSS X5, Y5
	VPXOR Y7, Y7, Y7
	SHRQ $3, CX
	JZ   lgdone

lgloop:
	VMOVUPS  (SI), Y0
	VPCMPGTD Y7, Y0, Y1
	VBLENDVPS Y1, Y5, Y6, Y2
	VMULPS   (DX), Y2, Y2
	VMOVUPS  Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  lgloop

lgdone:
	VZEROUPPER
	RET

// func affineActAVX2(dst, src *float32, n int, scale, shift, alpha float32, kind int)
//
// z = src*scale + shift (one multiply, one add), then by kind: 0 z; 1
// max(z, 0) (+0 for ±0, a NaN stays a NaN); 2 max(z, 0) + alpha*min(z, 0)
// as Go computes it (VMAXPS with z first gives +0 for ±0, VMINPS with z
// second keeps -0 and NaN, then one multiply and one add); for the first
// n (a multiple of 8) elements.
TEXT ·affineActAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS scale+24(FP), Y8
	VBROADCASTSS shift+28(FP), Y9
	VBROADCASTSS alpha+32(FP), Y6
	MOVQ kind+40(FP), DX
	VXORPS Y7, Y7, Y7
	SHRQ $3, CX
	JZ   afdone

afloop:
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y0
	VADDPS  Y9, Y0, Y0
	CMPQ DX, $1
	JLT  afstore
	JEQ  afrelu
	VMAXPS  Y7, Y0, Y1
	VMINPS  Y0, Y7, Y2
	VMULPS  Y6, Y2, Y2
	VADDPS  Y2, Y1, Y0
	JMP  afstore

afrelu:
	VMAXPS   Y7, Y0, Y1
	VCMPPS   $3, Y0, Y0, Y2
	VBLENDVPS Y2, Y0, Y1, Y0

afstore:
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  afloop

afdone:
	VZEROUPPER
	RET

// func bnGradXAVX2(dx, x, dy, y *float32, n int, p *BNGradParams)
//
// dx = g * ((dy*slope(y, neg)) - a - ((x-mean)*inv)*b) for the first n (a
// multiple of 8) elements, the operations of nn's loop in its order.
TEXT ·bnGradXAVX2(SB), NOSPLIT, $0-48
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ y+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ p+40(FP), AX
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	VBROADCASTSS 16(AX), Y14
	VBROADCASTSS 20(AX), Y6
	MOVL $0x3f800000, BX
	MOVL BX, X5
	VBROADCASTSS X5, Y5
	VPXOR Y7, Y7, Y7
	SHRQ $3, CX
	JZ   bgdone

bgloop:
	VMOVUPS   (R8), Y0
	VPCMPGTD  Y7, Y0, Y1
	VBLENDVPS Y1, Y5, Y6, Y2
	VMULPS    (DX), Y2, Y2
	VSUBPS    Y11, Y2, Y2
	VMOVUPS   (SI), Y3
	VSUBPS    Y13, Y3, Y3
	VMULPS    Y14, Y3, Y3
	VMULPS    Y12, Y3, Y3
	VSUBPS    Y3, Y2, Y2
	VMULPS    Y10, Y2, Y2
	VMOVUPS   Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, DI
	DECQ CX
	JNZ  bgloop

bgdone:
	VZEROUPPER
	RET
