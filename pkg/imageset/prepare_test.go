package imageset

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/imageset/imagesettest"
	"github.com/toongan/toongan/pkg/toon"
)

func solid(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func TestPrepareBuiltinDeterministic(t *testing.T) {
	opt := Options{Size: 32, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	var first map[string][]byte
	for i, workers := range []int{1, 3, 8} {
		out := filepath.Join(t.TempDir(), "ds")
		sum, err := Prepare(context.Background(), Config{Builtin: 40, Out: out, Options: opt, Holdout: 0.2, Seed: 5, ShardSize: 7, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		m := sum.Manifest
		if m.Counts.Inputs != 40 || m.Counts.Kept+m.Counts.Duplicates != 40 || m.Source != BuiltinSource {
			t.Fatalf("counts %+v source %q", m.Counts, m.Source)
		}
		if m.Counts.Holdout == 0 || m.Counts.Train == 0 {
			t.Errorf("holdout 0.2 of 40 gave train %d holdout %d", m.Counts.Train, m.Counts.Holdout)
		}
		for _, sh := range m.Train.Shards {
			if sh.Count > 7 {
				t.Errorf("shard %s holds %d records, over --shard-size 7", sh.File, sh.Count)
			}
		}
		recs := imagesettest.Records(t, m)
		// Train records come first, in face order: the first one is face 0
		// unless face 0 went to holdout.
		want := make([]byte, opt.RecordSize())
		var s Scratch
		if err := FromImage(toon.Face(FaceSeed(5, 0), 32), opt, want, &s); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			found = found || bytes.Equal(r, want)
		}
		if !found {
			t.Errorf("face 0 not in the dataset")
		}
		got := imagesettest.DirBytes(t, out)
		if i == 0 {
			first = got
			continue
		}
		if len(got) != len(first) {
			t.Fatalf("workers=%d: %d files, want %d", workers, len(got), len(first))
		}
		for name, b := range first {
			if !bytes.Equal(got[name], b) {
				t.Errorf("workers=%d: %s differs from the 1-worker run", workers, name)
			}
		}
	}
}

func TestPrepareFolderDedupSkipAndReplace(t *testing.T) {
	in := t.TempDir()
	red := encodePNG(t, solid(20, 10, color.NRGBA{255, 0, 0, 255}))
	imagesettest.WriteTree(t, in, map[string][]byte{
		"a.png":      red,
		"b/copy.png": red, // exact duplicate
		"c.png":      encodePNG(t, solid(8, 8, color.NRGBA{0, 0, 255, 128})),
		"d.png":      encodePNG(t, testImage(30, 30, 1)),
		"empty.jpg":  nil,
		"notes.txt":  []byte("not an image"),
	})
	out := filepath.Join(t.TempDir(), "data", "ds")
	var warn bytes.Buffer
	opt := Options{Size: 16, Crop: CropCenter, Background: color.NRGBA{0, 0, 0, 255}, MaxPixels: DefaultMaxPixels}
	sum, err := Prepare(context.Background(), Config{Input: in, Out: out, Options: opt, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	c := sum.Manifest.Counts
	if c.Inputs != 6 || c.Kept != 3 || c.Duplicates != 1 || c.Skipped != 2 || c.Train != 3 || c.Holdout != 0 {
		t.Errorf("counts %+v", c)
	}
	if sum.Manifest.SkippedByReason[ReasonEmpty] != 1 || sum.Manifest.SkippedByReason[ReasonNotImage] != 1 {
		t.Errorf("skipped by reason %v", sum.Manifest.SkippedByReason)
	}
	for _, name := range []string{"empty.jpg", "notes.txt"} {
		if !strings.Contains(warn.String(), filepath.Join(in, name)) {
			t.Errorf("no warning naming %s in %q", name, warn.String())
		}
	}
	recs := imagesettest.Records(t, sum.Manifest)
	// a.png: solid red; c.png: half-transparent blue on black = (0,0,128).
	if !bytes.Equal(recs[0], bytes.Repeat([]byte{255, 0, 0}, 16*16)) {
		t.Errorf("a.png record is not solid red")
	}
	if !bytes.Equal(recs[1], bytes.Repeat([]byte{0, 0, 128}, 16*16)) {
		t.Errorf("c.png record is not (0,0,128): % x", recs[1][:6])
	}
	if !strings.Contains(sum.Line(), "1 duplicates") {
		t.Errorf("summary %q", sum.Line())
	}

	// Strict: the first bad file is fatal and the old dataset survives.
	before := imagesettest.DirBytes(t, out)
	_, err = Prepare(context.Background(), Config{Input: in, Out: out, Options: opt, Strict: true})
	if err == nil || !strings.Contains(err.Error(), "empty.jpg") {
		t.Errorf("strict: %v, want an error naming empty.jpg", err)
	}
	if after := imagesettest.DirBytes(t, out); len(after) != len(before) {
		t.Errorf("failed run changed the dataset")
	}

	// Re-run with a smaller shard size and other data: stale shards vanish.
	imagesettest.WriteTree(t, out, map[string][]byte{"train-00099.shard": []byte("stale")})
	os.Remove(filepath.Join(in, "d.png"))
	sum, err = Prepare(context.Background(), Config{Input: in, Out: out, Options: opt, ShardSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := imagesettest.DirBytes(t, out)
	if _, ok := got["train-00099.shard"]; ok || len(got) != 3 { // 2 shards + manifest
		t.Errorf("after replace: files %v", keys(got))
	}
	if sum.Manifest.Counts.Kept != 2 {
		t.Errorf("after replace: kept %d, want 2", sum.Manifest.Counts.Kept)
	}
	// No leftovers beside the dataset.
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Errorf("leftovers beside the dataset: %v", ents)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPrepareErrors(t *testing.T) {
	opt := Options{Size: 16, Crop: CropCenter, Background: white, MaxPixels: DefaultMaxPixels}
	onlyBad := t.TempDir()
	imagesettest.WriteTree(t, onlyBad, map[string][]byte{"x.txt": []byte("text")})
	notDataset := t.TempDir()
	imagesettest.WriteTree(t, notDataset, map[string][]byte{"precious.doc": []byte("keep me")})
	good := t.TempDir()
	imagesettest.WriteTree(t, good, map[string][]byte{"a.png": encodePNG(t, solid(4, 4, white))})
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no images", Config{Input: onlyBad, Out: filepath.Join(t.TempDir(), "o")}, "no usable images"},
		{"empty folder", Config{Input: t.TempDir(), Out: filepath.Join(t.TempDir(), "o")}, "no files found"},
		{"missing input", Config{Input: filepath.Join(good, "nope"), Out: filepath.Join(t.TempDir(), "o")}, "no such file"},
		{"not a dataset", Config{Input: good, Out: notDataset}, "refusing to replace"},
		{"bad holdout", Config{Input: good, Out: filepath.Join(t.TempDir(), "o"), Holdout: 0.9}, "holdout"},
		{"all holdout", Config{Input: good, Out: filepath.Join(t.TempDir(), "o"), Holdout: 0.5, Seed: findHoldoutSeed(t, good, opt)}, "holdout"},
	} {
		tc.cfg.Options = opt
		_, err := Prepare(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(notDataset, "precious.doc")); err != nil || string(b) != "keep me" {
		t.Errorf("a non-dataset folder was touched")
	}
}

// findHoldoutSeed finds a seed that puts the single image of dir in holdout.
func findHoldoutSeed(t *testing.T, dir string, opt Options) uint64 {
	data, err := os.ReadFile(filepath.Join(dir, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, opt.RecordSize())
	var s Scratch
	if err := Decode(data, opt, rec, &s); err != nil {
		t.Fatal(err)
	}
	d := sha256Sum(rec)
	for seed := uint64(0); ; seed++ {
		if inHoldout(seed, &d, 0.5) {
			return seed
		}
	}
}
