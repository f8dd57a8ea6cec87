package gan

import (
	"fmt"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
)

// objective is the GAN's loss: how D is scored on a batch of real or fake
// images, and how G is scored on D's verdict about its fakes. The training
// graphs (train.go) build their loss nodes through it, so another objective
// (hinge, say) plugs in here without touching the step.
type objective interface {
	// discriminator is D's loss on logits given one label per sample. The
	// label node is a graph input that the step fills before each pass with
	// realLabel or fakeLabel.
	discriminator(logits, label *gorgonia.Node) (*gorgonia.Node, error)
	realLabel() float32
	fakeLabel() float32

	// generator is G's loss on D's logits for a fake batch.
	generator(logits *gorgonia.Node) (*gorgonia.Node, error)
}

// bceObjective is DCGAN's objective: binary cross-entropy with logits, D
// trained towards label 1 (1-smooth with one-sided label smoothing) on real
// and 0 on fake, G with the non-saturating loss BCE(D(G(z)), 1).
type bceObjective struct {
	smooth float64 // Config.LabelSmooth
}

func (o bceObjective) discriminator(logits, label *gorgonia.Node) (*gorgonia.Node, error) {
	loss, err := nn.BCEWithLogitsT(logits, label)
	if err != nil {
		return nil, fmt.Errorf("gan: D loss: %w", err)
	}
	return loss, nil
}

func (o bceObjective) realLabel() float32 { return float32(1 - o.smooth) }
func (o bceObjective) fakeLabel() float32 { return 0 }

func (o bceObjective) generator(logits *gorgonia.Node) (*gorgonia.Node, error) {
	loss, err := nn.BCEWithLogits(logits, 1)
	if err != nil {
		return nil, fmt.Errorf("gan: G loss: %w", err)
	}
	return loss, nil
}

// hingeObjective is the hinge loss of SNGAN and BigGAN: D minimises
// mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))) (label +1 real, -1 fake),
// G minimises -mean(D(G(z))).
type hingeObjective struct{}

func (hingeObjective) discriminator(logits, label *gorgonia.Node) (*gorgonia.Node, error) {
	loss, err := nn.HingeLoss(logits, label)
	if err != nil {
		return nil, fmt.Errorf("gan: D loss: %w", err)
	}
	return loss, nil
}

func (hingeObjective) realLabel() float32 { return 1 }
func (hingeObjective) fakeLabel() float32 { return -1 }

func (hingeObjective) generator(logits *gorgonia.Node) (*gorgonia.Node, error) {
	loss, err := nn.NegMean(logits)
	if err != nil {
		return nil, fmt.Errorf("gan: G loss: %w", err)
	}
	return loss, nil
}

// objectiveFor returns the objective cfg asks for.
func objectiveFor(cfg Config) objective {
	if cfg.Loss == LossHinge {
		return hingeObjective{}
	}
	return bceObjective{smooth: cfg.LabelSmooth}
}
