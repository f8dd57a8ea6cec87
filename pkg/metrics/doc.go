// Package metrics scores generated images for eval: the multi-scale sliced
// Wasserstein distance of Karras et al. 2018 (ProGAN), discriminator-score
// statistics (ROC AUC, accuracy, histograms), nearest-neighbour memorisation
// checks and a mode-collapse (diversity) check. Images are planar float32
// (CHW) in [-1, 1]; everything is deterministic for a given seed whatever
// GOMAXPROCS is.
package metrics
