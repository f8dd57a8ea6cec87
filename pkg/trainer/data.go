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
	Close    func() error  // releases the files; may be nil
}

// shardSource adapts a shard reader to loader.Source.
type shardSource struct{ r *shard.Reader }

func (s shardSource) Len() int                     { return s.r.Len() }
func (s shardSource) Read(i int, dst []byte) error { return s.r.ReadRecord(i, dst) }

// OpenData opens the training split of a prep output directory (its
// manifest.json and train shards, each validated in full; records are then
// read one at a time with ReadAt).
func OpenData(dir string) (*Dataset, error) {
	m, err := shard.Load(dir)
	if err != nil {
		return nil, err
	}
	if m.Channels != 1 && m.Channels != 3 {
		return nil, fmt.Errorf("%s: %d channels; training needs 1 or 3", dir, m.Channels)
	}
	var srcs []loader.Source
	var readers []*shard.Reader
	closeAll := func() error {
		var first error
		for _, r := range readers {
			if err := r.Close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for i, p := range m.TrainPaths() {
		r, err := shard.Open(p)
		if err != nil {
			closeAll()
			return nil, err
		}
		readers = append(readers, r)
		h := r.Header()
		if h.Height != m.Size || h.Width != m.Size || h.Channels != m.Channels || h.Count != m.Train.Shards[i].Count {
			closeAll()
			return nil, fmt.Errorf("shard %s holds %d images of %dx%dx%d, its manifest says %d of %dx%dx%d",
				p, h.Count, h.Height, h.Width, h.Channels, m.Train.Shards[i].Count, m.Size, m.Size, m.Channels)
		}
		srcs = append(srcs, shardSource{r})
	}
	return &Dataset{Source: loader.Concat(srcs...), Size: m.Size, Channels: m.Channels, Hash: m.ContentHash, Close: closeAll}, nil
}
