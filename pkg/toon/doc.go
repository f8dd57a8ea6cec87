// Package toon renders procedural cartoon faces: toongan's built-in dataset.
//
// Face draws a face-crop style image (face centred, hair around it) from a
// seed: face shape, skin tone, hair style and colour, eyes, brows, nose,
// mouth, accessories, background and a small pose jitter are all drawn from a
// PCG generator seeded with the seed, so a seed always gives the same face
// and the same face at every size. Shapes are vector paths in a unit square
// scaled to the image size and anti-aliased by golang.org/x/image/vector.
package toon
