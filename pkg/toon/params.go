package toon

import (
	"math"
	"math/rand/v2"
)

// Face shapes.
const (
	shapeRound = iota
	shapeOval
	shapeSquare
	shapePointy
	numShapes
)

// Hair styles.
const (
	hairShort = iota
	hairLong
	hairBob
	hairSpiky
	hairBangs
	hairPonytail
	hairBald
	numHair
)

// Fringe (front hair) styles.
const (
	fringeSwept = iota
	fringeBlunt
	fringeParted
	fringeSpiky
	numFringe
)

// Eye styles.
const (
	eyeRound = iota
	eyeAnime
	eyeHappy
	eyeDot
	eyeClosed
	numEyes
)

// Noses.
const (
	noseDot = iota
	noseLine
	noseNone
	numNoses
)

// Mouths.
const (
	mouthSmile = iota
	mouthOpen
	mouthFlat
	mouthO
	mouthCat
	numMouths
)

// Blush kinds.
const (
	blushNone = iota
	blushSoft
	blushHatch
)

// Hats.
const (
	hatNone = iota
	hatCap
	hatBeanie
)

// params are all random choices for one face, drawn from the seed only, so
// that a seed gives the same face at every size. Lengths are in units of the
// image side.
type params struct {
	bg1, bg2   rgb
	bgGradient bool

	skin    rgb
	fantasy bool // fantasy skin tone
	skinIdx int  // palette entry of skin: naturalSkin, then fantasySkin
	shape   int
	faceW   float32 // half width of the face at the temples
	chinY   float32

	hairStyle int
	fringe    int
	hair      rgb
	hairIdx   int     // palette entry of hair: naturalHair, then animeHair
	fringeY   float32 // lower edge of the fringe
	strands   int
	sweep     float32 // fringe sweep direction/amount in [-1, 1]
	tailSide  float32 // ponytail side: -1, 1, or 0 for twin tails
	hairLen   float32 // extra length for long styles

	eye     int
	iris    rgb
	irisIdx int // entry of irises
	eyeY    float32
	eyeSep  float32
	eyeSize float32
	lashes  bool

	browTilt  float32 // positive: inner ends lower (stern)
	browThick float32
	browY     float32

	nose    int
	noseY   float32
	mouth   int
	mouthY  float32
	mouthW  float32
	blush   int
	glasses bool
	glassSq bool // squarish lenses
	glassC  rgb
	hat     int
	hatC    rgb
	ribbon  bool
	ribbonC rgb
	ribSide float32
	earring bool
	earC    rgb
	shirt   rgb
	line    rgb // outline ink

	tilt, scale, dx, dy float32

	jit [16]float32 // per-strand / per-spike jitter in [0, 1)
}

var naturalSkin = []rgb{
	{1.00, 0.90, 0.82}, {0.99, 0.86, 0.76}, {0.98, 0.82, 0.70}, {0.94, 0.76, 0.62},
	{0.88, 0.68, 0.52}, {0.78, 0.58, 0.42}, {0.64, 0.45, 0.31}, {0.50, 0.34, 0.23},
	{0.40, 0.27, 0.19},
}

var fantasySkin = []rgb{
	{0.62, 0.84, 0.60}, {0.62, 0.76, 0.96}, {0.80, 0.71, 0.95}, {0.76, 0.78, 0.82},
	{0.98, 0.78, 0.86},
}

var naturalHair = []rgb{
	{0.10, 0.09, 0.11}, {0.24, 0.15, 0.10}, {0.42, 0.26, 0.15}, {0.55, 0.22, 0.13},
	{0.86, 0.46, 0.20}, {0.95, 0.82, 0.46}, {0.94, 0.92, 0.84}, {0.62, 0.62, 0.66},
	{0.30, 0.22, 0.18},
}

var animeHair = []rgb{
	{0.98, 0.62, 0.76}, {0.92, 0.36, 0.60}, {0.25, 0.42, 0.86}, {0.56, 0.79, 0.98},
	{0.56, 0.36, 0.80}, {0.79, 0.66, 0.96}, {0.35, 0.72, 0.46}, {0.20, 0.64, 0.70},
	{0.82, 0.16, 0.20}, {0.88, 0.91, 0.97},
}

var irises = []rgb{
	{0.45, 0.28, 0.15}, {0.25, 0.16, 0.10}, {0.25, 0.50, 0.85}, {0.30, 0.65, 0.40},
	{0.55, 0.30, 0.75}, {0.80, 0.20, 0.22}, {0.85, 0.65, 0.20}, {0.20, 0.65, 0.68},
	{0.90, 0.45, 0.65}, {0.50, 0.55, 0.60},
}

// hsv converts hue h in [0,1), saturation s and value v to rgb.
func hsv(h, s, v float32) rgb {
	h = (h - float32(math.Floor(float64(h)))) * 6
	i := int(h)
	f := h - float32(i)
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	switch i {
	case 0:
		return rgb{v, t, p}
	case 1:
		return rgb{q, v, p}
	case 2:
		return rgb{p, v, t}
	case 3:
		return rgb{p, q, v}
	case 4:
		return rgb{t, p, v}
	default:
		return rgb{v, p, q}
	}
}

// newParams draws the face parameters for seed. The draws come in a fixed
// order (background, skin, hair, eyes and features, accessories, pose):
// changing it changes every face.
func newParams(seed uint64) params {
	d := dice{r: rand.New(rand.NewPCG(seed, 0x70_6f_6e_67_61_6e_21_01))}
	var p params
	p.drawBackground(d)
	p.drawSkin(d)
	p.drawHair(d)
	p.drawFeatures(d)
	p.drawAccessories(d)
	p.drawPose(d)
	return p
}

// dice is the random source of newParams with its shorthands.
type dice struct{ r *rand.Rand }

// f is uniform in [lo, hi).
func (d dice) f(lo, hi float32) float32 { return lo + (hi-lo)*d.r.Float32() }

// chance is true with probability p.
func (d dice) chance(p float32) bool { return d.r.Float32() < p }

// jit moves each component of c by up to ±amount.
func (d dice) jit(c rgb, amount float32) rgb {
	return rgb{clamp01(c.r + d.f(-amount, amount)), clamp01(c.g + d.f(-amount, amount)), clamp01(c.b + d.f(-amount, amount))}
}

func (p *params) drawBackground(d dice) {
	r, f, chance := d.r, d.f, d.chance
	switch r.IntN(4) {
	case 0: // near white
		p.bg1 = hsv(r.Float32(), f(0, 0.12), f(0.9, 1))
	case 1: // dark
		p.bg1 = hsv(r.Float32(), f(0.2, 0.6), f(0.2, 0.45))
	default: // pastel / mid
		p.bg1 = hsv(r.Float32(), f(0.15, 0.6), f(0.6, 1))
	}
	p.bgGradient = chance(0.5)
	p.bg2 = p.bg1.mix(hsv(r.Float32(), f(0.1, 0.5), f(0.5, 1)), f(0.3, 0.7))
}

func (p *params) drawSkin(d dice) {
	r, f, chance, jit := d.r, d.f, d.chance, d.jit
	if chance(0.08) {
		p.fantasy = true
		p.skinIdx = len(naturalSkin) + r.IntN(len(fantasySkin))
		p.skin = jit(fantasySkin[p.skinIdx-len(naturalSkin)], 0.03)
	} else {
		// Weighted towards the lighter tones, as in anime face crops.
		i := min(r.IntN(len(naturalSkin)), r.IntN(len(naturalSkin)+3))
		p.skinIdx = min(i, len(naturalSkin)-1)
		p.skin = jit(naturalSkin[p.skinIdx], 0.025)
	}
	p.shape = r.IntN(numShapes)
	p.faceW = f(0.25, 0.29)
	p.chinY = f(0.83, 0.88)
	if p.shape == shapeOval {
		p.faceW -= 0.015
		p.chinY += 0.02
	}
}

func (p *params) drawHair(d dice) {
	r, f, chance, jit := d.r, d.f, d.chance, d.jit
	p.hairStyle = r.IntN(numHair - 1)
	if chance(0.05) {
		p.hairStyle = hairBald
	}
	if chance(0.35) {
		p.hairIdx = len(naturalHair) + r.IntN(len(animeHair))
		p.hair = jit(animeHair[p.hairIdx-len(naturalHair)], 0.04)
	} else {
		p.hairIdx = r.IntN(len(naturalHair))
		p.hair = jit(naturalHair[p.hairIdx], 0.03)
	}
	p.fringe = r.IntN(numFringe)
	switch p.hairStyle {
	case hairSpiky:
		p.fringe = fringeSpiky
	case hairBangs:
		p.fringe = fringeBlunt
	}
	p.fringeY = f(0.40, 0.47)
	p.strands = 4 + r.IntN(4)
	p.sweep = f(-1, 1)
	p.tailSide = []float32{-1, 0, 1}[r.IntN(3)]
	p.hairLen = f(0, 0.1)
}

// drawFeatures draws eyes, brows, nose and mouth.
func (p *params) drawFeatures(d dice) {
	r, f, chance, jit := d.r, d.f, d.chance, d.jit
	p.eye = r.IntN(numEyes)
	if chance(0.35) { // anime eyes are the most common in face crops
		p.eye = eyeAnime
	}
	p.irisIdx = r.IntN(len(irises))
	p.iris = jit(irises[p.irisIdx], 0.05)
	p.eyeY = f(0.565, 0.6)
	p.eyeSep = p.faceW * f(0.40, 0.47)
	p.eyeSize = f(0.9, 1.15)
	p.lashes = chance(0.5)
	p.browTilt = f(-0.02, 0.025)
	p.browThick = f(0.010, 0.022)
	p.browY = p.eyeY - f(0.085, 0.105)*p.eyeSize

	p.nose = r.IntN(numNoses)
	p.noseY = f(0.665, 0.69)
	p.mouth = r.IntN(numMouths)
	p.mouthY = f(0.745, 0.77)
	p.mouthW = f(0.05, 0.1)
}

func (p *params) drawAccessories(d dice) {
	r, f, chance := d.r, d.f, d.chance
	switch {
	case chance(0.3):
		p.blush = blushSoft
	case chance(0.15):
		p.blush = blushHatch
	}
	p.glasses = chance(0.15)
	p.glassSq = chance(0.4)
	p.glassC = []rgb{{0.1, 0.1, 0.12}, {0.55, 0.15, 0.15}, {0.75, 0.6, 0.25}, {0.2, 0.3, 0.6}}[r.IntN(4)]
	switch {
	case chance(0.12):
		p.hat = hatCap
	case chance(0.08):
		p.hat = hatBeanie
	}
	p.hatC = hsv(r.Float32(), f(0.3, 0.8), f(0.35, 0.95))
	p.ribbon = p.hat == hatNone && p.hairStyle != hairBald && chance(0.18)
	p.ribbonC = []rgb{{0.9, 0.15, 0.25}, {1, 0.55, 0.75}, {0.98, 0.98, 0.98}, {0.2, 0.35, 0.85}, {0.15, 0.12, 0.15}}[r.IntN(5)]
	p.ribSide = []float32{-1, 1}[r.IntN(2)]
	p.earring = chance(0.2)
	p.earC = []rgb{{0.95, 0.8, 0.3}, {0.85, 0.87, 0.9}, {0.2, 0.6, 0.9}, {0.9, 0.2, 0.3}}[r.IntN(4)]
	p.shirt = hsv(r.Float32(), f(0.2, 0.8), f(0.3, 0.95))
	p.line = rgb{0.16, 0.11, 0.12}
}

// drawPose draws the jitter of tilt, scale and position.
func (p *params) drawPose(d dice) {
	f := d.f
	p.tilt = f(-0.14, 0.14)
	p.scale = f(1.03, 1.17)
	p.dx = f(-0.035, 0.035)
	p.dy = f(-0.03, 0.03)
	for i := range p.jit {
		p.jit[i] = d.r.Float32()
	}
}
