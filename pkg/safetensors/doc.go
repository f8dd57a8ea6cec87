// Package safetensors reads and writes the safetensors file format that
// toongan's checkpoints use (package checkpoint holds toongan's schema on
// top of it): an 8-byte little-endian header length N, N bytes of JSON
// header (padded with spaces to a multiple of 8) describing each tensor's
// dtype, shape and byte range, then the raw little-endian tensor bytes.
// Files are written atomically, tensors sorted by name, so the same tensors
// and metadata always give the same bytes. Decoding validates everything
// and never panics. SaveStep, Latest and StepPath manage a folder of
// step-NNNNNN.safetensors files and its latest.safetensors.
package safetensors
