package attrclass

import (
	"fmt"
	"math"

	"github.com/toongan/toongan/pkg/safetensors"
)

// Tensors returns the classifier's parameters as named tensors (mean and
// std of the features; for attribute A: w1.A [Hidden][Features], b1.A
// [Hidden], w2.A [values][Hidden], b2.A [values]), for FromTensors.
func (c *Classifier) Tensors() []safetensors.Tensor {
	ts := []safetensors.Tensor{
		{Name: "mean", Shape: []int{Features}, Data: c.mean},
		{Name: "std", Shape: []int{Features}, Data: c.std},
	}
	for a, m := range c.nets {
		V := c.values[a]
		ts = append(ts,
			safetensors.Tensor{Name: fmt.Sprintf("w1.%d", a), Shape: []int{Hidden, Features}, Data: m.w1},
			safetensors.Tensor{Name: fmt.Sprintf("b1.%d", a), Shape: []int{Hidden}, Data: m.b1},
			safetensors.Tensor{Name: fmt.Sprintf("w2.%d", a), Shape: []int{V, Hidden}, Data: m.w2},
			safetensors.Tensor{Name: fmt.Sprintf("b2.%d", a), Shape: []int{V}, Data: m.b2})
	}
	return ts
}

// TensorsPerAttribute is the number of tensors Tensors writes per
// attribute (besides mean and std).
const TensorsPerAttribute = 4

// FromTensors rebuilds a classifier of attributes with values[a] values
// from Tensors' output, checking every name, shape and value (finite, a
// positive std).
func FromTensors(ts []safetensors.Tensor, values []int) (*Classifier, error) {
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	if len(ts) != TensorsPerAttribute*len(values)+2 || len(byName) != len(ts) {
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
	for a, V := range values {
		if V < 1 || V > 255 {
			return nil, fmt.Errorf("attrclass: attribute %d has %d values", a, V)
		}
		var m mlp
		for _, p := range []struct {
			w    *[]float32
			name string
			n    int
		}{{&m.w1, "w1", Hidden * Features}, {&m.b1, "b1", Hidden}, {&m.w2, "w2", V * Hidden}, {&m.b2, "b2", V}} {
			if *p.w, err = get(fmt.Sprintf("%s.%d", p.name, a), p.n); err != nil {
				return nil, err
			}
		}
		c.nets = append(c.nets, m)
	}
	return c, nil
}
