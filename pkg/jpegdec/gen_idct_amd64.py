#!/usr/bin/env python3
"""Writes idct_amd64.s: image/jpeg's integer IDCT (idctRow on every row,
then idctCols) on eight lanes at a time with AVX2, plus the level shift,
clamp and store of reconstructBlock. Run: python3 gen_idct_amd64.py"""

def c(x, bits):
    v = (x + (1 << (59 - bits))) >> (60 - bits)
    assert v < 2**31
    return v

cos1 = 1130768441178740757
sin1 = 224923827593068887
cos3 = 958619196450722178
sin3 = 640528868967736374
sqrt2inv = 815238614083298888
sqrt2inv_cos6 = 311978311033955632
sqrt2inv_sin6 = 753182269664427492

consts = []  # (name, value)
def const(name, v):
    consts.append((name, v & 0xffffffff))
    return name

def box(name, kc, ks):
    const(name + "kc", kc)
    const(name + "sk", ks - kc)
    const(name + "ks", kc + ks)

box("r26", c(sqrt2inv_cos6, 18), -c(sqrt2inv_sin6, 18))
const("r2i", c(sqrt2inv, 8))
box("r3", c(cos3, 12), -c(sin3, 12))
box("r1", c(cos1, 12), -c(sin1, 12))
box("c26", c(sqrt2inv_cos6, 12), -c(sqrt2inv_sin6, 12))
const("c2i", c(sqrt2inv, 14))
box("c3", c(cos3, 12), -c(sin3, 12))
box("c1", c(cos1, 12), -c(sin1, 12))
const("half", 1 << 19)
const("lvl", 128)
offset = {name: 32 * i for i, (name, _) in enumerate(consts)}

out = []
def e(s):
    out.append("\t" + s)

def K(name):
    return "idctK<>+%d(SB)" % offset[name]

def bfly(a, b, t):  # a, b = a+b, a-b
    e("VPADDD %s, %s, %s" % (b, a, t))
    e("VPSUBD %s, %s, %s" % (b, a, b))
    e("VMOVDQU %s, %s" % (t, a))

def dctbox(a, b, name, t1, t2, t3):
    # ksum = kc*(a+b); a' = ksum + (ks-kc)*b; b' = ksum - (kc+ks)*a
    e("VPADDD %s, %s, %s" % (b, a, t1))
    e("VPMULLD %s, %s, %s" % (K(name + "kc"), t1, t1))
    e("VPMULLD %s, %s, %s" % (K(name + "sk"), b, t2))
    e("VPMULLD %s, %s, %s" % (K(name + "ks"), a, t3))
    e("VPADDD %s, %s, %s" % (t2, t1, a))
    e("VPSUBD %s, %s, %s" % (t3, t1, b))

def transpose(i, t):
    # rows i[0..7] -> columns in t[0..7]; i is clobbered.
    for k in range(4):
        e("VPUNPCKLDQ %s, %s, %s" % (i[2*k+1], i[2*k], t[2*k]))
        e("VPUNPCKHDQ %s, %s, %s" % (i[2*k+1], i[2*k], t[2*k+1]))
    # t0=ab lo, t1=ab hi, t2=cd lo, t3=cd hi, t4=ef lo, t5=ef hi, t6=gh lo, t7=gh hi
    e("VPUNPCKLQDQ %s, %s, %s" % (t[2], t[0], i[0]))
    e("VPUNPCKHQDQ %s, %s, %s" % (t[2], t[0], i[1]))
    e("VPUNPCKLQDQ %s, %s, %s" % (t[3], t[1], i[2]))
    e("VPUNPCKHQDQ %s, %s, %s" % (t[3], t[1], i[3]))
    e("VPUNPCKLQDQ %s, %s, %s" % (t[6], t[4], i[4]))
    e("VPUNPCKHQDQ %s, %s, %s" % (t[6], t[4], i[5]))
    e("VPUNPCKLQDQ %s, %s, %s" % (t[7], t[5], i[6]))
    e("VPUNPCKHQDQ %s, %s, %s" % (t[7], t[5], i[7]))
    for k in range(4):
        e("VPERM2I128 $0x20, %s, %s, %s" % (i[4+k], i[k], t[k]))
        e("VPERM2I128 $0x31, %s, %s, %s" % (i[4+k], i[k], t[4+k]))

Y = ["Y%d" % k for k in range(16)]
e("MOVQ b+0(FP), SI")
e("MOVQ dst+8(FP), DI")
e("MOVQ stride+16(FP), DX")
for r in range(8):
    e("VMOVDQU %d(SI), %s" % (32 * r, Y[r]))
transpose(Y[0:8], Y[8:16])
# Row pass: lanes are rows; column j of the block is in Y[8+j].
x = {0: Y[8], 7: Y[9], 2: Y[10], 5: Y[11], 1: Y[12], 6: Y[13], 3: Y[14], 4: Y[15]}
T = Y[0:8]
e("VPSLLD $17, %s, %s" % (x[0], x[0]))
e("VPSLLD $17, %s, %s" % (x[1], x[1]))
bfly(x[0], x[1], T[0])
dctbox(x[2], x[3], "r26", T[1], T[2], T[3])
bfly(x[1], x[2], T[0])
bfly(x[0], x[3], T[0])
e("VPSLLD $7, %s, %s" % (x[4], x[4]))
e("VPSLLD $7, %s, %s" % (x[7], x[7]))
bfly(x[7], x[4], T[0])
e("VPMULLD %s, %s, %s" % (K("r2i"), x[6], x[6]))
e("VPMULLD %s, %s, %s" % (K("r2i"), x[5], x[5]))
bfly(x[7], x[5], T[0])
bfly(x[4], x[6], T[0])
for r in (4, 7, 5, 6):
    e("VPSRAD $2, %s, %s" % (x[r], x[r]))
dctbox(x[4], x[7], "r3", T[1], T[2], T[3])
dctbox(x[5], x[6], "r1", T[1], T[2], T[3])
bfly(x[0], x[7], T[0])
bfly(x[1], x[6], T[0])
bfly(x[2], x[5], T[0])
bfly(x[3], x[4], T[0])
# Register x[j] holds element j of every row: transpose back to rows.
transpose([x[j] for j in range(8)], Y[0:8])
# Column pass: lanes are columns; row r is in Y[r].
x = {0: Y[0], 7: Y[1], 2: Y[2], 5: Y[3], 1: Y[4], 6: Y[5], 3: Y[6], 4: Y[7]}
T = Y[8:16]
e("VPADDD %s, %s, %s" % (K("half"), x[0], x[0]))
bfly(x[0], x[1], T[0])
e("VPSRAD $2, %s, %s" % (x[0], x[0]))
e("VPSRAD $2, %s, %s" % (x[1], x[1]))
e("VPSRAD $13, %s, %s" % (x[2], x[2]))
e("VPSRAD $13, %s, %s" % (x[3], x[3]))
dctbox(x[2], x[3], "c26", T[1], T[2], T[3])
bfly(x[1], x[2], T[0])
bfly(x[0], x[3], T[0])
bfly(x[7], x[4], T[0])
e("VPSRAD $13, %s, %s" % (x[5], x[5]))
e("VPSRAD $13, %s, %s" % (x[6], x[6]))
e("VPMULLD %s, %s, %s" % (K("c2i"), x[5], x[5]))
e("VPMULLD %s, %s, %s" % (K("c2i"), x[6], x[6]))
bfly(x[7], x[5], T[0])
bfly(x[4], x[6], T[0])
for r in (4, 7, 5, 6):
    e("VPSRAD $14, %s, %s" % (x[r], x[r]))
dctbox(x[4], x[7], "c3", T[1], T[2], T[3])
dctbox(x[5], x[6], "c1", T[1], T[2], T[3])
bfly(x[0], x[7], T[0])
bfly(x[1], x[6], T[0])
bfly(x[2], x[5], T[0])
bfly(x[3], x[4], T[0])
# Row r of the output is x[r]: >>18, +128, saturate to bytes, store.
e("VMOVDQU %s, %s" % (K("lvl"), T[7]))
for r in range(8):
    v = x[r]
    xv = "X" + v[1:]
    e("VPSRAD $18, %s, %s" % (v, v))
    e("VPADDD %s, %s, %s" % (T[7], v, v))
    e("VEXTRACTI128 $1, %s, X8" % v)
    e("VPACKSSDW X8, %s, %s" % (xv, xv))
    e("VPACKUSWB %s, %s, %s" % (xv, xv, xv))
    e("MOVQ %s, (DI)" % xv)
    if r < 7:
        e("ADDQ DX, DI")
e("VZEROUPPER")
e("RET")

data = []
for name, v in consts:
    off = offset[name]
    for k in range(8):
        data.append("DATA idctK<>+%d(SB)/4, $0x%08x" % (off + 4 * k, v))
data.append("GLOBL idctK<>(SB), RODATA|NOPTR, $%d" % (32 * len(consts)))

with open("idct_amd64.s", "w") as f:
    f.write("// Code generated by gen_idct_amd64.py; DO NOT EDIT.\n\n")
    f.write("//go:build !noasm\n\n#include \"textflag.h\"\n\n")
    f.write("\n".join(data) + "\n\n")
    f.write("// func idctAVX2(b *[64]int32, dst *byte, stride int)\n")
    f.write("TEXT ·idctAVX2(SB), NOSPLIT, $0-24\n")
    f.write("\n".join(out) + "\n")
