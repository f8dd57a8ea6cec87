package gan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/toongan/toongan/pkg/nn"
	"gorgonia.org/gorgonia"
)

// Conditional models.
//
// A model whose Config.Cond lists attributes draws what it is asked for.
// Each image comes with one label byte per attribute, in Config.Cond's
// order: 0 is unknown, k is the attribute's value Values[k-1] (the label
// bytes of a labelled dataset, restricted to the chosen attributes).
//
// The generator reads the latent with one learned embedding per attribute
// appended (Config.CondDim values each; nn.EmbedConcat): its first
// transposed convolution takes NZ + len(Cond)*CondDim channels. Every
// attribute has a learned "unknown" embedding besides one per value, so an
// image whose label is unknown trains it too. The tensor is "cond.embed",
// [sum over attributes of (len(Values)+1), CondDim]: each attribute's block
// starts with its unknown row.
//
// The discriminator is a projection discriminator (Miyato & Koyama 2018):
// its logit gets the inner product of its last features (before the last
// convolution, summed over positions) with the sum of the labels'
// embeddings (nn.ProjEmbed). Its "cond.embed" is [sum of len(Values), C]
// with C the last convolution's input channels; an unknown label adds
// nothing (masked). In training, a fake batch gets the real batch's labels,
// so the labels fed to G follow the training frequencies exactly.
//
// With CondSpec.Mismatch w > 0, D's loss on the real batch gets a
// matching-aware term (Reed et al. 2016): w times its loss, against the
// fake label, on the same real images with the labels of the next image
// of the batch (cyclically; the batch is shuffled, so nothing is drawn).
// The term reuses the real pass's features: one more projection, no
// third pass through D. G's loss is unchanged.
//
// With CondSpec.G CondCBN the generator keeps that input and its
// BatchNorm layers are conditional too (nn.CondBatchNorm; Miyato & Koyama
// 2018's generator, BigGAN): each BatchNorm layer main.<i> gets two
// tables, "cond.bn.<i>.weight" and "cond.bn.<i>.bias", [sum of
// len(Values), C] (D's row layout: no unknown rows), and a sample's gain
// and bias on channel c are gamma[c] and beta[c] plus its labels' rows
// (an unknown label adds nothing). The tables start at zero, so a new
// model starts as the concat model of the same seed; G's other layers are
// the same.

// CondSpec is a conditional model's attributes and embedding size.
type CondSpec struct {
	Dim   int        `json:"dim"` // each attribute's embedding size in G's input
	Attrs []CondAttr `json:"attributes"`
	// D is how the discriminator is conditioned: CondProjection ("" too)
	// or CondACGAN.
	D string `json:"d,omitempty"`
	// G is how the generator is conditioned: CondConcat ("" too) or
	// CondCBN.
	G string `json:"g,omitempty"`
	// Mismatch is the weight of a matching-aware term in D's loss (Reed
	// et al. 2016, GAN-INT-CLS): on the real pass D also scores the real
	// batch with the labels of another image of the batch (image i gets
	// image i+1's, cyclically; the batch is shuffled) and is trained to
	// call it fake, Mismatch times its loss on fakes. 0: off. Projection
	// D only; 0..MaxCondMismatch.
	Mismatch float64 `json:"mismatch,omitempty"`
	// Balance names attributes (of Attrs) whose values the training data
	// order shows equally often: image i is drawn in proportion to the
	// product, over these attributes, of 1 / (the number of training
	// images with i's value), so a rare value (a beanie on 7% of the faces)
	// gets as many real images, and fakes asked for it, as a common one.
	// The model does not use it; the trainer's loader does
	// (loader.Balance). Empty: every image once per epoch.
	Balance []string `json:"balance,omitempty"`
	// BalancePower tempers Balance: the weights are raised to it, so 1
	// (0 too, which older checkpoints and plain runs have) balances
	// fully and 0.5 draws each value in proportion to the square root of
	// its frequency. In (0, 1].
	BalancePower float64 `json:"balance_power,omitempty"`
}

// BalanceExp is the power Balance's weights are raised to (1 when
// unset).
func (c *CondSpec) BalanceExp() float64 {
	if c.BalancePower == 0 {
		return 1
	}
	return c.BalancePower
}

// MaxCondMismatch is the largest CondSpec.Mismatch.
const MaxCondMismatch = 10

// DefaultCondMismatch is train's --cond-mismatch for a new conditional run
// with the projection D: in issue 11's 30-minute run (README, "Conditional
// training") it kept the conditioning that runs without it partly unlearn
// (hair colour 0.83 -> 1.09 of the classifier's pooled ceiling, hat 0.69
// -> 0.82) and improved the samples' SWD (30.8 -> 20.0).
const DefaultCondMismatch = 1

// mismatch is the weight of the matching-aware term (0: none).
func (cfg Config) mismatch() float64 {
	if cfg.Cond == nil {
		return 0
	}
	return cfg.Cond.Mismatch
}

// DefaultCondG is train's --cond-g for a new conditional run: in a screen
// on the built-in faces at equal steps conditional BatchNorm scored higher
// than concat on 9 of 12 attributes (hair colour 0.49 -> 0.59 of the
// classifier's pooled ceiling) at the same step cost, and issue 11's
// 30-minute acceptance runs all used it (README, "Conditional training").
const DefaultCondG = CondCBN

// Generator conditionings (CondSpec.G).
const (
	// CondConcat appends the labels' embeddings to the latent.
	CondConcat = "concat"
	// CondCBN appends them too, and makes every BatchNorm of G
	// conditional: per-sample gains and biases offset by the labels'
	// rows of learned tables (nn.CondBatchNorm).
	CondCBN = "cbn"
)

// condBN reports whether the configuration's generator has conditional
// BatchNorm layers.
func (cfg Config) condBN() bool { return cfg.Cond != nil && cfg.Cond.G == CondCBN }

// Discriminator conditionings (CondSpec.D).
const (
	// CondProjection adds the inner product of the labels' embeddings
	// with D's pooled features to its logit (Miyato & Koyama 2018).
	CondProjection = "projection"
	// CondACGAN leaves D's logit unconditional and gives D an auxiliary
	// classifier of each attribute on its pooled features (Odena et al.
	// 2017): D minimises its cross-entropy on real and fake images, G on
	// its fakes, added to their GAN losses (unknown labels masked).
	CondACGAN = "acgan"
)

// CondAttr is one attribute of a conditional model: its values and how
// many training images had each (the frequencies unspecified attributes
// are drawn from when sampling).
type CondAttr struct {
	Name    string   `json:"name"`
	Values  []string `json:"values"`
	Counts  []int    `json:"counts"`  // training images per value, Values' order
	Unknown int      `json:"unknown"` // training images without a value
}

// Limits of conditional configurations.
const (
	MaxCondAttrs  = 64
	MaxCondValues = 64
	MaxCondDim    = 256
	MaxCondName   = 64 // bytes of a name or a value
	// DefaultCondDim is the embedding size of each attribute in G's input.
	DefaultCondDim = 16
)

// LabelDraw, as a label byte given to GenerateLabels, asks for the
// attribute to be drawn from the training frequencies (see DrawLabels).
const LabelDraw = 255

// Conditional reports whether the configuration is conditional.
func (cfg Config) Conditional() bool { return cfg.Cond != nil }

// CondAttrs is a conditional configuration's attributes (nil otherwise).
func (cfg Config) CondAttrs() []CondAttr {
	if cfg.Cond == nil {
		return nil
	}
	return cfg.Cond.Attrs
}

// validateCond checks Cond and CondDim.
func (cfg Config) validateCond() error {
	if cfg.Cond == nil {
		return nil
	}
	if cfg.Arch != "dcgan" {
		return &FieldError{Field: "cond", Value: fmt.Sprintf("with arch %q", cfg.Arch), Want: "arch dcgan (conditioning is built for the DCGAN)"}
	}
	if n := len(cfg.Cond.Attrs); n < 1 || n > MaxCondAttrs {
		return &FieldError{Field: "cond", Value: fmt.Sprintf("%d attributes", n), Want: fmt.Sprintf("1..%d attributes", MaxCondAttrs)}
	}
	if d := cfg.Cond.D; d != "" && d != CondProjection && d != CondACGAN {
		return &FieldError{Field: "cond.d", Value: fmt.Sprintf("%q", d), Want: "projection or acgan"}
	}
	if g := cfg.Cond.G; g != "" && g != CondConcat && g != CondCBN {
		return &FieldError{Field: "cond.g", Value: fmt.Sprintf("%q", g), Want: "concat or cbn"}
	}
	if err := cfg.validateMismatch(); err != nil {
		return err
	}
	if cfg.Cond.Dim < 1 || cfg.Cond.Dim > MaxCondDim {
		return &FieldError{Field: "cond.dim", Value: cfg.Cond.Dim, Want: fmt.Sprintf("1..%d", MaxCondDim)}
	}
	names := map[string]bool{}
	for _, a := range cfg.Cond.Attrs {
		if err := a.validate(); err != nil {
			return &FieldError{Field: "cond", Value: fmt.Sprintf("attribute %q", a.Name), Want: err.Error()}
		}
		if names[a.Name] {
			return &FieldError{Field: "cond", Value: fmt.Sprintf("attribute %q twice", a.Name), Want: "each attribute once"}
		}
		names[a.Name] = true
	}
	if p := cfg.Cond.BalancePower; !(p >= 0 && p <= 1) {
		return &FieldError{Field: "cond.balance_power", Value: p, Want: "0..1 (0: 1)"}
	}
	for i, b := range cfg.Cond.Balance {
		if !names[b] || slices.Contains(cfg.Cond.Balance[:i], b) {
			return &FieldError{Field: "cond.balance", Value: fmt.Sprintf("%q", b), Want: "conditioned attributes, each once"}
		}
	}
	return nil
}

// validateMismatch checks Cond.Mismatch: in range, with the projection
// discriminator and a batch of at least two images (whose labels can be
// swapped).
func (cfg Config) validateMismatch() error {
	w := cfg.Cond.Mismatch
	switch {
	case !(w >= 0 && w <= MaxCondMismatch):
		return &FieldError{Field: "cond.mismatch", Value: w, Want: fmt.Sprintf("0..%d", MaxCondMismatch)}
	case w > 0 && cfg.Cond.D == CondACGAN:
		return &FieldError{Field: "cond.mismatch", Value: fmt.Sprintf("%g with d acgan", w), Want: "0 unless D is the projection discriminator"}
	case w > 0 && cfg.Batch < 2:
		return &FieldError{Field: "cond.mismatch", Value: fmt.Sprintf("%g with batch %d", w, cfg.Batch), Want: "0 unless the batch has 2 images or more"}
	}
	return nil
}

func (a CondAttr) validate() error {
	if a.Name == "" || len(a.Name) > MaxCondName || strings.ContainsAny(a.Name, "=,") {
		return fmt.Errorf("a name of 1..%d bytes without '=' or ','", MaxCondName)
	}
	if len(a.Values) < 1 || len(a.Values) > MaxCondValues || len(a.Counts) != len(a.Values) {
		return fmt.Errorf("1..%d values with one count each", MaxCondValues)
	}
	seen := map[string]bool{}
	total := a.Unknown
	for i, v := range a.Values {
		if v == "" || len(v) > MaxCondName || strings.ContainsAny(v, "=,") || seen[v] {
			return fmt.Errorf("distinct values of 1..%d bytes without '=' or ','", MaxCondName)
		}
		seen[v] = true
		if a.Counts[i] < 0 || a.Counts[i] > math.MaxInt32 {
			return errors.New("counts in 0..2^31-1")
		}
		total += a.Counts[i]
	}
	if a.Unknown < 0 || a.Unknown > math.MaxInt32 || total <= 0 {
		return errors.New("non-negative counts, at least one image")
	}
	return nil
}

// condInputs is the number of channels the embeddings add to G's input.
func (cfg Config) condInputs() int {
	if cfg.Cond == nil {
		return 0
	}
	return len(cfg.Cond.Attrs) * cfg.Cond.Dim
}

// condLayers appends the conditioning tables to a DCGAN's layer lists, as
// layers of kind kEmbed that the forward pass skips (index -1: they are
// not part of the "main" sequence).
func condLayers(cfg Config, a arch) arch {
	if !cfg.Conditional() {
		return a
	}
	rowsG, rowsD := 0, 0
	for _, c := range cfg.Cond.Attrs {
		rowsG += len(c.Values) + 1
		rowsD += len(c.Values)
	}
	last := a.d[len(a.d)-1]
	a.g = append(a.g, layer{kind: kEmbed, index: -1, in: rowsG, out: cfg.Cond.Dim})
	a.d = append(a.d, layer{kind: kEmbed, index: -1, in: rowsD, out: last.in})
	if cfg.condBN() {
		for _, l := range a.g {
			if l.kind == kBN {
				a.g = append(a.g, layer{kind: kCBN, index: -1, of: l.index, in: rowsD, out: l.out})
			}
		}
	}
	return a
}

// condBNName is the name of the gain ("weight") or bias table of
// conditional BatchNorm layer main.<of>.
func condBNName(of int, what string) string {
	return "cond.bn." + strconv.Itoa(of) + "." + what
}

// condEmbedName is the name of a network's conditioning table.
const condEmbedName = "cond.embed"

// condState is what a conditional model keeps besides its weights.
type condState struct {
	offG, offD []int         // first table row of each attribute
	trainG     *nn.EmbedRows // the training batch's rows, G's table
	trainD     *nn.EmbedRows // the same for D's table
	trainMis   *nn.EmbedRows // trainD shifted by one image (CondSpec.Mismatch > 0; nil otherwise)
	ready      bool          // StepLabels has filled the rows for this step
	cum        [][]float64   // per attribute: cumulative frequencies of unknown, then each value
	bnMap      []int32       // G's table rows to the conditional BatchNorm tables' (-1: unknown); CondCBN only
}

// initCond sets a conditional model's state up and draws G's embeddings
// from N(0, 1), the latent's scale (D's keep DCGAN's N(0, 0.02), so the
// projection starts small).
func (m *Model) initCond() {
	if !m.cfg.Conditional() {
		return
	}
	A := len(m.cfg.Cond.Attrs)
	cs := &condState{trainG: nn.NewEmbedRows(A, m.cfg.Batch), trainD: nn.NewEmbedRows(A, m.cfg.Batch)}
	if m.cfg.mismatch() > 0 {
		cs.trainMis = nn.NewEmbedRows(A, m.cfg.Batch)
	}
	og, od := 0, 0
	for _, a := range m.cfg.Cond.Attrs {
		cs.offG, cs.offD = append(cs.offG, og), append(cs.offD, od)
		if m.cfg.condBN() {
			cs.bnMap = append(cs.bnMap, -1)
			for k := range a.Values {
				cs.bnMap = append(cs.bnMap, int32(od+k))
			}
		}
		og += len(a.Values) + 1
		od += len(a.Values)
		cum := make([]float64, len(a.Values)+1)
		acc := float64(a.Unknown)
		cum[0] = acc
		for i, c := range a.Counts {
			acc += float64(c)
			cum[i+1] = acc
		}
		for i := range cum {
			cum[i] /= acc
		}
		cs.cum = append(cs.cum, cum)
	}
	m.cond = cs
	r := rand.New(rand.NewPCG(m.cfg.Seed, 0xc0d))
	p := m.g.get(condEmbedName)
	for i := range p.data {
		p.data[i] = float32(r.NormFloat64())
	}
}

// forwardCond applies network b to x: for a conditional model, G's input
// gets the embeddings of rows appended and D's logit the projection term;
// otherwise it is b.forward.
func (m *Model) forwardCond(b *bound, x *gorgonia.Node, training bool, rows *nn.EmbedRows) (*gorgonia.Node, error) {
	if m.cond == nil {
		return b.forward(x, training)
	}
	if b.n != m.d {
		in, err := nn.EmbedConcat(x, b.nodes[condEmbedName], rows)
		if err != nil {
			return nil, fmt.Errorf("gan: conditioning %sinput: %w", b.n.prefix, err)
		}
		if m.cfg.condBN() {
			b.cbn = &nn.CondBN{Rows: rows, Map: m.cond.bnMap}
		}
		return b.forward(in, training)
	}
	logit, _, err := m.forwardD(b, x, training, rows)
	return logit, err
}

// forwardD is a conditional D on x: its logit, and with CondACGAN its
// auxiliary classifier's loss for the labels in rows (nil otherwise).
func (m *Model) forwardD(b *bound, x *gorgonia.Node, training bool, rows *nn.EmbedRows) (logit, aux *gorgonia.Node, err error) {
	logit, aux, _, err = m.forwardDMis(b, x, training, rows, nil)
	return logit, aux, err
}

// forwardDMis is forwardD that, given mis rows (projection D only), also
// returns the logit of the same features with the labels of mis:
// the unconditional logit plus their projection term (nil without mis).
func (m *Model) forwardDMis(b *bound, x *gorgonia.Node, training bool, rows, mis *nn.EmbedRows) (logit, aux, logitMis *gorgonia.Node, err error) {
	if m.cond == nil {
		logit, err = b.forward(x, training)
		return logit, nil, nil, err
	}
	table := b.nodes[condEmbedName]
	// The layers up to the last convolution give the features, the last
	// convolution the unconditional logit.
	layers := b.n.layers
	k := len(layers) - 1
	for k >= 0 && layers[k].kind != kConv {
		k--
	}
	body, bn := *b, *b.n
	bn.layers = layers[:k]
	body.n = &bn
	h, err := body.forward(x, training)
	if err != nil {
		return nil, nil, nil, err
	}
	uncond, err := b.layer(h, layers[k], training)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("gan: building %s%s: %w", b.n.prefix, layers[k].prefix(), err)
	}
	if m.cfg.Cond.D == CondACGAN {
		var sizes []int
		for _, a := range m.cfg.Cond.Attrs {
			sizes = append(sizes, len(a.Values))
		}
		if aux, err = nn.AuxCE(h, table, rows, sizes); err != nil {
			return nil, nil, nil, fmt.Errorf("gan: auxiliary classifier: %w", err)
		}
		return uncond, aux, nil, nil
	}
	if logit, err = projectLogit(uncond, h, table, rows); err != nil {
		return nil, nil, nil, err
	}
	if mis != nil {
		if logitMis, err = projectLogit(uncond, h, table, mis); err != nil {
			return nil, nil, nil, fmt.Errorf("gan: matching-aware term: %w", err)
		}
	}
	return logit, nil, logitMis, nil
}

// projectLogit is the projection discriminator's logit: the unconditional
// logit plus the projection of features h on the rows' embeddings.
func projectLogit(uncond, h, table *gorgonia.Node, rows *nn.EmbedRows) (*gorgonia.Node, error) {
	proj, err := nn.ProjEmbed(h, table, rows)
	if err != nil {
		return nil, fmt.Errorf("gan: projection head: %w", err)
	}
	logit, err := gorgonia.Add(uncond, proj)
	if err != nil {
		return nil, fmt.Errorf("gan: projection head: %w", err)
	}
	return logit, nil
}

// withAux adds an auxiliary classifier's loss (nil: none) to a GAN loss.
func withAux(loss, aux *gorgonia.Node) (*gorgonia.Node, error) {
	if aux == nil {
		return loss, nil
	}
	out, err := gorgonia.Add(loss, aux)
	if err != nil {
		return nil, fmt.Errorf("gan: auxiliary loss: %w", err)
	}
	return out, nil
}

// newRows returns rows for a graph of n samples, or nil for an
// unconditional model.
func (m *Model) newRows(n int) *nn.EmbedRows {
	if m.cond == nil {
		return nil
	}
	return nn.NewEmbedRows(len(m.cfg.Cond.Attrs), n)
}

// setRows writes the table rows of labels (n images, len(Cond) bytes each;
// every byte a valid label) into rows, for G's table or D's.
func (m *Model) setRows(rows *nn.EmbedRows, labels []byte, n int, forD bool) {
	cs, A := m.cond, len(m.cfg.Cond.Attrs)
	for j := 0; j < n; j++ {
		for a := 0; a < A; a++ {
			k := int(labels[j*A+a])
			switch {
			case !forD:
				rows.Rows[j*A+a] = int32(cs.offG[a] + k)
			case k == 0:
				rows.Rows[j*A+a] = -1
			default:
				rows.Rows[j*A+a] = int32(cs.offD[a] + k - 1)
			}
		}
	}
	for i := n * A; i < len(rows.Rows); i++ { // padding samples
		rows.Rows[i] = -1
		if !forD {
			rows.Rows[i] = int32(cs.offG[i%A])
		}
	}
}

// checkLabels reports the first label byte of labels (n images) that is
// not a value of its attribute; LabelDraw is allowed when draw is set.
func (m *Model) checkLabels(labels []byte, n int, draw bool) error {
	A := len(m.cfg.Cond.Attrs)
	if len(labels) != n*A {
		return fmt.Errorf("%d label bytes for %d images of %d attributes", len(labels), n, A)
	}
	for i, k := range labels {
		if draw && k == LabelDraw {
			continue
		}
		if a := m.cfg.Cond.Attrs[i%A]; int(k) > len(a.Values) {
			return fmt.Errorf("image %d: %s label %d, the model knows %d values", i/A, a.Name, k, len(a.Values))
		}
	}
	return nil
}

// StepLabels is Step for a conditional model: labels holds the real
// batch's label bytes (Batch images, len(Config.Cond) bytes each). The
// fake batches of the step are drawn with the same labels.
func (m *Model) StepLabels(real []float32, labels []byte) (Stats, error) {
	if m.cond == nil {
		return Stats{}, errors.New("gan: step: labels given to an unconditional model")
	}
	if err := m.checkLabels(labels, m.cfg.Batch, false); err != nil {
		return Stats{}, fmt.Errorf("gan: step: %w", err)
	}
	m.setTrainRows(labels)
	m.cond.ready = true
	defer func() { m.cond.ready = false }()
	return m.Step(real)
}

// setTrainRows writes the training batch's rows for labels (Batch images,
// checked): G's, D's and, with the matching-aware term, D's shifted.
func (m *Model) setTrainRows(labels []byte) {
	cs := m.cond
	m.setRows(cs.trainG, labels, m.cfg.Batch, false)
	m.setRows(cs.trainD, labels, m.cfg.Batch, true)
	if cs.trainMis != nil {
		shiftRows(cs.trainMis, cs.trainD, len(m.cfg.Cond.Attrs))
	}
}

// shiftRows sets dst's rows of sample i to src's of sample i+1, the last
// sample's to the first's (attrs rows per sample): each image gets another
// image's labels without drawing from the training RNG.
func shiftRows(dst, src *nn.EmbedRows, attrs int) {
	n := len(src.Rows)
	for i := range dst.Rows {
		dst.Rows[i] = src.Rows[(i+attrs)%n]
	}
}

// checkStepLabels is Step's check that a conditional model got its labels.
func (m *Model) checkStepLabels() error {
	if m.cond != nil && !m.cond.ready {
		return errors.New("a conditional model trains with StepLabels")
	}
	return nil
}

// drawFrom returns the label whose cumulative frequency interval holds u
// (cum: unknown, then each value).
func drawFrom(cum []float64, u float64) byte {
	k := 0
	for k < len(cum)-1 && u >= cum[k] {
		k++
	}
	return byte(k)
}

// drawLabels fills dst (len(Cond) bytes) with labels for the latent z: each
// attribute drawn from the training frequencies (unknown included, as
// often as in the training data) by a generator seeded with a hash of z's
// values, so one latent always gets the same labels. Only bytes equal to
// LabelDraw are replaced.
func (m *Model) drawLabels(dst []byte, z []float32) {
	h := fnv.New64a()
	var buf [4]byte
	for _, v := range z {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
		h.Write(buf[:])
	}
	r := rand.New(rand.NewPCG(h.Sum64(), 0x1abe1))
	for a, cum := range m.cond.cum {
		k := drawFrom(cum, r.Float64())
		if dst[a] == LabelDraw {
			dst[a] = k
		}
	}
}

// resolveLabels checks labels (n images) and returns a copy with each
// LabelDraw byte drawn for its image's latent in z (drawLabels).
func (m *Model) resolveLabels(labels []byte, z []float32, n int) ([]byte, error) {
	if err := m.checkLabels(labels, n, true); err != nil {
		return nil, fmt.Errorf("gan: generate: %w", err)
	}
	A, nz := len(m.cfg.Cond.Attrs), m.cfg.NZ
	res := slices.Clone(labels)
	for j := 0; j < n; j++ {
		m.drawLabels(res[j*A:(j+1)*A], z[j*nz:(j+1)*nz])
	}
	return res, nil
}

// GenerateLabels is Generate for a conditional model: labels holds each
// image's label bytes (n images, len(Config.Cond) bytes each; 0 unknown,
// k the attribute's value k-1, LabelDraw: drawn from the training
// frequencies for that latent). nil labels draws them all. For an
// unconditional model labels must be nil.
func (m *Model) GenerateLabels(z []float32, labels []byte, n int, raw bool) ([]float32, error) {
	if n < 0 || len(z) != n*m.cfg.NZ {
		return nil, fmt.Errorf("gan: generate: %d latent values for %d images of nz %d", len(z), n, m.cfg.NZ)
	}
	if m.cond == nil {
		if labels != nil {
			return nil, errors.New("gan: generate: labels given to an unconditional model")
		}
		return m.Generate(z, n, raw)
	}
	if labels == nil {
		labels = make([]byte, n*len(m.cfg.Cond.Attrs))
		for i := range labels {
			labels[i] = LabelDraw
		}
	}
	res, err := m.resolveLabels(labels, z, n)
	if err != nil {
		return nil, err
	}
	nz := m.cfg.NZ
	which := "EMA"
	if raw {
		which = "G"
	} else if err := m.SyncEMA(); err != nil {
		return nil, err
	}
	return m.runChunks(which, z, &condBatch{labels: res}, n, nz, 1, m.imageLen(), m.hw())
}

// standingLabels returns the generator of the standing statistics' labels
// (nil for an unconditional model): a stream of its own, so the labels,
// like the latents, are the same every time.
func (m *Model) standingLabels() *rand.Rand {
	if m.cond == nil {
		return nil
	}
	return rand.New(rand.NewPCG(m.cfg.Seed, 0x57a4e))
}

// drawStandingRows fills rows (G's table) with labels drawn from the
// training frequencies by r.
func (m *Model) drawStandingRows(rows *nn.EmbedRows, r *rand.Rand) {
	if rows == nil {
		return
	}
	A := len(m.cfg.Cond.Attrs)
	n := len(rows.Rows) / A
	labels := make([]byte, n*A)
	for j := 0; j < n; j++ {
		for a, cum := range m.cond.cum {
			labels[j*A+a] = drawFrom(cum, r.Float64())
		}
	}
	m.setRows(rows, labels, n, false)
}

// trainRows are the training batch's rows for D's table (forD) or G's,
// nil for an unconditional model.
func (m *Model) trainRows(forD bool) *nn.EmbedRows {
	switch {
	case m.cond == nil:
		return nil
	case forD:
		return m.cond.trainD
	}
	return m.cond.trainG
}

// condBatch is the conditioning of n images for inference: their labels,
// and with mix set, second labels (to) and each image's weight of them.
type condBatch struct {
	labels, to []byte
	mix        []float32
}

// chunkRows fills an inference graph's rows with the conditioning of
// images lo..lo+k (nil: all unknown); the rest of the graph's batch is
// padding.
func (m *Model) chunkRows(rows *nn.EmbedRows, forD bool, cb *condBatch, lo, k int) {
	if rows == nil {
		return
	}
	A := len(m.cfg.Cond.Attrs)
	part := make([]byte, k*A)
	if cb != nil {
		copy(part, cb.labels[lo*A:(lo+k)*A])
	}
	m.setRows(rows, part, k, forD)
	rows.To, rows.Mix = nil, nil
	if cb == nil || cb.mix == nil {
		return
	}
	to := nn.NewEmbedRows(A, len(rows.Rows)/A)
	copy(part, cb.to[lo*A:(lo+k)*A])
	m.setRows(to, part, k, forD)
	rows.To, rows.Mix = to.Rows, make([]float32, len(rows.Rows)/A)
	copy(rows.Mix, cb.mix[lo:lo+k])
}

// GenerateMix draws n images between two labellings with their latents
// fixed: image j's embeddings are (1-t[j]) x those of from's labels plus
// t[j] x those of to's (labels as for GenerateLabels; LabelDraw in either
// is drawn for the latent, the same in both).
func (m *Model) GenerateMix(z []float32, from, to []byte, t []float32, n int, raw bool) ([]float32, error) {
	if m.cond == nil {
		return nil, errors.New("gan: generate: the model is unconditional")
	}
	nz := m.cfg.NZ
	if n < 0 || len(z) != n*nz || len(t) != n {
		return nil, fmt.Errorf("gan: generate: %d latent values and %d weights for %d images of nz %d", len(z), len(t), n, nz)
	}
	cb := &condBatch{mix: t}
	var err error
	if cb.labels, err = m.resolveLabels(from, z, n); err != nil {
		return nil, err
	}
	if cb.to, err = m.resolveLabels(to, z, n); err != nil {
		return nil, err
	}
	which := "EMA"
	if raw {
		which = "G"
	} else if err := m.SyncEMA(); err != nil {
		return nil, err
	}
	return m.runChunks(which, z, cb, n, nz, 1, m.imageLen(), m.hw())
}

// condNames lists a configuration's attribute names, comma-separated.
func condNames(cfg Config) string {
	names := make([]string, len(cfg.CondAttrs()))
	for i, a := range cfg.CondAttrs() {
		names[i] = a.Name
	}
	return strings.Join(names, ",")
}

// inferParams are the weights an inference graph of b reads: all of them,
// but D's auxiliary classifier (CondACGAN) has no part in D's logit.
func (m *Model) inferParams(b *bound) gorgonia.Nodes {
	ps := b.params()
	if b.n != m.d || m.cond == nil || m.cfg.Cond.D != CondACGAN {
		return ps
	}
	table := b.nodes[condEmbedName]
	return slices.DeleteFunc(ps, func(n *gorgonia.Node) bool { return n == table })
}
