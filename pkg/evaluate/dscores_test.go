package evaluate

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/shard"
)

// TestCondDScores: for a projection-conditioned checkpoint, eval's D
// scores (report sources[].d) are the logits of the model's D on the
// held-out reals with their labels from the label shards and on the
// generated faces with the labels they were drawn with, computed here on
// another path (the shards read directly, the labels mapped by name,
// gan.Model.DiscriminateLabels, which pkg/gan checks against a float64
// reference D): summaries within 1e-5; and they differ from the
// unconditional head's.
func TestCondDScores(t *testing.T) {
	dir := t.TempDir()
	data, man := labelledFaces(t, dir, 120, 0.3)
	attrs := slices.Clone(man.Labels.Attributes[:4])
	slices.Reverse(attrs) // another order than the dataset's
	cfg := tinyCond(attrs)
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// A D of logits far from 0 (DCGAN's N(0, 0.02) weights give ~1e-7),
	// its projection term not small beside its head.
	ts := m.State()
	for i := range ts {
		f := float32(1)
		switch {
		case ts[i].Name == "D.cond.embed":
			f = 20
		case strings.HasPrefix(ts[i].Name, "D.") && len(ts[i].Shape) == 4: // convolutions
			f = 6
		}
		for j := range ts[i].Data {
			ts[i].Data[j] *= f
		}
	}
	if err := m.SetState(ts); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 1, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, DatasetHash: man.ContentHash})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(filepath.Join(dir, "eval"))
	o.Data, o.Ckpts, o.N = data, []string{ck}, 40
	e := &evaluation{ctx: context.Background(), o: o, r: &report.Report{}}
	defer e.close()
	for _, phase := range []func() error{e.readCheckpoints, e.openData, e.imageSize, e.loadReals, e.scoreSources} {
		if err := phase(); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.r.Warnings) != 0 {
		t.Errorf("warnings: %q", e.r.Warnings)
	}
	checkRealDirWarning(t, o, filepath.Join(dir, "reals"))
	got := e.r.Sources[0].D.Logits
	real, realLabels := heldReals(t, man, cfg)
	if nr := len(real) / (3 * 32 * 32); nr > o.HoldoutCap || got.Real.N != nr {
		t.Fatalf("%d reals scored, the holdout split has %d (cap %d)", got.Real.N, nr, o.HoldoutCap)
	}
	z := sampling.Latents(o.Seed, o.N, cfg.NZ, 0)
	fakeLabels, err := m.ResolveLabels(z, nil, o.N)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := m.GenerateLabels(z, fakeLabels, o.N, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what   string
		x      []float32
		labels []byte
		got    metrics.Summary
	}{{"reals", real, realLabels, got.Real}, {"generated faces", fake, fakeLabels, got.Fake}} {
		n := len(tc.x) / (3 * 32 * 32)
		logits, err := m.DiscriminateLabels(tc.x, tc.labels, n)
		if err != nil {
			t.Fatal(err)
		}
		want := metrics.Summarize(logits)
		for _, p := range [][2]float64{{tc.got.Mean, want.Mean}, {tc.got.Std, want.Std}, {tc.got.Min, want.Min}, {tc.got.Max, want.Max}} {
			if math.Abs(p[0]-p[1]) > 1e-5 {
				t.Errorf("%s: eval's D logits %+v, the model's with the labels %+v", tc.what, tc.got, want)
				break
			}
		}
		head, err := m.Discriminate(tc.x, n)
		if err != nil {
			t.Fatal(err)
		}
		h := metrics.Summarize(head)
		if big := max(h.Std, tc.got.Std) / 2; math.Abs(h.Mean-tc.got.Mean) < big && math.Abs(h.Std-tc.got.Std) < big {
			t.Errorf("%s: eval's D logits %+v are the unconditional head's %+v", tc.what, tc.got, h)
		}
	}
}

// heldReals reads every held-out real (NCHW in [-1, 1]) and its labels for
// cfg's attributes, looked up by name in the manifest.
func heldReals(t *testing.T, man *shard.Manifest, cfg gan.Config) ([]float32, []byte) {
	t.Helper()
	set, err := man.OpenSplit(man.Holdout)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	h := set.Header()
	buf := make([]byte, h.RecordSize())
	x := make([]float32, set.Len()*h.RecordSize())
	var labels []byte
	for i := range set.Len() {
		if err := set.Read(i, buf); err != nil {
			t.Fatal(err)
		}
		if err := imgutil.RecordTensor(buf, h.Height, h.Width, h.Channels, x[i*len(buf):(i+1)*len(buf)]); err != nil {
			t.Fatal(err)
		}
		for _, ca := range cfg.CondAttrs() {
			k := slices.IndexFunc(man.Labels.Attributes, func(a shard.Attribute) bool { return a.Name == ca.Name })
			labels = append(labels, set.Labels(i)[k])
		}
	}
	return x, labels
}

// checkRealDirWarning: reals from --real-dir have no labels; eval of two
// conditional checkpoints warns once that D sees them all unknown.
func checkRealDirWarning(t *testing.T, o Options, reals string) {
	t.Helper()
	if err := os.MkdirAll(reals, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
		for p := range img.Pix {
			img.Pix[p] = uint8(40*i + p%7)
		}
		b, err := imgutil.EncodePNG(img)
		if err == nil {
			err = os.WriteFile(filepath.Join(reals, fmt.Sprintf("r%d.png", i)), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	o.RealDir, o.Ckpts, o.N = reals, []string{o.Ckpts[0], o.Ckpts[0]}, 8
	e := &evaluation{ctx: context.Background(), o: o, r: &report.Report{}}
	defer e.close()
	for _, phase := range []func() error{e.readCheckpoints, e.openData, e.imageSize, e.loadReals, e.scoreSources} {
		if err := phase(); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, w := range e.r.Warnings {
		if strings.Contains(w, "every label unknown") && strings.Contains(w, reals) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("--real-dir: %d warnings about unlabelled reals, want 1: %q", n, e.r.Warnings)
	}
}
