package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/safeio"
)

// MaxHeader is the largest header length accepted (100 MB).
const MaxHeader = 100 << 20

// MaxFile is the largest checkpoint Load reads (16 GiB: a DCGAN-128 with the
// widest generator and discriminator toongan builds stays far below it).
const MaxFile = 16 << 30

// Tensor is one named float32 array (dtype F32): the unit of a checkpoint,
// and what gan.Model's State and SetState exchange.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Raw is a tensor of any other dtype, kept as little-endian bytes. toongan
// writes only F32 tensors; Raw keeps what other writers (e.g. PyTorch's
// int64 num_batches_tracked) put in a file readable.
type Raw struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// dtypeSize maps the safetensors dtype names this package knows to their
// element size in bytes.
var dtypeSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Info describes one stored tensor without its data.
type Info struct {
	Name   string
	DType  string
	Shape  []int
	Offset [2]int // byte range in the data buffer
}

// Header is the parsed JSON header of a checkpoint.
type Header struct {
	Meta    map[string]string
	Tensors []Info // in data-buffer order
}

// File is a decoded checkpoint. F32 tensors are in Tensors, every other dtype
// in Raws; both in file order (sorted by name for files this package writes).
type File struct {
	Meta    map[string]string
	Tensors []Tensor
	Raws    []Raw
	byName  map[string]int
}

// Get returns the F32 tensor called name.
func (f *File) Get(name string) (Tensor, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Tensor{}, false
	}
	return f.Tensors[i], true
}

// Names lists all tensor names (F32 and raw), sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors)+len(f.Raws))
	for _, t := range f.Tensors {
		names = append(names, t.Name)
	}
	for _, r := range f.Raws {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return names
}

// entry is what Save lays out: an F32 tensor or a raw one.
type entry struct {
	name  string
	dtype string
	shape []int
	f32   []float32
	raw   []byte
	size  int // bytes
}

// Save writes tensors and metadata to path atomically (temporary file, fsync,
// rename, directory fsync).
func Save(path string, tensors []Tensor, meta map[string]string) error {
	return save(path, tensors, nil, meta)
}

// save is Save with additional non-F32 tensors (tests write them).
func save(path string, tensors []Tensor, raws []Raw, meta map[string]string) error {
	hdr, entries, err := layout(tensors, raws, meta)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, 0o644, func(w io.Writer) error {
		return writeBody(w, hdr, entries)
	})
}

// encode returns the bytes save would write.
func encode(tensors []Tensor, raws []Raw, meta map[string]string) ([]byte, error) {
	hdr, entries, err := layout(tensors, raws, meta)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeBody(&buf, hdr, entries); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// layout checks the tensors and builds the header: entries sorted by name,
// their byte ranges in that order, the JSON padded with spaces to a
// multiple of 8 bytes.
func layout(tensors []Tensor, raws []Raw, meta map[string]string) ([]byte, []entry, error) {
	entries, err := entries(tensors, raws)
	if err != nil {
		return nil, nil, err
	}
	var h bytes.Buffer
	h.WriteByte('{')
	if len(meta) > 0 {
		if err := writeMeta(&h, meta); err != nil {
			return nil, nil, err
		}
		if len(entries) > 0 {
			h.WriteByte(',')
		}
	}
	off := 0
	for i, e := range entries {
		if i > 0 {
			h.WriteByte(',')
		}
		writeJSONString(&h, e.name)
		fmt.Fprintf(&h, `:{"dtype":"%s","shape":[`, e.dtype)
		for j, d := range e.shape {
			if j > 0 {
				h.WriteByte(',')
			}
			fmt.Fprintf(&h, "%d", d)
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, off, off+e.size)
		off += e.size
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > MaxHeader {
		return nil, nil, fmt.Errorf("header of %d bytes exceeds the %d byte limit", h.Len(), MaxHeader)
	}
	return h.Bytes(), entries, nil
}

// entries checks every tensor (names unique, valid and not reserved, shape
// matching the data) and returns them sorted by name.
func entries(tensors []Tensor, raws []Raw) ([]entry, error) {
	out := make([]entry, 0, len(tensors)+len(raws))
	seen := make(map[string]bool, cap(out))
	for _, t := range tensors {
		size, err := checkEntry(seen, t.Name, t.Shape, len(t.Data), 4)
		if err != nil {
			return nil, err
		}
		out = append(out, entry{name: t.Name, dtype: "F32", shape: t.Shape, f32: t.Data, size: size})
	}
	for _, r := range raws {
		es, ok := dtypeSize[r.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: unknown dtype %q", r.Name, r.DType)
		}
		if len(r.Data)%es != 0 {
			return nil, fmt.Errorf("tensor %q: %d bytes is not a whole number of %s elements", r.Name, len(r.Data), r.DType)
		}
		size, err := checkEntry(seen, r.Name, r.Shape, len(r.Data)/es, es)
		if err != nil {
			return nil, err
		}
		out = append(out, entry{name: r.Name, dtype: r.DType, shape: r.Shape, raw: r.Data, size: size})
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// checkEntry checks one tensor of n elements of elem bytes and returns its
// byte size; seen collects the names so far.
func checkEntry(seen map[string]bool, name string, shape []int, n, elem int) (int, error) {
	if name == "" {
		return 0, errors.New("tensor with empty name")
	}
	if name == "__metadata__" {
		return 0, errors.New(`tensor name "__metadata__" is reserved`)
	}
	if !utf8.ValidString(name) {
		return 0, fmt.Errorf("tensor name %q is not valid UTF-8", name)
	}
	if seen[name] {
		return 0, fmt.Errorf("duplicate tensor name %q", name)
	}
	seen[name] = true
	p := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("tensor %q: negative dimension in shape %v", name, shape)
		}
		p *= d
	}
	if p != n {
		return 0, fmt.Errorf("tensor %q: shape %v holds %d elements, data has %d", name, shape, p, n)
	}
	return n * elem, nil
}

// writeMeta writes the "__metadata__" member, keys sorted.
func writeMeta(h *bytes.Buffer, meta map[string]string) error {
	keys := make([]string, 0, len(meta))
	for k, v := range meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("metadata %q: not valid UTF-8", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h.WriteString(`"__metadata__":{`)
	for i, k := range keys {
		if i > 0 {
			h.WriteByte(',')
		}
		writeJSONString(h, k)
		h.WriteByte(':')
		writeJSONString(h, meta[k])
	}
	h.WriteByte('}')
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // cannot fail for a string
	b.Truncate(b.Len() - 1) // drop Encode's newline
}

func writeBody(w io.Writer, hdr []byte, entries []entry) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, e := range entries {
		if e.dtype != "F32" {
			if _, err := w.Write(e.raw); err != nil {
				return err
			}
			continue
		}
		for i := 0; i < len(e.f32); {
			buf = buf[:0]
			for ; i < len(e.f32) && len(buf) < cap(buf); i++ {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(e.f32[i]))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// Load reads and validates the checkpoint at path.
// Only a regular file is read (a device or FIFO is refused, not streamed).
func Load(path string) (*File, error) {
	fh, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	if st.Size() > MaxFile {
		return nil, fmt.Errorf("load checkpoint %q: %d bytes, over the %d byte limit", path, st.Size(), int64(MaxFile))
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(fh, data); err != nil {
		return nil, fmt.Errorf("load checkpoint %q: %w", path, err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %q: %w", path, err)
	}
	return f, nil
}

// ReadHeader reads and validates only the header of the checkpoint at path
// (the tensor bytes are not read), checking the byte ranges against the
// file's size.
func ReadHeader(path string) (*Header, error) {
	fh, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint header: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("read checkpoint header: %w", err)
	}
	fail := func(err error) (*Header, error) {
		return nil, fmt.Errorf("read checkpoint header %q: %w", path, err)
	}
	size := st.Size()
	var nb [8]byte
	if size < 8 {
		return fail(fmt.Errorf("file is %d bytes, too short for the 8-byte header length", size))
	}
	if _, err := io.ReadFull(fh, nb[:]); err != nil {
		return fail(err)
	}
	n, err := headerLen(binary.LittleEndian.Uint64(nb[:]), size)
	if err != nil {
		return fail(err)
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(fh, hb); err != nil {
		return fail(err)
	}
	h, err := parseHeader(hb, size-8-int64(n))
	if err != nil {
		return fail(err)
	}
	return h, nil
}

// ReadMeta returns the metadata of the checkpoint at path, reading only its header.
func ReadMeta(path string) (map[string]string, error) {
	h, err := ReadHeader(path)
	if err != nil {
		return nil, err
	}
	return h.Meta, nil
}

func headerLen(n uint64, fileSize int64) (int, error) {
	if n > MaxHeader {
		return 0, fmt.Errorf("header length %d exceeds the %d byte limit (not a safetensors file?)", n, MaxHeader)
	}
	if n > uint64(fileSize-8) {
		return 0, fmt.Errorf("header length %d exceeds the %d bytes after the length prefix (truncated file?)", n, fileSize-8)
	}
	if n < 2 {
		return 0, fmt.Errorf("header length %d is too short for a JSON object", n)
	}
	return int(n), nil
}

// Decode parses and validates a whole checkpoint held in memory.
func Decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n, err := headerLen(binary.LittleEndian.Uint64(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	buf := data[8+n:]
	h, err := parseHeader(data[8:8+n], int64(len(buf)))
	if err != nil {
		return nil, err
	}
	f := &File{Meta: h.Meta, byName: map[string]int{}}
	for _, in := range h.Tensors {
		b := buf[in.Offset[0]:in.Offset[1]]
		if in.DType != "F32" {
			f.Raws = append(f.Raws, Raw{Name: in.Name, DType: in.DType, Shape: in.Shape, Data: slices.Clone(b)})
			continue
		}
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		f.byName[in.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, Tensor{Name: in.Name, Shape: in.Shape, Data: v})
	}
	return f, nil
}

type jsonEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// parseHeader validates the JSON header against a data buffer of bufLen bytes.
func parseHeader(hb []byte, bufLen int64) (*Header, error) {
	if !utf8.Valid(hb) {
		return nil, errors.New("header is not valid UTF-8")
	}
	if hb[0] != '{' {
		return nil, errors.New("header does not start with '{' (not a safetensors file?)")
	}
	dec := json.NewDecoder(bytes.NewReader(hb))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON header: %w", err)
	}
	h := &Header{Meta: map[string]string{}}
	seen := map[string]bool{}
	sawMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON header: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("invalid JSON header: key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("invalid JSON header at %q: %w", name, err)
		}
		if name == "__metadata__" {
			if sawMeta {
				return nil, errors.New("duplicate __metadata__ in header")
			}
			sawMeta = true
			if err := json.Unmarshal(raw, &h.Meta); err != nil {
				return nil, fmt.Errorf("__metadata__ must map strings to strings: %w", err)
			}
			if h.Meta == nil { // "null"
				h.Meta = map[string]string{}
			}
			continue
		}
		if name == "" {
			return nil, errors.New("tensor with empty name")
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate tensor name %q", name)
		}
		seen[name] = true
		in, err := parseEntry(name, raw)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, in)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON header: %w", err)
	}
	if rest := hb[dec.InputOffset():]; len(bytes.Trim(rest, " \t\r\n")) != 0 {
		return nil, fmt.Errorf("invalid JSON header: %d unexpected bytes after the object", len(rest))
	}
	if err := checkTiling(h.Tensors, bufLen); err != nil {
		return nil, err
	}
	return h, nil
}

// checkTiling sorts tensors by byte range and checks that the ranges tile
// the data buffer of bufLen bytes: no gaps, no overlaps, all of it.
func checkTiling(tensors []Info, bufLen int64) error {
	slices.SortStableFunc(tensors, func(a, b Info) int {
		if c := a.Offset[0] - b.Offset[0]; c != 0 {
			return c
		}
		return a.Offset[1] - b.Offset[1]
	})
	pos := 0
	for _, in := range tensors {
		if int64(in.Offset[1]) > bufLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] beyond the %d-byte data buffer (truncated file?)",
				in.Name, in.Offset[0], in.Offset[1], bufLen)
		}
		if in.Offset[0] < pos {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor ending at %d",
				in.Name, in.Offset[0], in.Offset[1], pos)
		}
		if in.Offset[0] > pos {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after byte %d",
				in.Name, in.Offset[0], in.Offset[1], pos)
		}
		pos = in.Offset[1]
	}
	if int64(pos) != bufLen {
		return fmt.Errorf("tensors cover %d bytes but the data buffer has %d (truncated or padded file?)", pos, bufLen)
	}
	return nil
}

func parseEntry(name string, raw json.RawMessage) (Info, error) {
	var e jsonEntry
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		return Info{}, fmt.Errorf("tensor %q: invalid header entry: %w", name, err)
	}
	if e.DType == nil || e.Shape == nil || e.DataOffsets == nil {
		return Info{}, fmt.Errorf("tensor %q: header entry needs dtype, shape and data_offsets", name)
	}
	es, ok := dtypeSize[*e.DType]
	if !ok {
		return Info{}, fmt.Errorf("tensor %q: unknown dtype %q", name, *e.DType)
	}
	off := *e.DataOffsets
	if len(off) != 2 {
		return Info{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2", name, len(off))
	}
	if off[0] < 0 || off[1] < off[0] || off[1] > int64(math.MaxInt) {
		return Info{}, fmt.Errorf("tensor %q: invalid data_offsets [%d, %d]", name, off[0], off[1])
	}
	shape := make([]int, len(*e.Shape))
	limit := (off[1] - off[0]) / int64(es)
	elems, zero, tooBig := int64(1), false, false
	for i, d := range *e.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("tensor %q: negative dimension in shape %v", name, *e.Shape)
		}
		shape[i] = int(d)
		switch {
		case d == 0:
			zero = true
		case elems > limit/d:
			tooBig = true
		default:
			elems *= d
		}
	}
	if zero {
		elems, tooBig = 0, false
	}
	if tooBig || elems*int64(es) != off[1]-off[0] {
		return Info{}, fmt.Errorf("tensor %q: shape %v of %s needs a different byte count than data_offsets [%d, %d]",
			name, *e.Shape, *e.DType, off[0], off[1])
	}
	return Info{Name: name, DType: *e.DType, Shape: shape, Offset: [2]int{int(off[0]), int(off[1])}}, nil
}
