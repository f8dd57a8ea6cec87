// Command browsertest drives `sample serve` in headless Chromium, as a user
// would: the grid loads, a face is clicked, a direction slider moves (the
// face changes), variations are drawn, two faces are interpolated (strip and
// GIF), the face's PNG and latent are downloaded and the latent is redrawn
// with `sample --latents` (same pixels), the step slider picks an older
// checkpoint, and SIGTERM stops the server (exit status 130). Screenshots
// and downloads go to --out.
//
//	go run ./scripts/browsertest --sample bin/sample --out runs/browser-test
//	go run ./scripts/browsertest --sample bin/sample --run runs/builtin --out shots   # a trained run
//
// Without --run it serves a run of two tiny untrained checkpoints it writes
// itself. Run by `make -f pipeline.mk browser-test` (and .ci/run).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
)

type env struct {
	sample, out, run string
	base             string // server URL
	page             *cdp
	server           *exec.Cmd
	serverErr        *bytes.Buffer
}

func main() {
	var e env
	var browser string
	flag.StringVar(&e.sample, "sample", "bin/sample", "the sample binary")
	flag.StringVar(&e.out, "out", "runs/browser-test", "folder for screenshots and downloads (emptied first)")
	flag.StringVar(&e.run, "run", "", "train run folder to serve (default: two tiny untrained checkpoints)")
	flag.StringVar(&browser, "chromium", "", "Chromium binary (default: chromium, chromium-browser or google-chrome on PATH)")
	flag.Parse()
	if err := e.main(browser); err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("browsertest: PASS (screenshots in %s)\n", e.out)
}

func (e *env) main(browser string) error {
	t0 := time.Now()
	if err := os.RemoveAll(e.out); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(e.out, "downloads"), 0o755); err != nil {
		return err
	}
	e.out, _ = filepath.Abs(e.out)
	if e.run == "" {
		e.run = filepath.Join(e.out, "tiny-run")
		if err := tinyRun(e.run); err != nil {
			return err
		}
	}
	if err := e.startServer(); err != nil {
		return err
	}
	defer e.server.Process.Kill()
	stopBrowser, err := e.startBrowser(browser)
	if err != nil {
		return err
	}
	defer stopBrowser()
	for _, step := range []struct {
		name string
		fn   func() error
	}{
		{"grid loads", e.gridLoads}, {"click a face, move a slider", e.slider}, {"download and redraw", e.downloads},
		{"variations", e.variations}, {"interpolate", e.interpolate}, {"overview", e.overview}, {"step slider", e.stepSlider},
	} {
		if err := step.fn(); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		fmt.Printf("browsertest: ok  %-30s %5.1f s\n", step.name, time.Since(t0).Seconds())
	}
	return e.stopServer()
}

// tinyRun writes a run folder with two differently initialised 32 px
// checkpoints.
func tinyRun(dir string) error {
	for i := 1; i <= 2; i++ {
		cfg := gan.DefaultConfig(32)
		cfg.NGF, cfg.NDF, cfg.NZ, cfg.Seed = 16, 8, 32, uint64(i)
		m, err := gan.New(cfg)
		if err != nil {
			return err
		}
		_, err = checkpoint.Save(filepath.Join(dir, "ckpt"), 100*i, 0, m, checkpoint.Meta{Config: cfg, ImageSize: 32, Channels: 3, Step: 100 * i})
		m.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

var urlLine = regexp.MustCompile(`http://\S+/`)

func (e *env) startServer() error {
	e.server = exec.Command(e.sample, "serve", "--run", e.run, "--addr", "127.0.0.1:0")
	e.serverErr = &bytes.Buffer{}
	e.server.Stderr = e.serverErr
	out, err := e.server.StdoutPipe()
	if err != nil {
		return err
	}
	if err := e.server.Start(); err != nil {
		return fmt.Errorf("start %s serve: %w", e.sample, err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() { // read to the end: the server must never block on its stdout
			if u := urlLine.FindString(sc.Text()); u != "" && !sent {
				found <- u
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case u, ok := <-found:
		if !ok {
			return fmt.Errorf("sample serve printed no URL; stderr: %s", e.serverErr)
		}
		e.base = u
	case <-time.After(60 * time.Second):
		return fmt.Errorf("sample serve printed no URL in 60 s; stderr: %s", e.serverErr)
	}
	return nil
}

// stopServer sends SIGTERM: the server must exit with status 130 (the
// stages' status for an interruption) within 10 s.
func (e *env) stopServer() error {
	e.server.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- e.server.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			return fmt.Errorf("after SIGTERM sample serve exited with %v, want status 130; stderr: %s", err, e.serverErr)
		}
	case <-time.After(10 * time.Second):
		return errors.New("sample serve still running 10 s after SIGTERM")
	}
	fmt.Println("browsertest: ok  SIGTERM stops the server (130)")
	return nil
}

var devtoolsLine = regexp.MustCompile(`ws://\S+`)

func (e *env) startBrowser(bin string) (stop func(), err error) {
	if bin == "" {
		for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(b); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		return nil, errors.New("chromium not found (Debian: apt-get install -y chromium)")
	}
	profile, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--remote-debugging-port=0", "--user-data-dir="+profile, "--window-size=1280,1270", "about:blank")
	// Its own process group, killed whole: no renderer outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop = func() { cancel(); cmd.Wait(); os.RemoveAll(profile) }
	ws := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() { // read to the end: Chromium must never block on its stderr
			if u := devtoolsLine.FindString(sc.Text()); u != "" && !sent {
				ws <- u
				sent = true
			}
		}
	}()
	select {
	case u := <-ws:
		if err := e.attach(u); err != nil {
			stop()
			return nil, err
		}
	case <-time.After(60 * time.Second):
		stop()
		return nil, errors.New("chromium printed no DevTools URL in 60 s")
	}
	return stop, nil
}

// attach opens a page target and sets downloads and the window size.
func (e *env) attach(wsURL string) error {
	conn, err := dialWS(wsURL)
	if err != nil {
		return err
	}
	c := &cdp{ws: conn}
	var tgt struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call("Target.createTarget", map[string]any{"url": "about:blank"}, &tgt); err != nil {
		return err
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("Target.attachToTarget", map[string]any{"targetId": tgt.TargetID, "flatten": true}, &att); err != nil {
		return err
	}
	c.session = att.SessionID
	if err := c.call("Browser.setDownloadBehavior", map[string]any{"behavior": "allow", "downloadPath": filepath.Join(e.out, "downloads")}, nil); err != nil {
		return err
	}
	if err := c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 1270, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return err
	}
	e.page = c
	return c.call("Page.enable", nil, nil)
}

func (e *env) shot(name string) error {
	b, err := e.page.screenshot()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(e.out, name), b, 0o644)
}

func (e *env) gridLoads() error {
	if err := e.page.call("Page.navigate", map[string]any{"url": e.base}, nil); err != nil {
		return err
	}
	if err := e.page.waitFor("the page", `document.body && document.body.dataset.ready === "1"`, 30*time.Second); err != nil {
		return err
	}
	if err := e.page.waitFor("64 faces", `document.getElementById("grid").dataset.loaded === "64"`, 30*time.Second); err != nil {
		return err
	}
	var foreign []string // the page works offline: it loads nothing from elsewhere
	if err := e.page.eval(`performance.getEntriesByType("resource").map((r) => r.name).filter((n) => !n.startsWith(location.origin + "/"))`, &foreign); err != nil {
		return err
	}
	if len(foreign) > 0 {
		return fmt.Errorf("the page loaded resources from elsewhere: %q", foreign)
	}
	return e.shot("1-grid.png")
}

// fetch GETs a server URL (path relative to the server's root).
func (e *env) fetch(path string) ([]byte, error) {
	resp, err := http.Get(strings.TrimSuffix(e.base, "/") + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return b, err
}

const bigURL = `document.getElementById("big").dataset.url`

// slider opens seed 5, then drags direction 1: the shown face must change.
func (e *env) slider() error {
	if err := e.page.eval(`document.querySelector('#grid .cell[data-seed="5"]').click()`, nil); err != nil {
		return err
	}
	if err := e.page.waitFor("the large face", bigURL, 20*time.Second); err != nil {
		return err
	}
	var before, after string
	if err := e.page.eval(bigURL, &before); err != nil {
		return err
	}
	err := e.page.eval(`(() => { const s = document.getElementById("dir0"); s.value = 3; s.dispatchEvent(new Event("input")); })()`, nil)
	if err != nil {
		return err
	}
	if err := e.page.waitFor("the moved face", bigURL+` !== `+jsString(before)+` && `+bigURL+`.includes("dirs=3.00")`, 20*time.Second); err != nil {
		return err
	}
	if err := e.page.eval(bigURL, &after); err != nil {
		return err
	}
	a, err := e.fetch(before)
	if err != nil {
		return err
	}
	b, err := e.fetch(after)
	if err != nil {
		return err
	}
	if bytes.Equal(a, b) {
		return errors.New("the face did not change when the slider moved")
	}
	return e.shot("2-face.png")
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// downloads clicks both download links and redraws the latent with `sample
// --latents`: the pixels must equal the downloaded PNG's.
func (e *env) downloads() error {
	dl := filepath.Join(e.out, "downloads")
	for _, id := range []string{"dl-json", "dl-png"} {
		if err := e.page.eval(`document.getElementById("`+id+`").click()`, nil); err != nil {
			return err
		}
	}
	lat, face := filepath.Join(dl, "latent.json"), filepath.Join(dl, "face.png")
	if err := waitFiles(20*time.Second, lat, face); err != nil {
		return err
	}
	redraw := filepath.Join(e.out, "redraw")
	latest, err := safetensors.Latest(filepath.Join(e.run, "ckpt"))
	if err != nil {
		return err
	}
	cmd := exec.Command(e.sample, "--ckpt", latest, "--latents", lat, "--dir", redraw, "-q")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sample --latents: %v: %s", err, out)
	}
	a, err := readPNG(face)
	if err != nil {
		return err
	}
	b, err := readPNG(filepath.Join(redraw, "face-0000.png"))
	if err != nil {
		return err
	}
	if !samePixels(a, b) {
		return errors.New("sample --latents on the downloaded latent draws another face than the downloaded PNG")
	}
	return nil
}

// waitFiles waits until each file exists with a stable non-zero size.
func waitFiles(timeout time.Duration, paths ...string) error {
	end := time.Now().Add(timeout)
	for _, p := range paths {
		var last int64 = -1
		for {
			st, err := os.Stat(p)
			if err == nil && st.Size() > 0 && st.Size() == last {
				break
			}
			if err == nil {
				last = st.Size()
			}
			if time.Now().After(end) {
				return fmt.Errorf("download %s did not arrive", filepath.Base(p))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func readPNG(p string) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return img, nil
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

func (e *env) variations() error {
	if err := e.page.eval(`document.getElementById("vary").click()`, nil); err != nil {
		return err
	}
	return e.page.waitFor("8 variations", `document.getElementById("vars").dataset.loaded === "1"`, 20*time.Second)
}

// overview moves the open face (seed 9) along direction 1 and draws its
// variations: the screenshot with every part of the page in use.
func (e *env) overview() error {
	err := e.page.eval(`(() => { const s = document.getElementById("dir0"); s.value = 2.5; s.dispatchEvent(new Event("input")); })()`, nil)
	if err != nil {
		return err
	}
	if err := e.page.waitFor("the moved face", bigURL+`.includes("dirs=2.50")`, 20*time.Second); err != nil {
		return err
	}
	if err := e.variations(); err != nil {
		return err
	}
	return e.shot("0-overview.png")
}

// interpolate picks the moved face as A and seed 9 as B, draws the strip
// and checks the GIF.
func (e *env) interpolate() error {
	steps := []string{
		`document.getElementById("pickA").click()`,
		`document.querySelector('#grid .cell[data-seed="9"]').click()`,
	}
	for _, s := range steps {
		if err := e.page.eval(s, nil); err != nil {
			return err
		}
	}
	if err := e.page.waitFor("seed 9", `document.getElementById("title").textContent === "seed 9" && `+bigURL+` && !`+bigURL+`.includes("dirs=")`, 20*time.Second); err != nil {
		return err
	}
	if err := e.page.eval(`document.getElementById("pickB").click()`, nil); err != nil {
		return err
	}
	if err := e.page.waitFor("A and B", `!document.getElementById("interp-btn").disabled`, 20*time.Second); err != nil {
		return err
	}
	if err := e.page.eval(`document.getElementById("interp-btn").click()`, nil); err != nil {
		return err
	}
	if err := e.page.waitFor("the strip", `document.getElementById("strip").dataset.loaded && document.getElementById("imgA").complete && document.getElementById("imgB").complete`, 30*time.Second); err != nil {
		return err
	}
	var href string
	if err := e.page.eval(`document.getElementById("gif-link").getAttribute("href")`, &href); err != nil {
		return err
	}
	b, err := e.fetch(href)
	if err != nil {
		return err
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil || len(g.Image) < 4 {
		return fmt.Errorf("interpolation GIF: %v", err)
	}
	return e.shot("3-interpolate.png")
}

// stepSlider moves the step slider to the oldest checkpoint: the large face
// is redrawn with it.
func (e *env) stepSlider() error {
	var n int
	if err := e.page.eval(`document.getElementById("stepbox").hidden ? 0 : Number(document.getElementById("step").max) + 1`, &n); err != nil {
		return err
	}
	if n < 2 {
		fmt.Println("browsertest: (one checkpoint: no step slider)")
		return nil
	}
	err := e.page.eval(`(() => { const s = document.getElementById("step"); s.value = 0; s.dispatchEvent(new Event("change")); })()`, nil)
	if err != nil {
		return err
	}
	if err := e.page.waitFor("the oldest checkpoint's face", bigURL+`.endsWith("ckpt=0")`, 20*time.Second); err != nil {
		return err
	}
	if err := e.page.waitFor("its grid", `document.getElementById("grid").dataset.loaded === "64"`, 30*time.Second); err != nil {
		return err
	}
	return e.shot("4-step.png")
}
