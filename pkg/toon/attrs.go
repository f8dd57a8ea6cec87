package toon

// Attribute is one labelled property of the built-in faces: its name and
// the words for its values, in the order Labels indexes them.
type Attribute struct {
	Name   string
	Values []string
}

// Names of the palette entries, in palette order (naturalHair then
// animeHair; naturalSkin then fantasySkin; irises).
var (
	hairNames = []string{
		"black", "dark_brown", "brown", "auburn", "ginger", "blonde", "platinum", "grey", "ash_brown",
		"pink", "hot_pink", "blue", "light_blue", "purple", "lavender", "green", "teal", "red", "silver",
	}
	skinNames = []string{
		"porcelain", "fair", "light", "light_tan", "tan", "medium_brown", "brown", "dark_brown", "deep_brown",
		"green", "blue", "purple", "grey", "pink",
	}
	eyeColourNames = []string{"brown", "dark_brown", "blue", "green", "purple", "red", "amber", "teal", "pink", "grey"}
)

// attributes are the labelled properties, in the order Labels returns them.
var attributes = []Attribute{
	{"hair", hairNames},
	{"hair_style", []string{"short", "long", "bob", "spiky", "bangs", "ponytail", "bald"}},
	{"eyes", []string{"round", "anime", "happy", "dot", "closed"}},
	{"eye_colour", eyeColourNames},
	{"mouth", []string{"smile", "open", "flat", "o", "cat"}},
	{"face", []string{"round", "oval", "square", "pointy"}},
	{"skin", skinNames},
	{"hat", []string{"none", "cap", "beanie"}},
	{"glasses", []string{"no", "yes"}},
	{"blush", []string{"no", "yes"}},
	{"ribbon", []string{"no", "yes"}},
	{"earring", []string{"no", "yes"}},
}

// Attributes lists the labelled properties of the built-in faces (a fresh
// copy): hair colour (a named palette entry), hair style, eye style, eye
// colour, mouth, face shape, skin tone, hat, and the yes/no glasses, blush,
// ribbon and earring.
func Attributes() []Attribute {
	out := make([]Attribute, len(attributes))
	for i, a := range attributes {
		out[i] = Attribute{Name: a.Name, Values: append([]string(nil), a.Values...)}
	}
	return out
}

// Labels returns the attributes of the face Face draws for seed: for each
// entry of Attributes, the index of its value, or -1 where the face does not
// show it (the hair colour of a bald face, whose brows take the skin's
// colour; the eye colour of dot, happy and closed eyes, which show no iris).
// Labels draws the face's parameters only, not the image.
func Labels(seed uint64) []int {
	p := newParams(seed)
	yes := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	hair, iris := p.hairIdx, p.irisIdx
	if p.hairStyle == hairBald {
		hair = -1
	}
	if p.eye != eyeRound && p.eye != eyeAnime {
		iris = -1
	}
	return []int{
		hair, p.hairStyle, p.eye, iris, p.mouth, p.shape, p.skinIdx, p.hat,
		yes(p.glasses), yes(p.blush != blushNone), yes(p.ribbon), yes(p.earring),
	}
}
