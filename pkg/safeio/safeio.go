package safeio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ErrNotRegular marks a path that is not a regular file (after following
// symbolic links).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooBig marks a file over the size limit of ReadFile.
var ErrTooBig = errors.New("file too big")

// OpenRegular opens path for reading if it is a regular file (symbolic links
// are followed). Opening does not block on a FIFO: the open is non-blocking
// and the file's type is checked on the open descriptor.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%s, %w", Kind(st.Mode()), ErrNotRegular)}
	}
	// Regular files ignore O_NONBLOCK; clear it anyway so reads behave as usual.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Kind names what a file of mode m is, for messages: "a directory", "a
// FIFO", "a socket", "a device" or "a special file".
func Kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// ReadFile reads the regular file at path, refusing (with an error wrapping
// ErrTooBig) one of more than limit bytes. what names the kind of file in
// that message ("dataset manifest", "training log").
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%q: over the %d byte limit for a %s, %w", path, limit, what, ErrTooBig)
	}
	return b, nil
}
