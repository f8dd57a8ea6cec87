package loader

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// memSource holds n images of h*w*c bytes; image i has pixel (y,x,ch) =
// (i*7 + y*3 + x*5 + ch*11) mod 256, and its first byte pair encodes i.
type memSource struct {
	n, h, w, c int
	failAt     int
}

func (m *memSource) Len() int { return m.n }

func (m *memSource) pixel(i, y, x, ch int) byte {
	if y == 0 && x == 0 {
		return byte(i >> (8 * ch)) // image id in the first pixel
	}
	return byte(i*7 + y*3 + x*5 + ch*11)
}

func (m *memSource) Read(i int, dst []byte) error {
	if i == m.failAt {
		return errors.New("disk on fire")
	}
	if len(dst) != m.h*m.w*m.c {
		return errors.New("wrong buffer size")
	}
	for y := 0; y < m.h; y++ {
		for x := 0; x < m.w; x++ {
			for ch := 0; ch < m.c; ch++ {
				dst[(y*m.w+x)*m.c+ch] = m.pixel(i, y, x, ch)
			}
		}
	}
	return nil
}

// id decodes the image id from the first pixel of a float NCHW sample.
func id(sample []float32, hw int) int {
	v := 0
	for ch := 0; ch < 3; ch++ {
		b := int(math.Round(float64(sample[ch*hw]+1) * 127.5))
		v |= b << (8 * ch)
	}
	return v
}

func TestPerm(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 1000} {
		p := Perm(1, 0, n)
		s := slices.Clone(p)
		slices.Sort(s)
		for i, v := range s {
			if v != i {
				t.Fatalf("Perm(1,0,%d) is not a permutation: %v", n, p)
			}
		}
	}
	a, b, c := Perm(1, 0, 50), Perm(1, 1, 50), Perm(2, 0, 50)
	if slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("different epochs or seeds gave the same order")
	}
	if !slices.Equal(a, Perm(1, 0, 50)) {
		t.Error("Perm is not deterministic")
	}
	// Golden: the order must never change (resume and reproducibility rely on it).
	if got, want := Perm(1, 0, 10), []int{8, 6, 7, 5, 0, 4, 2, 3, 9, 1}; !slices.Equal(got, want) {
		t.Errorf("Perm(1,0,10) = %#v, want %#v", got, want)
	}
	// Rough uniformity: position of element 0 over many epochs.
	counts := make([]int, 4)
	for e := range 4000 {
		counts[slices.Index(Perm(9, e, 4), 0)]++
	}
	for i, c := range counts {
		if c < 850 || c > 1150 {
			t.Errorf("element 0 landed at %d %d times of 4000", i, c)
		}
	}
}

func TestStreamConversionAndOrder(t *testing.T) {
	const h, w, c, batch = 3, 4, 3, 4
	src := &memSource{n: 10, h: h, w: w, c: c, failAt: -1}
	l, err := New(src, h, w, c, batch, 5)
	if err != nil {
		t.Fatal(err)
	}
	if l.BatchesPerEpoch() != 2 {
		t.Fatalf("BatchesPerEpoch = %d, want 2", l.BatchesPerEpoch())
	}
	s, err := l.Stream(Pos{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hw := h * w
	for epoch := 0; epoch < 3; epoch++ {
		perm := Perm(5, epoch, 10)
		var seen []int
		for bi := 0; bi < 2; bi++ {
			b, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b.Pos != (Pos{epoch, bi}) {
				t.Errorf("batch pos %+v, want epoch %d batch %d", b.Pos, epoch, bi)
			}
			if want := l.Next(b.Pos); b.Next != want {
				t.Errorf("Next = %+v, want %+v", b.Next, want)
			}
			if len(b.Data) != batch*c*hw {
				t.Fatalf("batch has %d floats", len(b.Data))
			}
			for k := 0; k < batch; k++ {
				sample := b.Data[k*c*hw : (k+1)*c*hw]
				img := perm[bi*batch+k]
				if got := id(sample, hw); got != img {
					t.Fatalf("epoch %d batch %d sample %d is image %d, want %d", epoch, bi, k, got, img)
				}
				seen = append(seen, img)
				for ch := 0; ch < c; ch++ {
					for y := 0; y < h; y++ {
						for x := 0; x < w; x++ {
							want := float64(src.pixel(img, y, x, ch))/127.5 - 1
							got := float64(sample[ch*hw+y*w+x])
							if math.Abs(got-want) > 1e-6 {
								t.Fatalf("pixel (%d,%d,%d) of image %d = %v, want %v", ch, y, x, img, got, want)
							}
						}
					}
				}
			}
			b.Release()
		}
		if !slices.Equal(seen, perm[:8]) {
			t.Errorf("epoch %d visited %v, want %v", epoch, seen, perm[:8])
		}
	}
}

func TestConversionEndpoints(t *testing.T) {
	l, _ := New(&memSource{n: 1, h: 1, w: 1, c: 1}, 1, 1, 1, 1, 0)
	if l.lut[0] != -1 || l.lut[255] != 1 {
		t.Errorf("lut[0]=%v lut[255]=%v, want -1 and 1", l.lut[0], l.lut[255])
	}
}

func TestResumeMatches(t *testing.T) {
	src := &memSource{n: 13, h: 2, w: 2, c: 3, failAt: -1}
	l, _ := New(src, 2, 2, 3, 3, 7)
	collect := func(from Pos, n int) [][]float32 {
		s, err := l.Stream(from, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var out [][]float32
		for range n {
			b, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, slices.Clone(b.Data))
			b.Release()
		}
		return out
	}
	all := collect(Pos{}, 12)
	// resume at batch 5 (epoch 1, batch 1 with 4 batches per epoch)
	rest := collect(Pos{Epoch: 1, Batch: 1}, 7)
	for i := range rest {
		if !slices.Equal(rest[i], all[5+i]) {
			t.Fatalf("resumed batch %d differs from uninterrupted batch %d", i, 5+i)
		}
	}
}

func TestErrors(t *testing.T) {
	src := &memSource{n: 8, h: 2, w: 2, c: 3, failAt: -1}
	if _, err := New(src, 2, 2, 3, 9, 0); err == nil {
		t.Error("batch larger than the dataset accepted")
	}
	if _, err := New(src, 0, 2, 3, 2, 0); err == nil {
		t.Error("zero height accepted")
	}
	l, _ := New(src, 2, 2, 3, 2, 0)
	if _, err := l.Stream(Pos{Batch: 4}, 1); err == nil {
		t.Error("out-of-range position accepted")
	}
	src.failAt = Perm(0, 0, 8)[3]
	s, _ := l.Stream(Pos{}, 1)
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Next()
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "epoch 0 batch 1") {
		t.Errorf("read error = %v", err)
	}
	if _, err := s.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("after error: %v, want ErrClosed", err)
	}
}

func TestCloseWhileBlocked(t *testing.T) {
	src := &memSource{n: 8, h: 2, w: 2, c: 3, failAt: -1}
	l, _ := New(src, 2, 2, 3, 2, 0)
	s, _ := l.Stream(Pos{}, 1)
	b, _ := s.Next() // not released: the producer blocks on its channels
	_ = b
	s.Close() // must not hang
}

func BenchmarkFill64(b *testing.B) {
	src := &memSource{n: 256, h: 64, w: 64, c: 3, failAt: -1}
	l, _ := New(src, 64, 64, 3, 64, 0)
	dst := make([]float32, 64*3*64*64)
	rec := make([]byte, 64*64*3)
	perm := Perm(0, 0, 256)
	for b.Loop() {
		l.fill(dst, nil, perm, Pos{}, rec)
	}
}

// labelSource is memSource with labels: image i has labels (i, i*3, 255-i).
type labelSource struct{ memSource }

func (s *labelSource) Attrs() int { return 3 }
func (s *labelSource) Labels(i int) []byte {
	return []byte{byte(i), byte(i * 3), byte(255 - i)}
}

func TestLabels(t *testing.T) {
	const h, w, c, batch = 2, 2, 3, 4
	src := &labelSource{memSource{n: 10, h: h, w: w, c: c, failAt: -1}}
	plain, _ := New(src, h, w, c, batch, 9)
	l, _ := New(src, h, w, c, batch, 9)
	if err := l.WithLabels(); err != nil || l.Attrs() != 3 {
		t.Fatalf("WithLabels: %v, attrs %d", err, l.Attrs())
	}
	ps, _ := plain.Stream(Pos{}, 1)
	defer ps.Close()
	ls, _ := l.Stream(Pos{}, 1)
	defer ls.Close()
	for n := range 5 {
		pb, err1 := ps.Next()
		lb, err2 := ls.Next()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !slices.Equal(pb.Data, lb.Data) || pb.Labels != nil {
			t.Fatalf("batch %d: labels change the images, or an unlabelled loader delivers labels", n)
		}
		if len(lb.Labels) != batch*3 {
			t.Fatalf("batch %d: %d label bytes", n, len(lb.Labels))
		}
		for k := range batch {
			img := id(lb.Data[k*c*h*w:], h*w)
			if got, want := lb.Labels[k*3:(k+1)*3], src.Labels(img); !slices.Equal(got, want) {
				t.Errorf("batch %d image %d (%d): labels %v, want %v", n, k, img, got, want)
			}
		}
		pb.Release()
		lb.Release()
	}
	mem, _ := New(&src.memSource, h, w, c, batch, 9)
	if err := mem.WithLabels(); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("WithLabels on a source without labels: %v", err)
	}
}

// countSource is labelSource counting its reads.
type countSource struct {
	labelSource
	reads int
}

func (s *countSource) Read(i int, dst []byte) error {
	s.reads++
	return s.labelSource.Read(i, dst)
}

// TestSlice: the n parts of every batch (images and labels), laid end to
// end, are the whole batch, across an epoch boundary and from a resumed
// position; each part reads only its own images. Bad parts are refused.
func TestSlice(t *testing.T) {
	const h, w, c, batch, batches = 2, 2, 3, 4, 7
	src := func() *countSource {
		return &countSource{labelSource: labelSource{memSource{n: 10, h: h, w: w, c: c, failAt: -1}}}
	}
	for _, n := range []int{1, 2, 4} {
		for _, from := range []Pos{{}, {Epoch: 1, Batch: 1}} {
			whole, _ := New(src(), h, w, c, batch, 9)
			if err := whole.WithLabels(); err != nil {
				t.Fatal(err)
			}
			want := readBatches(t, whole, from, batches)
			var got []*Batch
			for k := range n {
				s := src()
				l, _ := New(s, h, w, c, batch, 9)
				if err := l.WithLabels(); err != nil {
					t.Fatal(err)
				}
				if err := l.Slice(k, n); err != nil {
					t.Fatal(err)
				}
				part := readBatches(t, l, from, batches)
				s.reads = 0
				if err := l.fill(make([]float32, batch/n*h*w*c), make([]byte, batch/n*3), Perm(9, 0, 10), Pos{}, make([]byte, h*w*c)); err != nil || s.reads != batch/n {
					t.Errorf("%d parts: part %d read %d images for one batch, want %d (%v)", n, k, s.reads, batch/n, err)
				}
				if k == 0 {
					got = part
					continue
				}
				for i := range got {
					got[i].Data = append(got[i].Data, part[i].Data...)
					got[i].Labels = append(got[i].Labels, part[i].Labels...)
				}
			}
			for i := range want {
				if !slices.Equal(got[i].Data, want[i].Data) || !slices.Equal(got[i].Labels, want[i].Labels) || got[i].Pos != want[i].Pos || got[i].Next != want[i].Next {
					t.Fatalf("%d parts from %v: batch %d differs from the whole batch", n, from, i)
				}
			}
		}
	}
	l, _ := New(src(), h, w, c, batch, 9)
	for _, kn := range [][2]int{{0, 3}, {-1, 2}, {2, 2}, {0, 0}} {
		if err := l.Slice(kn[0], kn[1]); err == nil || !strings.Contains(err.Error(), "part") {
			t.Errorf("Slice(%d, %d): %v, want an error", kn[0], kn[1], err)
		}
	}
}

// readBatches returns copies of the first n batches of l's stream from p.
func readBatches(t *testing.T, l *Loader, p Pos, n int) []*Batch {
	t.Helper()
	s, err := l.Stream(p, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := make([]*Batch, n)
	for i := range out {
		b, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = &Batch{Data: slices.Clone(b.Data), Labels: slices.Clone(b.Labels), Pos: b.Pos, Next: b.Next}
		b.Release()
	}
	return out
}
