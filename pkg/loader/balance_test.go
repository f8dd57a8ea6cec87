package loader

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func cumsum(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		s += v
		c[i] = s
	}
	return c
}

// TestDraws checks the weighted order against the weights: each image's
// share of many draws is within five standard deviations of its weight's,
// zero-weight images never come, and the order is a function of (seed,
// epoch) alone.
func TestDraws(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    []float64
	}{
		{"uniform", []float64{1, 1, 1, 1}},
		{"skewed", []float64{1, 2, 4, 8, 16, 0.5}},
		{"zeros", []float64{0, 3, 0, 1, 0}},
		{"one", []float64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cum := cumsum(tc.w)
			total := cum[len(cum)-1]
			counts := make([]int, len(tc.w))
			draws := 0
			for epoch := range 4000 {
				d := Draws(7, epoch, cum)
				if len(d) != len(tc.w) {
					t.Fatalf("epoch %d: %d draws, want %d", epoch, len(d), len(tc.w))
				}
				for _, i := range d {
					counts[i]++
				}
				draws += len(d)
			}
			for i, w := range tc.w {
				p := w / total
				want, sd := p*float64(draws), math.Sqrt(float64(draws)*p*(1-p))
				if math.Abs(float64(counts[i])-want) > 5*sd+1e-9 {
					t.Errorf("image %d (weight %g): drawn %d times of %d, want %.0f ± %.0f", i, w, counts[i], draws, want, 5*sd)
				}
			}
			if !slices.Equal(Draws(7, 3, cum), Draws(7, 3, cum)) {
				t.Error("the same seed and epoch gave different orders")
			}
		})
	}
	cum := cumsum([]float64{1, 1, 1, 1, 1, 1, 1, 1})
	if slices.Equal(Draws(7, 0, cum), Draws(7, 1, cum)) && slices.Equal(Draws(7, 0, cum), Draws(8, 0, cum)) {
		t.Error("the order does not change with the epoch or the seed")
	}
}

// TestDrawsPinned pins the order, so that a change of Draws (which would
// change every balanced run's data order) is seen.
func TestDrawsPinned(t *testing.T) {
	got := Draws(1, 0, cumsum([]float64{1, 2, 3, 4, 5, 6, 7, 8}))
	want := pinnedDraws
	if !slices.Equal(got, want) {
		t.Errorf("Draws(1, 0, 1..8) = %v, want %v", got, want)
	}
}

var pinnedDraws = []int{7, 5, 7, 7, 5, 6, 1, 6}

// TestBalance streams a balanced loader: every delivered image follows
// Draws, and bad weights are refused with a message naming the problem.
func TestBalance(t *testing.T) {
	src := &memSource{n: 12, h: 2, w: 2, c: 3, failAt: -1}
	l, err := New(src, 2, 2, 3, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	w := []float64{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}
	if err := l.Balance(w); err != nil {
		t.Fatal(err)
	}
	s, err := l.Stream(Pos{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for b := range 6 { // two epochs of 3 batches
		bt, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		order := Draws(5, bt.Pos.Epoch, cumsum(w))
		for k := range 4 {
			if got, want := id(bt.Data[k*12:], 4), order[bt.Pos.Batch*4+k]; got != want {
				t.Errorf("batch %d image %d: got image %d, want %d", b, k, got, want)
			}
			if got := id(bt.Data[k*12:], 4); got != 0 && got != 11 {
				t.Errorf("batch %d: image %d has weight 0", b, got)
			}
		}
		bt.Release()
	}
	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{make([]float64, 3), "3 sampling weights for 12 images"},
		{make([]float64, 12), "sum to 0"},
		{append(make([]float64, 11), -1), "weight -1 of image 11"},
		{append(make([]float64, 11), math.NaN()), "weight NaN of image 11"},
		{append(make([]float64, 11), math.Inf(1)), "weight +Inf of image 11"},
		{[]float64{math.MaxFloat64, math.MaxFloat64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "sum to +Inf"},
	} {
		if err := l.Balance(tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Balance(%v): %v, want an error with %q", tc.w, err, tc.want)
		}
	}
}
