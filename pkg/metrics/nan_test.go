package metrics

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestNaNInputsEnd checks that non-finite pixels are refused with an error
// and that the unequal-size Wasserstein step ends on NaN (it once looped
// forever, making eval hang on a NaN generator).
func TestNaNInputsEnd(t *testing.T) {
	nan := float32(math.NaN())
	if v := wasserstein1Sorted([]float32{0, 1, nan}, []float32{0.5, nan}); !math.IsNaN(v) {
		t.Errorf("wasserstein1Sorted with NaN = %v, want NaN", v)
	}
	imgs := make([]Image, 4)
	for i := range imgs {
		imgs[i] = Image{C: 1, H: 16, W: 16, Pix: make([]float32, 256)}
	}
	imgs[2].Pix[7] = float32(math.Inf(-1))
	_, err := DefaultSWD().Describe(imgs)
	if err == nil || !strings.Contains(err.Error(), "image 2") {
		t.Errorf("Describe with an Inf pixel: %v, want an error naming image 2", err)
	}
}

func TestSWDContextCancelled(t *testing.T) {
	imgs := make([]Image, 8)
	for i := range imgs {
		imgs[i] = Image{C: 1, H: 16, W: 16, Pix: make([]float32, 256)}
		imgs[i].Pix[i] = 1
	}
	cfg := DefaultSWD()
	d, err := cfg.Describe(imgs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cfg.DescribeContext(ctx, imgs); !errors.Is(err, context.Canceled) {
		t.Errorf("DescribeContext on a cancelled context = %v", err)
	}
	if _, err := cfg.DistanceContext(ctx, d, d); !errors.Is(err, context.Canceled) {
		t.Errorf("DistanceContext on a cancelled context = %v", err)
	}
	if _, err := cfg.BaselineContext(ctx, imgs); !errors.Is(err, context.Canceled) {
		t.Errorf("BaselineContext on a cancelled context = %v", err)
	}
}
