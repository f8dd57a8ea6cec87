package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
)

// Figure is one embedded PNG with a title and caption.
type Figure struct {
	Title   string
	Caption string
	PNG     []byte
}

// Page is what report.html shows: the report's numbers plus figures.
type Page struct {
	Report  *Report
	Grid    *Figure  // sample grid of the main source
	NNPairs *Figure  // generated | nearest training image pairs
	Plots   []Figure // D histograms, SWD, training curves
	// CondGrids are a conditional checkpoint's attribute grids, in the
	// order of Report.Conditioning.
	CondGrids []Figure
}

var funcs = template.FuncMap{
	// dataURI embeds PNG bytes; html/template trusts the template.URL type.
	"dataURI": func(b []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	},
	"f": func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "–"
		}
		return fmt.Sprintf("%.3f", x)
	},
	"f1":  func(x float64) string { return fmt.Sprintf("%.1f", x) },
	"pct": func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
	"add": func(a, b int) int { return a + b },
	// means prints per-channel grey levels, with their standard errors
	// when se has as many.
	"means": func(m, se []float64) string {
		parts := make([]string, len(m))
		for i, v := range m {
			parts[i] = fmt.Sprintf("%.1f", v)
			if len(se) == len(m) {
				parts[i] += fmt.Sprintf(" ± %.1f", se[i])
			}
		}
		return strings.Join(parts, " / ")
	},
}

var page = template.Must(template.New("report").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>toongan evaluation</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; }
td.l, th.l { text-align: left; }
.warn { background: #fff3cd; border: 1px solid #e0c050; padding: 0.6em 1em; margin: 0.6em 0; }
.ok { color: #2a7a2a; }
img { max-width: 100%; image-rendering: pixelated; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; }
code { font-size: 0.9em; word-break: break-all; }
</style>
</head>
<body>
{{- $r := .Report}}
<h1>toongan evaluation</h1>
<p>toongan {{$r.Tool}} · {{$r.Counts.Real}} held-out reals · {{$r.Counts.Generated}} generated images per source</p>

{{- range $r.Warnings}}
<div class="warn">⚠ {{.}}</div>
{{- else}}
<p class="ok">No warnings.</p>
{{- end}}

<h2>Summary</h2>
<table>
<tr><th class="l">source</th><th>step</th><th>images</th><th>SWD avg ×1e3</th><th>colour gap</th><th>D AUC</th><th>D accuracy</th><th>mean D(x)</th><th>mean D(G(z))</th></tr>
{{- range $i, $s := $r.Sources}}
<tr><td class="l">{{if eq $i $r.Main}}<b>{{$s.Path}}</b>{{else}}{{$s.Path}}{{end}}</td><td>{{$s.Step}}</td><td>{{$s.N}}</td><td>{{f $s.SWD.Avg}}</td><td>{{with $s.Colour}}{{f .Gap}}{{else}}–{{end}}</td>
{{- with $s.D}}<td>{{f .Logits.AUC}}</td><td>{{pct .Logits.Accuracy}}</td><td>{{f .ProbReal.Mean}} ± {{f .ProbReal.Std}}</td><td>{{f .ProbFake.Mean}} ± {{f .ProbFake.Std}}</td>
{{- else}}<td>–</td><td>–</td><td>–</td><td>–</td>{{end}}</tr>
{{- end}}
<tr><td class="l"><i>real vs real baseline</i></td><td></td><td>{{$r.Counts.RealHalf}} + {{$r.Counts.RealHalf}}</td><td>{{f $r.Baseline.Avg}}</td><td colspan="5"></td></tr>
</table>
<p>SWD: multi-scale sliced Wasserstein distance (ProGAN protocol), lower is better; a generator that matches the data scores about the real-vs-real baseline.
Colour gap: the largest difference between generated and held-out real images in a channel's mean, in grey levels (0–255); SWD normalises colours away, this shows a cast.
D AUC: how well the discriminator separates held-out reals from generated images (0.5 = cannot tell them apart).</p>

{{- with (index $r.Sources $r.Main).Colour}}
<h2>Colour</h2>
<table>
<tr><th class="l">images</th><th>count</th><th>mean R / G / B ± standard error (grey levels)</th><th>gap to held-out</th><th>gap to training</th></tr>
<tr><td class="l">generated (main source)</td><td>{{.FakeN}}</td><td>{{means .FakeMean .FakeSE}}</td><td>{{f1 .Gap}}</td><td>{{with .TrainGap}}{{f1 .}}{{else}}–{{end}}</td></tr>
<tr><td class="l">held-out reals</td><td>{{$r.Counts.Real}}</td><td>{{means .RealMean .RealSE}}</td><td></td><td>{{with .Floor}}{{f1 .}}{{else}}–{{end}}</td></tr>
{{- if .TrainMean}}
<tr><td class="l">training images</td><td>{{.TrainN}}</td><td>{{means .TrainMean nil}}</td><td>{{with .Floor}}{{f1 .}}{{end}}</td><td></td></tr>
{{- end}}
</table>
<p>The means carry sampling noise: faces differ a lot in colour, so a mean over 1000 images is known to only about ±1 to 1.5 grey levels. The held-out reals' own gap to the training images is the gap a generator that drew the training colours exactly would still score against them.</p>
{{- end}}

{{- with .Grid}}
<h2>{{.Title}}</h2>
<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Caption}}</figcaption></figure>
{{- end}}

<h2>SWD per level</h2>
<table>
<tr><th class="l">source</th>{{range $r.Baseline.Res}}<th>{{.}} px</th>{{end}}<th>avg</th></tr>
{{- range $r.Sources}}
<tr><td class="l">{{.Path}}</td>{{range .SWD.PerLevel}}<td>{{f .}}</td>{{end}}<td>{{f .SWD.Avg}}</td></tr>
{{- end}}
<tr><td class="l"><i>real vs real</i></td>{{range $r.Baseline.PerLevel}}<td>{{f .}}</td>{{end}}<td>{{f $r.Baseline.Avg}}</td></tr>
</table>

{{- with $r.Memorisation}}
<h2>Memorisation check</h2>
<table>
<tr><th class="l">median nearest-training distance (RMS, [-1,1] scale)</th><td>generated {{f .GenMedian}}</td><td>held-out real {{f .HeldMedian}}</td></tr>
<tr><th class="l">ratio generated / held-out</th><td colspan="2">{{f .Ratio}} (about 1: new images; well below 1: copies)</td></tr>
<tr><th class="l">flag threshold</th><td colspan="2">{{f .Threshold}}</td></tr>
<tr><th class="l">flagged generated images</th><td colspan="2">{{len .Flagged}}</td></tr>
</table>
{{- end}}
{{- with .NNPairs}}
<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Caption}}</figcaption></figure>
{{- end}}

{{- with $r.Conditioning}}
<h2>Conditioning</h2>
<p>How often eval's attribute classifier finds the value a generated face was asked for (the other attributes drawn from the training frequencies), against its accuracy on held-out reals: the ceiling is its accuracy on each value's reals, averaged over the values (each value counts once, as it is asked for equally often); pooled, all labelled reals together (mostly the common values).</p>
<table><tr><th class="l">attribute</th><th>held-out reals (ceiling; pooled)</th><th>generated, as asked</th><th>ratio</th><th>chance</th><th>SWD per value (mean)</th></tr>
{{- range .}}
<tr><td class="l">{{.Attribute}}</td><td>{{pct .Ceiling}}; {{pct .CeilingPooled}} of {{.Reals}}</td><td>{{pct .Accuracy}} of {{.Generated}}</td><td>{{f .Ratio}}</td><td>{{pct .Chance}}</td><td>{{if .SWDValues}}{{f1 .SWD}} over {{.SWDValues}} values{{else}}–{{end}}</td></tr>
{{- end}}
</table>
<p>Attribute classifier: {{$r.CondClassifier}}.</p>
<p>SWD per value: the faces asked for a value against the held-out reals that have it (small sets, so higher than the real-vs-real baseline above even for a perfect generator; compare values and runs, not with the baseline).</p>
{{- range $i, $s := .}}
<details><summary>{{$s.Attribute}}: per value</summary>
<table><tr><th class="l">value</th><th>as asked</th><th>ceiling (held-out reals)</th><th>SWD</th><th>reals</th></tr>
{{- range $s.PerValue}}
<tr><td class="l">{{.Value}}</td><td>{{pct .Accuracy}}</td><td>{{if .CeilingReals}}{{pct .Ceiling}} of {{.CeilingReals}}{{else}}–{{end}}</td><td>{{if .Reals}}{{f1 .SWD}}{{else}}–{{end}}</td><td>{{.Reals}}</td></tr>
{{- end}}
</table></details>
{{- end}}
{{- range $.CondGrids}}
<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Caption}}</figcaption></figure>
{{- end}}
{{- end}}
{{- with $r.Diversity}}
<h2>Diversity</h2>
<p>Mean pairwise distance: generated {{f .Gen}}, real {{f .Real}}, ratio {{f .Ratio}}{{if .Collapsed}} — <b>mode collapse suspected</b>{{end}}.</p>
{{- end}}

{{- range .Plots}}
<h2>{{.Title}}</h2>
<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Caption}}</figcaption></figure>
{{- end}}

<h2>Inputs</h2>
<table>
{{- range $r.Inputs.Checkpoints}}
<tr><th class="l">checkpoint</th><td class="l"><code>{{.Path}}</code><br>sha256 <code>{{.SHA256}}</code><br>step {{.Step}}, epoch {{.Epoch}}, {{.Config.Arch}} {{.Config.Size}} px, nz {{.Config.NZ}}</td></tr>
{{- end}}
{{- with $r.Inputs.FakeDir}}<tr><th class="l">generated images</th><td class="l"><code>{{.}}</code></td></tr>{{end}}
{{- with $r.Inputs.Data}}<tr><th class="l">dataset</th><td class="l"><code>{{.}}</code><br><code>{{$r.Inputs.DatasetHash}}</code></td></tr>{{end}}
{{- with $r.Inputs.RealDir}}<tr><th class="l">real images</th><td class="l"><code>{{.}}</code></td></tr>{{end}}
{{- with $r.Inputs.Log}}<tr><th class="l">training log</th><td class="l"><code>{{.}}</code></td></tr>{{end}}
<tr><th class="l">parameters</th><td class="l">seed {{$r.Params.Seed}}, n {{$r.Params.N}}, holdout cap {{$r.Params.HoldoutCap}}, nn-train {{$r.Params.NNTrain}}, raw {{$r.Params.Raw}}, {{$r.Params.Size}} px</td></tr>
<tr><th class="l">counts</th><td class="l">real {{$r.Counts.Real}}, train (nearest neighbours) {{$r.Counts.Train}} of {{$r.Counts.TrainPool}}, generated {{$r.Counts.Generated}}, skipped files {{$r.Counts.Skipped}}</td></tr>
</table>
<p>Every number is in report.json beside this file.</p>
</body>
</html>
`))

// Render returns the self-contained HTML page.
func (p *Page) Render() ([]byte, error) {
	if p.Report == nil {
		return nil, fmt.Errorf("render report: no report")
	}
	var b bytes.Buffer
	if err := page.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("render report HTML: %w", err)
	}
	return b.Bytes(), nil
}

// WriteHTML renders the page to path atomically.
func (p *Page) WriteHTML(path string) error {
	b, err := p.Render()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, 0o644, b)
}
