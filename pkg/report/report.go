package report

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/metrics"
	"github.com/toongan/toongan/pkg/runlog"
)

// Format is the "format" value of report.json.
const Format = "toongan-eval"

// Version is the report.json schema version.
const Version = 1

// Report is everything eval measured, as written to report.json.
type Report struct {
	Format  string `json:"format"`          // "toongan-eval"
	Version int    `json:"version"`         // 1
	Tool    string `json:"toongan_version"` // version of the eval binary

	Inputs Inputs `json:"inputs"`
	Params Params `json:"params"`
	Counts Counts `json:"counts"`

	// Baseline is the SWD between two disjoint halves of the held-out reals:
	// the score of a perfect generator at this sample size.
	Baseline metrics.SWDResult `json:"swd_real_vs_real"`
	// Sources holds one entry per checkpoint (in the order given) or one
	// for --fake-dir.
	Sources []Source `json:"sources"`
	// Main is the index in Sources of the source that the grid,
	// memorisation and diversity sections describe (the last one).
	Main int `json:"main"`

	Memorisation *metrics.MemoReport      `json:"memorisation,omitempty"`
	Diversity    *metrics.DiversityReport `json:"diversity,omitempty"`
	Log          *LogSummary              `json:"training_log,omitempty"`
	// Conditioning scores a conditional checkpoint (train --cond) per
	// attribute, when the dataset has labels; nil otherwise.
	Conditioning []CondScore `json:"conditioning,omitempty"`
	// CondClassifier says where eval's attribute classifier came from:
	// "trained", "trained, cached in PATH" or "loaded from PATH".
	CondClassifier string   `json:"cond_classifier,omitempty"`
	Warnings       []string `json:"warnings"`
}

// CondScore is one attribute's conditioning accuracy: how often eval's
// attribute classifier (pkg/attrclass) finds the value a generated face
// was asked for, against its accuracy on held-out reals (the ceiling).
type CondScore struct {
	Attribute string `json:"attribute"`
	// Ceiling is the classifier's accuracy on the held-out reals of each
	// value (Value.Ceiling), averaged over the values that have such
	// reals: each value counts once, as in Accuracy. (Before toongan
	// 0.1.0's eval of 2026-11-30 it was CeilingPooled.)
	Ceiling float64 `json:"ceiling"`
	// CeilingPooled is the classifier's accuracy on all held-out reals
	// with a known label together, so each value counts by its frequency:
	// for a skewed attribute (no hat on 80% of the faces) mostly the
	// accuracy on the common value.
	CeilingPooled float64 `json:"ceiling_pooled"`
	Reals         int     `json:"reals"`     // the held-out reals with a known label
	Accuracy      float64 `json:"accuracy"`  // on generated faces asked for each value in turn
	Generated     int     `json:"generated"` // those faces
	Ratio         float64 `json:"ratio"`     // Accuracy / Ceiling
	Chance        float64 `json:"chance"`    // 1 / number of values
	PerValue      []Value `json:"per_value"` // accuracy per value asked
	// SWD is the mean over SWDValues values of their SWD (see Value).
	SWD       float64 `json:"swd,omitempty"`
	SWDValues int     `json:"swd_values,omitempty"`
	// Grid is the attribute's grid PNG beside report.json: a row per
	// latent, a column per value.
	Grid string `json:"grid,omitempty"`
}

// Value is the conditioning accuracy of one value, and the SWD (x 1e3,
// as Source's) of the faces asked for it against the Reals held-out reals
// that have it (absent when too few have it, or beyond eval's bound).
type Value struct {
	Value    string  `json:"value"`
	Accuracy float64 `json:"accuracy"`
	SWD      float64 `json:"swd,omitempty"`
	Reals    int     `json:"reals,omitempty"`
	// Ceiling is the classifier's accuracy on the CeilingReals held-out
	// reals labelled with this value (absent when there are none).
	Ceiling      float64 `json:"ceiling,omitempty"`
	CeilingReals int     `json:"ceiling_reals,omitempty"`
}

// Inputs identifies the files eval read.
type Inputs struct {
	Checkpoints []Checkpoint `json:"checkpoints,omitempty"`
	FakeDir     string       `json:"fake_dir,omitempty"`
	Data        string       `json:"data,omitempty"`         // dataset folder
	DatasetHash string       `json:"dataset_hash,omitempty"` // manifest content hash
	RealDir     string       `json:"real_dir,omitempty"`
	Log         string       `json:"log,omitempty"`
}

// Checkpoint is one checkpoint file read.
type Checkpoint struct {
	Path        string     `json:"path"`
	SHA256      string     `json:"sha256"`
	Step        int        `json:"step"`
	Epoch       int        `json:"epoch"`
	DatasetHash string     `json:"dataset_hash"` // what it was trained on
	Config      gan.Config `json:"config"`
}

// Params are eval's settings.
type Params struct {
	N          int                `json:"n"`                  // generated images per source
	ColourN    int                `json:"colour_n,omitempty"` // generated images behind a checkpoint's mean colour (at least N)
	HoldoutCap int                `json:"holdout_cap"`        // most held-out reals used
	NNTrain    int                `json:"nn_train"`           // most training images in the memorisation check
	Seed       uint64             `json:"seed"`               // latent seed
	Raw        bool               `json:"raw"`                // raw generator instead of EMA
	Size       int                `json:"size"`               // image side compared at
	Channels   int                `json:"channels"`
	SWD        metrics.SWDConfig  `json:"swd"`
	Memo       metrics.MemoConfig `json:"memo"`
	HistBins   int                `json:"hist_bins"`
	Collapse   float64            `json:"collapse_ratio"` // diversity warning threshold
}

// Counts are the sample sizes actually used.
type Counts struct {
	Real      int `json:"real"`       // held-out reals
	Train     int `json:"train"`      // training images for nearest neighbours
	Generated int `json:"generated"`  // per source
	Skipped   int `json:"skipped"`    // unreadable files in image folders
	RealHalf  int `json:"real_half"`  // images per half in the baseline
	TrainPool int `json:"train_pool"` // training images available
}

// Source is the result for one generator (checkpoint or image folder).
type Source struct {
	Kind string            `json:"kind"` // "checkpoint" or "fake-dir"
	Path string            `json:"path"`
	Step int               `json:"step"` // training step (checkpoints)
	N    int               `json:"n"`    // images scored
	SWD  metrics.SWDResult `json:"swd"`
	// Colour compares mean colours with the held-out reals (grey levels).
	Colour *metrics.ColourReport `json:"colour,omitempty"`
	D      *DScores              `json:"d,omitempty"` // only with a checkpoint
}

// DScores is the discriminator's view: logit statistics (AUC, accuracy at
// 0.5, histograms over logits) and the same for sigmoid probabilities.
type DScores struct {
	Logits   metrics.DReport   `json:"logits"`
	ProbReal metrics.Summary   `json:"prob_real"`
	ProbFake metrics.Summary   `json:"prob_fake"`
	HistReal metrics.Histogram `json:"prob_hist_real"` // over [0, 1]
	HistFake metrics.Histogram `json:"prob_hist_fake"`
}

// NewDScores computes DScores from D's logits on reals and fakes.
func NewDScores(real, fake []float32, bins int) *DScores {
	pr, pf := sigmoids(real), sigmoids(fake)
	return &DScores{
		Logits:   metrics.DScores(real, fake, -10, 10, 2*bins),
		ProbReal: metrics.Summarize(pr), ProbFake: metrics.Summarize(pf),
		HistReal: metrics.Hist(pr, 0, 1, bins), HistFake: metrics.Hist(pf, 0, 1, bins),
	}
}

func sigmoids(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(metrics.Sigmoid(float64(v)))
	}
	return out
}

// Encode returns the report as indented JSON.
func (r *Report) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode report JSON: %w", err)
	}
	return b.Bytes(), nil
}

// WriteJSON writes the report to path atomically.
func (r *Report) WriteJSON(path string) error {
	b, err := r.Encode()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, 0o644, b)
}

// LogSummary describes the training log in report.json.
type LogSummary struct {
	Path    string       `json:"path"`
	Entries int          `json:"entries"`
	Skipped int          `json:"skipped_lines"` // torn or unparsable lines
	Last    runlog.Entry `json:"last"`
}
