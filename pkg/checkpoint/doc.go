// Package checkpoint owns toongan's checkpoint schema on top of the
// safetensors file format (package safetensors, the layer below: bytes,
// tensors, atomic writes, step files and latest.safetensors). It stores a
// model's tensors with toongan's metadata and rebuilds a ready model from a
// file.
//
// A checkpoint (format "toongan-checkpoint", version FormatVersion) holds:
//
//   - tensors, all F32, named as gan.Model.State names them: "G.<name>",
//     "D.<name>" and "EMA.<name>" (weights and BatchNorm running statistics,
//     <name> as in PyTorch's DCGAN state_dict, e.g. "main.0.weight"),
//     "optG.<name>.m", ".v" and "optD.<name>.m", ".v" (Adam moments), and
//     "optG.step", "optD.step" (Adam step counts, one value each);
//   - metadata strings under the Key* constants: the model's gan.Config as
//     JSON, the training position (step, epoch, data_pos), the training
//     data's content hash, image size and channels, the latent RNG state
//     (base64 of gan.Model.RNGState), the loader state (LoaderState as JSON,
//     base64), creation time, toongan version, and "x."-prefixed extras.
//
// Save writes one (refusing NaN or Inf weights); Load, Restore, ReadMeta and
// CheckHeader read one, checking it against the model its config describes
// before anything large is allocated.
package checkpoint
