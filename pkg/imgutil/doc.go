// Package imgutil converts between the model's float32 NCHW tensors, the
// shards' uint8 HWC records and Go images (ToByte and FromByte are the one
// mapping between values in [-1, 1] and pixels), lays images out in grids,
// parses colours, lists image folders and writes PNG and animated GIF files
// atomically.
package imgutil
