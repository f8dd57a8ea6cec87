package explorer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"net"
	"net/http"
	"strings"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/sampling"
	"github.com/toongan/toongan/pkg/version"
)

// Handler returns the explorer's HTTP handler: the embedded page and the
// JSON and image endpoints under /api/ (see doc.go). Nothing else is
// served: no request path is mapped to a file.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveAsset("index.html"))
	for name := range assetTypes {
		if name != "index.html" {
			mux.HandleFunc("GET /"+name, serveAsset(name))
		}
	}
	api := map[string]func(*http.Request, query) (reply, error){
		"info":        s.info,
		"latent":      s.seedLatent,
		"grid.png":    s.grid,
		"face.png":    s.face,
		"edit":        s.editLatent,
		"variations":  s.variations,
		"sheet.png":   s.sheet,
		"interp.png":  s.interpStrip,
		"interp.gif":  s.interpGIF,
		"latent.json": s.latentFile,
	}
	params := apiParams()
	for name, fn := range api {
		mux.HandleFunc("GET /api/"+name, s.endpoint(fn, params[name]))
	}
	mux.HandleFunc("POST /api/latents", s.endpoint(s.uploadLatents, nil))
	return s.guard(mux)
}

// apiParams lists the parameters each GET endpoint accepts.
func apiParams() map[string][]string {
	return map[string][]string{
		"info":        {},
		"latent":      {"seed", "trunc"},
		"grid.png":    {"start", "n", "cols", "ckpt", "trunc", "attr"},
		"face.png":    {"z", "dirs", "ckpt", "attr"},
		"edit":        {"z", "dirs"},
		"variations":  {"z", "strength", "n", "seed"},
		"sheet.png":   {"z", "cols", "ckpt", "attr"},
		"interp.png":  {"a", "b", "steps", "ckpt", "attr"},
		"interp.gif":  {"a", "b", "steps", "delay", "ckpt", "attr"},
		"latent.json": {"z", "dirs", "seed"},
	}
}

// guard sets the security headers and, for a loopback server, refuses
// requests addressed to any other host name.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		if s.loopback && !LoopbackHost(r.Host) {
			http.Error(w, "explorer: this server answers only requests for 127.0.0.1, [::1] or localhost", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LoopbackHost reports whether hostport (HOST or HOST:PORT, as in a Host
// header or a listen address) names a loopback address or localhost.
func LoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// reply is an endpoint's answer: JSON (body marshalled) or bytes of type.
type reply struct {
	json     any
	body     []byte
	typ      string
	filename string // set: offered as a download of this name
}

func (s *Server) endpoint(fn func(*http.Request, query) (reply, error), allowed []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseQuery(r.URL.RawQuery, allowed...)
		var rep reply
		if err == nil {
			rep, err = fn(r, q)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		if rep.filename != "" {
			h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", rep.filename))
		}
		if rep.json != nil {
			b, err := json.Marshal(rep.json)
			if err != nil {
				writeError(w, err)
				return
			}
			rep.body, rep.typ = append(b, '\n'), "application/json"
		}
		h.Set("Content-Type", rep.typ)
		w.Write(rep.body)
	}
}

func writeError(w http.ResponseWriter, err error) {
	var br *badRequest
	code := http.StatusInternalServerError
	switch {
	case errors.As(err, &br):
		code = http.StatusBadRequest
	case errors.Is(err, errBusy), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "explorer: "+err.Error(), code)
}

// Info is /api/info's answer.
type Info struct {
	Version     string          `json:"version"`
	Size        int             `json:"size"`
	NZ          int             `json:"nz"`
	Arch        string          `json:"arch"`
	Checkpoints []CheckpointRef `json:"checkpoints"`
	Default     int             `json:"default"`
	Directions  []DirectionInfo `json:"directions"`
	// Attributes are a conditional checkpoint's attributes, which the attr
	// parameter fixes; absent for an unconditional one.
	Attributes []AttrInfo     `json:"attributes,omitempty"`
	Limits     map[string]any `json:"limits"`
}

// AttrInfo is one attribute of a conditional checkpoint and its values.
type AttrInfo struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// CheckpointRef names one served checkpoint.
type CheckpointRef struct {
	Index int    `json:"index"`
	Step  int    `json:"step"`
	Name  string `json:"name"`
}

// DirectionInfo describes one slider.
type DirectionInfo struct {
	Variance float64 `json:"variance"`
	Share    float64 `json:"share"`
}

func (s *Server) info(*http.Request, query) (reply, error) {
	in := Info{Version: version.Version, Size: s.cfg.Size, NZ: s.cfg.NZ, Arch: s.cfg.Arch, Default: s.def,
		Checkpoints: []CheckpointRef{}, Directions: []DirectionInfo{},
		Limits: map[string]any{"grid": MaxGrid, "cols": MaxCols, "variations": MaxVariations, "strength": MaxStrength,
			"shift": MaxShift, "interp_min": MinInterp, "interp_max": MaxInterp, "delay": MaxDelay}}
	for i, r := range s.refs {
		in.Checkpoints = append(in.Checkpoints, CheckpointRef{Index: i, Step: r.step, Name: r.name})
	}
	for _, d := range s.dirs {
		in.Directions = append(in.Directions, DirectionInfo{Variance: d.Variance, Share: d.Share})
	}
	for _, a := range s.cfg.CondAttrs() {
		in.Attributes = append(in.Attributes, AttrInfo{Name: a.Name, Values: a.Values})
	}
	return reply{json: in}, nil
}

// attrs reads the attr parameter ("name=value,...", as `sample --attr`):
// one image's label bytes, gan.LabelDraw for the attributes not named, or
// nil when it names none (every attribute drawn per latent, as without
// it). An empty attr is ignored on any checkpoint; a non-empty one on an
// unconditional checkpoint is refused.
func (s *Server) attrs(q query) ([]byte, error) {
	if !q.has("attr") || strings.TrimSpace(q.v.Get("attr")) == "" {
		return nil, nil
	}
	labels, err := sampling.ParseAttrs(s.cfg, q.v.Get("attr"))
	if err != nil {
		return nil, badf("%s", strings.ReplaceAll(err.Error(), "--attr", "attr"))
	}
	for _, l := range labels {
		if l != gan.LabelDraw {
			return labels, nil
		}
	}
	return nil, nil
}

func (s *Server) ckpt(q query) (int, error) { return q.intIn("ckpt", 0, len(s.refs)-1, s.def) }

func (s *Server) trunc(q query) (float64, error) {
	t, err := q.float("trunc", 0, sampling.MaxTrunc, 0)
	if err == nil && t != 0 && t < sampling.MinTrunc {
		err = badf("trunc=%v: want 0 (off) or %g..%g", t, sampling.MinTrunc, sampling.MaxTrunc)
	}
	return t, err
}

func (s *Server) seedLatent(_ *http.Request, q query) (reply, error) {
	if !q.has("seed") {
		return reply{}, badf("missing parameter \"seed\"")
	}
	seed, err := q.uint("seed", 0)
	if err != nil {
		return reply{}, err
	}
	t, err := s.trunc(q)
	if err != nil {
		return reply{}, err
	}
	return reply{json: map[string]any{"seed": seed, "z": EncodeLatent(sampling.Latents(seed, 1, s.cfg.NZ, t))}}, nil
}

// grid draws faces of consecutive seeds (each sampling.Latents(seed, 1,
// ...), as `sample --seeds` draws keyframes) as one sheet, cols per row.
func (s *Server) grid(r *http.Request, q query) (reply, error) {
	start, err := q.uint("start", 0)
	if err != nil {
		return reply{}, err
	}
	n, err := q.intIn("n", 1, MaxGrid, MaxGrid)
	if err != nil {
		return reply{}, err
	}
	if start > math.MaxUint64-uint64(n) {
		return reply{}, badf("start=%d: seeds start..start+n-1 must stay below 2^64", start)
	}
	t, err := s.trunc(q)
	if err != nil {
		return reply{}, err
	}
	zs := make([][]float32, n)
	for i := range zs {
		zs[i] = sampling.Latents(start+uint64(i), 1, s.cfg.NZ, t)
	}
	return s.sheetOf(r, q, zs)
}

func (s *Server) sheetOf(r *http.Request, q query, zs [][]float32) (reply, error) {
	cols, err := q.intIn("cols", 1, MaxCols, min(8, len(zs)))
	if err != nil {
		return reply{}, err
	}
	imgs, err := s.render(r, q, zs)
	if err != nil {
		return reply{}, err
	}
	return pngReply(imgutil.Grid(imgutil.AsImages(imgs), cols, 0, image.Black))
}

// render reads ckpt and attr and generates zs with them (Server.generate).
func (s *Server) render(r *http.Request, q query, zs [][]float32) ([]*image.NRGBA, error) {
	ck, err := s.ckpt(q)
	if err != nil {
		return nil, err
	}
	labels, err := s.attrs(q)
	if err != nil {
		return nil, err
	}
	return s.generate(r.Context(), ck, labels, zs)
}

func pngReply(img image.Image, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	b, err := imgutil.EncodePNG(img)
	return reply{body: b, typ: "image/png"}, err
}

// edited reads z and dirs: the latent moved along the directions.
func (s *Server) edited(q query) ([]float32, error) {
	z, err := q.latent("z", s.cfg.NZ)
	if err != nil {
		return nil, err
	}
	if len(s.dirs) == 0 && q.has("dirs") && q.v.Get("dirs") != "" {
		return nil, badf("dirs: this model has no directions")
	}
	sh, err := q.shifts("dirs", len(s.dirs))
	if err != nil {
		return nil, err
	}
	return s.edit(z, sh), nil
}

func (s *Server) face(r *http.Request, q query) (reply, error) {
	z, err := s.edited(q)
	if err != nil {
		return reply{}, err
	}
	imgs, err := s.render(r, q, [][]float32{z})
	if err != nil {
		return reply{}, err
	}
	return pngReply(imgs[0], nil)
}

func (s *Server) editLatent(_ *http.Request, q query) (reply, error) {
	z, err := s.edited(q)
	if err != nil {
		return reply{}, err
	}
	return reply{json: map[string]string{"z": EncodeLatent(z)}}, nil
}

// variations returns n latents near z: (z + strength*e) / sqrt(1 +
// strength^2) with e ~ N(0, I) from seed, which keeps a Gaussian latent's
// typical length.
func (s *Server) variations(_ *http.Request, q query) (reply, error) {
	z, err := q.latent("z", s.cfg.NZ)
	if err != nil {
		return reply{}, err
	}
	st, err := q.float("strength", 0, MaxStrength, 0.5)
	if err != nil {
		return reply{}, err
	}
	if st == 0 {
		return reply{}, badf("strength=0: want a number in (0, %g]", MaxStrength)
	}
	n, err := q.intIn("n", 1, MaxVariations, 8)
	if err != nil {
		return reply{}, err
	}
	seed, err := q.uint("seed", 0)
	if err != nil {
		return reply{}, err
	}
	nz := s.cfg.NZ
	e := gan.SampleLatents(seed, n, nz)
	norm := math.Sqrt(1 + st*st)
	out := make([]string, n)
	for i := range out {
		v := make([]float32, nz)
		for j := range v {
			a := (float64(z[j]) + st*float64(e[i*nz+j])) / norm
			v[j] = float32(max(-MaxLatentAbs, min(MaxLatentAbs, a)))
		}
		out[i] = EncodeLatent(v)
	}
	return reply{json: map[string]any{"z": out}}, nil
}

func (s *Server) sheet(r *http.Request, q query) (reply, error) {
	zs, err := q.latents("z", s.cfg.NZ, MaxGrid)
	if err != nil {
		return reply{}, err
	}
	return s.sheetOf(r, q, zs)
}

// interpKeys reads a, b and steps.
func (s *Server) interpKeys(q query) (a, b []float32, steps int, err error) {
	if a, err = q.latent("a", s.cfg.NZ); err != nil {
		return
	}
	if b, err = q.latent("b", s.cfg.NZ); err != nil {
		return
	}
	steps, err = q.intIn("steps", MinInterp, MaxInterp, 8)
	return
}

// interpStrip draws the spherical interpolation from a to b (both
// included) in one row.
func (s *Server) interpStrip(r *http.Request, q query) (reply, error) {
	a, b, steps, err := s.interpKeys(q)
	if err != nil {
		return reply{}, err
	}
	imgs, err := s.render(r, q, sampling.Path([][]float32{a, b}, steps)[0])
	if err != nil {
		return reply{}, err
	}
	return pngReply(imgutil.Grid(imgutil.AsImages(imgs), steps, 0, image.Black))
}

// interpGIF is a looping GIF from a to b and back (sampling.Loop), scaled
// up to about 128 px like `sample --interp`.
func (s *Server) interpGIF(r *http.Request, q query) (reply, error) {
	a, b, steps, err := s.interpKeys(q)
	if err != nil {
		return reply{}, err
	}
	delay, err := q.intIn("delay", 1, MaxDelay, 8)
	if err != nil {
		return reply{}, err
	}
	imgs, err := s.render(r, q, sampling.Loop([][]float32{a, b}, steps))
	if err != nil {
		return reply{}, err
	}
	scale := max(1, 128/s.cfg.Size)
	frames := make([]image.Image, len(imgs))
	for i, im := range imgs {
		frames[i] = imgutil.Scale(im, scale)
	}
	var buf bytes.Buffer
	if err := imgutil.EncodeGIF(&buf, frames, delay); err != nil {
		return reply{}, err
	}
	return reply{body: buf.Bytes(), typ: "image/gif", filename: "interp.gif"}, nil
}

// latentFile is a one-latent file in the format `sample --latents` reads.
func (s *Server) latentFile(_ *http.Request, q query) (reply, error) {
	z, err := s.edited(q)
	if err != nil {
		return reply{}, err
	}
	seed, err := q.uint("seed", 0)
	if err != nil {
		return reply{}, err
	}
	lf := sampling.NewLatentFile(z, s.cfg.NZ, seed, 0)
	if err := lf.Check(); err != nil {
		return reply{}, err
	}
	var buf bytes.Buffer
	if err := sampling.EncodeLatents(&buf, lf); err != nil {
		return reply{}, err
	}
	return reply{body: buf.Bytes(), typ: "application/json", filename: "latent.json"}, nil
}

// uploadLatents reads a latents file (as `sample --save-latents` writes)
// from the request body and returns its latents (at most MaxGrid).
func (s *Server) uploadLatents(r *http.Request, _ query) (reply, error) {
	lf, err := sampling.DecodeLatents(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return reply{}, badf("latents file: %v", err)
	}
	if lf.NZ != s.cfg.NZ {
		return reply{}, badf("latents file has nz %d, the model has nz %d", lf.NZ, s.cfg.NZ)
	}
	if lf.N > MaxGrid {
		return reply{}, badf("latents file holds %d latents, at most %d are loaded", lf.N, MaxGrid)
	}
	out := make([]string, lf.N)
	for i, z := range lf.Z {
		for j, v := range z {
			if math.Abs(float64(v)) > MaxLatentAbs {
				return reply{}, badf("latents file: latent %d value %d is %v, beyond ±%g", i, j, v, MaxLatentAbs)
			}
		}
		out[i] = EncodeLatent(z)
	}
	return reply{json: map[string]any{"z": out, "seed": lf.Seed}}, nil
}
