package gan

import (
	"slices"

	"github.com/toongan/toongan/pkg/safetensors"
)

// The tensors of a model's state, as checkpoints hold them. stateEntries is
// the one naming rule; State, SetState and StateShapes all follow it.

// Names of the Adam step counts (one value each).
const (
	stepNameG = "optG.step"
	stepNameD = "optD.step"
)

// stateEntry is one tensor of a model's state.
type stateEntry struct {
	name  string
	shape []int
	net   int    // 0: G, 1: D, 2: the EMA generator
	param string // the parameter's name inside its network, e.g. "main.0.weight"
	adam  byte   // 0: the parameter itself; 'm' or 'v': that Adam moment
}

// stateEntries lists the state of a model of arch a in State's order:
// "G.", "D." and "EMA." weights and buffers, then the "optG." and "optD."
// Adam moments (".m", ".v") of the trainable parameters. The two step
// counts follow them in State.
func stateEntries(a arch) []stateEntry {
	var out []stateEntry
	for _, n := range []struct {
		prefix string
		layers []layer
		net    int
		adam   bool
	}{{"G.", a.g, 0, false}, {"D.", a.d, 1, false}, {"EMA.", a.g, 2, false}, {"optG.", a.g, 0, true}, {"optD.", a.d, 1, true}} {
		for _, l := range n.layers {
			for _, s := range l.specs() {
				switch {
				case !n.adam:
					out = append(out, stateEntry{name: n.prefix + s.name, shape: s.shape, net: n.net, param: s.name})
				case !s.buffer:
					out = append(out,
						stateEntry{name: n.prefix + s.name + ".m", shape: s.shape, net: n.net, param: s.name, adam: 'm'},
						stateEntry{name: n.prefix + s.name + ".v", shape: s.shape, net: n.net, param: s.name, adam: 'v'})
				}
			}
		}
	}
	return out
}

// values is the model's storage for entry e.
func (m *Model) values(e stateEntry) []float32 {
	p := []*net{m.g, m.d, m.ema}[e.net].get(e.param)
	switch e.adam {
	case 'm':
		return p.m
	case 'v':
		return p.v
	}
	return p.data
}

// State returns every tensor a checkpoint must hold to resume exactly: G, D,
// EMA-G (weights and BatchNorm running statistics), both Adam states
// ("optG.<name>.m", ".v") and the Adam step counts ("optG.step",
// "optD.step", one value each). The order is fixed; data are copies.
func (m *Model) State() []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, e := range stateEntries(m.arch) {
		out = append(out, safetensors.Tensor{Name: e.name, Shape: slices.Clone(e.shape), Data: slices.Clone(m.values(e))})
	}
	return append(out,
		safetensors.Tensor{Name: stepNameG, Shape: []int{1}, Data: []float32{float32(m.optG.t)}},
		safetensors.Tensor{Name: stepNameD, Shape: []int{1}, Data: []float32{float32(m.optD.t)}})
}

// StateShapes returns the name and shape of every tensor State returns for a
// model of cfg, in State's order, without allocating the model: a checkpoint
// header can be checked against it before anything big is built.
func StateShapes(cfg Config) ([]safetensors.Tensor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []safetensors.Tensor
	for _, e := range stateEntries(buildArch(cfg)) {
		out = append(out, safetensors.Tensor{Name: e.name, Shape: e.shape})
	}
	return append(out, safetensors.Tensor{Name: stepNameG, Shape: []int{1}}, safetensors.Tensor{Name: stepNameD, Shape: []int{1}}), nil
}
