package sampling

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safeio"
)

// Latents draws n latent vectors of size nz from N(0, 1) with seed
// (gan.SampleLatents). When trunc > 0 every component with |z| > trunc is
// redrawn until it falls inside (the truncation trick), from a stream that
// also depends only on seed.
func Latents(seed uint64, n, nz int, trunc float64) []float32 {
	z := gan.SampleLatents(seed, n, nz)
	if trunc > 0 {
		Truncate(z, trunc, seed)
	}
	return z
}

// Truncate redraws, in place, each component of z with |z| > t from N(0, 1)
// until it lies within [-t, t]. t must be > 0.
func Truncate(z []float32, t float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x7e0ca7e))
	for i, v := range z {
		for math.Abs(float64(v)) > t {
			v = float32(r.NormFloat64())
		}
		z[i] = v
	}
}

// Slerp interpolates spherically between latents a and b at t in [0, 1]
// (Shoemake / White 2016: it follows the great circle, so intermediate
// vectors keep the norm typical of Gaussian latents instead of shrinking as
// with linear interpolation). Nearly parallel vectors fall back to linear.
// t = 0 returns a and t = 1 returns b exactly.
func Slerp(a, b []float32, t float64) []float32 {
	out := make([]float32, len(a))
	if t == 0 {
		copy(out, a)
		return out
	}
	if t == 1 {
		copy(out, b)
		return out
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	wa, wb := 1-t, t
	if na > 0 && nb > 0 {
		c := dot / math.Sqrt(na*nb)
		c = math.Max(-1, math.Min(1, c))
		omega := math.Acos(c)
		if s := math.Sin(omega); s > 1e-6 {
			wa, wb = math.Sin((1-t)*omega)/s, math.Sin(t*omega)/s
		}
	}
	for i := range a {
		out[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return out
}

// Path returns, for each consecutive pair of keys, steps latents from the
// first key to the second (both included): rows = pairs, columns = steps.
func Path(keys [][]float32, steps int) [][][]float32 {
	if steps < 2 || len(keys) < 2 {
		return nil
	}
	rows := make([][][]float32, len(keys)-1)
	for p := range rows {
		for s := 0; s < steps; s++ {
			rows[p] = append(rows[p], Slerp(keys[p], keys[p+1], float64(s)/float64(steps-1)))
		}
	}
	return rows
}

// Loop returns a closed tour through keys (back to the first), steps frames
// per leg without repeating the keys, for a seamless looping animation.
func Loop(keys [][]float32, steps int) [][]float32 {
	if len(keys) < 2 || steps < 1 {
		return nil
	}
	var out [][]float32
	for p := range keys {
		a, b := keys[p], keys[(p+1)%len(keys)]
		for s := 0; s < steps; s++ {
			out = append(out, Slerp(a, b, float64(s)/float64(steps)))
		}
	}
	return out
}

// LatentFormat is the "format" value of a latents file.
const LatentFormat = "toongan-latents"

// LatentFile is the JSON latents file:
//
//	{"format": "toongan-latents", "version": 1, "nz": 100, "n": 2,
//	 "seed": 1, "truncation": 0, "z": [[0.12, -1.3, ...], [...]]}
//
// z holds n vectors of nz float32 values each. seed and truncation record
// how they were drawn (informational; 0 = off / unknown).
type LatentFile struct {
	Format     string      `json:"format"`
	Version    int         `json:"version"`
	NZ         int         `json:"nz"`
	N          int         `json:"n"`
	Seed       uint64      `json:"seed"`
	Truncation float64     `json:"truncation"`
	Z          [][]float32 `json:"z,omitempty"`
}

// maxLatentValues bounds a latents file (64 Mi values) so a corrupt header
// cannot make us allocate without limit.
const maxLatentValues = 1 << 24

// NewLatentFile wraps a flat n*nz latent array.
func NewLatentFile(z []float32, nz int, seed uint64, trunc float64) LatentFile {
	lf := LatentFile{Format: LatentFormat, Version: 1, NZ: nz, Seed: seed, Truncation: trunc}
	for i := 0; i+nz <= len(z) && nz > 0; i += nz {
		lf.Z = append(lf.Z, append([]float32(nil), z[i:i+nz]...))
	}
	lf.N = len(lf.Z)
	return lf
}

// Flat returns the latents as one n*nz array.
func (lf LatentFile) Flat() []float32 {
	out := make([]float32, 0, lf.N*lf.NZ)
	for _, v := range lf.Z {
		out = append(out, v...)
	}
	return out
}

// Check validates the file's fields against each other.
func (lf LatentFile) Check() error {
	if lf.Format != LatentFormat {
		return fmt.Errorf("format %q, want %q", lf.Format, LatentFormat)
	}
	if lf.Version != 1 {
		return fmt.Errorf("unsupported latents version %d (want 1)", lf.Version)
	}
	if lf.NZ <= 0 || lf.N <= 0 || lf.N != len(lf.Z) {
		return fmt.Errorf("nz %d, n %d with %d vectors", lf.NZ, lf.N, len(lf.Z))
	}
	if int64(lf.N)*int64(lf.NZ) > maxLatentValues {
		return fmt.Errorf("%d x %d latents is too many", lf.N, lf.NZ)
	}
	for i, v := range lf.Z {
		if len(v) != lf.NZ {
			return fmt.Errorf("vector %d has %d values, want nz = %d", i, len(v), lf.NZ)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("vector %d holds %v", i, x)
			}
		}
	}
	return nil
}

// DecodeLatents parses and checks a latents file.
func DecodeLatents(r io.Reader) (LatentFile, error) {
	var lf LatentFile
	dec := json.NewDecoder(io.LimitReader(r, 1<<30))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lf); err != nil {
		return LatentFile{}, fmt.Errorf("parse latents JSON: %w", err)
	}
	if err := lf.Check(); err != nil {
		return LatentFile{}, err
	}
	return lf, nil
}

// ReadLatents reads a latents file written by WriteLatents.
// Only a regular file of at most 256 MiB is read.
func ReadLatents(path string) (LatentFile, error) {
	b, err := safeio.ReadFile(path, maxLatentMiB<<20, "latents file")
	if err != nil {
		return LatentFile{}, fmt.Errorf("read latents file: %w", err)
	}
	lf, err := DecodeLatents(bytes.NewReader(b))
	if err != nil {
		return LatentFile{}, fmt.Errorf("latents file %q: %w", path, err)
	}
	return lf, nil
}

// WriteLatents writes lf to path atomically, one vector per line.
func WriteLatents(path string, lf LatentFile) error {
	if err := lf.Check(); err != nil {
		return fmt.Errorf("write latents %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, 0o644, func(w io.Writer) error { return EncodeLatents(w, lf) })
}

// EncodeLatents writes lf as WriteLatents lays it out (the same JSON as
// json.Marshal(lf), one vector per line), without checking it.
func EncodeLatents(w io.Writer, lf LatentFile) error {
	h := lf
	h.Z = nil // the header: every field but z
	head, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s,\n \"z\": [\n", head[:len(head)-1]); err != nil {
		return err
	}
	for i, v := range lf.Z {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(lf.Z)-1 {
			sep = "\n"
		}
		if _, err := fmt.Fprintf(w, "  %s%s", b, sep); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, " ]\n}\n")
	return err
}

// Generator is what sampling needs from a model; *gan.Model satisfies it.
type Generator interface {
	Generate(z []float32, n int, raw bool) ([]float32, error)
}

// ErrNoImages reports a request for zero images.
var ErrNoImages = errors.New("no images requested")

// Generate runs g over n latents (z has n*nz values) in batches of at most
// batch images and returns the n images concatenated (NCHW). BatchNorm runs
// in inference mode, so batching does not change the result.
func Generate(g Generator, z []float32, n, nz, batch int, raw bool) ([]float32, error) {
	if n <= 0 {
		return nil, ErrNoImages
	}
	if len(z) != n*nz {
		return nil, fmt.Errorf("generate: %d latent values for %d images of nz %d", len(z), n, nz)
	}
	if batch <= 0 {
		batch = 64
	}
	var out []float32
	for i := 0; i < n; i += batch {
		k := min(batch, n-i)
		x, err := g.Generate(z[i*nz:(i+k)*nz], k, raw)
		if err != nil {
			return nil, fmt.Errorf("generate images %d..%d: %w", i, i+k-1, err)
		}
		out = append(out, x...)
	}
	return out, nil
}
