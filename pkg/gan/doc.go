// Package gan builds the DCGAN (and the plain fully connected GAN) as gorgonia
// graphs on toongan's ops (package nn), and trains it: losses, Adam, the
// generator's exponential moving average, and the named tensors that
// checkpoints hold.
//
// Where things are:
//
//	api.go, validate.go   Config (the model a checkpoint describes), Stats, limits
//	arch.go, params.go    the layer lists of G and D, their weights, init, Adam, EMA
//	model.go              Model: New, State/SetState (checkpoint tensors), RNG state
//	step.go               Model.Step, the training step: (1) update D, (2) update G, (3) EMA
//	train.go              the training graphs, one constructor each
//	hook.go               the D hook that lets D's update run inside G's graph
//	objective.go          the losses (BCE, hinge) behind an interface
//	graph.go, infer.go    graph plumbing; Generate and Discriminate
//	export.go             GeneratorLayers: the generator Generate runs, for exporters (pkg/onnx)
//	cond.go, condinfer.go conditional models (train --cond); D's logit with labels, G's first-layer input
//
// A newcomer reads step.go first: it is pytorch/examples' DCGAN loop body,
// phase by phase.
package gan
