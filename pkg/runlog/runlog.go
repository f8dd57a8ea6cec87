package runlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/safeio"
)

// FileName is the log's name inside a run folder.
const FileName = "log.jsonl"

// Entry is one line of the log.
type Entry struct {
	Step     int     `json:"step"`
	Epoch    float64 `json:"epoch"`     // fractional epochs done (step / batches per epoch)
	Time     string  `json:"time"`      // wall clock, RFC 3339
	Elapsed  float64 `json:"elapsed_s"` // training seconds since the run began, across resumes
	LossD    float64 `json:"loss_d"`
	LossG    float64 `json:"loss_g"`
	DReal    float64 `json:"d_real"`
	DFake    float64 `json:"d_fake"`
	ImgPerS  float64 `json:"img_per_s"`
	Interval int     `json:"interval"` // steps averaged into the loss fields
}

// MaxBytes is the largest training log Read reads: about two million
// entries (a log line every step for two million steps).
const MaxBytes = 256 << 20

// Read reads a log. Lines that do not parse (a line torn by a kill, say)
// are skipped and counted; entries come back in file order. Only a regular
// file of at most MaxBytes is read.
func Read(path string) ([]Entry, int, error) {
	data, err := safeio.ReadFile(path, MaxBytes, "training log")
	if err != nil {
		return nil, 0, fmt.Errorf("read training log: %w", err)
	}
	return Parse(data)
}

// Parse parses log data (see Read).
func Parse(data []byte) ([]Entry, int, error) {
	var out []Entry
	skipped := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			skipped++
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return out, skipped, fmt.Errorf("training log: %w", err)
	}
	return out, skipped, nil
}

// Trim keeps only the entries of path with step <= maxStep (and drops torn
// lines a kill may have left), rewriting the file atomically when anything
// is removed. A missing file is fine.
func Trim(path string, maxStep int) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	var keep bytes.Buffer
	dropped := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e struct {
			Step *int `json:"step"`
		}
		if json.Unmarshal(line, &e) != nil || e.Step == nil || *e.Step > maxStep {
			dropped = true
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read log %s: %w", path, err)
	}
	if !dropped {
		return nil
	}
	return atomicfile.WriteBytes(path, 0o644, keep.Bytes())
}

// Writer appends entries to a log.
type Writer struct {
	f *os.File
}

// Create opens path for appending entries; truncate starts it empty.
func Create(path string, truncate bool) (*Writer, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return &Writer{f: f}, nil
}

// Write appends one entry as a line.
func (w *Writer) Write(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("log step %d: %w", e.Step, err)
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", w.f.Name(), err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }
