package plot

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgeps"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Drawer draws itself on a canvas: a *Figure, or a *plot.Plot of gonum/plot.
type Drawer interface {
	Draw(c draw.Canvas)
}

// RasterDPI is the resolution of PNG and JPEG files written by Save: 150 dots per inch, so
// that a 6-inch figure is 900 pixels wide.
const RasterDPI = 150

// Formats lists the file extensions Save accepts.
var Formats = []string{".png", ".svg", ".pdf", ".eps", ".jpg", ".jpeg"}

// Save draws d on a canvas of size w × h and writes it to path in the format of the path's
// extension (upper or lower case): .png, .svg, .pdf, .eps, .jpg or .jpeg. It writes a
// temporary file in the same directory and renames it onto path, so that path never holds
// a half-written figure. An unknown extension, or a size that is not positive, is an error.
func Save(d Drawer, path string, w, h vg.Length) error {
	return save(d, path, w, h, RasterDPI)
}

// save is Save at dpi dots per inch.
func save(d Drawer, path string, w, h vg.Length, dpi float64) (err error) {
	ext := strings.ToLower(filepath.Ext(path))
	known := false
	for _, f := range Formats {
		known = known || f == ext
	}
	if !known {
		return fmt.Errorf("plot: unknown image format %q of %s (want one of %s)", ext, path, strings.Join(Formats, ", "))
	}
	if !(w > 0 && h > 0) {
		return fmt.Errorf("plot: figure size %v × %v must be positive", w, h)
	}
	var c vg.CanvasWriterTo
	switch ext {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(int(math.Round(dpi))))}
	case ".jpg", ".jpeg":
		c = vgimg.JpegCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(int(math.Round(dpi))))}
	case ".svg":
		c = vgsvg.New(w, h)
	case ".pdf":
		c = vgpdf.New(w, h)
	default: // ".eps"
		c = vgeps.New(w, h)
	}
	switch ext {
	case ".svg", ".pdf", ".eps":
		d.Draw(draw.New(outlineCanvas{c}))
	default:
		d.Draw(draw.New(c))
	}

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if ext == ".eps" {
		err = writeEPS(f, c)
	} else {
		_, err = c.WriteTo(f)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	// CreateTemp makes the file private (0600); give it the mode of a new file.
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// writeEPS writes the EPS canvas c to w with its first line repaired: gonum's vgeps (v0.17)
// writes "%%!PS-Adobe-3.0 EPSF-3.0", and a PostScript reader recognizes a file by its
// first two bytes "%!".
func writeEPS(w io.Writer, c io.WriterTo) error {
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	b := buf.Bytes()
	if bytes.HasPrefix(b, []byte("%%!PS")) {
		b = b[1:]
	}
	_, err := w.Write(b)
	return err
}
