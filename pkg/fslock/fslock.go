package fslock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is wrapped by the error of Acquire when another process (or
// another open of the same lock file) holds the lock.
var ErrLocked = errors.New("in use by another process")

// LockedError reports a lock held elsewhere.
type LockedError struct {
	What string // the folder the lock protects, for messages
	PID  int    // holder's process ID as written in the lock file (0: unknown)
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%q is in use by another toongan process (pid %d); wait for it to finish or stop it", e.What, e.PID)
	}
	return fmt.Sprintf("%q is in use by another toongan process; wait for it to finish or stop it", e.What)
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held lock; Release gives it back.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the exclusive lock file at path (created if missing),
// without waiting. what names the protected folder in the error. The lock
// file must be a regular file (symbolic links are not followed).
func Acquire(path, what string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", what, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock %q: %q is not a regular file", what, path)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{What: what, PID: readPID(f)}
		}
		return nil, fmt.Errorf("lock %q: %w", what, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f, path: path}, nil
}

func readPID(f *os.File) int {
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// Release unlocks and closes the lock file. The file itself stays (removing
// it would let a third process lock a fresh inode while a second one still
// waits on the old); it is tiny and hidden.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing drops the flock
	l.f = nil
	return err
}

// ReleaseAndRemove deletes the lock file, then releases the lock: for lock
// files beside a folder that should leave nothing behind. (A process that
// opened the file just before the removal may still take the lock on the
// removed file; with non-blocking Acquire that window is a few instructions.)
func (l *Lock) ReleaseAndRemove() error {
	if l == nil || l.f == nil {
		return nil
	}
	rerr := os.Remove(l.path)
	if err := l.Release(); err != nil {
		return err
	}
	return rerr
}
