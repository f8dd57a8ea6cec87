package report

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/runlog"
)

func TestPlots(t *testing.T) {
	log := []runlog.Entry{{Step: 0, LossD: 1.4, LossG: 0.7, DReal: 0.5, DFake: 0.5}, {Step: 100, LossD: 1, LossG: 2, DReal: 0.8, DFake: 0.2}}
	swd := metrics.SWDResult{Res: []int{64, 32, 16}, PerLevel: []float64{10, 5, 3}, Avg: 6}
	base := metrics.SWDResult{Res: []int{64, 32, 16}, PerLevel: []float64{2, 1, 1}, Avg: 4.0 / 3}
	h := metrics.Hist([]float32{0.1, 0.2, 0.9}, 0, 1, 10)
	for name, f := range map[string]func() ([]byte, error){
		"loss":  func() ([]byte, error) { return LossPlot(log) },
		"d":     func() ([]byte, error) { return DPlot(log) },
		"hist":  func() ([]byte, error) { return HistPlot("t", "x", h, h) },
		"swd":   func() ([]byte, error) { return SWDLevelsPlot([]string{"a", "b"}, []metrics.SWDResult{swd, base}) },
		"steps": func() ([]byte, error) { return SWDStepPlot([]int{200, 100}, []metrics.SWDResult{swd, base}, base) },
	} {
		b, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || c.Width < 500 || c.Height < 200 {
			t.Errorf("%s: PNG %dx%d, %v", name, c.Width, c.Height, err)
		}
	}
	if _, err := LossPlot(nil); err == nil {
		t.Error("empty log accepted")
	}
	if _, err := SWDStepPlot([]int{1}, nil, base); err == nil {
		t.Error("mismatched steps accepted")
	}
}

func TestHTMLSelfContained(t *testing.T) {
	r := &Report{Format: Format, Version: Version, Warnings: []string{`<script src="http://evil">`}}
	r.Sources = []Source{{Kind: "checkpoint", Path: `a"b<c>.safetensors`, N: 3, D: NewDScores([]float32{2, 3}, []float32{-1, 0.5}, 10)}}
	r.Baseline = metrics.SWDResult{Res: []int{32}, PerLevel: []float64{1}, Avg: 1}
	p := &Page{Report: r, Grid: &Figure{Title: "g", PNG: []byte{1, 2, 3}}, Plots: []Figure{{Title: "p", PNG: []byte{4}}}}
	b, err := p.Render()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, `src="http`) || strings.Contains(s, "<script") || strings.Contains(s, "ZgotmplZ") {
		t.Errorf("unsafe or external content in HTML")
	}
	if strings.Count(s, `src="data:image/png;base64,`) != 2 {
		t.Errorf("want 2 embedded images")
	}
	if d := r.Sources[0].D; d.Logits.AUC != 1 || d.Logits.Accuracy != 0.75 || math.Abs(d.ProbReal.Mean-(sig(2)+sig(3))/2) > 1e-6 {
		t.Errorf("D scores %+v", d)
	}
	j, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(j, &back); err != nil || back.Sources[0].D.Logits.AUC != 1 {
		t.Errorf("JSON round trip: %v", err)
	}
}

func sig(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
