// Package sampling turns a trained generator into pictures: latent draws
// (with optional truncation), spherical interpolation between latents, a
// small JSON file format for latents, batched generation, and the grid, folder
// and animation outputs of the sample stage.
package sampling
