package explorer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/safetensors"
)

// ckptRef is one checkpoint the server was given: requests name it by
// index only, so no path from a request reaches the file system.
type ckptRef struct {
	path string
	name string // base name, shown in the page
	step int
}

// RunCheckpoints lists the step checkpoints of a train run folder
// (DIR/ckpt/step-NNNNNN.safetensors) in step order; with none, its
// latest.safetensors alone. The error names the folder when it holds no
// checkpoint.
func RunCheckpoints(dir string) ([]string, error) {
	ck := filepath.Join(dir, "ckpt")
	ents, err := os.ReadDir(ck)
	if err != nil {
		return nil, fmt.Errorf("run folder %q: %w", dir, err)
	}
	type sf struct {
		step int
		path string
	}
	var steps []sf
	for _, e := range ents {
		num, ok := strings.CutPrefix(e.Name(), "step-")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if num, ok = strings.CutSuffix(num, ".safetensors"); !ok {
			continue
		}
		if s, err := strconv.Atoi(num); err == nil && s >= 0 {
			steps = append(steps, sf{s, filepath.Join(ck, e.Name())})
		}
	}
	slices.SortFunc(steps, func(a, b sf) int { return a.step - b.step })
	var out []string
	for _, s := range steps {
		out = append(out, s.path)
	}
	if len(out) == 0 {
		latest := filepath.Join(ck, safetensors.LatestName)
		if st, err := os.Stat(latest); err == nil && st.Mode().IsRegular() {
			return []string{latest}, nil
		}
		return nil, fmt.Errorf("run folder %q: no step-*.safetensors or %s in %q: %w", dir, safetensors.LatestName, ck, fs.ErrNotExist)
	}
	if len(out) > MaxCheckpoints {
		out = out[len(out)-MaxCheckpoints:]
	}
	return out, nil
}

// checkRefs reads every checkpoint's header (checkpoint.CheckHeader: a
// damaged or forged file is refused before anything is built) and requires
// one image size and latent size for all of them.
func checkRefs(paths []string) ([]ckptRef, checkpoint.Meta, error) {
	if len(paths) == 0 {
		return nil, checkpoint.Meta{}, errors.New("explorer: no checkpoint to serve")
	}
	if len(paths) > MaxCheckpoints {
		return nil, checkpoint.Meta{}, fmt.Errorf("explorer: %d checkpoints, at most %d", len(paths), MaxCheckpoints)
	}
	var refs []ckptRef
	var first checkpoint.Meta
	for i, p := range paths {
		meta, err := checkpoint.CheckHeader(p)
		if err != nil {
			return nil, checkpoint.Meta{}, err
		}
		if i == 0 {
			first = meta
		} else if meta.Config.NZ != first.Config.NZ || meta.Config.Size != first.Config.Size || meta.Config.Channels != first.Config.Channels {
			return nil, checkpoint.Meta{}, fmt.Errorf("explorer: checkpoint %q (size %d, nz %d) does not match %q (size %d, nz %d)",
				p, meta.Config.Size, meta.Config.NZ, paths[0], first.Config.Size, first.Config.NZ)
		} else if !sameAttrs(meta.Config, first.Config) {
			return nil, checkpoint.Meta{}, fmt.Errorf("explorer: checkpoint %q is conditional on other attributes or values than %q", p, paths[0])
		}
		refs = append(refs, ckptRef{path: p, name: filepath.Base(p), step: meta.Step})
	}
	return refs, first, nil
}

// sameAttrs reports whether a and b are conditional on the same attributes
// with the same values (or both unconditional): the attr parameter then
// means the same for every served checkpoint.
func sameAttrs(a, b gan.Config) bool {
	return slices.EqualFunc(a.CondAttrs(), b.CondAttrs(), func(x, y gan.CondAttr) bool {
		return x.Name == y.Name && slices.Equal(x.Values, y.Values)
	})
}

// errBusy is returned when too many requests already wait to generate.
var errBusy = errors.New("explorer: busy")

// gate bounds generation: one at a time (a model's inference graphs are not
// safe for concurrent use, and each run already uses every core), at most
// maxWait waiting; beyond that requests are refused (503).
type gate struct {
	slot    chan struct{}
	waiting atomic.Int64
	maxWait int64
}

func newGate(maxWait int) *gate {
	return &gate{slot: make(chan struct{}, 1), maxWait: int64(maxWait)}
}

func (g *gate) acquire(ctx context.Context) error {
	if g.waiting.Add(1) > g.maxWait {
		g.waiting.Add(-1)
		return errBusy
	}
	defer g.waiting.Add(-1)
	select {
	case g.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) release() { <-g.slot }

// models holds loaded checkpoints: the default one always, up to
// maxLoaded others (least recently used dropped). Only used with the
// gate's slot held.
type models struct {
	refs   []ckptRef
	def    int
	loaded map[int]*gan.Model
	order  []int // least recently used first, default excluded
}

func (ms *models) get(i int) (*gan.Model, error) {
	if m := ms.loaded[i]; m != nil {
		if i != ms.def {
			ms.order = append(slices.DeleteFunc(ms.order, func(x int) bool { return x == i }), i)
		}
		return m, nil
	}
	if i != ms.def && len(ms.order) >= maxLoaded {
		old := ms.order[0]
		ms.order = ms.order[1:]
		ms.loaded[old].Close()
		delete(ms.loaded, old)
	}
	m, err := loadModel(ms.refs[i].path)
	if err != nil {
		return nil, err
	}
	ms.loaded[i] = m
	if i != ms.def {
		ms.order = append(ms.order, i)
	}
	return m, nil
}

// loadModel loads a checkpoint as the sample stage does: header checked,
// memory estimated, tensors checked for NaN and Inf.
func loadModel(path string) (*gan.Model, error) {
	meta, err := checkpoint.CheckHeader(path)
	if err != nil {
		return nil, err
	}
	if err := memlimit.Check(fmt.Sprintf("explorer: a %d px model", meta.Config.Size), gan.EstimateBytes(meta.Config)); err != nil {
		return nil, err
	}
	m, _, err := checkpoint.Load(path)
	return m, err
}

func (ms *models) close() {
	for _, m := range ms.loaded {
		m.Close()
	}
	ms.loaded = map[int]*gan.Model{}
	ms.order = nil
}
