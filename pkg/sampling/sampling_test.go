package sampling

import (
	"bytes"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
)

func testModel(t testing.TB) (*gan.Model, gan.Config) {
	t.Helper()
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch = 8, 8, 16, 8
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, cfg
}

// TestBatchIndependence checks BatchNorm runs in inference mode: an image
// depends on its own latent only, not on the batch it is drawn in.
func TestBatchIndependence(t *testing.T) {
	m, cfg := testModel(t)
	nz := cfg.NZ
	per := cfg.Channels * cfg.Size * cfg.Size
	others := Latents(99, 7, nz, 0)
	z := Latents(5, 1, nz, 0)
	for _, raw := range []bool{false, true} {
		alone, err := m.Generate(z, 1, raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, pos := range []int{0, 3, 7} {
			batch := make([]float32, 0, 8*nz)
			batch = append(batch, others[:pos*nz]...)
			batch = append(batch, z...)
			batch = append(batch, others[pos*nz:]...)
			x, err := m.Generate(batch, 8, raw)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range alone {
				worst = math.Max(worst, math.Abs(float64(alone[i]-x[pos*per+i])))
			}
			if worst > 1e-4 {
				t.Errorf("raw=%v: image of one latent at batch position %d differs from alone by %g (batch statistics in BatchNorm?)", raw, pos, worst)
			}
		}
		// The batched helper must agree with one call, whatever the batch.
		all := append(append([]float32(nil), z...), others...)
		a, err := Generate(m, all, 8, nz, 3, raw)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := m.Generate(all, 8, raw)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-4 {
				t.Fatalf("batch 3 vs 8 differ at %d: %v %v", i, a[i], b[i])
			}
		}
	}
}

func norm(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestSlerp(t *testing.T) {
	const nz = 100
	a, b := Latents(1, 1, nz, 0), Latents(2, 1, nz, 0)
	if got := Slerp(a, b, 0); !equal(got, a) {
		t.Error("slerp(t=0) != a")
	}
	if got := Slerp(a, b, 1); !equal(got, b) {
		t.Error("slerp(t=1) != b")
	}
	na, nb := norm(a), norm(b)
	for _, tt := range []float64{0.25, 0.5, 0.75} {
		v := Slerp(a, b, tt)
		n := norm(v)
		// Between two nearly orthogonal Gaussian vectors slerp keeps the
		// norm near both ends; linear interpolation would drop to ~0.7x.
		if n < 0.9*math.Min(na, nb) || n > 1.1*math.Max(na, nb) {
			t.Errorf("t=%v: norm %v outside [%v, %v]", tt, n, na, nb)
		}
		lin := make([]float32, nz)
		for i := range lin {
			lin[i] = float32((1-tt)*float64(a[i]) + tt*float64(b[i]))
		}
		if tt == 0.5 && norm(lin) >= n {
			t.Errorf("linear midpoint norm %v not below slerp's %v", norm(lin), n)
		}
	}
	// Orthonormal unit vectors: midpoint is (e1+e2)/sqrt(2) exactly.
	e1, e2 := []float32{1, 0}, []float32{0, 1}
	m := Slerp(e1, e2, 0.5)
	if math.Abs(float64(m[0])-math.Sqrt2/2) > 1e-6 || math.Abs(float64(m[1])-math.Sqrt2/2) > 1e-6 {
		t.Errorf("slerp midpoint of e1,e2 = %v", m)
	}
	// Parallel vectors fall back to linear without NaN.
	p := Slerp([]float32{1, 1}, []float32{2, 2}, 0.5)
	if p[0] != 1.5 || p[1] != 1.5 {
		t.Errorf("parallel slerp = %v", p)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPathAndLoop(t *testing.T) {
	keys := [][]float32{{1, 0}, {0, 1}, {-1, 0}}
	rows := Path(keys, 5)
	if len(rows) != 2 || len(rows[0]) != 5 {
		t.Fatalf("path shape %d x %d", len(rows), len(rows[0]))
	}
	if !equal(rows[0][0], keys[0]) || !equal(rows[0][4], keys[1]) || !equal(rows[1][4], keys[2]) {
		t.Error("path rows do not start and end at the keys")
	}
	loop := Loop(keys, 4)
	if len(loop) != 12 || !equal(loop[0], keys[0]) || !equal(loop[4], keys[1]) || !equal(loop[8], keys[2]) {
		t.Errorf("loop of %d frames", len(loop))
	}
}

func TestTruncation(t *testing.T) {
	z := Latents(3, 50, 100, 1.0)
	for _, v := range z {
		if math.Abs(float64(v)) > 1 {
			t.Fatalf("truncated latent holds %v", v)
		}
	}
	if !equal(z, Latents(3, 50, 100, 1.0)) {
		t.Error("truncated latents not deterministic")
	}
	plain := Latents(3, 50, 100, 0)
	same := 0
	for i := range z {
		if z[i] == plain[i] {
			same++
		}
	}
	// About 68% of N(0,1) values lie within 1 and are kept as they are.
	if f := float64(same) / float64(len(z)); f < 0.6 || f > 0.76 {
		t.Errorf("%.2f of values kept, want about 0.68", f)
	}
}

func TestLatentFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	z := Latents(4, 3, 10, 0)
	z[0] = 1.0000001 // float32 precision must survive
	lf := NewLatentFile(z, 10, 4, 0)
	p := filepath.Join(dir, "z.json")
	if err := WriteLatents(p, lf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLatents(p)
	if err != nil {
		t.Fatal(err)
	}
	if back.N != 3 || back.NZ != 10 || back.Seed != 4 || !equal(back.Flat(), z) {
		t.Fatalf("round trip changed the latents: %+v", back)
	}
	for _, bad := range []struct{ name, text, want string }{
		{"nz", `{"format":"toongan-latents","version":1,"nz":3,"n":1,"z":[[1,2]]}`, "vector 0"},
		{"n", `{"format":"toongan-latents","version":1,"nz":2,"n":2,"z":[[1,2]]}`, "n 2"},
		{"format", `{"format":"x","version":1,"nz":2,"n":1,"z":[[1,2]]}`, "format"},
		{"version", `{"format":"toongan-latents","version":2,"nz":2,"n":1,"z":[[1,2]]}`, "version"},
		{"json", `{"format":`, "parse"},
		{"field", `{"format":"toongan-latents","version":1,"nz":2,"n":1,"z":[[1,2]],"zz":1}`, "unknown field"},
	} {
		q := filepath.Join(dir, bad.name+".json")
		os.WriteFile(q, []byte(bad.text), 0o644)
		_, err := ReadLatents(q)
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), q) {
			t.Errorf("%s: error %v, want one naming %s and %q", bad.name, err, q, bad.want)
		}
	}
}

func FuzzDecodeLatents(f *testing.F) {
	f.Add([]byte(`{"format":"toongan-latents","version":1,"nz":2,"n":1,"seed":1,"truncation":0,"z":[[1,2]]}`))
	f.Add([]byte(`{"format":"toongan-latents","version":1,"nz":2,"n":2,"z":[[1,2],[3]]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := DecodeLatents(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(lf.Flat()) != lf.N*lf.NZ {
			t.Fatalf("accepted file with %d values for n=%d nz=%d", len(lf.Flat()), lf.N, lf.NZ)
		}
	})
}

func TestRunOutputs(t *testing.T) {
	m, cfg := testModel(t)
	dir := t.TempDir()
	grid := filepath.Join(dir, "g.png")
	zf := filepath.Join(dir, "z.json")
	res, err := Run(m, cfg, Options{N: 10, Cols: 4, Pad: 2, BG: color.Black, Seed: 1, Out: grid, Dir: filepath.Join(dir, "faces"), SaveLatents: zf})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 10 || len(res.Files) != 12 {
		t.Errorf("result %+v", res)
	}
	w, h := pngSize(t, grid)
	if w != 4*32+5*2 || h != 3*32+4*2 {
		t.Errorf("grid %dx%d", w, h)
	}
	if fw, fh := pngSize(t, filepath.Join(dir, "faces", "face-0009.png")); fw != 32 || fh != 32 {
		t.Errorf("face %dx%d", fw, fh)
	}
	// Regenerating from the saved latents gives the same grid bytes.
	grid2 := filepath.Join(dir, "g2.png")
	if _, err := Run(m, cfg, Options{Cols: 4, Pad: 2, BG: color.Black, Latents: zf, Out: grid2}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(grid)
	b, _ := os.ReadFile(grid2)
	if !bytes.Equal(a, b) {
		t.Error("grid from saved latents differs from the original")
	}

	anim := filepath.Join(dir, "walk.gif")
	if _, err := Run(m, cfg, Options{Interp: 5, Seeds: []uint64{3, 17, 42}, Out: anim, Pad: 1}); err != nil {
		t.Fatal(err)
	}
	w, h = pngSize(t, filepath.Join(dir, "walk.png"))
	if w != 5*32+6 || h != 2*32+3 {
		t.Errorf("interp grid %dx%d, want rows = 2 pairs, columns = 5 steps", w, h)
	}
	f, err := os.Open(anim)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 15 || g.Config.Width != 128 || g.Config.Height != 128 {
		t.Errorf("GIF %d frames of %dx%d, want 15 of 128x128", len(g.Image), g.Config.Width, g.Config.Height)
	}
	if _, err := Run(m, cfg, Options{Interp: 5, Seeds: []uint64{3}, Out: anim}); err == nil {
		t.Error("one keyframe accepted")
	}
	if _, err := Run(m, cfg, Options{N: 3}); err == nil {
		t.Error("no output accepted")
	}
}

func pngSize(t *testing.T, p string) (int, int) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Width, c.Height
}
