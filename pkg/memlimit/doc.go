// Package memlimit decides up front whether a job's estimated memory fits
// the machine, so that a stage refuses a job it cannot finish with a clear
// message instead of dying in the Go runtime's out-of-memory crash (or the
// kernel's OOM killer) hours later.
package memlimit
