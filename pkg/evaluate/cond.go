package evaluate

import (
	"fmt"
	"slices"

	"github.com/toongan/toongan/pkg/attrclass"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/shard"
)

// Bounds of the conditioning check.
const (
	condTrainCap = 4000 // training images the attribute classifier learns from
	condPerValue = 32   // generated faces asked for each value of each attribute
)

// conditioning scores a conditional main checkpoint (train --cond) on a
// labelled dataset: eval's attribute classifier (pkg/attrclass) is trained
// on the train split, scored on the held-out reals (the ceiling), then on
// faces asked for each value of each attribute in turn. It does nothing
// for an unconditional checkpoint, a dataset without labels or --real-dir.
func (e *evaluation) conditioning() error {
	o := e.o
	if len(o.Ckpts) == 0 || o.Data == "" || o.RealDir != "" || e.held == nil || e.channels != 3 {
		return nil
	}
	cfg := e.metas[len(e.metas)-1].Config
	if !cfg.Conditional() {
		return nil
	}
	man, err := shard.Load(o.Data)
	if err != nil {
		return err
	}
	idx, ok := e.condIndex(cfg, man.Labels)
	if !ok {
		return nil
	}
	o.logf("conditioning: training the attribute classifier")
	cls, err := e.trainClassifier(man, cfg, idx)
	if err != nil {
		return err
	}
	scores, err := e.ceilings(cls, cfg, idx)
	if err != nil {
		return err
	}
	if err := e.condAccuracy(cls, cfg, scores); err != nil {
		return err
	}
	e.r.Conditioning = scores
	for _, s := range scores {
		o.logf("conditioning %s: %.1f%% as asked, ceiling %.1f%% (ratio %.2f)", s.Attribute, 100*s.Accuracy, 100*s.Ceiling, s.Ratio)
	}
	return nil
}

// condIndex maps the checkpoint's attributes to the dataset's label bytes;
// false (with a warning) when the dataset lacks one or its values differ.
func (e *evaluation) condIndex(cfg gan.Config, labels *shard.Labels) ([]int, bool) {
	if labels == nil {
		e.warn("the checkpoint is conditional but %q has no labels: no conditioning scores", e.o.Data)
		return nil, false
	}
	var idx []int
	for _, ca := range cfg.CondAttrs() {
		i := slices.IndexFunc(labels.Attributes, func(a shard.Attribute) bool { return a.Name == ca.Name })
		if i < 0 || !slices.Equal(labels.Attributes[i].Values, ca.Values) {
			e.warn("%q lacks the checkpoint's attribute %q or its values: no conditioning scores", e.o.Data, ca.Name)
			return nil, false
		}
		idx = append(idx, i)
	}
	return idx, true
}

// labelled reads up to limit records of set, spread over it, as features
// and the checkpoint's labels.
func labelled(set *shard.Set, limit, size int, idx []int) ([][]float32, []byte, error) {
	buf := make([]byte, size*size*3)
	var feats [][]float32
	var labels []byte
	for _, i := range spread(set.Len(), limit) {
		if err := set.Read(i, buf); err != nil {
			return nil, nil, err
		}
		feats = append(feats, attrclass.FromHWC(buf, size))
		l := set.Labels(i)
		for _, k := range idx {
			labels = append(labels, l[k])
		}
	}
	return feats, labels, nil
}

func (e *evaluation) trainClassifier(man *shard.Manifest, cfg gan.Config, idx []int) (*attrclass.Classifier, error) {
	set, err := man.OpenSplit(man.Train)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	feats, labels, err := labelled(set, condTrainCap, e.size, idx)
	if err != nil {
		return nil, err
	}
	var values []int
	for _, a := range cfg.CondAttrs() {
		values = append(values, len(a.Values))
	}
	return attrclass.Train(feats, labels, values, e.o.Seed)
}

// ceilings scores the classifier on the held-out reals with known labels.
func (e *evaluation) ceilings(cls *attrclass.Classifier, cfg gan.Config, idx []int) ([]report.CondScore, error) {
	feats, labels, err := labelled(e.held, e.o.HoldoutCap, e.size, idx)
	if err != nil {
		return nil, err
	}
	A := len(idx)
	scores := make([]report.CondScore, A)
	for i, f := range feats {
		p := cls.Predict(f)
		for a := range A {
			if l := labels[i*A+a]; l != 0 {
				scores[a].Reals++
				if p[a] == l {
					scores[a].Ceiling++
				}
			}
		}
	}
	for a, ca := range cfg.CondAttrs() {
		s := &scores[a]
		s.Attribute, s.Chance = ca.Name, 1/float64(len(ca.Values))
		if s.Reals > 0 {
			s.Ceiling /= float64(s.Reals)
		}
	}
	return scores, nil
}

// condAccuracy draws condPerValue faces for each value of each attribute
// (the others drawn per latent) and scores how often the classifier finds
// the value asked.
func (e *evaluation) condAccuracy(cls *attrclass.Classifier, cfg gan.Config, scores []report.CondScore) error {
	m, _, err := checkpoint.Load(e.o.Ckpts[len(e.o.Ckpts)-1])
	if err != nil {
		return err
	}
	defer m.Close()
	attrs := cfg.CondAttrs()
	A, nz, per := len(attrs), cfg.NZ, 3*e.size*e.size
	for a, ca := range attrs {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		s := &scores[a]
		for v, name := range ca.Values {
			z := gan.SampleLatents(e.o.Seed+uint64(1000*a+v), condPerValue, nz)
			labels := make([]byte, condPerValue*A)
			for j := range condPerValue {
				for b := range A {
					labels[j*A+b] = gan.LabelDraw
				}
				labels[j*A+a] = byte(v + 1)
			}
			x, err := sampling.GenerateLabels(m, z, labels, condPerValue, nz, e.o.Batch, e.o.Raw)
			if err != nil {
				return fmt.Errorf("conditioning %s=%s: %w", ca.Name, name, err)
			}
			hit := 0
			for j := range condPerValue {
				if cls.Predict(attrclass.FromNCHW(x[j*per:(j+1)*per], e.size))[a] == byte(v+1) {
					hit++
				}
			}
			s.PerValue = append(s.PerValue, report.Value{Value: name, Accuracy: float64(hit) / condPerValue})
			s.Accuracy += float64(hit)
			s.Generated += condPerValue
		}
		s.Accuracy /= float64(s.Generated)
		if s.Ceiling > 0 {
			s.Ratio = s.Accuracy / s.Ceiling
		}
	}
	return nil
}
