// Package attrclass is eval's attribute classifier: one softmax regression
// per attribute on a face's colours averaged down to Side x Side pixels,
// trained on a labelled dataset's train split. It measures how often a
// conditional generator draws what it was asked for ("conditioning
// accuracy"), against its own accuracy on held-out reals (the ceiling).
// It is small and fast by design (seconds on 2 cores), not a strong
// classifier: the ceiling says how far it can be trusted per attribute.
package attrclass
