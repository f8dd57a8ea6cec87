package shard

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/safeio"
)

// LabelMagic starts every label shard file.
const LabelMagic = "TGLABEL\x00"

// LabelVersion is the label shard format version this package writes and
// reads.
const LabelVersion = 1

// Limits of a labelled dataset.
const (
	MaxAttributes = 64 // attributes per dataset
	MaxValues     = 64 // values per attribute (a label byte is 0..MaxValues)
	MaxNameBytes  = 64 // bytes in an attribute name or a value word
)

// LabelHeader describes a label shard.
type LabelHeader struct {
	Count int // records, the same as its image shard's
	Attrs int // label bytes per record
}

// FileSize is the exact byte size of a label shard with this header.
func (h LabelHeader) FileSize() int64 {
	return HeaderSize + int64(h.Count)*int64(h.Attrs) + TrailerSize
}

// EncodeLabels lays out a label shard of len(labels)/attrs records: the
// 32-byte header, the label bytes and their CRC-32C.
func EncodeLabels(labels []byte, attrs int) ([]byte, error) {
	if attrs < 1 || attrs > MaxAttributes || len(labels)%attrs != 0 || len(labels)/attrs > MaxCount {
		return nil, fmt.Errorf("%w: %d label bytes for %d attributes", ErrFormat, len(labels), attrs)
	}
	b := make([]byte, HeaderSize, HeaderSize+len(labels)+TrailerSize)
	copy(b[:8], LabelMagic)
	binary.LittleEndian.PutUint16(b[8:], LabelVersion)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(labels)/attrs))
	binary.LittleEndian.PutUint32(b[16:], uint32(attrs))
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	b = append(b, labels...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(labels, castagnoli)), nil
}

// DecodeLabels validates a whole label shard held in memory and returns its
// header and the label bytes (a sub-slice of data). Values are checked
// against the vocabulary by the manifest's reader (OpenSplit), not here.
func DecodeLabels(data []byte) (LabelHeader, []byte, error) {
	if len(data) < HeaderSize {
		return LabelHeader{}, nil, fmt.Errorf("%w: truncated label header (%d of %d bytes)", ErrFormat, len(data), HeaderSize)
	}
	if string(data[:8]) != LabelMagic {
		return LabelHeader{}, nil, fmt.Errorf("%w: wrong magic %q, not a toongan label shard", ErrFormat, data[:8])
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != LabelVersion {
		return LabelHeader{}, nil, fmt.Errorf("%w: unknown label format version %d (this build reads %d)", ErrFormat, v, LabelVersion)
	}
	if got, want := binary.LittleEndian.Uint32(data[28:]), crc32.Checksum(data[:28], castagnoli); got != want {
		return LabelHeader{}, nil, fmt.Errorf("%w: bad header checksum %08x, computed %08x", ErrFormat, got, want)
	}
	for _, b := range data[10:12] {
		if b != 0 {
			return LabelHeader{}, nil, fmt.Errorf("%w: reserved header bytes are not zero", ErrFormat)
		}
	}
	for _, b := range data[20:28] {
		if b != 0 {
			return LabelHeader{}, nil, fmt.Errorf("%w: reserved header bytes are not zero", ErrFormat)
		}
	}
	count, attrs := binary.LittleEndian.Uint32(data[12:]), binary.LittleEndian.Uint32(data[16:])
	if count > MaxCount || attrs < 1 || attrs > MaxAttributes {
		return LabelHeader{}, nil, fmt.Errorf("%w: absurd label shard of %d records of %d attributes", ErrFormat, count, attrs)
	}
	h := LabelHeader{Count: int(count), Attrs: int(attrs)}
	if size := int64(len(data)); size != h.FileSize() {
		return LabelHeader{}, nil, fmt.Errorf("%w: %d bytes, %d records of %d labels need %d", ErrFormat, size, h.Count, h.Attrs, h.FileSize())
	}
	labels := data[HeaderSize : len(data)-TrailerSize]
	if got, want := binary.LittleEndian.Uint32(data[len(data)-TrailerSize:]), crc32.Checksum(labels, castagnoli); got != want {
		return LabelHeader{}, nil, fmt.Errorf("%w: bad checksum %08x, labels hash to %08x (corrupt file)", ErrFormat, got, want)
	}
	return h, labels, nil
}

// WriteLabels writes a label shard at path (through a temporary file, fsync
// and rename).
func WriteLabels(path string, labels []byte, attrs int) error {
	data, err := EncodeLabels(labels, attrs)
	if err != nil {
		return fmt.Errorf("label shard %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, 0o644, data)
}

// ReadLabels reads and validates the label shard at path, which must hold
// count records of attrs labels each. Errors name the file.
func ReadLabels(path string, count, attrs int) ([]byte, error) {
	want := LabelHeader{Count: count, Attrs: attrs}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open label shard: %w", err)
	}
	if st.Size() != want.FileSize() {
		return nil, fmt.Errorf("label shard %s: %w: %d bytes, its manifest promises %d records of %d labels = %d bytes",
			path, ErrFormat, st.Size(), count, attrs, want.FileSize())
	}
	data, err := safeio.ReadFile(path, want.FileSize(), "label shard")
	if err != nil {
		return nil, fmt.Errorf("read label shard: %w", err)
	}
	h, labels, err := DecodeLabels(data)
	if err != nil {
		return nil, fmt.Errorf("label shard %s: %w", path, err)
	}
	if h != want {
		return nil, fmt.Errorf("label shard %s holds %d records of %d labels, its manifest says %d of %d", path, h.Count, h.Attrs, count, attrs)
	}
	return labels, nil
}
