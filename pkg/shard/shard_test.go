package shard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// build writes a shard with n records of h x w x c, record i filled with i.
func build(t testing.TB, path string, n, h, w, c int) []byte {
	t.Helper()
	wr, err := Create(path, h, w, c)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		rec := bytes.Repeat([]byte{byte(i)}, h*w*c)
		rec[0] = byte(i * 7)
		if err := wr.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// independentEncode lays out a shard following the documented format, with
// no code shared with the writer.
func independentEncode(recs [][]byte, h, w, c int) []byte {
	var b bytes.Buffer
	b.WriteString("TGSHARD\x00")
	binary.Write(&b, binary.LittleEndian, uint16(1))
	b.Write([]byte{1, 1})
	for _, v := range []uint32{uint32(len(recs)), uint32(h), uint32(w), uint32(c)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), tab))
	var all []byte
	for _, r := range recs {
		all = append(all, r...)
	}
	b.Write(all)
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(all, tab))
	return b.Bytes()
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ n, h, w, c int }{{0, 4, 4, 3}, {1, 1, 1, 1}, {5, 8, 6, 3}, {300, 16, 16, 3}, {2, 2000, 3, 4}} {
		path := filepath.Join(dir, "s.shard")
		data := build(t, path, tc.n, tc.h, tc.w, tc.c)
		var recs [][]byte
		for i := 0; i < tc.n; i++ {
			rec := bytes.Repeat([]byte{byte(i)}, tc.h*tc.w*tc.c)
			rec[0] = byte(i * 7)
			recs = append(recs, rec)
		}
		if want := independentEncode(recs, tc.h, tc.w, tc.c); !bytes.Equal(data, want) {
			t.Fatalf("%+v: file differs from the documented layout", tc)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		want := Header{Version: 1, Count: tc.n, Height: tc.h, Width: tc.w, Channels: tc.c}
		if r.Header() != want || r.Len() != tc.n || r.Path() != path {
			t.Errorf("header %+v, want %+v", r.Header(), want)
		}
		buf := make([]byte, r.Header().RecordSize()+5)
		for i := 0; i < tc.n; i++ {
			if err := r.ReadRecord(i, buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf[:r.Header().RecordSize()], recs[i]) {
				t.Fatalf("record %d differs", i)
			}
		}
		if tc.n >= 2 {
			two := make([]byte, 2*r.Header().RecordSize())
			if err := r.ReadRecords(tc.n-2, 2, two); err != nil || !bytes.Equal(two, append(append([]byte{}, recs[tc.n-2]...), recs[tc.n-1]...)) {
				t.Errorf("ReadRecords: %v", err)
			}
		}
		for _, i := range []int{-1, tc.n} {
			if err := r.ReadRecord(i, buf); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("ReadRecord(%d): %v, want an out-of-range error naming the file", i, err)
			}
		}
		if err := r.ReadRecord(0, buf[:1]); err == nil && tc.n > 0 && r.Header().RecordSize() > 1 {
			t.Errorf("short buffer accepted")
		}
		h, body, err := Decode(data)
		if err != nil || h != want || len(body) != tc.n*h.RecordSize() {
			t.Errorf("Decode: %+v %d %v", h, len(body), err)
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	good := build(t, filepath.Join(dir, "good.shard"), 3, 4, 4, 3)
	patch := func(off int, b ...byte) []byte {
		d := append([]byte(nil), good...)
		copy(d[off:], b)
		return d
	}
	// rehead recomputes the header checksum so deeper checks are reached.
	rehead := func(d []byte) []byte {
		binary.LittleEndian.PutUint32(d[28:], crc32.Checksum(d[:28], castagnoli))
		return d
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"short header", good[:20], "truncated header"},
		{"wrong magic", patch(0, 'P', 'K'), "wrong magic"},
		{"version 2", rehead(patch(8, 2)), "unknown format version 2"},
		{"header bit flip", patch(13, 0xff), "bad header checksum"},
		{"dtype", rehead(patch(10, 9)), "unknown dtype"},
		{"layout", rehead(patch(11, 2)), "unknown layout"},
		{"zero width", rehead(patch(20, 0, 0, 0, 0)), "absurd dimensions"},
		{"huge height", rehead(patch(16, 0xff, 0xff, 0xff, 0x7f)), "absurd dimensions"},
		{"channels 9", rehead(patch(24, 9)), "absurd"},
		{"channels 2", rehead(patch(24, 2)), "absurd channel count"},
		{"truncated", good[:len(good)-10], "truncated file"},
		{"no trailer", good[:len(good)-4], "truncated file"},
		{"trailing garbage", append(append([]byte(nil), good...), 1, 2, 3), "trailing garbage"},
		{"bad checksum", patch(40, good[40]^1), "bad checksum"},
		{"count too big", rehead(patch(12, 0xff, 0xff, 0xff, 0xff)), "absurd record count"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".shard")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: Open error %v, want %q naming the file", tc.name, err, tc.want)
		} else if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error does not wrap ErrFormat", tc.name)
		}
		if _, _, err := Decode(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Decode error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.shard")); err == nil || !strings.Contains(err.Error(), "missing.shard") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Errorf("folder opened as a shard")
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(filepath.Join(dir, "x.shard"), 0, 4, 3); err == nil {
		t.Error("zero height accepted")
	}
	if _, err := Create(filepath.Join(dir, "nodir", "x.shard"), 4, 4, 3); err == nil {
		t.Error("missing folder accepted")
	}
	w, err := Create(filepath.Join(dir, "x.shard"), 2, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(make([]byte, 5)); err == nil {
		t.Error("wrong record size accepted")
	}
	w.Abort()
	if _, err := os.Stat(filepath.Join(dir, "x.shard")); !os.IsNotExist(err) {
		t.Error("Abort left the file")
	}
}

func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	f.Add(build(f, filepath.Join(dir, "a"), 2, 3, 3, 3))
	f.Add(build(f, filepath.Join(dir, "b"), 0, 1, 1, 1))
	f.Add([]byte("TGSHARD\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, recs, err := Decode(data)
		if err != nil {
			return
		}
		if len(recs) != h.Count*h.RecordSize() || int64(len(data)) != h.FileSize() {
			t.Fatalf("accepted inconsistent shard: %+v with %d record bytes", h, len(recs))
		}
	})
}

func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	f.Add(build(f, filepath.Join(dir, "a"), 3, 2, 5, 3))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.shard")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer r.Close()
		buf := make([]byte, r.Header().RecordSize())
		for i := 0; i < r.Len(); i++ {
			if err := r.ReadRecord(i, buf); err != nil {
				t.Fatal(err)
			}
		}
	})
}
