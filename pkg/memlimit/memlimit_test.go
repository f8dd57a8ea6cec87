package memlimit

import (
	"errors"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"123", 123, false}, {"512M", 512 << 20, false}, {"2g", 2 << 30, false}, {"1.5GiB", 3 << 29, false},
		{"", 0, true}, {"-1G", 0, true}, {"lots", 0, true}, {"NaN", 0, true},
	} {
		got, err := ParseBytes(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Setenv(EnvVar, "1G")
	if err := Check("small", 1<<29); err != nil {
		t.Errorf("Check(512 MiB) under a 1 GiB limit: %v", err)
	}
	err := Check("big job", 2<<30)
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("Check(2 GiB) under a 1 GiB limit = %v, want ErrTooBig", err)
	}
	t.Setenv(EnvVar, "")
	if n, _ := Limit(); n <= 0 {
		t.Errorf("Limit() = %d", n)
	}
}
