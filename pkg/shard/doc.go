// Package shard reads and writes toongan's dataset shards and the manifest
// that lists them.
//
// # Shard file format (version 1)
//
// A shard holds Count images of the same geometry as raw uint8 pixels, so a
// training loop can stream them with ReadAt and Python can map them with a few
// lines of numpy. All integers are little-endian.
//
//	offset size  field
//	0      8     magic "TGSHARD\x00"
//	8      2     format version, uint16 = 1
//	10     1     dtype, uint8: 1 = uint8 samples
//	11     1     layout, uint8: 1 = HWC (row-major, channels interleaved, RGB order)
//	12     4     count, uint32: number of records
//	16     4     height, uint32 (1..16384)
//	20     4     width, uint32 (1..16384)
//	24     4     channels, uint32 (1, 3 or 4; prep writes 3 = RGB)
//	28     4     CRC-32C (Castagnoli) of bytes 0..27
//	32     N     count records of height*width*channels bytes each
//	32+N   4     CRC-32C (Castagnoli) of the N record bytes
//
// The file size is therefore exactly 36 + count*height*width*channels bytes;
// anything else is a truncated or padded file. Record i starts at byte
// 32 + i*height*width*channels. Pixel values are 0..255; the model maps them
// to [-1, 1] itself.
//
// Reading a shard from Python:
//
//	import numpy as np, struct
//	b = open("data/builtin/train-00000.shard", "rb").read()
//	magic, ver, dtype, layout, n, h, w, c, _ = struct.unpack("<8sHBBIIIII", b[:32])
//	assert magic == b"TGSHARD\0" and ver == 1 and dtype == 1 and layout == 1
//	x = np.frombuffer(b, np.uint8, n * h * w * c, 32).reshape(n, h, w, c)
//
// # Manifest
//
// A dataset is a folder holding train-NNNNN.shard, holdout-NNNNN.shard and
// manifest.json (see Manifest). Load reads and validates the manifest;
// Manifest.OpenSplit opens a split's shards as one sequence of records
// (Set). The manifest's content_hash is defined here too: RecordDigest,
// ContentHash and Manifest.ReadContentHash.
package shard
