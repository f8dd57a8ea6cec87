package imageset

import (
	"crypto/sha256"
	"image"
	"image/color"
	"image/jpeg"
	"io"
)

var white = color.NRGBA{255, 255, 255, 255}

func jpegEncode(w io.Writer, img image.Image) error {
	return jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
