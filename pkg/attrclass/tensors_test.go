package attrclass

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/safetensors"
)

// TestTensorsRoundTrip: a classifier saved and loaded predicts exactly as
// the one trained; damaged tensors are refused naming the problem.
func TestTensorsRoundTrip(t *testing.T) {
	feats, labels, _ := synthetic(1, 100)
	c, err := Train(feats, labels, []int{3, 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := safetensors.Save(path, c.Tensors(), map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromTensors(f.Tensors, []int{3, 2})
	if err != nil {
		t.Fatal(err)
	}
	test, _, _ := synthetic(2, 50)
	for i, x := range test {
		if !slices.Equal(c.Predict(x), back.Predict(x)) {
			t.Fatalf("image %d: %v after the round trip, %v before", i, back.Predict(x), c.Predict(x))
		}
	}
	clone := func() []safetensors.Tensor {
		var out []safetensors.Tensor
		for _, ts := range c.Tensors() {
			ts.Data = slices.Clone(ts.Data)
			out = append(out, ts)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		mod    func([]safetensors.Tensor) []safetensors.Tensor
		values []int
		want   string
	}{
		{"other values", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts }, []int{4, 2}, "w2.0 missing or not 512"},
		{"one attribute more", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts }, []int{3, 2, 2}, "10 tensors for 3 attributes"},
		{"NaN", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[2].Data[5] = float32(math.NaN()); return ts }, []int{3, 2}, "w1.0 holds NaN"},
		{"zero std", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[1].Data[0] = 0; return ts }, []int{3, 2}, "std holds 0"},
		{"renamed", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[0].Name = "w1.9"; return ts }, []int{3, 2}, "mean missing"},
		{"257 values", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts }, []int{3, 257}, "257 values"},
	} {
		_, err := FromTensors(tc.mod(clone()), tc.values)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
