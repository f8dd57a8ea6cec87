package toon

import "testing"

// TestHairMask checks the mask against what it claims: empty exactly for
// bald faces, a plausible share of the image otherwise, and every fully
// masked pixel of Face showing the face's own hair colour (an independent
// check: Face never sees the mask's black and white hair).
func TestHairMask(t *testing.T) {
	for _, size := range []int{32, 64} {
		for seed := uint64(0); seed < 150; seed++ {
			m := HairMask(seed, size)
			face := Face(seed, size)
			p := newParams(seed)
			want := p.hair.rgba(1)
			full, any := 0, 0
			for i, v := range m.Pix {
				if v > 0 {
					any++
				}
				if v < 255 {
					continue
				}
				full++
				px := face.Pix[4*i : 4*i+3]
				for c, w := range []uint8{want.R, want.G, want.B} {
					if d := int(px[c]) - int(w); d < -1 || d > 1 {
						t.Fatalf("seed %d size %d: fully masked pixel %d has %v, the hair colour is %v", seed, size, i, px, want)
					}
				}
			}
			bald := Labels(seed)[0] == -1
			share := float64(any) / float64(len(m.Pix))
			switch {
			case bald && any > 0:
				t.Errorf("seed %d size %d: bald face with %d masked pixels", seed, size, any)
			case !bald && (share < 0.03 || share > 0.7 || full == 0):
				t.Errorf("seed %d size %d: %.1f%% of pixels masked, %d fully", seed, size, 100*share, full)
			}
		}
	}
	if m := HairMask(1, 0); len(m.Pix) != 0 {
		t.Errorf("size 0: %d pixels", len(m.Pix))
	}
}
