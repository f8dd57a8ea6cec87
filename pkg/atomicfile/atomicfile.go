package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/toongan/toongan/pkg/safeio"
)

// ErrNotRegular marks a path that holds something other than a regular file
// (a directory, device, FIFO or socket) or lies in /dev or /proc: the rename
// rule refuses to replace it.
var ErrNotRegular = errors.New("not a regular file")

// maxLinks bounds the symbolic links followed by Resolve (as the kernel does).
const maxLinks = 40

// Resolve returns the path a write to path replaces: path itself when it is
// missing or a regular file, the final target when path is a symbolic link
// (followed through chains; a dangling link resolves to the missing target),
// and an error wrapping ErrNotRegular when that target is a directory,
// device, FIFO or socket, or lies inside /dev or /proc.
func Resolve(path string) (string, error) {
	return follow(path, fs.FileMode.IsRegular, func(m fs.FileMode) error {
		return fmt.Errorf("%q is %s, %w: refusing to replace it (write to a regular file)", path, safeio.Kind(m), ErrNotRegular)
	})
}

// ResolveDir returns the folder that replacing the directory path (see
// ReplaceDir) should replace: path when it is missing or a directory, the
// final target when it is a symbolic link (so the link stays a link and its
// target is renewed), and an error when the target is a file or special.
func ResolveDir(path string) (string, error) {
	return follow(path, fs.FileMode.IsDir, func(fs.FileMode) error {
		return fmt.Errorf("%q exists and is not a folder", path)
	})
}

// follow follows path through symbolic links to what it names: that path
// when it is missing or its mode is ok, else wrong's error (also for paths
// inside /dev and /proc).
func follow(path string, ok func(fs.FileMode) bool, wrong func(fs.FileMode) error) (string, error) {
	p := path
	for range maxLinks {
		if err := special(p); err != nil {
			return "", err
		}
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("%q: %w", path, err)
		}
		switch m := st.Mode(); {
		case ok(m):
			return p, nil
		case m&fs.ModeSymlink != 0:
			to, err := os.Readlink(p)
			if err != nil {
				return "", fmt.Errorf("%q: %w", path, err)
			}
			if !filepath.IsAbs(to) {
				to = filepath.Join(filepath.Dir(p), to)
			}
			p = to
		default:
			return "", wrong(m)
		}
	}
	return "", fmt.Errorf("%q: too many levels of symbolic links", path)
}

// special refuses paths inside /dev and /proc (devices, and /proc/self/fd
// links to pipes and terminals).
func special(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	for _, root := range []string{"/dev", "/proc"} {
		if abs == root || strings.HasPrefix(abs, root+"/") {
			return fmt.Errorf("%q lies in %s, %w: refusing to replace it (write to a regular file)", p, root, ErrNotRegular)
		}
	}
	return nil
}

// WriteFile creates path atomically with the bytes that write produces. The
// writer handed to write is buffered; WriteFile flushes, fsyncs and renames it.
// On any error the temporary file is removed and the old path is untouched.
// path follows the rename rule (see the package comment and Resolve).
func WriteFile(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	shown := path
	if path, err = Resolve(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %q: %w", shown, err)
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
		return fmt.Errorf("write %q: %w", shown, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %q: %w", shown, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %q: %w", shown, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("fsync %q: %w", shown, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %q: %w", shown, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("rename into %q: %w", shown, err)
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
