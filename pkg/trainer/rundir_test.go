package trainer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/fslock"
)

func TestRunFolderRules(t *testing.T) {
	data := dataset(t, 16, 5)
	write := func(t *testing.T, dir string, files map[string]string) {
		t.Helper()
		for name, content := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		files map[string]string // in the run folder before the run
		out   func(run string) string
		want  string // "" = success
	}{
		{"someone else's config", map[string]string{"config.json": `{"name":"app"}`, "log.jsonl": "keep\n"}, nil, "not a toongan run config"},
		{"foreign files", map[string]string{"notes.txt": "keep"}, nil, `not empty ("notes.txt")`},
		{"data folder", nil, func(string) string { return data }, "is the data folder"},
		{"inside the data folder", nil, func(string) string { return filepath.Join(data, "run") }, "inside the data folder"},
		{"make's stamp only", map[string]string{"train.opts": "bin/train ..."}, nil, ""},
		{"legacy config", map[string]string{"config.json": `{"toongan_version":"0.1","dataset_hash":"sha256:x","model":{}}`}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := filepath.Join(t.TempDir(), "run")
			write(t, run, tc.files)
			out := run
			if tc.out != nil {
				out = tc.out(run)
			}
			var f fakes
			o := f.opts(data, out)
			o.Steps = 1
			err := Run(context.Background(), o, &bytes.Buffer{})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			for name, content := range tc.files {
				if b, err := os.ReadFile(filepath.Join(run, name)); err != nil || string(b) != content {
					t.Errorf("%s changed: %q, %v", name, b, err)
				}
			}
			if _, err := os.Stat(filepath.Join(out, CkptDir)); err == nil {
				t.Errorf("refused run created %s", CkptDir)
			}
			if ents, _ := os.ReadDir(run); tc.out == nil && len(ents) != len(tc.files) {
				t.Errorf("refused run wrote into the folder: %v", ents)
			}
		})
	}
}

// TestRunFolderLocked: a folder whose lock another writer holds is refused
// with the lock error, also while that run has not yet written its
// config.json (only its first files are there); a stale lock file beside
// foreign files is refused as a foreign folder.
func TestRunFolderLocked(t *testing.T) {
	data := dataset(t, 16, 5)
	tests := []struct {
		name  string
		files []string
		held  bool
		want  error
	}{
		{"empty, held", nil, true, fslock.ErrLocked},
		{"a run starting, held", []string{"log.jsonl", "notes.txt"}, true, fslock.ErrLocked},
		{"foreign files, stale lock", []string{"notes.txt"}, false, ErrNotRunDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			os.MkdirAll(out, 0o755)
			for _, f := range tc.files {
				os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644)
			}
			l, err := fslock.Acquire(filepath.Join(out, LockFile), out)
			if err != nil {
				t.Fatal(err)
			}
			if tc.held {
				defer l.Release()
			} else {
				l.Release()
			}
			var f fakes
			o := f.opts(data, out)
			o.Steps = 1
			err = Run(context.Background(), o, &bytes.Buffer{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
			if ents, _ := os.ReadDir(out); len(ents) != len(tc.files)+1 {
				t.Errorf("refused run wrote into the folder: %v", ents)
			}
		})
	}
}

func TestRunFolderSymlink(t *testing.T) {
	data := dataset(t, 16, 5)
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "real"), 0o755)
	link := filepath.Join(root, "link")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	var f fakes
	o := f.opts(data, link)
	o.Steps = 1
	if err := Run(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the run folder link was replaced")
	}
	if _, err := os.Stat(filepath.Join(root, "real", ConfigFile)); err != nil {
		t.Fatalf("run not written into the link's target: %v", err)
	}
}

func TestIsRunDir(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		dirs  []string
		ok    bool
	}{
		{"empty", nil, nil, true},
		{"format field", map[string]string{"config.json": `{"format":"toongan-run"}`}, nil, true},
		{"before the format field", map[string]string{"config.json": `{"toongan_version":"0.3","dataset_hash":"sha256:ab","model":{"nz":100}}`}, nil, true},
		{"other format", map[string]string{"config.json": `{"format":"eslint"}`}, nil, false},
		{"someone's config", map[string]string{"config.json": `{"name":"app","version":"1"}`}, nil, false},
		{"not JSON", map[string]string{"config.json": `[section]`}, nil, false},
		{"make stamp and hidden files", map[string]string{"train.opts": "x", ".lock": "1"}, nil, true},
		{"checkpoints to resume", map[string]string{"ckpt/step-000005.safetensors": "x"}, []string{"ckpt"}, true},
		{"ckpt with other files", map[string]string{"ckpt/notes.txt": "x"}, []string{"ckpt"}, false},
		{"log without config", map[string]string{"log.jsonl": "{}\n"}, nil, false},
		{"manifest", map[string]string{"manifest.json": `{"format":"toongan-dataset"}`}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range tc.dirs {
				os.MkdirAll(filepath.Join(dir, d), 0o755)
			}
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := IsRunDir(dir)
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrNotRunDir) {
				t.Errorf("IsRunDir = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
