package nn_test

import (
	"fmt"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A generator block (ConvTranspose2d k4 s2 p1 + BatchNorm + ReLU) and its
// gradients, on a CBHW batch.
func Example() {
	const cin, cout, batch, size = 8, 4, 2, 4
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(cin, batch, size, size), gorgonia.WithName("x"),
		gorgonia.WithInit(gorgonia.GlorotN(1)))
	w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(cin, cout, 4, 4), gorgonia.WithName("w"),
		gorgonia.WithInit(gorgonia.Gaussian(0, 0.02)))
	gamma := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(cout), gorgonia.WithName("gamma"), gorgonia.WithInit(gorgonia.Ones()))
	beta := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(cout), gorgonia.WithName("beta"), gorgonia.WithInit(gorgonia.Zeroes()))
	bn := nn.NewBNState(cout) // save bn.Mean / bn.Var with the checkpoint

	y, err := nn.ConvTranspose2d(x, w, 2, 1, 0)
	if err == nil {
		y, err = nn.BatchNorm(y, gamma, beta, bn, true)
	}
	if err == nil {
		y, err = nn.ReLU(y)
	}
	var loss *gorgonia.Node
	if err == nil {
		loss, err = nn.BCEWithLogits(y, 1)
	}
	if err == nil {
		_, err = gorgonia.Grad(loss, w, gamma, beta)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	m := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w, gamma, beta))
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	dw, _ := w.Grad()
	fmt.Println(y.Shape(), dw.Shape(), len(bn.Mean))
	// Output: (4, 2, 8, 8) (8, 4, 4, 4) 4
}
