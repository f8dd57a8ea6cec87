// Package runlog owns a training run's log, runs/NAME/log.jsonl: one JSON
// object per line (Entry), appended by the trainer every --log-every steps,
// trimmed back to the checkpoint's step on --resume, and read by eval's
// report for its loss plots.
package runlog
