package report

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"
	"strconv"

	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/runlog"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot size in points (96 dpi PNG: 768 x 336 px).
const (
	plotW = 8 * vg.Inch
	plotH = 3.5 * vg.Inch
)

var (
	colReal  = color.NRGBA{31, 119, 180, 255} // blue
	colFake  = color.NRGBA{214, 39, 40, 255}  // red
	colOther = color.NRGBA{44, 160, 44, 255}  // green
	colGrey  = color.NRGBA{120, 120, 120, 255}
	palette  = []color.Color{colReal, colFake, colOther, color.NRGBA{148, 103, 189, 255}, color.NRGBA{255, 127, 14, 255}, color.NRGBA{23, 190, 207, 255}}
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

func render(p *plot.Plot) ([]byte, error) {
	w, err := p.WriterTo(plotW, plotH, "png")
	if err != nil {
		return nil, fmt.Errorf("render plot %q: %w", p.Title.Text, err)
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("render plot %q: %w", p.Title.Text, err)
	}
	return b.Bytes(), nil
}

func addLine(p *plot.Plot, name string, xy plotter.XYs, c color.Color, dashed bool) error {
	l, err := plotter.NewLine(xy)
	if err != nil {
		return fmt.Errorf("plot %q, line %s: %w", p.Title.Text, name, err)
	}
	l.Color = c
	l.Width = vg.Points(1.2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// LossPlot draws loss_d and loss_g against the training step.
func LossPlot(log []runlog.Entry) ([]byte, error) {
	p, err := logPlot(log, "Training losses", "BCE loss",
		logSeries{"loss D", colReal, func(e runlog.Entry) float64 { return e.LossD }},
		logSeries{"loss G", colFake, func(e runlog.Entry) float64 { return e.LossG }})
	if err != nil {
		return nil, fmt.Errorf("loss plot: %w", err)
	}
	return render(p)
}

// DPlot draws D(x) and D(G(z)) (mean sigmoid outputs) against the step.
func DPlot(log []runlog.Entry) ([]byte, error) {
	p, err := logPlot(log, "Discriminator outputs during training", "mean sigmoid(D)",
		logSeries{"D(x) real", colReal, func(e runlog.Entry) float64 { return e.DReal }},
		logSeries{"D(G(z)) fake", colFake, func(e runlog.Entry) float64 { return e.DFake }})
	if err != nil {
		return nil, fmt.Errorf("discriminator plot: %w", err)
	}
	p.Y.Min, p.Y.Max = 0, 1
	return render(p)
}

// logSeries is one line of a training-log plot.
type logSeries struct {
	name  string
	col   color.Color
	value func(runlog.Entry) float64
}

// logPlot plots series of the training log against the step.
func logPlot(log []runlog.Entry, title, yLabel string, series ...logSeries) (*plot.Plot, error) {
	if len(log) == 0 {
		return nil, fmt.Errorf("empty training log")
	}
	p := newPlot(title, "step", yLabel)
	for _, s := range series {
		xy := make(plotter.XYs, len(log))
		for i, e := range log {
			xy[i] = plotter.XY{X: float64(e.Step), Y: s.value(e)}
		}
		if err := addLine(p, s.name, xy, s.col, false); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// HistPlot overlays two histograms with the same bins, each normalised to
// fractions of its own count.
func HistPlot(title, xlabel string, real, fake metrics.Histogram) ([]byte, error) {
	p := newPlot(title, xlabel, "fraction of images")
	for _, s := range []struct {
		name string
		h    metrics.Histogram
		c    color.NRGBA
	}{{"held-out real", real, colReal}, {"generated", fake, colFake}} {
		total := s.h.NaN
		for _, c := range s.h.Counts {
			total += c
		}
		if total == 0 || len(s.h.Counts) == 0 {
			continue
		}
		w := (s.h.Hi - s.h.Lo) / float64(len(s.h.Counts))
		bins := make([]plotter.HistogramBin, len(s.h.Counts))
		for i, c := range s.h.Counts {
			lo := s.h.Lo + float64(i)*w
			bins[i] = plotter.HistogramBin{Min: lo, Max: lo + w, Weight: float64(c) / float64(total)}
		}
		fill := s.c
		fill.A = 110
		h := &plotter.Histogram{Bins: bins, Width: w, FillColor: fill, LineStyle: draw.LineStyle{Color: s.c, Width: vg.Points(0.8)}}
		p.Add(h)
		p.Legend.Add(s.name+" ("+strconv.Itoa(total)+")", h)
	}
	p.X.Min, p.X.Max = real.Lo, real.Hi
	return render(p)
}

// SWDLevelsPlot draws the SWD per pyramid level of each named result as
// grouped bars (finest level first).
func SWDLevelsPlot(names []string, results []metrics.SWDResult) ([]byte, error) {
	if len(results) == 0 || len(results[0].Res) == 0 {
		return nil, fmt.Errorf("SWD plot: no levels")
	}
	p := newPlot("Sliced Wasserstein distance per level (lower is better)", "pyramid level (px)", "SWD x 1e3")
	n := len(results)
	w := vg.Points(float64(24) / float64(max(1, n)) * 2)
	for i, r := range results {
		bars, err := plotter.NewBarChart(plotter.Values(r.PerLevel), w)
		if err != nil {
			return nil, fmt.Errorf("SWD plot: %w", err)
		}
		c := palette[(i+1)%len(palette)] // red: generated
		if i == n-1 && n > 1 {
			c = colReal // blue: the real-vs-real baseline, last
		}
		bars.Color = c
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(float64(i)-float64(n-1)/2) * w
		p.Add(bars)
		p.Legend.Add(names[i], bars)
	}
	labels := make([]string, len(results[0].Res))
	for i, r := range results[0].Res {
		labels[i] = strconv.Itoa(r)
	}
	p.NominalX(labels...)
	p.Legend.Top = true
	return render(p)
}

// SWDStepPlot draws the average and per-level SWD of several checkpoints
// against their training step, with the real-vs-real baseline dashed.
func SWDStepPlot(steps []int, results []metrics.SWDResult, baseline metrics.SWDResult) ([]byte, error) {
	if len(steps) != len(results) || len(steps) == 0 {
		return nil, fmt.Errorf("SWD vs step plot: %d steps for %d results", len(steps), len(results))
	}
	p := newPlot("SWD against training step (lower is better)", "step", "SWD x 1e3")
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return steps[order[a]] < steps[order[b]] })
	s2, r2 := make([]int, len(steps)), make([]metrics.SWDResult, len(steps))
	for i, k := range order {
		s2[i], r2[i] = steps[k], results[k]
	}
	steps, results = s2, r2
	avg := make(plotter.XYs, len(steps))
	for i, r := range results {
		avg[i] = plotter.XY{X: float64(steps[i]), Y: r.Avg}
	}
	if err := addLine(p, "average", avg, color.Black, false); err != nil {
		return nil, err
	}
	pts, err := plotter.NewScatter(avg)
	if err == nil {
		pts.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(pts)
	}
	for l, res := range results[0].Res {
		xy := make(plotter.XYs, 0, len(steps))
		for i, r := range results {
			if l < len(r.PerLevel) {
				xy = append(xy, plotter.XY{X: float64(steps[i]), Y: r.PerLevel[l]})
			}
		}
		if err := addLine(p, fmt.Sprintf("%d px", res), xy, palette[l%len(palette)], false); err != nil {
			return nil, err
		}
	}
	lo, hi := float64(steps[0]), float64(steps[0])
	for _, s := range steps {
		lo, hi = min(lo, float64(s)), max(hi, float64(s))
	}
	if hi == lo {
		hi = lo + 1
	}
	if err := addLine(p, "real vs real (avg)", plotter.XYs{{X: lo, Y: baseline.Avg}, {X: hi, Y: baseline.Avg}}, colGrey, true); err != nil {
		return nil, err
	}
	p.Y.Min = 0
	return render(p)
}
