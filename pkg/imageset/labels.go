package imageset

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/toongan/toongan/pkg/shard"
	"github.com/toongan/toongan/pkg/toon"
)

// Kinds of label issues (shard.LabelIssue.Kind), as counted in the
// manifest's labels.issues_by_kind.
const (
	IssueNoRow          = "image without a row"
	IssueNoImage        = "row without an image"
	IssueUnknownColumn  = "unknown column"
	IssueConflictingRow = "conflicting duplicate row"
	IssueOneValue       = "column with one value"
	IssueManyValues     = "column with too many values"
	IssueBadRow         = "bad row"
	IssueConflictingDup = "duplicate image with other labels"
)

// Labeling is where a prep run's labels come from: the built-in faces'
// parameters or a table read from a CSV file (see ReadLabelsCSV).
type Labeling struct {
	Source     string            // "builtin:toon" or the CSV file
	Attributes []shard.Attribute // names and values; prep fills the counts
	Builtin    bool              // labels from toon.Labels of each face's seed
	Rows       map[string]*LabelRow
	// Issues are the problems found while reading the labels; prep
	// reports them with those it finds itself.
	Issues []shard.LabelIssue
}

// LabelRow is one image's labels from a CSV row.
type LabelRow struct {
	Line   int    // 1-based line of the CSV file
	Labels []byte // one byte per attribute: 0 unknown, k Values[k-1]
	used   bool   // an input of this name was seen
}

// BuiltinLabeling is the labelling of the built-in faces (toon.Attributes).
func BuiltinLabeling() *Labeling {
	l := &Labeling{Source: BuiltinSource, Builtin: true}
	for _, a := range toon.Attributes() {
		l.Attributes = append(l.Attributes, shard.Attribute{Name: a.Name, Values: a.Values})
	}
	return l
}

// builtinLabels is the label bytes of built-in face i.
func builtinLabels(seed uint64, i int) []byte {
	v := toon.Labels(FaceSeed(seed, i))
	out := make([]byte, len(v))
	for k, x := range v {
		out[k] = byte(x + 1) // -1 (not shown) is 0, unknown
	}
	return out
}

// labelState is the builder's label bookkeeping.
type labelState struct {
	l      *Labeling
	attrs  int
	first  map[[32]byte][]byte // labels of each kept image, for duplicates
	cur    [2][]byte           // labels of the open shard of each split
	all    [2][]byte           // every label of each split, for the hash
	issues []shard.LabelIssue
	byKind map[string]int
}

func newLabelState(l *Labeling) *labelState {
	if l == nil {
		return nil
	}
	return &labelState{l: l, attrs: len(l.Attributes), first: map[[32]byte][]byte{}, byKind: map[string]int{}}
}

// issue reports one label problem: a warning, or the error with --strict.
func (b *builder) labelIssue(kind, file string, row int, msg string) error {
	if b.cfg.Strict {
		return fmt.Errorf("labels: %s (--strict)", msg)
	}
	fmt.Fprintf(b.cfg.Warn, "warning: labels: %s\n", msg)
	ls := b.lab
	ls.issues = append(ls.issues, shard.LabelIssue{Kind: kind, File: file, Row: row, Detail: msg})
	ls.byKind[kind]++
	return nil
}

// reportReadIssues reports the issues found while reading the labels.
func (b *builder) reportReadIssues() error {
	if b.lab == nil {
		return nil
	}
	for _, is := range b.lab.l.Issues {
		if err := b.labelIssue(is.Kind, is.File, is.Row, is.Detail); err != nil {
			return err
		}
	}
	return nil
}

// labelsOf returns the labels of input r (which was not skipped), and
// marks its CSV row as used.
func (b *builder) labelsOf(r *result) ([]byte, error) {
	ls := b.lab
	if ls.l.Builtin {
		return builtinLabels(b.cfg.Seed, r.idx), nil
	}
	row := ls.l.Rows[cleanName(r.name)]
	if row == nil {
		err := b.labelIssue(IssueNoRow, r.name, 0, fmt.Sprintf("%q: no row in %s; its labels are unknown", printable(b.displayName(r.name)), ls.l.Source))
		return make([]byte, ls.attrs), err
	}
	row.used = true
	return row.Labels, nil
}

// markSeen marks the CSV row of a skipped input as used: the image has a
// row, it could not be read (and is reported as skipped).
func (b *builder) markSeen(name string) {
	if b.lab != nil && !b.lab.l.Builtin {
		if row := b.lab.l.Rows[cleanName(name)]; row != nil {
			row.used = true
		}
	}
}

// duplicate checks a dropped duplicate's labels against the kept image's.
func (b *builder) labelDuplicate(r *result) error {
	if b.lab == nil {
		return nil
	}
	labels, err := b.labelsOf(r)
	if err != nil {
		return err
	}
	if kept := b.lab.first[r.digest]; !bytes.Equal(kept, labels) {
		return b.labelIssue(IssueConflictingDup, r.name, b.rowLine(r.name), fmt.Sprintf("%q is a duplicate of an earlier image with other labels (%s, kept: %s); its labels are dropped with it",
			printable(b.displayName(r.name)), b.describe(labels), b.describe(kept)))
	}
	return nil
}

func (b *builder) rowLine(name string) int {
	if row := b.lab.l.Rows[cleanName(name)]; row != nil {
		return row.Line
	}
	return 0
}

// describe writes labels as name=value pairs.
func (b *builder) describe(labels []byte) string {
	var parts []string
	for i, v := range labels {
		if v > 0 {
			a := b.lab.l.Attributes[i]
			parts = append(parts, a.Name+"="+a.Values[v-1])
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// addLabels records the labels of a kept image bound for split k.
func (b *builder) addLabels(r *result, k int) error {
	if b.lab == nil {
		return nil
	}
	labels, err := b.labelsOf(r)
	if err != nil {
		return err
	}
	b.lab.first[r.digest] = labels
	b.lab.cur[k] = append(b.lab.cur[k], labels...)
	b.lab.all[k] = append(b.lab.all[k], labels...)
	return nil
}

// labelFile is the label shard beside image shard name.
func labelFile(name string) string { return strings.TrimSuffix(name, ".shard") + ".labels" }

// closeLabels writes the label shard of the shard of split k just closed.
func (b *builder) closeLabels(k int, info *shard.ShardInfo) error {
	if b.lab == nil {
		return nil
	}
	info.Labels = labelFile(info.File)
	err := shard.WriteLabels(filepath.Join(b.dir, info.Labels), b.lab.cur[k], b.lab.attrs)
	b.lab.cur[k] = b.lab.cur[k][:0]
	return err
}

// finishLabels reports the CSV rows no input used and returns the
// manifest's labels, with the train split's counts.
func (b *builder) finishLabels() (*shard.Labels, error) {
	ls := b.lab
	if ls == nil {
		return nil, nil
	}
	if !ls.l.Builtin {
		var unused []*LabelRow
		names := map[*LabelRow]string{}
		for name, row := range ls.l.Rows {
			if !row.used {
				unused = append(unused, row)
				names[row] = name
			}
		}
		sort.Slice(unused, func(i, j int) bool { return unused[i].Line < unused[j].Line })
		for _, row := range unused {
			msg := fmt.Sprintf("%s line %d: no image %q in the input", ls.l.Source, row.Line, printable(names[row]))
			if err := b.labelIssue(IssueNoImage, names[row], row.Line, msg); err != nil {
				return nil, err
			}
		}
	}
	out := &shard.Labels{Source: ls.l.Source, Issues: ls.issues, IssuesByKind: ls.byKind}
	if out.Issues == nil {
		out.Issues = []shard.LabelIssue{}
	}
	for i, a := range ls.l.Attributes {
		at := shard.Attribute{Name: a.Name, Values: a.Values, Counts: make([]int, len(a.Values))}
		for k := i; k < len(ls.all[0]); k += ls.attrs {
			if v := ls.all[0][k]; v == 0 {
				at.Unknown++
			} else {
				at.Counts[v-1]++
			}
		}
		out.Attributes = append(out.Attributes, at)
	}
	return out, nil
}

// LabelSummary is a short account of a labelled dataset's train labels:
// one line per attribute with each value's count (empty without labels).
func LabelSummary(m *shard.Manifest) string {
	if m.Labels == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "labels from %s, %d train images", m.Labels.Source, m.Counts.Train)
	if n := len(m.Labels.Issues); n > 0 {
		fmt.Fprintf(&b, ", %d issues (see above and manifest.json)", n)
	}
	b.WriteString(":\n")
	for _, a := range m.Labels.Attributes {
		parts := make([]string, 0, len(a.Values)+1)
		for i, v := range a.Values {
			parts = append(parts, fmt.Sprintf("%s %d", v, a.Counts[i]))
		}
		if a.Unknown > 0 {
			parts = append(parts, fmt.Sprintf("unknown %d", a.Unknown))
		}
		fmt.Fprintf(&b, "  %s: %s\n", a.Name, strings.Join(parts, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
