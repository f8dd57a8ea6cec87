package main

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/imageset/imagesettest"
	"github.com/toongan/toongan/pkg/shard"
)

// labelledFolder is a tiny folder of solid-colour images and a labels CSV
// with one of each kind of problem.
func labelledFolder(t *testing.T) (in, csvPath string, want map[string][]byte) {
	t.Helper()
	pngOf := func(c color.NRGBA) []byte {
		return enc(t, func(b *bytes.Buffer) error { return png.Encode(b, solid(8, 8, c)) })
	}
	red, blue, green := color.NRGBA{250, 0, 0, 255}, color.NRGBA{0, 0, 250, 255}, color.NRGBA{0, 250, 0, 255}
	grey, white := color.NRGBA{120, 120, 120, 255}, color.NRGBA{255, 255, 255, 255}
	tmp := t.TempDir()
	in = filepath.Join(tmp, "in")
	imagesettest.WriteTree(t, in, map[string][]byte{
		"a.png": pngOf(red), "b.png": pngOf(blue), "c.png": pngOf(green),
		"dup.png":     pngOf(red), // a.png's pixels, other labels
		"nolabel.png": pngOf(grey),
		"sub/d.png":   pngOf(white),
	})
	csvPath = filepath.Join(tmp, "labels.csv")
	csv := "file,hair,glasses,Bad,one\n" +
		"a.png,red,yes,x,same\n" + // line 2
		"b.png,blue,no,x,same\n" +
		"c.png,,yes,x,same\n" +
		"dup.png,blue,no,x,same\n" + // line 5: conflicts with a.png's labels
		"./sub/d.png,red,no,x,same\n" +
		"ghost.png,red,no,x,same\n" + // line 7: no such image
		"c.png,blue,yes,x,same\n" + // line 8: conflicting repeat
		"b.png,blue\n" // line 9: ragged
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	// Labels by the first pixel: hair (blue 1, red 2), glasses (no 1, yes 2).
	return in, csvPath, map[string][]byte{"\xfa\x00\x00": {2, 2}, "\x00\x00\xfa": {1, 1}, "\x00\xfa\x00": {0, 2},
		"\x78\x78\x78": {0, 0}, "\xff\xff\xff": {2, 1}}
}

func TestLabelsCSV(t *testing.T) {
	in, csvPath, want := labelledFolder(t)
	out := filepath.Join(t.TempDir(), "ds")
	code, stderr := runPrep(t, "--out", out, "--size", "8", "--holdout", "0.4", "--seed", "3", "--labels", csvPath, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{
		"labels.csv line 1: column 4 \"Bad\" ignored", "column \"one\" has 1 distinct",
		"labels.csv line 8: \"c.png\" again, with other labels than line 4",
		"labels.csv line 9: 2 cells", "nolabel.png\": no row in " + csvPath,
		"labels.csv line 7: no image \"ghost.png\"", "dup.png\" is a duplicate of an earlier image with other labels (hair=blue,glasses=no, kept: hair=red,glasses=yes)",
		"labels from " + csvPath, "hair: blue ", "glasses: no ",
	} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	m, err := shard.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{imageset.IssueUnknownColumn: 1, imageset.IssueOneValue: 1, imageset.IssueConflictingRow: 1, imageset.IssueBadRow: 1,
		imageset.IssueNoRow: 1, imageset.IssueNoImage: 1, imageset.IssueConflictingDup: 1}
	if !reflect.DeepEqual(m.Labels.IssuesByKind, kinds) || len(m.Labels.Issues) != 7 {
		t.Errorf("issues %v, want %v", m.Labels.IssuesByKind, kinds)
	}
	if m.Counts.Kept != 5 || m.Counts.Duplicates != 1 || m.Counts.Holdout == 0 || m.Counts.Train == 0 {
		t.Errorf("counts %+v (the test wants both splits used)", m.Counts)
	}
	n := 0
	for _, split := range []shard.Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, set.Header().RecordSize())
		for i := range set.Len() {
			set.Read(i, rec)
			if w, ok := want[string(rec[:3])]; !ok || !bytes.Equal(set.Labels(i), w) {
				t.Errorf("image % x: labels %v, want %v", rec[:3], set.Labels(i), w)
			}
			n++
		}
		set.Close()
	}
	if n != 5 {
		t.Errorf("%d records", n)
	}
	if got, err := m.ReadContentHash(); err != nil || got != m.ContentHash {
		t.Errorf("content hash %s (%v), manifest %s", got, err, m.ContentHash)
	}

	// --strict: the first problem is fatal, naming the file and line.
	code, stderr = runPrep(t, "--out", filepath.Join(t.TempDir(), "s"), "--strict", "--labels", csvPath, in)
	if code != 1 || !strings.Contains(stderr, "labels.csv line 1: column 4 \"Bad\" ignored") || !strings.Contains(stderr, "--strict") {
		t.Errorf("--strict: exit %d, %s", code, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--builtin", "3", "--labels", csvPath}, 2, "--labels is for INPUT"},
		{[]string{"--no-labels", in}, 2, "--no-labels goes with --builtin"},
		{[]string{"--labels", filepath.Join(in, "a.png"), in}, 1, "not UTF-8"},
		{[]string{"--labels", filepath.Join(in, "nope.csv"), in}, 1, "nope.csv"},
	} {
		code, stderr := runPrep(t, append([]string{"--out", filepath.Join(t.TempDir(), "x")}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %s; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
