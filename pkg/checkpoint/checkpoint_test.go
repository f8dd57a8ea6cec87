package checkpoint

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
)

// fakeModel is a Stater/Restorer with a couple of tensors and a PCG.
type fakeModel struct {
	ts  []safetensors.Tensor
	rng *rand.PCG
}

func newFake(seed uint64) *fakeModel {
	r := rand.New(rand.NewPCG(seed, 1))
	mk := func(name string, shape ...int) safetensors.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(r.NormFloat64())
		}
		return safetensors.Tensor{Name: name, Shape: shape, Data: d}
	}
	return &fakeModel{
		ts:  []safetensors.Tensor{mk("G.main.0.weight", 4, 3, 2, 2), mk("D.main.0.weight", 2, 3), mk("EMA.main.0.weight", 5)},
		rng: rand.NewPCG(seed, 2),
	}
}

func (f *fakeModel) State() []safetensors.Tensor {
	out := make([]safetensors.Tensor, len(f.ts))
	for i, t := range f.ts {
		out[i] = safetensors.Tensor{Name: t.Name, Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
	}
	return out
}

func (f *fakeModel) SetState(ts []safetensors.Tensor) error {
	for _, t := range ts {
		for i := range f.ts {
			if f.ts[i].Name == t.Name {
				f.ts[i].Data = slices.Clone(t.Data)
			}
		}
	}
	return nil
}
func (f *fakeModel) RNGState() ([]byte, error)  { return f.rng.MarshalBinary() }
func (f *fakeModel) SetRNGState(b []byte) error { return f.rng.UnmarshalBinary(b) }

func testMeta() Meta {
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.Batch = 8, 8, 8
	return Meta{Config: cfg, Epoch: 3, DataPos: 7, DatasetHash: "sha256:abc", ImageSize: 32, Channels: 3,
		Loader: LoaderState{Seed: 1, Images: 100, Batch: 8, PerEpoch: 12, Elapsed: 3.5}, Extra: map[string]string{"data": "data/x"}}
}

func TestSaveRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := newFake(1)
	src.rng.Uint64() // advance so the state is not the seed state
	meta := testMeta()
	path, err := Save(dir, 42, 2, src, meta)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "step-000042.safetensors"); path != want {
		t.Errorf("Save returned %s, want %s", path, want)
	}
	for _, p := range []string{path, filepath.Join(dir, safetensors.LatestName)} {
		dst := newFake(2)
		got, err := Restore(p, dst)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dst.ts, src.ts) {
			t.Errorf("%s: tensors differ after restore", p)
		}
		if !slices.Equal(mustRNG(t, dst), mustRNG(t, src)) {
			t.Errorf("%s: rng state not restored", p)
		}
		want := meta
		want.FormatVersion, want.Step = FormatVersion, 42
		want.RNG = got.RNG
		want.Created, want.Version = got.Created, got.Version
		if !reflect.DeepEqual(got, want) {
			t.Errorf("meta:\n got %+v\nwant %+v", got, want)
		}
		if got.Created == "" || got.Version == "" {
			t.Errorf("created/version not filled: %+v", got)
		}
		rm, err := ReadMeta(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rm, got) {
			t.Errorf("ReadMeta differs from Restore's meta")
		}
	}
}

func mustRNG(t *testing.T, f *fakeModel) []byte {
	b, err := f.RNGState()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadGanModel(t *testing.T) {
	dir := t.TempDir()
	meta := testMeta()
	m, err := gan.New(meta.Config)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Save(dir, 5, 0, m, meta)
	if err != nil {
		t.Fatal(err)
	}
	m2, got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != meta.Config || got.Step != 5 {
		t.Errorf("meta = %+v", got)
	}
	if !reflect.DeepEqual(m2.State(), m.State()) {
		t.Error("state differs after Load")
	}
	r1, _ := m.RNGState()
	r2, _ := m2.RNGState()
	if !slices.Equal(r1, r2) {
		t.Error("rng differs after Load")
	}
}

func TestSaveRefusesNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		dir := t.TempDir()
		f := newFake(1)
		f.ts[1].Data[4] = bad
		_, err := Save(dir, 1, 0, f, testMeta())
		var nf *NonFiniteError
		if !errors.As(err, &nf) || nf.Tensor != "D.main.0.weight" || nf.Index != 4 {
			t.Fatalf("err = %v, want NonFiniteError on D.main.0.weight[4]", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("files written despite NaN: %v", ents)
		}
	}
}

func TestRestoreErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := Encode(testMeta())
	if err != nil {
		t.Fatal(err)
	}
	good[KeyRNG] = "" // empty RNG state: fine for decoding
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "<del>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	full := newFake(1).State()
	badShape := newFake(1).State()
	badShape[2].Shape = []int{5, 1}
	tests := []struct {
		name string
		meta map[string]string
		ts   []safetensors.Tensor
		want string
	}{
		{"plain safetensors", nil, full, "not a toongan checkpoint"},
		{"other format", with(KeyFormat, "pytorch"), full, `format "pytorch"`},
		{"future version", with(KeyFormatVersion, "2"), full, "unsupported checkpoint format version 2"},
		{"bad version", with(KeyFormatVersion, "x"), full, "invalid format_version"},
		{"bad config", with(KeyConfig, "{"), full, "invalid config"},
		{"unknown config field", with(KeyConfig, `{"zz":1}`), full, "invalid config"},
		{"bad step", with(KeyStep, "-1"), full, "invalid step"},
		{"no epoch", with(KeyEpoch, "<del>"), full, "invalid epoch"},
		{"bad loader", with(KeyLoaderState, "!!"), full, "invalid loader_state"},
		{"loader not JSON", with(KeyLoaderState, "AQID"), full, "invalid loader_state"},
		{"missing tensor", good, full[:1], "missing tensors D.main.0.weight, EMA.main.0.weight"},
		{"wrong shape", good, badShape, "tensor EMA.main.0.weight has shape [5 1]"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "c"+string(rune('a'+i))+".safetensors")
			if err := safetensors.Save(p, tc.ts, tc.meta); err != nil {
				t.Fatal(err)
			}
			_, err := Restore(p, newFake(3))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Restore error = %v, want it to contain %q and the path", err, tc.want)
			}
		})
	}
	if _, err := Restore(filepath.Join(dir, "none.safetensors"), newFake(1)); err == nil {
		t.Error("Restore of a missing file succeeded")
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(testMeta())
	f.Add(good[KeyConfig], good[KeyStep], good[KeyRNG], good[KeyFormatVersion])
	f.Add("{}", "x", "%%", "1")
	f.Fuzz(func(t *testing.T, cfg, step, rng, fv string) {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		m[KeyConfig], m[KeyStep], m[KeyRNG], m[KeyFormatVersion] = cfg, step, rng, fv
		meta, err := Decode(m)
		if err != nil {
			return
		}
		again, err := Encode(meta)
		if err != nil {
			t.Fatal(err)
		}
		meta2, err := Decode(again)
		if err != nil || !reflect.DeepEqual(meta, meta2) {
			t.Fatalf("re-encode changed meta: %v\n%+v\n%+v", err, meta, meta2)
		}
	})
}
