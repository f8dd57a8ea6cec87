// Package safeio opens and reads input files defensively: only regular
// files are opened (a FIFO or device named like an input never blocks or
// streams forever), and files that should be small are read with a limit,
// so an untrusted path cannot make a stage hang or exhaust memory.
package safeio
