package gan

// Colour matching (Config.ColourMatch).
//
// D normalises its real and its fake batch each with their own BatchNorm
// statistics (as pytorch/examples does), so a colour shift that a whole
// fake batch shares is mostly normalised away after D's first layer: G's
// mean colour gets little pushback and swings. Measured on the toon
// recipe's checkpoints (anime faces, 64 px), G in training mode drew
// faces whose mean colour was up to 5 grey levels off the training
// faces', either way, from one checkpoint to the next. Colour matching
// adds to G's loss
//
//	ColourMatch * sum over colours c of (mean_c(fake) - mean_c(real))^2
//
// with the means taken over the step's fake and real batch (every pixel of
// channel c, in [-1, 1] units): a moment-matching term (Salimans et al.
// 2016's feature matching, on the image itself) that supplies the pull D
// cannot. With Config.ReduceSplit n > 1 (or data-parallel ranks) each of
// the n slices of the batch matches its own means, and the term is their
// mean, as n ranks compute it.

// MaxColourMatch bounds Config.ColourMatch.
const MaxColourMatch = 1000

// colourMatch adds the colour-matching term's gradient to grad, the
// gradient of G's loss wrt the fake batch, and returns the term's value.
// fake, real and grad are in the internal layout ([planes, B, hw]);
// colours is the number of colour channels (the planes are split evenly
// between them: one plane per colour for the convolutional models, the
// pixels of the fully connected one), slices the number of consecutive
// slices of the batch that match on their own.
func colourMatch(grad, fake, real []float32, colours, B, hw, slices int, weight float64) float64 {
	planes := len(fake) / (B * hw)
	per := planes / colours // planes of one colour
	bs := B / slices
	n := float64(bs * per * hw) // values of one colour in one slice
	scale := 2 * weight / float64(B*per*hw)
	var term float64
	for s := range slices {
		for c := range colours {
			var sf, sr float64
			for pl := c * per; pl < (c+1)*per; pl++ {
				lo := (pl*B + s*bs) * hw
				for i := lo; i < lo+bs*hw; i++ {
					sf += float64(fake[i])
					sr += float64(real[i])
				}
			}
			d := (sf - sr) / n
			term += weight * d * d / float64(slices)
			g := float32(scale * d)
			for pl := c * per; pl < (c+1)*per; pl++ {
				lo := (pl*B + s*bs) * hw
				for i := lo; i < lo+bs*hw; i++ {
					grad[i] += g
				}
			}
		}
	}
	return term
}
