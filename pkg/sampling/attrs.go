package sampling

import (
	"fmt"
	"image"
	"path/filepath"
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
	files, err := writeImages(imgs, cols, o)
	res.Files = append(res.Files, files...)
	return res, err
}

// Mixer is a conditional generator that draws between two labellings
// (*gan.Model).
type Mixer interface {
	GenerateMix(z []float32, from, to []byte, t []float32, n int, raw bool) ([]float32, error)
}

// runAttrInterp draws --interp steps from the --attr labelling to the
// --attr-to one with each keyframe latent fixed: the grid PNG has a row per
// latent and a column per step; the GIF goes there and back, each frame a
// strip of the latents' faces.
func runAttrInterp(g Generator, cfg gan.Config, o Options, z []float32, n int) (Result, error) {
	var res Result
	mg, ok := g.(Mixer)
	if !ok || !cfg.Conditional() {
		return res, fmt.Errorf("--attr-to: the checkpoint's model is unconditional (train --cond makes a conditional one)")
	}
	from, err := ParseAttrs(cfg, o.Attr)
	if err != nil {
		return res, err
	}
	to, err := ParseAttrs(cfg, o.AttrTo)
	if err != nil {
		return res, fmt.Errorf("--attr-to: %w", err)
	}
	keys := keyframes(cfg.NZ, o, z, n)
	steps := o.Interp
	var zz, ts []float32
	var fl, tl []byte
	for _, k := range keys {
		for s := range steps {
			zz = append(zz, k...)
			ts = append(ts, float32(s)/float32(steps-1))
			fl, tl = append(fl, from...), append(tl, to...)
		}
	}
	total := len(keys) * steps
	var x []float32
	A, batch := len(from), max(o.Batch, 1)
	for i := 0; i < total; i += batch {
		k := min(batch, total-i)
		part, err := mg.GenerateMix(zz[i*cfg.NZ:(i+k)*cfg.NZ], fl[i*A:(i+k)*A], tl[i*A:(i+k)*A], ts[i:i+k], k, o.Raw)
		if err != nil {
			return res, fmt.Errorf("generate images %d..%d: %w", i, i+k-1, err)
		}
		x = append(x, part...)
	}
	cells, err := imgutil.TensorImages(x, total, cfg.Channels, cfg.Size, cfg.Size)
	if err != nil {
		return res, err
	}
	return writeAttrInterp(res, cells, len(keys), cfg, o)
}

// writeAttrInterp writes base.png (rows of steps) and base.gif (each frame
// one step of every row, there and back).
func writeAttrInterp(res Result, cells []*image.NRGBA, rows int, cfg gan.Config, o Options) (Result, error) {
	steps := o.Interp
	var frames []*image.NRGBA
	order := make([]int, 0, 2*steps)
	for s := range steps {
		order = append(order, s)
	}
	for s := steps - 2; s > 0; s-- {
		order = append(order, s)
	}
	for _, s := range order {
		strip := make([]image.Image, rows)
		for r := range rows {
			strip[r] = cells[r*steps+s]
		}
		f, err := imgutil.Grid(strip, rows, o.Pad, o.BG)
		if err != nil {
			return res, err
		}
		frames = append(frames, f)
	}
	base := strings.TrimSuffix(o.Out, filepath.Ext(o.Out))
	if err := writeInterp(base, cells, frames, cfg, o); err != nil {
		return res, err
	}
	res.N = len(cells)
	res.Files = append(res.Files, base+".png", base+".gif")
	return res, nil
}
