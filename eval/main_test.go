package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/imgutil"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errb
	code := cliapp.Run(app, append([]string{"eval"}, args...), &errb)
	return code, out.String(), errb.String()
}

func writeFaces(t *testing.T, dir string, n int, shift int) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	for i := 0; i < n; i++ {
		im := image.NewNRGBA(image.Rect(0, 0, 40, 40))
		for y := 0; y < 40; y++ {
			for x := 0; x < 40; x++ {
				im.SetNRGBA(x, y, color.NRGBA{uint8(x*6 + i), uint8(y*6 + shift), uint8((x + y + i) * 3), 255})
			}
		}
		if err := imgutil.WritePNG(filepath.Join(dir, fmt.Sprintf("%03d.png", i)), im); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEvalFolders(t *testing.T) {
	dir := t.TempDir()
	writeFaces(t, filepath.Join(dir, "real"), 12, 0)
	writeFaces(t, filepath.Join(dir, "fake"), 10, 40)
	out := filepath.Join(dir, "eval")
	code, stdout, stderr := run("--fake-dir", filepath.Join(dir, "fake"), "--real-dir", filepath.Join(dir, "real"), "--out", out, "--n", "10", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "SWD") || !strings.Contains(stderr, "memorisation check skipped") {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Params struct{ Size int }
		Counts struct{ Real, Generated int }
	}
	if err := json.Unmarshal(b, &j); err != nil || j.Params.Size != 40 || j.Counts.Real != 12 || j.Counts.Generated != 10 {
		t.Errorf("report %+v, %v", j, err)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
}

func TestEvalUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--out", "x", "--data", "d"},
		{"--out", "x", "--ckpt", "a", "--fake-dir", "f", "--data", "d"},
		{"--out", "x", "--ckpt", "a"},
		{"--ckpt", "a", "--data", "d"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "-n", "0"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "--bins", "-1"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "--grid", "-1"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "--pairs", "-1"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "--batch", "0"},
		{"--out", "x", "--ckpt", "a", "--data", "d", "-n", "100000000"},
	} {
		if code, _, stderr := run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("keep"), 0o644)
	code, _, stderr := run("--out", file, "--data", "nodata", "--ckpt", "missing.safetensors")
	if code != 1 || !strings.Contains(stderr, "not a folder") {
		t.Errorf("--out FILE: exit %d, %s", code, stderr)
	}
	code, _, stderr = run("--out", t.TempDir(), "--data", "nodata", "--ckpt", "missing.safetensors")
	if code != 1 || !strings.Contains(stderr, "missing.safetensors") {
		t.Errorf("missing checkpoint: exit %d, %s", code, stderr)
	}
}
