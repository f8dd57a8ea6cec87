package checkpoint

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/safetensors"
	"github.com/toongan/toongan/pkg/version"
)

// FormatName is the value of the "format" metadata key in every toongan checkpoint.
const FormatName = "toongan-checkpoint"

// FormatVersion is the checkpoint format this package writes and reads.
const FormatVersion = 1

// Metadata keys in the safetensors __metadata__ map (all values are strings).
const (
	KeyFormat        = "format"
	KeyFormatVersion = "format_version"
	KeyConfig        = "config" // gan.Config as JSON
	KeyStep          = "step"
	KeyEpoch         = "epoch"
	KeyDataPos       = "data_pos"
	KeyDatasetHash   = "dataset_hash"
	KeyImageSize     = "image_size"
	KeyChannels      = "channels"
	KeyRNG           = "rng"          // base64
	KeyLoaderState   = "loader_state" // base64
	KeyCreated       = "created"      // RFC 3339
	KeyVersion       = "toongan_version"
	extraPrefix      = "x."
)

// Meta is what a checkpoint records besides the tensors.
type Meta struct {
	FormatVersion int        // FormatVersion when written by this package
	Config        gan.Config // the model's full configuration
	Step          int        // training steps done
	Epoch         int        // current epoch (0-based)
	DataPos       int        // batches of the current epoch already consumed
	DatasetHash   string     // content hash of the training data (manifest)
	ImageSize     int        // image side in pixels
	Channels      int        // image channels
	RNG           []byte     // the model's latent RNG state (Model.RNGState)
	Loader        LoaderState
	Created       string // RFC 3339 time of writing
	Version       string // toongan version that wrote it
	Extra         map[string]string
}

// LoaderState is where the training data stream stood, stored as JSON
// (then base64) under KeyLoaderState. The data position itself is Epoch
// and DataPos; these fields let a resumed run check that the data still
// fits.
type LoaderState struct {
	Seed     uint64  `json:"seed"`              // the loader's shuffle seed (the model's)
	Images   int     `json:"images"`            // training images of the data set
	Batch    int     `json:"batch"`             // batch size
	PerEpoch int     `json:"batches_per_epoch"` // full batches per epoch
	Elapsed  float64 `json:"elapsed_s"`         // training seconds so far, all invocations
}

// Stater is the part of a model that Save needs; *gan.Model satisfies it.
type Stater interface {
	State() []safetensors.Tensor
	RNGState() ([]byte, error)
}

// Restorer is the part of a model that Restore needs; *gan.Model satisfies it.
type Restorer interface {
	State() []safetensors.Tensor
	SetState([]safetensors.Tensor) error
	SetRNGState([]byte) error
}

// NonFiniteError reports a NaN or Inf weight found while saving.
type NonFiniteError struct {
	Tensor string
	Index  int
	Value  float32
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("tensor %s holds %v at index %d", e.Tensor, e.Value, e.Index)
}

// CheckFinite returns a *NonFiniteError for the first NaN or Inf in ts.
func CheckFinite(ts []safetensors.Tensor) error {
	for _, t := range ts {
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return &NonFiniteError{Tensor: t.Name, Index: i, Value: v}
			}
		}
	}
	return nil
}

// Encode turns meta into checkpoint metadata strings. FormatVersion, Created
// and Version are filled in when zero.
func Encode(meta Meta) (map[string]string, error) {
	cfg, err := json.Marshal(meta.Config)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	loader, err := json.Marshal(meta.Loader)
	if err != nil {
		return nil, fmt.Errorf("encode loader state: %w", err)
	}
	fv := meta.FormatVersion
	if fv == 0 {
		fv = FormatVersion
	}
	created := meta.Created
	if created == "" {
		created = time.Now().UTC().Format(time.RFC3339)
	}
	ver := meta.Version
	if ver == "" {
		ver = version.Version
	}
	m := map[string]string{
		KeyFormat:        FormatName,
		KeyFormatVersion: strconv.Itoa(fv),
		KeyConfig:        string(cfg),
		KeyStep:          strconv.Itoa(meta.Step),
		KeyEpoch:         strconv.Itoa(meta.Epoch),
		KeyDataPos:       strconv.Itoa(meta.DataPos),
		KeyDatasetHash:   meta.DatasetHash,
		KeyImageSize:     strconv.Itoa(meta.ImageSize),
		KeyChannels:      strconv.Itoa(meta.Channels),
		KeyRNG:           base64.StdEncoding.EncodeToString(meta.RNG),
		KeyLoaderState:   base64.StdEncoding.EncodeToString(loader),
		KeyCreated:       created,
		KeyVersion:       ver,
	}
	for k, v := range meta.Extra {
		m[extraPrefix+k] = v
	}
	return m, nil
}

// Decode parses checkpoint metadata written by Encode. It fails on files
// that are not toongan checkpoints or that have an unsupported format version.
func Decode(m map[string]string) (Meta, error) {
	var meta Meta
	if f := m[KeyFormat]; f != FormatName {
		if f == "" {
			return meta, errors.New("not a toongan checkpoint (no \"format\" metadata)")
		}
		return meta, fmt.Errorf("not a toongan checkpoint (format %q)", f)
	}
	fv, err := strconv.Atoi(m[KeyFormatVersion])
	if err != nil {
		return meta, fmt.Errorf("invalid format_version %q", m[KeyFormatVersion])
	}
	if fv != FormatVersion {
		return meta, fmt.Errorf("unsupported checkpoint format version %d (this toongan %s reads version %d)",
			fv, version.Version, FormatVersion)
	}
	meta.FormatVersion = fv
	// Fields absent from an older config take their defaults; fields present
	// are kept as they are, zero included, and must be valid.
	meta.Config = gan.DefaultConfig(0)
	meta.Config.EMADecay, meta.Config.Seed = 0, 0
	dec := json.NewDecoder(strings.NewReader(m[KeyConfig]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta.Config); err != nil {
		return meta, fmt.Errorf("invalid config metadata: %w", err)
	}
	if err := meta.Config.Validate(); err != nil {
		return meta, fmt.Errorf("config metadata: %w", err)
	}
	ints := []struct {
		key string
		dst *int
	}{
		{KeyStep, &meta.Step}, {KeyEpoch, &meta.Epoch}, {KeyDataPos, &meta.DataPos},
		{KeyImageSize, &meta.ImageSize}, {KeyChannels, &meta.Channels},
	}
	for _, f := range ints {
		v, err := strconv.Atoi(m[f.key])
		if err != nil || v < 0 {
			return meta, fmt.Errorf("invalid %s metadata %q", f.key, m[f.key])
		}
		*f.dst = v
	}
	if meta.RNG, err = base64.StdEncoding.DecodeString(m[KeyRNG]); err != nil {
		return meta, fmt.Errorf("invalid rng metadata: %w", err)
	}
	loader, err := base64.StdEncoding.DecodeString(m[KeyLoaderState])
	if err != nil {
		return meta, fmt.Errorf("invalid loader_state metadata: %w", err)
	}
	if len(loader) > 0 {
		if err := json.Unmarshal(loader, &meta.Loader); err != nil {
			return meta, fmt.Errorf("invalid loader_state metadata: %w", err)
		}
	}
	meta.DatasetHash = m[KeyDatasetHash]
	meta.Created = m[KeyCreated]
	meta.Version = m[KeyVersion]
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, extraPrefix); ok {
			if meta.Extra == nil {
				meta.Extra = map[string]string{}
			}
			meta.Extra[name] = v
		}
	}
	return meta, nil
}

// Save writes m's tensors and meta as dir/step-NNNNNN.safetensors (step is
// meta.Step's file name; pass the same value), points dir/latest.safetensors
// at it and keeps only the newest keep step files (keep <= 0 keeps all).
// meta.RNG is taken from m.RNGState(). A model holding NaN or Inf weights is
// not written: Save returns a *NonFiniteError and leaves dir untouched.
func Save(dir string, step, keep int, m Stater, meta Meta) (string, error) {
	if s, ok := m.(interface{ SyncEMA() error }); ok {
		if err := s.SyncEMA(); err != nil {
			return "", fmt.Errorf("save checkpoint step %d in %s: %w", step, dir, err)
		}
	}
	state := m.State()
	if err := CheckFinite(state); err != nil {
		return "", fmt.Errorf("save checkpoint step %d in %s: %w", step, dir, err)
	}
	rng, err := m.RNGState()
	if err != nil {
		return "", fmt.Errorf("save checkpoint step %d in %s: rng state: %w", step, dir, err)
	}
	meta.RNG = rng
	meta.Step = step
	md, err := Encode(meta)
	if err != nil {
		return "", fmt.Errorf("save checkpoint step %d in %s: %w", step, dir, err)
	}
	return safetensors.SaveStep(dir, step, keep, state, md)
}

// ReadMeta reads only the metadata of the checkpoint at path.
func ReadMeta(path string) (Meta, error) {
	md, err := safetensors.ReadMeta(path)
	if err != nil {
		return Meta{}, err
	}
	meta, err := Decode(md)
	if err != nil {
		return Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	return meta, nil
}

// Restore loads the checkpoint at path into m, which must have been built
// with the checkpoint's Config (see ReadMeta). Every tensor of m.State() must
// be in the file with the same shape; the RNG state is restored too.
func Restore(path string, m Restorer) (Meta, error) {
	f, meta, err := read(path, func(gan.Config) ([]safetensors.Tensor, error) { return m.State(), nil })
	if err != nil {
		return Meta{}, err
	}
	if err := restore(f, m, meta); err != nil {
		return Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	return meta, nil
}

// CheckHeader reads only the header of the checkpoint at path and checks
// it against the model its config describes: every tensor a gan.Model of
// that config holds must be there with the same shape. A caller that is
// about to build that model calls it first, so that a damaged or forged
// header cannot make it allocate a huge model.
func CheckHeader(path string) (Meta, error) {
	_, meta, err := readHeader(path, gan.StateShapes)
	return meta, err
}

func readHeader(path string, want func(gan.Config) ([]safetensors.Tensor, error)) (*safetensors.Header, Meta, error) {
	h, err := safetensors.ReadHeader(path)
	if err != nil {
		return nil, Meta{}, err
	}
	meta, err := Decode(h.Meta)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	ws, err := want(meta.Config)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	if err := checkHeader(h, ws, meta.Config); err != nil {
		return nil, Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	return h, meta, nil
}

// read loads a checkpoint defensively, refusing it before anything big is
// allocated when it cannot be right: the header alone is read first (a
// regular file, bounded), its config decoded and validated, and every
// tensor shape that want returns for the config compared with the
// header's; only then are the tensors read, and each is checked for NaN
// and Inf.
func read(path string, want func(gan.Config) ([]safetensors.Tensor, error)) (*safetensors.File, Meta, error) {
	_, meta, err := readHeader(path, want)
	if err != nil {
		return nil, Meta{}, err
	}
	f, err := safetensors.Load(path)
	if err != nil {
		return nil, Meta{}, err
	}
	if err := CheckFinite(f.Tensors); err != nil {
		return nil, Meta{}, fmt.Errorf("%q: %w: the checkpoint is damaged or was saved from a diverged run", path, err)
	}
	return f, meta, nil
}

// checkHeader compares the header's tensors with those a model holds.
func checkHeader(h *safetensors.Header, want []safetensors.Tensor, cfg gan.Config) error {
	have := make(map[string]safetensors.Info, len(h.Tensors))
	for _, in := range h.Tensors {
		have[in.Name] = in
	}
	var missing []string
	for _, w := range want {
		in, ok := have[w.Name]
		if !ok {
			missing = append(missing, w.Name)
			continue
		}
		if in.DType != "F32" || !slices.Equal(in.Shape, w.Shape) {
			return fmt.Errorf("tensor %s has shape %v (%s), the model (config %s) needs %v (F32)",
				w.Name, in.Shape, in.DType, describe(cfg), w.Shape)
		}
	}
	if len(missing) > 0 {
		return missingError(missing)
	}
	return nil
}

// missingError names the first five missing tensors and counts the rest.
func missingError(missing []string) error {
	more := ""
	if len(missing) > 5 {
		more = fmt.Sprintf(" and %d more", len(missing)-5)
		missing = missing[:5]
	}
	return fmt.Errorf("missing tensors %s%s", strings.Join(missing, ", "), more)
}

func restore(f *safetensors.File, m Restorer, meta Meta) error {
	want := m.State()
	var missing []string
	ts := make([]safetensors.Tensor, 0, len(want))
	for _, w := range want {
		t, ok := f.Get(w.Name)
		if !ok {
			missing = append(missing, w.Name)
			continue
		}
		if !slices.Equal(t.Shape, w.Shape) {
			return fmt.Errorf("tensor %s has shape %v, the model (config %s) needs %v",
				w.Name, t.Shape, describe(meta.Config), w.Shape)
		}
		ts = append(ts, t)
	}
	if len(missing) > 0 {
		return missingError(missing)
	}
	if err := m.SetState(ts); err != nil {
		return fmt.Errorf("set model state: %w", err)
	}
	if err := m.SetRNGState(meta.RNG); err != nil {
		return fmt.Errorf("restore rng state: %w", err)
	}
	return nil
}

// Load builds the model a checkpoint describes (gan.New with its Config) and
// loads its tensors and RNG state, after the checks of read.
func Load(path string) (*gan.Model, Meta, error) {
	f, meta, err := read(path, gan.StateShapes)
	if err != nil {
		return nil, Meta{}, err
	}
	m, err := gan.New(meta.Config)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%q: build model: %w", path, err)
	}
	if err := restore(f, m, meta); err != nil {
		return nil, Meta{}, fmt.Errorf("%q: %w", path, err)
	}
	return m, meta, nil
}

func describe(c gan.Config) string {
	return fmt.Sprintf("arch=%s size=%d nz=%d ngf=%d ndf=%d kernel=%d", c.Arch, c.Size, c.NZ, c.NGF, c.NDF, c.Kernel)
}
