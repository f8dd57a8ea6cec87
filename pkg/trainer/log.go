package trainer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/toongan/toongan/pkg/atomicfile"
)

// LogEntry is one line of runs/NAME/log.jsonl.
type LogEntry struct {
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

// trimLog keeps only the entries of path with step <= maxStep (and drops
// torn lines a kill may have left), rewriting the file atomically when
// anything is removed. A missing file is fine.
func trimLog(path string, maxStep int) error {
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

// logWriter appends JSON lines to a file.
type logWriter struct {
	f *os.File
}

func openLog(path string, truncate bool) (*logWriter, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return &logWriter{f: f}, nil
}

func (l *logWriter) write(e LogEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("log step %d: %w", e.Step, err)
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", l.f.Name(), err)
	}
	return nil
}

func (l *logWriter) close() error { return l.f.Close() }
