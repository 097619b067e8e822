//go:build ignore

// Command render-icons rasterises assets/icons/*.svg to 512×512 PNGs with the
// same SVG renderer Fyne uses at run time (fyne-io/oksvg + srwiley/rasterx),
// so the PNGs match what Fyne would draw and need no external tools.
//
// Run from the repository root: go run scripts/render-icons/main.go
package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

const size = 512

func main() {
	svgs, err := filepath.Glob(filepath.Join("assets", "icons", "*.svg"))
	if err != nil || len(svgs) == 0 {
		fmt.Fprintln(os.Stderr, "render-icons: no assets/icons/*.svg (run from the repository root)")
		os.Exit(1)
	}
	for _, in := range svgs {
		out := strings.TrimSuffix(in, ".svg") + ".png"
		if err := render(in, out); err != nil {
			fmt.Fprintf(os.Stderr, "render-icons: %s: %v\n", in, err)
			os.Exit(1)
		}
		fmt.Println(in, "->", out)
	}
}

func render(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	icon, err := oksvg.ReadIconStream(f, oksvg.StrictErrorMode)
	if err != nil {
		return err
	}
	icon.SetTarget(0, 0, size, size)
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)

	w, err := os.Create(out)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(w, img); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
