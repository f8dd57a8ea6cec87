package trainer

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
)

// configFields are the model config fields (by JSON name) that a resumed
// checkpoint is compared on when Options.Explicit names them.
var configFields = []struct {
	field string
	get   func(gan.Config) string
}{
	{"arch", func(c gan.Config) string { return c.Arch }},
	{"nz", func(c gan.Config) string { return strconv.Itoa(c.NZ) }},
	{"ngf", func(c gan.Config) string { return strconv.Itoa(c.NGF) }},
	{"ndf", func(c gan.Config) string { return strconv.Itoa(c.NDF) }},
	{"kernel", func(c gan.Config) string { return strconv.Itoa(c.Kernel) }},
	{"batch", func(c gan.Config) string { return strconv.Itoa(c.Batch) }},
	{"lr", func(c gan.Config) string { return fmtFloat(c.LR) }},
	{"beta1", func(c gan.Config) string { return fmtFloat(c.Beta1) }},
	{"beta2", func(c gan.Config) string { return fmtFloat(c.Beta2) }},
	{"label_smooth", func(c gan.Config) string { return fmtFloat(c.LabelSmooth) }},
	{"d_steps", func(c gan.Config) string { return strconv.Itoa(c.DSteps) }},
	{"ema_decay", func(c gan.Config) string { return fmtFloat(c.EMADecay) }},
	{"seed", func(c gan.Config) string { return strconv.FormatUint(c.Seed, 10) }},
	{"recipe", func(c gan.Config) string { return cmp.Or(c.Recipe, gan.RecipeClassic) }},
	{"loss", func(c gan.Config) string { return cmp.Or(c.Loss, gan.LossBCE) }},
	{"lr_d", func(c gan.Config) string { return fmtFloat(cmp.Or(c.LRD, c.LR)) }},
	{"lr_g", func(c gan.Config) string { return fmtFloat(cmp.Or(c.LRG, c.LR)) }},
	{"augment", func(c gan.Config) string { return cmp.Or(c.Augment, "none") }},
	{"spectral_norm", func(c gan.Config) string { return strconv.FormatBool(c.SpectralNorm) }},
	{"mbstd", func(c gan.Config) string { return strconv.FormatBool(c.MBStd) }},
	{"colour_match", func(c gan.Config) string { return fmtFloat(c.ColourMatch) }},
	{"ema_bn", func(c gan.Config) string { return cmp.Or(c.EMABN, gan.EMABNCopy) }},
	{"reduce_split", func(c gan.Config) string { return strconv.Itoa(max(c.ReduceSplit, 1)) }},
	{"cond_mismatch", func(c gan.Config) string {
		if c.Cond == nil {
			return "0"
		}
		return fmtFloat(c.Cond.Mismatch)
	}},
	{"cond_balance", func(c gan.Config) string {
		if c.Cond == nil || len(c.Cond.Balance) == 0 {
			return "none"
		}
		return strings.Join(c.Cond.Balance, ",")
	}},
	{"cond_balance_power", func(c gan.Config) string {
		if c.Cond == nil {
			return "1"
		}
		return fmtFloat(c.Cond.BalanceExp())
	}},
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ConfigFields lists the config field names Options.Explicit may hold.
func ConfigFields() []string {
	out := make([]string, len(configFields))
	for i, f := range configFields {
		out[i] = f.field
	}
	return out
}

// FieldDiff is one config field whose requested value differs from the
// checkpoint's.
type FieldDiff struct {
	Field      string // config JSON name, e.g. "ngf"
	Want, Have string // requested, in the checkpoint
}

// ResumeMismatchError: the checkpoint cannot be resumed as asked, because
// its image geometry differs from the data's (Geometry) or fields the
// caller set explicitly differ from its config (Diffs).
type ResumeMismatchError struct {
	Path     string
	Geometry string
	Diffs    []FieldDiff
}

func (e *ResumeMismatchError) Error() string {
	var parts []string
	if e.Geometry != "" {
		parts = append(parts, e.Geometry)
	}
	for _, d := range e.Diffs {
		parts = append(parts, fmt.Sprintf("%s %s differs from the checkpoint's %s", d.Field, d.Want, d.Have))
	}
	return fmt.Sprintf("cannot resume %q: %s", e.Path, strings.Join(parts, "; "))
}

// DataMismatchError: the checkpoint was trained on other data (resuming
// needs Options.Force).
type DataMismatchError struct {
	Path, Data         string
	CkptHash, DataHash string
}

func (e *DataMismatchError) Error() string {
	return fmt.Sprintf("cannot resume %q: it was trained on data with hash %q, %q has %q", e.Path, e.CkptHash, e.Data, e.DataHash)
}

// checkResume compares a checkpoint with the data and the fields the caller set.
func checkResume(path string, meta checkpoint.Meta, opts Options, ds *Dataset) error {
	e := &ResumeMismatchError{Path: path}
	if meta.Config.Size != ds.Size || meta.Config.Channels != ds.Channels {
		e.Geometry = fmt.Sprintf("image size %dx%d with %d channels in the checkpoint, %dx%d with %d in %q",
			meta.Config.Size, meta.Config.Size, meta.Config.Channels, ds.Size, ds.Size, ds.Channels, opts.Data)
	}
	explicit := map[string]bool{}
	for _, f := range opts.Explicit {
		explicit[f] = true
	}
	// The conditioning settings are Options' fields, not Config's.
	req := opts.Config
	req.Cond = &gan.CondSpec{Mismatch: opts.CondMismatch, Balance: opts.CondBalance, BalancePower: opts.CondBalancePower}
	for _, f := range configFields {
		if !explicit[f.field] {
			continue
		}
		if have, want := f.get(meta.Config), f.get(req); have != want {
			e.Diffs = append(e.Diffs, FieldDiff{Field: f.field, Want: want, Have: have})
		}
	}
	if e.Geometry != "" || len(e.Diffs) > 0 {
		return e
	}
	if meta.DatasetHash != ds.Hash && !opts.Force {
		return &DataMismatchError{Path: path, Data: opts.Data, CkptHash: meta.DatasetHash, DataHash: ds.Hash}
	}
	return nil
}
