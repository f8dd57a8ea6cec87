package sampling

import (
	"fmt"
	"image"
	"slices"
	"strings"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/imgutil"
)

// Conditional sampling: a model trained with train --cond draws the
// attributes asked for (--attr) and shows one attribute's every value for
// the same latents (--attr-grid).

// MaxAttrBytes bounds --attr and --attr-grid.
const MaxAttrBytes = 4096

// Conditional is a generator that draws on labels (*gan.Model).
type Conditional interface {
	GenerateLabels(z []float32, labels []byte, n int, raw bool) ([]float32, error)
}

// attrNames lists the model's attributes.
func attrNames(cfg gan.Config) string {
	var names []string
	for _, a := range cfg.CondAttrs() {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// findAttr returns the index of attribute name, or an error listing the
// model's attributes.
func findAttr(cfg gan.Config, flag, name string) (int, error) {
	if !cfg.Conditional() {
		return 0, fmt.Errorf("%s: the checkpoint's model is unconditional (train --cond makes a conditional one)", flag)
	}
	i := slices.IndexFunc(cfg.CondAttrs(), func(a gan.CondAttr) bool { return a.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("%s: the model knows no attribute %q; it knows %s", flag, name, attrNames(cfg))
	}
	return i, nil
}

// ParseAttrs turns --attr's "name=value,..." into one image's label bytes
// (in the model's attribute order): the values asked for, gan.LabelDraw
// for the others (drawn from the training frequencies per latent). An
// empty spec draws every attribute.
func ParseAttrs(cfg gan.Config, spec string) ([]byte, error) {
	if len(spec) > MaxAttrBytes {
		return nil, fmt.Errorf("--attr: %d bytes, at most %d", len(spec), MaxAttrBytes)
	}
	attrs := cfg.CondAttrs()
	labels := make([]byte, len(attrs))
	for i := range labels {
		labels[i] = gan.LabelDraw
	}
	if strings.TrimSpace(spec) == "" {
		return labels, nil
	}
	for _, item := range strings.Split(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || name == "" || value == "" {
			return nil, fmt.Errorf("--attr %q: want name=value pairs separated by commas (e.g. hair=red,glasses=yes)", item)
		}
		a, err := findAttr(cfg, "--attr", name)
		if err != nil {
			return nil, err
		}
		if labels[a] != gan.LabelDraw {
			return nil, fmt.Errorf("--attr: %s given twice", name)
		}
		k := slices.Index(attrs[a].Values, value)
		if k < 0 {
			return nil, fmt.Errorf("--attr %s=%s: %s has no value %q; its values: %s", name, value, name, value, strings.Join(attrs[a].Values, ", "))
		}
		labels[a] = byte(k + 1)
	}
	return labels, nil
}

// generateFor draws n images from z: with the labels --attr asks for when
// the model is conditional (or when --attr is given), else as Generate.
func generateFor(g Generator, cfg gan.Config, z []float32, n int, o Options) ([]float32, error) {
	if o.Attr == "" {
		return Generate(g, z, n, cfg.NZ, o.Batch, o.Raw)
	}
	one, err := ParseAttrs(cfg, o.Attr)
	if err != nil {
		return nil, err
	}
	labels := make([]byte, 0, n*len(one))
	for range n {
		labels = append(labels, one...)
	}
	return GenerateLabels(g, z, labels, n, cfg.NZ, o.Batch, o.Raw)
}

// GenerateLabels is Generate for a conditional model: labels holds each
// image's label bytes (see gan.Model.GenerateLabels).
func GenerateLabels(g Generator, z []float32, labels []byte, n, nz, batch int, raw bool) ([]float32, error) {
	cg, ok := g.(Conditional)
	if !ok {
		return nil, fmt.Errorf("generate: the model does not draw on labels")
	}
	if n <= 0 {
		return nil, ErrNoImages
	}
	if len(z) != n*nz || len(labels)%n != 0 {
		return nil, fmt.Errorf("generate: %d latent values and %d label bytes for %d images of nz %d", len(z), len(labels), n, nz)
	}
	per := len(labels) / n
	if batch <= 0 {
		batch = 64
	}
	var out []float32
	for i := 0; i < n; i += batch {
		k := min(batch, n-i)
		x, err := cg.GenerateLabels(z[i*nz:(i+k)*nz], labels[i*per:(i+k)*per], k, raw)
		if err != nil {
			return nil, fmt.Errorf("generate images %d..%d: %w", i, i+k-1, err)
		}
		out = append(out, x...)
	}
	return out, nil
}

// runAttrGrid draws the --attr-grid: one row per latent (n of them), one
// column per value of the attribute, the other attributes as --attr asks
// (or drawn per latent, the same along a row).
func runAttrGrid(g Generator, cfg gan.Config, o Options, z []float32, n int) (Result, error) {
	var res Result
	a, err := findAttr(cfg, "--attr-grid", o.AttrGrid)
	if err != nil {
		return res, err
	}
	base, err := ParseAttrs(cfg, o.Attr)
	if err != nil {
		return res, err
	}
	if base[a] != gan.LabelDraw {
		return res, fmt.Errorf("--attr-grid %s: also fixed by --attr", o.AttrGrid)
	}
	if z == nil {
		n = o.N
		z = Latents(o.Seed, n, cfg.NZ, o.Truncation)
	}
	values := cfg.CondAttrs()[a].Values
	cols := len(values)
	if n*cols > MaxN {
		return res, fmt.Errorf("--attr-grid %s: %d rows of %d values is more than %d images", o.AttrGrid, n, cols, MaxN)
	}
	nz, A := cfg.NZ, len(base)
	zz := make([]float32, 0, n*cols*nz)
	labels := make([]byte, 0, n*cols*A)
	for r := range n {
		for c := range cols {
			zz = append(zz, z[r*nz:(r+1)*nz]...)
			labels = append(labels, base...)
			labels[len(labels)-A+a] = byte(c + 1)
		}
	}
	if o.SaveLatents != "" {
		if err := WriteLatents(o.SaveLatents, NewLatentFile(z, nz, o.Seed, o.Truncation)); err != nil {
			return res, err
		}
		res.Files = append(res.Files, o.SaveLatents)
	}
	x, err := GenerateLabels(g, zz, labels, n*cols, nz, o.Batch, o.Raw)
	if err != nil {
		return res, err
	}
	imgs, err := imgutil.TensorImages(x, n*cols, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		return res, err
	}
	return writeAttrGrid(res, imgs, cols, values, o)
}

// writeAttrGrid writes the grid (and the faces to --dir).
func writeAttrGrid(res Result, imgs []*image.NRGBA, cols int, values []string, o Options) (Result, error) {
	res.N, res.Columns = len(imgs), values
	if o.Dir != "" {
		files, err := writeFaces(o.Dir, imgs)
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, files...)
	}
	if o.Out != "" {
		grid, err := imgutil.Grid(imgutil.AsImages(imgs), cols, o.Pad, o.BG)
		if err != nil {
			return res, err
		}
		if err := writePNG(o.Out, grid); err != nil {
			return res, err
		}
		res.Files = append(res.Files, o.Out)
	}
	return res, nil
}
