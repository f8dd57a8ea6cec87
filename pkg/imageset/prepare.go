package imageset

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/shard"
	"github.com/toongan/toongan/pkg/toon"
)

// BuiltinSource is the manifest source of the rendered toon faces.
const BuiltinSource = "builtin:toon"

// DefaultShardSize is the default number of records per shard.
const DefaultShardSize = 4096

// Progress is the part of cliapp.Progress that Prepare uses.
type Progress interface {
	Add(n int)
	Finish()
}

// Config describes one prep run.
type Config struct {
	Input     string  // folder or archive; ignored when Builtin > 0
	Builtin   int     // render this many toon faces instead of reading Input
	Out       string  // dataset folder, replaced as a whole
	Options   Options // size, crop, background, pixel limit
	Holdout   float64 // fraction of kept images put in the holdout split, 0..0.5
	Seed      uint64  // holdout split and built-in faces
	Strict    bool    // a bad input file is fatal instead of skipped
	ShardSize int     // records per shard (0: DefaultShardSize)
	Workers   int     // decoding goroutines (0: GOMAXPROCS)
	// Labels, when set, labels the images (manifest version 2, label shards).
	Labels *Labeling
	// Params are recorded in the manifest as the prep parameters.
	Params map[string]any
	// Warn receives one line per skipped file (nil: discarded).
	Warn io.Writer
	// NewProgress makes the progress reporter; total is -1 when unknown.
	NewProgress func(total int64) Progress
}

// Summary is the outcome of a successful Prepare.
type Summary struct {
	Manifest *shard.Manifest
	Elapsed  time.Duration
}

// Line is the one-line human summary.
func (s Summary) Line() string {
	m := s.Manifest
	c := m.Counts
	var b strings.Builder
	fmt.Fprintf(&b, "%d images %dx%d (train %d, holdout %d), %d duplicates dropped, %d skipped",
		c.Kept, m.Size, m.Size, c.Train, c.Holdout, c.Duplicates, c.Skipped)
	if c.Skipped > 0 {
		reasons := make([]string, 0, len(m.SkippedByReason))
		for r := range m.SkippedByReason {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%d %s", m.SkippedByReason[r], r)
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	rate := float64(c.Inputs) / max(s.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(&b, "; %d inputs in %.1fs = %.0f images/s -> %q", c.Inputs, s.Elapsed.Seconds(), rate, m.Dir())
	return b.String()
}

// FaceSeed is the toon.Face seed of built-in image i for a run seed: a
// function of (seed, i) only, so rendering order does not matter.
func FaceSeed(seed uint64, i int) uint64 {
	return splitmix64(splitmix64(seed^0x746f6f6e67616e) + uint64(i))
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// inHoldout decides the split from the seed and the image content, so an
// image stays on the same side when other files are added or removed.
func inHoldout(seed uint64, digest *[32]byte, frac float64) bool {
	if frac <= 0 {
		return false
	}
	u := splitmix64(seed ^ binary.LittleEndian.Uint64(digest[:8]))
	return float64(u>>11)/(1<<53) < frac
}

type job struct {
	idx  int
	name string
	data []byte
	seed uint64
	skip *SkipError
}

type result struct {
	idx    int
	name   string
	rec    []byte
	digest [32]byte
	skip   *SkipError
}

// errStopped marks a run whose workers stopped on cancellation; the cause
// is reported instead.
var errStopped = errors.New("prep stopped")

// Prepare runs prep: it reads the input (or renders built-in faces), writes
// the shards and manifest into a staging folder beside cfg.Out and swaps it
// into place, so cfg.Out is either the old dataset or the complete new one.
//
// Inside, a pipeline: one reader goroutine hands the input's files (or the
// seeds of built-in faces) to cfg.Workers decoders, and the collector puts
// their records back in input order, drops duplicates, splits and writes.
func Prepare(ctx context.Context, cfg Config) (Summary, error) {
	start := time.Now()
	if err := cfg.complete(); err != nil {
		return Summary{}, err
	}
	release, err := claimOut(&cfg)
	if err != nil {
		return Summary{}, err
	}
	defer release()

	// The decoders allocate a little per image and the live heap is small,
	// so the default GC target collects every few hundred images; a higher
	// target roughly halves prep's CPU time (restored on return).
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	pool := &bufPool{}
	src, source, total, err := cfg.openInput(pool)
	if err != nil {
		return Summary{}, err
	}
	if src != nil {
		defer src.Close()
	}
	staging, err := atomicfile.TempDir(cfg.Out)
	if err != nil {
		return Summary{}, fmt.Errorf("output: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(staging)
		}
	}()
	var prog Progress = nopProgress{}
	if cfg.NewProgress != nil {
		prog = cfg.NewProgress(total)
	}
	defer prog.Finish()

	b := &builder{cfg: cfg, dir: staging, seen: make(map[[32]byte]struct{}), byReason: map[string]int{}, lab: newLabelState(cfg.Labels)}
	defer b.abort()
	if err := b.reportReadIssues(); err != nil {
		return Summary{}, err
	}
	if err := runPipeline(ctx, cfg, src, pool, b, prog); err != nil {
		return Summary{}, err
	}
	if _, err := b.finish(source); err != nil {
		return Summary{}, err
	}
	prog.Finish()
	if err := atomicfile.ReplaceDir(staging, cfg.Out); err != nil {
		return Summary{}, fmt.Errorf("output: %w", err)
	}
	done = true
	loaded, err := shard.Load(cfg.Out)
	if err != nil {
		return Summary{}, err
	}
	return Summary{Manifest: loaded, Elapsed: time.Since(start)}, nil
}

// complete checks cfg and fills its defaults.
func (cfg *Config) complete() error {
	if err := cfg.Options.Validate(); err != nil {
		return err
	}
	if cfg.Holdout < 0 || cfg.Holdout > 0.5 || cfg.Holdout != cfg.Holdout {
		return fmt.Errorf("holdout %g out of range 0..0.5", cfg.Holdout)
	}
	if cfg.ShardSize == 0 {
		cfg.ShardSize = DefaultShardSize
	}
	if cfg.ShardSize < 1 || cfg.ShardSize > shard.MaxCount {
		return fmt.Errorf("shard size %d out of range 1..%d", cfg.ShardSize, shard.MaxCount)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if err := cfg.checkLimits(); err != nil {
		return err
	}
	if err := memlimit.Check(fmt.Sprintf("prep with %d workers and --max-pixels %d", cfg.Workers, cfg.Options.MaxPixels), cfg.EstimateBytes()); err != nil {
		return err
	}
	if cfg.Warn == nil {
		cfg.Warn = io.Discard
	}
	if cfg.Out == "" {
		return errors.New("no output folder given")
	}
	return nil
}

// openInput opens cfg.Input; with Builtin it returns a nil Source. It also
// returns the manifest's source name and the number of inputs (-1 when
// unknown in advance).
func (cfg *Config) openInput(pool *bufPool) (Source, string, int64, error) {
	if cfg.Builtin > 0 {
		return nil, BuiltinSource, int64(cfg.Builtin), nil
	}
	if cfg.Input == "" {
		return nil, "", 0, errors.New("no input: give a folder or archive, or --builtin N")
	}
	src, err := OpenSource(cfg.Input, pool.get)
	if err != nil {
		return nil, "", 0, err
	}
	total := int64(src.Total())
	if total == 0 {
		src.Close()
		return nil, "", 0, fmt.Errorf("input %q: no files found", cfg.Input)
	}
	return src, cfg.Input, total, nil
}

// pipeline is one run of the reader, the workers and the collector. At
// most window inputs are in flight; each owns a slot of slab for its record.
type pipeline struct {
	ctx     context.Context
	cancel  context.CancelFunc
	cfg     Config
	src     Source // nil: built-in faces
	pool    *bufPool
	window  int
	recSize int
	slab    []byte
	tokens  chan struct{} // one per input in flight
	ahead   *byteBudget   // file bytes read but not yet decoded
	jobs    chan job
	results chan result
	readErr chan error
}

// runPipeline decodes every input and hands the records to b in input
// order. The first real cause of a stop wins: a read error of the input
// (the workers' empty records after it are only its echo), then a write
// error, then the caller's cancellation.
func runPipeline(outer context.Context, cfg Config, src Source, pool *bufPool, b *builder, prog Progress) error {
	ctx, cancel := context.WithCancel(outer)
	defer cancel()
	window := 8*cfg.Workers + 16
	p := &pipeline{ctx: ctx, cancel: cancel, cfg: cfg, src: src, pool: pool, window: window,
		recSize: cfg.Options.RecordSize(), tokens: make(chan struct{}, window),
		jobs: make(chan job, window), results: make(chan result, window), readErr: make(chan error, 1),
		ahead: newByteBudget(ctx, ReadAheadBytes)}
	p.slab = make([]byte, window*p.recSize)
	go p.read()
	var wg sync.WaitGroup
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work()
		}()
	}
	go func() {
		wg.Wait()
		close(p.results)
	}()
	collectErr := p.collect(b, prog)
	select {
	case err := <-p.readErr:
		return err
	default:
	}
	if collectErr != nil && collectErr != errStopped {
		return collectErr
	}
	if err := outer.Err(); err != nil {
		return err
	}
	return collectErr
}

// read is the reader: one goroutine, sequential (gzip and tar are
// sequential).
func (p *pipeline) read() {
	defer close(p.jobs)
	for i := 0; ; i++ {
		select {
		case p.tokens <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		j := job{idx: i}
		if p.src == nil {
			if i >= p.cfg.Builtin {
				return
			}
			j.name = fmt.Sprintf("builtin-%06d", i)
			j.seed = FaceSeed(p.cfg.Seed, i)
		} else {
			e, err := p.src.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				p.readErr <- err
				p.cancel()
				return
			}
			j.name, j.data, j.skip = e.Name, e.Data, e.Skip
			// Big files wait until the workers have caught up: what was
			// read but not decoded stays under ReadAheadBytes (plus this
			// one file), however large the archive's members are.
			if !p.ahead.acquire(int64(len(j.data))) {
				p.pool.put(j.data)
				return
			}
		}
		p.jobs <- j
	}
}

// work is one decoder: it turns jobs into records in their slab slots.
func (p *pipeline) work() {
	var s Scratch
	opt := p.cfg.Options
	for j := range p.jobs {
		r := result{idx: j.idx, name: j.name, skip: j.skip}
		slot := j.idx % p.window
		rec := p.slab[slot*p.recSize : (slot+1)*p.recSize : (slot+1)*p.recSize]
		if r.skip == nil && p.ctx.Err() == nil {
			var err error
			if p.src == nil {
				err = FromImage(toon.Face(j.seed, opt.Size), opt, rec, &s)
			} else {
				err = Decode(j.data, opt, rec, &s)
			}
			if err != nil {
				var se *SkipError
				if !errors.As(err, &se) {
					se = &SkipError{Reason: ReasonCorrupt, Err: err}
				}
				r.skip = se
			} else {
				r.rec = rec
				r.digest = shard.RecordDigest(rec)
			}
		}
		p.ahead.release(int64(len(j.data)))
		p.pool.put(j.data)
		p.results <- r
	}
}

// collect reassembles the results in input order and adds them to b (which
// dedupes, splits and writes). It drains the results after an error.
func (p *pipeline) collect(b *builder, prog Progress) error {
	pending := make([]*result, p.window)
	next := 0
	var collectErr error
	for r := range p.results {
		if collectErr != nil {
			continue // drain
		}
		rr := r
		pending[r.idx%p.window] = &rr
		for pending[next%p.window] != nil && pending[next%p.window].idx == next {
			cur := pending[next%p.window]
			pending[next%p.window] = nil
			if cur.skip == nil && cur.rec == nil { // a worker stopped by cancellation
				collectErr = errStopped
				p.cancel()
				break
			}
			if err := b.add(cur); err != nil {
				collectErr = err
				p.cancel()
				break
			}
			next++
			prog.Add(1)
			<-p.tokens
		}
	}
	return collectErr
}

type nopProgress struct{}

func (nopProgress) Add(int) {}
func (nopProgress) Finish() {}

// bufPool recycles file-content buffers between the reader and the workers.
type bufPool struct{ p sync.Pool }

func (b *bufPool) get(n int) []byte {
	if v, ok := b.p.Get().(*[]byte); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]byte, n, max(n, 16<<10))
}

func (b *bufPool) put(buf []byte) {
	// Large buffers are kept too: few are in flight (ReadAheadBytes), and
	// dropping each one leaves garbage that, under an address-space limit,
	// the collector may not reclaim before the next large read.
	if cap(buf) == 0 || cap(buf) > MaxFileBytes {
		return
	}
	b.p.Put(&buf)
}

// builder accumulates the ordered records into shards and the manifest.
type builder struct {
	cfg      Config
	dir      string
	seen     map[[32]byte]struct{}
	counts   shard.Counts
	skipped  []shard.Skip
	byReason map[string]int
	splits   [2]splitWriter // train, holdout
	lab      *labelState    // nil without labels
}

type splitWriter struct {
	prefix  string
	w       *shard.Writer
	shards  []shard.ShardInfo
	count   int
	digests []byte // sha256 of each record, in order
}

func (b *builder) displayName(name string) string {
	if b.cfg.Builtin > 0 {
		return name
	}
	if st, err := os.Stat(b.cfg.Input); err == nil && st.IsDir() {
		return filepath.Join(b.cfg.Input, filepath.FromSlash(name))
	}
	return b.cfg.Input + ":" + name
}

func (b *builder) add(r *result) error {
	b.counts.Inputs++
	if r.skip != nil {
		b.markSeen(r.name)
		if b.cfg.Strict {
			return fmt.Errorf("%q: %s (--strict)", b.displayName(r.name), printable(r.skip.Error()))
		}
		fmt.Fprintf(b.cfg.Warn, "warning: skipping %q: %s\n", b.displayName(r.name), printable(r.skip.Error()))
		detail := ""
		if r.skip.Err != nil {
			detail = r.skip.Err.Error()
		}
		b.skipped = append(b.skipped, shard.NewSkip(r.name, r.skip.Reason, detail))
		b.byReason[r.skip.Reason]++
		b.counts.Skipped++
		return nil
	}
	if _, dup := b.seen[r.digest]; dup {
		b.counts.Duplicates++
		return b.labelDuplicate(r)
	}
	b.seen[r.digest] = struct{}{}
	s, k := &b.splits[0], 0
	if s.prefix == "" {
		b.splits[0].prefix, b.splits[1].prefix = "train", "holdout"
	}
	if inHoldout(b.cfg.Seed, &r.digest, b.cfg.Holdout) {
		s, k = &b.splits[1], 1
		b.counts.Holdout++
	} else {
		b.counts.Train++
	}
	b.counts.Kept++
	if s.w == nil {
		name := fmt.Sprintf("%s-%05d.shard", s.prefix, len(s.shards))
		sz := b.cfg.Options.Size
		w, err := shard.Create(filepath.Join(b.dir, name), sz, sz, 3)
		if err != nil {
			return err
		}
		s.w = w
		s.shards = append(s.shards, shard.ShardInfo{File: name})
	}
	if err := s.w.Append(r.rec); err != nil {
		return err
	}
	if err := b.addLabels(r, k); err != nil {
		return err
	}
	s.count++
	s.digests = append(s.digests, r.digest[:]...)
	if s.w.Count() >= b.cfg.ShardSize {
		return b.closeShard(s)
	}
	return nil
}

func (b *builder) closeShard(s *splitWriter) error {
	n := s.w.Count()
	if err := s.w.Close(); err != nil {
		s.w = nil
		return err
	}
	s.w = nil
	info := &s.shards[len(s.shards)-1]
	info.Count = n
	st, err := os.Stat(filepath.Join(b.dir, info.File))
	if err != nil {
		return fmt.Errorf("shard: %w", err)
	}
	info.Bytes = st.Size()
	return b.closeLabels(b.splitIndex(s), info)
}

func (b *builder) splitIndex(s *splitWriter) int {
	if s == &b.splits[1] {
		return 1
	}
	return 0
}

func (b *builder) abort() {
	for i := range b.splits {
		if b.splits[i].w != nil {
			b.splits[i].w.Abort()
			b.splits[i].w = nil
		}
	}
}

func (b *builder) finish(source string) (*shard.Manifest, error) {
	for i := range b.splits {
		if b.splits[i].w != nil {
			if err := b.closeShard(&b.splits[i]); err != nil {
				return nil, err
			}
		}
	}
	if b.counts.Kept == 0 {
		return nil, fmt.Errorf("input %q: no usable images (%d files, %d skipped, %d duplicates)",
			source, b.counts.Inputs, b.counts.Skipped, b.counts.Duplicates)
	}
	if b.counts.Train == 0 {
		return nil, fmt.Errorf("input %q: all %d images fell in the holdout split; lower --holdout", source, b.counts.Kept)
	}
	labels, err := b.finishLabels()
	if err != nil {
		return nil, err
	}
	sz := b.cfg.Options.Size
	skipped := b.skipped
	if skipped == nil {
		skipped = []shard.Skip{}
	}
	m := &shard.Manifest{
		Format: shard.ManifestFormat, Version: shard.ManifestVersion,
		Source: source, Size: sz, Height: sz, Width: sz, Channels: 3, DType: "uint8", Layout: "HWC",
		Counts:          b.counts,
		Train:           shard.Split{Count: b.splits[0].count, Shards: nonNil(b.splits[0].shards)},
		Holdout:         shard.Split{Count: b.splits[1].count, Shards: nonNil(b.splits[1].shards)},
		Params:          b.cfg.Params,
		Skipped:         skipped,
		SkippedByReason: b.byReason,
		ContentHash:     shard.ContentHash(b.splits[0].digests, b.splits[1].digests),
	}
	if labels != nil {
		m.Version, m.Labels = shard.ManifestVersionLabels, labels
		m.ContentHash = shard.ContentHashLabels(labels.Attributes, append(b.lab.all[0], b.lab.all[1]...), b.splits[0].digests, b.splits[1].digests)
	}
	if err := shard.WriteManifest(b.dir, m); err != nil {
		return nil, err
	}
	return m, nil
}

func nonNil(s []shard.ShardInfo) []shard.ShardInfo {
	if s == nil {
		return []shard.ShardInfo{}
	}
	return s
}

// printable escapes control characters and invalid UTF-8 (as Go's %q does,
// without the quotes), so that a file name inside an error message cannot
// forge lines or send escape sequences to the terminal.
func printable(s string) string {
	q := strconv.Quote(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}
