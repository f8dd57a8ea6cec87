package checkpoint

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
)

// TestLoadRefuses checks that Load refuses damaged checkpoints with an error
// that names the cause: NaN or Inf in any tensor (named), a config whose
// shapes differ from the stored tensors (refused from the header, before
// the model is built), and invalid config values.
func TestLoadRefuses(t *testing.T) {
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 4, 4, 8, 4
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	meta := testMeta()
	meta.Config = cfg
	good, err := Save(dir, 1, 0, m, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(good); err != nil {
		t.Fatalf("good checkpoint: %v", err)
	}
	f, err := safetensors.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	// variant writes f with one tensor poisoned or one config field changed.
	variant := func(t *testing.T, name string, poison string, v float32, cfgMod func(*gan.Config)) string {
		t.Helper()
		ts := make([]safetensors.Tensor, len(f.Tensors))
		for i, x := range f.Tensors {
			ts[i] = safetensors.Tensor{Name: x.Name, Shape: x.Shape, Data: append([]float32(nil), x.Data...)}
			if x.Name == poison {
				ts[i].Data[len(ts[i].Data)/2] = v
			}
		}
		md := map[string]string{}
		for k, x := range f.Meta {
			md[k] = x
		}
		if cfgMod != nil {
			c := cfg
			cfgMod(&c)
			b, _ := json.Marshal(c)
			md[KeyConfig] = string(b)
		}
		p := filepath.Join(dir, name+".safetensors")
		if err := safetensors.Save(p, ts, md); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		poison string
		v      float32
		cfg    func(*gan.Config)
		want   string
	}{
		{"nan in ema", "EMA.main.0.weight", float32(math.NaN()), nil, "tensor EMA.main.0.weight holds NaN"},
		{"inf in D", "D.main.2.weight", float32(math.Inf(1)), nil, "tensor D.main.2.weight holds +Inf"},
		{"nan in adam", "optG.main.0.weight.v", float32(math.NaN()), nil, "tensor optG.main.0.weight.v holds NaN"},
		{"forged widths", "", 0, func(c *gan.Config) { c.NGF, c.NDF = 1024, 1024 }, "needs [8 4096 4 4]"},
		{"nz zero", "", 0, func(c *gan.Config) { c.NZ = 0 }, "nz 0 out of range"},
		{"beta2 zero", "", 0, func(c *gan.Config) { c.Beta2 = 0 }, "beta2 0 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := variant(t, strings.ReplaceAll(tc.name, " ", "-"), tc.poison, tc.v, tc.cfg)
			_, _, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tc.want)
			}
			if _, err := CheckHeader(p); tc.cfg != nil && err == nil {
				t.Errorf("CheckHeader accepted a config that does not match the tensors")
			}
		})
	}
}
