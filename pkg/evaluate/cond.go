package evaluate

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/toongan/toongan/pkg/attrclass"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/shard"
)

// Bounds of the conditioning check.
const (
	condTrainCap = 20000 // training images the attribute classifier learns from
	condPerValue = 128   // generated faces asked for each value of each attribute
	condGridRows = 4     // latents (rows) in each attribute's grid
	// SWD per condition: the values scored per eval (whole attributes, in
	// the checkpoint's order), the held-out reals per value at most, and
	// the fewest a value needs to be scored.
	condSWDValues = 128
	condSWDReals  = 64
	condSWDMin    = 8
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
	cls, err := e.trainClassifier(man, cfg, idx)
	if err != nil {
		return err
	}
	scores, err := e.ceilings(cls, cfg, idx)
	if err != nil {
		return err
	}
	if err := e.condAccuracy(cls, cfg, idx, scores); err != nil {
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
	idx, err := realLabelIndex(cfg, labels)
	if err != nil {
		e.warn("%q: %v: no conditioning scores", e.o.Data, err)
		return nil, false
	}
	return idx, true
}

// realLabels returns the held-out reals' labels for the attributes of a
// conditional checkpoint's configuration (e.real's order; 0 unknown, as in
// training), or nil: for an unconditional one, and with a warning when the
// reals have none for it (--real-dir, a dataset without its attributes or
// with other values), so that D sees them with every label unknown.
func (e *evaluation) realLabels(cfg gan.Config) []byte {
	if !cfg.Conditional() {
		return nil
	}
	once := func(format string, a ...any) { // once for all checkpoints
		if !slices.Contains(e.r.Warnings, fmt.Sprintf(format, a...)) {
			e.warn(format, a...)
		}
	}
	if e.held == nil || e.o.RealDir != "" {
		once("D scores the reals of %q with every label unknown: they have no labels", e.o.RealDir)
		return nil
	}
	man, err := shard.Load(e.o.Data)
	var idx []int
	if err == nil {
		idx, err = realLabelIndex(cfg, man.Labels)
	}
	order := spread(e.held.Len(), e.o.HoldoutCap)
	if err == nil && len(order) != len(e.real) {
		err = errors.New("the reals are not the holdout split's records")
	}
	if err != nil {
		once("D scores the held-out reals with every label unknown: %v", err)
		return nil
	}
	out := make([]byte, 0, len(order)*len(idx))
	for _, i := range order {
		l := e.held.Labels(i)
		for _, k := range idx {
			out = append(out, l[k])
		}
	}
	return out
}

// realLabelIndex maps a configuration's attributes to the dataset's label
// bytes (their positions), requiring the same values, as train does.
func realLabelIndex(cfg gan.Config, labels *shard.Labels) ([]int, error) {
	if labels == nil {
		return nil, errors.New("the dataset has no labels")
	}
	var idx []int
	for _, ca := range cfg.CondAttrs() {
		i := slices.IndexFunc(labels.Attributes, func(a shard.Attribute) bool { return a.Name == ca.Name })
		if i < 0 || !slices.Equal(labels.Attributes[i].Values, ca.Values) {
			return nil, fmt.Errorf("the dataset lacks the checkpoint's attribute %q or its values", ca.Name)
		}
		idx = append(idx, i)
	}
	return idx, nil
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

// trainClassifier trains the attribute classifier on the train split, or
// loads it from the cache beside the dataset (classifierCache) when that
// was written for the same dataset content, attributes and settings.
func (e *evaluation) trainClassifier(man *shard.Manifest, cfg gan.Config, idx []int) (*attrclass.Classifier, error) {
	var values []int
	for _, a := range cfg.CondAttrs() {
		values = append(values, len(a.Values))
	}
	path, key := classifierCache(e.o.Data), e.classifierKey(man, cfg)
	c, save := e.loadClassifier(path, key, values)
	if c != nil {
		e.r.CondClassifier = "loaded from " + path
		return c, nil
	}
	e.o.logf("conditioning: training the attribute classifier")
	set, err := man.OpenSplit(man.Train)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	feats, labels, err := labelled(set, condTrainCap, e.size, idx)
	if err != nil {
		return nil, err
	}
	c, err = attrclass.Train(feats, labels, values, e.o.Seed)
	if err != nil {
		return nil, err
	}
	e.r.CondClassifier = "trained"
	if !save {
		return c, nil
	}
	if err := safetensors.Save(path, c.Tensors(), key); err != nil {
		e.warn("the attribute classifier is not cached: %v", err)
	} else {
		e.r.CondClassifier = "trained, cached in " + path
	}
	return c, nil
}

// classifierCache is where the attribute classifier of the dataset in
// folder data is kept: a file beside the folder (the folder itself holds
// nothing but prep's files), data.attrclass.safetensors.
func classifierCache(data string) string {
	return filepath.Clean(data) + ".attrclass.safetensors"
}

// maxClassifierFile bounds the cache file: 64 attributes of 255 values.
const maxClassifierFile = 64*(attrclass.Hidden*(attrclass.Features+1)+255*(attrclass.Hidden+1))*4 + 1<<20

// classifierKey is what a cached classifier must have been trained for:
// the dataset's content, the checkpoint's attributes and values, and the
// training settings.
func (e *evaluation) classifierKey(man *shard.Manifest, cfg gan.Config) map[string]string {
	var attrs []string
	for _, a := range cfg.CondAttrs() {
		attrs = append(attrs, a.Name+"="+strings.Join(a.Values, "|"))
	}
	return map[string]string{
		"format":     "toongan-attrclass",
		"dataset":    man.ContentHash,
		"attributes": strings.Join(attrs, ","),
		"settings": fmt.Sprintf("side %d, hidden %d, balanced, epochs %d, train %d, size %d, seed %d",
			attrclass.Side, attrclass.Hidden, attrclass.Epochs, condTrainCap, e.size, e.o.Seed),
	}
}

// loadClassifier reads the cached classifier at path if it matches key;
// nil if there is none, or (with a note why) it is stale or damaged, to be
// retrained and, if save, written there. Something other than a regular
// file at path (or a dataset without a content hash) is left alone.
func (e *evaluation) loadClassifier(path string, key map[string]string, values []int) (c *attrclass.Classifier, save bool) {
	if key["dataset"] == "" {
		return nil, false
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true
	}
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxClassifierFile {
		e.warn("attribute classifier cache %s: not a regular file of at most %d bytes; not used", path, maxClassifierFile)
		return nil, false
	}
	f, err := safetensors.Load(path)
	if err != nil {
		e.warn("attribute classifier cache: %v; retrained", err)
		return nil, true
	}
	for _, k := range slices.Sorted(maps.Keys(key)) {
		if f.Meta[k] != key[k] {
			e.o.logf("attribute classifier cache %s was written for another %s (%q, now %q): retrained", path, k, f.Meta[k], key[k])
			return nil, true
		}
	}
	if c, err = attrclass.FromTensors(f.Tensors, values); err != nil {
		e.warn("attribute classifier cache %s: %v; retrained", path, err)
		return nil, true
	}
	return c, false
}

// ceilings scores the classifier on the held-out reals with known labels.
func (e *evaluation) ceilings(cls *attrclass.Classifier, cfg gan.Config, idx []int) ([]report.CondScore, error) {
	feats, labels, err := labelled(e.held, e.o.HoldoutCap, e.size, idx)
	if err != nil {
		return nil, err
	}
	A := len(idx)
	preds := make([]byte, len(labels))
	for a := range A {
		for i, p := range cls.PredictAttr(feats, a) {
			preds[i*A+a] = p
		}
	}
	return ceilingScores(cfg.CondAttrs(), labels, preds), nil
}

// ceilingScores scores predictions against labels (both image-major, a
// byte per attribute; label 0 unknown, k value k-1): per value the share
// predicted right (Value.Ceiling), per attribute their mean (Ceiling) and
// the share over all labelled images (CeilingPooled).
func ceilingScores(attrs []gan.CondAttr, labels, preds []byte) []report.CondScore {
	A := len(attrs)
	scores := make([]report.CondScore, A)
	for a, ca := range attrs {
		s := &scores[a]
		s.Attribute, s.Chance = ca.Name, 1/float64(len(ca.Values))
		s.PerValue = make([]report.Value, len(ca.Values))
		for v, name := range ca.Values {
			s.PerValue[v].Value = name
		}
	}
	for i := 0; i+A <= len(labels) && i+A <= len(preds); i += A {
		for a := range A {
			l := int(labels[i+a])
			if l == 0 || l > len(scores[a].PerValue) {
				continue
			}
			s, pv := &scores[a], &scores[a].PerValue[l-1]
			s.Reals++
			pv.CeilingReals++
			if int(preds[i+a]) == l {
				s.CeilingPooled++
				pv.Ceiling++
			}
		}
	}
	for a := range scores {
		s := &scores[a]
		if s.Reals > 0 {
			s.CeilingPooled /= float64(s.Reals)
		}
		n := 0
		for v := range s.PerValue {
			if pv := &s.PerValue[v]; pv.CeilingReals > 0 {
				pv.Ceiling /= float64(pv.CeilingReals)
				s.Ceiling += pv.Ceiling
				n++
			}
		}
		if n > 0 {
			s.Ceiling /= float64(n)
		}
	}
	return scores
}

// condAccuracy draws condPerValue faces for each value of each attribute
// (the same latents for every value of an attribute, the other attributes
// drawn per latent) and scores how often the classifier finds the value
// asked; the SWD of each value's faces against the held-out reals with that
// value (the first condSWDValues values, whole attributes in order); and a
// grid per attribute (a row per latent, a column per value).
func (e *evaluation) condAccuracy(cls *attrclass.Classifier, cfg gan.Config, idx []int, scores []report.CondScore) error {
	m, _, err := checkpoint.Load(e.o.Ckpts[len(e.o.Ckpts)-1])
	if err != nil {
		return err
	}
	defer m.Close()
	reals := e.realsByValue(cfg, idx)
	budget := condSWDValues
	for a, ca := range cfg.CondAttrs() {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		var r [][]metrics.Image
		if reals != nil && len(ca.Values) <= budget {
			r, budget = reals[a], budget-len(ca.Values)
		}
		cells, err := e.condAttr(m, cls, cfg, a, &scores[a], r)
		if err != nil {
			return err
		}
		png, err := gridOf(enlarge(cells, e.size), len(ca.Values))
		if err != nil {
			return err
		}
		file := condGridFile(a, ca.Name)
		scores[a].Grid = file
		e.condGrids = append(e.condGrids, condGrid{file, png})
		e.page.CondGrids = append(e.page.CondGrids, report.Figure{Title: ca.Name, PNG: png,
			Caption: fmt.Sprintf("%s: a row per latent, a column per value (%s); the other attributes drawn per latent (%s).", ca.Name, strings.Join(ca.Values, ", "), file)})
	}
	return nil
}

// condAttr scores attribute a (see condAccuracy) into s and returns the
// grid's cells, row-major. reals holds the held-out reals of each value;
// nil: no SWD.
func (e *evaluation) condAttr(m *gan.Model, cls *attrclass.Classifier, cfg gan.Config, a int, s *report.CondScore, reals [][]metrics.Image) ([]image.Image, error) {
	attrs := cfg.CondAttrs()
	ca, A, nz, per := attrs[a], len(attrs), cfg.NZ, 3*e.size*e.size
	z := gan.SampleLatents(e.o.Seed+uint64(1000*a), condPerValue, nz)
	cells := make([]image.Image, condGridRows*len(ca.Values))
	var swdSum float64
	for v, name := range ca.Values {
		labels := make([]byte, condPerValue*A)
		for j := range condPerValue {
			for b := range A {
				labels[j*A+b] = gan.LabelDraw
			}
			labels[j*A+a] = byte(v + 1)
		}
		x, err := sampling.GenerateLabels(m, z, labels, condPerValue, nz, e.o.Batch, e.o.Raw)
		if err != nil {
			return nil, fmt.Errorf("conditioning %s=%s: %w", ca.Name, name, err)
		}
		feats := make([][]float32, condPerValue)
		for j := range feats {
			feats[j] = attrclass.FromNCHW(x[j*per:(j+1)*per], e.size)
		}
		hit := 0
		for _, p := range cls.PredictAttr(feats, a) {
			if p == byte(v+1) {
				hit++
			}
		}
		val := &s.PerValue[v] // ceilings made a row per value
		val.Accuracy = float64(hit) / condPerValue
		fake, err := metrics.FromNCHW(x, condPerValue, 3, e.size, e.size)
		if err != nil {
			return nil, err
		}
		for r, p := range toPictures(fake[:condGridRows]) {
			cells[r*len(ca.Values)+v] = p
		}
		if reals != nil && len(reals[v]) >= condSWDMin {
			if val.SWD, err = e.valueSWD(reals[v], fake); err != nil {
				return nil, fmt.Errorf("conditioning %s=%s: %w", ca.Name, name, err)
			}
			val.Reals = len(reals[v])
			swdSum += val.SWD
			s.SWDValues++
		}
		s.Accuracy += float64(hit)
		s.Generated += condPerValue
	}
	s.Accuracy /= float64(s.Generated)
	if s.Ceiling > 0 {
		s.Ratio = s.Accuracy / s.Ceiling
	}
	if s.SWDValues > 0 {
		s.SWD = swdSum / float64(s.SWDValues)
	}
	return cells, nil
}

func (e *evaluation) valueSWD(real, fake []metrics.Image) (float64, error) {
	d, err := e.o.SWD.DescribeContext(e.ctx, real)
	if err != nil {
		return 0, fmt.Errorf("describe real images: %w", err)
	}
	res, err := swd(e.ctx, e.o.SWD, d, fake)
	return res.Avg, err
}

// realsByValue groups the held-out reals by the label of each of the
// checkpoint's attributes, at most condSWDReals per value: out[a][v] are
// those with value v of attribute a. e.real are e.held's records in
// spread order (loadReals); nil if they are not.
func (e *evaluation) realsByValue(cfg gan.Config, idx []int) [][][]metrics.Image {
	order := spread(e.held.Len(), e.o.HoldoutCap)
	if len(order) != len(e.real) {
		return nil
	}
	attrs := cfg.CondAttrs()
	out := make([][][]metrics.Image, len(attrs))
	for a := range attrs {
		out[a] = make([][]metrics.Image, len(attrs[a].Values))
	}
	for i, k := range order {
		l := e.held.Labels(k)
		for a, j := range idx {
			if v := int(l[j]); v > 0 && v <= len(out[a]) && len(out[a][v-1]) < condSWDReals {
				out[a][v-1] = append(out[a][v-1], e.real[i])
			}
		}
	}
	return out
}

// condGrid is an attribute's grid PNG, written beside report.json.
type condGrid struct {
	file string
	png  []byte
}

// condGridFile names attribute a's grid file: cond-NAME.png, or
// cond-N.png for a name that is not a plain word.
func condGridFile(a int, name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Sprintf("cond-%d.png", a)
		}
	}
	return "cond-" + name + ".png"
}
