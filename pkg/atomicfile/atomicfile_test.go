package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteRenameRule(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path written to
		// check runs after a successful write
		wantErr bool
		check   func(t *testing.T, dir string)
	}{
		{"missing", func(t *testing.T, dir string) string { return filepath.Join(dir, "a") }, false,
			func(t *testing.T, dir string) { wantContent(t, filepath.Join(dir, "a"), "new") }},
		{"regular", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "a")
			must(t, os.WriteFile(p, []byte("old"), 0o644))
			return p
		}, false, func(t *testing.T, dir string) { wantContent(t, filepath.Join(dir, "a"), "new") }},
		{"symlink to file", func(t *testing.T, dir string) string {
			must(t, os.WriteFile(filepath.Join(dir, "target"), []byte("old"), 0o644))
			must(t, os.Symlink("target", filepath.Join(dir, "link")))
			return filepath.Join(dir, "link")
		}, false, func(t *testing.T, dir string) {
			wantContent(t, filepath.Join(dir, "target"), "new")
			wantLink(t, filepath.Join(dir, "link"))
		}},
		{"symlink chain", func(t *testing.T, dir string) string {
			must(t, os.WriteFile(filepath.Join(dir, "target"), []byte("old"), 0o644))
			must(t, os.Symlink("target", filepath.Join(dir, "l1")))
			must(t, os.Symlink(filepath.Join(dir, "l1"), filepath.Join(dir, "l2")))
			return filepath.Join(dir, "l2")
		}, false, func(t *testing.T, dir string) {
			wantContent(t, filepath.Join(dir, "target"), "new")
			wantLink(t, filepath.Join(dir, "l1"))
			wantLink(t, filepath.Join(dir, "l2"))
		}},
		{"dangling symlink", func(t *testing.T, dir string) string {
			must(t, os.Symlink("target", filepath.Join(dir, "link")))
			return filepath.Join(dir, "link")
		}, false, func(t *testing.T, dir string) {
			wantContent(t, filepath.Join(dir, "target"), "new")
			wantLink(t, filepath.Join(dir, "link"))
		}},
		{"directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "d")
			must(t, os.Mkdir(p, 0o755))
			return p
		}, true, nil},
		{"symlink to directory", func(t *testing.T, dir string) string {
			must(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
			must(t, os.Symlink("d", filepath.Join(dir, "link")))
			return filepath.Join(dir, "link")
		}, true, nil},
		{"fifo", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "fifo")
			must(t, syscall.Mkfifo(p, 0o644))
			return p
		}, true, nil},
		{"symlink to fifo", func(t *testing.T, dir string) string {
			must(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
			must(t, os.Symlink("fifo", filepath.Join(dir, "link")))
			return filepath.Join(dir, "link")
		}, true, nil},
		{"dev null", func(t *testing.T, dir string) string { return "/dev/null" }, true, nil},
		{"link to dev null", func(t *testing.T, dir string) string {
			must(t, os.Symlink("/dev/null", filepath.Join(dir, "link")))
			return filepath.Join(dir, "link")
		}, true, nil},
		{"proc fd", func(t *testing.T, dir string) string { return "/proc/self/fd/1" }, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := tt.setup(t, dir)
			before, _ := os.Lstat(p)
			err := WriteBytes(p, 0o644, []byte("new"))
			if tt.wantErr {
				if !errors.Is(err, ErrNotRegular) {
					t.Fatalf("WriteBytes(%s) = %v, want an ErrNotRegular error", p, err)
				}
				after, lerr := os.Lstat(p)
				if lerr != nil || before == nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
					t.Fatalf("%s changed: %v -> %v (%v)", p, before, after, lerr)
				}
				leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
				if len(leftovers) > 0 {
					t.Fatalf("temporary files left: %v", leftovers)
				}
				return
			}
			if err != nil {
				t.Fatalf("WriteBytes(%s): %v", p, err)
			}
			tt.check(t, dir)
		})
	}
}

func TestResolveDir(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	must(t, os.Mkdir(real, 0o755))
	must(t, os.Symlink("real", filepath.Join(dir, "link")))
	must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	for _, tt := range []struct {
		in, want string
		err      bool
	}{
		{filepath.Join(dir, "real"), real, false},
		{filepath.Join(dir, "link"), real, false},
		{filepath.Join(dir, "missing"), filepath.Join(dir, "missing"), false},
		{filepath.Join(dir, "file"), "", true},
		{"/dev/shm", "", true},
	} {
		got, err := ResolveDir(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ResolveDir(%s) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantContent(t *testing.T, p, want string) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() {
		t.Fatalf("%s: %v, mode %v; want a regular file", p, err, st)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != want {
		t.Fatalf("%s holds %q (%v), want %q", p, b, err, want)
	}
}

func wantLink(t *testing.T, p string) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link (%v, %v)", p, st, err)
	}
}
