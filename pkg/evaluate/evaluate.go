package evaluate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/shard"
	"github.com/toongan/toongan/pkg/version"
)

// Options are eval's settings. Exactly one of Ckpts and FakeDir is set, and
// at least one of Data and RealDir.
type Options struct {
	Ckpts   []string // checkpoints, scored in order; the last is the main one
	FakeDir string   // images from any generator instead of checkpoints
	Data    string   // dataset folder (manifest.json): holdout reals, train images
	RealDir string   // image folder of reals instead of the holdout shards
	Out     string   // output folder for report.json and report.html
	Log     string   // training log; default: log.jsonl beside the checkpoint folder

	N          int     // generated images per source (1000)
	ColourN    int     // generated images behind a checkpoint's mean colour (4096; at least N are used)
	HoldoutCap int     // most held-out reals used (2000)
	NNTrain    int     // training images in the memorisation check (5000; 0 = skip)
	Seed       uint64  // latent seed
	Raw        bool    // raw generator instead of EMA
	Batch      int     // generator / discriminator batch (64)
	HistBins   int     // D histogram bins (20)
	Collapse   float64 // diversity ratio warning threshold (metrics.DefaultCollapseRatio)
	GridN      int     // images in the sample grid (64)
	Pairs      int     // nearest-neighbour pairs shown (16)
	SWD        metrics.SWDConfig
	Memo       metrics.MemoConfig

	// Logf reports progress; nil is silent.
	Logf func(format string, a ...any)
}

// Defaults returns the default options (paths empty).
func Defaults() Options {
	return Options{N: 1000, ColourN: 4096, HoldoutCap: 2000, NNTrain: 5000, Seed: 1, Batch: 64, HistBins: 20,
		Collapse: metrics.DefaultCollapseRatio, GridN: 64, Pairs: 16, SWD: metrics.DefaultSWD(), Memo: metrics.DefaultMemo()}
}

func (o *Options) logf(format string, a ...any) {
	if o.Logf != nil {
		o.Logf(format, a...)
	}
}

func (o *Options) check() error {
	switch {
	case len(o.Ckpts) == 0 && o.FakeDir == "":
		return errors.New("give --ckpt CHECKPOINT (repeatable) or --fake-dir FOLDER")
	case len(o.Ckpts) > 0 && o.FakeDir != "":
		return errors.New("give either --ckpt or --fake-dir, not both")
	case o.Data == "" && o.RealDir == "":
		return errors.New("give --data DATASET (held-out shards) or --real-dir FOLDER")
	case o.Out == "":
		return errors.New("give --out FOLDER")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return o.prepareOut()
}

// FileSHA256 returns the hex SHA-256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Result is what Run produced.
type Result struct {
	Report   *report.Report
	JSONPath string
	HTMLPath string
}

// Run evaluates as o says and writes Out/report.json and Out/report.html.
// The phases, in order: the image geometry from the checkpoints and the
// dataset, the held-out reals and their SWD baseline, every source's
// generated images and scores, the sample grid and the diversity check,
// the memorisation check, the plots, the files.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	e := &evaluation{ctx: ctx, o: o, r: &report.Report{Format: report.Format, Version: report.Version, Tool: version.Version, Warnings: []string{}}}
	e.r.Params = report.Params{N: o.N, HoldoutCap: o.HoldoutCap, NNTrain: o.NNTrain, Seed: o.Seed, Raw: o.Raw,
		SWD: o.SWD, Memo: o.Memo, HistBins: o.HistBins, Collapse: o.Collapse}
	if o.FakeDir == "" {
		e.r.Params.ColourN = max(o.N, o.ColourN)
	}
	e.page = &report.Page{Report: e.r}
	defer e.close()
	for _, phase := range []func() error{e.readCheckpoints, e.openData, e.imageSize, e.loadReals, e.loadTrainColour, e.scoreSources,
		e.conditioning, e.samples, e.memorisation, func() error { return plots(o, e.r, e.page) }} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := phase(); err != nil {
			return nil, err
		}
	}
	return e.write()
}

// evaluation is the state of one Run.
type evaluation struct {
	ctx  context.Context
	o    Options
	r    *report.Report
	page *report.Page

	metas          []checkpoint.Meta // of o.Ckpts
	size, channels int               // image geometry
	train, held    *shard.Set        // the dataset's splits, when used
	real           []metrics.Image   // held-out reals
	realDesc       *metrics.Descriptors
	realColour     metrics.ColourStats // of the held-out reals
	trainColour    metrics.ColourStats // of the training images (none without a train split)
	fake           []metrics.Image     // the main source's generated images
	collapsed      bool                // the diversity check suspects mode collapse
	condGrids      []condGrid          // a conditional checkpoint's attribute grids
}

func (e *evaluation) warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	e.r.Warnings = append(e.r.Warnings, msg)
	e.o.logf("warning: %s", msg)
}

func (e *evaluation) close() {
	for _, s := range []*shard.Set{e.train, e.held} {
		if s != nil {
			s.Close()
		}
	}
}

// readCheckpoints reads the checkpoints' metadata; they must all make
// images of one geometry, which becomes the evaluation's.
func (e *evaluation) readCheckpoints() error {
	for _, p := range e.o.Ckpts {
		m, err := checkpoint.ReadMeta(p)
		if err != nil {
			return err
		}
		if e.size == 0 {
			e.size, e.channels = m.Config.Size, m.Config.Channels
		} else if m.Config.Size != e.size || m.Config.Channels != e.channels {
			return fmt.Errorf("checkpoint %q makes %d px %d-channel images, %q makes %d px %d-channel ones",
				p, m.Config.Size, m.Config.Channels, e.o.Ckpts[0], e.size, e.channels)
		}
		e.metas = append(e.metas, m)
	}
	return nil
}

// openData opens the dataset's train split (for the memorisation check
// and the training colours) and holdout split (the reals, unless RealDir
// gives them).
func (e *evaluation) openData() error {
	o := e.o
	if o.Data == "" {
		return nil
	}
	man, err := shard.Load(o.Data)
	if err != nil {
		return err
	}
	e.r.Inputs.Data, e.r.Inputs.DatasetHash = o.Data, man.ContentHash
	if e.size == 0 {
		e.size, e.channels = man.Height, man.Channels
	}
	if man.Height != e.size || man.Width != e.size || man.Channels != e.channels {
		return fmt.Errorf("dataset %q holds %dx%d %d-channel images, the checkpoint makes %d px %d-channel ones",
			o.Data, man.Width, man.Height, man.Channels, e.size, e.channels)
	}
	for i, m := range e.metas {
		if m.DatasetHash != "" && man.ContentHash != "" && m.DatasetHash != man.ContentHash {
			e.warn("checkpoint %q was trained on dataset %s, not on %q (%s)", o.Ckpts[i], m.DatasetHash, o.Data, man.ContentHash)
		}
	}
	if man.Channels != 1 && man.Channels != 3 {
		return fmt.Errorf("dataset %q: %d channels, eval reads 1 or 3", o.Data, man.Channels)
	}
	if len(man.Train.Shards) > 0 {
		if e.train, err = man.OpenSplit(man.Train); err != nil {
			return err
		}
	}
	if o.RealDir == "" {
		if len(man.Holdout.Shards) == 0 {
			return fmt.Errorf("dataset %q has no holdout shards: prepare it with --holdout > 0 or give --real-dir", o.Data)
		}
		if e.held, err = man.OpenSplit(man.Holdout); err != nil {
			return err
		}
	}
	return nil
}

// imageSize settles the geometry when neither checkpoints nor a dataset
// gave it (--fake-dir with --real-dir: the first real image's shorter
// side), and checks that the evaluation fits in memory.
func (e *evaluation) imageSize() error {
	o := e.o
	if e.size == 0 {
		files, err := imgutil.ListDir(o.RealDir)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("real image folder %q holds no images", o.RealDir)
		}
		ic, err := imgutil.ImageConfig(files[0])
		if err != nil {
			return err
		}
		e.size, e.channels = min(ic.Width, ic.Height), 3
	}
	e.r.Params.Size, e.r.Params.Channels = e.size, e.channels
	return o.checkMemory(e.size, e.channels, e.held, e.train)
}

// loadReals reads the held-out reals (RealDir or the holdout split) and
// computes their SWD baseline and descriptors.
func (e *evaluation) loadReals() error {
	o, r := e.o, e.r
	var err error
	if o.RealDir != "" {
		r.Inputs.RealDir = o.RealDir
		var skipped int
		e.real, skipped, err = loadDir(o.RealDir, e.size, o.HoldoutCap, e.channels)
		r.Counts.Skipped += skipped
	} else {
		e.real, err = images(e.held, spread(e.held.Len(), o.HoldoutCap), 0)
	}
	if err != nil {
		return err
	}
	if len(e.real) < 4 {
		return fmt.Errorf("only %d held-out real images: need at least 4", len(e.real))
	}
	r.Counts.Real, r.Counts.RealHalf = len(e.real), len(e.real)/2
	if err := e.realColour.AddAll(e.real); err != nil {
		return fmt.Errorf("colour of real images: %w", err)
	}
	o.logf("%d held-out real images of %d px", len(e.real), e.size)
	o.logf("SWD real-vs-real baseline")
	if r.Baseline, err = o.SWD.BaselineContext(e.ctx, e.real); err != nil {
		return fmt.Errorf("real-vs-real baseline: %w", err)
	}
	if e.realDesc, err = o.SWD.DescribeContext(e.ctx, e.real); err != nil {
		return fmt.Errorf("describe real images: %w", err)
	}
	return nil
}

// TrainColourCap is the most training images (spread over the split)
// behind the training set's mean colour.
const TrainColourCap = 20000

// loadTrainColour measures the training images' mean colour, which the
// colour reports compare with (metrics.ColourReport.SetTrain).
func (e *evaluation) loadTrainColour() error {
	if e.train == nil {
		return nil
	}
	k := 0
	return eachImage(e.train, spread(e.train.Len(), TrainColourCap), func(i int, m metrics.Image) error {
		if k++; k%1024 == 0 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		if err := e.trainColour.Add(m); err != nil {
			return fmt.Errorf("colour of training image %d: %w", i, err)
		}
		return nil
	})
}

// colour compares the generated images' colours (fake) with the reals'
// and, when known, the training images'.
func (e *evaluation) colour(fake *metrics.ColourStats) (*metrics.ColourReport, error) {
	c, err := metrics.CompareColour(&e.realColour, fake)
	if err != nil {
		return nil, err
	}
	if e.trainColour.N() > 0 {
		if err := c.SetTrain(&e.trainColour); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// scoreSources scores the image folder or each checkpoint in turn; the
// last one is the main source.
func (e *evaluation) scoreSources() error {
	o, r := e.o, e.r
	if o.FakeDir != "" {
		if err := e.scoreFakeDir(); err != nil {
			return err
		}
	}
	for i, p := range o.Ckpts {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		o.logf("checkpoint %q (step %d): generating %d images", p, e.metas[i].Step, o.N)
		realLabels := e.realLabels(e.metas[i].Config)
		src, ck, fake, err := e.scoreCheckpoint(p, realLabels)
		if err != nil {
			return err
		}
		r.Inputs.Checkpoints = append(r.Inputs.Checkpoints, ck)
		r.Sources = append(r.Sources, src)
		e.fake = fake
	}
	r.Main = len(r.Sources) - 1
	r.Counts.Generated = len(e.fake)
	main := r.Sources[r.Main]
	o.logf("SWD avg %.2f (real vs real %.2f)", main.SWD.Avg, r.Baseline.Avg)
	if c := main.Colour; c != nil {
		o.logf("colour gap %.1f grey levels (%d generated images)", c.Gap, c.FakeN)
		if c.Floor != nil {
			o.logf("colour gap to the training images %.1f; the held-out reals' own gap to them %.1f", *c.TrainGap, *c.Floor)
		}
	}
	return nil
}

// scoreFakeDir scores the images of FakeDir.
func (e *evaluation) scoreFakeDir() error {
	o, r := e.o, e.r
	r.Inputs.FakeDir = o.FakeDir
	fake, skipped, err := loadDir(o.FakeDir, e.size, o.N, e.channels)
	r.Counts.Skipped += skipped
	if err != nil {
		return err
	}
	if len(fake) < 2 {
		return fmt.Errorf("image folder %q: only %d readable images, need at least 2", o.FakeDir, len(fake))
	}
	if len(fake) < o.N {
		e.warn("%q holds %d readable images, fewer than --n %d", o.FakeDir, len(fake), o.N)
	}
	src := report.Source{Kind: "fake-dir", Path: o.FakeDir, N: len(fake)}
	if src.SWD, err = swd(e.ctx, o.SWD, e.realDesc, fake); err != nil {
		return err
	}
	var fc metrics.ColourStats
	if err := fc.AddAll(fake); err != nil {
		return fmt.Errorf("colour of generated images: %w", err)
	}
	if src.Colour, err = e.colour(&fc); err != nil {
		return err
	}
	r.Sources = append(r.Sources, src)
	e.fake = fake
	return nil
}

// samples draws the main source's sample grid and runs the diversity check.
func (e *evaluation) samples() error {
	o, r := e.o, e.r
	gridN := min(max(o.GridN, 1), len(e.fake))
	gridPNG, err := gridOf(enlarge(toPictures(e.fake[:gridN]), e.size), 8)
	if err != nil {
		return err
	}
	e.page.Grid = &report.Figure{Title: "Generated samples", PNG: gridPNG,
		Caption: fmt.Sprintf("The first %d of %d generated images from %s.", gridN, len(e.fake), r.Sources[r.Main].Path)}
	div, err := metrics.Diversity(e.fake, e.real, o.Memo.Side, o.Collapse)
	if err != nil {
		return err
	}
	r.Diversity = &div
	e.collapsed = div.Collapsed
	if div.Collapsed {
		e.warn("mode collapse suspected: generated images are %.2fx as varied as real ones (mean pairwise distance %.3f vs %.3f)", div.Ratio, div.Gen, div.Real)
	}
	return nil
}

// memorisation finds each generated image's nearest training image and
// warns when the generator seems to copy.
func (e *evaluation) memorisation() error {
	o, r := e.o, e.r
	if e.train == nil || o.NNTrain == 0 {
		e.warn("memorisation check skipped: no training images (give --data with train shards, and --nn-train > 0)")
		return nil
	}
	idx := spread(e.train.Len(), o.NNTrain)
	r.Counts.Train, r.Counts.TrainPool = len(idx), e.train.Len()
	o.logf("memorisation check against %d of %d training images", len(idx), e.train.Len())
	trainSmall, err := images(e.train, idx, o.Memo.Side)
	if err != nil {
		return err
	}
	memo, err := metrics.Memorisation(e.fake, e.real, trainSmall, o.Memo)
	if err != nil {
		return err
	}
	// Report training indices in dataset order, not subsample order.
	for k := range memo.Gen.Index {
		memo.Gen.Index[k] = idx[memo.Gen.Index[k]]
	}
	for k := range memo.Held.Index {
		memo.Held.Index[k] = idx[memo.Held.Index[k]]
	}
	for k := range memo.Flagged {
		memo.Flagged[k].Train = idx[memo.Flagged[k].Train]
	}
	r.Memorisation = memo
	if n := len(memo.Flagged); n > 0 {
		e.warn("memorisation: %d of %d generated images lie closer to a training image than %.3f (RMS), below what held-out reals reach", n, len(e.fake), memo.Threshold)
	}
	// A collapsed generator draws near-average images, which sit close to
	// every training image: the median ratio says nothing about copying then.
	if memo.Ratio < 0.75 && !e.collapsed {
		e.warn("memorisation: generated images sit %.2fx as far from the training set as held-out reals do (median); the generator may be copying", memo.Ratio)
	}
	e.page.NNPairs, err = nnPairs(memo, e.fake, e.train, o.Pairs)
	return err
}

// write writes report.json and report.html.
func (e *evaluation) write() (*Result, error) {
	o := e.o
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	res := &Result{Report: e.r, JSONPath: filepath.Join(o.Out, "report.json"), HTMLPath: filepath.Join(o.Out, "report.html")}
	for _, g := range e.condGrids {
		if err := atomicfile.WriteFile(filepath.Join(o.Out, g.file), 0o644, func(w io.Writer) error {
			_, err := w.Write(g.png)
			return err
		}); err != nil {
			return nil, fmt.Errorf("attribute grid: %w", err)
		}
	}
	if err := e.r.WriteJSON(res.JSONPath); err != nil {
		return nil, err
	}
	if err := e.page.WriteHTML(res.HTMLPath); err != nil {
		return nil, err
	}
	return res, nil
}

func swd(ctx context.Context, cfg metrics.SWDConfig, realDesc *metrics.Descriptors, fake []metrics.Image) (metrics.SWDResult, error) {
	d, err := cfg.DescribeContext(ctx, fake)
	if err != nil {
		return metrics.SWDResult{}, fmt.Errorf("describe generated images: %w", err)
	}
	return cfg.DistanceContext(ctx, realDesc, d)
}

// scoreCheckpoint generates o.N images with the checkpoint at path and
// scores them: SWD against the reals, the mean colour (over
// max(o.N, o.ColourN) images) and D's view of reals and fakes. A
// conditional checkpoint draws its images with labels drawn per latent
// from the training frequencies, and D sees each fake with the labels it
// was drawn with and each real with realLabels (its label bytes for the
// checkpoint's attributes; nil: all unknown): a projection D's logit
// includes the projection term, as in training. An AC-GAN D's logit is
// unconditional (its auxiliary classifier is no part of it): the labels
// change nothing there.
func (e *evaluation) scoreCheckpoint(path string, realLabels []byte) (report.Source, report.Checkpoint, []metrics.Image, error) {
	o := e.o
	var src report.Source
	m, meta, err := checkpoint.Load(path)
	if err != nil {
		return src, report.Checkpoint{}, nil, err
	}
	sum, err := FileSHA256(path)
	if err != nil {
		return src, report.Checkpoint{}, nil, err
	}
	ck := report.Checkpoint{Path: path, SHA256: sum, Step: meta.Step, Epoch: meta.Epoch, DatasetHash: meta.DatasetHash, Config: meta.Config}
	cfg := meta.Config
	// One latent stream: the first o.N latents are the scored images',
	// the rest only add to the mean colour.
	z := sampling.Latents(o.Seed, max(o.N, o.ColourN), cfg.NZ, 0)
	x, fakeLabels, err := generate(m, z[:o.N*cfg.NZ], o.N, o)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	fake, err := metrics.FromNCHW(x, o.N, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	src = report.Source{Kind: "checkpoint", Path: path, Step: meta.Step, N: o.N}
	if src.SWD, err = swd(e.ctx, o.SWD, e.realDesc, fake); err != nil {
		return src, ck, nil, err
	}
	fc, err := e.fakeColour(m, fake, z[o.N*cfg.NZ:])
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if src.Colour, err = e.colour(fc); err != nil {
		return src, ck, nil, err
	}
	dReal, err := discriminate(m, e.real, realLabels, o.Batch)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %q: D on reals: %w", path, err)
	}
	dFake, err := discriminate(m, fake, fakeLabels, o.Batch)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %q: D on generated images: %w", path, err)
	}
	src.D = report.NewDScores(dReal, dFake, o.HistBins)
	return src, ck, fake, nil
}

// fakeColour returns the colour statistics of fake and of the images of
// the latents more (drawn in batches and not kept).
func (e *evaluation) fakeColour(m *gan.Model, fake []metrics.Image, more []float32) (*metrics.ColourStats, error) {
	fc := &metrics.ColourStats{}
	if err := fc.AddAll(fake); err != nil {
		return nil, fmt.Errorf("colour of generated images: %w", err)
	}
	cfg := m.Config()
	chunk := 4 * e.o.Batch
	for i := 0; i < len(more)/cfg.NZ; i += chunk {
		if err := e.ctx.Err(); err != nil {
			return nil, err
		}
		k := min(chunk, len(more)/cfg.NZ-i)
		x, _, err := generate(m, more[i*cfg.NZ:(i+k)*cfg.NZ], k, e.o)
		if err != nil {
			return nil, err
		}
		imgs, err := metrics.FromNCHW(x, k, cfg.Channels, cfg.Size, cfg.Size)
		if err != nil {
			return nil, err
		}
		if err := fc.AddAll(imgs); err != nil {
			return nil, fmt.Errorf("colour of generated images: %w", err)
		}
	}
	return fc, nil
}

// generate draws n images from the latents z; for a conditional model
// also returns the labels they were drawn with (each drawn per latent from
// the training frequencies, as sample does without --attr).
func generate(m *gan.Model, z []float32, n int, o Options) ([]float32, []byte, error) {
	nz := m.Config().NZ
	if !m.Config().Conditional() {
		x, err := sampling.Generate(m, z, n, nz, o.Batch, o.Raw)
		return x, nil, err
	}
	labels, err := m.ResolveLabels(z, nil, n)
	if err != nil {
		return nil, nil, err
	}
	x, err := sampling.GenerateLabels(m, z, labels, n, nz, o.Batch, o.Raw)
	return x, labels, err
}

// discriminate returns D's logits on imgs, with their labels (each image's
// label bytes for a conditional model; nil: none, or all unknown).
func discriminate(m *gan.Model, imgs []metrics.Image, labels []byte, batch int) ([]float32, error) {
	out := make([]float32, 0, len(imgs))
	per := 0
	if len(imgs) > 0 {
		per = len(labels) / len(imgs)
	}
	for i := 0; i < len(imgs); i += batch {
		k := min(batch, len(imgs)-i)
		var l []float32
		var err error
		if labels == nil {
			l, err = m.Discriminate(nchw(imgs[i:i+k]), k)
		} else {
			l, err = m.DiscriminateLabels(nchw(imgs[i:i+k]), labels[i*per:(i+k)*per], k)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

// enlarge scales small images up (nearest neighbour) to about 96 px so the
// report shows them at a readable size.
func enlarge(imgs []image.Image, size int) []image.Image {
	f := 96 / max(size, 1)
	if f <= 1 {
		return imgs
	}
	out := make([]image.Image, len(imgs))
	for i, im := range imgs {
		if n, ok := im.(*image.NRGBA); ok {
			out[i] = imgutil.Scale(n, f)
		} else {
			out[i] = im
		}
	}
	return out
}

func pic0Size(imgs []image.Image) int {
	if len(imgs) == 0 {
		return 0
	}
	return imgs[0].Bounds().Dx()
}

func gridOf(imgs []image.Image, cols int) ([]byte, error) {
	g, err := imgutil.Grid(imgs, cols, 2, image.White.C)
	if err != nil {
		return nil, err
	}
	return imgutil.EncodePNG(g)
}

// nnPairs shows the generated images closest to a training image (flagged
// ones first, by distance), each beside its nearest training image.
func nnPairs(memo *metrics.MemoReport, fake []metrics.Image, train *shard.Set, pairs int) (*report.Figure, error) {
	order := make([]int, len(memo.Gen.Dist))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return memo.Gen.Dist[order[a]] < memo.Gen.Dist[order[b]] })
	order = order[:min(max(pairs, 1), len(order))]
	var cells []image.Image
	for _, g := range order {
		pic, err := picture(train, memo.Gen.Index[g])
		if err != nil {
			return nil, err
		}
		cells = append(cells, metrics.ToNRGBA(fake[g]), pic)
	}
	cells = enlarge(cells, pic0Size(cells))
	png, err := gridOf(cells, 8)
	if err != nil {
		return nil, err
	}
	return &report.Figure{Title: "Nearest training images", PNG: png,
		Caption: fmt.Sprintf("The %d generated images closest to the training set, each followed by its nearest training image (generated | train, four pairs per row). Closest RMS distance %.3f; flag threshold %.3f; %d flagged.",
			len(order), memo.Gen.Dist[order[0]], memo.Threshold, len(memo.Flagged))}, nil
}
