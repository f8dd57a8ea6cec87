// Package loader streams training batches from a random-access set of uint8
// HWC images: each epoch visits every image once in a shuffled order fixed
// by (seed, epoch) (or, with Loader.Balance, draws the images in
// proportion to weights, an order fixed the same way), batches are
// converted to float32 NCHW in [-1, 1] by a prefetch goroutine while the
// caller computes, and the last partial batch of an epoch is dropped. A
// position (epoch, batch) is all the state needed to resume the stream
// exactly.
package loader
