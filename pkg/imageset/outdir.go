package imageset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/fslock"
	"github.com/toongan/toongan/pkg/shard"
)

// claimOut makes cfg.Out safe to replace and locks it: a symbolic link is
// resolved to its target (the link stays, the target is renewed); the folder
// must be missing, empty, or a toongan dataset holding nothing but its own
// files; it must not overlap the input; and no other prep may be writing it
// (an exclusive lock on the hidden file .NAME.lock beside it, which survives
// the swap of the folder and is removed on release).
func claimOut(cfg *Config) (release func(), err error) {
	out, err := atomicfile.ResolveDir(cfg.Out)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	out = filepath.Clean(out)
	if cfg.Builtin <= 0 && cfg.Input != "" {
		if err := checkOverlap(cfg.Input, out); err != nil {
			return nil, err
		}
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	lock, err := fslock.Acquire(filepath.Join(parent, "."+filepath.Base(out)+".lock"), cfg.Out)
	if err != nil {
		return nil, err
	}
	if err := checkOut(out, cfg.Out); err != nil {
		lock.ReleaseAndRemove()
		return nil, err
	}
	cfg.Out = out
	return func() { lock.ReleaseAndRemove() }, nil
}

// checkOut refuses to replace anything but a missing or empty folder or a
// toongan dataset that holds only the files its manifest lists. shown is the
// name the user gave.
func checkOut(out, shown string) error {
	st, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output %q exists and is not a folder", shown)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if len(ents) == 0 {
		return nil
	}
	own, err := shard.Recognise(out)
	if err != nil {
		return fmt.Errorf("refusing to replace %q: it is a non-empty folder and not a toongan dataset (no %s with \"format\": %q); choose another output folder or empty it",
			shown, shard.ManifestName, shard.ManifestFormat)
	}
	var foreign []string
	for _, e := range ents {
		if !slices.Contains(own, e.Name()) && !staleShard(e.Name()) {
			foreign = append(foreign, fmt.Sprintf("%q", e.Name()))
		}
	}
	if len(foreign) > 0 {
		more := ""
		if len(foreign) > 5 {
			more = fmt.Sprintf(" and %d more", len(foreign)-5)
			foreign = foreign[:5]
		}
		return fmt.Errorf("refusing to replace dataset %q: it also holds files prep did not write (%s%s); move them away or choose another output folder",
			shown, strings.Join(foreign, ", "), more)
	}
	return nil
}

// checkOverlap refuses an output folder that is, contains or lies inside
// the input (prep would delete its own input, or read its own output).
func checkOverlap(input, out string) error {
	in, err := realPath(input)
	if err != nil {
		return nil // the input is checked when it is opened
	}
	o, err := realPath(out)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	switch {
	case in == o:
		return fmt.Errorf("output folder %q is the input: choose another output folder", out)
	case within(in, o):
		return fmt.Errorf("output folder %q contains the input %q: replacing it would delete the input; choose another output folder", out, input)
	case within(o, in):
		return fmt.Errorf("output folder %q lies inside the input %q: choose an output folder outside it", out, input)
	}
	return nil
}

// realPath is the absolute path with every symbolic link of its existing
// part resolved (a missing tail is kept as it is).
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var tail []string
	for {
		r, err := filepath.EvalSymlinks(abs)
		if err == nil {
			return filepath.Join(append([]string{r}, tail...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", err
		}
		tail = append([]string{filepath.Base(abs)}, tail...)
		abs = parent
	}
}

// within reports whether p lies strictly inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// staleShard matches the shard names prep writes (train-NNNNN.shard,
// holdout-NNNNN.shard): ours even when the manifest no longer lists them.
func staleShard(name string) bool {
	for _, p := range []string{"train-*.shard", "holdout-*.shard", "train-*.labels", "holdout-*.labels"} {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}
