package plot

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgeps"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/layerflow/layerflow/analysis/budget"
)

// Drawer draws itself on a canvas: a *Figure, or a *plot.Plot of gonum/plot.
type Drawer interface {
	Draw(c draw.Canvas)
}

// RasterDPI is the resolution of PNG and JPEG files written by Save: 150 dots per inch, so
// that a 6-inch figure is 900 pixels wide.
const RasterDPI = 150

// MaxRasterPixels is the most pixels a PNG or JPEG file written by Save may have: 2²⁷, some
// 134 million (11 585 pixels square, a 40-inch poster at 289 dpi). Drawing takes
// RasterBytesPerPixel each and about 0.4 s a million pixels, so that a larger raster is a
// mistake in the size or the resolution (40 × 40 inches at 2400 dpi would be 9.2·10⁹
// pixels and 150 GB); a vector format has no such limit.
const MaxRasterPixels = 1 << 27

// RasterBytesPerPixel is the memory drawing and writing a PNG or JPEG takes per pixel:
// vgimg's RGBA image (4 bytes), the copy gg draws on (4 more), and the garbage of the
// previous figure of the command that the collector has not yet returned. Measured as the
// peak resident memory of `gd --plot x.png` (three figures) at 9·10⁶, 2.5·10⁷ and 10⁸ pixels,
// less that of the run without figures: 16.4 to 16.7 bytes a pixel.
const RasterBytesPerPixel = 17

// maxJPEGSide is the longest side image/jpeg encodes (it refuses 65 536 pixels and more).
const maxJPEGSide = 1<<16 - 1

// RasterSize returns the size in pixels of the raster Save draws for a figure of w × h at
// dpi dots per inch (rounded to a whole dpi and to whole pixels as vgimg does), as float64
// so that no size overflows.
func RasterSize(w, h vg.Length, dpi float64) (nx, ny float64) {
	d := vg.Length(math.Round(dpi))
	px := func(l vg.Length) float64 { return math.Floor(float64(l/vg.Inch*d) + 0.5) }
	return px(w), px(h)
}

// CheckRaster returns an error unless a PNG or JPEG figure of w × h at dpi can be drawn:
// a finite positive size of at most MaxRasterPixels pixels whose drawing, at
// RasterBytesPerPixel, fits the memory budget (package budget, --max-memory). The error
// names the size, the resolution and the number of pixels. Save checks this before it
// allocates the image.
func CheckRaster(w, h vg.Length, dpi float64) error {
	if !(w > 0 && h > 0) || math.IsInf(float64(w), 0) || math.IsInf(float64(h), 0) {
		return fmt.Errorf("plot: figure size %v × %v must be positive and finite", w, h)
	}
	if !(dpi > 0) || math.IsInf(dpi, 0) {
		return fmt.Errorf("plot: resolution %v dpi must be positive and finite", dpi)
	}
	nx, ny := RasterSize(w, h, dpi)
	n := nx * ny
	what := fmt.Sprintf("a figure of %.0f × %.0f = %.0f pixels (%.4g × %.4g in at %.0f dpi: --width, --height, --dpi)",
		nx, ny, n, float64(w/vg.Inch), float64(h/vg.Inch), math.Round(dpi))
	if !(n >= 1) {
		return fmt.Errorf("plot: %s has no pixel", what)
	}
	if n > MaxRasterPixels {
		return fmt.Errorf("plot: %s has more than the %d pixels a PNG may have (%.0f MB to draw); lower the resolution or the size, or write .svg or .pdf",
			what, MaxRasterPixels, n*RasterBytesPerPixel/1e6)
	}
	return budget.Check(what, int64(n)*RasterBytesPerPixel)
}

// Formats lists the file extensions Save accepts.
var Formats = []string{".png", ".svg", ".pdf", ".eps", ".jpg", ".jpeg"}

// Save draws d on a canvas of size w × h and writes it to path in the format of the path's
// extension (upper or lower case): .png, .svg, .pdf, .eps, .jpg or .jpeg. It writes a
// temporary file in the same directory and renames it onto path, so that path never holds
// a half-written figure. An unknown extension, or a size that is not positive, is an error,
// and so is a PNG or JPEG that CheckRaster refuses (too many pixels, or more memory than the
// budget), found before anything is drawn.
func Save(d Drawer, path string, w, h vg.Length) error {
	return save(nil, d, path, w, h, RasterDPI)
}

// SaveContext is Save stopped by ctx: when ctx is done before the figure is written, the
// drawing stops at its next stroke, nothing is written (no temporary file is left either),
// and the error wraps ctx.Err().
func SaveContext(ctx context.Context, d Drawer, path string, w, h vg.Length) error {
	return save(ctx, d, path, w, h, RasterDPI)
}

// save is Save at dpi dots per inch, stopped by ctx when not nil.
func save(ctx context.Context, d Drawer, path string, w, h vg.Length, dpi float64) (err error) {
	ext := strings.ToLower(filepath.Ext(path))
	known := false
	for _, f := range Formats {
		known = known || f == ext
	}
	if !known {
		return fmt.Errorf("plot: unknown image format %q of %s (want one of %s)", ext, path, strings.Join(Formats, ", "))
	}
	if !(w > 0 && h > 0) || math.IsInf(float64(w), 0) || math.IsInf(float64(h), 0) {
		return fmt.Errorf("plot: figure size %v × %v must be positive and finite", w, h)
	}
	switch ext {
	case ".png", ".jpg", ".jpeg":
		if err := CheckRaster(w, h, dpi); err != nil {
			return err
		}
		if nx, ny := RasterSize(w, h, dpi); ext != ".png" && max(nx, ny) > maxJPEGSide {
			return fmt.Errorf("plot: a JPEG figure of %.0f × %.0f pixels is over the %d pixels a side JPEG allows; lower the resolution or the size, or write .png", nx, ny, maxJPEGSide)
		}
	}
	if err := stopped(ctx); err != nil {
		return err
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
	var dc vg.CanvasSizer = c
	switch ext {
	case ".svg", ".pdf", ".eps":
		dc = outlineCanvas{c}
	}
	if ctx != nil {
		dc = &stopCanvas{CanvasSizer: dc, done: ctx.Done()}
	}
	d.Draw(draw.New(dc))
	if err := stopped(ctx); err != nil {
		return err
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
	var out io.Writer = f
	if ctx != nil {
		out = stopWriter{w: f, ctx: ctx}
	}
	if ext == ".eps" {
		err = writeEPS(out, c)
	} else {
		_, err = c.WriteTo(out)
	}
	if err == nil {
		err = stopped(ctx)
	}
	if err != nil {
		f.Close()
		if ctx != nil && ctx.Err() != nil {
			return stopped(ctx)
		}
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

// stopped returns an error wrapping ctx.Err() when ctx is done, else nil (also for a nil ctx).
func stopped(ctx context.Context) error {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("plot: drawing stopped: %w", ctx.Err())
}

// stopCanvas passes everything on to its canvas until done is closed, and from then on
// draws nothing, so that a figure of many strokes stops within one of them.
type stopCanvas struct {
	vg.CanvasSizer
	done <-chan struct{}
	stop bool
}

func (c *stopCanvas) halted() bool {
	if !c.stop {
		select {
		case <-c.done:
			c.stop = true
		default:
		}
	}
	return c.stop
}

// longPath is the number of components from which a stroke or fill is drawn by
// abandonable, as one path of a long trajectory can take seconds to rasterize.
const longPath = 4096

func (c *stopCanvas) Stroke(p vg.Path) {
	switch {
	case c.halted():
	case len(p) >= longPath:
		c.abandonable(func() { c.CanvasSizer.Stroke(p) })
	default:
		c.CanvasSizer.Stroke(p)
	}
}

func (c *stopCanvas) Fill(p vg.Path) {
	switch {
	case c.halted():
	case len(p) >= longPath:
		c.abandonable(func() { c.CanvasSizer.Fill(p) })
	default:
		c.CanvasSizer.Fill(p)
	}
}

// abandonable runs one drawing operation that can take seconds (an image scaled onto a
// large raster, a path of many thousand points) in a goroutine, and returns when it is done
// or, at once, when the drawing is stopped: the operation then finishes on its own into a
// canvas that nothing reads any more (every later operation is dropped and save writes
// nothing). A panic of the operation is passed on to the caller while it waits.
func (c *stopCanvas) abandonable(op func()) {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		op()
	}()
	select {
	case r := <-done:
		if r != nil {
			panic(r)
		}
	case <-c.done:
		c.stop = true
	}
}

func (c *stopCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if !c.halted() {
		c.CanvasSizer.FillString(f, pt, s)
	}
}

func (c *stopCanvas) DrawImage(r vg.Rectangle, img image.Image) {
	if !c.halted() {
		c.abandonable(func() { c.CanvasSizer.DrawImage(r, img) })
	}
}

// The state of the canvas (its transforms, colour, line and stack) is left alone once the
// drawing is stopped, too: an abandoned operation may still be drawing with it.

func (c *stopCanvas) SetLineWidth(w vg.Length) {
	if !c.halted() {
		c.CanvasSizer.SetLineWidth(w)
	}
}

func (c *stopCanvas) SetLineDash(pattern []vg.Length, offset vg.Length) {
	if !c.halted() {
		c.CanvasSizer.SetLineDash(pattern, offset)
	}
}

func (c *stopCanvas) SetColor(col color.Color) {
	if !c.halted() {
		c.CanvasSizer.SetColor(col)
	}
}

func (c *stopCanvas) Rotate(a float64) {
	if !c.halted() {
		c.CanvasSizer.Rotate(a)
	}
}

func (c *stopCanvas) Translate(pt vg.Point) {
	if !c.halted() {
		c.CanvasSizer.Translate(pt)
	}
}

func (c *stopCanvas) Scale(x, y float64) {
	if !c.halted() {
		c.CanvasSizer.Scale(x, y)
	}
}

func (c *stopCanvas) Push() {
	if !c.halted() {
		c.CanvasSizer.Push()
	}
}

func (c *stopCanvas) Pop() {
	if !c.halted() {
		c.CanvasSizer.Pop()
	}
}

// stopWriter fails a write once ctx is done, so that an encoder stops within a chunk.
type stopWriter struct {
	w   io.Writer
	ctx context.Context
}

func (s stopWriter) Write(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.w.Write(p)
}
