package memlimit

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// EnvVar overrides the limit: a byte count with an optional K, M, G or T
// suffix (powers of 1024), e.g. TOONGAN_MAX_MEMORY=48G.
const EnvVar = "TOONGAN_MAX_MEMORY"

// ErrTooBig is wrapped by Check's error.
var ErrTooBig = errors.New("not enough memory")

// Limit returns the memory a toongan process may plan to use and where that
// number comes from: EnvVar when set, else the smallest of the physical
// memory, the cgroup's memory.max and what the address-space limit (ulimit
// -v) leaves beside what the process has already mapped.
func Limit() (int64, string) {
	if v := os.Getenv(EnvVar); v != "" {
		if n, err := ParseBytes(v); err == nil {
			return n, EnvVar + "=" + v
		}
	}
	limit, src := int64(1)<<62, "no limit found"
	if n := memTotal(); n > 0 {
		limit, src = n, "physical memory"
	}
	if n := cgroupMax(); n > 0 && n < limit {
		limit, src = n, "the cgroup's memory.max"
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &rl) == nil && rl.Cur != ^uint64(0) && rl.Cur < 1<<62 {
		// The Go runtime reserves address space up front (a static binary
		// maps over a gigabyte before its heap grows): what is left under
		// the limit is what the heap can still take, less a tenth for
		// the collector's headroom.
		left := int64(rl.Cur) - vmSize()
		if n := max(left/10*9, 0); n < limit {
			limit, src = n, "the address-space limit (ulimit -v) less what is already mapped"
		}
	}
	return limit, src
}

// Check returns an error wrapping ErrTooBig when need bytes exceed Limit.
// what describes the job ("training DCGAN-64 with batch 64").
func Check(what string, need int64) error {
	limit, src := Limit()
	if need <= limit {
		return nil
	}
	return fmt.Errorf("%s needs about %s of memory, more than the %s available (%s): %w; make it smaller, or set %s to override the limit",
		what, Format(need), Format(limit), src, ErrTooBig, EnvVar)
}

// Format writes a byte count in MiB or GiB.
func Format(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.0f GiB", float64(n)/(1<<30))
	}
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// ParseBytes reads "123", "512M", "2G", "1.5T" (suffixes are powers of 1024).
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := 1.0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a byte count like 512M or 8G", s)
	}
	return int64(v * mult), nil
}

// vmSize is the process's mapped address space (VmSize), 0 if unknown.
func vmSize() int64 {
	return procField("/proc/self/status", "VmSize:")
}

func memTotal() int64 {
	return procField("/proc/meminfo", "MemTotal:")
}

// procField reads a "Name:   123 kB" line of a /proc file, in bytes.
func procField(file, name string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func cgroupMax() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// ApplyToRuntime sets the Go runtime's soft memory limit to Limit (unless
// GOMEMLIMIT is set), so that the garbage collector works harder as the
// process nears what the machine allows instead of letting garbage grow
// into an out-of-memory crash (prep raises GOGC for speed; large buffers
// it drops would otherwise pile up under a ulimit -v).
func ApplyToRuntime() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if n, _ := Limit(); n > 0 && n < 1<<62 {
		debug.SetMemoryLimit(n)
	}
}
