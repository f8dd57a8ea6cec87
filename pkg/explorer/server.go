package explorer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
	"github.com/toongan/toongan/pkg/sampling"
)

// Options configure a Server.
type Options struct {
	Log        io.Writer // startup notes and warnings; nil: discarded
	MaxWaiting int       // requests waiting to generate before 503s; 0: 32
	Directions int       // GANSpace directions, 0..MaxDirections; 0: MaxDirections
	// DirectionSamples is the number of random latents the directions are
	// computed from (0: 2048, fewer for very wide generators).
	DirectionSamples int
	// LoopbackOnly refuses requests whose Host header is not a loopback
	// name or address (127.0.0.1, ::1, localhost): a page on another site
	// cannot reach the server through DNS rebinding. Set it when the
	// server listens on a loopback address.
	LoopbackOnly bool
}

// Server serves the explorer for a fixed list of checkpoints.
type Server struct {
	refs     []ckptRef
	cfg      gan.Config
	def      int
	dirs     []Direction
	gate     *gate
	ms       *models
	loopback bool
	log      io.Writer
}

// Open checks every checkpoint's header (same image and latent size for
// all), loads the last one (the default: the newest of a run) as the sample
// stage does, and computes its GANSpace directions, which serve every
// checkpoint (the same latent edit through training time).
func Open(paths []string, o Options) (*Server, error) {
	if o.Directions < 0 || o.Directions > MaxDirections {
		return nil, fmt.Errorf("explorer: %d directions, want 0..%d", o.Directions, MaxDirections)
	}
	refs, meta, err := checkRefs(paths)
	if err != nil {
		return nil, err
	}
	s := &Server{refs: refs, cfg: meta.Config, def: len(refs) - 1, loopback: o.LoopbackOnly, log: o.Log}
	if s.log == nil {
		s.log = io.Discard
	}
	s.gate = newGate(cmpOr(o.MaxWaiting, 32))
	s.ms = &models{refs: refs, def: s.def, loaded: map[int]*gan.Model{}}
	m, err := s.ms.get(s.def)
	if err != nil {
		return nil, err
	}
	s.cfg = m.Config()
	dirs, err := Directions(m, DirectionOptions{K: cmpOr(o.Directions, MaxDirections), Samples: o.DirectionSamples, Seed: 1})
	if err != nil {
		fmt.Fprintf(s.log, "explorer: warning: no latent directions: %v\n", err)
	}
	s.dirs = dirs
	// Build the one-face inference graph now: the first slider move is then
	// as fast as the next.
	if _, err := sampling.Generate(m, make([]float32, s.cfg.NZ), 1, s.cfg.NZ, 1, false); err != nil {
		s.Close()
		return nil, fmt.Errorf("explorer: %q: %w", refs[s.def].path, err)
	}
	return s, nil
}

// Close frees the loaded models. Call it after Serve returns.
func (s *Server) Close() {
	s.gate.slot <- struct{}{}
	s.ms.close()
	<-s.gate.slot
}

// Directions returns the latent directions the sliders move along.
func (s *Server) Directions() []Direction { return s.dirs }

// timeouts of the HTTP server (a variable for tests): a client that sends
// its header slowly, a body slowly, or reads slowly is cut off.
var timeouts = struct{ header, read, write, idle time.Duration }{5 * time.Second, 30 * time.Second, 2 * time.Minute, 2 * time.Minute}

// Serve answers HTTP on ln until ctx is cancelled, then shuts down: it
// stops accepting, cancels requests still waiting to generate and waits up
// to 5 s for the others. The HTTP server has read, write and idle timeouts
// and a bounded header size. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: timeouts.header,
		ReadTimeout:       timeouts.read,
		WriteTimeout:      timeouts.write,
		IdleTimeout:       timeouts.idle,
		MaxHeaderBytes:    256 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          log.New(s.log, "explorer: ", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("explorer: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("explorer: shutdown: %w", err)
	}
	return nil
}

// generate maps latents (each nz values) to images with checkpoint ck,
// through the gate: with one image's labels for every latent when labels
// is not nil (see Server.attrs), else as the sample stage draws them.
func (s *Server) generate(ctx context.Context, ck int, labels []byte, zs [][]float32) ([]*image.NRGBA, error) {
	flat := make([]float32, 0, len(zs)*s.cfg.NZ)
	for _, z := range zs {
		flat = append(flat, z...)
	}
	if err := s.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.gate.release()
	m, err := s.ms.get(ck)
	if err != nil {
		return nil, err
	}
	var x []float32
	if labels == nil {
		x, err = sampling.Generate(m, flat, len(zs), s.cfg.NZ, MaxGrid, false)
	} else {
		all := make([]byte, 0, len(zs)*len(labels))
		for range zs {
			all = append(all, labels...)
		}
		x, err = sampling.GenerateLabels(m, flat, all, len(zs), s.cfg.NZ, MaxGrid, false)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.refs[ck].name, err)
	}
	return imgutil.TensorImages(x, len(zs), s.cfg.Channels, s.cfg.Size, s.cfg.Size)
}

// edit moves z along the directions by the given amounts.
func (s *Server) edit(z []float32, shifts []float64) []float32 {
	out := make([]float32, len(z))
	for i, v := range z {
		a := float64(v)
		for j, d := range s.dirs {
			if j < len(shifts) && shifts[j] != 0 {
				a += shifts[j] * float64(d.Z[i])
			}
		}
		out[i] = float32(max(-MaxLatentAbs, min(MaxLatentAbs, a)))
	}
	return out
}
