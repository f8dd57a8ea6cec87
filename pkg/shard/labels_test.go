package shard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// independentLabels lays out a label shard following the documented format
// (README, File formats), with no code shared with EncodeLabels.
func independentLabels(labels []byte, attrs int) []byte {
	var b bytes.Buffer
	b.WriteString("TGLABEL\x00")
	binary.Write(&b, binary.LittleEndian, uint16(1))
	b.Write([]byte{0, 0})
	binary.Write(&b, binary.LittleEndian, uint32(len(labels)/attrs))
	binary.Write(&b, binary.LittleEndian, uint32(attrs))
	b.Write(make([]byte, 8))
	tab := crc32.MakeTable(crc32.Castagnoli)
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), tab))
	b.Write(labels)
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(labels, tab))
	return b.Bytes()
}

func TestLabelsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		labels []byte
		attrs  int
	}{{[]byte{}, 1}, {[]byte{1, 2, 0, 3, 4, 0}, 3}, {bytes.Repeat([]byte{7}, 64*5), 64}} {
		enc, err := EncodeLabels(tc.labels, tc.attrs)
		if err != nil {
			t.Fatal(err)
		}
		if want := independentLabels(tc.labels, tc.attrs); !bytes.Equal(enc, want) {
			t.Fatalf("encoding differs from the documented layout:\n%x\n%x", enc, want)
		}
		h, got, err := DecodeLabels(enc)
		if err != nil || !bytes.Equal(got, tc.labels) || h.Attrs != tc.attrs || h.Count != len(tc.labels)/tc.attrs {
			t.Fatalf("decode: %+v %v %v", h, got, err)
		}
		path := filepath.Join(t.TempDir(), "l.labels")
		if err := WriteLabels(path, tc.labels, tc.attrs); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadLabels(path, h.Count, h.Attrs); err != nil || !bytes.Equal(got, tc.labels) {
			t.Fatalf("read: %v %v", got, err)
		}
		if _, err := ReadLabels(path, h.Count+1, h.Attrs); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("wrong count accepted or error without the file: %v", err)
		}
	}
	if _, err := EncodeLabels([]byte{1, 2, 3}, 2); err == nil {
		t.Error("ragged labels encoded")
	}
	if _, err := EncodeLabels(nil, MaxAttributes+1); err == nil {
		t.Error("too many attributes encoded")
	}
}

func TestDecodeLabelsRejects(t *testing.T) {
	good := independentLabels([]byte{1, 2, 3, 4}, 2)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	recrc := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"image shard", independentEncode([][]byte{{1, 2, 3}}, 1, 1, 3), "wrong magic"},
		{"version", mod(func(b []byte) []byte { b[8] = 2; return recrc(b) }), "version 2"},
		{"header crc", mod(func(b []byte) []byte { b[12] = 3; return b }), "header checksum"},
		{"reserved", mod(func(b []byte) []byte { b[21] = 1; return recrc(b) }), "reserved"},
		{"no attrs", mod(func(b []byte) []byte { b[16] = 0; return recrc(b) }), "absurd"},
		{"many attrs", mod(func(b []byte) []byte { b[16] = 65; return recrc(b) }), "absurd"},
		{"huge count", mod(func(b []byte) []byte { b[15] = 0x7f; return recrc(b) }), "absurd"},
		{"truncated", good[:len(good)-1], "need"},
		{"padded", append(append([]byte(nil), good...), 0), "need"},
		{"flipped label", mod(func(b []byte) []byte { b[33] ^= 1; return b }), "corrupt"},
	} {
		_, _, err := DecodeLabels(tc.data)
		if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an ErrFormat with %q", tc.name, err, tc.want)
		}
	}
}

func FuzzDecodeLabels(f *testing.F) {
	f.Add(independentLabels([]byte{1, 2, 0, 3}, 2))
	f.Add(independentLabels(nil, 1))
	f.Add([]byte("TGLABEL\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, labels, err := DecodeLabels(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		if len(labels) != h.Count*h.Attrs || int64(len(data)) != h.FileSize() || h.Attrs < 1 || h.Attrs > MaxAttributes {
			t.Fatalf("accepted inconsistent label shard: %+v with %d label bytes", h, len(labels))
		}
		again, err := EncodeLabels(labels, h.Attrs)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted a label shard that does not re-encode to itself: %v", err)
		}
	})
}

// labelledDataset writes a dataset of 3 train images (one shard of 2, one
// of 1) and 1 holdout image of 2x2x3, with 2 attributes.
func labelledDataset(t *testing.T) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := validManifest()
	m.Version = ManifestVersionLabels
	m.Size, m.Height, m.Width = 2, 2, 2
	m.Counts = Counts{Inputs: 4, Kept: 4, Train: 3, Holdout: 1}
	m.Skipped, m.SkippedByReason = []Skip{}, map[string]int{}
	m.Train = Split{Count: 3, Shards: []ShardInfo{{File: "train-00000.shard", Count: 2, Labels: "train-00000.labels"}, {File: "train-00001.shard", Count: 1, Labels: "train-00001.labels"}}}
	m.Holdout = Split{Count: 1, Shards: []ShardInfo{{File: "holdout-00000.shard", Count: 1, Labels: "holdout-00000.labels"}}}
	m.Labels = &Labels{Source: "test", Issues: []LabelIssue{}, IssuesByKind: map[string]int{}, Attributes: []Attribute{
		{Name: "hair", Values: []string{"red", "blue", "green"}, Counts: []int{1, 1, 0}, Unknown: 1},
		{Name: "glasses", Values: []string{"no", "yes"}, Counts: []int{2, 1}},
	}}
	labels := [][]byte{{1, 1, 2, 2}, {0, 1}, {3, 2}}
	var digests, all []byte
	for i, sh := range append(m.Train.Shards, m.Holdout.Shards...) {
		build(t, filepath.Join(dir, sh.File), sh.Count, 2, 2, 3)
		if err := WriteLabels(filepath.Join(dir, sh.Labels), labels[i], 2); err != nil {
			t.Fatal(err)
		}
		all = append(all, labels[i]...)
		for r := range sh.Count {
			rec := bytes.Repeat([]byte{byte(r)}, 12)
			rec[0] = byte(r * 7)
			d := RecordDigest(rec)
			digests = append(digests, d[:]...)
		}
	}
	m.ContentHash = ContentHashLabels(m.Labels.Attributes, all, digests)
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestLabelledDataset(t *testing.T) {
	dir, _ := labelledDataset(t)
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := m.OpenSplit(m.Train)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	if set.Attrs() != 2 || !bytes.Equal(set.Labels(0), []byte{1, 1}) || !bytes.Equal(set.Labels(2), []byte{0, 1}) || set.Labels(3) != nil {
		t.Errorf("labels: attrs %d, %v %v %v", set.Attrs(), set.Labels(0), set.Labels(2), set.Labels(3))
	}
	if got, err := m.ReadContentHash(); err != nil || got != m.ContentHash {
		t.Errorf("content hash %s (%v), manifest says %s", got, err, m.ContentHash)
	}
	pixels, err := (&Manifest{dir: dir, Train: m.Train, Holdout: m.Holdout, Height: 2, Width: 2, Channels: 3}).ReadContentHash()
	if err != nil || pixels == m.ContentHash {
		t.Errorf("the labels do not enter the content hash (%v)", err)
	}
	files, err := Recognise(dir)
	if err != nil || len(files) != 7 {
		t.Errorf("Recognise: %v %v", files, err)
	}
	// A label byte past the vocabulary, and a missing label shard.
	if err := WriteLabels(filepath.Join(dir, "holdout-00000.labels"), []byte{4, 1}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.OpenSplit(m.Holdout); err == nil || !strings.Contains(err.Error(), "holdout-00000.labels") || !strings.Contains(err.Error(), "hair label 4") {
		t.Errorf("out-of-vocabulary label: %v", err)
	}
	os.Remove(filepath.Join(dir, "train-00001.labels"))
	if _, err := m.OpenSplit(m.Train); err == nil || !strings.Contains(err.Error(), "train-00001.labels") {
		t.Errorf("missing label shard: %v", err)
	}
}

func TestLabelledManifestRejects(t *testing.T) {
	_, good := labelledDataset(t)
	for _, tc := range []struct {
		name string
		mod  func(m *Manifest)
		want string
	}{
		{"v1 with labels", func(m *Manifest) { m.Version = ManifestVersion }, "has labels"},
		{"v2 without", func(m *Manifest) { m.Labels = nil }, "without labels"},
		{"no label shard", func(m *Manifest) { m.Train.Shards[1].Labels = "" }, "no label shard"},
		{"label path", func(m *Manifest) { m.Train.Shards[1].Labels = "../x" }, "plain file name"},
		{"same file", func(m *Manifest) { m.Train.Shards[1].Labels = m.Train.Shards[1].File }, "plain file name"},
		{"bad name", func(m *Manifest) { m.Labels.Attributes[0].Name = "Hair" }, "lower-case"},
		{"twice", func(m *Manifest) { m.Labels.Attributes[1].Name = "hair" }, "twice"},
		{"bad value", func(m *Manifest) { m.Labels.Attributes[0].Values[0] = "dark red" }, "no spaces"},
		{"value twice", func(m *Manifest) { m.Labels.Attributes[0].Values[1] = "red" }, "twice"},
		{"counts", func(m *Manifest) { m.Labels.Attributes[0].Unknown = 0 }, "counts 2 images"},
		{"no attributes", func(m *Manifest) { m.Labels.Attributes = nil }, "0 attributes"},
	} {
		m := *good
		l := *good.Labels
		l.Attributes = []Attribute{good.Labels.Attributes[0], good.Labels.Attributes[1]}
		l.Attributes[0].Values = append([]string(nil), l.Attributes[0].Values...)
		m.Labels = &l
		m.Train.Shards = append([]ShardInfo(nil), good.Train.Shards...)
		tc.mod(&m)
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
