// Command condproxy is a rough proxy of how well a conditional checkpoint
// (train --cond) draws the hair colour it is asked for, on the built-in
// faces: a nearest-centroid classifier of the mean colour of the hair band
// (rows 12-30%, columns 30-70% of the image), fitted on the train split's
// hat-less faces with a known hair colour. It prints the classifier's
// accuracy on the held-out reals (the ceiling; the train split when there
// is no holdout) and on N generated faces per hair colour asked with
// hat=none (the other attributes drawn per latent), against chance.
// Eval's attribute classifier (issue 11, part 4) is the real measure.
//
//	go run ./scripts/condproxy DATA CKPT [N]
package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/shard"
)

type rgb [3]float64

// feature is the mean colour of the hair band of an s x s image.
func feature(get func(y, x, c int) float64, s int) rgb {
	var f rgb
	n := 0.0
	for y := s * 12 / 100; y < s*30/100; y++ {
		for x := s * 30 / 100; x < s*70/100; x++ {
			for c := range 3 {
				f[c] += get(y, x, c)
			}
			n++
		}
	}
	for c := range f {
		f[c] /= n
	}
	return f
}

func nearest(cs []rgb, f rgb) int {
	best, bi := 1e18, -1
	for i, c := range cs {
		d := 0.0
		for k := range 3 {
			d += (c[k] - f[k]) * (c[k] - f[k])
		}
		if d < best {
			best, bi = d, i
		}
	}
	return bi
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "condproxy:", err)
		os.Exit(1)
	}
}

// reals calls fn with the hair value and feature of every hat-less face
// of split whose hair colour is known.
func reals(m *shard.Manifest, split shard.Split, hair, hat int, fn func(v int, f rgb)) error {
	none := byte(slices.Index(m.Labels.Attributes[hat].Values, "none") + 1)
	set, err := m.OpenSplit(split)
	if err != nil {
		return err
	}
	defer set.Close()
	s := m.Size
	buf := make([]byte, s*s*3)
	for i := range set.Len() {
		l := set.Labels(i)
		if l[hat] != none || l[hair] == 0 {
			continue
		}
		if err := set.Read(i, buf); err != nil {
			return err
		}
		fn(int(l[hair])-1, feature(func(y, x, c int) float64 { return float64(buf[(y*s+x)*3+c]) }, s))
	}
	return nil
}

func run(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return errors.New("usage: condproxy DATA CKPT [N]")
	}
	per := 32
	if len(args) == 3 {
		var err error
		if per, err = strconv.Atoi(args[2]); err != nil || per < 1 || per > 1024 {
			return fmt.Errorf("count %q: want 1..1024", args[2])
		}
	}
	m, err := shard.Load(args[0])
	if err != nil {
		return err
	}
	if m.Labels == nil {
		return fmt.Errorf("%q has no labels", args[0])
	}
	attrs := m.Labels.Attributes
	hair := slices.IndexFunc(attrs, func(a shard.Attribute) bool { return a.Name == "hair" })
	hat := slices.IndexFunc(attrs, func(a shard.Attribute) bool { return a.Name == "hat" })
	if hair < 0 || hat < 0 {
		return fmt.Errorf("%q has no hair or hat labels (prep --builtin)", args[0])
	}
	cs, err := centroids(m, hair, hat)
	if err != nil {
		return err
	}
	return generated(args[1], cs, per, m.Size)
}

// centroids fits the classifier and prints its accuracy on reals.
func centroids(m *shard.Manifest, hair, hat int) ([]rgb, error) {
	V := len(m.Labels.Attributes[hair].Values)
	cs, cnt := make([]rgb, V), make([]float64, V)
	if err := reals(m, m.Train, hair, hat, func(v int, f rgb) {
		for k := range 3 {
			cs[v][k] += f[k]
		}
		cnt[v]++
	}); err != nil {
		return nil, err
	}
	for v := range cs {
		for k := range 3 {
			cs[v][k] /= max(cnt[v], 1)
		}
	}
	split, which := m.Holdout, "held-out"
	if m.Counts.Holdout == 0 {
		split, which = m.Train, "train (no holdout)"
	}
	hit, tot := 0, 0
	if err := reals(m, split, hair, hat, func(v int, f rgb) {
		if nearest(cs, f) == v {
			hit++
		}
		tot++
	}); err != nil {
		return nil, err
	}
	fmt.Printf("ceiling (%s reals, hat=none): %.3f of %d\n", which, float64(hit)/float64(max(tot, 1)), tot)
	return cs, nil
}

// generated prints the classifier's accuracy on per faces per hair colour.
func generated(ckpt string, cs []rgb, per, s int) error {
	model, meta, err := checkpoint.Load(ckpt)
	if err != nil {
		return err
	}
	attrs := meta.Config.CondAttrs()
	ch := slices.IndexFunc(attrs, func(a gan.CondAttr) bool { return a.Name == "hair" })
	if ch < 0 || len(attrs[ch].Values) != len(cs) || meta.Config.Size != s {
		return fmt.Errorf("%q is not conditioned on this dataset's hair colours at %d px", ckpt, s)
	}
	chat := slices.IndexFunc(attrs, func(a gan.CondAttr) bool { return a.Name == "hat" })
	A, nz := len(attrs), meta.Config.NZ
	z := gan.SampleLatents(1, per, nz)
	hit, tot := 0, 0
	for v := range cs {
		labels := make([]byte, per*A)
		for j := range per {
			for a := range A {
				labels[j*A+a] = gan.LabelDraw
			}
			labels[j*A+ch] = byte(v + 1)
			if chat >= 0 {
				labels[j*A+chat] = byte(slices.Index(attrs[chat].Values, "none") + 1)
			}
		}
		x, err := model.GenerateLabels(z, labels, per, false)
		if err != nil {
			return err
		}
		for j := range per {
			img := x[j*3*s*s:]
			f := feature(func(y, xx, c int) float64 { return (float64(img[(c*s+y)*s+xx]) + 1) * 127.5 }, s)
			if nearest(cs, f) == v {
				hit++
			}
			tot++
		}
	}
	fmt.Printf("conditioning accuracy proxy (generated, hair asked, hat=none): %.3f of %d (chance %.3f)\n",
		float64(hit)/float64(tot), tot, 1/float64(len(cs)))
	return nil
}
