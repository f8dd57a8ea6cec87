package gan

import (
	"fmt"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
)

// EMA BatchNorm statistics.
//
// The EMA generator's weights are an average of G's recent weights, but
// BatchNorm's running statistics copied from G belong to G's current
// weights: normalising the averaged weights' activations with them shifts
// every layer a little, which shows as a colour cast and washed-out
// samples. With Config.EMABN "ema" the statistics are averaged like the
// weights (cheap, but still G's statistics, of older weights). With
// Config.EMABN "standing" the EMA generator's statistics are
// measured on the EMA generator itself ("standing statistics", Brock et al.
// 2019): it runs in training mode over StandingBatches batches of fixed
// latents and keeps the plain average of their batch statistics. They are
// refreshed lazily, before the EMA generator is used (Generate) or saved
// (State callers use SyncEMA), and are a pure function of the EMA weights,
// so resumption stays exact.

// EMA BatchNorm statistics modes (Config.EMABN).
const (
	EMABNCopy     = "copy"     // G's running statistics (classic)
	EMABNAverage  = "ema"      // a moving average of G's, like the weights
	EMABNStanding = "standing" // the EMA generator's own, measured
)

// StandingBatches is how many batches of StandingBatch latents the
// standing statistics average.
const (
	StandingBatches = 8
	StandingBatch   = 64
)

// standingGraph is the EMA generator in training mode with cumulative
// BatchNorm states of its own.
type standingGraph struct {
	vm     gorgonia.VM
	z      []float32
	states map[int]*nn.BNState
	rows   *nn.EmbedRows // a conditional model's labels (cond.go); nil otherwise
}

func (m *Model) buildStanding() (*standingGraph, error) {
	g := gorgonia.NewGraph()
	b := bind(g, m.ema)
	sg := &standingGraph{states: map[int]*nn.BNState{}}
	for idx, st := range b.bn {
		s := nn.NewBNState(len(st.Mean))
		s.Cumulative = true
		b.bn[idx] = s
		sg.states[idx] = s
	}
	z, zd := newInput(g, "z", m.latentShape(StandingBatch))
	sg.z, sg.rows = zd, m.newRows(StandingBatch)
	out, err := m.forwardCond(b, z, true, sg.rows)
	if err != nil {
		return nil, err
	}
	if sg.vm, err = machine(g, append(gorgonia.Nodes{z}, b.params()...), gorgonia.Nodes{out}); err != nil {
		return nil, err
	}
	return sg, nil
}

// SyncEMA brings the EMA generator's BatchNorm statistics up to date when
// the configuration asks for standing statistics and the EMA weights moved
// since they were measured; otherwise it does nothing. Call it before
// reading the EMA generator through State.
func (m *Model) SyncEMA() error {
	if m.cfg.EMABN != EMABNStanding || !m.emaStale {
		return nil
	}
	if m.standing == nil {
		sg, err := m.buildStanding()
		if err != nil {
			return fmt.Errorf("gan: standing statistics: %w", err)
		}
		m.standing = sg
	}
	sg := m.standing
	for _, st := range sg.states {
		st.Batches = 0
	}
	// The same latents every time, from a stream of their own: the
	// statistics depend on the EMA weights only.
	r := rand.New(rand.NewPCG(m.cfg.Seed, 0x57a4d))
	nz := m.cfg.NZ
	lr := m.standingLabels()
	for range StandingBatches {
		m.drawStandingRows(sg.rows, lr)
		for b := 0; b < StandingBatch; b++ {
			for c := 0; c < nz; c++ {
				sg.z[c*StandingBatch+b] = float32(r.NormFloat64())
			}
		}
		if err := run(sg.vm); err != nil {
			return fmt.Errorf("gan: standing statistics: %w", err)
		}
	}
	for _, l := range m.ema.layers {
		if l.kind != kBN {
			continue
		}
		st := sg.states[l.index]
		copy(m.ema.get(l.prefix()+".running_mean").data, st.Mean)
		copy(m.ema.get(l.prefix()+".running_var").data, st.Var)
	}
	m.emaStale = false
	return nil
}
