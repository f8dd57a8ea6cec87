package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
)

// Set is the records of one split of a dataset (its shards, in manifest
// order) as one sequence. Records are read one at a time with ReadAt; a Set
// is safe for concurrent reads.
type Set struct {
	readers []*Reader
	starts  []int // index of each shard's first record
	hdr     Header
	attrs   int    // label bytes per record (0: no labels)
	labels  []byte // attrs bytes per record, in record order
}

// OpenSplit opens the shards of s, one of m's splits (m.Train or
// m.Holdout), each validated in full (see Open). Every shard must hold the
// manifest's image geometry and the record count the manifest gives it.
// A labelled dataset's label shards are read into memory and checked
// against the vocabulary (Set.Labels).
func (m *Manifest) OpenSplit(s Split) (*Set, error) {
	set := &Set{hdr: Header{Height: m.Height, Width: m.Width, Channels: m.Channels}}
	if m.Labels != nil {
		set.attrs = len(m.Labels.Attributes)
		set.labels = make([]byte, 0, s.Count*set.attrs)
	}
	for i, p := range m.paths(s) {
		r, err := Open(p)
		if err != nil {
			set.Close()
			return nil, err
		}
		h, want := r.Header(), s.Shards[i].Count
		if h.Height != m.Height || h.Width != m.Width || h.Channels != m.Channels || h.Count != want {
			r.Close()
			set.Close()
			return nil, fmt.Errorf("shard %s holds %d images of %dx%dx%d, its manifest says %d of %dx%dx%d",
				p, h.Count, h.Height, h.Width, h.Channels, want, m.Height, m.Width, m.Channels)
		}
		set.readers = append(set.readers, r)
		if set.attrs > 0 {
			lp := filepath.Join(m.dir, s.Shards[i].Labels)
			l, err := ReadLabels(lp, want, set.attrs)
			if err == nil {
				err = m.Labels.checkLabels(l, lp)
			}
			if err != nil {
				set.Close()
				return nil, err
			}
			set.labels = append(set.labels, l...)
		}
		set.starts = append(set.starts, set.hdr.Count)
		set.hdr.Count += h.Count
	}
	return set, nil
}

// Len is the number of records in the set.
func (s *Set) Len() int { return s.hdr.Count }

// Header gives the geometry of every record; Count is the set's total.
func (s *Set) Header() Header { return s.hdr }

// Attrs is the number of label bytes per record: the number of the
// manifest's label attributes, 0 for a dataset without labels.
func (s *Set) Attrs() int { return s.attrs }

// Labels returns record i's labels, Attrs() bytes (see Attribute: 0 is
// unknown, k is Values[k-1]), or nil without labels or out of range. The
// slice is the Set's own: read it, do not change it.
func (s *Set) Labels(i int) []byte {
	if s.attrs == 0 || i < 0 || i >= s.hdr.Count {
		return nil
	}
	return s.labels[i*s.attrs : (i+1)*s.attrs : (i+1)*s.attrs]
}

// Read copies record i of the set into buf (at least RecordSize bytes).
func (s *Set) Read(i int, buf []byte) error {
	if i < 0 || i >= s.hdr.Count {
		return fmt.Errorf("record %d out of range [0, %d)", i, s.hdr.Count)
	}
	k := len(s.starts) - 1
	for k > 0 && s.starts[k] > i {
		k--
	}
	return s.readers[k].ReadRecord(i-s.starts[k], buf)
}

// Close closes every shard of the set.
func (s *Set) Close() error {
	var errs []error
	for _, r := range s.readers {
		errs = append(errs, r.Close())
	}
	s.readers = nil
	return errors.Join(errs...)
}

// RecordDigest is the SHA-256 of one record: the unit of a dataset's
// content hash.
func RecordDigest(rec []byte) [sha256.Size]byte { return sha256.Sum256(rec) }

// ContentHash is Manifest.ContentHash for a dataset whose records have the
// given digests: each argument is a concatenation of RecordDigest values,
// train records first, then holdout records.
func ContentHash(digests ...[]byte) string {
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// EachRecord calls fn with every record of m's splits, train records then
// holdout records, in order. rec is reused between calls.
func (m *Manifest) EachRecord(fn func(rec []byte) error) error {
	return m.eachRecord(fn, nil)
}

// eachRecord is EachRecord that also hands each split's labels to labels.
func (m *Manifest) eachRecord(fn func(rec []byte) error, labels func(l []byte)) error {
	for _, split := range []Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			return err
		}
		if labels != nil {
			labels(set.labels)
		}
		buf := make([]byte, set.hdr.RecordSize())
		for i := range set.Len() {
			err := set.Read(i, buf)
			if err == nil {
				err = fn(buf)
			}
			if err != nil {
				set.Close()
				return err
			}
		}
		if err := set.Close(); err != nil {
			return err
		}
	}
	return nil
}

// ReadContentHash reads every record of m's splits and returns the content
// hash they have (what m.ContentHash should say).
func (m *Manifest) ReadContentHash() (string, error) {
	var digests, labels []byte
	err := m.eachRecord(func(rec []byte) error {
		d := RecordDigest(rec)
		digests = append(digests, d[:]...)
		return nil
	}, func(l []byte) { labels = append(labels, l...) })
	if err != nil {
		return "", err
	}
	if m.Labels != nil {
		return ContentHashLabels(m.Labels.Attributes, labels, digests), nil
	}
	return ContentHash(digests), nil
}
