package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/loader"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/runlog"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/version"
)

// Model is what the trainer needs of a GAN; *gan.Model satisfies it.
type Model interface {
	Step(real []float32) (gan.Stats, error)
	Generate(z []float32, n int, raw bool) ([]float32, error)
	State() []safetensors.Tensor
	SetState([]safetensors.Tensor) error
	RNGState() ([]byte, error)
	SetRNGState([]byte) error
}

// DefaultEpochs is the budget when none of Steps, Epochs and Minutes is set.
const DefaultEpochs = 25

// GridN is the number of images in a sample grid (8 x 8).
const GridN = 64

// Options configure a training run.
type Options struct {
	Data string // data/NAME: manifest.json and shards
	Out  string // runs/NAME

	// Budget: training stops when the first of these is reached. Steps and
	// Epochs count from the start of the run (a resumed run continues to the
	// same totals); Minutes counts this invocation's wall time. All zero
	// means Epochs = DefaultEpochs.
	Steps   int
	Epochs  int
	Minutes float64

	// Config is the model configuration for a fresh run; Size and Channels
	// are taken from the data. On --resume the checkpoint's config is used
	// and any field named in Explicit must agree with it.
	Config   gan.Config
	Explicit []string // config fields the user set: "batch", "ngf", "lr", ... (see ConfigFields)

	// Cond makes a fresh run conditional on these attributes of the
	// dataset's labels (CondAll: every one); CondDim is each attribute's
	// embedding size (0: gan.DefaultCondDim). On resume the checkpoint's
	// attributes are used, and Cond, if set, must name them.
	Cond    []string
	CondDim int
	CondD   string // how D is conditioned: gan.CondProjection ("" too) or gan.CondACGAN
	CondG   string // how G is conditioned: gan.CondConcat ("" too) or gan.CondCBN
	// CondMismatch is the weight of the matching-aware term of a fresh
	// conditional run (gan.CondSpec.Mismatch; 0: off). On resume the
	// checkpoint's is kept; naming "cond_mismatch" in Explicit checks it.
	CondMismatch float64
	// CondBalance names the attributes of a fresh conditional run whose
	// values the data order balances (gan.CondSpec.Balance; empty: none).
	// On resume the checkpoint's are kept; naming "cond_balance" in
	// Explicit checks them.
	CondBalance []string
	// CondBalancePower tempers CondBalance (gan.CondSpec.BalancePower; 0:
	// 1, full balance).
	CondBalancePower float64

	Resume bool // continue from Out/ckpt/latest.safetensors
	Force  bool // resume even if the data set's hash differs from the checkpoint's

	SaveEvery   int // checkpoint every N steps (0: only at the end)
	Keep        int // keep the newest K step checkpoints (0: all)
	SampleEvery int // sample grid every N steps (0: only at the end)
	LogEvery    int // log.jsonl line every N steps (0: 1)
	Prefetch    int // batches prepared ahead (0: 2)
	Quiet       bool

	// Test hooks: nil means the real thing.
	NewModel func(gan.Config) (Model, error)
	OpenData func(dir string) (*Dataset, error)
	Now      func() time.Time

	// Dist, when set, makes this process one rank of a data-parallel job
	// (dist.go); nil: the only process.
	Dist *Dist

	realModel bool // NewModel is gan.New: checkpoint headers are checked against gan's shapes
}

// Paths inside Out.
const (
	CkptDir    = "ckpt"
	GridDir    = "grids"
	LogFile    = runlog.FileName
	ConfigFile = "config.json"
)

// RunConfig is what runs/NAME/config.json records.
type RunConfig struct {
	Format      string     `json:"format"` // RunFormat
	Version     string     `json:"toongan_version"`
	Started     string     `json:"started"`
	Data        string     `json:"data"`
	DatasetHash string     `json:"dataset_hash"`
	Images      int        `json:"train_images"`
	PerEpoch    int        `json:"batches_per_epoch"`
	Model       gan.Config `json:"model"`
	Steps       int        `json:"target_steps"`
	Minutes     float64    `json:"minutes,omitempty"`
	SaveEvery   int        `json:"save_every"`
	Keep        int        `json:"keep"`
	SampleEvery int        `json:"sample_every"`
	LogEvery    int        `json:"log_every"`
	ResumedFrom string     `json:"resumed_from,omitempty"`
	ResumeStep  int        `json:"resumed_at_step,omitempty"`
}

// FixedLatents is the latent batch of the sample grids for a model seed.
func FixedLatents(seed uint64, nz int) []float32 {
	return gan.SampleLatents(seed, GridN, nz)
}

// ErrNonFinite marks a run stopped by a NaN or Inf loss or weight.
var ErrNonFinite = errors.New("training diverged")

// Bounds of the budget and cadence options.
const (
	MaxSteps   = 1_000_000_000
	MaxEpochs  = 1_000_000
	MaxMinutes = 1_000_000.0
	MaxEvery   = 1_000_000_000 // SaveEvery, Keep, SampleEvery, LogEvery
)

// ErrNoCheckpoint: Resume was asked but the run folder has no checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint to resume")

// ErrHasCheckpoint: a fresh run was asked but the run folder already has
// checkpoints.
var ErrHasCheckpoint = errors.New("run folder already holds checkpoints")

// InterruptedError: the run stopped on its context after saving Ckpt at
// Step. It wraps context.Canceled.
type InterruptedError struct {
	Step int
	Ckpt string
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted at step %d; saved %s", e.Step, e.Ckpt)
}

func (e *InterruptedError) Unwrap() error { return context.Canceled }

// Validate checks the options that do not depend on the data or the
// checkpoint (the model config is checked by Config.ValidateHyper, and in
// full once the data's image size is known).
func (o *Options) Validate() error {
	switch {
	case o.Data == "":
		return errors.New("trainer: no data folder")
	case o.Out == "":
		return errors.New("trainer: no run folder")
	case o.Steps < 0 || o.Steps > MaxSteps:
		return fmt.Errorf("trainer: steps %d out of range 0..%d", o.Steps, MaxSteps)
	case o.Epochs < 0 || o.Epochs > MaxEpochs:
		return fmt.Errorf("trainer: epochs %d out of range 0..%d", o.Epochs, MaxEpochs)
	case !(o.Minutes >= 0 && o.Minutes <= MaxMinutes):
		return fmt.Errorf("trainer: minutes %v out of range 0..%g", o.Minutes, MaxMinutes)
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"save_every", o.SaveEvery}, {"keep", o.Keep}, {"sample_every", o.SampleEvery}, {"log_every", o.LogEvery}} {
		if c.v < 0 || c.v > MaxEvery {
			return fmt.Errorf("trainer: %s %d out of range 0..%d", c.name, c.v, MaxEvery)
		}
	}
	if o.CondDim < 0 || o.CondDim > gan.MaxCondDim {
		return fmt.Errorf("trainer: cond_dim %d out of range 0..%d", o.CondDim, gan.MaxCondDim)
	}
	if w := o.CondMismatch; !(w >= 0 && w <= gan.MaxCondMismatch) {
		return fmt.Errorf("trainer: cond_mismatch %v out of range 0..%d", w, gan.MaxCondMismatch)
	}
	if o.CondMismatch > 0 && !o.Resume && len(o.Cond) == 0 {
		return fmt.Errorf("trainer: cond_mismatch %v without cond: the matching-aware term needs a conditional run", o.CondMismatch)
	}
	if p := o.CondBalancePower; !(p >= 0 && p <= 1) {
		return fmt.Errorf("trainer: cond_balance_power %v out of range 0..1", p)
	}
	if len(o.CondBalance) > 0 && !o.Resume && len(o.Cond) == 0 {
		return fmt.Errorf("trainer: cond_balance %s without cond: balancing needs a conditional run", strings.Join(o.CondBalance, ","))
	}
	if !o.Resume {
		if err := o.Config.ValidateHyper(); err != nil {
			return err
		}
	}
	return CheckCondNames(o.Cond)
}

func (o *Options) defaults() error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Steps == 0 && o.Epochs == 0 && o.Minutes == 0 {
		o.Epochs = DefaultEpochs
	}
	if o.LogEvery == 0 {
		o.LogEvery = 1
	}
	if o.Prefetch <= 0 {
		o.Prefetch = 2
	}
	if o.NewModel == nil {
		o.realModel = true
		o.NewModel = func(c gan.Config) (Model, error) {
			if err := c.Validate(); err != nil {
				return nil, err
			}
			if err := memlimit.Check(fmt.Sprintf("training a %d px %s model (ngf %d, ndf %d, batch %d)", c.Size, c.Arch, c.NGF, c.NDF, c.Batch),
				gan.EstimateBytes(c)); err != nil {
				return nil, err
			}
			return gan.New(c)
		}
	}
	if o.OpenData == nil {
		o.OpenData = OpenData
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Run trains as opts say, reporting progress and notes on stderr. It
// returns an *InterruptedError when stopped by ctx (after saving a
// checkpoint), and an error wrapping ErrNonFinite on divergence.
func Run(ctx context.Context, opts Options, stderr io.Writer) (err error) {
	if err := opts.defaults(); err != nil {
		return opts.failStart(err)
	}
	dir, release, err := claimRunDir(opts.Out, opts.Data, opts.leader())
	if err != nil {
		return opts.failStart(err)
	}
	defer release()
	opts.Out = dir
	if !opts.leader() {
		opts.Quiet = true
	}
	ds, err := opts.OpenData(opts.Data)
	if err != nil {
		return opts.failStart(err)
	}
	if ds.Close != nil {
		defer func() {
			if cerr := ds.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	r := &run{opts: opts, ds: ds, stderr: stderr, ckptDir: filepath.Join(opts.Out, CkptDir)}
	if err := r.startAll(); err != nil {
		return err
	}
	if err := r.startFolder(); err != nil {
		return err
	}
	if r.log != nil {
		defer r.log.Close()
	}
	if r.step >= r.target {
		fmt.Fprintf(stderr, "train: %s is already at step %d of %d; nothing to do (raise the step or epoch budget)\n", r.lastCkpt, r.step, r.target)
		return nil
	}
	r.z = FixedLatents(r.cfg.Seed, r.cfg.NZ)
	return r.loop(ctx)
}

// startModel builds the model: from the run's latest checkpoint with
// Resume (model, RNG, data position and training time restored), or fresh
// from Config and the data's image size.
func (r *run) startModel() error {
	opts := r.opts
	latest, lerr := safetensors.Latest(r.ckptDir)
	if lerr != nil && !errors.Is(lerr, fs.ErrNotExist) {
		return lerr
	}
	have := lerr == nil
	switch {
	case opts.Resume && !have:
		return fmt.Errorf("%w in %q", ErrNoCheckpoint, r.ckptDir)
	case !opts.Resume && have:
		return fmt.Errorf("%w: %q has %q", ErrHasCheckpoint, opts.Out, latest)
	case !opts.Resume:
		r.cfg = opts.Config
		r.cfg.Size, r.cfg.Channels = r.ds.Size, r.ds.Channels
		var err error
		if len(opts.Cond) > 0 {
			if r.cfg.Cond, err = condSpec(opts, r.ds.Labels); err != nil {
				return err
			}
		}
		if r.model, err = opts.NewModel(r.cfg); err != nil {
			return fmt.Errorf("build model: %w", err)
		}
		return nil
	}
	readMeta := checkpoint.ReadMeta
	if opts.realModel { // refuse a damaged or forged header before building its model
		readMeta = checkpoint.CheckHeader
	}
	meta, err := readMeta(latest)
	if err != nil {
		return err
	}
	if err := checkResume(latest, meta, opts, r.ds); err != nil {
		return err
	}
	r.cfg, r.lastCkpt = meta.Config, latest
	if r.model, err = opts.NewModel(r.cfg); err != nil {
		return fmt.Errorf("build model from %q: %w", latest, err)
	}
	if meta, err = checkpoint.Restore(latest, r.model); err != nil {
		return err
	}
	r.step, r.pos = meta.Step, loader.Pos{Epoch: meta.Epoch, Batch: meta.DataPos}
	r.prior = meta.Loader.Elapsed
	if ls := meta.Loader; ls.Images != 0 && ls.Images != r.ds.Source.Len() {
		// Only reachable with Force: the old position means nothing here.
		fmt.Fprintf(r.stderr, "note: the data set has %d training images, the checkpoint's had %d; starting a new epoch\n",
			r.ds.Source.Len(), ls.Images)
		r.pos = loader.Pos{Epoch: r.pos.Epoch + 1}
	}
	return nil
}

// startData sets up the batch loader and the step budget.
func (r *run) startData() error {
	ld, err := loader.New(r.ds.Source, r.ds.Size, r.ds.Size, r.ds.Channels, r.cfg.Batch, r.cfg.Seed)
	if err != nil {
		return fmt.Errorf("%q: %w", r.opts.Data, err)
	}
	if d := r.opts.Dist; d != nil && d.Size > 1 {
		// each rank reads and decodes only its part of every batch
		if err := ld.Slice(d.Rank, d.Size); err != nil {
			return fmt.Errorf("%q: %w", r.opts.Data, err)
		}
	}
	if !ld.Valid(r.pos) {
		return fmt.Errorf("%q: data position epoch %d batch %d does not fit %d batches per epoch", r.lastCkpt, r.pos.Epoch, r.pos.Batch, ld.BatchesPerEpoch())
	}
	if err := r.startCond(ld); err != nil {
		return err
	}
	r.ld, r.perEpoch, r.target = ld, ld.BatchesPerEpoch(), math.MaxInt
	if r.opts.Steps > 0 {
		r.target = r.opts.Steps
	}
	if r.opts.Epochs > 0 {
		r.target = min(r.target, r.opts.Epochs*r.perEpoch)
	}
	return nil
}

// startFolder readies the run folder: its subfolders, no stale temporary
// files, config.json, and log.jsonl (trimmed to the checkpoint's step on
// resume), open in r.log.
func (r *run) startFolder() error {
	opts := r.opts
	if !opts.leader() {
		return nil
	}
	for _, d := range []string{opts.Out, r.ckptDir, filepath.Join(opts.Out, GridDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create run directory: %w", err)
		}
	}
	removeStale(r.stderr, r.ckptDir, filepath.Join(opts.Out, GridDir), opts.Out)
	rc := RunConfig{Format: RunFormat, Version: version.Version, Started: opts.Now().UTC().Format(time.RFC3339), Data: opts.Data,
		DatasetHash: r.ds.Hash, Images: r.ds.Source.Len(), PerEpoch: r.perEpoch, Model: r.cfg, Steps: r.target,
		Minutes: opts.Minutes, SaveEvery: opts.SaveEvery, Keep: opts.Keep, SampleEvery: opts.SampleEvery, LogEvery: opts.LogEvery}
	if r.target == math.MaxInt {
		rc.Steps = 0
	}
	if opts.Resume {
		rc.ResumedFrom, rc.ResumeStep = r.lastCkpt, r.step
	}
	if err := writeJSON(filepath.Join(opts.Out, ConfigFile), rc); err != nil {
		return err
	}
	logPath := filepath.Join(opts.Out, LogFile)
	if opts.Resume {
		if err := runlog.Trim(logPath, r.step); err != nil {
			return err
		}
	}
	var err error
	r.log, err = runlog.Create(logPath, !opts.Resume)
	return err
}

// run is the state of one training invocation.
type run struct {
	opts     Options
	model    Model
	cfg      gan.Config
	ds       *Dataset
	ld       *loader.Loader
	ckptDir  string
	lastCkpt string
	step     int
	pos      loader.Pos
	prior    float64
	target   int
	perEpoch int
	log      *runlog.Writer
	stderr   io.Writer
	z        []float32
	condIdx  []int  // dataset label byte of each conditioning attribute (nil: unconditional)
	condBuf  []byte // a batch's labels for the model

	start     time.Time // when this invocation's loop began
	startStep int       // the step it began at
	win       window    // the steps since the last log line
	lastSaved int       // step of the last checkpoint written (-1: none yet)
	lastGrid  int       // step of the last grid written (-1: none yet)
}

// window accumulates the steps since the last log line.
type window struct {
	sum   gan.Stats
	n     int
	start time.Time
	rate  float64 // images/s over the last closed window; 0 before the first
}

func (r *run) elapsed() float64 { return r.prior + time.Since(r.start).Seconds() }

// loop trains until the target step, the time budget or ctx stops it, then
// writes the final grid and checkpoint.
func (r *run) loop(ctx context.Context) error {
	r.start = time.Now()
	r.startStep, r.lastSaved, r.lastGrid = r.step, -1, -1
	r.win = window{start: r.start}
	var deadline time.Time
	if r.opts.Minutes > 0 {
		deadline = r.start.Add(time.Duration(r.opts.Minutes * float64(time.Minute)))
	}
	todo := int64(0)
	if r.target != math.MaxInt {
		todo = int64(r.target - r.step)
	}
	prog := cliapp.NewProgress(r.stderr, todo, "train", r.opts.Quiet)
	stream, err := r.ld.Stream(r.pos, r.opts.Prefetch)
	if err != nil {
		return err
	}
	defer stream.Close()
	// A fresh run's series starts with the untrained generator (step 0 is due);
	// a resumed run wrote its starting step's grid before it stopped.
	if err := r.gridIf(r.step == 0 && r.sampleDue()); err != nil {
		return err
	}
	interrupted := false
	for r.step < r.target {
		stop, intr, err := r.stopNow(ctx, deadline)
		if err != nil {
			return err
		}
		if stop {
			interrupted = intr
			break
		}
		st, err := r.trainStep(stream)
		if err != nil {
			return err
		}
		if err := r.record(st); err != nil {
			return err
		}
		prog.Describe(r.describe(st))
		prog.Add(1)
		if err := r.gridIf(r.sampleDue()); err != nil {
			return err
		}
		if r.opts.SaveEvery > 0 && r.step%r.opts.SaveEvery == 0 {
			if err := r.save(); err != nil {
				return err
			}
		}
	}
	prog.Finish()
	return r.finish(interrupted)
}

// trainStep trains on the stream's next batch and advances the position. A
// non-finite result ends the run without saving it.
func (r *run) trainStep(stream *loader.Stream) (gan.Stats, error) {
	b, err := stream.Next()
	if err != nil {
		return gan.Stats{}, fmt.Errorf("%q: %w", r.opts.Data, err)
	}
	st, err := r.stepModel(b)
	next := b.Next
	b.Release()
	if err != nil && !errors.Is(err, gan.ErrNonFinite) {
		return st, fmt.Errorf("step %d: %w", r.step+1, err)
	}
	r.step++
	r.pos = next
	if name, v, bad := nonFinite(st); bad || err != nil {
		what := fmt.Sprintf("%s is %v", name, v)
		if !bad {
			what = err.Error()
		}
		return st, fmt.Errorf("%w at step %d: %s; stopping without saving this state (last good checkpoint: %s)",
			ErrNonFinite, r.step, what, r.lastOr())
	}
	return st, nil
}

// record adds a step to the log window and writes the window's log line
// every LogEvery steps.
func (r *run) record(st gan.Stats) error {
	w := &r.win
	w.sum.LossD += st.LossD
	w.sum.LossG += st.LossG
	w.sum.DReal += st.DReal
	w.sum.DFake += st.DFake
	w.n++
	if r.step%r.opts.LogEvery != 0 {
		return nil
	}
	now := time.Now()
	w.rate = float64(w.n*r.cfg.Batch) / now.Sub(w.start).Seconds()
	n := float64(w.n)
	e := runlog.Entry{Step: r.step, Epoch: float64(r.step) / float64(r.perEpoch),
		Time: r.opts.Now().UTC().Format(time.RFC3339Nano), Elapsed: round3(r.elapsed()),
		LossD: w.sum.LossD / n, LossG: w.sum.LossG / n, DReal: w.sum.DReal / n, DFake: w.sum.DFake / n,
		ImgPerS: round3(w.rate), Interval: w.n}
	if r.log != nil {
		if err := r.log.Write(e); err != nil {
			return err
		}
	}
	*w = window{start: now, rate: w.rate}
	return nil
}

// imgPerS is the rate the progress line shows: the last closed log
// window's, or the open window's until one has closed.
func (r *run) imgPerS() float64 {
	if w := r.win; w.rate == 0 && w.n > 0 {
		return float64(w.n*r.cfg.Batch) / time.Since(w.start).Seconds()
	}
	return r.win.rate
}

func (r *run) sampleDue() bool { return r.opts.SampleEvery > 0 && r.step%r.opts.SampleEvery == 0 }

// gridIf writes the current step's grid when due and not yet written.
func (r *run) gridIf(due bool) error {
	if !due || r.lastGrid == r.step {
		return nil
	}
	r.lastGrid = r.step
	if !r.opts.leader() {
		return nil
	}
	return r.grid()
}

// finish writes the last grid and checkpoint (unless this step's exist)
// and reports how the run ended. In a data-parallel job no rank returns
// before rank 0 has written them: a launcher may end the whole job when
// one rank exits (mpirun does when one exits non-zero, as an interrupted
// rank does), which would cut rank 0's last checkpoint short.
func (r *run) finish(interrupted bool) error {
	err := r.gridIf(true)
	if err == nil && r.lastSaved != r.step {
		err = r.save()
	}
	if err := r.opts.agreeOn(err, fmt.Sprintf("rank 0 could not write step %d's checkpoint (see its message)", r.step)); err != nil {
		return err
	}
	if interrupted {
		return &InterruptedError{Step: r.step, Ckpt: r.lastCkpt}
	}
	if !r.opts.Quiet {
		fmt.Fprintf(r.stderr, "train: step %d (epoch %.2f) in %s; checkpoint %s\n",
			r.step, float64(r.step)/float64(r.perEpoch), time.Since(r.start).Round(time.Second), r.lastCkpt)
	}
	return nil
}

func (r *run) lastOr() string {
	if r.lastCkpt == "" {
		return "none"
	}
	return r.lastCkpt
}

func (r *run) describe(st gan.Stats) string {
	s := fmt.Sprintf("step %d epoch %d loss_D %.3f loss_G %.3f D(x) %.3f D(G(z)) %.3f %.0f img/s",
		r.step, r.pos.Epoch, st.LossD, st.LossG, st.DReal, st.DFake, r.imgPerS())
	if r.target != math.MaxInt && r.step > r.startStep {
		per := time.Since(r.start) / time.Duration(r.step-r.startStep)
		s += " ETA " + (per * time.Duration(r.target-r.step)).Round(time.Second).String()
	}
	return s
}

// save writes a checkpoint for the current step; it refuses NaN/Inf weights.
func (r *run) save() error {
	if !r.opts.leader() {
		r.lastCkpt = filepath.Join(r.ckptDir, safetensors.LatestName)
		r.lastSaved = r.step
		return nil
	}
	meta := checkpoint.Meta{Config: r.cfg, Epoch: r.pos.Epoch, DataPos: r.pos.Batch, DatasetHash: r.ds.Hash,
		ImageSize: r.ds.Size, Channels: r.ds.Channels,
		Loader: checkpoint.LoaderState{Seed: r.cfg.Seed, Images: r.ds.Source.Len(), Batch: r.cfg.Batch,
			PerEpoch: r.perEpoch, Elapsed: round3(r.elapsed())},
		Extra: map[string]string{"data": r.opts.Data}}
	if _, err := checkpoint.Save(r.ckptDir, r.step, r.opts.Keep, r.model, meta); err != nil {
		var nf *checkpoint.NonFiniteError
		if errors.As(err, &nf) {
			return fmt.Errorf("%w at step %d: weight %s; not saved (last good checkpoint: %s)",
				ErrNonFinite, r.step, nf.Error(), r.lastOr())
		}
		return err
	}
	r.lastCkpt = filepath.Join(r.ckptDir, safetensors.LatestName)
	r.lastSaved = r.step
	return nil
}

// grid writes grids/step-NNNNNN.png from the fixed latents (EMA generator
// when the run has one).
func (r *run) grid() error {
	x, err := r.model.Generate(r.z, GridN, r.cfg.EMADecay == 0)
	if err != nil {
		return fmt.Errorf("sample grid at step %d: %w", r.step, err)
	}
	path := filepath.Join(r.opts.Out, GridDir, fmt.Sprintf("step-%06d.png", r.step))
	return writeGrid(path, x, GridN, r.ds.Channels, r.ds.Size, r.ds.Size, 8)
}

func nonFinite(s gan.Stats) (string, float64, bool) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"loss_D", s.LossD}, {"loss_G", s.LossG}, {"D(x)", s.DReal}, {"D(G(z))", s.DFake}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return f.name, f.v, true
		}
	}
	return "", 0, false
}

// removeStale deletes temporary files that a killed earlier run left behind
// (atomic writes and link swaps in progress: hidden ".NAME.tmp-*" and
// ".NAME.link-*" files). The run directory has one writer, this process.
func removeStale(stderr io.Writer, dirs ...string) {
	for _, d := range dirs {
		for _, pat := range []string{".*.tmp-*", ".*.link-*"} {
			matches, _ := filepath.Glob(filepath.Join(d, pat))
			for _, m := range matches {
				if err := os.Remove(m); err != nil {
					fmt.Fprintf(stderr, "warning: remove stale %q: %v\n", m, err)
				}
			}
		}
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, 0o644, append(b, '\n'))
}
