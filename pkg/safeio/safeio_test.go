package safeio

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("12345"), 0o644)
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink(fifo, filepath.Join(dir, "link"))
	for _, tt := range []struct {
		path  string
		limit int64
		want  error
	}{
		{small, 5, nil},
		{small, 4, ErrTooBig},
		{fifo, 100, ErrNotRegular},
		{filepath.Join(dir, "link"), 100, ErrNotRegular},
		{dir, 100, ErrNotRegular},
		{"/dev/zero", 100, ErrNotRegular},
		{filepath.Join(dir, "missing"), 100, os.ErrNotExist},
	} {
		_, err := ReadFile(tt.path, tt.limit, "test file")
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("ReadFile(%s, %d) = %v, want %v", tt.path, tt.limit, err, tt.want)
		}
	}
}
