package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/toongan/toongan/pkg/atomicfile"
	"github.com/toongan/toongan/pkg/checkpoint"
	"github.com/toongan/toongan/pkg/cliapp"
	"github.com/toongan/toongan/pkg/gan"
	"github.com/toongan/toongan/pkg/memlimit"
	"github.com/toongan/toongan/pkg/onnx"
	"github.com/toongan/toongan/pkg/version"
	"github.com/urfave/cli/v2"
)

// onnxExclusive are the flags that ask for pictures, which --export-onnx
// does not draw.
var onnxExclusive = []string{"out", "dir", "interp", "seeds", "latents", "save-latents", "save-floats"}

// exportONNX writes the checkpoint's generator (EMA unless --raw) to path
// as an ONNX model (pkg/onnx) and nothing else.
func exportONNX(c *cli.Context, path string) error {
	for _, f := range onnxExclusive {
		if c.IsSet(f) {
			return cliapp.UsageErrorf("--export-onnx writes only the ONNX model; drop --%s (run sample again for pictures)", f)
		}
	}
	if strings.ToLower(filepath.Ext(path)) != ".onnx" {
		return cliapp.UsageErrorf("--export-onnx %q: end the name in .onnx", path)
	}
	if _, err := atomicfile.Resolve(path); err != nil {
		return cliapp.UsageErrorf("--export-onnx: %v", err)
	}
	ckpt := c.String("ckpt")
	meta, err := checkpoint.CheckHeader(ckpt)
	if err != nil {
		return err
	}
	if err := onnx.Check(meta.Config); err != nil {
		return fmt.Errorf("checkpoint %q: %w", ckpt, err)
	}
	gen, err := onnx.GeneratorBytes(meta.Config)
	if err != nil {
		return err
	}
	// The model as train holds it (an upper bound of what loading and the
	// standing statistics take), a copy of the generator's tensors and the
	// encoded message.
	if err := memlimit.Check(fmt.Sprintf("exporting a %d px generator", meta.Config.Size),
		gan.EstimateBytes(meta.Config)+2*gen); err != nil {
		return err
	}
	m, meta, err := checkpoint.Load(ckpt)
	if err != nil {
		return err
	}
	info := onnx.Info{Version: version.Version, Step: int64(meta.Step), Raw: c.Bool("raw")}
	if err := onnx.Export(path, m, info); err != nil {
		return fmt.Errorf("checkpoint %q: %w", ckpt, err)
	}
	if !c.Bool("quiet") {
		which := "EMA generator"
		if info.Raw {
			which = "raw generator"
		}
		size := int64(0)
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		fmt.Fprintf(c.App.ErrWriter, "sample: step %d checkpoint, %s -> %s (ONNX opset %d, %.1f MB; input %q [batch, %d], output %q [batch, %d, %d, %d])\n",
			meta.Step, which, path, onnx.Opset, float64(size)/1e6, onnx.InputName, meta.Config.NZ, onnx.OutputName,
			meta.Config.Channels, meta.Config.Size, meta.Config.Size)
	}
	return nil
}
