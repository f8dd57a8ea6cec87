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
	// Gap is the largest absolute per-channel difference of the means.
	Gap float64 `json:"gap"`
}

// Colour computes the ColourReport of fake against real. Both sets must be
// non-empty with the same channel count.
func Colour(real, fake []Image) (ColourReport, error) {
	rm, err := channelMeans(real)
	if err != nil {
		return ColourReport{}, fmt.Errorf("colour of real images: %w", err)
	}
	fm, err := channelMeans(fake)
	if err != nil {
		return ColourReport{}, fmt.Errorf("colour of generated images: %w", err)
	}
	if len(rm) != len(fm) {
		return ColourReport{}, fmt.Errorf("colour: real images have %d channels, generated %d", len(rm), len(fm))
	}
	r := ColourReport{RealMean: rm, FakeMean: fm}
	for c := range rm {
		r.Gap = math.Max(r.Gap, math.Abs(rm[c]-fm[c]))
	}
	return r, nil
}

// channelMeans returns each channel's mean over all images and pixels, in
// grey levels.
func channelMeans(imgs []Image) ([]float64, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("no images")
	}
	c := imgs[0].C
	sum := make([]float64, c)
	var n float64
	for i, m := range imgs {
		if err := m.check(); err != nil {
			return nil, fmt.Errorf("image %d: %w", i, err)
		}
		if m.C != c {
			return nil, fmt.Errorf("image %d has %d channels, want %d", i, m.C, c)
		}
		hw := m.H * m.W
		for ch := 0; ch < c; ch++ {
			var s float64
			for _, v := range m.Pix[ch*hw : (ch+1)*hw] {
				s += float64(v)
			}
			sum[ch] += s
		}
		n += float64(hw)
	}
	for ch := range sum {
		sum[ch] = (sum[ch]/n + 1) * 127.5
	}
	return sum, nil
}
