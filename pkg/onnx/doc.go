// Package onnx writes a trained toongan generator as an ONNX model, so that
// it runs outside toongan (onnxruntime in Python, JavaScript, C#, C++, ...).
//
// The model has one input, "latent" (float32 [batch, nz], the values a
// latents file holds), and one output, "image" (float32 [batch, channels,
// size, size], NCHW in [-1, 1]), with the batch size left free. It holds
// the generator sample runs for the checkpoint, with the same weights and
// BatchNorm statistics (gan.Model.GeneratorLayers): the EMA generator, its
// statistics as the checkpoint's ema_bn mode makes them (copied from G,
// averaged, or measured on the EMA generator), or the raw G. BatchNorm is a
// BatchNormalization node in inference mode with those running statistics.
// The graph uses ONNX opset 13 (IR version 7): Reshape, ConvTranspose,
// BatchNormalization, Relu, LeakyRelu, Tanh and Gemm. The model's
// metadata_props name the toongan version, the checkpoint step, image and
// latent sizes, the recipe, the ema_bn mode and which generator it is.
//
// Check refuses, from the configuration alone, what the exporter cannot
// express; Build refuses any layer it has no translation for. The protobuf
// types are generated from a subset of onnx.proto (package onnxpb).
package onnx
