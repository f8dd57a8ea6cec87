package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
)

func writeCkpt(t *testing.T, dir string) string {
	t.Helper()
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ = 8, 8, 16
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 3, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(args ...string) (int, string) {
	var buf bytes.Buffer
	code := cliapp.Run(newApp(), append([]string{"sample"}, args...), &buf)
	return code, buf.String()
}

func TestSampleCLI(t *testing.T) {
	dir := t.TempDir()
	ck := writeCkpt(t, dir)
	out := filepath.Join(dir, "grid.png")
	if code, msg := run("--ckpt", ck, "--n", "6", "--cols", "3", "--out", out, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	gifOut := filepath.Join(dir, "i.gif")
	if code, msg := run("--ckpt", ck, "--interp", "4", "--seeds", "1,2", "--out", gifOut, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	for _, p := range []string{gifOut, filepath.Join(dir, "i.png")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

func TestSampleErrors(t *testing.T) {
	dir := t.TempDir()
	ck := writeCkpt(t, dir)
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	os.WriteFile(corrupt, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json"), 0o644)
	out := filepath.Join(dir, "g.png")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing", []string{"--ckpt", filepath.Join(dir, "nope.safetensors"), "--out", out}, 1, []string{"nope.safetensors"}},
		{"corrupt", []string{"--ckpt", corrupt, "--out", out}, 1, []string{"corrupt.safetensors"}},
		{"no output", []string{"--ckpt", ck}, 2, []string{"--out"}},
		{"bad seeds", []string{"--ckpt", ck, "--interp", "4", "--seeds", "1,x", "--out", out}, 2, []string{"--seeds"}},
		{"bad bg", []string{"--ckpt", ck, "--bg", "#zz", "--out", out}, 2, []string{"--bg"}},
		{"no ckpt", []string{"--out", out}, 2, []string{"ckpt"}},
		{"latents nz", []string{"--ckpt", ck, "--latents", filepath.Join(dir, "missing.json"), "--out", out}, 1, []string{"missing.json"}},
		{"n zero", []string{"--ckpt", ck, "-n", "0", "--out", out}, 2, []string{"--n 0 out of range 1..10000"}},
		{"n huge", []string{"--ckpt", ck, "-n", "10000000", "--out", out}, 2, []string{"--n 10000000"}},
		{"truncation NaN", []string{"--ckpt", ck, "--truncation", "NaN", "--out", out}, 2, []string{"--truncation NaN"}},
		{"batch negative", []string{"--ckpt", ck, "--batch", "-1", "--out", out}, 2, []string{"--batch -1"}},
		{"interp negative", []string{"--ckpt", ck, "--interp", "-1", "--out", out}, 2, []string{"--interp -1"}},
		{"interp huge", []string{"--ckpt", ck, "--interp", "100000", "--out", out}, 2, []string{"--interp 100000"}},
		{"keys huge", []string{"--ckpt", ck, "--interp", "4", "--keys", "100000", "--out", out}, 2, []string{"--keys 100000"}},
		{"delay negative", []string{"--ckpt", ck, "--delay", "-5", "--out", out}, 2, []string{"--delay -5"}},
		{"scale", []string{"--ckpt", ck, "--scale", "1000", "--out", out}, 2, []string{"--scale 1000"}},
		{"jpeg name", []string{"--ckpt", ck, "--out", filepath.Join(dir, "x.jpg")}, 2, []string{".png"}},
		{"device", []string{"--ckpt", ck, "--out", "/dev/null.png"}, 2, []string{"/dev"}},
		{"save latents to fd", []string{"--ckpt", ck, "--save-latents", "/proc/self/fd/1", "--out", out}, 2, []string{"/proc"}},
		{"ckpt is a device", []string{"--ckpt", "/dev/zero", "--out", out}, 1, []string{"not a regular file"}},
	} {
		code, msg := run(tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d: %s", tc.name, code, tc.code, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not mention %q", tc.name, msg, w)
			}
		}
	}
}

// TestServeFlags: `sample serve` refuses wrong use with status 2 and
// names the problem; a damaged checkpoint is status 1.
func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	ck := writeCkpt(t, dir)
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"neither", []string{"serve"}, 2, "--ckpt FILE or --run DIR"},
		{"both", []string{"serve", "--ckpt", ck, "--run", dir}, 2, "--ckpt FILE or --run DIR"},
		{"addr", []string{"serve", "--ckpt", ck, "--addr", "nonsense"}, 2, "--addr"},
		{"queue", []string{"serve", "--ckpt", ck, "--queue", "0"}, 2, "--queue 0"},
		{"args", []string{"serve", "--ckpt", ck, "extra"}, 2, "unexpected arguments"},
		{"unknown flag", []string{"serve", "--nope"}, 2, "nope"},
		{"damaged", []string{"serve", "--ckpt", bad}, 1, "bad.safetensors"},
		{"empty run", []string{"serve", "--run", t.TempDir()}, 1, "run folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := run(tc.args...)
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Errorf("exit %d (want %d): %s", code, tc.code, msg)
			}
		})
	}
}
