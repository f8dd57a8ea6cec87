package toon

import "testing"

func TestAttributesMatchPalettes(t *testing.T) {
	for _, c := range []struct {
		name       string
		names, raw int
	}{
		{"hair", len(hairNames), len(naturalHair) + len(animeHair)},
		{"skin", len(skinNames), len(naturalSkin) + len(fantasySkin)},
		{"eye_colour", len(eyeColourNames), len(irises)},
	} {
		if c.names != c.raw {
			t.Errorf("%s: %d names for %d palette entries", c.name, c.names, c.raw)
		}
	}
	want := map[string]int{"hair_style": numHair, "eyes": numEyes, "mouth": numMouths, "face": numShapes}
	for _, a := range Attributes() {
		seen := map[string]bool{}
		for _, v := range a.Values {
			if seen[v] || v == "" {
				t.Errorf("%s: value %q empty or repeated", a.Name, v)
			}
			seen[v] = true
		}
		if n, ok := want[a.Name]; ok && n != len(a.Values) {
			t.Errorf("%s: %d values, pkg/toon has %d", a.Name, len(a.Values), n)
		}
	}
}

// TestLabelsAgreeWithParams checks Labels against the parameters the
// renderer uses, over many seeds, and that every value occurs.
func TestLabelsAgreeWithParams(t *testing.T) {
	attrs := Attributes()
	seen := make([]map[int]bool, len(attrs))
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	for seed := uint64(0); seed < 4000; seed++ {
		l := Labels(seed)
		if len(l) != len(attrs) {
			t.Fatalf("%d labels for %d attributes", len(l), len(attrs))
		}
		p := newParams(seed)
		for i, v := range l {
			if v < -1 || v >= len(attrs[i].Values) {
				t.Fatalf("seed %d: %s = %d out of range", seed, attrs[i].Name, v)
			}
			seen[i][v] = true
		}
		pal := append(append([]rgb{}, naturalHair...), animeHair...)
		if l[0] >= 0 && !near3(p.hair, pal[l[0]], 0.04) {
			t.Errorf("seed %d: hair %v is not %s %v", seed, p.hair, hairNames[l[0]], pal[l[0]])
		}
		if (l[0] == -1) != (p.hairStyle == hairBald) || l[1] != p.hairStyle {
			t.Errorf("seed %d: hair %d style %d, params style %d", seed, l[0], l[1], p.hairStyle)
		}
		if l[3] >= 0 && !near3(p.iris, irises[l[3]], 0.05) {
			t.Errorf("seed %d: iris %v is not %s", seed, p.iris, eyeColourNames[l[3]])
		}
		if (l[8] == 1) != p.glasses || l[7] != p.hat || l[5] != p.shape || l[4] != p.mouth || l[2] != p.eye {
			t.Errorf("seed %d: labels %v disagree with params", seed, l)
		}
	}
	for i, a := range attrs {
		for v := range a.Values {
			if !seen[i][v] {
				t.Errorf("%s=%s never drawn in 4000 faces", a.Name, a.Values[v])
			}
		}
	}
}

func near3(a, b rgb, tol float32) bool {
	d := func(x, y float32) bool { return x-y <= tol && y-x <= tol }
	return d(a.r, b.r) && d(a.g, b.g) && d(a.b, b.b)
}
