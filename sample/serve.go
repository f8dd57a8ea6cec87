package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/explorer"
	"github.com/urfave/cli/v2"
)

const serveExamples = `  sample serve --ckpt runs/builtin/ckpt/latest.safetensors      # then open the printed URL
  sample serve --run runs/builtin                               # step slider over the run's checkpoints
  sample serve --run runs/builtin --addr 127.0.0.1:9000
`

// serveCommand is `sample serve`: the local web explorer (pkg/explorer).
func serveCommand() *cli.Command {
	env := func(f string) []string { return cliapp.EnvVar("sample_serve", f) }
	return &cli.Command{
		Name:      "serve",
		Usage:     "browse a checkpoint in a local web page: faces, directions, variations, interpolation",
		UsageText: "sample serve --ckpt FILE | --run DIR [--addr HOST:PORT]",
		Description: "Serves the explorer page (all assets built in; no network needed) until Ctrl-C or SIGTERM.\n" +
			"Binds to 127.0.0.1 unless --addr says otherwise and prints the URL to open.\n\nEXAMPLES:\n" + strings.TrimRight(serveExamples, "\n"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "ckpt", Usage: "checkpoint file (.safetensors) written by train", EnvVars: env("ckpt")},
			&cli.StringFlag{Name: "run", Usage: "train run folder: its ckpt/step-*.safetensors (newest 256) with a step slider; the newest is shown first", EnvVars: env("run")},
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on (port 0: any free port); a non-loopback address serves the network", EnvVars: env("addr")},
			&cli.IntFlag{Name: "queue", Value: 32, Usage: "requests that may wait to generate before the server answers 503, 1..1024", EnvVars: env("queue")},
		},
		Action:       serveAction,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return &cliapp.UsageError{Err: err} },
	}
}

func serveAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return cliapp.UsageErrorf("unexpected arguments %q", c.Args().Slice())
	}
	if (c.String("ckpt") == "") == (c.String("run") == "") {
		return cliapp.UsageErrorf("give one of --ckpt FILE or --run DIR")
	}
	if err := cliapp.IntIn(c, "queue", 1, 1024); err != nil {
		return err
	}
	_, _, err := net.SplitHostPort(c.String("addr"))
	if err != nil {
		return cliapp.UsageErrorf("--addr %q: %v (want HOST:PORT, e.g. 127.0.0.1:8080)", c.String("addr"), err)
	}
	loopback := explorer.LoopbackHost(c.String("addr"))
	paths := []string{c.String("ckpt")}
	if c.String("run") != "" {
		if paths, err = explorer.RunCheckpoints(c.String("run")); err != nil {
			return err
		}
	}
	srv, err := explorer.Open(paths, explorer.Options{Log: c.App.ErrWriter, MaxWaiting: c.Int("queue"), LoopbackOnly: loopback})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return fmt.Errorf("listen on %q: %w", c.String("addr"), err)
	}
	if !loopback {
		fmt.Fprintf(c.App.ErrWriter, "sample: warning: listening on %s: anyone who can reach this machine can use the explorer\n", ln.Addr())
	}
	ctx, stop := cliapp.Interruptible(context.Background(), c.App.ErrWriter, "sample: stopping the server", 0)
	defer stop()
	fmt.Fprintf(c.App.Writer, "sample: explorer of %d checkpoint(s) at http://%s/ (Ctrl-C stops)\n", len(paths), ln.Addr())
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	return cliapp.ErrInterrupted
}
