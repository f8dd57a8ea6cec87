package explorer

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
)

// benchServer serves a freshly initialised reference DCGAN of 64 px (ngf
// 64, nz 100): generation costs the same for any weights.
func benchServer(b *testing.B) http.Handler {
	b.Helper()
	cfg := gan.DefaultConfig(64)
	m, err := gan.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	p, err := checkpoint.Save(filepath.Join(b.TempDir(), "ckpt"), 1, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 64, Channels: 3, Step: 1})
	m.Close()
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open([]string{p}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s.Handler()
}

// serverTime times one request through the handler (no network): the
// server's time to parse, generate and encode.
func serverTime(b *testing.B, h http.Handler, url string) time.Duration {
	rec := httptest.NewRecorder()
	t0 := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	d := time.Since(t0)
	if rec.Code != 200 {
		b.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
	}
	return d
}

// BenchmarkSliderFace is one face after a slider move at 64 px: the
// request the page sends while a direction slider is dragged.
// go test -run ^$ -bench . -cpu 2 ./pkg/explorer
func BenchmarkSliderFace(b *testing.B) {
	h := benchServer(b)
	z := EncodeLatent(gan.SampleLatents(1, 1, 100))
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		total += serverTime(b, h, "/api/face.png?z="+z+"&dirs="+strconv.FormatFloat(float64(i%50)/10-2.5, 'f', 1, 64)+",1,-0.5")
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/face")
}

// BenchmarkGrid64 is a page of 64 faces at 64 px as one sheet.
func BenchmarkGrid64(b *testing.B) {
	h := benchServer(b)
	serverTime(b, h, "/api/grid.png?n=64") // builds the batch-64 graph
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		total += serverTime(b, h, "/api/grid.png?n=64&start="+strconv.Itoa(64*i))
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/grid")
}
