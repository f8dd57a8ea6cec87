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

// TestColourStats checks the standard errors and the training-set gaps
// against numbers worked out by hand.
func TestColourStats(t *testing.T) {
	// Three one-channel images with means -1, 0 and 1 (0, 127.5 and 255
	// grey levels): mean 127.5, sample standard deviation 127.5, standard
	// error 127.5 / sqrt(3).
	var s ColourStats
	if err := s.AddAll([]Image{flat(1, 2, 2, -1), flat(1, 2, 2, 0), flat(1, 2, 2, 1)}); err != nil {
		t.Fatal(err)
	}
	if m, se := s.Mean(), s.SE(); s.N() != 3 || math.Abs(m[0]-127.5) > 1e-9 || math.Abs(se[0]-127.5/math.Sqrt(3)) > 1e-9 {
		t.Errorf("n %d, mean %v, SE %v; want 3, 127.5, %g", s.N(), m, se, 127.5/math.Sqrt(3))
	}
	if err := s.Add(flat(3, 2, 2, 0, 0, 0)); err == nil {
		t.Error("a 3-channel image added to 1-channel statistics")
	}
	var one ColourStats
	one.Add(flat(1, 1, 1, 0.5))
	if se := one.SE(); len(se) != 1 || se[0] != 0 {
		t.Errorf("one image: SE %v, want [0]", se)
	}

	for _, tc := range []struct {
		name                  string
		real, fake, train     []Image
		gap, trainGap, floor  float64
		wantErr, wantTrainErr bool
	}{
		{name: "holdout brighter than training", real: []Image{flat(3, 2, 2, 0.2, 0, 0)}, fake: []Image{flat(3, 2, 2, 0, 0, -0.1)}, train: []Image{flat(3, 2, 2, 0, 0, 0)},
			gap: 0.2 * 127.5, trainGap: 0.1 * 127.5, floor: 0.2 * 127.5},
		{name: "exact", real: []Image{flat(1, 2, 2, 0.5)}, fake: []Image{flat(1, 2, 2, 0.5)}, train: []Image{flat(1, 2, 2, 0.5)}},
		{name: "no training images", real: []Image{flat(1, 2, 2, 0)}, fake: []Image{flat(1, 2, 2, 0)}, wantTrainErr: true},
		{name: "training channels differ", real: []Image{flat(1, 2, 2, 0)}, fake: []Image{flat(1, 2, 2, 0)}, train: []Image{flat(3, 2, 2, 0, 0, 0)}, wantTrainErr: true},
		{name: "no reals", fake: []Image{flat(1, 2, 2, 0)}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r, f, tr ColourStats
			for _, p := range []struct {
				s    *ColourStats
				imgs []Image
			}{{&r, tc.real}, {&f, tc.fake}, {&tr, tc.train}} {
				if err := p.s.AddAll(p.imgs); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := CompareColour(&r, &f)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			err = rep.SetTrain(&tr)
			if (err != nil) != tc.wantTrainErr {
				t.Fatalf("SetTrain: err = %v, want error %v", err, tc.wantTrainErr)
			}
			if err != nil {
				if rep.TrainGap != nil || rep.Floor != nil {
					t.Errorf("failed SetTrain left gaps %v %v", rep.TrainGap, rep.Floor)
				}
				return
			}
			if math.Abs(rep.Gap-tc.gap) > 1e-4 || math.Abs(*rep.TrainGap-tc.trainGap) > 1e-4 || math.Abs(*rep.Floor-tc.floor) > 1e-4 { // float32 pixels
				t.Errorf("gaps %g / %g / %g, want %g / %g / %g", rep.Gap, *rep.TrainGap, *rep.Floor, tc.gap, tc.trainGap, tc.floor)
			}
		})
	}
}
