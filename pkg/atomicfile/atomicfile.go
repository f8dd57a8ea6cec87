// Package atomicfile writes files and directories so that a crash, a kill -9 or
// Ctrl-C at any moment leaves either the old version or the new one, never a
// torn mix: data goes to a temporary sibling, is fsynced, then renamed over the
// target, and the parent directory is fsynced.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile creates path atomically with the bytes that write produces. The
// writer handed to write is buffered; WriteFile flushes, fsyncs and renames it.
// On any error the temporary file is removed and the old path is untouched.
func WriteFile(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return SyncDir(dir)
}

// WriteBytes is WriteFile for a byte slice already in memory.
func WriteBytes(path string, perm os.FileMode, data []byte) error {
	return WriteFile(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir fsyncs a directory so that renames and creations inside it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// TempDir makes a fresh staging directory beside target (same file system, so
// ReplaceDir can rename it into place).
func TempDir(target string) (string, error) {
	parent := filepath.Dir(filepath.Clean(target))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	d, err := os.MkdirTemp(parent, "."+filepath.Base(target)+".staging-*")
	if err != nil {
		return "", fmt.Errorf("create staging directory for %s: %w", target, err)
	}
	return d, nil
}

// ReplaceDir swaps the finished staging directory into target as a whole, so
// no file of an older target survives beside the new ones. The old target is
// first renamed aside and removed only after the new one is in place; a crash
// in between leaves the old directory under a ".old-" name and the target
// either old or new, never half-written.
func ReplaceDir(staging, target string) error {
	target = filepath.Clean(target)
	parent := filepath.Dir(target)
	var aside string
	if _, err := os.Lstat(target); err == nil {
		aside = filepath.Join(parent, "."+filepath.Base(target)+".old-"+filepath.Base(staging))
		if err := os.Rename(target, aside); err != nil {
			return fmt.Errorf("move old %s aside: %w", target, err)
		}
	}
	if err := os.Rename(staging, target); err != nil {
		if aside != "" {
			os.Rename(aside, target)
		}
		return fmt.Errorf("move new %s into place: %w", target, err)
	}
	if err := SyncDir(parent); err != nil {
		return err
	}
	if aside != "" {
		if err := os.RemoveAll(aside); err != nil {
			return fmt.Errorf("remove old %s: %w", aside, err)
		}
	}
	return nil
}
