package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/onnx/onnxpb"
	"github.com/toongan/toongan/pkg/sampling"
	"google.golang.org/protobuf/proto"
)

func TestExportONNXAndFloats(t *testing.T) {
	dir := t.TempDir()
	ck := writeCkpt(t, dir)
	model := filepath.Join(dir, "g.onnx")
	if code, msg := run("--ckpt", ck, "--export-onnx", model, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if g := m.GetGraph(); len(g.Input) != 1 || g.Input[0].GetName() != "latent" || g.Output[0].GetName() != "image" {
		t.Errorf("graph inputs %v outputs %v", g.Input, g.Output)
	}

	// --save-floats holds exactly the values the generator made.
	floats := filepath.Join(dir, "x.f32")
	grid := filepath.Join(dir, "grid.png")
	if code, msg := run("--ckpt", ck, "--n", "3", "--seed", "4", "--save-floats", floats, "--out", grid, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	raw, err := os.ReadFile(floats)
	if err != nil {
		t.Fatal(err)
	}
	g, meta, err := checkpoint.Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.Generate(sampling.Latents(4, 3, meta.Config.NZ, 0), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4*len(want) || len(want) != 3*3*32*32 {
		t.Fatalf("%d bytes for %d values", len(raw), len(want))
	}
	for i, w := range want {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); got != w {
			t.Fatalf("value %d: %v, want %v", i, got, w)
		}
	}
}

func TestExportONNXErrors(t *testing.T) {
	dir := t.TempDir()
	ck := writeCkpt(t, dir)
	model := filepath.Join(dir, "g.onnx")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"extension", []string{"--ckpt", ck, "--export-onnx", filepath.Join(dir, "g.pb")}, 2, []string{"end the name in .onnx"}},
		{"with --out", []string{"--ckpt", ck, "--export-onnx", model, "--out", filepath.Join(dir, "a.png")}, 2, []string{"drop --out"}},
		{"with --latents", []string{"--ckpt", ck, "--export-onnx", model, "--latents", "z.json"}, 2, []string{"drop --latents"}},
		{"device", []string{"--ckpt", ck, "--export-onnx", "/dev/null.onnx"}, 2, []string{"/dev"}},
		{"folder", []string{"--ckpt", ck, "--export-onnx", filepath.Join(dir, "d.onnx")}, 2, []string{"d.onnx"}},
		{"missing ckpt", []string{"--ckpt", filepath.Join(dir, "nope.safetensors"), "--export-onnx", model}, 1, []string{"nope.safetensors"}},
		{"floats with interp", []string{"--ckpt", ck, "--interp", "4", "--save-floats", filepath.Join(dir, "x.f32"), "--out", filepath.Join(dir, "i.gif")}, 2, []string{"--save-floats"}},
	} {
		if tc.name == "folder" {
			if err := os.Mkdir(filepath.Join(dir, "d.onnx"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
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
	if _, err := os.Stat(model); !os.IsNotExist(err) {
		t.Errorf("a refused export left %s behind (%v)", model, err)
	}
}
