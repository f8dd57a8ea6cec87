// Package trainer runs GAN training for the train stage: it streams batches
// from the shards, steps the model, logs JSON lines, draws sample grids from a
// fixed latent batch, and writes checkpoints that resume bit-exactly. It
// stops on a step, epoch or time budget, on SIGINT/SIGTERM (saving first),
// and on a NaN or Inf loss or weight (without saving the bad state).
//
// Run is the entry point: it claims the run folder, opens the data
// (OpenData), builds or resumes the model (startModel), sets up the loader
// and the folder, then loops: trainStep (gan.Model.Step on the next batch),
// record (the log.jsonl window), the progress line, grids and checkpoints
// when due, finish.
package trainer
