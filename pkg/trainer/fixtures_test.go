package trainer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/trainer/trainertest"
)

// oldCheckpoint is the "classic" pinned recipe's checkpoint after 5 steps,
// written by main at commit eaf477e with the avx512 kernel; classicHash is
// its CheckpointHash.
const (
	oldCheckpoint = "testdata/v1-classic-step5.safetensors"
	classicHash   = "5788fb27049a7317ea988ec93171170c43f6c2a0fc1462dacc81c1bf44dc7640"
)

// TestOldCheckpoint checks that a checkpoint written before the training
// step was restructured still loads for sampling (checkpoint.Load), holds
// what it held, and resumes training (same weights as an uninterrupted run
// on the kernels that wrote it).
func TestOldCheckpoint(t *testing.T) {
	if got := CheckpointHash(t, oldCheckpoint); got != classicHash {
		t.Fatalf("%s hashes to %s, want %s", oldCheckpoint, got, classicHash)
	}
	m, meta, err := checkpoint.Load(oldCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	if l := meta.Loader; l.Seed != 1 || l.Images != 40 || l.Batch != 8 || l.PerEpoch != 5 || l.Elapsed <= 0 {
		t.Errorf("loader state %+v", l)
	}
	if meta.Step != 5 || meta.Epoch != 1 || meta.DataPos != 0 || meta.Config != tinyConfig() {
		t.Errorf("meta: step %d epoch %d pos %d config %+v", meta.Step, meta.Epoch, meta.DataPos, meta.Config)
	}
	f, err := safetensors.Load(oldCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range m.State() {
		ft, ok := f.Get(st.Name)
		if !ok {
			t.Fatalf("model tensor %s is not in the file", st.Name)
		}
		for i := range st.Data {
			if st.Data[i] != ft.Data[i] {
				t.Fatalf("tensor %s[%d]: loaded %v, file %v", st.Name, i, st.Data[i], ft.Data[i])
			}
		}
	}
	x, err := m.Generate(make([]float32, 2*meta.Config.NZ), 2, false)
	if err != nil || len(x) != 2*3*32*32 {
		t.Fatalf("generate from the old checkpoint: %d values, %v", len(x), err)
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	data := filepath.Join(t.TempDir(), "data")
	if _, err := trainertest.WriteDataset(data, 40, 32, 13, 7); err != nil {
		t.Fatal(err)
	}
	resumed := filepath.Join(t.TempDir(), "resumed")
	if err := os.MkdirAll(filepath.Join(resumed, CkptDir), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(oldCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(safetensors.StepPath(filepath.Join(resumed, CkptDir), 5), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// A run folder as eaf477e left it: config.json without a "format" field.
	oldConfig := `{"toongan_version": "0.1.0", "dataset_hash": "` + meta.DatasetHash + `", "model": {"arch": "dcgan"}}`
	if err := os.WriteFile(filepath.Join(resumed, ConfigFile), []byte(oldConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{Data: data, Out: resumed, Quiet: true, Steps: 7, Resume: true, Force: true}
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatalf("resume from the old checkpoint: %v", err)
	}
	if k := kernels.KernelName(); k != "avx512" && k != "avx2" {
		t.Logf("kernel %s rounds differently from the one that wrote %s: not comparing with an uninterrupted run", k, oldCheckpoint)
		return
	}
	full := filepath.Join(t.TempDir(), "full")
	if err := Run(context.Background(), Options{Data: data, Out: full, Config: tinyConfig(), Quiet: true, Steps: 7}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	got, want := CheckpointHash(t, filepath.Join(resumed, CkptDir, safetensors.LatestName)), CheckpointHash(t, filepath.Join(full, CkptDir, safetensors.LatestName))
	if got != want {
		t.Error("resuming the old checkpoint gives other weights than an uninterrupted run")
	}
}
