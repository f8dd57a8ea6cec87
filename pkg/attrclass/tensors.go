package attrclass

import (
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/safetensors"
)

// Tensors returns the classifier's parameters as named tensors (mean and
// std of the features; w.A, attribute A's [values][Features+1] weights,
// bias last), for FromTensors.
func (c *Classifier) Tensors() []safetensors.Tensor {
	ts := []safetensors.Tensor{
		{Name: "mean", Shape: []int{Features}, Data: c.mean},
		{Name: "std", Shape: []int{Features}, Data: c.std},
	}
	for a, w := range c.w {
		ts = append(ts, safetensors.Tensor{Name: fmt.Sprintf("w.%d", a), Shape: []int{c.values[a], Features + 1}, Data: w})
	}
	return ts
}

// FromTensors rebuilds a classifier of attributes with values[a] values
// from Tensors' output, checking every name, shape and value (finite, a
// positive std).
func FromTensors(ts []safetensors.Tensor, values []int) (*Classifier, error) {
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	if len(ts) != len(values)+2 || len(byName) != len(ts) {
		return nil, fmt.Errorf("attrclass: %d tensors for %d attributes", len(ts), len(values))
	}
	get := func(name string, n int) ([]float32, error) {
		t, ok := byName[name]
		if !ok || len(t.Data) != n {
			return nil, fmt.Errorf("attrclass: tensor %s missing or not %d values", name, n)
		}
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("attrclass: tensor %s holds %v", name, v)
			}
		}
		return t.Data, nil
	}
	c := &Classifier{values: values}
	var err error
	if c.mean, err = get("mean", Features); err != nil {
		return nil, err
	}
	if c.std, err = get("std", Features); err != nil {
		return nil, err
	}
	for _, s := range c.std {
		if s <= 0 {
			return nil, fmt.Errorf("attrclass: tensor std holds %v", s)
		}
	}
	for a, v := range values {
		if v < 1 || v > 255 {
			return nil, fmt.Errorf("attrclass: attribute %d has %d values", a, v)
		}
		w, err := get(fmt.Sprintf("w.%d", a), v*(Features+1))
		if err != nil {
			return nil, err
		}
		c.w = append(c.w, w)
	}
	return c, nil
}
