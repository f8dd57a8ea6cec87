// Command checkoutputs verifies that a pipeline run left every output file and
// that each one parses: the dataset manifest and shards, the checkpoint, the
// training log, the sample grid and GIF, and the eval report.
package main

import (
	"encoding/json"
	"fmt"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/runlog"
	"github.com/toongan/toongan/pkg/shard"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: checkoutputs DATADIR RUNDIR")
		os.Exit(2)
	}
	if err := check(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "checkoutputs:", err)
		os.Exit(1)
	}
	fmt.Println("checkoutputs: every output exists and parses")
}

func check(dataDir, runDir string) error {
	m, err := shard.Load(dataDir)
	if err != nil {
		return err
	}
	for _, p := range append(m.TrainPaths(), m.HoldoutPaths()...) {
		r, err := shard.Open(p)
		if err != nil {
			return err
		}
		r.Close()
	}
	if _, _, err := checkpoint.Load(filepath.Join(runDir, "ckpt", "latest.safetensors")); err != nil {
		return err
	}
	if _, _, err := runlog.Read(filepath.Join(runDir, "log.jsonl")); err != nil {
		return err
	}
	for _, p := range []string{"grid.png", "interp.png"} {
		if err := decode(filepath.Join(runDir, p), func(f *os.File) error { _, err := png.Decode(f); return err }); err != nil {
			return err
		}
	}
	if err := decode(filepath.Join(runDir, "interp.gif"), func(f *os.File) error { _, err := gif.DecodeAll(f); return err }); err != nil {
		return err
	}
	var rep map[string]any
	if err := decode(filepath.Join(runDir, "eval", "report.json"), func(f *os.File) error { return json.NewDecoder(f).Decode(&rep) }); err != nil {
		return err
	}
	html, err := os.ReadFile(filepath.Join(runDir, "eval", "report.html"))
	if err != nil {
		return err
	}
	if len(html) < 1000 {
		return fmt.Errorf("%s: only %d bytes", filepath.Join(runDir, "eval", "report.html"), len(html))
	}
	return nil
}

func decode(path string, fn func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := fn(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
