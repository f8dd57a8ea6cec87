// Package imageset turns a folder or archive of images (or the built-in toon
// faces) into a toongan dataset: it walks the input in a deterministic order,
// decodes PNG, JPEG, GIF, BMP and WebP, crops or pads to a square, composites
// alpha on a background, resizes with Lanczos-3 to the target size and writes
// RGB shards plus a manifest (see package shard). Decoding and resizing run on
// all cores; results are reassembled in input order, so the output is
// byte-identical however the work was scheduled.
package imageset
