package shard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/safeio"
)

// ManifestName is the manifest's file name inside a dataset folder.
const ManifestName = "manifest.json"

// ManifestFormat identifies a toongan dataset manifest.
const ManifestFormat = "toongan-dataset"

// ManifestVersion is the manifest version of a dataset without labels.
// This package reads it and ManifestVersionLabels, and writes each as
// suits the dataset, so a dataset without labels is written as before.
const ManifestVersion = 1

// ManifestVersionLabels is the manifest version of a dataset with labels
// (Manifest.Labels and a label shard beside each image shard). Builds that
// predate labels refuse it clearly rather than drop its labels.
const ManifestVersionLabels = 2

// MaxManifestBytes is the largest manifest.json read (its list of skipped
// files is what grows: about 200 bytes each).
const MaxManifestBytes = 64 << 20

// Manifest describes a prepared dataset. It is written by prep as
// data/NAME/manifest.json.
type Manifest struct {
	Format   string `json:"format"`  // "toongan-dataset"
	Version  int    `json:"version"` // 1, or 2 with labels
	Source   string `json:"source"`  // input path, or "builtin:toon"
	Size     int    `json:"size"`    // images are Size x Size
	Height   int    `json:"height"`
	Width    int    `json:"width"`
	Channels int    `json:"channels"` // 3 (RGB)
	DType    string `json:"dtype"`    // "uint8"
	Layout   string `json:"layout"`   // "HWC"

	Counts  Counts `json:"counts"`
	Train   Split  `json:"train"`
	Holdout Split  `json:"holdout"`

	// Params are the prep options that produced the dataset.
	Params map[string]any `json:"params"`
	// Skipped lists input files that were not used, with the reason.
	Skipped []Skip `json:"skipped"`
	// SkippedByReason counts Skipped per reason.
	SkippedByReason map[string]int `json:"skipped_by_reason"`
	// ContentHash is "sha256:" and the hex SHA-256 of the concatenated
	// 32-byte SHA-256 digests of every record, train records in order then
	// holdout records in order. It depends on the pixels and the split only
	// (not on shard sizes), and identifies the data a model was trained on.
	// A labelled dataset's hash covers its labels too (see ContentHash).
	ContentHash string `json:"content_hash"`

	// Labels is the label vocabulary and prep's label report; nil for a
	// dataset without labels (manifest version 1).
	Labels *Labels `json:"labels,omitempty"`

	dir string // folder the manifest was loaded from
}

// Counts summarises what prep did with its input.
type Counts struct {
	Inputs     int `json:"inputs"`     // files seen (or images rendered)
	Kept       int `json:"kept"`       // images written (train + holdout)
	Train      int `json:"train"`      // images in train shards
	Holdout    int `json:"holdout"`    // images in holdout shards
	Duplicates int `json:"duplicates"` // exact duplicates dropped
	Skipped    int `json:"skipped"`    // bad or unsupported inputs
}

// Split lists the shards of one split.
type Split struct {
	Count  int         `json:"count"`
	Shards []ShardInfo `json:"shards"`
}

// ShardInfo is one shard file of a split.
type ShardInfo struct {
	File  string `json:"file"`  // base name inside the dataset folder
	Count int    `json:"count"` // records in it
	Bytes int64  `json:"bytes"` // file size
	// Labels is the label shard beside it (labelled datasets only).
	Labels string `json:"labels,omitempty"`
}

// Skip is one input that prep did not use.
type Skip struct {
	File string `json:"file"`
	// FileBytes holds the name's exact bytes (base64) when they are not
	// valid UTF-8: JSON strings cannot carry them, so File then holds the
	// name with invalid bytes escaped (\xNN), and this field finds the file.
	FileBytes []byte `json:"file_bytes,omitempty"`
	Reason    string `json:"reason"` // short class, e.g. "corrupt image"
	Detail    string `json:"detail,omitempty"`
}

// NewSkip records a skipped input; see Skip.FileBytes for names that are
// not valid UTF-8 (the detail is made valid UTF-8 the same way).
func NewSkip(name, reason, detail string) Skip {
	s := Skip{File: name, Reason: reason, Detail: detail}
	if !utf8.ValidString(name) {
		s.File, s.FileBytes = escapeInvalid(name), []byte(name)
	}
	if !utf8.ValidString(detail) {
		s.Detail = escapeInvalid(detail)
	}
	return s
}

// escapeInvalid replaces each byte of s that is not part of valid UTF-8
// with \xNN.
func escapeInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Dir is the dataset folder the manifest was loaded from.
func (m *Manifest) Dir() string { return m.dir }

// TrainPaths are the train shard paths (joined with the dataset folder).
func (m *Manifest) TrainPaths() []string { return m.paths(m.Train) }

// HoldoutPaths are the holdout shard paths; empty when there is no holdout.
func (m *Manifest) HoldoutPaths() []string { return m.paths(m.Holdout) }

func (m *Manifest) paths(s Split) []string {
	out := make([]string, len(s.Shards))
	for i, sh := range s.Shards {
		out[i] = filepath.Join(m.dir, sh.File)
	}
	return out
}

// Load reads and validates a manifest. path is either the dataset folder or
// the manifest.json file itself. Errors name the file.
func Load(path string) (*Manifest, error) {
	file := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file = filepath.Join(path, ManifestName)
	}
	data, err := safeio.ReadFile(file, MaxManifestBytes, "dataset manifest")
	if err != nil {
		return nil, fmt.Errorf("read dataset manifest: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("dataset manifest %q: %w", file, err)
	}
	m.dir = filepath.Dir(file)
	return m, nil
}

// ParseManifest decodes and validates manifest JSON.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the manifest object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest's internal consistency.
func (m *Manifest) Validate() error {
	if m.Format != ManifestFormat {
		return fmt.Errorf("format %q, want %q", m.Format, ManifestFormat)
	}
	switch {
	case m.Version != ManifestVersion && m.Version != ManifestVersionLabels:
		return fmt.Errorf("unknown manifest version %d (this build reads %d and %d)", m.Version, ManifestVersion, ManifestVersionLabels)
	case m.Version == ManifestVersion && m.Labels != nil:
		return fmt.Errorf("manifest version %d has labels (labelled datasets are version %d)", m.Version, ManifestVersionLabels)
	case m.Version == ManifestVersionLabels && m.Labels == nil:
		return fmt.Errorf("manifest version %d without labels", m.Version)
	}
	if err := checkGeometry(m.Height, m.Width, m.Channels); err != nil {
		return err
	}
	if m.Size != m.Height || m.Size != m.Width {
		return fmt.Errorf("size %d does not match %dx%d images", m.Size, m.Width, m.Height)
	}
	if m.DType != "uint8" || m.Layout != "HWC" {
		return fmt.Errorf("dtype %q layout %q, want uint8 HWC", m.DType, m.Layout)
	}
	for _, s := range []struct {
		name  string
		split Split
		count int
	}{{"train", m.Train, m.Counts.Train}, {"holdout", m.Holdout, m.Counts.Holdout}} {
		sum := 0
		for _, sh := range s.split.Shards {
			if !plainName(sh.File) {
				return fmt.Errorf("%s shard name %q is not a plain file name", s.name, sh.File)
			}
			if sh.Count < 1 {
				return fmt.Errorf("%s shard %s has %d records", s.name, sh.File, sh.Count)
			}
			if err := m.checkLabelFile(sh); err != nil {
				return fmt.Errorf("%s shard %s: %w", s.name, sh.File, err)
			}
			sum += sh.Count
		}
		if sum != s.split.Count || sum != s.count {
			return fmt.Errorf("%s count %d (counts.%s %d) but its shards hold %d records", s.name, s.split.Count, s.name, s.count, sum)
		}
	}
	if m.Counts.Train < 1 {
		return errors.New("no train images")
	}
	if m.Counts.Kept != m.Counts.Train+m.Counts.Holdout {
		return fmt.Errorf("counts.kept %d != train %d + holdout %d", m.Counts.Kept, m.Counts.Train, m.Counts.Holdout)
	}
	if !strings.HasPrefix(m.ContentHash, "sha256:") || len(m.ContentHash) != len("sha256:")+64 {
		return fmt.Errorf("content_hash %q is not sha256:<64 hex digits>", m.ContentHash)
	}
	if m.Labels != nil {
		return m.Labels.validate(m.Counts.Train)
	}
	return nil
}

// plainName tells whether name is a plain file name inside the folder.
func plainName(name string) bool {
	return name != "" && name == filepath.Base(name) && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, `/\`)
}

// WriteManifest validates m and writes it as dir/manifest.json atomically.
func WriteManifest(dir string, m *Manifest) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("manifest for %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest for %s: %w", dir, err)
	}
	return atomicfile.WriteBytes(filepath.Join(dir, ManifestName), 0o644, append(data, '\n'))
}

// ErrNotDataset marks a folder that is not a toongan dataset.
var ErrNotDataset = errors.New("not a toongan dataset")

// Recognise tells whether dir is a toongan dataset folder: its manifest.json
// carries the "format": "toongan-dataset" field (every manifest version has
// it). It returns the names of the files the dataset consists of (the
// manifest and the shards it lists), or an error wrapping ErrNotDataset.
// The manifest need not be otherwise valid: a damaged dataset of ours is
// still ours to replace.
func Recognise(dir string) ([]string, error) {
	file := filepath.Join(dir, ManifestName)
	data, err := safeio.ReadFile(file, MaxManifestBytes, "dataset manifest")
	if err != nil {
		return nil, fmt.Errorf("%q: %w (%w)", dir, ErrNotDataset, err)
	}
	var m struct {
		Format  string `json:"format"`
		Train   Split  `json:"train"`
		Holdout Split  `json:"holdout"`
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Format != ManifestFormat {
		return nil, fmt.Errorf("%q: %w (its %s has no \"format\": %q field)", dir, ErrNotDataset, ManifestName, ManifestFormat)
	}
	files := []string{ManifestName}
	for _, s := range append(m.Train.Shards, m.Holdout.Shards...) {
		files = append(files, s.File)
		if s.Labels != "" {
			files = append(files, s.Labels)
		}
	}
	return files, nil
}
