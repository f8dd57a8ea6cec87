package safetensors

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPyTorchLoadConditional runs testdata/load_in_pytorch.py on a
// conditional generator (train --cond): the latent gets the label
// embeddings appended, --attr picks values, and an unknown value is an
// error listing the known ones; with conditional BatchNorm (train --cond-g
// cbn) the BatchNorm layers take their tables, and a missing table is an
// error. Opt-in like TestPyTorchLoad.
func TestPyTorchLoadConditional(t *testing.T) {
	py := os.Getenv("TOONGAN_PYTHON")
	if py == "" {
		t.Skip("set TOONGAN_PYTHON to a python3 with torch, numpy and PIL")
	}
	for _, g := range []string{"", "cbn"} {
		t.Run("g="+g, func(t *testing.T) { pytorchLoadConditional(t, py, g) })
	}
}

func pytorchLoadConditional(t *testing.T, py, condG string) {
	nz, ngf, nc, dim := 100, 64, 3, 16
	cfg := `{"arch":"dcgan","size":64,"nz":100,"cond":{"dim":16,"g":"` + condG + `","attributes":[` +
		`{"name":"hair","values":["black","red"],"counts":[5,5],"unknown":1},` +
		`{"name":"glasses","values":["no","yes"],"counts":[7,3],"unknown":0}]}}`
	rows := (2 + 1) + (2 + 1)
	r := rand.New(rand.NewPCG(1, 3))
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
	ch := []int{nz + 2*dim, ngf * 8, ngf * 4, ngf * 2, ngf, nc}
	for l := 0; l < 5; l++ {
		add(fmt.Sprintf("EMA.main.%d.weight", 3*l), ch[l], ch[l+1], 4, 4)
		if l < 4 {
			for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
				add(fmt.Sprintf("EMA.main.%d.%s", 3*l+1, s), ch[l+1])
			}
			if condG == "cbn" {
				add(fmt.Sprintf("EMA.cond.bn.%d.weight", 3*l+1), 2+2, ch[l+1])
				add(fmt.Sprintf("EMA.cond.bn.%d.bias", 3*l+1), 2+2, ch[l+1])
			}
		}
	}
	add("EMA.cond.embed", rows, dim)
	dir := t.TempDir()
	ck := filepath.Join(dir, "c.safetensors")
	if err := Save(ck, ts, map[string]string{"format": "test", "config": cfg}); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "red.png")
	out, err := exec.Command(py, "testdata/load_in_pytorch.py", ck, png, "--n", "4", "--attr", "hair=red").CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}
	wants := []string{"conditional on hair, glasses", "missing keys: []", "unexpected keys: []", "wrote"}
	if condG == "cbn" {
		wants = append(wants, "conditional BatchNorm on main.1, main.4, main.7, main.10")
	}
	for _, want := range wants {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	out, err = exec.Command(py, "testdata/load_in_pytorch.py", ck, png, "--attr", "hair=green").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "its values: black, red") {
		t.Errorf("unknown value: %v\n%s", err, out)
	}
	if condG != "cbn" {
		return
	}
	ts = slices.DeleteFunc(ts, func(x Tensor) bool { return x.Name == "EMA.cond.bn.4.bias" })
	if err := Save(ck, ts, map[string]string{"format": "test", "config": cfg}); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(py, "testdata/load_in_pytorch.py", ck, png).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "main.4 has no cond.bn.4 tables") {
		t.Errorf("missing table: %v\n%s", err, out)
	}
}
