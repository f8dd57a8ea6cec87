package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/shard"
	"github.com/toongan/toongan/pkg/toon"
)

// buildStages compiles prep, train and sample into a temporary folder.
func buildStages(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binaries")
	}
	dir := t.TempDir()
	cmd := exec.Command(gobin, "build", "-o", dir+string(filepath.Separator), "../prep", "../train", "../sample")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// runBin runs a built stage and returns its exit code and stderr.
func runBin(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return 0, stderr.String()
}

const e2eFaces, e2eSize = 70, 32

// labelledFaces writes e2eFaces built-in faces as PNGs with a labels CSV
// (hair and glasses from toon.Labels, a bald face's hair left empty) that
// has every kind of problem prep reports, and returns each face's pixels
// with the label bytes prep should give it (hair, glasses).
func labelledFaces(t *testing.T, dir string) (in, csvPath string, faces []*image.NRGBA, want [][]byte) {
	t.Helper()
	in = filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	hairs := toon.Attributes()[0].Values
	var csv strings.Builder
	csv.WriteString("file,hair,glasses,Bad,one,id\n")
	used := map[string]bool{}
	var rows [][2]string
	for i := range e2eFaces {
		face := toon.Face(uint64(i), e2eSize)
		name := fmt.Sprintf("f%02d.png", i)
		if err := imgutil.WritePNG(filepath.Join(in, name), face); err != nil {
			t.Fatal(err)
		}
		l := toon.Labels(uint64(i))
		hair, glasses := "", []string{"no", "yes"}[l[8]]
		if l[0] >= 0 {
			hair = hairs[l[0]]
			used[hair] = true
		}
		rows = append(rows, [2]string{hair, glasses})
		fmt.Fprintf(&csv, "%s,%s,%s,x,same,%d\n", name, hair, glasses, i)
		faces = append(faces, face)
	}
	// The vocabulary is the values used, sorted as strings.
	var vocab []string
	for _, v := range hairs {
		if used[v] {
			vocab = append(vocab, v)
		}
	}
	slices.Sort(vocab)
	for _, r := range rows {
		b := []byte{0, 1}
		if r[1] == "yes" {
			b[1] = 2
		}
		for k, v := range vocab {
			if v == r[0] {
				b[0] = byte(k + 1)
			}
		}
		want = append(want, b)
	}
	// f00's pixels again with other labels (after f00 in prep's order, so f00 is
	// kept); an image without a row.
	for name, seed := range map[string]uint64{"zdup.png": 0, "nolabel.png": 1000} {
		if err := imgutil.WritePNG(filepath.Join(in, name), toon.Face(seed, e2eSize)); err != nil {
			t.Fatal(err)
		}
	}
	faces = append(faces, toon.Face(1000, e2eSize))
	want = append(want, []byte{0, 0})
	other := "no"
	if rows[0][1] == "no" {
		other = "yes"
	}
	fmt.Fprintf(&csv, "zdup.png,%s,%s,x,same,dup\n", rows[0][0], other)
	csv.WriteString("ghost.png,,no,x,same,ghost\n")                                                                    // no such image
	fmt.Fprintf(&csv, "f01.png,%s,%s,x,same,1\n", rows[1][0], map[string]string{"no": "yes", "yes": "no"}[rows[1][1]]) // conflicting repeat
	csv.WriteString("f02.png,x\n")                                                                                     // ragged
	csvPath = filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return in, csvPath, faces, want
}

// TestLabelledFolderPipeline runs a tiny labelled folder with every kind
// of bad CSV row through prep --labels, train --cond all (3 steps), sample
// --attr and eval: the manifest counts each problem once, every image kept
// carries its own labels in either split after prep's dedup (the duplicate
// with other labels is reported and dropped), the checkpoint conditions on
// the columns that survived, sample refuses a value the checkpoint does not
// know by listing the ones it does, and eval scores the conditioning.
func TestLabelledFolderPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds prep, train and sample")
	}
	bin := buildStages(t)
	dir := t.TempDir()
	in, csvPath, faces, want := labelledFaces(t, dir)
	data := filepath.Join(dir, "data")
	code, stderr := runBin(t, filepath.Join(bin, "prep"), "--out", data, "--size", fmt.Sprint(e2eSize), "--holdout", "0.25", "--seed", "3", "--labels", csvPath, in)
	if code != 0 {
		t.Fatalf("prep: exit %d: %s", code, stderr)
	}
	for _, s := range []string{
		`column 4 "Bad" ignored`, `column "one" has 1 distinct`, `column "id" has 72 distinct values; dropped (at most 64)`,
		`line 74: "f01.png" again, with other labels than line 3`, "labels.csv line 75: 2 cells",
		`nolabel.png": no row in`, `labels.csv line 73: no image "ghost.png"`,
		`zdup.png" is a duplicate of an earlier image with other labels`,
	} {
		if !strings.Contains(stderr, s) {
			t.Errorf("prep's stderr lacks %q:\n%s", s, stderr)
		}
	}
	m, err := shard.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{imageset.IssueUnknownColumn: 1, imageset.IssueOneValue: 1, imageset.IssueManyValues: 1,
		imageset.IssueConflictingRow: 1, imageset.IssueBadRow: 1, imageset.IssueNoRow: 1, imageset.IssueNoImage: 1, imageset.IssueConflictingDup: 1}
	if !reflect.DeepEqual(m.Labels.IssuesByKind, kinds) || len(m.Labels.Issues) != len(kinds) {
		t.Errorf("issues %v, want %v", m.Labels.IssuesByKind, kinds)
	}
	c := m.Counts
	if c.Inputs != e2eFaces+2 || c.Kept != e2eFaces+1 || c.Duplicates != 1 || c.Train+c.Holdout != c.Kept || c.Holdout == 0 {
		t.Errorf("counts %+v", c)
	}
	var names []string
	for _, a := range m.Labels.Attributes {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "hair,glasses" {
		t.Fatalf("attributes %v, want hair and glasses", names)
	}
	checkSplitLabels(t, m, faces, want)

	runDir := filepath.Join(dir, "run")
	code, stderr = runBin(t, filepath.Join(bin, "train"), "--data", data, "--out", runDir, "--cond", "all", "--steps", "3",
		"--batch", "8", "--ngf", "8", "--ndf", "8", "--nz", "16", "--quiet")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	ck := filepath.Join(runDir, "ckpt", "latest.safetensors")
	_, meta, err := checkpoint.Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	attrs := meta.Config.CondAttrs()
	if len(attrs) != 2 || !slices.Equal(attrs[0].Values, m.Labels.Attributes[0].Values) || !slices.Equal(attrs[1].Values, m.Labels.Attributes[1].Values) {
		t.Errorf("checkpoint conditions on %+v, the dataset has %+v", attrs, m.Labels.Attributes)
	}
	hair := m.Labels.Attributes[0].Values
	code, stderr = runBin(t, filepath.Join(bin, "sample"), "--ckpt", ck, "--attr", "hair="+hair[0]+",glasses=yes", "--n", "4", "--out", filepath.Join(dir, "s.png"), "--quiet")
	if _, err := os.Stat(filepath.Join(dir, "s.png")); code != 0 || err != nil {
		t.Errorf("sample --attr: exit %d, %v: %s", code, err, stderr)
	}
	code, stderr = runBin(t, filepath.Join(bin, "sample"), "--ckpt", ck, "--attr", "hair=nope", "--out", filepath.Join(dir, "x.png"))
	if code == 0 || !strings.Contains(stderr, "its values: "+strings.Join(hair, ", ")) {
		t.Errorf("sample --attr hair=nope: exit %d: %s", code, stderr)
	}

	ev := filepath.Join(dir, "eval")
	code, _, stderr = run("--ckpt", ck, "--data", data, "--out", ev, "--n", "16", "--quiet")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(ev, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Conditioning []report.CondScore `json:"conditioning"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Conditioning) != 2 || rep.Conditioning[0].Attribute != "hair" || rep.Conditioning[1].Attribute != "glasses" ||
		rep.Conditioning[0].Reals == 0 || rep.Conditioning[0].Generated == 0 {
		t.Errorf("report's conditioning %+v", rep.Conditioning)
	}
	cbnPipeline(t, bin, dir, data, hair[0])
}

// cbnPipeline trains the same folder with conditional BatchNorm in G
// (train --cond-g cbn) and runs what reads a conditional generator on it:
// sample --attr-grid, sample --interp --attr-to, eval's conditioning.
func cbnPipeline(t *testing.T, bin, dir, data, hair string) {
	t.Helper()
	runDir := filepath.Join(dir, "run-cbn")
	code, stderr := runBin(t, filepath.Join(bin, "train"), "--data", data, "--out", runDir, "--cond", "all", "--cond-g", "cbn",
		"--steps", "3", "--batch", "8", "--ngf", "8", "--ndf", "8", "--nz", "16", "--quiet")
	if code != 0 {
		t.Fatalf("train --cond-g cbn: exit %d: %s", code, stderr)
	}
	ck := filepath.Join(runDir, "ckpt", "latest.safetensors")
	if _, meta, err := checkpoint.Load(ck); err != nil || meta.Config.Cond == nil || meta.Config.Cond.G != "cbn" {
		t.Fatalf("cbn checkpoint: %v", err)
	}
	for _, args := range [][]string{
		{"--attr-grid", "hair", "--n", "2", "--out", filepath.Join(dir, "grid.png")},
		{"--interp", "2", "--attr", "hair=" + hair, "--attr-to", "glasses=yes", "--out", filepath.Join(dir, "dye.gif")},
	} {
		code, stderr = runBin(t, filepath.Join(bin, "sample"), append([]string{"--ckpt", ck, "--quiet"}, args...)...)
		if _, err := os.Stat(args[len(args)-1]); code != 0 || err != nil {
			t.Errorf("sample %v: exit %d, %v: %s", args, code, err, stderr)
		}
	}
	ev := filepath.Join(dir, "eval-cbn")
	code, _, stderr = run("--ckpt", ck, "--data", data, "--out", ev, "--n", "16", "--quiet")
	if code != 0 {
		t.Fatalf("eval of the cbn checkpoint: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(ev, "report.json")); err != nil || !strings.Contains(string(b), `"conditioning"`) {
		t.Errorf("eval of the cbn checkpoint: no conditioning in report.json (%v)", err)
	}
}

// checkSplitLabels checks that every record of both splits is one of the
// faces (the nearest by pixels, exactly) and carries that face's labels.
func checkSplitLabels(t *testing.T, m *shard.Manifest, faces []*image.NRGBA, want [][]byte) {
	t.Helper()
	n := 0
	for _, split := range []shard.Split{m.Train, m.Holdout} {
		set, err := m.OpenSplit(split)
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, set.Header().RecordSize())
		for i := range set.Len() {
			set.Read(i, rec)
			best, bi := -1, -1
			for k, f := range faces {
				d := 0
				for p := range e2eSize * e2eSize {
					for ch := range 3 {
						v := int(rec[3*p+ch]) - int(f.Pix[4*p+ch])
						d += v * v
					}
				}
				if best < 0 || d < best {
					best, bi = d, k
				}
			}
			if best != 0 || !bytes.Equal(set.Labels(i), want[bi]) {
				t.Errorf("record %d: nearest face %d (distance %d), labels %v, want %v", i, bi, best, set.Labels(i), want[bi])
			}
			n++
		}
		set.Close()
	}
	if n != len(faces) {
		t.Errorf("%d records for %d faces", n, len(faces))
	}
}
