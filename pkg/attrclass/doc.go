// Package attrclass is eval's attribute classifier: one small network per
// attribute (a hidden layer of Hidden ReLU units, then softmax) on a face's
// colours averaged down to Side x Side pixels, trained on a labelled
// dataset's train split with each value weighing alike. It measures how
// often a conditional generator draws what it was asked for
// ("conditioning accuracy"), against its own accuracy on held-out reals
// (the ceiling). It is small and fast by design (about a minute on 2 cores
// for twelve attributes and 19,000 images, cached beside the dataset), not
// a strong classifier: the ceiling says how far it can be trusted per
// attribute.
package attrclass
