package metrics

import (
	"math"
	"slices"
)

// AUC is the ROC area for separating pos (e.g. D's logits on real images,
// expected higher) from neg (logits on fakes): the Mann-Whitney probability
// that a random pos scores above a random neg, ties counting one half. It is
// 1 for perfect separation, 0.5 for indistinguishable scores, and NaN when
// either set is empty. NaN scores are ranked lowest.
func AUC(pos, neg []float32) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN()
	}
	type s struct {
		v   float32
		pos bool
	}
	all := make([]s, 0, len(pos)+len(neg))
	for _, v := range pos {
		all = append(all, s{v, true})
	}
	for _, v := range neg {
		all = append(all, s{v, false})
	}
	key := func(v float32) float64 {
		if v != v {
			return math.Inf(-1)
		}
		return float64(v)
	}
	slices.SortFunc(all, func(a, b s) int {
		x, y := key(a.v), key(b.v)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	// Sum of pos ranks with mid-ranks for ties (ranks from 1).
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		np := 0
		for j < len(all) && key(all[j].v) == key(all[i].v) {
			if all[j].pos {
				np++
			}
			j++
		}
		mid := float64(i+1+j) / 2 // mean of ranks i+1 .. j
		rankSum += float64(np) * mid
		i = j
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// Sigmoid is the logistic function 1/(1+e^-x).
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Accuracy is the fraction of images D classifies correctly at threshold 0.5
// of sigmoid(logit): reals need sigmoid > 0.5 (logit > 0), fakes <= 0.5.
func Accuracy(realLogits, fakeLogits []float32) float64 {
	n := len(realLogits) + len(fakeLogits)
	if n == 0 {
		return math.NaN()
	}
	ok := 0
	for _, v := range realLogits {
		if v > 0 {
			ok++
		}
	}
	for _, v := range fakeLogits {
		if v <= 0 {
			ok++
		}
	}
	return float64(ok) / float64(n)
}

// Summary holds the moments of a score set.
type Summary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"` // population standard deviation
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// Summarize returns count, mean, standard deviation, min and max of x (NaN
// moments for an empty set).
func Summarize(x []float32) Summary {
	if len(x) == 0 {
		nan := math.NaN()
		return Summary{Mean: nan, Std: nan, Min: nan, Max: nan}
	}
	s := Summary{N: len(x), Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range x {
		s.Mean += float64(v)
		s.Min = math.Min(s.Min, float64(v))
		s.Max = math.Max(s.Max, float64(v))
	}
	s.Mean /= float64(len(x))
	for _, v := range x {
		d := float64(v) - s.Mean
		s.Std += d * d
	}
	s.Std = math.Sqrt(s.Std / float64(len(x)))
	return s
}

// Histogram counts values in Bins equal bins over [Lo, Hi]; values outside
// go to the first or last bin, NaNs are counted apart.
type Histogram struct {
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	Counts []int   `json:"counts"`
	NaN    int     `json:"nan"`
}

// Hist bins x into bins fixed bins over [lo, hi] (bins >= 1, hi > lo; else
// one bin).
func Hist(x []float32, lo, hi float64, bins int) Histogram {
	if bins < 1 || !(hi > lo) {
		bins, hi = 1, lo+1
	}
	h := Histogram{Lo: lo, Hi: hi, Counts: make([]int, bins)}
	for _, v := range x {
		f := float64(v)
		if f != f {
			h.NaN++
			continue
		}
		b := int(math.Floor((f - lo) / (hi - lo) * float64(bins)))
		h.Counts[min(max(b, 0), bins-1)]++
	}
	return h
}

// DReport summarises discriminator logits on real and fake images.
type DReport struct {
	Real     Summary   `json:"real"`      // logits on reals
	Fake     Summary   `json:"fake"`      // logits on fakes
	RealProb float64   `json:"real_prob"` // mean sigmoid on reals
	FakeProb float64   `json:"fake_prob"` // mean sigmoid on fakes
	AUC      float64   `json:"auc"`       // reals as positives
	Accuracy float64   `json:"accuracy"`  // at sigmoid 0.5
	RealHist Histogram `json:"real_hist"`
	FakeHist Histogram `json:"fake_hist"`
}

// DScores computes DReport; both histograms share bins over [lo, hi]
// (logits; e.g. -10, 10 with 40 bins).
func DScores(realLogits, fakeLogits []float32, lo, hi float64, bins int) DReport {
	meanProb := func(x []float32) float64 {
		if len(x) == 0 {
			return math.NaN()
		}
		var s float64
		for _, v := range x {
			s += Sigmoid(float64(v))
		}
		return s / float64(len(x))
	}
	return DReport{
		Real: Summarize(realLogits), Fake: Summarize(fakeLogits),
		RealProb: meanProb(realLogits), FakeProb: meanProb(fakeLogits),
		AUC: AUC(realLogits, fakeLogits), Accuracy: Accuracy(realLogits, fakeLogits),
		RealHist: Hist(realLogits, lo, hi, bins), FakeHist: Hist(fakeLogits, lo, hi, bins),
	}
}
