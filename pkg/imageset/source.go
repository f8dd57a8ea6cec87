package imageset

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	gzip "github.com/klauspost/compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/toongan/toongan/pkg/safeio"
)

// MaxFileBytes is the largest input file read; bigger ones are skipped.
const MaxFileBytes = 256 << 20

// ReadFile decodes the image file at path into a record exactly as prep
// does with the images of its input (Decode with opt). Only a regular file
// of at most MaxFileBytes is read.
func ReadFile(path string, opt Options, dst []byte, s *Scratch) error {
	data, err := safeio.ReadFile(path, MaxFileBytes, "image")
	if err != nil {
		return err
	}
	if err := Decode(data, opt, dst, s); err != nil {
		return fmt.Errorf("%q: %w", path, err)
	}
	return nil
}

// Entry is one input file: its name (relative to the folder, or the path
// inside the archive) and its bytes, or a read problem.
type Entry struct {
	Name string
	Data []byte
	Skip *SkipError // set when the file could not be read
}

// Source yields the input files in a deterministic order.
type Source interface {
	// Next returns the next entry, or io.EOF at the end. Other errors are
	// fatal (the archive itself is unreadable).
	Next() (Entry, error)
	// Total is the number of entries, or -1 when unknown in advance (tar).
	Total() int
	Close() error
}

// OpenSource opens a folder (walked recursively, names sorted), a .zip
// (entries sorted by name) or a .tar / .tar.gz / .tgz (archive order) for
// reading. Hidden files and folders (names starting with ".") and macOS
// "__MACOSX" folders are ignored. buf supplies byte buffers for file
// contents (nil allocates).
func OpenSource(path string, buf func(n int) []byte) (Source, error) {
	if buf == nil {
		buf = func(n int) []byte { return make([]byte, n) }
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if st.IsDir() {
		return openDir(path, buf)
	}
	// Only a regular file is opened as an archive: a FIFO or device would
	// block or stream forever.
	f, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("input %q: %w: give a folder, a .zip, .tar or .tar.gz archive", path, err)
	}
	var magic [262]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("input %q: %w", path, err)
	}
	m := magic[:n]
	switch {
	case len(m) >= 4 && string(m[:4]) == "PK\x03\x04", len(m) >= 4 && string(m[:4]) == "PK\x05\x06":
		f.Close()
		return openZip(path, buf)
	case len(m) >= 2 && m[0] == 0x1f && m[1] == 0x8b:
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("input %q: %w", path, err)
		}
		return &tarSource{path: path, f: f, tr: tar.NewReader(zr), buf: buf}, nil
	case len(m) >= 262 && string(m[257:262]) == "ustar":
		return &tarSource{path: path, f: f, tr: tar.NewReader(bufio.NewReaderSize(f, 1<<20)), buf: buf}, nil
	}
	f.Close()
	return nil, fmt.Errorf("input %q: not a folder, .zip, .tar or .tar.gz archive", path)
}

func ignored(name string) bool {
	for _, part := range strings.Split(filepath.ToSlash(name), "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// readAll reads exactly size bytes (or up to MaxFileBytes+1 when size < 0).
func readAll(r io.Reader, size int64, buf func(int) []byte) ([]byte, *SkipError) {
	if size > MaxFileBytes {
		return nil, skipf(ReasonFileTooBig, "%d bytes, over the limit of %d", size, MaxFileBytes)
	}
	if size >= 0 {
		b := buf(int(size))
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, &SkipError{Reason: ReasonRead, Err: err}
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, &SkipError{Reason: ReasonRead, Err: err}
	}
	if len(b) > MaxFileBytes {
		return nil, skipf(ReasonFileTooBig, "over the limit of %d bytes", MaxFileBytes)
	}
	return b, nil
}

type dirSource struct {
	root  string
	names []string
	i     int
	buf   func(int) []byte
}

func openDir(root string, buf func(int) []byte) (Source, error) {
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil {
			return rerr
		}
		if rel != "." && ignored(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			names = append(names, filepath.ToSlash(rel))
		} else if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				names = append(names, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	sort.Strings(names)
	return &dirSource{root: root, names: names, buf: buf}, nil
}

func (d *dirSource) Total() int   { return len(d.names) }
func (d *dirSource) Close() error { return nil }

func (d *dirSource) Next() (Entry, error) {
	if d.i >= len(d.names) {
		return Entry{}, io.EOF
	}
	name := d.names[d.i]
	d.i++
	e := Entry{Name: name}
	f, err := safeio.OpenRegular(filepath.Join(d.root, filepath.FromSlash(name)))
	if errors.Is(err, safeio.ErrNotRegular) {
		e.Skip = &SkipError{Reason: ReasonSpecial, Err: err}
		return e, nil
	}
	if err != nil {
		e.Skip = &SkipError{Reason: ReasonRead, Err: err}
		return e, nil
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	e.Data, e.Skip = readAll(f, size, d.buf)
	return e, nil
}

type zipSource struct {
	path  string
	zr    *zip.ReadCloser
	files []*zip.File
	i     int
	buf   func(int) []byte
}

func openZip(path string, buf func(int) []byte) (Source, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("input %q: %w", path, err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || ignored(f.Name) || !f.Mode().IsRegular() {
			continue
		}
		files = append(files, f)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &zipSource{path: path, zr: zr, files: files, buf: buf}, nil
}

func (z *zipSource) Total() int   { return len(z.files) }
func (z *zipSource) Close() error { return z.zr.Close() }

func (z *zipSource) Next() (Entry, error) {
	if z.i >= len(z.files) {
		return Entry{}, io.EOF
	}
	f := z.files[z.i]
	z.i++
	e := Entry{Name: f.Name}
	if f.Flags&0x1 != 0 { // general purpose flag bit 0: encrypted entry
		e.Skip = skipf(ReasonEncrypted, "the zip entry is encrypted; toongan reads no encrypted archives")
		return e, nil
	}
	if f.UncompressedSize64 > MaxFileBytes {
		e.Skip = skipf(ReasonFileTooBig, "%d bytes, over the limit of %d", f.UncompressedSize64, MaxFileBytes)
		return e, nil
	}
	rc, err := f.Open()
	if err != nil {
		e.Skip = &SkipError{Reason: ReasonRead, Err: err}
		return e, nil
	}
	defer rc.Close()
	e.Data, e.Skip = readAll(rc, int64(f.UncompressedSize64), z.buf)
	if e.Skip == nil {
		// Let the zip reader check the CRC (it reports it at EOF).
		var one [1]byte
		if _, err := rc.Read(one[:]); err != nil && !errors.Is(err, io.EOF) {
			e.Data, e.Skip = nil, &SkipError{Reason: ReasonRead, Err: err}
		}
	}
	return e, nil
}

type tarSource struct {
	path string
	f    *os.File
	tr   *tar.Reader
	buf  func(int) []byte
}

func (t *tarSource) Total() int   { return -1 }
func (t *tarSource) Close() error { return t.f.Close() }

func (t *tarSource) Next() (Entry, error) {
	for {
		h, err := t.tr.Next()
		if errors.Is(err, io.EOF) {
			return Entry{}, io.EOF
		}
		if err != nil {
			return Entry{}, fmt.Errorf("read archive %q: %w", t.path, err)
		}
		if h.Typeflag != tar.TypeReg || ignored(h.Name) {
			continue
		}
		e := Entry{Name: h.Name}
		e.Data, e.Skip = readAll(t.tr, h.Size, t.buf)
		if e.Skip != nil && e.Skip.Reason == ReasonRead {
			return Entry{}, fmt.Errorf("read archive %q at %q: %w", t.path, h.Name, e.Skip.Err)
		}
		return e, nil
	}
}
