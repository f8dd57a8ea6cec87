package imageset

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/shard"
	"github.com/toongan/toongan/pkg/toon"
)

// TestBuiltinLabels: prep --builtin records each face's toon.Labels beside
// its pixels, through the holdout split and the shard boundaries; the
// image shards and the pixel part of the content hash are those of the v1
// fixture (prep without labels at eaf477e).
func TestBuiltinLabels(t *testing.T) {
	const fixture = "../shard/testdata/v1-builtin12"
	out := filepath.Join(t.TempDir(), "data")
	opt := Options{Size: 32, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	cfg := Config{Builtin: 12, Out: out, Options: opt, Holdout: 0.25, Seed: 1, ShardSize: 5, Labels: BuiltinLabeling()}
	sum, err := Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Manifest
	for _, name := range []string{"train-00000.shard", "train-00001.shard", "holdout-00000.shard"} {
		want, _ := os.ReadFile(filepath.Join(fixture, name))
		got, _ := os.ReadFile(filepath.Join(out, name))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the fixture's", name)
		}
	}
	// Expected labels by record digest, from an independent render.
	want := map[[32]byte][]byte{}
	rec := make([]byte, opt.RecordSize())
	var s Scratch
	for i := range 12 {
		if err := FromImage(toon.Face(FaceSeed(1, i), 32), opt, rec, &s); err != nil {
			t.Fatal(err)
		}
		l := toon.Labels(FaceSeed(1, i))
		b := make([]byte, len(l))
		for k, v := range l {
			b[k] = byte(v + 1)
		}
		want[shard.RecordDigest(rec)] = b
	}
	if m.Version != shard.ManifestVersionLabels || len(m.Labels.Attributes) != len(toon.Attributes()) {
		t.Fatalf("manifest version %d, labels %+v", m.Version, m.Labels)
	}
	checkLabels(t, m, want)
	if got, err := m.ReadContentHash(); err != nil || got != m.ContentHash {
		t.Errorf("content hash of the files %s (%v), manifest %s", got, err, m.ContentHash)
	}
	v1, err := shard.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHash == v1.ContentHash {
		t.Error("the labels do not enter the content hash")
	}
	// Without labels: the v1 manifest's hash and no label files.
	cfg.Labels, cfg.Out = nil, filepath.Join(t.TempDir(), "plain")
	plain, err := Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Manifest.ContentHash != v1.ContentHash || plain.Manifest.Version != shard.ManifestVersion || plain.Manifest.Labels != nil {
		t.Errorf("unlabelled: version %d hash %s, fixture %s", plain.Manifest.Version, plain.Manifest.ContentHash, v1.ContentHash)
	}
	if l, _ := filepath.Glob(filepath.Join(cfg.Out, "*.labels")); len(l) != 0 {
		t.Errorf("label shards in an unlabelled dataset: %v", l)
	}
	// The summary names every attribute, and prep replaces a labelled
	// dataset (label shards included) with an unlabelled one.
	if s := LabelSummary(m); !strings.Contains(s, "glasses: no ") || !strings.Contains(s, "hair: ") {
		t.Errorf("summary %q", s)
	}
	cfg.Out = out
	if _, err := Prepare(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if l, _ := filepath.Glob(filepath.Join(out, "*.labels")); len(l) != 0 {
		t.Errorf("label shards left after replacing with an unlabelled dataset: %v", l)
	}
}

// checkLabels compares every record's labels with want (by record digest)
// and the manifest's counts with the train split's labels.
func checkLabels(t *testing.T, m *shard.Manifest, want map[[32]byte][]byte) {
	t.Helper()
	counts := make([]map[byte]int, len(m.Labels.Attributes))
	for i := range counts {
		counts[i] = map[byte]int{}
	}
	for k, split := range []shard.Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, set.Header().RecordSize())
		for i := range set.Len() {
			if err := set.Read(i, rec); err != nil {
				t.Fatal(err)
			}
			w, ok := want[shard.RecordDigest(rec)]
			if !ok {
				t.Errorf("split %d record %d is no face of the run", k, i)
			}
			if ok && !bytes.Equal(set.Labels(i), w) {
				t.Errorf("split %d record %d: labels %v, want %v", k, i, set.Labels(i), w)
			}
			for a, v := range set.Labels(i) {
				if k == 0 {
					counts[a][v]++
				}
			}
		}
		set.Close()
	}
	for a, at := range m.Labels.Attributes {
		if at.Unknown != counts[a][0] {
			t.Errorf("%s: %d unknown, the labels have %d", at.Name, at.Unknown, counts[a][0])
		}
		for v, n := range at.Counts {
			if counts[a][byte(v+1)] != n {
				t.Errorf("%s=%s: count %d, the labels have %d", at.Name, at.Values[v], n, counts[a][byte(v+1)])
			}
		}
	}
	js, _ := json.Marshal(m.Labels)
	if !bytes.Contains(js, []byte(`"issues_by_kind"`)) {
		t.Errorf("manifest labels %s", js)
	}
}
