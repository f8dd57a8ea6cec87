package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamRef is the scalar Adam update written out independently, in float32
// with each operation rounded on its own.
func adamRef(w, g, m, v []float32, p *AdamParams) {
	for i := range w {
		mi := p.B1*m[i] + p.OB1*g[i]
		t := p.OB2 * g[i]
		vi := p.B2*v[i] + t*g[i]
		m[i], v[i] = mi, vi
		s := float32(math.Sqrt(float64(vi)))
		d := s*p.InvSqrtBC2 + p.Eps
		w[i] -= p.StepSize * (mi / d)
	}
}

func randVals(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * scale)
		switch rng.IntN(50) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(rng.NormFloat64() * 1e-20)
		}
	}
	return s
}

// TestAdamMatchesScalar checks Adam (vector kernel plus tail, in this
// build) bit for bit against the scalar formula, over lengths that leave
// every tail size.
func TestAdamMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 1031} {
		for step := 1; step <= 3; step++ {
			p := &AdamParams{B1: 0.5, OB1: 1 - float32(0.5), B2: 0.999, OB2: 1 - float32(0.999),
				InvSqrtBC2: float32(1 / math.Sqrt(1-math.Pow(0.999, float64(step)))), Eps: 1e-8,
				StepSize: float32(2e-4 / (1 - math.Pow(0.5, float64(step))))}
			w, g := randVals(rng, n, 0.02), randVals(rng, n, 1e-3)
			m, v := randVals(rng, n, 1e-3), randVals(rng, n, 1e-6)
			for i := range v {
				v[i] = float32(math.Abs(float64(v[i])))
			}
			w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			Adam(w, g, m, v, p)
			adamRef(w2, g, m2, v2, p)
			for i := range w {
				if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(m[i]) != math.Float32bits(m2[i]) ||
					math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
					t.Fatalf("n=%d step %d elem %d: w %g m %g v %g, scalar gives %g %g %g", n, step, i, w[i], m[i], v[i], w2[i], m2[i], v2[i])
				}
			}
		}
	}
}

func TestLerpMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 1, 8, 13, 64, 1001} {
		dst, src := randVals(rng, n, 1), randVals(rng, n, 1)
		want := append([]float32(nil), dst...)
		a, b := float32(0.999), 1-float32(0.999)
		for i := range want {
			want[i] = a*want[i] + b*src[i]
		}
		Lerp(dst, src, a, b)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d elem %d: %g, want %g", n, i, dst[i], want[i])
			}
		}
	}
}

func TestElementwisePanics(t *testing.T) {
	for _, f := range []func(){
		func() {
			Adam(make([]float32, 2), make([]float32, 1), make([]float32, 2), make([]float32, 2), &AdamParams{})
		},
		func() { Lerp(make([]float32, 2), make([]float32, 3), 1, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// leakyInputs mixes random values with the ones where max, min and the
// sign test are delicate: both zeros, NaNs of both signs, infinities and
// subnormals.
func leakyInputs(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), -float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 3e-39, -3e-39}
	x := randVals(rng, n, 2)
	for i := range x {
		if i%3 == 0 {
			x[i] = special[(i/3)%len(special)]
		}
	}
	return x
}

func TestLeakyMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, alpha := range []float32{0.2, 0} {
		for n := 0; n <= 41; n++ {
			src := leakyInputs(rng, n)
			dy := randVals(rng, n, 1)
			got, gotDx := make([]float32, n), make([]float32, n)
			Leaky(got, src, alpha)
			LeakyGrad(gotDx, src, dy, alpha)
			for i, v := range src {
				want := max(v, 0) + alpha*min(v, 0)
				if want != want && got[i] != got[i] {
					continue // a NaN either way (its sign and payload are not Go's to keep)
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("Leaky alpha=%g n=%d: f(%g) = %g (bits %#x), want %g (%#x)", alpha, n, v, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
				wantDx := dy[i] * Slope(v, alpha)
				if wantDx != wantDx && gotDx[i] != gotDx[i] {
					continue
				}
				if math.Float32bits(gotDx[i]) != math.Float32bits(wantDx) {
					t.Fatalf("LeakyGrad alpha=%g n=%d: at %g: %g, want %g", alpha, n, v, gotDx[i], wantDx)
				}
			}
		}
	}
	// Slope itself: 1 for positive bit patterns, neg otherwise.
	for _, c := range []struct{ x, want float32 }{{1, 1}, {-1, 0.2}, {0, 0.2}, {float32(math.Copysign(0, -1)), 0.2}, {1e-45, 1}, {float32(math.NaN()), 1}} {
		if got := Slope(c.x, 0.2); got != c.want {
			t.Errorf("Slope(%g, 0.2) = %g, want %g", c.x, got, c.want)
		}
	}
}

// sameFloat reports whether a and b are the same float32 bit for bit, or
// both NaNs (whose sign and payload the vector code need not keep).
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

func TestAffineActMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, act := range []Act{ActNone, ActReLU, ActLeaky} {
		for _, c := range []struct{ scale, shift float32 }{{1.7, -0.3}, {0, 0}, {-2, float32(math.Copysign(0, -1))}, {1, 0}} {
			for n := 0; n <= 41; n++ {
				src := leakyInputs(rng, n)
				got := make([]float32, n)
				AffineAct(got, src, c.scale, c.shift, act, 0.2)
				for i, xv := range src {
					z := xv*c.scale + c.shift
					want := z
					switch act {
					case ActReLU:
						want = max(z, 0)
					case ActLeaky:
						want = max(z, 0) + 0.2*min(z, 0)
					}
					if !sameFloat(got[i], want) {
						t.Fatalf("act %d scale %g shift %g n=%d: f(%g) = %g (%#x), want %g (%#x)", act, c.scale, c.shift, n, xv, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
					}
				}
			}
		}
	}
}

func TestBNGradXMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, neg := range []float32{0.2, 0, 1} {
		p := &BNGradParams{G: 0.7, A: 0.01, B: -0.3, Mean: 0.05, Inv: 3.1, Neg: neg}
		for n := 0; n <= 41; n++ {
			x, dy, y := randVals(rng, n, 1), randVals(rng, n, 1), leakyInputs(rng, n)
			got := make([]float32, n)
			BNGradX(got, x, dy, y, p)
			for i := range got {
				d := dy[i] * Slope(y[i], neg)
				want := p.G * (d - p.A - (x[i]-p.Mean)*p.Inv*p.B)
				if !sameFloat(got[i], want) {
					t.Fatalf("neg %g n=%d: dx[%d] = %g, want %g", neg, n, i, got[i], want)
				}
			}
		}
	}
}
