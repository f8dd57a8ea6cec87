package trainer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/kernels"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/trainer/trainertest"
)

// pinnedRecipes are short real-model runs whose checkpoints must not change
// when the code is restructured: the same seed gives the same weights, Adam
// state and RNG state, bit for bit. The hashes were recorded from main at
// commit eaf477e (before the training step was split into phases); they
// depend on the SGEMM micro-kernel (kernels.KernelName: FMA kernels round
// differently from the portable Go one), not on GOMAXPROCS.
//
// A change that is meant to alter training (a new default, a different
// order of random draws) must update these hashes and say so in its commit
// message; any other change that moves them is a regression.
var pinnedRecipes = []struct {
	name   string
	config func() gan.Config
	steps  int
	hashes map[string]string // kernel name -> checkpoint hash
}{
	{
		name:   "classic", // pytorch/examples DCGAN: BCE, Adam 2e-4/0.5, one D step, EMA
		config: tinyConfig,
		steps:  5,
		hashes: map[string]string{
			"avx512": "5788fb27049a7317ea988ec93171170c43f6c2a0fc1462dacc81c1bf44dc7640",
			"avx2":   "5788fb27049a7317ea988ec93171170c43f6c2a0fc1462dacc81c1bf44dc7640",
			"go":     "4c613e2ca692b0011227577955f104ff4f563903814682992b87310cb1438f6a",
		},
	},
	{
		name: "dsteps2-smooth", // the extra-D-step path and one-sided label smoothing
		config: func() gan.Config {
			c := tinyConfig()
			c.DSteps, c.LabelSmooth = 2, 0.1
			return c
		},
		steps: 3,
		hashes: map[string]string{
			"avx512": "da54cbfe1357f425b3e02d534991eb996c7806f17040783eab062efae7621874",
			"avx2":   "da54cbfe1357f425b3e02d534991eb996c7806f17040783eab062efae7621874",
			"go":     "7c8c37cdb9a54e4cbfc94753bddf2b1b44e4684746b6aaf558bee6ceb932da6f",
		},
	},
	{
		name: "mlp",
		config: func() gan.Config {
			c := tinyConfig()
			c.Arch, c.NGF, c.NDF = "mlp", 32, 32
			return c
		},
		steps: 3,
		hashes: map[string]string{
			"avx512": "96f10c0dbf83fc1c8262f2698155bb7cfe210cd902bed78c2c42e629b96f1d17",
			"avx2":   "96f10c0dbf83fc1c8262f2698155bb7cfe210cd902bed78c2c42e629b96f1d17",
			"go":     "1ff8e31f6d603489e157ed21a92a858d8b7ba927f0757a5edc13f5caa37bc202",
		},
	},
}

// TestPinnedRecipes trains each pinned recipe through trainer.Run with the
// real model and compares the checkpoint's hash with the recorded one.
func TestPinnedRecipes(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	data := filepath.Join(t.TempDir(), "data")
	if _, err := trainertest.WriteDataset(data, 40, 32, 13, 7); err != nil {
		t.Fatal(err)
	}
	kernel := kernels.KernelName()
	for _, rc := range pinnedRecipes {
		t.Run(rc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			o := Options{Data: data, Out: out, Config: rc.config(), Quiet: true, Steps: rc.steps}
			if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			got := CheckpointHash(t, filepath.Join(out, CkptDir, safetensors.LatestName))
			want, ok := rc.hashes[kernel]
			if !ok || want == "" {
				t.Fatalf("no pinned hash for kernel %q; this run's is %s", kernel, got)
			}
			if got != want {
				t.Errorf("kernel %s: checkpoint hash %s, pinned %s: training no longer gives the same weights", kernel, got, want)
			}
		})
	}
}

// CheckpointHash is the SHA-256 over a checkpoint's tensors (sorted by
// name: name, shape, float32 bits little-endian) and its RNG state. It
// leaves out metadata that legitimately varies (creation time, paths,
// version string).
func CheckpointHash(t testing.TB, path string) string {
	t.Helper()
	f, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var b [8]byte
	for _, name := range f.Names() {
		tn, ok := f.Get(name)
		if !ok {
			t.Fatalf("%s: tensor %s is not float32", path, name)
		}
		h.Write([]byte(name))
		h.Write([]byte{0})
		for _, d := range tn.Shape {
			binary.LittleEndian.PutUint64(b[:], uint64(d))
			h.Write(b[:])
		}
		for _, v := range tn.Data {
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(v))
			h.Write(b[:4])
		}
	}
	h.Write([]byte("rng\x00" + f.Meta["rng"]))
	return hex.EncodeToString(h.Sum(nil))
}
