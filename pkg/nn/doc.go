// Package nn provides the neural-network operations toongan needs on top of
// gorgonia v0.9.18: Conv2d and ConvTranspose2d over an im2col + SGEMM core,
// BatchNorm with exported running statistics (also fused with the ReLU or
// LeakyReLU after it), activations (ReLU, LeakyReLU, Tanh) and a
// numerically stable BCE-with-logits loss. Each is a
// gorgonia.Op whose backward pass is expressed with further custom ops
// (gorgonia.SDOp), so gorgonia.Grad and the TapeMachine work unchanged.
//
// # Layout
//
// Image tensors use the internal layout CBHW = [C, B, H, W]: channels
// outermost. With it, im2col yields [C*k*k, B*OH*OW], a convolution is a
// single GEMM whose result is already CBHW, and BatchNorm reduces over
// contiguous rows. NCHWToCBHW and CBHWToNCHW convert at the model boundary.
//
// The column matrix is never stored where a GEMM reads it: the SGEMM's
// packing step gathers it from the image (colspack.go; a strided image is
// first split into its stride phases so that every gather is a contiguous
// copy). Where a GEMM writes one (a transposed convolution's forward pass,
// a convolution's input gradient), it is produced a few batch items at a
// time into a cache-sized buffer and summed back at once (gemmCol2im).
// Either way the numbers are bit for bit those of an explicit im2col.
// Weights keep PyTorch's shapes: Conv2d [Cout, Cin, k, k], ConvTranspose2d
// [Cin, Cout, k, k], so a state_dict maps one to one.
//
// # Determinism and buffers
//
// All loops are split into fixed contiguous chunks and every output element is
// written by exactly one worker, so results depend only on the inputs and
// GOMAXPROCS. Each op instance owns its output buffer and reuses it from run
// to run; scratch space (phase-split images, column chunks) comes from pools
// shared by all ops and kept across runs. The price is that one graph must
// not be run by two machines at the same time, and a node's value is
// overwritten by the next run (copy it if it must outlive the run).
package nn
