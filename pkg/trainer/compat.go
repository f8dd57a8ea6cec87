package trainer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
)

// configFlags maps the train flags that set model config fields to those
// fields, for comparing a resumed checkpoint with the command line.
var configFlags = []struct {
	flag string
	get  func(gan.Config) string
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
	{"label-smooth", func(c gan.Config) string { return fmtFloat(c.LabelSmooth) }},
	{"d-steps", func(c gan.Config) string { return strconv.Itoa(c.DSteps) }},
	{"ema", func(c gan.Config) string { return fmtFloat(c.EMADecay) }},
	{"seed", func(c gan.Config) string { return strconv.FormatUint(c.Seed, 10) }},
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ConfigFlags lists the flag names Options.Explicit may hold.
func ConfigFlags() []string {
	out := make([]string, len(configFlags))
	for i, f := range configFlags {
		out[i] = f.flag
	}
	return out
}

// checkResume compares a checkpoint with the data and the flags the user set.
func checkResume(path string, meta checkpoint.Meta, opts Options, ds *Dataset) error {
	var diffs []string
	if meta.Config.Size != ds.Size || meta.Config.Channels != ds.Channels {
		diffs = append(diffs, fmt.Sprintf("image size %dx%d with %d channels in the checkpoint, %dx%d with %d in %s",
			meta.Config.Size, meta.Config.Size, meta.Config.Channels, ds.Size, ds.Size, ds.Channels, opts.Data))
	}
	explicit := map[string]bool{}
	for _, f := range opts.Explicit {
		explicit[f] = true
	}
	for _, f := range configFlags {
		if !explicit[f.flag] {
			continue
		}
		if have, want := f.get(meta.Config), f.get(opts.Config); have != want {
			diffs = append(diffs, fmt.Sprintf("--%s %s differs from the checkpoint's %s", f.flag, want, have))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("cannot resume %s: %s (drop those flags to keep the checkpoint's settings, or start a new run with another --out)",
			path, strings.Join(diffs, "; "))
	}
	if meta.DatasetHash != ds.Hash && !opts.Force {
		return fmt.Errorf("cannot resume %s: it was trained on data with hash %q, %s has %q (add --force to continue on the new data)",
			path, meta.DatasetHash, opts.Data, ds.Hash)
	}
	return nil
}
