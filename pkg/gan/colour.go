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
// adds a moment-matching term to G's loss (Salimans et al. 2016's feature
// matching, on the image itself) that supplies the pull D cannot.
//
// The plain term, ColourMatch * sum_c (mean_c(fake) - mean_c(real))^2
// over the step's batches, has the expected value
// (mu_fake - mu_real)^2 + Var(batch mean): besides the colour error it
// penalises how much the mean colour of 16 faces varies, that is how much
// the faces' own colours vary, and G answered with less varied hair and
// skin (built-in faces: diversity 0.83 -> 0.70). The term is therefore
// cross-fitted: the fake batch is split into halves A and B, and
//
//	ColourMatch * sum over colours c of d_c(A) * d_c(B),
//	d_c(H) = mean_c(fake images of H) - mean_c(real batch)
//
// (means over every pixel of channel c, in [-1, 1] units). Its gradient
// on A's pixels is the error measured on B and the other way round, so
// no image's gradient depends on its own colour and the variance term is
// gone, while its expectation is still (mu_fake - mu_real)^2. A batch
// (slice) of one image falls back to the plain square. With
// Config.ReduceSplit n > 1 (or data-parallel ranks) each of the n slices
// of the batch is matched on its own, its halves within it, and the term
// is the slices' mean, as n ranks compute it.

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
	w := weight / float64(slices) // each slice's share
	var term float64
	for s := range slices {
		// Images [s*bs, mid) are half A, [mid, (s+1)*bs) half B.
		lo, mid, hi := s*bs, s*bs+bs/2, (s+1)*bs
		for c := range colours {
			pr := [2]int{c * per, (c + 1) * per}
			fa := colourSum(fake, pr, B, hw, lo, mid)
			fb := colourSum(fake, pr, B, hw, mid, hi)
			mr := colourSum(real, pr, B, hw, lo, hi) / float64(bs*per*hw)
			if mid == lo { // one image: the plain square
				d := fb/float64(bs*per*hw) - mr
				term += w * d * d
				addColour(grad, pr, B, hw, lo, hi, float32(2*w*d/float64(bs*per*hw)))
				continue
			}
			na, nb := float64((mid-lo)*per*hw), float64((hi-mid)*per*hw)
			da, db := fa/na-mr, fb/nb-mr
			term += w * da * db
			addColour(grad, pr, B, hw, lo, mid, float32(w*db/na))
			addColour(grad, pr, B, hw, mid, hi, float32(w*da/nb))
		}
	}
	return term
}

// colourSum sums images [from, to) of planes [planes[0], planes[1]) of x
// (internal layout, batch B, planes of hw values).
func colourSum(x []float32, planes [2]int, B, hw, from, to int) float64 {
	var s float64
	for pl := planes[0]; pl < planes[1]; pl++ {
		for _, v := range x[(pl*B+from)*hw : (pl*B+to)*hw] {
			s += float64(v)
		}
	}
	return s
}

// addColour adds g to images [from, to) of planes [planes[0], planes[1])
// of grad.
func addColour(grad []float32, planes [2]int, B, hw, from, to int, g float32) {
	for pl := planes[0]; pl < planes[1]; pl++ {
		for i := (pl*B + from) * hw; i < (pl*B+to)*hw; i++ {
			grad[i] += g
		}
	}
}
