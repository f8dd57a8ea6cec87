package fslock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAcquireTwice(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".lock")
	a, err := Acquire(p, "data/x")
	if err != nil {
		t.Fatal(err)
	}
	// A second open of the same file is a second open file description:
	// flock conflicts with it as with another process.
	_, err = Acquire(p, "data/x")
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire = %v, want a *LockedError", err)
	}
	if le.PID != os.Getpid() {
		t.Errorf("LockedError.PID = %d, want %d", le.PID, os.Getpid())
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), `"data/x"`) {
		t.Errorf("message %q should name the folder and the pid", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(p, "data/x")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	b.Release()
}

func TestAcquireRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, ".lock")); err != nil {
		t.Fatal(err)
	}
	if l, err := Acquire(filepath.Join(dir, ".lock"), "x"); err == nil {
		l.Release()
		t.Fatal("Acquire through a symbolic link succeeded")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("victim changed: %q", b)
	}
}

// TestAcquireOtherProcess holds the lock in a child process (flock(1) from
// util-linux, when installed) and checks that Acquire fails while it lives.
func TestAcquireOtherProcess(t *testing.T) {
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("flock(1) not installed")
	}
	p := filepath.Join(t.TempDir(), ".lock")
	cmd := exec.Command(flock, "-x", p, "sh", "-c", "echo locked; read x")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(p, "x")
	if !errors.Is(err, ErrLocked) {
		t.Errorf("Acquire while another process holds the lock = %v, want ErrLocked", err)
	}
	in.Close()
	cmd.Wait()
	l, err := Acquire(p, "x")
	if err != nil {
		t.Fatalf("Acquire after the other process exited: %v", err)
	}
	l.Release()
}
