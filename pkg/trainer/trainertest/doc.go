// Package trainertest provides what tests of the train stage share: tiny
// synthetic datasets written as real shards with a manifest, and a fake
// model whose weights depend on every batch it sees and on its RNG, so
// resume and data-order bugs change its state.
package trainertest
