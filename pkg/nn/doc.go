// Package nn provides the neural-network operations toongan needs on top of
// gorgonia v0.9.18: Conv2d and ConvTranspose2d over an im2col + SGEMM core,
// BatchNorm with exported running statistics, fused activations (ReLU,
// LeakyReLU, Tanh) and a numerically stable BCE-with-logits loss. Each is a
// gorgonia.Op whose backward pass is expressed with further custom ops
// (gorgonia.SDOp), so gorgonia.Grad and the TapeMachine work unchanged.
//
// # Layout
//
// Image tensors use the internal layout CBHW = [C, B, H, W]: channels
// outermost. With it, im2col yields [C*k*k, B*OH*OW], a convolution is a
// single GEMM whose result is already CBHW, and BatchNorm reduces over
// contiguous rows. NCHWToCBHW and CBHWToNCHW convert at the model boundary.
// Weights keep PyTorch's shapes: Conv2d [Cout, Cin, k, k], ConvTranspose2d
// [Cin, Cout, k, k], so a state_dict maps one to one.
//
// # Determinism and buffers
//
// All loops are split into fixed contiguous chunks and every output element is
// written by exactly one worker, so results depend only on the inputs and
// GOMAXPROCS. Each op instance owns its output buffer and scratch space and
// reuses them from run to run; the price is that one graph must not be run by
// two machines at the same time, and a node's value is overwritten by the next
// run (copy it if it must outlive the run).
package nn
