// Package evaluate runs eval: it scores one or more checkpoints (or a folder
// of images from any generator) against held-out real images — sliced
// Wasserstein distance with its real-vs-real baseline, the discriminator's
// scores, a memorisation check against the training images and a diversity
// check — and writes report.json and a self-contained report.html.
package evaluate
