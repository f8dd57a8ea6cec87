package checkpoint

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
)

// updateFixture rewrites testdata/uncond-v1 with the current code: only on
// purpose, when old checkpoints need no longer load
// (go test ./pkg/checkpoint -run TestUnconditionalFixture -update-fixture).
var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/uncond-v1 from the current code")

const fixtureDir = "testdata/uncond-v1"

// fixtureOutputs are a fixture model's outputs on fixed inputs.
type fixtureOutputs struct {
	Z      []float32 `json:"z"`
	EMA    []float32 `json:"ema"`   // G (EMA) on Z
	Raw    []float32 `json:"raw"`   // G (raw) on Z (every 8th value, as EMA)
	DOnEMA []float32 `json:"d_ema"` // D on the EMA images
}

func fixtureRun(t *testing.T, m *gan.Model, nz int) fixtureOutputs {
	t.Helper()
	o := fixtureOutputs{Z: gan.SampleLatents(5, 3, nz)}
	var err error
	if o.EMA, err = m.Generate(o.Z, 3, false); err != nil {
		t.Fatal(err)
	}
	if o.Raw, err = m.Generate(o.Z, 3, true); err != nil {
		t.Fatal(err)
	}
	if o.DOnEMA, err = m.Discriminate(o.EMA, 3); err != nil {
		t.Fatal(err)
	}
	// Every 8th value is enough to catch a change and keeps the file small.
	for _, x := range []*[]float32{&o.EMA, &o.Raw} {
		var kept []float32
		for i := 0; i < len(*x); i += 8 {
			kept = append(kept, (*x)[i])
		}
		*x = kept
	}
	return o
}

// writeFixture trains a tiny unconditional model 3 steps on noise and
// writes its checkpoint and its outputs.
func writeFixture(t *testing.T) {
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch, cfg.EMADecay = 4, 4, 8, 4, 0.5
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 3 {
		if _, err := m.Step(gan.SampleLatents(uint64(s), cfg.Batch, 3*32*32)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(fixtureDir); err != nil {
		t.Fatal(err)
	}
	meta := testMeta()
	meta.Config = cfg
	if _, err := Save(fixtureDir, 3, 0, m, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(fixtureDir, "latest.safetensors")); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fixtureRun(t, m, cfg.NZ))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixtureDir, "outputs.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUnconditionalFixture loads a committed checkpoint of an unconditional
// model written by the code from before conditional training (writeFixture
// run at a3f7dc2, the parent of train --cond; the code after it writes the
// same outputs.json), so that such checkpoints keep loading:
// its config and metadata decode as written, and the loaded model draws and
// scores exactly what it did when it was written (to float rounding).
func TestUnconditionalFixture(t *testing.T) {
	if *updateFixture {
		writeFixture(t)
	}
	path := filepath.Join(fixtureDir, "step-000003.safetensors")
	m, meta, err := Load(path)
	if err != nil {
		t.Fatalf("fixture %s: %v", path, err)
	}
	cfg := meta.Config
	if meta.Step != 3 || cfg.Conditional() || cfg.NGF != 4 || cfg.NZ != 8 || meta.DatasetHash != "sha256:abc" || meta.Loader.PerEpoch != 12 {
		t.Errorf("fixture meta: step %d, cond %v, ngf %d, nz %d, hash %q, loader %+v", meta.Step, cfg.Conditional(), cfg.NGF, cfg.NZ, meta.DatasetHash, meta.Loader)
	}
	f, err := safetensors.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range f.Tensors {
		if strings.Contains(ts.Name, "cond") {
			t.Errorf("an unconditional checkpoint with tensor %s", ts.Name)
		}
	}
	b, err := os.ReadFile(filepath.Join(fixtureDir, "outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want fixtureOutputs
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got := fixtureRun(t, m, cfg.NZ)
	for _, c := range []struct {
		name      string
		got, want []float32
	}{{"z", got.Z, want.Z}, {"G (EMA)", got.EMA, want.EMA}, {"G (raw)", got.Raw, want.Raw}, {"D", got.DOnEMA, want.DOnEMA}} {
		if len(c.got) != len(c.want) || len(c.want) == 0 {
			t.Fatalf("%s: %d values, want %d", c.name, len(c.got), len(c.want))
		}
		for i := range c.want {
			if math.Abs(float64(c.got[i]-c.want[i])) > 1e-4 {
				t.Fatalf("%s[%d] = %g, the fixture's %g", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}
