package cliapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		err  error
		code int
		want string
	}{
		{"ok", nil, nil, 0, ""},
		{"plain error", nil, errors.New("bad input"), 1, "x: error: bad input"},
		{"usage", nil, UsageErrorf("--n %d out of range", 0), 2, "usage: --n 0 out of range"},
		{"wrapped usage", nil, fmt.Errorf("checking: %w", UsageErrorf("--n")), 2, "--help"},
		{"interrupted", nil, fmt.Errorf("%w at step 3", ErrInterrupted), 130, "interrupted at step 3"},
		{"canceled is not interrupted", nil, context.Canceled, 1, "context canceled"},
		{"unknown flag", []string{"--bogus"}, nil, 2, "flag provided but not defined"},
		{"bad value", []string{"--n", "abc"}, nil, 2, "invalid value"},
		{"required", []string{"--need"}, nil, 2, "--name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			app := New("x", "test", "", "", "", []cli.Flag{&cli.IntFlag{Name: "n"}, &cli.StringFlag{Name: "name"}, &cli.BoolFlag{Name: "need"}},
				func(c *cli.Context) error {
					if c.Bool("need") {
						return Require(c, "name")
					}
					return tc.err
				})
			app.Writer, app.ErrWriter = &stderr, &stderr
			code := Run(app, append([]string{"x"}, tc.args...), &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the signal goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInterruptibleFirstSignal: the first SIGTERM cancels the context and
// prints the note (the second, which exits the process, is not tested).
func TestInterruptibleFirstSignal(t *testing.T) {
	var out syncBuffer
	ctx, stop := Interruptible(context.Background(), &out, "stopping now", 0)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done() // the note is printed before the context is cancelled
	if !strings.Contains(out.String(), "stopping now") {
		t.Errorf("note not printed: %q", out.String())
	}
}
