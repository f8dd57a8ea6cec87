package cliapp

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress reports advancement of a long job on stderr.
type Progress interface {
	// Add advances by n units.
	Add(n int)
	// Describe sets the text shown beside the bar (losses, rates, ...).
	Describe(s string)
	// Finish completes the bar and ends the line.
	Finish()
}

// NewProgress returns a live progress bar when w is a terminal, plain lines
// at most every interval otherwise, and a no-op when quiet is set.
func NewProgress(w io.Writer, total int64, title string, quiet bool) Progress {
	if quiet {
		return nopProgress{}
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(title),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionFullWidth(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		return &barProgress{bar: bar, title: title}
	}
	return &lineProgress{w: w, total: total, title: title, start: time.Now(), every: 5 * time.Second}
}

type nopProgress struct{}

func (nopProgress) Add(int)         {}
func (nopProgress) Describe(string) {}
func (nopProgress) Finish()         {}

type barProgress struct {
	bar   *progressbar.ProgressBar
	title string
}

func (b *barProgress) Add(n int)         { b.bar.Add(n) }
func (b *barProgress) Describe(s string) { b.bar.Describe(b.title + " " + s) }
func (b *barProgress) Finish()           { b.bar.Finish() }

// lineProgress prints "title  done/total (pct%)  rate/s  eta  desc" lines.
type lineProgress struct {
	mu     sync.Mutex
	w      io.Writer
	total  int64
	done   int64
	title  string
	desc   string
	start  time.Time
	last   time.Time
	every  time.Duration
	closed bool
}

func (p *lineProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.printLocked()
	}
}

func (p *lineProgress) Describe(s string) {
	p.mu.Lock()
	p.desc = s
	p.mu.Unlock()
}

func (p *lineProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		p.printLocked()
	}
}

func (p *lineProgress) printLocked() {
	el := time.Since(p.start)
	rate := float64(p.done) / el.Seconds()
	line := fmt.Sprintf("%s %d", p.title, p.done)
	if p.total > 0 {
		line += fmt.Sprintf("/%d (%.0f%%)", p.total, 100*float64(p.done)/float64(p.total))
	}
	line += fmt.Sprintf(" %.1f/s elapsed %s", rate, el.Round(time.Second))
	if p.total > 0 && rate > 0 && p.done < p.total {
		eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		line += " eta " + eta.Round(time.Second).String()
	}
	if p.desc != "" {
		line += " " + p.desc
	}
	fmt.Fprintln(p.w, line)
}
