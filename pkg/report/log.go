package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/toongan/toongan/pkg/safeio"
)

// LogEntry is the part of one runs/NAME/log.jsonl line that the report plots.
type LogEntry struct {
	Step    int     `json:"step"`
	Epoch   float64 `json:"epoch"`
	LossD   float64 `json:"loss_d"`
	LossG   float64 `json:"loss_g"`
	DReal   float64 `json:"d_real"`
	DFake   float64 `json:"d_fake"`
	ImgPerS float64 `json:"img_per_s"`
}

// LogSummary describes the training log in report.json.
type LogSummary struct {
	Path    string   `json:"path"`
	Entries int      `json:"entries"`
	Skipped int      `json:"skipped_lines"` // torn or unparsable lines
	Last    LogEntry `json:"last"`
}

// MaxLogBytes is the largest training log read: about two million entries
// (a log line every step for two million steps).
const MaxLogBytes = 256 << 20

// ReadLog reads a JSON-lines training log. Lines that do not parse (a line
// torn by a kill, say) are skipped and counted; entries come back in file
// order.
//
// Only a regular file of at most MaxLogBytes is read.
func ReadLog(path string) ([]LogEntry, int, error) {
	data, err := safeio.ReadFile(path, MaxLogBytes, "training log")
	if err != nil {
		return nil, 0, fmt.Errorf("read training log: %w", err)
	}
	return ParseLog(data)
}

// ParseLog parses JSON-lines log data (see ReadLog).
func ParseLog(data []byte) ([]LogEntry, int, error) {
	var out []LogEntry
	skipped := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e LogEntry
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
