// Command hostiletool builds the damaged inputs of scripts/hostile.sh:
//
//	hostiletool pngs DIR N SIZE           N distinct SIZE x SIZE PNG images in DIR
//	hostiletool poison IN OUT TENSOR      checkpoint copy with a NaN in TENSOR
//	hostiletool setcfg IN OUT KEY=INT...  checkpoint copy whose config metadata says KEY=INT
//	hostiletool encrypted-zip OUT DIR     zip of DIR's files plus one entry flagged encrypted
//	hostiletool bigtar OUT N MB           .tar.gz of N members of MB MiB each (zeros named .png)
//
// It edits safetensors bytes directly (header length, JSON header, data), so
// it shares no code with the readers it is meant to test.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: hostiletool pngs|poison|setcfg|encrypted-zip ...")
	}
	var err error
	switch a := os.Args[2:]; os.Args[1] {
	case "pngs":
		err = pngs(a)
	case "poison":
		err = poison(a)
	case "setcfg":
		err = setcfg(a)
	case "encrypted-zip":
		err = encZip(a)
	case "bigtar":
		err = bigTar(a)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "hostiletool:", msg)
	os.Exit(1)
}

func pngs(a []string) error {
	if len(a) != 3 {
		return fmt.Errorf("pngs DIR N SIZE")
	}
	n, _ := strconv.Atoi(a[1])
	size, _ := strconv.Atoi(a[2])
	if err := os.MkdirAll(a[0], 0o755); err != nil {
		return err
	}
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		for y := range size {
			for x := range size {
				img.Set(x, y, color.NRGBA{uint8(i*37 + x*5), uint8(i*11 + y*3), uint8(x ^ y ^ i), 255})
			}
		}
		f, err := os.Create(filepath.Join(a[0], fmt.Sprintf("img-%04d.png", i)))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// split returns the JSON header and the data buffer of a safetensors file.
func split(path string) (map[string]json.RawMessage, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("%s: too short", path)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("%s: bad header length", path)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &h); err != nil {
		return nil, nil, err
	}
	return h, b[8+n:], nil
}

func join(path string, h map[string]json.RawMessage, data []byte) error {
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	out := make([]byte, 8, 8+len(hb)+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(hb)))
	out = append(append(out, hb...), data...)
	return os.WriteFile(path, out, 0o644)
}

func poison(a []string) error {
	if len(a) != 3 {
		return fmt.Errorf("poison IN OUT TENSOR")
	}
	h, data, err := split(a[0])
	if err != nil {
		return err
	}
	var e struct {
		Offsets [2]int `json:"data_offsets"`
	}
	raw, ok := h[a[2]]
	if !ok {
		return fmt.Errorf("no tensor %q", a[2])
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return err
	}
	mid := e.Offsets[0] + (e.Offsets[1]-e.Offsets[0])/8*4
	binary.LittleEndian.PutUint32(data[mid:], 0x7fc00000) // float32 NaN
	return join(a[1], h, data)
}

func setcfg(a []string) error {
	if len(a) < 3 {
		return fmt.Errorf("usage: setcfg IN OUT KEY=INT [KEY=INT]")
	}
	h, data, err := split(a[0])
	if err != nil {
		return err
	}
	var meta map[string]string
	if err := json.Unmarshal(h["__metadata__"], &meta); err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(meta["config"]), &cfg); err != nil {
		return err
	}
	for _, kv := range a[2:] {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		cfg[k] = n
	}
	cb, _ := json.Marshal(cfg)
	meta["config"] = string(cb)
	mb, _ := json.Marshal(meta)
	h["__metadata__"] = mb
	return join(a[1], h, data)
}

func encZip(a []string) error {
	if len(a) != 2 {
		return fmt.Errorf("encrypted-zip OUT DIR")
	}
	f, err := os.Create(a[0])
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	ents, err := os.ReadDir(a[1])
	if err != nil {
		return err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(a[1], e.Name()))
		if err != nil {
			return err
		}
		w, err := zw.Create(e.Name())
		if err != nil {
			return err
		}
		w.Write(b)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "secret.png", Method: zip.Deflate, Flags: 0x1})
	if err != nil {
		return err
	}
	w.Write([]byte("ciphertext, as far as anyone can tell"))
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func bigTar(a []string) error {
	if len(a) != 3 {
		return fmt.Errorf("usage: bigtar OUT N MB")
	}
	n, _ := strconv.Atoi(a[1])
	mb, _ := strconv.Atoi(a[2])
	f, err := os.Create(a[0])
	if err != nil {
		return err
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	zeros := make([]byte, 1<<20)
	for i := range n {
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("big-%03d.png", i), Mode: 0o644, Size: int64(mb) << 20, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		for range mb {
			if _, err := tw.Write(zeros); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}
