// Package cliapp holds what every toongan stage binary shares: the urfave/cli
// application shell (--quiet, --version, examples in --help, environment
// variable fallbacks), error reporting with a non-zero exit, and progress
// reporting on stderr that is a live bar on a terminal and plain periodic
// lines otherwise.
package cliapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
	}
}

// ExitError carries a specific exit status out of an action.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ErrInterrupted is returned by actions that stopped cleanly on SIGINT/SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// Main runs app with os.Args and exits: 0 on success, 1 on error (printed as
// "NAME: error: ..."), 2 on usage errors, 130 when interrupted.
func Main(app *cli.App) {
	os.Exit(Run(app, os.Args, os.Stderr))
}

// Run is Main without the os.Exit, for tests.
func Run(app *cli.App, args []string, stderr io.Writer) int {
	app.ExitErrHandler = func(*cli.Context, error) {} // we report errors ourselves
	err := app.Run(args)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: error: %v\n", app.Name, err)
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, ErrInterrupted):
		return 130
	case isUsageError(err):
		fmt.Fprintf(stderr, "run '%s --help' for usage and examples\n", app.Name)
		return 2
	}
	return 1
}

func isUsageError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "flag provided but not defined") ||
		strings.Contains(s, "invalid value") ||
		strings.Contains(s, "Required flag") ||
		strings.HasPrefix(s, "usage:")
}

// UsageErrorf reports wrong command-line use (exit status 2).
func UsageErrorf(format string, a ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf("usage: "+format, a...)}
}

// SignalContext returns a context cancelled on SIGINT or SIGTERM. A second
// signal is left to the default handler (immediate exit) by stop().
func SignalContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
