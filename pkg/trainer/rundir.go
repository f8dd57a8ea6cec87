package trainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/fslock"
	"github.com/toongan/toongan/pkg/safeio"
	"github.com/toongan/toongan/pkg/shard"
)

// RunFormat is config.json's "format" field: it marks a toongan run folder.
const RunFormat = "toongan-run"

// LockFile is the hidden lock file inside a run folder.
const LockFile = ".lock"

// maxConfigBytes bounds the read of a run folder's config.json.
const maxConfigBytes = 1 << 20

// ErrNotRunDir marks an output folder that holds something other than a
// toongan run.
var ErrNotRunDir = errors.New("not a toongan run folder")

// claimRunDir makes out the run folder of this process: a symbolic link is
// followed to its target, the folder must not overlap the data folder, must
// be missing, empty or a toongan run folder (IsRunDir), and is locked against
// a second writer. It returns the resolved folder and the release function.
// A process that does not write the folder (a data-parallel job's ranks
// but rank 0) only resolves it.
func claimRunDir(out, data string, writer bool) (string, func(), error) {
	dir, err := atomicfile.ResolveDir(out)
	if err != nil {
		return "", nil, fmt.Errorf("run folder: %w", err)
	}
	if !writer {
		return dir, func() {}, nil
	}
	if err := checkRunOverlap(dir, data); err != nil {
		return "", nil, err
	}
	if _, err := shard.Recognise(dir); err == nil {
		return "", nil, fmt.Errorf("run folder %q is a dataset folder: %w; choose another output folder", out, ErrNotRunDir)
	}
	// Checked before the lock file is created (nothing is written into a
	// folder that is not ours) and again once the lock is held.
	if _, err := os.Stat(dir); err == nil {
		if err := IsRunDir(dir); err != nil {
			if lerr := heldByOther(dir, out); lerr != nil {
				return "", nil, lerr
			}
			return "", nil, fmt.Errorf("refusing to write into %q: %w", out, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create run folder: %w", err)
	}
	lock, err := fslock.Acquire(filepath.Join(dir, LockFile), out)
	if err != nil {
		return "", nil, err
	}
	if err := IsRunDir(dir); err != nil {
		lock.ReleaseAndRemove()
		return "", nil, fmt.Errorf("refusing to write into %q: %w", out, err)
	}
	return dir, func() { lock.Release() }, nil
}

// heldByOther returns the lock error when dir's lock file exists and another
// process holds it: a run that has just started may not have written its
// config.json yet, and "in use by pid N" is then the true reason to refuse.
// It creates nothing (a missing lock file means no other writer).
func heldByOther(dir, out string) error {
	path := filepath.Join(dir, LockFile)
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	lock, err := fslock.Acquire(path, out)
	if errors.Is(err, fslock.ErrLocked) {
		return err
	}
	if err == nil {
		lock.Release()
	}
	return nil
}

// IsRunDir returns nil when dir may be used as a run folder: it holds a
// config.json whose "format" is RunFormat (or, written before that field
// existed, whose "toongan_version", "dataset_hash" and "model" fields are
// all present), or it holds nothing but hidden files, make's *.opts stamps
// and a ckpt folder of *.safetensors files (a checkpoint copied in to be
// resumed). Otherwise the error wraps ErrNotRunDir and names what is there.
func IsRunDir(dir string) error {
	data, err := safeio.ReadFile(filepath.Join(dir, ConfigFile), maxConfigBytes, "run config")
	switch {
	case err == nil:
		var c struct {
			Format      string          `json:"format"`
			Version     string          `json:"toongan_version"`
			DatasetHash string          `json:"dataset_hash"`
			Model       json.RawMessage `json:"model"`
		}
		if json.Unmarshal(data, &c) == nil &&
			(c.Format == RunFormat || c.Format == "" && c.Version != "" && c.DatasetHash != "" && len(c.Model) > 0) {
			return nil
		}
		return fmt.Errorf("its %s is not a toongan run config (no \"format\": %q): %w", ConfigFile, RunFormat, ErrNotRunDir)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("its %s: %v: %w", ConfigFile, err, ErrNotRunDir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read run folder: %w", err)
	}
	var foreign []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".opts") && e.Type().IsRegular() ||
			n == CkptDir && e.IsDir() && onlyCheckpoints(filepath.Join(dir, n)) {
			continue
		}
		foreign = append(foreign, fmt.Sprintf("%q", n))
	}
	if len(foreign) > 0 {
		if len(foreign) > 5 {
			foreign = append(foreign[:5], "...")
		}
		return fmt.Errorf("it is not empty (%s) and has no %s: %w; choose another output folder",
			strings.Join(foreign, ", "), ConfigFile, ErrNotRunDir)
	}
	return nil
}

// checkRunOverlap refuses a run folder that is or lies inside the data
// folder (prep replaces a dataset folder as a whole).
func checkRunOverlap(out, data string) error {
	o, err1 := filepath.Abs(out)
	d, err2 := filepath.Abs(data)
	if err1 != nil || err2 != nil {
		return nil
	}
	if r, err := filepath.EvalSymlinks(d); err == nil {
		d = r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(o)); err == nil {
		o = filepath.Join(r, filepath.Base(o))
	}
	rel, err := filepath.Rel(d, o)
	if err == nil && rel == "." {
		return fmt.Errorf("run folder %q is the data folder (a dataset folder): %w; choose another output folder", out, ErrNotRunDir)
	}
	if err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("run folder %q lies inside the data folder %q: %w; choose another output folder", out, data, ErrNotRunDir)
	}
	return nil
}

func onlyCheckpoints(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && (!e.Type().IsRegular() || filepath.Ext(e.Name()) != ".safetensors") {
			return false
		}
	}
	return true
}
