// Package evaluate runs eval: it scores one or more checkpoints (or a folder
// of images from any generator) against held-out real images — sliced
// Wasserstein distance with its real-vs-real baseline, the discriminator's
// scores, a memorisation check against the training images and a diversity
// check — and writes report.json and a self-contained report.html.
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

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/memlimit"
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
	return Options{N: 1000, HoldoutCap: 2000, NNTrain: 5000, Seed: 1, Batch: 64, HistBins: 20,
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
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	r := &report.Report{Format: report.Format, Version: report.Version, Tool: version.Version, Warnings: []string{}}
	r.Params = report.Params{N: o.N, HoldoutCap: o.HoldoutCap, NNTrain: o.NNTrain, Seed: o.Seed, Raw: o.Raw,
		SWD: o.SWD, Memo: o.Memo, HistBins: o.HistBins, Collapse: o.Collapse}
	warn := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		r.Warnings = append(r.Warnings, msg)
		o.logf("warning: %s", msg)
	}

	// Image geometry: from the first checkpoint, else the dataset.
	size, channels := 0, 0
	var metas []checkpoint.Meta
	for _, p := range o.Ckpts {
		m, err := checkpoint.ReadMeta(p)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			size, channels = m.Config.Size, m.Config.Channels
		} else if m.Config.Size != size || m.Config.Channels != channels {
			return nil, fmt.Errorf("checkpoint %s makes %d px %d-channel images, %s makes %d px %d-channel ones",
				p, m.Config.Size, m.Config.Channels, o.Ckpts[0], size, channels)
		}
		metas = append(metas, m)
	}

	var man *shard.Manifest
	var train, held *shard.Set
	if o.Data != "" {
		var err error
		if man, err = shard.Load(o.Data); err != nil {
			return nil, err
		}
		r.Inputs.Data, r.Inputs.DatasetHash = o.Data, man.ContentHash
		if size == 0 {
			size, channels = man.Height, man.Channels
		}
		if man.Height != size || man.Width != size || man.Channels != channels {
			return nil, fmt.Errorf("dataset %s holds %dx%d %d-channel images, the checkpoint makes %d px %d-channel ones",
				o.Data, man.Width, man.Height, man.Channels, size, channels)
		}
		for i, m := range metas {
			if m.DatasetHash != "" && man.ContentHash != "" && m.DatasetHash != man.ContentHash {
				warn("checkpoint %s was trained on dataset %s, not on %s (%s)", o.Ckpts[i], m.DatasetHash, o.Data, man.ContentHash)
			}
		}
		if man.Channels != 1 && man.Channels != 3 {
			return nil, fmt.Errorf("dataset %s: %d channels, eval reads 1 or 3", o.Data, man.Channels)
		}
		if o.NNTrain > 0 && len(man.Train.Shards) > 0 {
			if train, err = man.OpenSplit(man.Train); err != nil {
				return nil, err
			}
			defer train.Close()
		}
		if o.RealDir == "" {
			if len(man.Holdout.Shards) == 0 {
				return nil, fmt.Errorf("dataset %s has no holdout shards: prepare it with --holdout > 0 or give --real-dir", o.Data)
			}
			if held, err = man.OpenSplit(man.Holdout); err != nil {
				return nil, err
			}
			defer held.Close()
		}
	}
	if size == 0 { // --fake-dir with --real-dir only: take the first real image's size
		files, err := imgutil.ListDir(o.RealDir)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("real image folder %s holds no images", o.RealDir)
		}
		ic, err := imgutil.ImageConfig(files[0])
		if err != nil {
			return nil, err
		}
		size = min(ic.Width, ic.Height)
		channels = 3
	}
	r.Params.Size, r.Params.Channels = size, channels
	if err := memlimit.Check(fmt.Sprintf("evaluating %d images of %d px against %d reals", o.N, size, o.HoldoutCap),
		o.estimateBytes(size, channels)); err != nil {
		return nil, err
	}

	// Held-out reals.
	var real []metrics.Image
	if o.RealDir != "" {
		r.Inputs.RealDir = o.RealDir
		var skipped int
		var err error
		real, skipped, err = loadDir(o.RealDir, size, o.HoldoutCap, channels)
		r.Counts.Skipped += skipped
		if err != nil {
			return nil, err
		}
	} else {
		var err error
		if real, err = images(held, spread(held.Len(), o.HoldoutCap), 0); err != nil {
			return nil, err
		}
	}
	if len(real) < 4 {
		return nil, fmt.Errorf("only %d held-out real images: need at least 4", len(real))
	}
	r.Counts.Real, r.Counts.RealHalf = len(real), len(real)/2
	o.logf("%d held-out real images of %d px", len(real), size)

	var err error
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.logf("SWD real-vs-real baseline")
	if r.Baseline, err = o.SWD.Baseline(real); err != nil {
		return nil, fmt.Errorf("real-vs-real baseline: %w", err)
	}
	realDesc, err := o.SWD.Describe(real)
	if err != nil {
		return nil, fmt.Errorf("describe real images: %w", err)
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Generated images and their scores, per source.
	var mainFake []metrics.Image
	if o.FakeDir != "" {
		r.Inputs.FakeDir = o.FakeDir
		fake, skipped, err := loadDir(o.FakeDir, size, o.N, channels)
		r.Counts.Skipped += skipped
		if err != nil {
			return nil, err
		}
		if len(fake) < 2 {
			return nil, fmt.Errorf("image folder %s: only %d readable images, need at least 2", o.FakeDir, len(fake))
		}
		if len(fake) < o.N {
			warn("%s holds %d readable images, fewer than --n %d", o.FakeDir, len(fake), o.N)
		}
		src := report.Source{Kind: "fake-dir", Path: o.FakeDir, N: len(fake)}
		if src.SWD, err = swd(o.SWD, realDesc, fake); err != nil {
			return nil, err
		}
		if src.Colour, err = colour(real, fake); err != nil {
			return nil, err
		}
		r.Sources = append(r.Sources, src)
		mainFake = fake
	}
	for i, p := range o.Ckpts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o.logf("checkpoint %s (step %d): generating %d images", p, metas[i].Step, o.N)
		src, ck, fake, err := scoreCheckpoint(o, p, real, realDesc)
		if err != nil {
			return nil, err
		}
		r.Inputs.Checkpoints = append(r.Inputs.Checkpoints, ck)
		r.Sources = append(r.Sources, src)
		mainFake = fake
	}
	r.Main = len(r.Sources) - 1
	r.Counts.Generated = len(mainFake)
	mainSrc := r.Sources[r.Main]
	o.logf("SWD avg %.2f (real vs real %.2f)", mainSrc.SWD.Avg, r.Baseline.Avg)
	if c := mainSrc.Colour; c != nil {
		o.logf("colour gap %.1f grey levels", c.Gap)
	}

	page := &report.Page{Report: r}
	gridN := min(max(o.GridN, 1), len(mainFake))
	gridPNG, err := gridOf(enlarge(toPictures(mainFake[:gridN]), size), 8)
	if err != nil {
		return nil, err
	}
	page.Grid = &report.Figure{Title: "Generated samples", PNG: gridPNG,
		Caption: fmt.Sprintf("The first %d of %d generated images from %s.", gridN, len(mainFake), mainSrc.Path)}

	div, err := metrics.Diversity(mainFake, real, o.Memo.Side, o.Collapse)
	if err != nil {
		return nil, err
	}
	r.Diversity = &div
	if div.Collapsed {
		warn("mode collapse suspected: generated images are %.2fx as varied as real ones (mean pairwise distance %.3f vs %.3f)", div.Ratio, div.Gen, div.Real)
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Memorisation: nearest training images.
	if train != nil {
		idx := spread(train.Len(), o.NNTrain)
		r.Counts.Train, r.Counts.TrainPool = len(idx), train.Len()
		o.logf("memorisation check against %d of %d training images", len(idx), train.Len())
		trainSmall, err := images(train, idx, o.Memo.Side)
		if err != nil {
			return nil, err
		}
		memo, err := metrics.Memorisation(mainFake, real, trainSmall, o.Memo)
		if err != nil {
			return nil, err
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
			warn("memorisation: %d of %d generated images lie closer to a training image than %.3f (RMS), below what held-out reals reach", n, len(mainFake), memo.Threshold)
		}
		// A collapsed generator draws near-average images, which sit close to
		// every training image: the median ratio says nothing about copying then.
		if memo.Ratio < 0.75 && !div.Collapsed {
			warn("memorisation: generated images sit %.2fx as far from the training set as held-out reals do (median); the generator may be copying", memo.Ratio)
		}
		if page.NNPairs, err = nnPairs(memo, mainFake, train, o.Pairs); err != nil {
			return nil, err
		}
	} else {
		warn("memorisation check skipped: no training images (give --data with train shards, and --nn-train > 0)")
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := plots(o, r, page); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	res := &Result{Report: r, JSONPath: filepath.Join(o.Out, "report.json"), HTMLPath: filepath.Join(o.Out, "report.html")}
	if err := r.WriteJSON(res.JSONPath); err != nil {
		return nil, err
	}
	if err := page.WriteHTML(res.HTMLPath); err != nil {
		return nil, err
	}
	return res, nil
}

func swd(cfg metrics.SWDConfig, realDesc *metrics.Descriptors, fake []metrics.Image) (metrics.SWDResult, error) {
	d, err := cfg.Describe(fake)
	if err != nil {
		return metrics.SWDResult{}, fmt.Errorf("describe generated images: %w", err)
	}
	return cfg.Distance(realDesc, d)
}

func colour(real, fake []metrics.Image) (*metrics.ColourReport, error) {
	c, err := metrics.Colour(real, fake)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// scoreCheckpoint generates o.N images with the checkpoint at path and
// scores them: SWD against the reals and D's view of reals and fakes.
func scoreCheckpoint(o Options, path string, real []metrics.Image, realDesc *metrics.Descriptors) (report.Source, report.Checkpoint, []metrics.Image, error) {
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
	z := sampling.Latents(o.Seed, o.N, cfg.NZ, 0)
	x, err := sampling.Generate(m, z, o.N, cfg.NZ, o.Batch, o.Raw)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	fake, err := metrics.FromNCHW(x, o.N, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	src = report.Source{Kind: "checkpoint", Path: path, Step: meta.Step, N: o.N}
	if src.SWD, err = swd(o.SWD, realDesc, fake); err != nil {
		return src, ck, nil, err
	}
	if src.Colour, err = colour(real, fake); err != nil {
		return src, ck, nil, err
	}
	dReal, err := discriminate(m, real, o.Batch)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: D on reals: %w", path, err)
	}
	dFake, err := discriminate(m, fake, o.Batch)
	if err != nil {
		return src, ck, nil, fmt.Errorf("checkpoint %s: D on generated images: %w", path, err)
	}
	src.D = report.NewDScores(dReal, dFake, o.HistBins)
	return src, ck, fake, nil
}

func discriminate(m *gan.Model, imgs []metrics.Image, batch int) ([]float32, error) {
	out := make([]float32, 0, len(imgs))
	for i := 0; i < len(imgs); i += batch {
		k := min(batch, len(imgs)-i)
		l, err := m.Discriminate(nchw(imgs[i:i+k]), k)
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
