package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Set is the records of one split of a dataset (its shards, in manifest
// order) as one sequence. Records are read one at a time with ReadAt; a Set
// is safe for concurrent reads.
type Set struct {
	readers []*Reader
	starts  []int // index of each shard's first record
	hdr     Header
}

// OpenSplit opens the shards of s, one of m's splits (m.Train or
// m.Holdout), each validated in full (see Open). Every shard must hold the
// manifest's image geometry and the record count the manifest gives it.
func (m *Manifest) OpenSplit(s Split) (*Set, error) {
	set := &Set{hdr: Header{Height: m.Height, Width: m.Width, Channels: m.Channels}}
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
		set.starts = append(set.starts, set.hdr.Count)
		set.hdr.Count += h.Count
	}
	return set, nil
}

// Len is the number of records in the set.
func (s *Set) Len() int { return s.hdr.Count }

// Header gives the geometry of every record; Count is the set's total.
func (s *Set) Header() Header { return s.hdr }

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
	for _, split := range []Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			return err
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
	var digests []byte
	err := m.EachRecord(func(rec []byte) error {
		d := RecordDigest(rec)
		digests = append(digests, d[:]...)
		return nil
	})
	if err != nil {
		return "", err
	}
	return ContentHash(digests), nil
}
