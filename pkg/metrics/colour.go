package metrics

import (
	"fmt"
	"math"
)

// ColourReport compares the average colour of two image sets, in grey
// levels of 0..255 (an image value v in [-1, 1] is (v+1)*127.5). A
// generator can match shapes and textures and still tint everything: SWD
// normalises each channel, so it barely sees such a cast; this does.
type ColourReport struct {
	RealMean []float64 `json:"real_mean"` // per channel
	FakeMean []float64 `json:"fake_mean"`
	// RealSE and FakeSE are the standard errors of the means, per channel:
	// the spread of the images' own mean colours over the square root of
	// their number. Faces differ a lot in colour (hair, skin), so 1000
	// anime faces pin a mean down to only about 1.3 grey levels.
	RealSE []float64 `json:"real_se,omitempty"`
	FakeSE []float64 `json:"fake_se,omitempty"`
	FakeN  int       `json:"fake_n,omitempty"` // images behind FakeMean
	// Gap is the largest absolute per-channel difference of the means.
	Gap float64 `json:"gap"`
	// With the training set's mean colour known (SetTrain): TrainGap is the
	// largest per-channel difference of the fake mean from it (the cast
	// against what the generator learned from, free of the holdout's own
	// draw) and Floor the holdout's (the gap that a generator drawing the
	// training colours exactly would still score).
	TrainMean []float64 `json:"train_mean,omitempty"`
	TrainN    int       `json:"train_n,omitempty"`
	TrainGap  *float64  `json:"train_gap,omitempty"`
	Floor     *float64  `json:"floor,omitempty"`
}

// ColourStats accumulates the mean colour of images added one at a time.
// The zero value is empty; every image added must have the same channel
// count.
type ColourStats struct {
	n       int
	pixels  float64
	sum     []float64 // per channel, over all pixels
	mom, m2 []float64 // per channel: sum and sum of squares of image means
}

// Add adds m's pixels.
func (s *ColourStats) Add(m Image) error {
	if err := m.check(); err != nil {
		return err
	}
	if s.sum == nil {
		s.sum, s.mom, s.m2 = make([]float64, m.C), make([]float64, m.C), make([]float64, m.C)
	}
	if m.C != len(s.sum) {
		return fmt.Errorf("image has %d channels, want %d", m.C, len(s.sum))
	}
	hw := m.H * m.W
	for ch := range m.C {
		var v float64
		for _, p := range m.Pix[ch*hw : (ch+1)*hw] {
			v += float64(p)
		}
		s.sum[ch] += v
		v = (v/float64(hw) + 1) * 127.5
		s.mom[ch] += v
		s.m2[ch] += v * v
	}
	s.pixels += float64(hw)
	s.n++
	return nil
}

// AddAll adds every image of imgs.
func (s *ColourStats) AddAll(imgs []Image) error {
	for i, m := range imgs {
		if err := s.Add(m); err != nil {
			return fmt.Errorf("image %d: %w", i, err)
		}
	}
	return nil
}

// N returns the number of images added.
func (s *ColourStats) N() int { return s.n }

// Mean returns each channel's mean over all pixels added, in grey levels
// (nil when empty).
func (s *ColourStats) Mean() []float64 {
	if s.n == 0 {
		return nil
	}
	out := make([]float64, len(s.sum))
	for ch, v := range s.sum {
		out[ch] = (v/s.pixels + 1) * 127.5
	}
	return out
}

// SE returns each channel's standard error of the mean, in grey levels:
// the sample standard deviation of the images' mean colours over sqrt(n)
// (zeros for fewer than two images).
func (s *ColourStats) SE() []float64 {
	if s.n == 0 {
		return nil
	}
	out := make([]float64, len(s.sum))
	if s.n < 2 {
		return out
	}
	n := float64(s.n)
	for ch := range out {
		v := (s.m2[ch] - s.mom[ch]*s.mom[ch]/n) / (n - 1)
		out[ch] = math.Sqrt(math.Max(v, 0) / n)
	}
	return out
}

// Colour computes the ColourReport of fake against real. Both sets must be
// non-empty with the same channel count.
func Colour(real, fake []Image) (ColourReport, error) {
	var r, f ColourStats
	if err := r.AddAll(real); err != nil {
		return ColourReport{}, fmt.Errorf("colour of real images: %w", err)
	}
	if err := f.AddAll(fake); err != nil {
		return ColourReport{}, fmt.Errorf("colour of generated images: %w", err)
	}
	return CompareColour(&r, &f)
}

// CompareColour computes the ColourReport of the images in fake against
// those in real. Both must be non-empty with the same channel count.
func CompareColour(real, fake *ColourStats) (ColourReport, error) {
	switch {
	case real.N() == 0:
		return ColourReport{}, fmt.Errorf("colour of real images: no images")
	case fake.N() == 0:
		return ColourReport{}, fmt.Errorf("colour of generated images: no images")
	case len(real.sum) != len(fake.sum):
		return ColourReport{}, fmt.Errorf("colour: real images have %d channels, generated %d", len(real.sum), len(fake.sum))
	}
	r := ColourReport{RealMean: real.Mean(), FakeMean: fake.Mean(), RealSE: real.SE(), FakeSE: fake.SE(), FakeN: fake.N()}
	r.Gap = maxDiff(r.RealMean, r.FakeMean)
	return r, nil
}

// SetTrain records the training set's mean colour (train) and the gaps
// measured from it.
func (r *ColourReport) SetTrain(train *ColourStats) error {
	if train.N() == 0 {
		return fmt.Errorf("colour of training images: no images")
	}
	if len(train.sum) != len(r.RealMean) {
		return fmt.Errorf("colour: training images have %d channels, held-out %d", len(train.sum), len(r.RealMean))
	}
	r.TrainMean, r.TrainN = train.Mean(), train.N()
	tg, fl := maxDiff(r.TrainMean, r.FakeMean), maxDiff(r.TrainMean, r.RealMean)
	r.TrainGap, r.Floor = &tg, &fl
	return nil
}

// maxDiff is the largest absolute difference of a and b's elements.
func maxDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
