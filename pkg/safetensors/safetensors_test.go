package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func sample() ([]Tensor, []Raw, map[string]string) {
	ts := []Tensor{
		{Name: "G.main.0.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.NaN()), float32(math.Inf(1)), 0}},
		{Name: "D.main.0.weight", Shape: []int{1, 1, 2, 2}, Data: []float32{0.25, 0.5, 0.75, 1}},
		{Name: "EMA.scalar", Shape: []int{}, Data: []float32{42}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
	}
	rs := []Raw{
		{Name: "rng", DType: "I64", Shape: []int{2}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{Name: "mask", DType: "U8", Shape: []int{3}, Data: []byte{1, 2, 3}},
	}
	meta := map[string]string{"format": "toongan-ckpt/1", "config": `{"arch":"dcgan","size":64}`, "step": "100", "html": "<&>"}
	return ts, rs, meta
}

// sameF32 reports whether a and b hold the same float32 bit patterns.
func sameF32(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestRoundTrip(t *testing.T) {
	ts, rs, meta := sample()
	path := filepath.Join(t.TempDir(), "a.safetensors")
	if err := save(path, ts, rs, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Meta, meta) {
		t.Errorf("meta = %v, want %v", f.Meta, meta)
	}
	for _, want := range ts {
		got, ok := f.Get(want.Name)
		if !ok {
			t.Fatalf("missing %s", want.Name)
		}
		if !reflect.DeepEqual(got.Shape, want.Shape) || !sameF32(got.Data, want.Data) {
			t.Errorf("%s: got %v %v, want %v %v", want.Name, got.Shape, got.Data, want.Shape, want.Data)
		}
	}
	for _, want := range rs {
		got, ok := getRaw(f, want.Name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("raw %s: got %+v, want %+v", want.Name, got, want)
		}
	}
	// Tensors come back in name order.
	wantOrder := []string{"D.main.0.weight", "EMA.scalar", "G.main.0.weight", "empty"}
	for i, tt := range f.Tensors {
		if tt.Name != wantOrder[i] {
			t.Errorf("order[%d] = %s, want %s", i, tt.Name, wantOrder[i])
		}
	}
	if got := f.Names(); len(got) != 6 || got[0] != "D.main.0.weight" || got[5] != "rng" {
		t.Errorf("Names = %v", got)
	}
	if _, ok := f.Get("nope"); ok {
		t.Error("Get of a missing name succeeded")
	}
	// Header alignment and ReadHeader/ReadMeta.
	data, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(data); n%8 != 0 {
		t.Errorf("header length %d not a multiple of 8", n)
	}
	m, err := ReadMeta(path)
	if err != nil || !reflect.DeepEqual(m, meta) {
		t.Errorf("ReadMeta = %v, %v", m, err)
	}
	h, err := ReadHeader(path)
	if err != nil || len(h.Tensors) != 6 || h.Tensors[0].Name != "D.main.0.weight" || !reflect.DeepEqual(h.Tensors[0].Shape, []int{1, 1, 2, 2}) {
		t.Errorf("ReadHeader = %+v, %v", h, err)
	}
}

func TestDeterministic(t *testing.T) {
	ts, rs, meta := sample()
	a, err := encode(ts, rs, meta)
	if err != nil {
		t.Fatal(err)
	}
	// Reverse the input order and rebuild the map: same bytes.
	ts2 := []Tensor{ts[3], ts[2], ts[1], ts[0]}
	rs2 := []Raw{rs[1], rs[0]}
	meta2 := map[string]string{}
	for _, k := range []string{"step", "html", "config", "format"} {
		meta2[k] = meta[k]
	}
	b, err := encode(ts2, rs2, meta2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("same content encoded to different bytes")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.safetensors")
	if err := save(p, ts, rs, meta); err != nil {
		t.Fatal(err)
	}
	c, _ := os.ReadFile(p)
	if !bytes.Equal(a, c) {
		t.Fatal("Save and Encode differ")
	}
}

// TestInterop reads a file written by hand from the safetensors spec alone.
func TestInterop(t *testing.T) {
	hdr := `{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	var file []byte
	file = binary.LittleEndian.AppendUint64(file, uint64(len(hdr)))
	file = append(file, hdr...)
	file = append(file, 7, 0, 0, 0, 0, 0, 0, 0) // a = [7]
	file = append(file, 0x00, 0x00, 0x80, 0x3f) // 1.0f
	file = append(file, 0x00, 0x00, 0x00, 0xc0) // -2.0f
	f, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := f.Get("b")
	if !ok || !reflect.DeepEqual(b.Data, []float32{1, -2}) || !reflect.DeepEqual(b.Shape, []int{2}) {
		t.Errorf("b = %+v", b)
	}
	a, ok := getRaw(f, "a")
	if !ok || a.DType != "I64" || binary.LittleEndian.Uint64(a.Data) != 7 {
		t.Errorf("a = %+v", a)
	}
	if f.Meta["k"] != "v" {
		t.Errorf("meta = %v", f.Meta)
	}
	// A header without __metadata__ and without padding is fine too.
	h2 := `{"x":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}`
	file2 := binary.LittleEndian.AppendUint64(nil, uint64(len(h2)))
	file2 = append(append(file2, h2...), 9, 8, 7)
	if f2, err := Decode(file2); err != nil || len(f2.Raws) != 1 || len(f2.Meta) != 0 {
		t.Errorf("Decode unpadded: %+v, %v", f2, err)
	}
}

func build(hdr string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(out, hdr...), buf...)
}

func TestCorrupt(t *testing.T) {
	e := func(dtype, shape, off string) string {
		return `{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + off + `}`
	}
	b8 := make([]byte, 8)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short", []byte{1, 2, 3}, "too short"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "exceeds the"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "truncated"},
		{"tiny header", build("{", nil), "too short for a JSON"},
		{"not object", build("[1,2]", nil), "does not start"},
		{"bad json", build(`{"a":`, nil), "invalid JSON"},
		{"trailing junk", build(`{}x`, nil), "unexpected bytes"},
		{"non-utf8", build("{\"\xff\":1}", nil), "UTF-8"},
		{"unknown dtype", build(`{"a":`+e("F33", "[2]", "[0,8]")+`}`, b8), "unknown dtype"},
		{"missing field", build(`{"a":{"dtype":"F32","shape":[2]}}`, b8), "needs dtype"},
		{"unknown field", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, b8), "unknown field"},
		{"shape mismatch", build(`{"a":`+e("F32", "[3]", "[0,8]")+`}`, b8), "different byte count"},
		{"shape overflow", build(`{"a":`+e("F32", "[4611686018427387904,4]", "[0,8]")+`}`, b8), "different byte count"},
		{"negative dim", build(`{"a":`+e("F32", "[-2]", "[0,8]")+`}`, b8), "negative dimension"},
		{"float dim", build(`{"a":`+e("F32", "[2.5]", "[0,8]")+`}`, b8), "invalid header entry"},
		{"offsets reversed", build(`{"a":`+e("F32", "[0]", "[8,0]")+`}`, b8), "invalid data_offsets"},
		{"offsets 3", build(`{"a":`+e("F32", "[2]", "[0,8,8]")+`}`, b8), "has 3 values"},
		{"out of range", build(`{"a":`+e("F32", "[4]", "[0,16]")+`}`, b8), "beyond the 8-byte"},
		{"overlap", build(`{"a":`+e("F32", "[2]", "[0,8]")+`,"b":`+e("F32", "[1]", "[4,8]")+`}`, b8), "overlap"},
		{"gap", build(`{"a":`+e("F32", "[1]", "[4,8]")+`}`, b8), "gap"},
		{"not covering", build(`{"a":`+e("F32", "[1]", "[0,4]")+`}`, b8), "cover 4 bytes"},
		{"duplicate", build(`{"a":`+e("F32", "[1]", "[0,4]")+`,"a":`+e("F32", "[1]", "[4,8]")+`}`, b8), "duplicate tensor"},
		{"duplicate meta", build(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate __metadata__"},
		{"nested meta", build(`{"__metadata__":{"a":{"b":1}}}`, nil), "map strings to strings"},
		{"numeric meta", build(`{"__metadata__":{"a":1}}`, nil), "map strings to strings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	// Load names the file.
	p := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(p, []byte("hello world, not a checkpoint"), 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Load error %v does not name %s", err, p)
	}
	if _, err := ReadMeta(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("ReadMeta error %v does not name %s", err, p)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of missing file: %v", err)
	}
}

func TestTruncated(t *testing.T) {
	ts, rs, meta := sample()
	data, err := encode(ts, rs, meta)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for n := 0; n < len(data); n++ {
		if _, err := Decode(data[:n]); err == nil {
			t.Fatalf("Decode of the first %d of %d bytes succeeded", n, len(data))
		}
	}
	if _, err := Decode(append(bytes.Clone(data), 0)); err == nil {
		t.Fatal("Decode with a trailing byte succeeded")
	}
	// ReadHeader only checks the header, but still catches a short buffer.
	for _, n := range []int{0, 7, 8, 20, len(data) - 1} {
		p := filepath.Join(dir, "t.safetensors")
		os.WriteFile(p, data[:n], 0o644)
		if _, err := ReadHeader(p); err == nil {
			t.Errorf("ReadHeader of %d bytes succeeded", n)
		}
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		ts   []Tensor
		rs   []Raw
		want string
	}{
		{"empty name", []Tensor{{Name: "", Shape: []int{0}}}, nil, "empty name"},
		{"reserved", []Tensor{{Name: "__metadata__", Shape: []int{0}}}, nil, "reserved"},
		{"dup", []Tensor{{Name: "a", Shape: []int{0}}}, []Raw{{Name: "a", DType: "U8", Shape: []int{0}}}, "duplicate"},
		{"mismatch", []Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1}}}, nil, "holds 2 elements"},
		{"negative", []Tensor{{Name: "a", Shape: []int{-1, -1}, Data: []float32{1}}}, nil, "negative"},
		{"dtype", nil, []Raw{{Name: "a", DType: "Q4", Shape: []int{0}}}, "unknown dtype"},
		{"partial elem", nil, []Raw{{Name: "a", DType: "I64", Shape: []int{1}, Data: []byte{1, 2}}}, "whole number"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		err := save(p, c.ts, c.rs, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the path", c.name, err, c.want)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s: a file was written", c.name)
		}
	}
}

func TestSaveStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	if _, err := Latest(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Latest of a missing dir: %v", err)
	}
	ts := func(v float32) []Tensor { return []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{v}}} }
	for step := 1; step <= 5; step++ {
		p, err := SaveStep(dir, step*100, 2, ts(float32(step)), map[string]string{"step": "x"})
		if err != nil {
			t.Fatal(err)
		}
		if p != StepPath(dir, step*100) || filepath.Base(p) != "step-000"+string(rune('0'+step))+"00.safetensors" {
			t.Errorf("path = %s", p)
		}
		l, err := Latest(dir)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Load(l)
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := f.Get("w"); w.Data[0] != float32(step) {
			t.Errorf("latest holds %v after step %d", w.Data, step)
		}
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"latest.safetensors", "step-000400.safetensors", "step-000500.safetensors"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("dir holds %v, want %v", names, want)
	}
	// Restarting at a lower step keeps the new file and the newest others.
	if _, err := SaveStep(dir, 50, 2, ts(9), nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"step-000050.safetensors", "step-000400.safetensors", "step-000500.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	// keep <= 0 keeps all; Latest falls back to the highest step.
	for step := 600; step <= 800; step += 100 {
		if _, err := SaveStep(dir, step, 0, ts(1), nil); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := stepFiles(dir)
	if len(files) != 6 {
		t.Errorf("keep 0 left %d step files, want 6", len(files))
	}
	os.Remove(filepath.Join(dir, LatestName))
	if l, err := Latest(dir); err != nil || l != StepPath(dir, 800) {
		t.Errorf("Latest = %s, %v", l, err)
	}
	if _, err := SaveStep(dir, -1, 0, ts(1), nil); err == nil {
		t.Error("negative step accepted")
	}
}

func TestFuzzSeeds(t *testing.T) {
	// The checked-in corpus must hold real saves; regenerate with
	// TOONGAN_WRITE_SEEDS=1 go test -run TestFuzzSeeds ./pkg/safetensors
	ts, rs, meta := sample()
	full, _ := encode(ts, rs, meta)
	small, _ := encode(ts[:1], nil, nil)
	empty, _ := encode(nil, nil, nil)
	seeds := map[string][]byte{"full": full, "small": small, "empty": empty}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if os.Getenv("TOONGAN_WRITE_SEEDS") != "" {
		os.MkdirAll(dir, 0o755)
		for n, b := range seeds {
			os.WriteFile(filepath.Join(dir, n), []byte("go test fuzz v1\n[]byte("+quote(b)+")\n"), 0o644)
		}
	}
	for n := range seeds {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("seed corpus: %v", err)
		}
	}
}

func quote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[c>>4])
			sb.WriteByte("0123456789abcdef"[c&15])
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func FuzzDecode(f *testing.F) {
	ts, rs, meta := sample()
	full, _ := encode(ts, rs, meta)
	f.Add(full)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same content.
		again, err := encode(file.Tensors, file.Raws, file.Meta)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		g, err := Decode(again)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if len(g.Tensors) != len(file.Tensors) || len(g.Raws) != len(file.Raws) || !reflect.DeepEqual(g.Meta, file.Meta) {
			t.Fatalf("round trip changed the file")
		}
		for _, x := range file.Tensors {
			y, ok := g.Get(x.Name)
			if !ok || !sameF32(x.Data, y.Data) || !reflect.DeepEqual(x.Shape, y.Shape) {
				t.Fatalf("round trip changed %q", x.Name)
			}
		}
	})
}

// getRaw returns the non-F32 tensor called name.
func getRaw(f *File, name string) (Raw, bool) {
	for _, r := range f.Raws {
		if r.Name == name {
			return r, true
		}
	}
	return Raw{}, false
}
