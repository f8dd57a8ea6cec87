package explorer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
	"gonum.org/v1/gonum/mat"
)

// refActivations computes the first block by the book, independently of
// firstLayer: ConvTranspose2d of a 1x1 input x (n rows of the first layer's
// in values; out[c,y,x] = sum_i x_i W[i,c,y,x]), BatchNorm (x - mean) /
// sqrt(var + 1e-5) * gamma + beta, ReLU. With conditional BatchNorm,
// gamma and beta of latent r get the rows of its labels (labels, as drawn
// for zf) in "EMA.cond.bn.1.weight" and ".bias" added: each attribute's
// values in turn, no row for unknown.
func refActivations(t *testing.T, m *gan.Model, x []float64, zf []float32, n int) *mat.Dense {
	t.Helper()
	ts := stateOf(m)
	cfg := m.Config()
	gainT, cbn := ts["EMA.cond.bn.1.weight"]
	var labels []byte
	if cbn {
		var err error
		if labels, err = m.ResolveLabels(zf, nil, n); err != nil {
			t.Fatal(err)
		}
	}
	offsets := func(r, ch int) (float64, float64) {
		if !cbn {
			return 0, 0
		}
		var dg, db float64
		off, A := 0, len(cfg.Cond.Attrs)
		for a, ca := range cfg.Cond.Attrs {
			if l := int(labels[r*A+a]); l > 0 {
				row := off + l - 1
				dg += float64(gainT.Data[row*gainT.Shape[1]+ch])
				db += float64(ts["EMA.cond.bn.1.bias"].Data[row*gainT.Shape[1]+ch])
			}
			off += len(ca.Values)
		}
		return dg, db
	}
	w := ts["EMA.main.0.weight"]
	in, c, k := w.Shape[0], w.Shape[1], w.Shape[2]
	mean, vr := ts["EMA.main.1.running_mean"].Data, ts["EMA.main.1.running_var"].Data
	g, b := ts["EMA.main.1.weight"].Data, ts["EMA.main.1.bias"].Data
	out := mat.NewDense(n, c*k*k, nil)
	for r := range n {
		for ch := range c {
			for p := range k * k {
				var s float64
				for i := range in {
					s += x[r*in+i] * float64(w.Data[(i*c+ch)*k*k+p])
				}
				dg, db := offsets(r, ch)
				s = (s-float64(mean[ch]))/math.Sqrt(float64(vr[ch])+1e-5)*(float64(g[ch])+dg) + float64(b[ch]) + db
				out.Set(r, ch*k*k+p, math.Max(s, 0))
			}
		}
	}
	return out
}

func stateOf(m *gan.Model) map[string]safetensors.Tensor {
	ts := map[string]safetensors.Tensor{}
	for _, x := range m.State() {
		ts[x.Name] = x
	}
	return ts
}

// refInput is the first layer's input for the latents z (n x nz) in
// float64: z itself, or for a conditional model each latent followed by
// the EMA table's row of each attribute's label (labels drawn per latent
// by gan.Model.ResolveLabels; each attribute's rows start with its unknown
// row).
func refInput(t *testing.T, m *gan.Model, zf []float32, n int) []float64 {
	t.Helper()
	cfg := m.Config()
	if !cfg.Conditional() {
		x := make([]float64, len(zf))
		for i, v := range zf {
			x[i] = float64(v)
		}
		return x
	}
	labels, err := m.ResolveLabels(zf, nil, n)
	if err != nil {
		t.Fatal(err)
	}
	table := stateOf(m)["EMA.cond.embed"].Data
	A, dim := len(cfg.Cond.Attrs), cfg.Cond.Dim
	var x []float64
	for r := range n {
		for _, v := range zf[r*cfg.NZ : (r+1)*cfg.NZ] {
			x = append(x, float64(v))
		}
		off := 0
		for a, ca := range cfg.Cond.Attrs {
			row := off + int(labels[r*A+a])
			for _, v := range table[row*dim : (row+1)*dim] {
				x = append(x, float64(v))
			}
			off += len(ca.Values) + 1
		}
	}
	return x
}

// condConfig is tinyConfig conditional on hair (3 values) and glasses (2),
// as pkg/sampling's condModel.
func condConfig(seed uint64) gan.Config {
	cfg := tinyConfig(seed)
	cfg.Cond = &gan.CondSpec{Dim: 4, Attrs: []gan.CondAttr{
		{Name: "hair", Values: []string{"black", "red", "blue"}, Counts: []int{5, 3, 2}, Unknown: 1},
		{Name: "glasses", Values: []string{"no", "yes"}, Counts: []int{8, 3}},
	}}
	return cfg
}

// cbnConfig is condConfig with conditional BatchNorm in G.
func cbnConfig(seed uint64) gan.Config {
	cfg := condConfig(seed)
	cfg.Cond.G = gan.CondCBN
	return cfg
}

// newWithTables is gan.New, with random conditional BatchNorm tables
// (they start at zero, which would test nothing).
func newWithTables(t *testing.T, cfg gan.Config) *gan.Model {
	t.Helper()
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := m.State()
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	for _, x := range ts {
		if strings.Contains(x.Name, "cond.bn.") && !strings.HasPrefix(x.Name, "opt") {
			for i := range x.Data {
				x.Data[i] = float32(0.3 * r.NormFloat64())
			}
		}
	}
	if err := m.SetState(ts); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDirectionsMatchExactPCA compares Directions with an exact PCA (SVD in
// float64 of the reference activations) and the same regression onto the
// latents done with gonum: variances within 0.5% and directions parallel
// (|cos| > 0.999); for an unconditional generator and a conditional one
// (its first layer reading the latent and the embeddings of labels drawn
// per latent).
func TestDirectionsMatchExactPCA(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  gan.Config
	}{{"unconditional", tinyConfig(3)}, {"conditional", condConfig(3)}, {"conditional BatchNorm", cbnConfig(3)}} {
		t.Run(tc.name, func(t *testing.T) { checkExactPCA(t, tc.cfg) })
	}
}

func checkExactPCA(t *testing.T, cfg gan.Config) {
	m := newWithTables(t, cfg)
	defer m.Close()
	const n, k = 300, 6
	o := DirectionOptions{K: k, Samples: n, Seed: 5, Iters: 40}
	dirs, err := Directions(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != k {
		t.Fatalf("%d directions", len(dirs))
	}
	zf := gan.SampleLatents(o.Seed, n, cfg.NZ)
	x := refActivations(t, m, refInput(t, m, zf, n), zf, n)
	_, d := x.Dims()
	for j := range d { // centre
		col := mat.Col(nil, j, x)
		var mu float64
		for _, v := range col {
			mu += v
		}
		mu /= float64(n)
		for r := range n {
			x.Set(r, j, x.At(r, j)-mu)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThin) {
		t.Fatal("SVD failed")
	}
	sv := svd.Values(nil)
	var u mat.Dense
	svd.UTo(&u)
	zm := mat.NewDense(n, cfg.NZ, nil)
	for r := range n {
		for i := range cfg.NZ {
			zm.Set(r, i, float64(zf[r*cfg.NZ+i]))
		}
	}
	for j := range k {
		want := sv[j] * sv[j] / float64(n-1)
		if rel := math.Abs(dirs[j].Variance-want) / want; rel > 5e-3 {
			t.Errorf("direction %d: variance %g, exact PCA %g", j, dirs[j].Variance, want)
		}
		if j > 0 && dirs[j].Variance > dirs[j-1].Variance {
			t.Errorf("direction %d has more variance than %d", j, j-1)
		}
		var ref mat.VecDense // Zᵀ (U e_j): the regression onto the coordinates
		ref.MulVec(zm.T(), u.ColView(j))
		var dot, nr, nd float64
		for i := range cfg.NZ {
			dot += ref.AtVec(i) * float64(dirs[j].Z[i])
			nr += ref.AtVec(i) * ref.AtVec(i)
			nd += float64(dirs[j].Z[i]) * float64(dirs[j].Z[i])
		}
		if math.Abs(nd-1) > 1e-5 {
			t.Errorf("direction %d has length %g", j, math.Sqrt(nd))
		}
		if c := math.Abs(dot) / math.Sqrt(nr*nd); c < 0.999 {
			t.Errorf("direction %d: |cos| with the exact one %.5f", j, c)
		}
	}
	again, err := Directions(m, o)
	if err != nil {
		t.Fatal(err)
	}
	for j := range again {
		for i := range again[j].Z {
			if again[j].Z[i] != dirs[j].Z[i] {
				t.Fatal("same model and options, different directions")
			}
		}
	}
}

// TestFirstLayerActivations checks firstLayer against the reference, for
// an unconditional and a conditional generator.
func TestFirstLayerActivations(t *testing.T) {
	for _, cfg := range []gan.Config{tinyConfig(2), condConfig(2), cbnConfig(2)} {
		m := newWithTables(t, cfg)
		defer m.Close()
		fl, err := readFirstLayer(m)
		if err != nil {
			t.Fatal(err)
		}
		const n = 7
		zf := gan.SampleLatents(9, n, cfg.NZ)
		got, err := fl.latentActivations(m, zf, n)
		if err != nil {
			t.Fatal(err)
		}
		want := refActivations(t, m, refInput(t, m, zf, n), zf, n)
		for r := range n {
			for f := range fl.feat {
				if d := math.Abs(float64(got[r*fl.feat+f]) - want.At(r, f)); d > 1e-4 {
					t.Fatalf("conditional %v: activation %d,%d: %g, want %g", cfg.Conditional(), r, f, got[r*fl.feat+f], want.At(r, f))
				}
			}
		}
	}
}

// TestDirectionsMLP: the fully connected generator (Linear + bias + ReLU
// first) also gets directions.
func TestDirectionsMLP(t *testing.T) {
	cfg := tinyConfig(1)
	cfg.Arch = "mlp"
	m, err := gan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dirs, err := Directions(m, DirectionOptions{K: 3, Samples: 128, Seed: 1})
	if err != nil || len(dirs) != 3 {
		t.Fatalf("%d directions, %v", len(dirs), err)
	}
}
