package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Labels is a labelled dataset's vocabulary and prep's report on its
// labels (manifest.json "labels").
type Labels struct {
	// Source is where the labels came from: "builtin:toon" or the CSV file.
	Source string `json:"source"`
	// Attributes are the labelled attributes, in the order of the bytes of
	// each record's labels.
	Attributes []Attribute `json:"attributes"`
	// Issues are the label problems prep warned about (see IssuesByKind).
	Issues []LabelIssue `json:"issues"`
	// IssuesByKind counts Issues per kind.
	IssuesByKind map[string]int `json:"issues_by_kind"`
}

// Attribute is one labelled attribute: its name, its values (a record's
// label byte k > 0 means Values[k-1]; 0 means unknown) and how many train
// images have each.
type Attribute struct {
	Name    string   `json:"name"`
	Values  []string `json:"values"`
	Counts  []int    `json:"counts"`  // train images per value, in Values order
	Unknown int      `json:"unknown"` // train images without a value
}

// LabelIssue is one problem prep found in the labels.
type LabelIssue struct {
	Kind   string `json:"kind"`             // e.g. "image without a row"
	File   string `json:"file,omitempty"`   // the image or labels file concerned
	Row    int    `json:"row,omitempty"`    // 1-based line of the CSV file, 0 if none
	Detail string `json:"detail,omitempty"` // the message prep printed
}

// CheckName tells why s is not a valid attribute name (nil if it is): 1 to
// MaxNameBytes of lower-case ASCII letters, digits and '_', starting with
// a letter, so that it reads well in `--attr name=value`.
func CheckName(s string) error {
	if s == "" || len(s) > MaxNameBytes {
		return fmt.Errorf("attribute name %q: want 1..%d characters", s, MaxNameBytes)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return fmt.Errorf("attribute name %q: want lower-case letters, digits and _, starting with a letter", s)
		}
	}
	return nil
}

// CheckValue tells why s is not a valid value word (nil if it is): 1 to
// MaxNameBytes bytes of UTF-8 letters, digits, '_', '-', '.' and '+'; no
// spaces, commas or '=', so that it reads well in `--attr name=value`.
func CheckValue(s string) error {
	if s == "" || len(s) > MaxNameBytes || !utf8.ValidString(s) {
		return fmt.Errorf("value %q: want 1..%d bytes of UTF-8", s, MaxNameBytes)
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' && r != '+' {
			return fmt.Errorf("value %q: want letters, digits, _, -, . and + (no spaces or commas)", s)
		}
	}
	return nil
}

func (l *Labels) validate(train int) error {
	if n := len(l.Attributes); n < 1 || n > MaxAttributes {
		return fmt.Errorf("labels: %d attributes (want 1..%d)", n, MaxAttributes)
	}
	names := map[string]bool{}
	for _, a := range l.Attributes {
		if err := CheckName(a.Name); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
		if names[a.Name] {
			return fmt.Errorf("labels: attribute %q twice", a.Name)
		}
		names[a.Name] = true
		if n := len(a.Values); n < 1 || n > MaxValues {
			return fmt.Errorf("labels: attribute %q has %d values (want 1..%d)", a.Name, n, MaxValues)
		}
		if len(a.Counts) != len(a.Values) {
			return fmt.Errorf("labels: attribute %q has %d counts for %d values", a.Name, len(a.Counts), len(a.Values))
		}
		vals, sum := map[string]bool{}, a.Unknown
		for i, v := range a.Values {
			if err := CheckValue(v); err != nil {
				return fmt.Errorf("labels: attribute %q: %w", a.Name, err)
			}
			if vals[v] {
				return fmt.Errorf("labels: attribute %q has value %q twice", a.Name, v)
			}
			vals[v] = true
			if a.Counts[i] < 0 {
				return fmt.Errorf("labels: attribute %q: negative count", a.Name)
			}
			sum += a.Counts[i]
		}
		if a.Unknown < 0 || sum != train {
			return fmt.Errorf("labels: attribute %q counts %d images, the train split has %d", a.Name, sum, train)
		}
	}
	return nil
}

// checkLabelFile checks the label shard named beside an image shard.
func (m *Manifest) checkLabelFile(sh ShardInfo) error {
	switch {
	case m.Labels == nil && sh.Labels != "":
		return errors.New("has a label shard but the manifest has no labels")
	case m.Labels != nil && sh.Labels == "":
		return errors.New("has no label shard")
	case sh.Labels != "" && (!plainName(sh.Labels) || sh.Labels == sh.File):
		return fmt.Errorf("label shard name %q is not a plain file name", sh.Labels)
	}
	return nil
}

// checkLabels checks that every label byte names a value of its attribute.
func (l *Labels) checkLabels(labels []byte, path string) error {
	n := len(l.Attributes)
	for i, b := range labels {
		if a := l.Attributes[i%n]; int(b) > len(a.Values) {
			return fmt.Errorf("label shard %s: record %d: %s label %d, the manifest has %d values", path, i/n, a.Name, b, len(a.Values))
		}
	}
	return nil
}

// ContentHashLabels is Manifest.ContentHash of a labelled dataset: the
// SHA-256 of what ContentHash hashes (the record digests, train then
// holdout), then the bytes "\x00toongan-labels\x00", then the vocabulary
// (per attribute: its name, its value count and its values, each string
// as a uint32 little-endian length and its bytes, each count as a uint32),
// then every record's label bytes, train records then holdout records.
// Counts and issues do not enter it: they follow from the labels. A
// dataset without labels keeps the hash ContentHash gives (see README).
func ContentHashLabels(attrs []Attribute, labels []byte, digests ...[]byte) string {
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	h.Write([]byte("\x00toongan-labels\x00"))
	str := func(s string) {
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
		h.Write([]byte(s))
	}
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(attrs))))
	for _, a := range attrs {
		str(a.Name)
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(a.Values))))
		for _, v := range a.Values {
			str(v)
		}
	}
	h.Write(labels)
	return fmt.Sprintf("sha256:%x", h.Sum(nil))
}
