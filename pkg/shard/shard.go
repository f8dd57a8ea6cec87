package shard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Magic starts every shard file.
const Magic = "TGSHARD\x00"

// Version is the shard format version this package writes and reads.
const Version = 1

// Format constants stored in the header.
const (
	DTypeUint8 = 1 // samples are uint8
	LayoutHWC  = 1 // height, width, channels; channels fastest
)

// HeaderSize and TrailerSize are the fixed byte sizes around the records.
const (
	HeaderSize  = 32
	TrailerSize = 4
)

// Limits on header fields; anything outside is refused as absurd.
const (
	MaxSide     = 16384
	MaxChannels = 4
	MaxCount    = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrFormat is wrapped by every error about a malformed shard.
var ErrFormat = errors.New("invalid shard")

// Header describes the records of a shard.
type Header struct {
	Version  int // format version (1)
	Count    int // number of records
	Height   int // pixels
	Width    int // pixels
	Channels int // samples per pixel (3 = RGB)
}

// RecordSize is the byte size of one record: Height*Width*Channels.
func (h Header) RecordSize() int { return h.Height * h.Width * h.Channels }

// FileSize is the exact byte size of a shard with this header.
func (h Header) FileSize() int64 {
	return HeaderSize + int64(h.Count)*int64(h.RecordSize()) + TrailerSize
}

// encode lays out the 32 header bytes.
func (h Header) encode() [HeaderSize]byte {
	var b [HeaderSize]byte
	copy(b[:8], Magic)
	binary.LittleEndian.PutUint16(b[8:], Version)
	b[10] = DTypeUint8
	b[11] = LayoutHWC
	binary.LittleEndian.PutUint32(b[12:], uint32(h.Count))
	binary.LittleEndian.PutUint32(b[16:], uint32(h.Height))
	binary.LittleEndian.PutUint32(b[20:], uint32(h.Width))
	binary.LittleEndian.PutUint32(b[24:], uint32(h.Channels))
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

// checkGeometry validates dimensions shared by the writer and the reader.
func checkGeometry(height, width, channels int) error {
	if height < 1 || height > MaxSide || width < 1 || width > MaxSide {
		return fmt.Errorf("%w: absurd dimensions %dx%d (want 1..%d)", ErrFormat, width, height, MaxSide)
	}
	if channels < 1 || channels > MaxChannels || channels == 2 {
		return fmt.Errorf("%w: absurd channel count %d (want 1, 3 or 4)", ErrFormat, channels)
	}
	return nil
}

// parseHeader validates the 32 header bytes (not the file size).
func parseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: truncated header (%d of %d bytes)", ErrFormat, len(b), HeaderSize)
	}
	if string(b[:8]) != Magic {
		return Header{}, fmt.Errorf("%w: wrong magic %q, not a toongan shard", ErrFormat, b[:8])
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != Version {
		return Header{}, fmt.Errorf("%w: unknown format version %d (this build reads %d)", ErrFormat, v, Version)
	}
	if got, want := binary.LittleEndian.Uint32(b[28:]), crc32.Checksum(b[:28], castagnoli); got != want {
		return Header{}, fmt.Errorf("%w: bad header checksum %08x, computed %08x", ErrFormat, got, want)
	}
	if b[10] != DTypeUint8 {
		return Header{}, fmt.Errorf("%w: unknown dtype %d (want 1 = uint8)", ErrFormat, b[10])
	}
	if b[11] != LayoutHWC {
		return Header{}, fmt.Errorf("%w: unknown layout %d (want 1 = HWC)", ErrFormat, b[11])
	}
	count := binary.LittleEndian.Uint32(b[12:])
	hgt := binary.LittleEndian.Uint32(b[16:])
	wid := binary.LittleEndian.Uint32(b[20:])
	ch := binary.LittleEndian.Uint32(b[24:])
	if hgt > MaxSide || wid > MaxSide || ch > MaxChannels {
		return Header{}, fmt.Errorf("%w: absurd dimensions %dx%dx%d", ErrFormat, wid, hgt, ch)
	}
	h := Header{Version: Version, Count: int(count), Height: int(hgt), Width: int(wid), Channels: int(ch)}
	if err := checkGeometry(h.Height, h.Width, h.Channels); err != nil {
		return Header{}, err
	}
	if h.Count > MaxCount {
		return Header{}, fmt.Errorf("%w: absurd record count %d (max %d)", ErrFormat, h.Count, MaxCount)
	}
	return h, nil
}

// Decode validates a whole shard held in memory and returns its header and
// the record bytes (a sub-slice of data).
func Decode(data []byte) (Header, []byte, error) {
	h, err := parseHeader(data)
	if err != nil {
		return Header{}, nil, err
	}
	if int64(len(data)) != h.FileSize() {
		return Header{}, nil, sizeError(int64(len(data)), h)
	}
	recs := data[HeaderSize : len(data)-TrailerSize]
	if got, want := binary.LittleEndian.Uint32(data[len(data)-TrailerSize:]), crc32.Checksum(recs, castagnoli); got != want {
		return Header{}, nil, fmt.Errorf("%w: bad checksum %08x, records hash to %08x (corrupt file)", ErrFormat, got, want)
	}
	return h, recs, nil
}

func sizeError(size int64, h Header) error {
	if size < h.FileSize() {
		return fmt.Errorf("%w: truncated file: %d bytes, header promises %d records of %dx%dx%d = %d bytes",
			ErrFormat, size, h.Count, h.Width, h.Height, h.Channels, h.FileSize())
	}
	return fmt.Errorf("%w: %d bytes, %d more than %d records of %dx%dx%d need (trailing garbage)",
		ErrFormat, size, size-h.FileSize(), h.Count, h.Width, h.Height, h.Channels)
}

// Reader gives random access to the records of one shard file.
type Reader struct {
	path string
	f    *os.File
	h    Header
}

// Open opens the shard at path and validates it completely: magic, version,
// header checksum, dimensions, exact file size and the record checksum (one
// streaming pass over the file). Errors name the file.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open shard: %w", err)
	}
	r, err := openFile(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	return r, nil
}

func openFile(path string, f *os.File) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrFormat)
	}
	var hb [HeaderSize]byte
	n, err := io.ReadFull(f, hb[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read header: %w", err)
	}
	h, err := parseHeader(hb[:n])
	if err != nil {
		return nil, err
	}
	if st.Size() != h.FileSize() {
		return nil, sizeError(st.Size(), h)
	}
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(f, HeaderSize, st.Size()-HeaderSize-TrailerSize)); err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	var tb [TrailerSize]byte
	if _, err := f.ReadAt(tb[:], st.Size()-TrailerSize); err != nil {
		return nil, fmt.Errorf("read checksum: %w", err)
	}
	if got, want := binary.LittleEndian.Uint32(tb[:]), crc.Sum32(); got != want {
		return nil, fmt.Errorf("%w: bad checksum %08x, records hash to %08x (corrupt file)", ErrFormat, got, want)
	}
	return &Reader{path: path, f: f, h: h}, nil
}

// Header returns the shard's header.
func (r *Reader) Header() Header { return r.h }

// Len is the number of records.
func (r *Reader) Len() int { return r.h.Count }

// Path is the file the reader was opened from.
func (r *Reader) Path() string { return r.path }

// ReadRecord reads record i into buf, which must hold at least
// Header().RecordSize() bytes; only that prefix is written. It reads the file
// with ReadAt, so it is safe for concurrent use.
func (r *Reader) ReadRecord(i int, buf []byte) error {
	if i < 0 || i >= r.h.Count {
		return fmt.Errorf("shard %s: record %d out of range [0, %d)", r.path, i, r.h.Count)
	}
	rs := r.h.RecordSize()
	if len(buf) < rs {
		return fmt.Errorf("shard %s: buffer of %d bytes for a record of %d", r.path, len(buf), rs)
	}
	if _, err := r.f.ReadAt(buf[:rs], HeaderSize+int64(i)*int64(rs)); err != nil {
		return fmt.Errorf("shard %s: read record %d: %w", r.path, i, err)
	}
	return nil
}

// ReadRecords reads n consecutive records starting at i into buf (n*RecordSize
// bytes) with one ReadAt.
func (r *Reader) ReadRecords(i, n int, buf []byte) error {
	if i < 0 || n < 0 || i+n > r.h.Count {
		return fmt.Errorf("shard %s: records [%d, %d) out of range [0, %d)", r.path, i, i+n, r.h.Count)
	}
	rs := r.h.RecordSize()
	if len(buf) < n*rs {
		return fmt.Errorf("shard %s: buffer of %d bytes for %d records of %d", r.path, len(buf), n, rs)
	}
	if _, err := r.f.ReadAt(buf[:n*rs], HeaderSize+int64(i)*int64(rs)); err != nil {
		return fmt.Errorf("shard %s: read records %d..%d: %w", r.path, i, i+n-1, err)
	}
	return nil
}

// Close closes the file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// Writer streams records into a new shard file. The header's count is
// patched and the checksum appended by Close.
type Writer struct {
	path string
	f    *os.File
	h    Header
	crc  uint32
	buf  []byte
	err  error
}

// Create starts a shard at path (truncating any file there) for records of
// height x width x channels bytes. Prep writes shards into a staging folder
// that is swapped into place whole, so Create writes the file directly.
func Create(path string, height, width, channels int) (*Writer, error) {
	if err := checkGeometry(height, width, channels); err != nil {
		return nil, fmt.Errorf("create shard %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create shard: %w", err)
	}
	w := &Writer{path: path, f: f, h: Header{Version: Version, Height: height, Width: width, Channels: channels},
		buf: make([]byte, 0, 1<<20)}
	hb := w.h.encode()
	w.buf = append(w.buf, hb[:]...)
	return w, nil
}

// Append adds one record of exactly Header.RecordSize() bytes.
func (w *Writer) Append(rec []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(rec) != w.h.RecordSize() {
		return fmt.Errorf("shard %s: record of %d bytes, want %d", w.path, len(rec), w.h.RecordSize())
	}
	if w.h.Count >= MaxCount {
		return fmt.Errorf("shard %s: more than %d records", w.path, MaxCount)
	}
	w.crc = crc32.Update(w.crc, castagnoli, rec)
	w.h.Count++
	if len(w.buf)+len(rec) > cap(w.buf) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if len(rec) > cap(w.buf) {
		if _, err := w.f.Write(rec); err != nil {
			w.err = fmt.Errorf("write shard %s: %w", w.path, err)
			return w.err
		}
		return nil
	}
	w.buf = append(w.buf, rec...)
	return nil
}

func (w *Writer) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.f.Write(w.buf); err != nil {
		w.err = fmt.Errorf("write shard %s: %w", w.path, err)
		return w.err
	}
	w.buf = w.buf[:0]
	return nil
}

// Count is the number of records appended so far.
func (w *Writer) Count() int { return w.h.Count }

// Close writes the checksum and the final header, fsyncs and closes the file.
// On error the partial file is removed.
func (w *Writer) Close() (err error) {
	if w.f == nil {
		return w.err
	}
	defer func() {
		if err != nil {
			os.Remove(w.path)
		}
	}()
	f := w.f
	if w.err == nil {
		var tb [TrailerSize]byte
		binary.LittleEndian.PutUint32(tb[:], w.crc)
		w.buf = append(w.buf, tb[:]...)
		w.flush()
	}
	w.f = nil
	if w.err == nil {
		hb := w.h.encode()
		if _, err := f.WriteAt(hb[:], 0); err != nil {
			w.err = fmt.Errorf("write shard header %s: %w", w.path, err)
		}
	}
	if w.err == nil {
		if err := f.Sync(); err != nil {
			w.err = fmt.Errorf("fsync shard %s: %w", w.path, err)
		}
	}
	if cerr := f.Close(); cerr != nil && w.err == nil {
		w.err = fmt.Errorf("close shard %s: %w", w.path, cerr)
	}
	return w.err
}

// Abort closes and removes an unfinished shard.
func (w *Writer) Abort() {
	if w.f != nil {
		w.f.Close()
		w.f = nil
		os.Remove(w.path)
	}
}
