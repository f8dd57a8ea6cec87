package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/mpi"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/trainer/trainertest"
	"github.com/urfave/cli/v2"
)

// tiny are model flags small enough for the real model in CI.
var tiny = []string{"--ngf", "8", "--ndf", "8", "--nz", "16", "--batch", "8", "--quiet"}

func TestHelpAndUsage(t *testing.T) {
	var stderr bytes.Buffer
	a := app()
	var stdout bytes.Buffer
	a.Writer = &stdout
	if code := cliapp.Run(a, []string{"train", "--help"}, &stderr); code != 0 {
		t.Fatalf("--help exited %d: %s", code, stderr.String())
	}
	for _, want := range []string{"EXAMPLES", "--resume", "last partial batch", "--epochs 25", "TOONGAN_TRAIN_BATCH", "--cond-mismatch W", "real faces with another face's labels as fakes"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--out", "x"}, 2, "--data is required"},
		{[]string{"--data", "x"}, 2, "--out is required"},
		{[]string{"--data", "x", "--out", "y", "--kernel", "3"}, 2, "--kernel 3"},
		{[]string{"--data", "x", "--out", "y", "--arch", "vae"}, 2, `--arch "vae"`},
		{[]string{"--data", "x", "--out", "y", "--ema", "1"}, 2, "--ema"},
		{[]string{"--data", "x", "--out", "y", "extra"}, 2, "unexpected argument"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"--data", "x", "--out", "y", "--batch", "abc"}, 2, "invalid value"},
		{[]string{"--data", "x", "--out", "y", "--beta2", "0"}, 2, "--beta2 0 out of range (0, 1)"},
		{[]string{"--data", "x", "--out", "y", "--lr", "1"}, 2, "--lr 1 out of range"},
		{[]string{"--data", "x", "--out", "y", "--ngf", "2000"}, 2, "--ngf 2000 out of range 1..1024"},
		{[]string{"--data", "x", "--out", "y", "--nz", "0"}, 2, "--nz 0 out of range"},
		{[]string{"--data", "x", "--out", "y", "--minutes", "Inf"}, 2, "--minutes +Inf out of range"},
		{[]string{"--data", "x", "--out", "y", "--steps", "-1"}, 2, "--steps -1 out of range"},
		{[]string{"--data", "x", "--out", "y", "--force"}, 2, "--force only applies with --resume"},
		{[]string{"--data", "x", "--out", "y", "--cond", " , "}, 2, "--cond: want a list of attributes"},
		{[]string{"--data", "x", "--out", "y", "--cond", "all,hair"}, 2, `"all" stands alone`},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair,hair"}, 2, `attribute "hair" twice`},
		{[]string{"--data", "x", "--out", "y", "--cond-dim", "4"}, 2, "--cond-dim 4: want 1..256, with --cond on a new run"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-dim", "999"}, 2, "--cond-dim 999"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-d", "wgan"}, 2, `--cond-d "wgan": want projection or acgan`},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-g", "film"}, 2, `--cond-g "film": want concat or cbn`},
		{[]string{"--data", "x", "--out", "y", "--cond-g", "cbn"}, 2, `--cond-g "cbn": want concat or cbn, with --cond`},
		{[]string{"--data", "x", "--out", "y", "--cond-mismatch", "1"}, 2, "--cond-mismatch 1: want 0..10, with --cond"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-mismatch", "-1"}, 2, "--cond-mismatch -1: want 0..10"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-mismatch", "11"}, 2, "--cond-mismatch 11: want 0..10"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hair", "--cond-d", "acgan", "--cond-mismatch", "1"}, 2, "with --cond and the projection D"},
		{[]string{"--data", "x", "--out", "y", "--cond-balance", "hat"}, 2, "--cond-balance hat: balancing needs --cond"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hat", "--cond-balance-power", "0.5"}, 2, "--cond-balance-power 0.5: want a value in (0, 1], with --cond-balance"},
		{[]string{"--data", "x", "--out", "y", "--cond", "hat", "--cond-balance", "hat", "--cond-balance-power", "0"}, 2, "--cond-balance-power 0: want a value in (0, 1]"},
		{[]string{"--data", filepath.Join(t.TempDir(), "none"), "--out", t.TempDir()}, 1, "manifest"},
		{[]string{"--data", "x", "--out", "y", "--dist", "bogus"}, 2, `--dist "bogus": want auto, mpi or none`},
	}
	if !mpi.Enabled {
		tests = append(tests, struct {
			args []string
			code int
			want string
		}{[]string{"--data", "x", "--out", "y", "--dist", "mpi"}, 1, "built without MPI: build it with -tags mpi"})
	}
	for _, tc := range tests {
		stderr.Reset()
		a := app()
		a.Writer = &stdout
		a.ErrWriter = &stderr
		if code := cliapp.Run(a, append([]string{"train"}, tc.args...), &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

func TestEnvFallback(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if _, err := trainertest.WriteDataset(data, 20, 32, 20, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	t.Setenv("TOONGAN_TRAIN_STEPS", "3")
	t.Setenv("TOONGAN_TRAIN_NGF", "8")
	var stderr bytes.Buffer
	a := app()
	a.ErrWriter = &stderr
	args := []string{"train", "--data", data, "--out", out, "--ndf", "8", "--nz", "16", "--batch", "8", "--quiet"}
	if code := cliapp.Run(a, args, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	meta, err := checkpoint.ReadMeta(filepath.Join(out, "ckpt", safetensors.LatestName))
	if err != nil {
		t.Fatal(err)
	}
	if meta.Step != 3 || meta.Config.NGF != 8 {
		t.Errorf("meta step %d ngf %d, want 3 and 8 from the environment", meta.Step, meta.Config.NGF)
	}
}

// buildTrain compiles this command into a temporary directory.
func buildTrain(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "train")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary")
	}
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// checkLatest loads the run's latest checkpoint with the real model.
func checkLatest(t *testing.T, out string) int {
	t.Helper()
	path, err := safetensors.Latest(filepath.Join(out, "ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	_, meta, err := checkpoint.Load(path)
	if err != nil {
		t.Fatalf("latest checkpoint does not load: %v", err)
	}
	return meta.Step
}

// TestKillAndResume kills the train binary with SIGKILL at random moments
// and checks each time that the latest checkpoint loads and --resume goes on;
// then interrupts it with SIGINT and checks the clean stop. For every recipe,
// and with every ingredient on at once.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildTrain(t)
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"classic", []string{"--recipe", "classic"}},
		{"toon", []string{"--recipe", "toon"}},
		{"every-ingredient", []string{"--recipe", "toon", "--loss", "hinge", "--lr-d", "4e-4", "--lr-g", "1e-4",
			"--augment", "color,translation,cutout", "--spectral-norm", "--mbstd", "--ema-bn", "standing", "--colour-match", "5"}},
	} {
		t.Run(tc.name, func(t *testing.T) { killAndResume(t, bin, tc.flags) })
	}
}

// killAndResume is TestKillAndResume for one set of recipe flags.
func killAndResume(t *testing.T, bin string, flags []string) {
	data := filepath.Join(t.TempDir(), "data")
	if _, err := trainertest.WriteDataset(data, 40, 32, 16, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	base := append([]string{"--data", data, "--out", out, "--save-every", "1", "--keep", "2", "--sample-every", "3", "--log-every", "1"}, tiny...)
	base = append(base, flags...)
	start := func(extra ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, append(append([]string{}, base...), extra...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	// A first checkpoint, then kill -9 loops.
	first := exec.Command(bin, append(append([]string{}, base...), "--steps", "2")...)
	if b, err := first.CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, b)
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	last := checkLatest(t, out)
	const huge = "1000000"
	for i := range 5 {
		cmd, stderr := start("--resume", "--steps", huge)
		time.Sleep(time.Duration(50+r.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("loop %d: run ended by itself: %v\n%s", i, err, stderr)
		}
		step := checkLatest(t, out)
		if step < last {
			t.Fatalf("loop %d: latest went back from step %d to %d", i, last, step)
		}
		t.Logf("loop %d: killed at latest step %d", i, step)
		last = step
	}
	// --resume continues to a target just past the latest.
	target := strconv.Itoa(last + 3)
	resume := exec.Command(bin, append(append([]string{}, base...), "--resume", "--steps", target)...)
	if b, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if s := checkLatest(t, out); s != last+3 {
		t.Errorf("resumed run ended at step %d, want %d", s, last+3)
	}
	if stale, _ := filepath.Glob(filepath.Join(out, "ckpt", ".*")); len(stale) != 0 {
		t.Errorf("stale temporary files after resume: %v", stale)
	}

	// SIGINT: clean stop with status 130, a checkpoint and a resume hint.
	cmd, stderr := start("--resume", "--steps", huge)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v, want exit 130\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "--resume") || !strings.Contains(stderr.String(), "interrupted at step") {
		t.Errorf("SIGINT message: %q", stderr.String())
	}
	step := checkLatest(t, out)
	if !strings.Contains(stderr.String(), "at step "+strconv.Itoa(step)) {
		t.Errorf("message names another step than the saved %d: %q", step, stderr.String())
	}
}

// TestCondDefaults pins --cond-g's default (cbn for a new conditional run,
// the checkpoint's on --resume) and --cond-balance's list.
func TestCondDefaults(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		g       string
		balance []string
	}{
		{nil, "", nil},
		{[]string{"--cond", "all"}, gan.CondCBN, nil},
		{[]string{"--cond", "hair", "--cond-g", "concat"}, gan.CondConcat, nil},
		{[]string{"--cond", "hair", "--resume"}, "", nil},
		{[]string{"--cond", "hair,hat", "--cond-balance", "hat, hair"}, gan.CondCBN, []string{"hat", "hair"}},
		{[]string{"--cond", "hair", "--cond-balance", "none"}, gan.CondCBN, nil},
	} {
		var g string
		var bal []string
		a := &cli.App{Flags: flags(), Action: func(c *cli.Context) error {
			g, bal = condG(c), condBalance(c.String("cond-balance"))
			return nil
		}}
		if err := a.Run(append([]string{"train"}, tc.args...)); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if g != tc.g || !slices.Equal(bal, tc.balance) {
			t.Errorf("%v: --cond-g %q, --cond-balance %q; want %q, %q", tc.args, g, bal, tc.g, tc.balance)
		}
	}
}

// TestCondMismatchDefault pins --cond-mismatch's default: 1 for a new
// conditional run with the projection D, 0 otherwise (and on --resume,
// where the checkpoint's value counts); an explicit value wins.
func TestCondMismatchDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 0},
		{[]string{"--cond", "all"}, gan.DefaultCondMismatch},
		{[]string{"--cond", "hair", "--cond-mismatch", "0"}, 0},
		{[]string{"--cond", "hair", "--cond-mismatch", "2.5"}, 2.5},
		{[]string{"--cond", "hair", "--cond-d", "acgan"}, 0},
		{[]string{"--cond", "hair", "--batch", "1"}, 0},
		{[]string{"--cond", "hair", "--resume"}, 0},
	} {
		var got float64
		a := &cli.App{Flags: flags(), Action: func(c *cli.Context) error {
			cfg, err := configFromFlags(c)
			got = condMismatch(c, cfg.Batch)
			return err
		}}
		if err := a.Run(append([]string{"train"}, tc.args...)); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got != tc.want {
			t.Errorf("%v: --cond-mismatch %g, want %g", tc.args, got, tc.want)
		}
	}
}

// TestColourMatchDefault pins --colour-match's default: the recipe's (toon
// 30, classic 0), 0 for a conditional run; an explicit value wins.
func TestColourMatchDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 30},
		{[]string{"--recipe", "classic"}, 0},
		{[]string{"--cond", "all"}, 0},
		{[]string{"--cond", "hair", "--colour-match", "5"}, 5},
		{[]string{"--colour-match", "0"}, 0},
		{[]string{"--recipe", "classic", "--colour-match", "12.5"}, 12.5},
	} {
		var got float64
		a := &cli.App{Flags: flags(), Action: func(c *cli.Context) error {
			cfg, err := configFromFlags(c)
			got = cfg.ColourMatch
			return err
		}}
		if err := a.Run(append([]string{"train"}, tc.args...)); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got != tc.want {
			t.Errorf("%v: colour_match %g, want %g", tc.args, got, tc.want)
		}
	}
}
