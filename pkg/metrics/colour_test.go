package metrics

import (
	"math"
	"testing"
)

func flat(c, h, w int, vals ...float32) Image {
	m := Image{C: c, H: h, W: w, Pix: make([]float32, c*h*w)}
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h*w; i++ {
			m.Pix[ch*h*w+i] = vals[ch]
		}
	}
	return m
}

func TestColour(t *testing.T) {
	for _, tc := range []struct {
		name       string
		real, fake []Image
		wantGap    float64
		wantErr    bool
	}{
		{"same", []Image{flat(3, 2, 2, 0, 0, 0)}, []Image{flat(3, 4, 4, 0, 0, 0)}, 0, false},
		{"blue cast", []Image{flat(3, 2, 2, 0, 0, 0), flat(3, 2, 2, -1, -1, -1)}, []Image{flat(3, 2, 2, -0.5, -0.5, -0.3)}, 0.2 * 127.5, false},
		{"red cast in one image", []Image{flat(3, 2, 2, 0, 0, 0)}, []Image{flat(3, 2, 2, 1, 0, 0), flat(3, 2, 2, 0, 0, 0)}, 0.5 * 127.5, false},
		{"no fakes", []Image{flat(3, 2, 2, 0, 0, 0)}, nil, 0, true},
		{"channels differ", []Image{flat(3, 2, 2, 0, 0, 0)}, []Image{flat(1, 2, 2, 0)}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Colour(tc.real, tc.fake)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && math.Abs(r.Gap-tc.wantGap) > 1e-4 {
				t.Errorf("gap = %g, want %g (%+v)", r.Gap, tc.wantGap, r)
			}
		})
	}
}
