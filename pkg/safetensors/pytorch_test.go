package safetensors

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPyTorchLoad runs testdata/load_in_pytorch.py on a checkpoint with the
// DCGAN generator's names and shapes. It needs python3 with torch, numpy and
// PIL, and is opt-in (a few seconds): TOONGAN_PYTHON=/usr/bin/python3.
func TestPyTorchLoad(t *testing.T) {
	py := os.Getenv("TOONGAN_PYTHON")
	if py == "" {
		t.Skip("set TOONGAN_PYTHON to a python3 with torch, numpy and PIL")
	}
	nz, ngf, nc := 100, 64, 3
	r := rand.New(rand.NewPCG(1, 2))
	var ts []Tensor
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * 0.02)
		}
		ts = append(ts, Tensor{Name: name, Shape: shape, Data: v})
	}
	ch := []int{nz, ngf * 8, ngf * 4, ngf * 2, ngf, nc}
	for l := 0; l < 5; l++ {
		for _, p := range []string{"EMA.", "G."} {
			add(fmt.Sprintf("%smain.%d.weight", p, 3*l), ch[l], ch[l+1], 4, 4)
			if l < 4 {
				for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
					add(fmt.Sprintf("%smain.%d.%s", p, 3*l+1, s), ch[l+1])
				}
			}
		}
	}
	add("D.main.0.weight", ngf, nc, 4, 4)
	dir := t.TempDir()
	ck := filepath.Join(dir, "g.safetensors")
	if err := Save(ck, ts, map[string]string{"format": "test"}); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "grid.png")
	out, err := exec.Command(py, "testdata/load_in_pytorch.py", ck, png, "--n", "16").CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"EMA generator: nz=100 ngf=64 nc=3, 21 tensors", "missing keys: []", "unexpected keys: []", "wrote"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 100 {
		t.Errorf("grid: %v", err)
	}
}
