package explorer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/sampling"
)

// tinyConfig is a 32 px generator small enough for tests.
func tinyConfig(seed uint64) gan.Config {
	cfg := gan.DefaultConfig(32)
	cfg.NGF, cfg.NDF, cfg.NZ, cfg.Batch, cfg.Seed = 8, 8, 16, 4, seed
	return cfg
}

// writeRun saves n checkpoints of differently initialised tiny models as a
// run folder's ckpt/step-*.safetensors and returns the run folder.
func writeRun(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		cfg := tinyConfig(uint64(i + 1))
		m, err := gan.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkpoint.Save(filepath.Join(dir, "ckpt"), 100*(i+1), 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, Step: 100 * (i + 1)}); err != nil {
			t.Fatal(err)
		}
		m.Close()
	}
	return dir
}

func openRun(t testing.TB, n int, o Options) *Server {
	t.Helper()
	paths, err := RunCheckpoints(writeRun(t, n))
	if err != nil {
		t.Fatal(err)
	}
	if o.DirectionSamples == 0 {
		o.DirectionSamples = 256
	}
	s, err := Open(paths, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func get(t testing.TB, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

func decodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func seedZ(s *Server, seed uint64) string {
	return EncodeLatent(sampling.Latents(seed, 1, s.cfg.NZ, 0))
}

// TestEndpoints requests every endpoint with good parameters and checks the
// answer's type and shape.
func TestEndpoints(t *testing.T) {
	s := openRun(t, 2, Options{})
	h := s.Handler()
	za, zb := seedZ(s, 1), seedZ(s, 2)
	for _, tc := range []struct {
		url, typ string
		w, h     int // image size, 0: not an image
		want     string
	}{
		{"/", "text/html", 0, 0, "toongan explorer"},
		{"/app.js", "text/javascript", 0, 0, "updateFace"},
		{"/style.css", "text/css", 0, 0, "#grid"},
		{"/api/info", "application/json", 0, 0, `"nz":16`},
		{"/api/latent?seed=7", "application/json", 0, 0, `"seed":7`},
		{"/api/latent?seed=7&trunc=1.5", "application/json", 0, 0, `"z":"`},
		{"/api/grid.png", "image/png", 8 * 32, 8 * 32, ""},
		{"/api/grid.png?start=5&n=6&cols=3&ckpt=0&trunc=0.5", "image/png", 3 * 32, 2 * 32, ""},
		{"/api/face.png?z=" + za, "image/png", 32, 32, ""},
		{"/api/face.png?z=" + za + "&dirs=1,-2.5,0&ckpt=1", "image/png", 32, 32, ""},
		{"/api/edit?z=" + za + "&dirs=1", "application/json", 0, 0, `"z":"`},
		{"/api/variations?z=" + za + "&strength=0.3&n=5&seed=9", "application/json", 0, 0, `"z":["`},
		{"/api/sheet.png?z=" + za + "," + zb + "&cols=1", "image/png", 32, 64, ""},
		{"/api/interp.png?a=" + za + "&b=" + zb + "&steps=5", "image/png", 5 * 32, 32, ""},
		{"/api/interp.gif?a=" + za + "&b=" + zb + "&steps=3&delay=5&ckpt=0", "image/gif", 128, 128, ""},
		{"/api/latent.json?z=" + za + "&dirs=0.5&seed=3", "application/json", 0, 0, `"format":"toongan-latents"`},
	} {
		t.Run(tc.url[:min(len(tc.url), 40)], func(t *testing.T) {
			rec := get(t, h, tc.url)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.typ) {
				t.Errorf("Content-Type %q, want %q", ct, tc.typ)
			}
			if tc.want != "" && !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("body lacks %q: %.300s", tc.want, rec.Body)
			}
			if tc.w == 0 {
				return
			}
			var b image.Rectangle
			if tc.typ == "image/gif" {
				g, err := gif.DecodeAll(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				if len(g.Image) != 6 {
					t.Errorf("%d GIF frames, want 6 (there and back)", len(g.Image))
				}
				b = g.Image[0].Bounds()
			} else {
				b = decodePNG(t, rec.Body.Bytes()).Bounds()
			}
			if b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("image %v, want %dx%d", b.Size(), tc.w, tc.h)
			}
		})
	}
}

// TestBadParameters checks that each malformed, out-of-range, unknown or
// repeated parameter is refused with 400 and a message naming it.
func TestBadParameters(t *testing.T) {
	s := openRun(t, 2, Options{})
	h := s.Handler()
	z := seedZ(s, 1)
	short := EncodeLatent(make([]float32, 15))
	nan := EncodeLatent(append(make([]float32, 15), float32(math.NaN())))
	huge := EncodeLatent(append(make([]float32, 15), 1e6))
	eleven := strings.TrimSuffix(strings.Repeat("0,", 11), ",")
	for _, tc := range []struct{ url, want string }{
		{"/api/info?x=1", `unknown parameter "x"`},
		{"/api/latent", `missing parameter "seed"`},
		{"/api/latent?seed=-1", "seed="},
		{"/api/latent?seed=abc", "seed="},
		{"/api/latent?seed=18446744073709551616", "seed="},
		{"/api/latent?seed=1&seed=2", `"seed" given 2 times`},
		{"/api/latent?seed=1&trunc=0.01", "trunc="},
		{"/api/latent?seed=1&trunc=NaN", "trunc="},
		{"/api/latent?seed=1&trunc=1e9", "trunc="},
		{"/api/grid.png?n=0", "n="},
		{"/api/grid.png?n=65", "n="},
		{"/api/grid.png?n=x", "n="},
		{"/api/grid.png?cols=0", "cols="},
		{"/api/grid.png?cols=17", "cols="},
		{"/api/grid.png?ckpt=2", "ckpt="},
		{"/api/grid.png?ckpt=-1", "ckpt="},
		{"/api/grid.png?ckpt=../../etc/passwd", "ckpt="},
		{"/api/grid.png?start=18446744073709551615", "start="},
		{"/api/grid.png?path=/etc/passwd", `unknown parameter "path"`},
		{"/api/face.png", `missing parameter "z"`},
		{"/api/face.png?z=" + short, "z: latent of"},
		{"/api/face.png?z=" + z + "AAAA", "z: latent of"},
		{"/api/face.png?z=" + strings.Repeat("!", len(z)), "base64url"},
		{"/api/face.png?z=" + nan, "finite"},
		{"/api/face.png?z=" + huge, "finite"},
		{"/api/face.png?z=" + z + "&dirs=" + eleven, "dirs: 11 values"},
		{"/api/face.png?z=" + z + "&dirs=11", "dirs: value 0"},
		{"/api/face.png?z=" + z + "&dirs=1,NaN", "dirs: value 1"},
		{"/api/face.png?z=" + z + "&dirs=1,,2", "dirs: value 1"},
		{"/api/face.png?z=" + z + "&ckpt=5", "ckpt="},
		{"/api/edit?z=" + z + "&dirs=Inf", "dirs: value 0"},
		{"/api/variations?z=" + z + "&strength=0", "strength=0"},
		{"/api/variations?z=" + z + "&strength=3", "strength="},
		{"/api/variations?z=" + z + "&n=17", "n="},
		{"/api/variations?z=" + z + "&seed=-3", "seed="},
		{"/api/sheet.png?z=" + strings.TrimSuffix(strings.Repeat(z+",", 65), ","), "65 latents"},
		{"/api/sheet.png?z=" + z + "," + short, "latent 1"},
		{"/api/sheet.png?z=" + z + "&cols=99", "cols="},
		{"/api/interp.png?a=" + z, `missing parameter "b"`},
		{"/api/interp.png?a=" + z + "&b=" + z + "&steps=1", "steps="},
		{"/api/interp.png?a=" + z + "&b=" + z + "&steps=33", "steps="},
		{"/api/interp.gif?a=" + z + "&b=" + z + "&delay=0", "delay="},
		{"/api/interp.gif?a=" + z + "&b=" + z + "&delay=101", "delay="},
		{"/api/latent.json?z=" + z + "&seed=x", "seed="},
		{"/api/latent.json?seed=1", `missing parameter "z"`},
		{"/api/info?%zz", "malformed query"},
		{"/api/grid.png?" + strings.Repeat("a", maxQuery+1), "query of"},
	} {
		t.Run(tc.url[:min(len(tc.url), 50)], func(t *testing.T) {
			rec := get(t, h, tc.url)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.200s", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("message %q lacks %q", rec.Body, tc.want)
			}
		})
	}
}

// TestNoFileAccess tries path traversal and other paths: nothing but the
// three assets and the API answers, and no file's content comes back.
func TestNoFileAccess(t *testing.T) {
	s := openRun(t, 1, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("TOP-SECRET"), 0o600)
	wd, _ := os.Getwd()
	for _, p := range []string{
		"/../../go.mod", "/..%2f..%2fgo.mod", "/%2e%2e/%2e%2e/go.mod", "/assets/app.js", "/assets/../doc.go",
		"/app.js/../../../go.mod", "/api/../../go.mod", "/api/face.png/../../../../etc/passwd", "//etc/passwd",
		"/etc/passwd", "/doc.go", "/explorer_test.go", "/" + secret, "/..." + secret, "/index.html/..%2f..%2fgo.mod",
		"/api/info/..", "/static/" + wd + "/go.mod", "/.git/config",
	} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		for _, leak := range []string{"module github.com", "root:", "TOP-SECRET", "package explorer", "[core]"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: answer holds %q", p, leak)
			}
		}
		if resp.StatusCode == http.StatusOK && !strings.Contains(body, "toongan explorer") && !strings.Contains(body, `"nz"`) {
			t.Errorf("%s: 200 with unexpected content %.100q", p, body)
		}
	}
	resp, err := http.Post(ts.URL+"/api/face.png", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST face.png: %d, want 405", resp.StatusCode)
	}
}

// TestLatentRoundTrip downloads a slider-moved face's latent and PNG, reads
// the latent with sampling.ReadLatents and draws it as `sample --latents
// --dir` does: the same pixels.
func TestLatentRoundTrip(t *testing.T) {
	s := openRun(t, 1, Options{})
	h := s.Handler()
	q := "z=" + seedZ(s, 42) + "&dirs=1.5,0,-2"
	rec := get(t, h, "/api/latent.json?"+q+"&seed=42")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("latent.json: %d %v", rec.Code, rec.Header())
	}
	dir := t.TempDir()
	lpath := filepath.Join(dir, "z.json")
	os.WriteFile(lpath, rec.Body.Bytes(), 0o644)
	face := get(t, h, "/api/face.png?"+q)
	m, meta, err := checkpoint.Load(s.refs[0].path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := filepath.Join(dir, "faces")
	if _, err := sampling.Run(m, meta.Config, sampling.Options{Latents: lpath, Dir: out, Cols: 1, Batch: 64}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "face-0000.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, face.Body.Bytes()) {
		t.Error("sample --latents draws another image than the explorer showed")
	}
	// The edited latent is the seed's latent moved along the directions.
	lf, err := sampling.ReadLatents(lpath)
	if err != nil {
		t.Fatal(err)
	}
	base := sampling.Latents(42, 1, s.cfg.NZ, 0)
	for i, v := range lf.Z[0] {
		want := float64(base[i]) + 1.5*float64(s.dirs[0].Z[i]) - 2*float64(s.dirs[2].Z[i])
		if math.Abs(float64(v)-want) > 1e-5 {
			t.Fatalf("z[%d] = %v, want %v", i, v, want)
		}
	}
}

// TestUpload posts latents files: the latents come back; a wrong nz, a
// damaged file and a too large body are refused.
func TestUpload(t *testing.T) {
	s := openRun(t, 1, Options{})
	h := s.Handler()
	post := func(body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/latents", bytes.NewReader(body)))
		return rec
	}
	z := sampling.Latents(5, 3, s.cfg.NZ, 0)
	var good bytes.Buffer
	sampling.EncodeLatents(&good, sampling.NewLatentFile(z, s.cfg.NZ, 5, 0))
	rec := post(good.Bytes())
	var got struct{ Z []string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil || len(got.Z) != 3 {
		t.Fatalf("%d %v %s", rec.Code, err, rec.Body)
	}
	if got.Z[1] != EncodeLatent(z[s.cfg.NZ:2*s.cfg.NZ]) {
		t.Error("latent 1 differs")
	}
	var wrongNZ bytes.Buffer
	sampling.EncodeLatents(&wrongNZ, sampling.NewLatentFile(z, 8, 5, 0))
	for name, body := range map[string][]byte{
		"nz":      wrongNZ.Bytes(),
		"garbage": []byte("{not json"),
		"big":     append([]byte(`{"format":"toongan-latents","version":1,"nz":16,"n":1,"z":[[`), bytes.Repeat([]byte("0,"), maxBody)...),
	} {
		if rec := post(body); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, rec.Code)
		}
	}
}

// TestCheckpointsDiffer: the step slider's checkpoints draw different faces
// from one latent, and the server's default is the newest.
func TestCheckpointsDiffer(t *testing.T) {
	s := openRun(t, 3, Options{})
	h := s.Handler()
	var info Info
	json.Unmarshal(get(t, h, "/api/info").Body.Bytes(), &info)
	if len(info.Checkpoints) != 3 || info.Default != 2 || info.Checkpoints[0].Step != 100 || info.Checkpoints[2].Step != 300 {
		t.Fatalf("info %+v", info)
	}
	if len(info.Directions) != MaxDirections {
		t.Errorf("%d directions", len(info.Directions))
	}
	z := seedZ(s, 3)
	a := get(t, h, "/api/face.png?z="+z+"&ckpt=0").Body.Bytes()
	b := get(t, h, "/api/face.png?z="+z+"&ckpt=1").Body.Bytes()
	c := get(t, h, "/api/face.png?z="+z).Body.Bytes()
	d := get(t, h, "/api/face.png?z="+z+"&ckpt=2").Body.Bytes()
	if bytes.Equal(a, b) || !bytes.Equal(c, d) {
		t.Error("checkpoint choice not honoured")
	}
	// The three checkpoints were each loaded once and stay loaded (maxLoaded).
	if len(s.ms.loaded) != 3 {
		t.Errorf("%d models loaded", len(s.ms.loaded))
	}
}

// TestGridMatchesFaces: grid cell i is the face of seed start+i.
func TestGridMatchesFaces(t *testing.T) {
	s := openRun(t, 1, Options{})
	h := s.Handler()
	grid := decodePNG(t, get(t, h, "/api/grid.png?start=10&n=4&cols=2").Body.Bytes())
	face := decodePNG(t, get(t, h, "/api/face.png?z="+seedZ(s, 13)).Body.Bytes())
	for y := range 32 {
		for x := range 32 {
			if grid.At(32+x, 32+y) != face.At(x, y) {
				t.Fatalf("cell 3 differs from seed 13's face at %d,%d", x, y)
			}
		}
	}
}

// TestBusyAndHost: a full queue answers 503; a loopback-only server
// refuses other Host names.
func TestBusyAndHost(t *testing.T) {
	s := openRun(t, 1, Options{MaxWaiting: 1, LoopbackOnly: true})
	h := s.Handler()
	url := "/api/face.png?z=" + seedZ(s, 1)
	s.loopback = false        // httptest requests are for example.com
	s.gate.slot <- struct{}{} // a generation in progress
	s.gate.waiting.Add(1)     // and one waiting
	rec := get(t, h, url)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("full queue: %d %v", rec.Code, rec.Header())
	}
	s.gate.waiting.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("waiting past the client's deadline: %d", rec.Code)
	}
	<-s.gate.slot
	s.loopback = true
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost": 200, "[::1]:80": 200, "evil.example:8080": 403, "127.0.0.1.evil.example": 403} {
		req := httptest.NewRequest(http.MethodGet, "/api/info", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

// TestConcurrentRequests runs many requests at once (go test -race):
// every answer is a good image or a 503, never anything else.
func TestConcurrentRequests(t *testing.T) {
	s := openRun(t, 2, Options{MaxWaiting: 6})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	z := seedZ(s, 1)
	urls := []string{
		"/api/face.png?z=" + z + "&dirs=1,2", "/api/grid.png?n=8&ckpt=0", "/api/face.png?z=" + z + "&ckpt=0",
		"/api/interp.png?a=" + z + "&b=" + seedZ(s, 2) + "&steps=4", "/api/variations?z=" + z, "/api/info",
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 48 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(ts.URL + urls[i%len(urls)])
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == 200 && strings.HasSuffix(strings.SplitN(urls[i%len(urls)], "?", 2)[0], ".png") {
				if _, err := png.Decode(bytes.NewReader(b)); err != nil {
					t.Errorf("%s: %v", urls[i%len(urls)], err)
				}
			}
		}()
	}
	wg.Wait()
	if codes[200] == 0 || codes[200]+codes[503] != 48 {
		t.Errorf("status counts %v", codes)
	}
}

// TestServeShutdown: Serve answers until its context ends, then returns nil
// and stops listening.
func TestServeShutdown(t *testing.T) {
	s := openRun(t, 1, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := fmt.Sprintf("http://%s/api/info", ln.Addr())
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still answering after shutdown")
	}
}

func TestRunCheckpoints(t *testing.T) {
	dir := writeRun(t, 3)
	paths, err := RunCheckpoints(dir)
	if err != nil || len(paths) != 3 || !strings.HasSuffix(paths[2], "step-000300.safetensors") {
		t.Fatalf("%v %v", paths, err)
	}
	if _, err := RunCheckpoints(t.TempDir()); err == nil {
		t.Error("empty folder accepted")
	}
	empty := t.TempDir()
	os.Mkdir(filepath.Join(empty, "ckpt"), 0o755)
	if _, err := RunCheckpoints(empty); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no step-") {
		t.Errorf("no checkpoints: %v", err)
	}
	// Checkpoints of different latent sizes cannot be served together.
	cfg := tinyConfig(1)
	cfg.NZ = 12
	m, _ := gan.New(cfg)
	other, err := checkpoint.Save(t.TempDir(), 1, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open([]string{paths[0], other}, Options{}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mixed nz: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json"), 0o644)
	if _, err := Open([]string{bad}, Options{}); err == nil || !strings.Contains(err.Error(), "bad.safetensors") {
		t.Errorf("damaged checkpoint: %v", err)
	}
}

func TestLatentCodec(t *testing.T) {
	z := []float32{0, -1.5, 3.25e-7, 99.9}
	got, err := DecodeLatent(EncodeLatent(z), 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range z {
		if got[i] != z[i] {
			t.Fatalf("%v != %v", got, z)
		}
	}
	for _, bad := range []string{"", "AAAA", EncodeLatent(z) + "A", strings.Repeat("*", len(EncodeLatent(z)))} {
		if _, err := DecodeLatent(bad, 4); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSlowClient: a client that never finishes its request header is cut
// off after the header timeout (no slowloris).
func TestSlowClient(t *testing.T) {
	s := openRun(t, 1, Options{})
	old := timeouts
	timeouts.header = 200 * time.Millisecond
	defer func() { timeouts = old }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n") // and never the blank line
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	t0 := time.Now()
	b, _ := io.ReadAll(c) // returns when the server closes the connection
	if time.Since(t0) > 5*time.Second || strings.Contains(string(b), "200 OK") {
		t.Errorf("slow header not cut off: %v, %q", time.Since(t0), b)
	}
}
