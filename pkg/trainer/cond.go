package trainer

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/loader"
	"github.com/toongan/toongan/pkg/shard"
)

// Conditional training (Options.Cond): the model learns to draw what its
// labels say (gan's cond.go). The chosen attributes, their values and
// their training frequencies come from the dataset's manifest and are
// recorded in the model's config, so the checkpoint carries them.

// CondAll, as the one entry of Options.Cond, picks every attribute of the
// dataset.
const CondAll = "all"

// condModel is a Model that trains on labels (*gan.Model).
type condModel interface {
	StepLabels(real []float32, labels []byte) (gan.Stats, error)
}

// CheckCondNames checks Options.Cond before the data is read.
func CheckCondNames(names []string) error {
	if len(names) > gan.MaxCondAttrs {
		return fmt.Errorf("trainer: cond: %d attributes, at most %d", len(names), gan.MaxCondAttrs)
	}
	seen := map[string]bool{}
	for _, n := range names {
		switch {
		case n == "":
			return errors.New("trainer: cond: an empty attribute name")
		case n == CondAll && len(names) > 1:
			return errors.New("trainer: cond: \"all\" stands alone (or list attributes)")
		case seen[n]:
			return fmt.Errorf("trainer: cond: attribute %q twice", n)
		}
		seen[n] = true
	}
	return nil
}

// attrNames lists a dataset's attribute names.
func attrNames(l *shard.Labels) string {
	names := make([]string, len(l.Attributes))
	for i, a := range l.Attributes {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// condSpec builds the conditioning of a fresh run (opts.Cond and the
// settings beside it) from the dataset's labels.
func condSpec(opts Options, labels *shard.Labels) (*gan.CondSpec, error) {
	names, data := opts.Cond, opts.Data
	if labels == nil {
		return nil, fmt.Errorf("%q has no labels: conditional training (--cond) needs a labelled dataset (prep --builtin N, or prep --labels FILE.csv)", data)
	}
	if len(names) == 1 && names[0] == CondAll {
		names = nil
		for _, a := range labels.Attributes {
			names = append(names, a.Name)
		}
	}
	spec := &gan.CondSpec{Dim: cmp.Or(opts.CondDim, gan.DefaultCondDim), D: opts.CondD, G: opts.CondG, Mismatch: opts.CondMismatch,
		Balance: slices.Clone(opts.CondBalance)}
	if p := opts.CondBalancePower; len(spec.Balance) > 0 && p != 1 {
		spec.BalancePower = p // 0 (left out of the config) means 1
	}
	for _, n := range names {
		i := slices.IndexFunc(labels.Attributes, func(a shard.Attribute) bool { return a.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("%q has no attribute %q; its attributes: %s (or all)", data, n, attrNames(labels))
		}
		a := labels.Attributes[i]
		spec.Attrs = append(spec.Attrs, gan.CondAttr{Name: a.Name, Values: slices.Clone(a.Values),
			Counts: slices.Clone(a.Counts), Unknown: a.Unknown})
	}
	for i, b := range spec.Balance {
		if !slices.Contains(names, b) {
			return nil, fmt.Errorf("cond_balance %q: not one of the conditioned attributes (%s)", b, strings.Join(names, ", "))
		}
		if slices.Contains(spec.Balance[:i], b) {
			return nil, fmt.Errorf("cond_balance: attribute %q twice", b)
		}
	}
	return spec, nil
}

// condIndex maps a conditional configuration's attributes to the dataset's
// label bytes (their positions), checking that the dataset has each
// attribute with the same values.
func condIndex(spec *gan.CondSpec, labels *shard.Labels, data string) ([]int, error) {
	if labels == nil {
		return nil, fmt.Errorf("%q has no labels, and the checkpoint is conditional (on %d attributes)", data, len(spec.Attrs))
	}
	idx := make([]int, len(spec.Attrs))
	for k, ca := range spec.Attrs {
		i := slices.IndexFunc(labels.Attributes, func(a shard.Attribute) bool { return a.Name == ca.Name })
		if i < 0 {
			return nil, fmt.Errorf("%q has no attribute %q, which the model is conditioned on; its attributes: %s", data, ca.Name, attrNames(labels))
		}
		if !slices.Equal(labels.Attributes[i].Values, ca.Values) {
			return nil, fmt.Errorf("attribute %q: the model knows the values %s, %q has %s", ca.Name,
				strings.Join(ca.Values, ","), data, strings.Join(labels.Attributes[i].Values, ","))
		}
		idx[k] = i
	}
	return idx, nil
}

// startCond makes a conditional run's loader deliver labels and maps them
// to the model's attributes; --cond on a resumed run must name the
// checkpoint's attributes.
func (r *run) startCond(ld *loader.Loader) error {
	if !r.cfg.Conditional() {
		if r.opts.Resume && len(r.opts.Cond) > 0 {
			return fmt.Errorf("cannot resume %q with --cond: the checkpoint is unconditional", r.lastCkpt)
		}
		return nil
	}
	if r.opts.Resume && len(r.opts.Cond) > 0 && !(len(r.opts.Cond) == 1 && r.opts.Cond[0] == CondAll) {
		var have []string
		for _, a := range r.cfg.Cond.Attrs {
			have = append(have, a.Name)
		}
		if !slices.Equal(have, r.opts.Cond) {
			return fmt.Errorf("cannot resume %q: --cond %s differs from the checkpoint's %s", r.lastCkpt,
				strings.Join(r.opts.Cond, ","), strings.Join(have, ","))
		}
	}
	idx, err := condIndex(r.cfg.Cond, r.ds.Labels, r.opts.Data)
	if err != nil {
		return err
	}
	if _, ok := r.model.(condModel); !ok {
		return errors.New("trainer: the model does not train on labels")
	}
	if err := ld.WithLabels(); err != nil {
		return fmt.Errorf("%q: %w", r.opts.Data, err)
	}
	r.condIdx, r.condBuf = idx, make([]byte, r.cfg.Batch*len(idx))
	return r.startBalance(ld)
}

// startBalance makes the loader draw images in inverse proportion to the
// frequencies of their values of the attributes in Cond.Balance (none:
// nothing changes): each value of one such attribute then makes up an
// equal share of the data order, and with several, each combination of
// their values, as far as they are independent.
func (r *run) startBalance(ld *loader.Loader) error {
	bal := r.cfg.Cond.Balance
	if len(bal) == 0 {
		return nil
	}
	src, ok := r.ds.Source.(loader.LabelSource)
	if !ok {
		return fmt.Errorf("%q: the dataset's images carry no labels to balance", r.opts.Data)
	}
	pos := make([]int, len(bal))
	for j, name := range bal {
		k := slices.IndexFunc(r.cfg.Cond.Attrs, func(a gan.CondAttr) bool { return a.Name == name })
		if k < 0 {
			return fmt.Errorf("trainer: cond_balance %q is not one of the conditioned attributes", name)
		}
		pos[j] = r.condIdx[k]
	}
	w, err := balanceWeights(src, pos, r.cfg.Cond.BalanceExp())
	if err != nil {
		return fmt.Errorf("%q: %w", r.opts.Data, err)
	}
	if err := ld.Balance(w); err != nil {
		return fmt.Errorf("%q: balancing %s: %w", r.opts.Data, strings.Join(bal, ","), err)
	}
	return nil
}

// stepModel runs one training step on b: with its labels for a
// conditional run.
func (r *run) stepModel(b *loader.Batch) (gan.Stats, error) {
	if r.condIdx == nil {
		return r.model.Step(b.Data) // a rank's part of the batch in a data-parallel job (startData)
	}
	A, per := len(r.condIdx), r.ld.Attrs()
	if len(b.Labels) != r.cfg.Batch*per {
		return gan.Stats{}, fmt.Errorf("batch has %d label bytes, want %d", len(b.Labels), r.cfg.Batch*per)
	}
	for j := 0; j < r.cfg.Batch; j++ {
		for a, i := range r.condIdx {
			r.condBuf[j*A+a] = b.Labels[j*per+i]
		}
	}
	return r.model.(condModel).StepLabels(b.Data, r.condBuf)
}

// balanceWeights is each image's sampling weight for balancing the label
// bytes at pos: the product over them of 1 / (the number of images with
// the image's byte there; unknown, 0, counts as a value of its own),
// raised to power. With one position and power 1 the weights of each
// value's images sum to 1.
func balanceWeights(src loader.LabelSource, pos []int, power float64) ([]float64, error) {
	n := src.Len()
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	col := make([]byte, n) // each image's label byte at p
	for _, p := range pos {
		var count [256]int
		for i := range n {
			lab := src.Labels(i)
			if p >= len(lab) {
				return nil, fmt.Errorf("image %d has %d label bytes, want more than %d", i, len(lab), p)
			}
			col[i] = lab[p]
			count[col[i]]++
		}
		for i, b := range col {
			w[i] /= float64(count[b])
		}
	}
	if power != 1 {
		for i := range w {
			w[i] = math.Pow(w[i], power)
		}
	}
	return w, nil
}
