package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/nn"
	"github.com/toongan/toongan/pkg/safetensors"
	"gorgonia.org/gorgonia"
)

// Model is a GAN ready to train or sample: both networks, their optimiser
// state, the EMA generator and the latent RNG.
//
// Weights live in *tensor.Dense values shared by every gorgonia graph of
// the model; graphs are built lazily (training graphs on the first Step,
// sampling graphs on the first Generate/Discriminate) and reused. A Model is
// not safe for concurrent use.
type Model struct {
	cfg  Config
	arch arch

	g, d, ema  *net
	optG, optD adam

	pcg *rand.PCG // latent draws during training
	rng *rand.Rand

	train *trainGraphs
	infer map[inferKey]*inferGraph

	// latents, when set (by tests), replaces the RNG draws of drawLatents.
	latents func(dst []float32, n int)

	// standing measures the EMA generator's BatchNorm statistics
	// (standing.go); emaStale is set when the EMA weights moved since.
	standing *standingGraph
	emaStale bool

	cond *condState // conditioning (cond.go); nil for an unconditional model

	dist *distributed // data-parallel training (dist.go); nil in one process
}

var installOnce sync.Once

// New builds a model for cfg with freshly initialised weights (from
// cfg.Seed). cfg must pass Validate as it is: no field is filled in.
func New(cfg Config) (*Model, error) {
	installOnce.Do(kernels.Install)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := buildArch(cfg)
	m := &Model{
		cfg:   cfg,
		arch:  a,
		g:     newNet("G.", a.g, true),
		d:     newNet("D.", a.d, true),
		ema:   newNet("EMA.", a.g, false),
		optG:  newAdam(cfg.lrG(), cfg),
		optD:  newAdam(cfg.lrD(), cfg),
		pcg:   rand.NewPCG(cfg.Seed, 0x70076a),
		infer: map[inferKey]*inferGraph{},
	}
	m.rng = rand.New(m.pcg)
	ir := rand.New(rand.NewPCG(cfg.Seed, 0x1217))
	m.g.init(ir)
	m.d.init(ir)
	m.d.initSN(rand.New(rand.NewPCG(cfg.Seed, 0x5bec)))
	m.initCond()
	m.ema.copyFrom(m.g)
	if cfg.ReduceSplit > 1 {
		m.g.split, m.d.split = nn.Split(cfg.ReduceSplit), nn.Split(cfg.ReduceSplit)
	}
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Close releases the model's compiled graphs; the weights stay readable
// (State) and later calls rebuild what they need.
func (m *Model) Close() error {
	var vms []gorgonia.VM
	if m.train != nil {
		vms = append(vms, m.train.vms...)
	}
	for _, ig := range m.infer {
		vms = append(vms, ig.vm)
	}
	if m.standing != nil {
		vms = append(vms, m.standing.vm)
		m.standing = nil
	}
	for _, vm := range vms {
		if err := vm.Close(); err != nil {
			return fmt.Errorf("gan: close: %w", err)
		}
	}
	m.train, m.infer = nil, map[inferKey]*inferGraph{}
	return nil
}

// imageLen is the number of values of one image.
func (m *Model) imageLen() int { return m.cfg.Channels * m.cfg.Size * m.cfg.Size }

// SetState loads tensors produced by State (or a subset, e.g. only "G." and
// "EMA." for sampling); it checks names and shapes and changes nothing when
// any tensor is wrong.
func (m *Model) SetState(ts []safetensors.Tensor) error {
	slots := map[string]stateSlot{}
	for _, e := range stateEntries(m.arch) {
		slots[e.name] = stateSlot{shape: e.shape, dst: m.values(e)}
	}
	steps := map[string]*int{stepNameG: &m.optG.t, stepNameD: &m.optD.t}
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name] {
			return fmt.Errorf("gan: set state: tensor %s given twice", t.Name)
		}
		seen[t.Name] = true
		if _, ok := steps[t.Name]; ok {
			if err := checkShape(t.Name, t.Shape, []int{1}); err != nil {
				return fmt.Errorf("gan: set state: %w", err)
			}
			if len(t.Data) != 1 || t.Data[0] < 0 || t.Data[0] != float32(math.Floor(float64(t.Data[0]))) {
				return fmt.Errorf("gan: set state: tensor %s must hold one non-negative integer", t.Name)
			}
			continue
		}
		s, ok := slots[t.Name]
		if !ok {
			return fmt.Errorf("gan: set state: unknown tensor %s for a %s model of size %d", t.Name, m.cfg.Arch, m.cfg.Size)
		}
		if err := checkShape(t.Name, t.Shape, s.shape); err != nil {
			return fmt.Errorf("gan: set state: %w", err)
		}
		if len(t.Data) != len(s.dst) {
			return fmt.Errorf("gan: set state: tensor %s has %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
	}
	for _, t := range ts {
		if p, ok := steps[t.Name]; ok {
			*p = int(t.Data[0])
			continue
		}
		copy(slots[t.Name].dst, t.Data)
	}
	// Loaded EMA statistics may come from another EMABN mode: measure them
	// again before use (a pure function of the EMA weights).
	m.emaStale = true
	return nil
}

// RNGState serialises the latent RNG for checkpoints.
func (m *Model) RNGState() ([]byte, error) {
	b, err := m.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("gan: rng state: %w", err)
	}
	return b, nil
}

// SetRNGState restores what RNGState returned.
func (m *Model) SetRNGState(b []byte) error {
	if err := m.pcg.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("gan: set rng state: %w", err)
	}
	return nil
}
