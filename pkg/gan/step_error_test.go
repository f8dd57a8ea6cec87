package gan

import (
	"errors"
	"fmt"
	"testing"

	"github.com/toongan/toongan/pkg/nn"
)

// vmErr hides its cause behind Err, as gorgonia's VM errors do.
type vmErr struct{ cause error }

func (e vmErr) Error() string { return fmt.Sprint("PC 3: ", e.cause) }
func (e vmErr) Err() error    { return e.cause }

// selfErr's Err returns itself: errors.Is must still stop.
type selfErr struct{}

func (selfErr) Error() string { return "self" }
func (e selfErr) Err() error  { return e }

func TestStepErrorNonFinite(t *testing.T) {
	sn := fmt.Errorf("nn.SpectralNorm: estimate NaN: %w", nn.ErrNonFinite)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"direct", sn, true},
		{"wrapped", fmt.Errorf("gan: G loss: %w", sn), true},
		{"behind a VM error", vmError(vmErr{fmt.Errorf("op: %w", sn)}), true},
		{"nested VMs", fmt.Errorf("outer: %w", vmError(vmErr{fmt.Errorf("gan: G loss: %w", vmError(vmErr{sn}))})), true},
		{"other error", vmError(vmErr{errors.New("shape mismatch")}), false},
		{"VM error without cause", vmError(vmErr{nil}), false},
		{"cycle", vmError(selfErr{}), false},
	}
	if got, want := vmError(vmErr{sn}).Error(), (vmErr{sn}).Error(); got != want {
		t.Errorf("vmError changed the message: %q, want %q", got, want)
	}
	for _, tc := range tests {

		t.Run(tc.name, func(t *testing.T) {
			err := stepError(tc.err)
			if got := errors.Is(err, ErrNonFinite); got != tc.want {
				t.Errorf("errors.Is(stepError(%v), ErrNonFinite) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
