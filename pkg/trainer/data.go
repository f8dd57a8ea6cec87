package trainer

import (
	"fmt"

	"github.com/toongan/toongan/pkg/loader"
	"github.com/toongan/toongan/pkg/shard"
)

// Dataset is the training data as the trainer sees it.
type Dataset struct {
	Source   loader.Source // the training images, uint8 HWC
	Size     int           // image side in pixels
	Channels int           // 1 or 3
	Hash     string        // content hash of the data set (from the manifest)
	Labels   *shard.Labels // the label vocabulary; nil without labels
	Close    func() error  // releases the files; may be nil
}

// OpenData opens the training split of a prep output directory (its
// manifest.json and train shards, each validated in full; records are then
// read one at a time with ReadAt).
func OpenData(dir string) (*Dataset, error) {
	m, err := shard.Load(dir)
	if err != nil {
		return nil, err
	}
	if m.Channels != 1 && m.Channels != 3 {
		return nil, fmt.Errorf("%q: %d channels; training needs 1 or 3", dir, m.Channels)
	}
	set, err := m.OpenSplit(m.Train)
	if err != nil {
		return nil, err
	}
	return &Dataset{Source: set, Size: m.Size, Channels: m.Channels, Hash: m.ContentHash, Labels: m.Labels, Close: set.Close}, nil
}
