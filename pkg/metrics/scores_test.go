package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// aucPairs is the O(n*m) definition: P(pos > neg) + P(pos == neg)/2.
func aucPairs(pos, neg []float32) float64 {
	var s float64
	for _, p := range pos {
		for _, n := range neg {
			switch {
			case p > n:
				s++
			case p == n:
				s += 0.5
			}
		}
	}
	return s / float64(len(pos)*len(neg))
}

func TestAUC(t *testing.T) {
	cases := []struct {
		name     string
		pos, neg []float32
		want     float64
	}{
		{"separated", []float32{3, 4, 5}, []float32{-1, 0, 1, 2}, 1},
		{"reversed", []float32{-1, 0}, []float32{3, 4, 5}, 0},
		{"identical", []float32{0.7, 0.7, 0.7}, []float32{0.7, 0.7}, 0.5},
		{"hand", []float32{0.8, 0.4, 0.6}, []float32{0.5, 0.4, 0.1}, 7.5 / 9}, // 3 + 1.5 + 3 wins of 9
		{"one each tie", []float32{2}, []float32{2}, 0.5},
	}
	for _, c := range cases {
		if got := AUC(c.pos, c.neg); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: AUC = %g, want %g", c.name, got, c.want)
		}
	}
	if !math.IsNaN(AUC(nil, []float32{1})) {
		t.Error("AUC of an empty set is not NaN")
	}
	r := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 20; trial++ {
		pos := make([]float32, 1+r.IntN(60))
		neg := make([]float32, 1+r.IntN(60))
		for i := range pos {
			pos[i] = float32(r.IntN(10)) // many ties
		}
		for i := range neg {
			neg[i] = float32(r.IntN(8))
		}
		if got, want := AUC(pos, neg), aucPairs(pos, neg); math.Abs(got-want) > 1e-9 {
			t.Fatalf("AUC = %g, pairwise definition %g", got, want)
		}
	}
}

func TestAccuracySummaryHist(t *testing.T) {
	// reals: 2 of 3 above 0; fakes: 2 of 2 at or below 0.
	if got := Accuracy([]float32{1, -1, 3}, []float32{0, -2}); got != 0.8 {
		t.Errorf("Accuracy = %g, want 0.8", got)
	}
	if got := Sigmoid(0); got != 0.5 {
		t.Errorf("Sigmoid(0) = %g", got)
	}
	if got := Sigmoid(-800); got != 0 || math.IsNaN(Sigmoid(800)) {
		t.Errorf("Sigmoid overflow: %g %g", got, Sigmoid(800))
	}
	s := Summarize([]float32{1, 2, 3, 4})
	if s.N != 4 || s.Mean != 2.5 || math.Abs(s.Std-math.Sqrt(1.25)) > 1e-12 || s.Min != 1 || s.Max != 4 {
		t.Errorf("Summarize = %+v", s)
	}
	h := Hist([]float32{-5, 0, 0.49, 0.5, 0.99, 1, 7, float32(math.NaN())}, 0, 1, 2)
	if !slices.Equal(h.Counts, []int{3, 4}) || h.NaN != 1 {
		t.Errorf("Hist = %+v, want counts [3 4] and 1 NaN", h)
	}
	d := DScores([]float32{2, 3}, []float32{-1, -2}, -4, 4, 8)
	if d.AUC != 1 || d.Accuracy != 1 || d.Real.Mean != 2.5 || d.Fake.Mean != -1.5 || !(d.RealProb > 0.8) || !(d.FakeProb < 0.3) {
		t.Errorf("DScores = %+v", d)
	}
}
