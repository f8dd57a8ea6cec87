package kernels

import "math"

// AdamParams are the per-step constants of one Adam update (see Adam).
type AdamParams struct {
	B1, OB1    float32 // beta1 and 1-beta1
	B2, OB2    float32 // beta2 and 1-beta2
	InvSqrtBC2 float32 // 1/sqrt(1-beta2^t)
	Eps        float32
	StepSize   float32 // lr/(1-beta1^t)
}

// Adam applies one Adam update to every element i of w with gradient g and
// moments m and v (all of one length), in float32 exactly as
//
//	m[i] = B1*m[i] + OB1*g[i]
//	v[i] = B2*v[i] + (OB2*g[i])*g[i]
//	w[i] -= StepSize * (m[i] / (sqrt(v[i])*InvSqrtBC2 + Eps))
//
// each operation rounded to float32 on its own (no fused multiply-add; the
// square root correctly rounded), so the vector and the portable code give
// the same bits. It runs on the calling goroutine.
func Adam(w, g, m, v []float32, p *AdamParams) {
	n := len(w)
	if len(g) != n || len(m) != n || len(v) != n {
		panic("kernels: Adam: slices of different lengths")
	}
	lo := adamVec(w, g, m, v, p) // a prefix done by the vector kernel
	adamGo(w[lo:], g[lo:], m[lo:], v[lo:], p)
}

// adamGo is the portable Adam.
func adamGo(w, g, m, v []float32, p *AdamParams) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	b1, ob1, b2, ob2 := p.B1, p.OB1, p.B2, p.OB2
	for i := range w {
		gi := g[i]
		mi := b1*m[i] + ob1*gi
		vi := b2*v[i] + ob2*gi*gi
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))*p.InvSqrtBC2 + p.Eps
		w[i] -= p.StepSize * (mi / denom)
	}
}

// Lerp sets dst[i] = a*dst[i] + b*src[i] for every i (float32, each
// product and the sum rounded on their own), on the calling goroutine.
func Lerp(dst, src []float32, a, b float32) {
	if len(src) != len(dst) {
		panic("kernels: Lerp: slices of different lengths")
	}
	lo := lerpVec(dst, src, a, b)
	s := src[lo:]
	for i, d := range dst[lo:] {
		dst[lo+i] = a*d + b*s[i]
	}
}

// Leaky is the leaky ReLU: dst[i] = max(src[i], 0) + alpha*min(src[i], 0)
// (Go's max and min: ±0 gives +0, NaN stays NaN).
func Leaky(dst, src []float32, alpha float32) {
	if len(src) != len(dst) {
		panic("kernels: Leaky: slices of different lengths")
	}
	// src*1 + 0 is src, but for -0, which becomes +0: the leaky ReLU's
	// value at both zeros.
	AffineAct(dst, src, 1, 0, ActLeaky, alpha)
}

// LeakyGrad is the leaky ReLU's gradient: dx[i] = dy[i] * Slope(x[i],
// alpha). x may be the activation's input or its output (they have the
// same sign for alpha > 0).
func LeakyGrad(dx, x, dy []float32, alpha float32) {
	if len(x) != len(dx) || len(dy) != len(dx) {
		panic("kernels: LeakyGrad: slices of different lengths")
	}
	lo := leakyGradVec(dx, x, dy, alpha)
	xs, dys := x[lo:], dy[lo:]
	for i, v := range xs {
		dx[lo+i] = dys[i] * Slope(v, alpha)
	}
}

// Slope returns 1 where x > 0 and neg elsewhere, without a branch
// (activations have random signs, so a branch would be mispredicted half
// the time). A NaN with the sign bit clear counts as positive.
func Slope(x, neg float32) float32 {
	ib := int32(math.Float32bits(x))
	mask := uint32((-ib & ^ib) >> 31) // all ones iff ib > 0
	return math.Float32frombits(0x3f800000&mask | math.Float32bits(neg)&^mask)
}

// Act selects the activation of AffineAct.
type Act int

// The activations of AffineAct.
const (
	ActNone  Act = iota // none
	ActReLU             // max(z, 0)
	ActLeaky            // max(z, 0) + alpha*min(z, 0)
)

// AffineAct writes dst[i] = act(src[i]*scale + shift): BatchNorm's
// normalisation and its activation in one pass. The multiply and the add
// are rounded one by one (no fused multiply-add), as in the plain Go loop,
// so results are the same with and without the vector code (NaNs aside,
// which stay NaNs).
func AffineAct(dst, src []float32, scale, shift float32, act Act, alpha float32) {
	if len(src) != len(dst) {
		panic("kernels: AffineAct: slices of different lengths")
	}
	lo := affineActVec(dst, src, scale, shift, act, alpha)
	s, d := src[lo:], dst[lo:]
	switch act {
	case ActNone:
		for i, xv := range s {
			d[i] = xv*scale + shift
		}
	case ActReLU:
		for i, xv := range s {
			d[i] = max(xv*scale+shift, 0)
		}
	default:
		for i, xv := range s {
			z := xv*scale + shift
			d[i] = max(z, 0) + alpha*min(z, 0)
		}
	}
}

// BNGradParams are one channel's constants of BNGradX.
type BNGradParams struct {
	G, A, B   float32 // gamma*invstd; the mean of dz; the mean of dz*xhat
	Mean, Inv float32 // the channel's batch mean and 1/std
	Neg       float32 // the activation's slope below 0 (Slope)
}

// BNGradX is train-mode BatchNorm's input gradient through its activation,
// for one channel: with dz = dy*Slope(y, Neg), dx = G*(dz - A -
// ((x-Mean)*Inv)*B), each operation rounded in that order.
func BNGradX(dx, x, dy, y []float32, p *BNGradParams) {
	if len(x) != len(dx) || len(dy) != len(dx) || len(y) != len(dx) {
		panic("kernels: BNGradX: slices of different lengths")
	}
	lo := bnGradXVec(dx, x, dy, y, p)
	xs, dys, ys := x[lo:], dy[lo:], y[lo:]
	for i, d := range dys {
		d *= Slope(ys[i], p.Neg)
		dx[lo+i] = p.G * (d - p.A - (xs[i]-p.Mean)*p.Inv*p.B)
	}
}
