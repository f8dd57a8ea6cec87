package evaluate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/report"
	"github.com/toongan/toongan/pkg/runlog"
)

// LogBeside returns the training log that belongs to a checkpoint:
// runs/NAME/log.jsonl for runs/NAME/ckpt/FILE.
func LogBeside(ckpt string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(ckpt)), "log.jsonl")
}

// plots adds the figures: D histograms, SWD per level, SWD against step,
// training curves.
func plots(o Options, r *report.Report, page *report.Page) error {
	add := func(title, caption string, png []byte, err error) error {
		if err != nil {
			return err
		}
		page.Plots = append(page.Plots, report.Figure{Title: title, Caption: caption, PNG: png})
		return nil
	}
	main := r.Sources[r.Main]
	if d := main.D; d != nil {
		png, err := report.HistPlot("Discriminator scores", "sigmoid(D(image))", d.HistReal, d.HistFake)
		if err := add("Discriminator scores: held-out real vs generated", fmt.Sprintf(
			"D's probability that an image is real. AUC %.3f, accuracy at 0.5 %.1f%%. Overlapping histograms mean D cannot tell generated images from unseen real ones.",
			d.Logits.AUC, 100*d.Logits.Accuracy), png, err); err != nil {
			return err
		}
	}
	png, err := report.SWDLevelsPlot([]string{"generated vs real", "real vs real"}, []metrics.SWDResult{main.SWD, r.Baseline})
	if err := add("SWD per pyramid level", "Sliced Wasserstein distance per Laplacian pyramid level (finest first) of the main source, beside the real-vs-real baseline.", png, err); err != nil {
		return err
	}
	if len(r.Sources) > 1 {
		steps := make([]int, len(r.Sources))
		res := make([]metrics.SWDResult, len(r.Sources))
		for i, s := range r.Sources {
			steps[i], res[i] = s.Step, s.SWD
		}
		png, err := report.SWDStepPlot(steps, res, r.Baseline)
		if err := add("SWD against training step", "Average and per-level SWD of each checkpoint; dashed: real-vs-real baseline.", png, err); err != nil {
			return err
		}
	}

	logPath := o.Log
	if logPath == "" && len(o.Ckpts) > 0 {
		logPath = LogBeside(o.Ckpts[len(o.Ckpts)-1])
		if _, err := os.Stat(logPath); errors.Is(err, fs.ErrNotExist) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("no training log at %s: training curves left out (give --log)", logPath))
			return nil
		}
	}
	if logPath == "" {
		return nil
	}
	entries, skipped, err := runlog.Read(logPath)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("training log %s holds no entries", logPath))
		return nil
	}
	r.Inputs.Log = logPath
	r.Log = &report.LogSummary{Path: logPath, Entries: len(entries), Skipped: skipped, Last: entries[len(entries)-1]}
	png, err = report.LossPlot(entries)
	if err := add("Training losses", fmt.Sprintf("Discriminator and generator BCE losses from %s (%d entries).", logPath, len(entries)), png, err); err != nil {
		return err
	}
	png, err = report.DPlot(entries)
	return add("D(x) and D(G(z)) during training", "Mean discriminator probability on the real and the generated batch of each logged step.", png, err)
}
