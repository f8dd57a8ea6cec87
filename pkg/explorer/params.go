package explorer

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Limits of the explorer's request parameters: anything beyond them is
// refused with 400 before any work.
const (
	MaxGrid        = 64   // faces in one grid page or sheet
	MaxCols        = 16   // sheet columns
	MaxVariations  = 16   // variations per request
	MaxStrength    = 2.0  // variation strength (noise scale)
	MaxShift       = 10.0 // |slider value| along a direction, latent units
	MaxLatentAbs   = 100.0
	MinInterp      = 2
	MaxInterp      = 32 // faces in an interpolation strip
	MaxDelay       = 100
	MaxCheckpoints = 256 // checkpoints of a --run served (the newest)
	maxLoaded      = 3   // models kept loaded beside the default one
	maxBody        = 1 << 20
	maxQuery       = 64 << 10
)

// badRequest is a parameter error: the handler answers 400 with its text.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, a ...any) error { return &badRequest{fmt.Sprintf(format, a...)} }

// query is a request's parameters, each allowed once and each used only if
// the endpoint declares it: an unknown or repeated parameter is an error.
type query struct {
	v url.Values
}

func parseQuery(raw string, allowed ...string) (query, error) {
	if len(raw) > maxQuery {
		return query{}, badf("query of %d bytes, at most %d", len(raw), maxQuery)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return query{}, badf("malformed query: %v", err)
	}
	for k, vs := range v {
		if !slices.Contains(allowed, k) {
			return query{}, badf("unknown parameter %q (this endpoint takes %s)", k, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return query{}, badf("parameter %q given %d times", k, len(vs))
		}
	}
	return query{v}, nil
}

func (q query) has(k string) bool { return q.v.Has(k) }

// intIn reads an integer parameter in [lo, hi], def when absent.
func (q query) intIn(k string, lo, hi, def int) (int, error) {
	if !q.v.Has(k) {
		return def, nil
	}
	s := q.v.Get(k)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badf("%s=%q: want an integer in %d..%d", k, s, lo, hi)
	}
	return n, nil
}

// uint reads a non-negative 64-bit integer parameter, def when absent.
func (q query) uint(k string, def uint64) (uint64, error) {
	if !q.v.Has(k) {
		return def, nil
	}
	s := q.v.Get(k)
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badf("%s=%q: want a non-negative integer below 2^64", k, s)
	}
	return n, nil
}

// float reads a finite number in [lo, hi], def when absent.
func (q query) float(k string, lo, hi, def float64) (float64, error) {
	if !q.v.Has(k) {
		return def, nil
	}
	s := q.v.Get(k)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		return 0, badf("%s=%q: want a number in %g..%g", k, s, lo, hi)
	}
	return f, nil
}

// EncodeLatent is the text form of a latent in URLs and JSON answers:
// unpadded URL-safe base64 of its float32 values, little-endian.
func EncodeLatent(z []float32) string {
	b := make([]byte, 4*len(z))
	for i, v := range z {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeLatent parses EncodeLatent's form: exactly nz finite values, each
// within ±MaxLatentAbs.
func DecodeLatent(s string, nz int) ([]float32, error) {
	if base64.RawURLEncoding.DecodedLen(len(s)) != 4*nz {
		return nil, fmt.Errorf("latent of %d characters, want %d (%d float32 values, base64url)", len(s), base64.RawURLEncoding.EncodedLen(4*nz), nz)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("latent is not unpadded base64url: %v", err)
	}
	z := make([]float32, nz)
	for i := range z {
		v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > MaxLatentAbs {
			return nil, fmt.Errorf("latent value %d is %v, want a finite number within ±%g", i, v, MaxLatentAbs)
		}
		z[i] = v
	}
	return z, nil
}

// latent reads a required latent parameter.
func (q query) latent(k string, nz int) ([]float32, error) {
	if !q.v.Has(k) {
		return nil, badf("missing parameter %q (a latent: %d float32 values as unpadded base64url)", k, nz)
	}
	z, err := DecodeLatent(q.v.Get(k), nz)
	if err != nil {
		return nil, badf("%s: %v", k, err)
	}
	return z, nil
}

// latents reads a required comma-separated list of 1..most latents.
func (q query) latents(k string, nz, most int) ([][]float32, error) {
	if !q.v.Has(k) {
		return nil, badf("missing parameter %q (comma-separated latents)", k)
	}
	parts := strings.Split(q.v.Get(k), ",")
	if len(parts) > most {
		return nil, badf("%s: %d latents, at most %d", k, len(parts), most)
	}
	out := make([][]float32, len(parts))
	for i, p := range parts {
		z, err := DecodeLatent(p, nz)
		if err != nil {
			return nil, badf("%s: latent %d: %v", k, i, err)
		}
		out[i] = z
	}
	return out, nil
}

// shifts reads the slider values: up to n comma-separated numbers within
// ±MaxShift (missing trailing ones are 0).
func (q query) shifts(k string, n int) ([]float64, error) {
	out := make([]float64, n)
	if !q.v.Has(k) || q.v.Get(k) == "" {
		return out, nil
	}
	parts := strings.Split(q.v.Get(k), ",")
	if len(parts) > n {
		return nil, badf("%s: %d values, the model has %d directions", k, len(parts), n)
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > MaxShift {
			return nil, badf("%s: value %d is %q, want a number within ±%g", k, i, p, MaxShift)
		}
		out[i] = f
	}
	return out, nil
}
