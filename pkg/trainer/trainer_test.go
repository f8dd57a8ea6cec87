package trainer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/runlog"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/trainer/trainertest"
)

// tinyConfig is small enough for the real model in CI: 32 px, ngf=ndf=8, batch 8.
func tinyConfig() gan.Config {
	c := gan.DefaultConfig(32)
	c.NGF, c.NDF, c.NZ, c.Batch = 8, 8, 16, 8
	return c
}

// dataset writes (once per test) n 32 px images in shards of 13.
func dataset(t *testing.T, n int, seed uint64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if _, err := trainertest.WriteDataset(dir, n, 32, 13, seed); err != nil {
		t.Fatal(err)
	}
	return dir
}

type fakes struct{ last *trainertest.FakeModel }

func (f *fakes) opts(data, out string) Options {
	return Options{Data: data, Out: out, Config: tinyConfig(), Quiet: true, LogEvery: 1,
		NewModel: func(c gan.Config) (Model, error) {
			f.last = trainertest.NewFake(c)
			return f.last, nil
		}}
}

func readLog(t *testing.T, path string) []runlog.Entry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []runlog.Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var e runlog.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func TestTrainFakeOutputs(t *testing.T) {
	data := dataset(t, 30, 1) // 3 batches of 8 per epoch, 6 images dropped
	out := filepath.Join(t.TempDir(), "run")
	var f fakes
	o := f.opts(data, out)
	o.Epochs, o.SaveEvery, o.Keep, o.SampleEvery, o.LogEvery = 3, 2, 2, 4, 3
	var stderr bytes.Buffer
	if err := Run(context.Background(), o, &stderr); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	if f.last.Steps != 9 {
		t.Errorf("trained %d steps, want 3 epochs x 3 batches = 9", f.last.Steps)
	}
	// Checkpoints: saves at 2,4,6,8 and the end (9), newest 2 kept.
	var names []string
	ents, _ := os.ReadDir(filepath.Join(out, CkptDir))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"latest.safetensors", "step-000008.safetensors", "step-000009.safetensors"}; !reflect.DeepEqual(names, want) {
		t.Errorf("ckpt dir = %v, want %v", names, want)
	}
	meta, err := checkpoint.ReadMeta(filepath.Join(out, CkptDir, safetensors.LatestName))
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 9 || meta.Epoch != 3 || meta.DataPos != 0 || meta.ImageSize != 32 || meta.Channels != 3 {
		t.Errorf("meta = %+v", meta)
	}
	wantCfg := tinyConfig()
	wantCfg.Size, wantCfg.Channels = 32, 3
	if meta.Config != wantCfg {
		t.Errorf("config = %+v, want %+v", meta.Config, wantCfg)
	}
	// Log: steps 3, 6, 9, averaged over 3 steps.
	log := readLog(t, filepath.Join(out, LogFile))
	if len(log) != 3 || log[0].Step != 3 || log[2].Step != 9 || log[2].Interval != 3 || log[2].Epoch != 3 {
		t.Errorf("log = %+v", log)
	}
	// Grids at 4, 8 and the end.
	for _, s := range []string{"step-000000.png", "step-000004.png", "step-000008.png", "step-000009.png"} {
		fh, err := os.Open(filepath.Join(out, GridDir, s))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if w := 8*(32+gridPad) + gridPad; img.Bounds().Dx() != w || img.Bounds().Dy() != w {
			t.Errorf("%s is %v, want %dx%d", s, img.Bounds(), w, w)
		}
	}
	var rc RunConfig
	b, err := os.ReadFile(filepath.Join(out, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rc); err != nil || rc.Steps != 9 || rc.PerEpoch != 3 || rc.Images != 30 || !strings.HasPrefix(rc.DatasetHash, "sha256:") {
		t.Errorf("config.json = %+v (%v)", rc, err)
	}
}

// finalState loads runs/X/ckpt/latest into a fresh fake and returns it with meta.
func finalState(t *testing.T, out string) ([]safetensors.Tensor, checkpoint.Meta) {
	t.Helper()
	m := trainertest.NewFake(tinyConfig())
	meta, err := checkpoint.Restore(filepath.Join(out, CkptDir, safetensors.LatestName), m)
	if err != nil {
		t.Fatal(err)
	}
	return m.State(), meta
}

func TestResumeBitIdentical(t *testing.T) {
	data := dataset(t, 27, 2) // 3 batches per epoch
	var f fakes
	full := filepath.Join(t.TempDir(), "full")
	o := f.opts(data, full)
	o.Steps, o.SaveEvery = 11, 5
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	want, wantMeta := finalState(t, full)

	// Same run in three legs: --steps 4, interrupted by a signal at step 7, then to 11.
	part := filepath.Join(t.TempDir(), "part")
	o = f.opts(data, part)
	o.Steps, o.SaveEvery = 4, 5
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o = f.opts(data, part)
	o.Resume, o.Steps, o.SaveEvery = true, 11, 5
	o.NewModel = func(c gan.Config) (Model, error) {
		m := trainertest.NewFake(c)
		m.OnStep = func(int) {
			if m.Steps == 3 { // 3 steps after resuming: global step 7
				cancel()
			}
		}
		return m, nil
	}
	err := Run(ctx, o, &bytes.Buffer{})
	var ie *InterruptedError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ie) || ie.Step != 7 || !strings.Contains(err.Error(), "at step 7") {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, m := finalState(t, part); m.Step != 7 {
		t.Fatalf("interrupted run saved step %d, want 7", m.Step)
	}
	o = f.opts(data, part)
	o.Resume, o.Steps, o.SaveEvery = true, 11, 5
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	got, gotMeta := finalState(t, part)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resumed weights differ from the uninterrupted run:\n got %v\nwant %v", got, want)
	}
	if !bytes.Equal(gotMeta.RNG, wantMeta.RNG) || gotMeta.Epoch != wantMeta.Epoch || gotMeta.DataPos != wantMeta.DataPos {
		t.Errorf("resumed meta %+v, want %+v", gotMeta, wantMeta)
	}
	// The log continues without duplicates.
	log := readLog(t, filepath.Join(part, LogFile))
	for i, e := range log {
		if e.Step != i+1 {
			t.Fatalf("log step %d at line %d: %+v", e.Step, i, log)
		}
	}
	if len(log) != 11 {
		t.Errorf("log has %d lines, want 11", len(log))
	}
	fullLog := readLog(t, filepath.Join(full, LogFile))
	for i := range log {
		if log[i].LossD != fullLog[i].LossD || log[i].LossG != fullLog[i].LossG {
			t.Errorf("log step %d: losses %v/%v, uninterrupted %v/%v", i+1, log[i].LossD, log[i].LossG, fullLog[i].LossD, fullLog[i].LossG)
		}
	}
}

// recipeConfigs are tinyConfig under every recipe, plus every ingredient
// at once (the recipes' batch is kept at tinyConfig's 8 for speed).
func recipeConfigs(t *testing.T) map[string]gan.Config {
	t.Helper()
	out := map[string]gan.Config{}
	for _, name := range gan.RecipeNames() {
		c := tinyConfig()
		if err := gan.ApplyRecipe(&c, name); err != nil {
			t.Fatal(err)
		}
		c.Batch = 8
		out[name] = c
	}
	all := out[gan.DefaultRecipe]
	all.Loss, all.LRD, all.LRG = gan.LossHinge, 4e-4, 1e-4
	all.Augment, all.SpectralNorm, all.MBStd, all.EMABN, all.ColourMatch = "color,translation,cutout", true, true, gan.EMABNStanding, 5
	out["every-ingredient"] = all
	return out
}

// TestResumeRealModel is TestResumeBitIdentical's core with the real gan
// model at the CI size (32 px, ngf=ndf=8, batch 8), for every recipe: an
// interrupted and resumed run equals the uninterrupted one, and a second
// uninterrupted run with the same seed equals the first (determinism for a
// seed and GOMAXPROCS).
func TestResumeRealModel(t *testing.T) {
	data := dataset(t, 24, 3)
	for name, cfg := range recipeConfigs(t) {
		t.Run(name, func(t *testing.T) {
			run := func(out string, steps int, resume bool) {
				t.Helper()
				o := Options{Data: data, Out: out, Config: cfg, Quiet: true, Steps: steps, Resume: resume}
				if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
					t.Fatal(err)
				}
			}
			load := func(out string) []safetensors.Tensor {
				m, _, err := checkpoint.Load(filepath.Join(out, CkptDir, safetensors.LatestName))
				if err != nil {
					t.Fatal(err)
				}
				return m.State()
			}
			dir := t.TempDir()
			full, again, part := filepath.Join(dir, "full"), filepath.Join(dir, "again"), filepath.Join(dir, "part")
			run(full, 4, false)
			run(again, 4, false)
			run(part, 2, false)
			run(part, 4, true)
			if !reflect.DeepEqual(load(part), load(full)) {
				t.Error("resumed weights differ from the uninterrupted run")
			}
			if !reflect.DeepEqual(load(again), load(full)) {
				t.Error("two runs with the same seed differ")
			}
		})
	}
}

func TestNonFinite(t *testing.T) {
	data := dataset(t, 16, 4)
	tests := []struct {
		name             string
		lossAt, weightAt int
		wantStep         string
		wantLatest       int
	}{
		{"loss", 7, 0, "at step 7: loss_G is NaN", 5},
		{"weight", 0, 6, "at step 10: weight tensor D.w holds NaN", 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			o := Options{Data: data, Out: out, Config: tinyConfig(), Quiet: true, Steps: 20, SaveEvery: 5,
				NewModel: func(c gan.Config) (Model, error) {
					m := trainertest.NewFake(c)
					m.NaNLossAt, m.NaNWeightAt = tc.lossAt, tc.weightAt
					return m, nil
				}}
			err := Run(context.Background(), o, &bytes.Buffer{})
			if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), tc.wantStep) ||
				!strings.Contains(err.Error(), "latest.safetensors") {
				t.Fatalf("err = %v, want ErrNonFinite %q", err, tc.wantStep)
			}
			_, meta := finalState(t, out)
			if meta.Step != tc.wantLatest {
				t.Errorf("latest checkpoint is step %d, want %d", meta.Step, tc.wantLatest)
			}
			if _, err := os.Stat(safetensors.StepPath(filepath.Join(out, CkptDir), 10)); err == nil {
				t.Error("a checkpoint with NaN weights was written")
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	data := dataset(t, 16, 5)
	other := dataset(t, 16, 6)
	data64 := filepath.Join(t.TempDir(), "d64")
	if _, err := trainertest.WriteDataset(data64, 10, 16, 10, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	var f fakes
	o := f.opts(data, out)
	o.Steps = 2
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		mod  func(o *Options)
		want string // "" = success
	}{
		{"no data flag", func(o *Options) { o.Data = "" }, "no data folder"},
		{"missing data", func(o *Options) { o.Data = filepath.Join(out, "nope") }, "manifest"},
		{"fresh over existing", func(o *Options) {}, "already holds checkpoints"},
		{"resume nothing", func(o *Options) { o.Resume, o.Out = true, filepath.Join(out, "new") }, "no checkpoint to resume in"},
		{"other data", func(o *Options) { o.Resume, o.Data = true, other }, "trained on data with hash"},
		{"other size", func(o *Options) { o.Resume, o.Data, o.Force = true, data64, true }, "image size 32x32 with 3 channels in the checkpoint, 16x16"},
		{"explicit ngf", func(o *Options) {
			o.Resume, o.Config.NGF, o.Explicit = true, 16, []string{"ngf", "lr"}
		}, "ngf 16 differs from the checkpoint's 8"},
		{"same explicit", func(o *Options) { o.Resume, o.Explicit, o.Steps = true, []string{"ngf", "batch"}, 3 }, ""},
		{"forced data", func(o *Options) { o.Resume, o.Data, o.Force, o.Steps = true, other, true, 4 }, ""},
		{"nothing to do", func(o *Options) { o.Resume, o.Force, o.Steps = true, true, 2 }, ""},
		{"batch too big", func(o *Options) { o.Out, o.Config.Batch = filepath.Join(out, "b"), 64 }, "fewer than one batch"},
		{"negative", func(o *Options) { o.Steps = -1 }, "steps -1 out of range"},
		{"infinite minutes", func(o *Options) { o.Minutes = math.Inf(1) }, "minutes +Inf out of range"},
		{"lr 1", func(o *Options) { o.Out, o.Config.LR = filepath.Join(out, "lr"), 1 }, "lr 1 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := f.opts(data, out)
			o.Steps = 2
			tc.mod(&o)
			var stderr bytes.Buffer
			err := Run(context.Background(), o, &stderr)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBudgets(t *testing.T) {
	data := dataset(t, 16, 7) // 2 batches per epoch
	tests := []struct {
		steps, epochs, want int
	}{{5, 0, 5}, {0, 2, 4}, {3, 2, 3}, {9, 2, 4}}
	for _, tc := range tests {
		var f fakes
		o := f.opts(data, filepath.Join(t.TempDir(), "run"))
		o.Steps, o.Epochs = tc.steps, tc.epochs
		if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if f.last.Steps != tc.want {
			t.Errorf("steps %d epochs %d: trained %d steps, want %d", tc.steps, tc.epochs, f.last.Steps, tc.want)
		}
	}
	// A tiny time budget stops early but still saves.
	var f fakes
	out := filepath.Join(t.TempDir(), "run")
	o := f.opts(data, out)
	o.Minutes = 1e-9
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if _, meta := finalState(t, out); meta.Step > 1 {
		t.Errorf("--minutes 1e-9 trained %d steps", meta.Step)
	}
}

func TestGridImage(t *testing.T) {
	// two 1x2 RGB images: pixels -1, 1 / 0 ...
	x := []float32{
		-1, 1, 0, 0, 1, -1, // image 0: R plane, G plane, B plane
		1, 1, -1, -1, 0.5, 2, // image 1
	}
	img, err := gridImage(x, 2, 3, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*(2+gridPad)+gridPad || b.Dy() != 1+2*gridPad {
		t.Fatalf("bounds %v", b)
	}
	check := func(x, y int, r, g, b uint8) {
		t.Helper()
		c := img.NRGBAAt(x, y)
		if c.R != r || c.G != g || c.B != b || c.A != 255 {
			t.Errorf("pixel (%d,%d) = %v, want %d,%d,%d", x, y, c, r, g, b)
		}
	}
	check(0, 0, 255, 255, 255) // padding
	check(gridPad, gridPad, 0, 128, 255)
	check(gridPad+1, gridPad, 255, 128, 0)
	check(2*gridPad+2, gridPad, 255, 0, 191)
	check(2*gridPad+3, gridPad, 255, 0, 255) // 2 clamps
	if _, err := gridImage(x, 3, 3, 1, 2, 2); err == nil {
		t.Error("wrong length accepted")
	}
}

// infAt is the real model, fed an infinite pixel at step `at` (counted in
// this process): D's first convolution overflows and the losses become NaN.
type infAt struct {
	*gan.Model
	at, n int
}

func (m *infAt) Step(real []float32) (gan.Stats, error) {
	m.n++
	if m.n == m.at {
		real = slices.Clone(real)
		real[len(real)/2] = float32(math.Inf(1))
	}
	return m.Model.Step(real)
}

// TestNonFiniteRealModel: the real model's NaN guard leads to the trainer's
// ErrNonFinite path, which keeps the last good checkpoint, for every recipe.
func TestNonFiniteRealModel(t *testing.T) {
	data := dataset(t, 16, 4)
	for name, cfg := range recipeConfigs(t) {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			o := Options{Data: data, Out: out, Config: cfg, Quiet: true, Steps: 10, SaveEvery: 2,
				NewModel: func(c gan.Config) (Model, error) {
					m, err := gan.New(c)
					return &infAt{Model: m, at: 3}, err
				}}
			err := Run(context.Background(), o, &bytes.Buffer{})
			if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "at step 3") ||
				!strings.Contains(err.Error(), "last good checkpoint: "+filepath.Join(out, CkptDir, safetensors.LatestName)) {
				t.Fatalf("err = %v, want ErrNonFinite at step 3 naming the last good checkpoint", err)
			}
			m, meta, err := checkpoint.Load(filepath.Join(out, CkptDir, safetensors.LatestName))
			if err != nil {
				t.Fatal(err)
			}
			if meta.Step != 2 {
				t.Errorf("latest checkpoint is step %d, want 2", meta.Step)
			}
			if err := checkpoint.CheckFinite(m.State()); err != nil {
				t.Errorf("the last good checkpoint: %v", err)
			}
		})
	}
}

// TestProgressRate: the plain progress lines (stderr is not a terminal)
// show a non-zero images/s from the first line on, before the first log
// window has closed.
func TestProgressRate(t *testing.T) {
	data := dataset(t, 24, 3)
	var f fakes
	o := f.opts(data, filepath.Join(t.TempDir(), "run"))
	o.Quiet, o.Steps, o.LogEvery = false, 3, 1000
	var stderr bytes.Buffer
	if err := Run(context.Background(), o, &stderr); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if !strings.HasPrefix(line, "train ") {
			continue
		}
		n++
		if !strings.Contains(line, " img/s") || strings.Contains(line, " 0 img/s") {
			t.Errorf("progress line without a rate: %q", line)
		}
	}
	if n == 0 {
		t.Fatalf("no progress lines in %q", stderr.String())
	}
}
