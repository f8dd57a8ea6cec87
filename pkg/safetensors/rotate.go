package safetensors

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
)

// LatestName is the file in a checkpoint directory that always holds a
// complete copy (a hard link where the file system allows) of the newest step.
const LatestName = "latest.safetensors"

// StepPath is the path of step's checkpoint in dir: dir/step-%06d.safetensors.
func StepPath(dir string, step int) string {
	return filepath.Join(dir, fmt.Sprintf("step-%06d.safetensors", step))
}

// SaveStep writes dir/step-NNNNNN.safetensors atomically, then points
// dir/latest.safetensors at it (a hard link, or a copy where links fail,
// swapped in by rename, so latest is a complete file at every moment), then
// deletes the oldest step files beyond the newest keep (keep <= 0 keeps all;
// the file just written is never deleted). It returns the step file's path.
func SaveStep(dir string, step, keep int, tensors []Tensor, meta map[string]string) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("save checkpoint in %s: negative step %d", dir, step)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save checkpoint: %w", err)
	}
	path := StepPath(dir, step)
	if err := Save(path, tensors, meta); err != nil {
		return "", err
	}
	if err := linkLatest(dir, path); err != nil {
		return path, err
	}
	if keep > 0 {
		if err := prune(dir, keep, path); err != nil {
			return path, err
		}
	}
	return path, nil
}

// linkLatest replaces dir/latest.safetensors with a hard link to path (made
// under a temporary name, then renamed), or with an atomic copy.
func linkLatest(dir, path string) error {
	latest := filepath.Join(dir, LatestName)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.link-%d", LatestName, os.Getpid()))
	os.Remove(tmp)
	if err := os.Link(path, tmp); err == nil {
		if err := os.Rename(tmp, latest); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("update %s: %w", latest, err)
		}
		return atomicfile.SyncDir(dir)
	}
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("update %s: %w", latest, err)
	}
	defer src.Close()
	return atomicfile.WriteFile(latest, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}

type stepFile struct {
	step int
	path string
}

func stepFiles(dir string) ([]stepFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []stepFile
	for _, e := range ents {
		name := e.Name()
		num, ok := strings.CutPrefix(name, "step-")
		if !ok || e.IsDir() {
			continue
		}
		num, ok = strings.CutSuffix(num, ".safetensors")
		if !ok {
			continue
		}
		s, err := strconv.Atoi(num)
		if err != nil || s < 0 {
			continue
		}
		out = append(out, stepFile{s, filepath.Join(dir, name)})
	}
	slices.SortFunc(out, func(a, b stepFile) int { return a.step - b.step })
	return out, nil
}

func prune(dir string, keep int, current string) error {
	files, err := stepFiles(dir)
	if err != nil {
		return fmt.Errorf("prune checkpoints in %s: %w", dir, err)
	}
	for i := 0; i < len(files)-keep; i++ {
		if files[i].path == current {
			continue
		}
		if err := os.Remove(files[i].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("prune checkpoints: %w", err)
		}
	}
	return nil
}

// Latest returns the newest checkpoint in dir: latest.safetensors if present,
// else the step file with the highest step. The error wraps fs.ErrNotExist
// when dir holds no checkpoint.
func Latest(dir string) (string, error) {
	latest := filepath.Join(dir, LatestName)
	if st, err := os.Stat(latest); err == nil && st.Mode().IsRegular() {
		return latest, nil
	}
	files, err := stepFiles(dir)
	if err != nil {
		return "", fmt.Errorf("find latest checkpoint: %w", err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("find latest checkpoint: no %s or step-*.safetensors in %s: %w", LatestName, dir, fs.ErrNotExist)
	}
	return files[len(files)-1].path, nil
}
