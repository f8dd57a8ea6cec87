package cliapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/version"
	"github.com/urfave/cli/v2"
)

// QuietFlag is the shared --quiet flag: no progress output, warnings still go to stderr.
var QuietFlag = &cli.BoolFlag{
	Name:    "quiet",
	Aliases: []string{"q"},
	Usage:   "no progress bar or progress lines (warnings and errors still print)",
	EnvVars: []string{"TOONGAN_QUIET"},
}

// EnvVar names the environment variable that backs a flag of the given stage,
// e.g. EnvVar("train", "batch") is TOONGAN_TRAIN_BATCH.
func EnvVar(stage, flag string) []string {
	name := strings.ToUpper(strings.NewReplacer("-", "_").Replace(flag))
	return []string{"TOONGAN_" + strings.ToUpper(stage) + "_" + name}
}

// New builds a stage application. examples is appended to the help text
// verbatim under an EXAMPLES heading.
func New(name, usage, argsUsage, description, examples string, flags []cli.Flag, action cli.ActionFunc) *cli.App {
	desc := strings.TrimSpace(description)
	if examples != "" {
		desc += "\n\nEXAMPLES:\n" + strings.TrimRight(examples, "\n")
	}
	return &cli.App{
		Name:                   name,
		Usage:                  usage,
		UsageText:              name + " [options] " + argsUsage,
		ArgsUsage:              argsUsage,
		Description:            desc,
		Version:                version.Version,
		Flags:                  append(flags, QuietFlag),
		Action:                 action,
		UseShortOptionHandling: true,
		HideHelpCommand:        true,
		Writer:                 os.Stdout,
		ErrWriter:              os.Stderr,
		// Flag parsing errors (unknown flag, malformed value, also from an
		// environment variable) are usage errors: exit status 2.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return &UsageError{Err: err} },
	}
}

// ExitError carries a specific exit status out of an action.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// UsageError is wrong command-line use: a missing, malformed or out-of-range
// flag or argument. Main exits with status 2 on it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return "usage: " + e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ErrInterrupted is returned by actions that stopped cleanly on SIGINT/SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// Main runs app with os.Args and exits: 0 on success, 1 on error (printed as
// "NAME: error: ..."), 2 on usage errors, 130 when interrupted.
//
// The Go runtime's soft memory limit is set to what the machine allows
// (memlimit.ApplyToRuntime).
func Main(app *cli.App) {
	memlimit.ApplyToRuntime()
	os.Exit(Run(app, os.Args, os.Stderr))
}

// Run is Main without the os.Exit, for tests. The exit status comes from
// the error's type only: *UsageError 2, ErrInterrupted 130, *ExitError its
// Code, anything else 1.
func Run(app *cli.App, args []string, stderr io.Writer) int {
	app.ExitErrHandler = func(*cli.Context, error) {} // we report errors ourselves
	err := app.Run(args)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: error: %v\n", app.Name, err)
	var ee *ExitError
	var ue *UsageError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, ErrInterrupted):
		return 130
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "run '%s --help' for usage and examples\n", app.Name)
		return 2
	}
	return 1
}

// UsageErrorf reports wrong command-line use (exit status 2).
func UsageErrorf(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// Require returns a usage error naming the first of the flags that is not
// set (on the command line or through its environment variable).
func Require(c *cli.Context, flags ...string) error {
	for _, f := range flags {
		if !c.IsSet(f) || c.String(f) == "" {
			return UsageErrorf("--%s is required", f)
		}
	}
	return nil
}

// IntIn returns a usage error unless lo <= flag's value <= hi.
func IntIn(c *cli.Context, flag string, lo, hi int) error {
	if v := c.Int(flag); v < lo || v > hi {
		return UsageErrorf("--%s %d out of range %d..%d", flag, v, lo, hi)
	}
	return nil
}

// Interruptible returns a context that is cancelled at the first SIGINT or
// SIGTERM, after printing note (if any) on w. A second signal ends the
// process at once with status 130. With grace > 0 the process also ends
// with status 130 when the work has not returned grace after the first
// signal, so no loop that misses the cancellation can hang it. stop undoes
// all of this; call it when the work returns.
func Interruptible(parent context.Context, w io.Writer, note string, grace time.Duration) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
		case <-done:
			return
		}
		if note != "" { // before cancelling: the note precedes whatever the work prints
			fmt.Fprintln(w, note)
		}
		cancel()
		var timeout <-chan time.Time
		if grace > 0 {
			t := time.NewTimer(grace)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-sig:
			os.Exit(130)
		case <-timeout:
			fmt.Fprintf(w, "interrupted: still busy %s after the signal; exiting without finishing\n", grace)
			os.Exit(130)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sig)
			close(done)
			cancel()
		})
	}
}
