package evaluate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imageset"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/shard"
)

const side = 32

// blob draws a random disc on a random background: simple synthetic "faces".
func blob(r *rand.Rand) []byte {
	rec := make([]byte, side*side*3)
	bg := [3]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
	fg := [3]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
	cx, cy, rad := 8+r.IntN(16), 8+r.IntN(16), 4+r.IntN(8)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			c := bg
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < rad*rad {
				c = fg
			}
			copy(rec[(y*side+x)*3:], c[:])
		}
	}
	return rec
}

// writeShard writes a shard by the format documented in package shard
// (independently of shard.Writer): 32-byte header, records, CRC-32C.
func writeShard(t testing.TB, path string, recs [][]byte) {
	t.Helper()
	tab := crc32.MakeTable(crc32.Castagnoli)
	hdr := make([]byte, 32)
	copy(hdr, "TGSHARD\x00")
	binary.LittleEndian.PutUint16(hdr[8:], 1)
	hdr[10], hdr[11] = 1, 1
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(recs)))
	binary.LittleEndian.PutUint32(hdr[16:], side)
	binary.LittleEndian.PutUint32(hdr[20:], side)
	binary.LittleEndian.PutUint32(hdr[24:], 3)
	binary.LittleEndian.PutUint32(hdr[28:], crc32.Checksum(hdr[:28], tab))
	var body []byte
	for _, r := range recs {
		body = append(body, r...)
	}
	out := append(append(hdr, body...), binary.LittleEndian.AppendUint32(nil, crc32.Checksum(body, tab))...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeDataset writes a prep-style dataset folder: train and holdout shards
// and a manifest.
func makeDataset(t testing.TB, dir string, nTrain, nHold int) *shard.Manifest {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var digests []byte
	split := func(name string, n int) shard.Split {
		p := filepath.Join(dir, name+"-00000.shard")
		recs := make([][]byte, n)
		for i := range recs {
			recs[i] = blob(r)
		}
		writeShard(t, p, recs)
		for _, rec := range recs {
			d := shard.RecordDigest(rec)
			digests = append(digests, d[:]...)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return shard.Split{Count: n, Shards: []shard.ShardInfo{{File: filepath.Base(p), Count: n, Bytes: st.Size()}}}
	}
	m := &shard.Manifest{Format: shard.ManifestFormat, Version: shard.ManifestVersion, Source: "test", Size: side,
		Height: side, Width: side, Channels: 3, DType: "uint8", Layout: "HWC",
		Counts: shard.Counts{Inputs: nTrain + nHold, Kept: nTrain + nHold, Train: nTrain, Holdout: nHold}}
	m.Train = split("train", nTrain)
	if nHold > 0 {
		m.Holdout = split("holdout", nHold)
	}
	m.ContentHash = shard.ContentHash(digests)
	if err := shard.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// makeRun writes checkpoints at the given steps and a training log, as
// train lays them out in runs/NAME.
func makeRun(t testing.TB, dir string, hash string, steps ...int) []string {
	t.Helper()
	cfg := gan.DefaultConfig(side)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 8, 8, 16, 8
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range steps {
		p, err := checkpoint.Save(filepath.Join(dir, "ckpt"), s, 0, m, checkpoint.Meta{Config: cfg, ImageSize: side, Channels: 3, DatasetHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var log strings.Builder
	for s := 0; s <= steps[len(steps)-1]; s += 10 {
		fmt.Fprintf(&log, `{"step":%d,"epoch":%g,"loss_d":%g,"loss_g":%g,"d_real":%g,"d_fake":%g,"img_per_s":100}`+"\n",
			s, float64(s)/100, 1.4-float64(s)/1000, 0.7+float64(s)/1000, 0.5+float64(s)/2000, 0.5-float64(s)/2000)
	}
	log.WriteString(`{"step":`) // torn last line
	os.WriteFile(filepath.Join(dir, "log.jsonl"), []byte(log.String()), 0o644)
	return paths
}

func testOptions(out string) Options {
	o := Defaults()
	o.Out = out
	o.N, o.HoldoutCap, o.NNTrain, o.GridN = 64, 60, 150, 16
	o.ColourN = 100 // 36 more than N, over two chunks of 4 * Batch (16)
	o.Batch = 4
	return o
}

// noExternal matches src/href attributes that are not data: URIs or
// in-page anchors, and url(...) in CSS.
var noExternal = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(?:[^"'#d]|d[^a]|da[^t]|dat[^a]|data[^:])|url\(`)

func TestEvaluate(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	man := makeDataset(t, data, 200, 60)
	run := filepath.Join(dir, "runs", "x")
	ckpts := makeRun(t, run, man.ContentHash, 100, 200)
	o := testOptions(filepath.Join(run, "eval"))
	o.Data, o.Ckpts = data, ckpts
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(res.JSONPath)
	if err != nil {
		t.Fatal(err)
	}
	// report.json must parse and hold the documented fields.
	var j map[string]any
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	for _, k := range []string{"format", "version", "inputs", "params", "counts", "swd_real_vs_real", "sources", "memorisation", "diversity", "training_log", "warnings"} {
		if _, ok := j[k]; !ok {
			t.Errorf("report.json lacks %q", k)
		}
	}
	r := res.Report
	if len(r.Sources) != 2 || r.Main != 1 || r.Sources[0].Step != 100 || r.Sources[1].Step != 200 {
		t.Fatalf("sources %+v", r.Sources)
	}
	sum, _ := FileSHA256(ckpts[1])
	if r.Inputs.Checkpoints[1].SHA256 != sum || len(sum) != 64 {
		t.Errorf("checkpoint hash %q, want %q", r.Inputs.Checkpoints[1].SHA256, sum)
	}
	if r.Inputs.DatasetHash != man.ContentHash {
		t.Errorf("dataset hash %q", r.Inputs.DatasetHash)
	}
	if r.Counts.Real != 60 || r.Counts.Generated != 64 || r.Counts.Train != 150 || r.Counts.TrainPool != 200 || r.Counts.RealHalf != 30 {
		t.Errorf("counts %+v", r.Counts)
	}
	s := r.Sources[1]
	if s.D == nil || s.D.Logits.Real.N != 60 || s.D.Logits.Fake.N != 64 {
		t.Fatalf("D scores %+v", s.D)
	}
	// The stand-in generator makes uniform noise: far from blobs in SWD, and
	// much more varied than the blobs' flat colours.
	if !(s.SWD.Avg > 2*r.Baseline.Avg) {
		t.Errorf("noise SWD %.2f not well above the real-vs-real baseline %.2f", s.SWD.Avg, r.Baseline.Avg)
	}
	if len(s.SWD.PerLevel) != 2 || r.Log == nil || r.Log.Entries != 21 || r.Log.Skipped != 1 {
		t.Errorf("levels %v, log %+v", s.SWD.PerLevel, r.Log)
	}
	if r.Memorisation == nil || len(r.Memorisation.Gen.Dist) != 64 || len(r.Memorisation.Flagged) != 0 {
		t.Errorf("memorisation %+v", r.Memorisation)
	}
	checkColour(t, s.Colour, ckpts[1], data, o)

	html, err := os.ReadFile(res.HTMLPath)
	if err != nil {
		t.Fatal(err)
	}
	checkHTML(t, string(html), 6)                           // grid, NN pairs, D hist, SWD levels, SWD vs step, loss, D curves
	if keep := os.Getenv("TOONGAN_TEST_KEEP"); keep != "" { // for eval/check_report.sh
		os.WriteFile(filepath.Join(keep, "report.html"), html, 0o644)
		os.WriteFile(filepath.Join(keep, "report.json"), raw, 0o644)
	}
	t.Logf("eval of 2 checkpoints took %v", time.Since(start))
	if time.Since(start) > 30*time.Second {
		t.Errorf("eval took %v, want < 30 s", time.Since(start))
	}

	// Same inputs, same seed: byte-identical report.json.
	o.Out = filepath.Join(dir, "again")
	res2, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := os.ReadFile(res2.JSONPath)
	if string(raw) != string(raw2) {
		t.Error("report.json differs between two runs with the same seed")
	}
}

// checkColour checks a checkpoint's colour report against direct
// computations: the mean of o.ColourN images generated from the first
// latents of o.Seed's stream, of the held-out reals and of every training
// image, and the gaps between them.
func checkColour(t *testing.T, c *metrics.ColourReport, ckpt, data string, o Options) {
	t.Helper()
	if c == nil {
		t.Fatal("no colour report")
	}
	m, _, err := checkpoint.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	x, err := sampling.Generate(m, sampling.Latents(o.Seed, o.ColourN, cfg.NZ, 0), o.ColourN, cfg.NZ, 64, false)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := metrics.FromNCHW(x, o.ColourN, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		t.Fatal(err)
	}
	man, err := shard.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	split := func(sp shard.Split) []metrics.Image {
		s, err := man.OpenSplit(sp)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		imgs, err := images(s, spread(s.Len(), 0), 0)
		if err != nil {
			t.Fatal(err)
		}
		return imgs
	}
	held, train := split(man.Holdout), split(man.Train)
	want, err := metrics.Colour(held, fake)
	if err != nil {
		t.Fatal(err)
	}
	wantTrain, err := metrics.Colour(train, train)
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want []float64) {
		for i := range want {
			if len(got) != len(want) || math.Abs(got[i]-want[i]) > 1e-9 {
				t.Fatalf("%s %v, want %v", what, got, want)
			}
		}
	}
	near("generated mean", c.FakeMean, want.FakeMean)
	near("held-out mean", c.RealMean, want.RealMean)
	near("training mean", c.TrainMean, wantTrain.RealMean)
	if c.FakeN != o.ColourN || c.TrainN != len(train) || len(c.FakeSE) != 3 || len(c.RealSE) != 3 {
		t.Errorf("colour counts: %d generated, %d training, SEs %v %v", c.FakeN, c.TrainN, c.FakeSE, c.RealSE)
	}
	var floor, trainGap float64
	for i := range 3 {
		floor = math.Max(floor, math.Abs(c.TrainMean[i]-c.RealMean[i]))
		trainGap = math.Max(trainGap, math.Abs(c.TrainMean[i]-c.FakeMean[i]))
	}
	if c.Floor == nil || c.TrainGap == nil || math.Abs(*c.Floor-floor) > 1e-9 || math.Abs(*c.TrainGap-trainGap) > 1e-9 || math.Abs(c.Gap-want.Gap) > 1e-9 {
		t.Errorf("gaps %v / %v / %v, want %v / %v / %v", c.Gap, c.TrainGap, c.Floor, want.Gap, trainGap, floor)
	}
}

func checkHTML(t *testing.T, html string, minImages int) {
	t.Helper()
	if m := noExternal.FindString(html); m != "" {
		t.Errorf("report.html holds an external reference: %q", m)
	}
	if n := strings.Count(html, `src="data:image/png;base64,`); n < minImages {
		t.Errorf("report.html embeds %d images, want >= %d", n, minImages)
	}
	if strings.Contains(html, "ZgotmplZ") {
		t.Error("html/template rejected a value (ZgotmplZ)")
	}
}

func TestNoExternalRegexp(t *testing.T) {
	for _, tc := range []struct {
		s   string
		bad bool
	}{
		{`<img src="data:image/png;base64,AAA">`, false},
		{`<a href="#x">`, false},
		{`<img src="http://x/y.png">`, true},
		{`<img src="grid.png">`, true},
		{`<link href="style.css">`, true},
		{`background: url(x.png)`, true},
		{`<img src="data.png">`, true},
	} {
		if got := noExternal.MatchString(tc.s); got != tc.bad {
			t.Errorf("%q: matched %v", tc.s, got)
		}
	}
}

func TestEvaluateFakeDir(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	makeDataset(t, data, 100, 40)
	// "Another generator" that copies held-out-like blobs: SWD near baseline.
	fakes := filepath.Join(dir, "fakes")
	os.MkdirAll(fakes, 0o755)
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 40; i++ {
		im, _ := imgutil.RecordImage(blob(r), side, side, 3)
		if err := imgutil.WritePNG(filepath.Join(fakes, fmt.Sprintf("f%03d.png", i)), im); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(fakes, "broken.png"), []byte("nope"), 0o644)
	o := testOptions(filepath.Join(dir, "eval"))
	o.Data, o.FakeDir, o.N = data, fakes, 40
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if len(rep.Sources) != 1 || rep.Sources[0].Kind != "fake-dir" || rep.Sources[0].D != nil || rep.Counts.Skipped != 1 {
		t.Fatalf("report %+v", rep.Sources)
	}
	if c := rep.Sources[0].Colour; c == nil || c.FakeN != 40 || rep.Params.ColourN != 0 || c.TrainN != 100 {
		t.Errorf("a folder's colour report %+v (params' colour_n %d), want 40 generated and 100 training images", c, rep.Params.ColourN)
	}
	if s := rep.Sources[0].SWD.Avg; s > 3*rep.Baseline.Avg+1 {
		t.Errorf("same-distribution SWD %.2f far above baseline %.2f", s, rep.Baseline.Avg)
	}
	html, _ := os.ReadFile(res.HTMLPath)
	checkHTML(t, string(html), 3)

	// Memorised copies: a fake folder of training images must be flagged.
	copies := filepath.Join(dir, "copies")
	os.MkdirAll(copies, 0o755)
	man, err := shard.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := man.OpenSplit(man.Train)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for i := 0; i < 20; i++ {
		im, _ := picture(tr, i*5)
		imgutil.WritePNG(filepath.Join(copies, fmt.Sprintf("c%03d.png", i)), im)
	}
	o.FakeDir, o.N, o.Out = copies, 20, filepath.Join(dir, "eval2")
	res, err = Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Report.Memorisation; m == nil || len(m.Flagged) != 20 {
		t.Errorf("copies of training images not all flagged: %+v", m)
	}
	if !strings.Contains(strings.Join(res.Report.Warnings, "\n"), "memorisation") {
		t.Errorf("no memorisation warning: %v", res.Report.Warnings)
	}
}

func TestEvaluateErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	man := makeDataset(t, data, 20, 0)
	ck := makeRun(t, filepath.Join(dir, "run"), man.ContentHash, 10)
	for _, tc := range []struct {
		name string
		mod  func(o *Options)
		want string
	}{
		{"no source", func(o *Options) { o.Ckpts = nil }, "--ckpt"},
		{"both", func(o *Options) { o.FakeDir = dir }, "not both"},
		{"no reals", func(o *Options) { o.Data = "" }, "--data"},
		{"no holdout", func(o *Options) {}, "no holdout"},
		{"missing ckpt", func(o *Options) { o.Ckpts = []string{filepath.Join(dir, "none.safetensors")} }, "none.safetensors"},
		{"missing data", func(o *Options) { o.Data = filepath.Join(dir, "nodata") }, "nodata"},
	} {
		o := testOptions(filepath.Join(dir, "eval"))
		o.Data, o.Ckpts = data, ck
		tc.mod(&o)
		_, err := Run(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	_ = image.Point{}
	_ = color.White
}

// TestMakeDatasetHash: the test dataset's content_hash is the one the
// manifest defines, so hash checks in eval see what prep would write.
func TestMakeDatasetHash(t *testing.T) {
	dir := t.TempDir()
	m := makeDataset(t, dir, 5, 3)
	loaded, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := loaded.ReadContentHash()
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHash != want {
		t.Errorf("content hash %s, the records' is %s", m.ContentHash, want)
	}
}

// TestFolderImagesAsPrep: images eval reads from a folder (--real-dir,
// --fake-dir) are preprocessed exactly as prep preprocesses them into
// shards: centre crop, alpha over white, prep's resampler.
func TestFolderImagesAsPrep(t *testing.T) {
	dir := t.TempDir()
	src := image.NewNRGBA(image.Rect(0, 0, 45, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 45; x++ {
			src.SetNRGBA(x, y, color.NRGBA{uint8(5 * x), uint8(8 * y), uint8(3 * (x + y)), uint8(255 - 6*y)})
		}
	}
	if err := imgutil.WritePNG(filepath.Join(dir, "a.png"), src); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	const size = 16
	rec := make([]byte, 3*size*size)
	opt := imageset.Options{Size: size, Crop: imageset.CropCenter, Background: color.NRGBA{255, 255, 255, 255}, MaxPixels: 1e6}
	if err := imageset.Decode(data, opt, rec, &imageset.Scratch{}); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(rec))
	if err := imgutil.RecordTensor(rec, size, size, 3, want); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "b.png"), []byte("not a png"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	got, skipped, err := loadDir(dir, size, 0, 3)
	if err != nil || skipped != 1 || len(got) != 1 {
		t.Fatalf("loadDir: %d images, %d skipped, %v", len(got), skipped, err)
	}
	if _, _, err := loadDir(filepath.Join(dir, "missing"), size, 0, 3); err == nil {
		t.Error("missing folder accepted")
	}
	for i := range want {
		if got[0].Pix[i] != want[i] {
			t.Fatalf("value %d: eval read %v, prep writes %v", i, got[0].Pix[i], want[i])
		}
	}
}
