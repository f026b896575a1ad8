package plot

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/budget"
)

// strokes is a Drawer of n short lines; after the k-th it calls at(k), when set.
type strokes struct {
	n     int
	at    func(k int)
	drawn int
}

func (s *strokes) Draw(c draw.Canvas) {
	s.drawn++
	for k := range s.n {
		c.StrokeLine2(draw.LineStyle{Color: black, Width: 1}, c.Min.X, c.Min.Y, c.Max.X, c.Max.Y)
		if s.at != nil {
			s.at(k + 1)
		}
	}
}

// CheckRaster counts pixels as vgimg makes them (whole dpi, sides rounded to whole pixels)
// and refuses, naming the flags, the pixel count and the budget, a raster of more than
// MaxRasterPixels pixels or of more memory than the budget.
func TestCheckRaster(t *testing.T) {
	defer budget.Set(budget.Limit())
	if err := budget.Set(64 << 20); err != nil {
		t.Fatal(err)
	}
	in := vg.Inch
	for _, tc := range []struct {
		w, h   vg.Length
		dpi    float64
		nx, ny float64
		want   []string // nil: accepted
	}{
		{3.4 * in, 2 * in, 300, 1020, 600, nil},
		{3.4 * in, 2 * in, 299.6, 1020, 600, nil},  // 300 dpi, as vgimg rounds it
		{1.5 * in, 1.5 * in, 150.4, 225, 225, nil}, // 225.9 pixels, rounded as vgimg does
		// 40 × 40 in at 2400 dpi: 9.2·10⁹ pixels, over the fixed limit whatever the budget.
		{40 * in, 40 * in, 2400, 96000, 96000, []string{"9216000000 pixels", "--width", "--height", "--dpi", "134217728"}},
		// 10 × 10 in at 1000 dpi: 10⁸ pixels, 1.7 GB to draw, over a budget of 64 MiB.
		{10 * in, 10 * in, 1000, 10000, 10000, []string{"100000000 pixels", "--width", "--height", "--dpi", "--max-memory", "64.0 MiB"}},
		{in, in, math.NaN(), 0, 0, []string{"resolution"}},
		{vg.Length(math.Inf(1)), in, 300, 0, 0, []string{"finite"}},
	} {
		if tc.nx > 0 {
			if nx, ny := RasterSize(tc.w, tc.h, tc.dpi); nx != tc.nx || ny != tc.ny {
				t.Errorf("RasterSize(%v, %v, %v) = %v × %v, want %v × %v", tc.w, tc.h, tc.dpi, nx, ny, tc.nx, tc.ny)
			}
		}
		err := CheckRaster(tc.w, tc.h, tc.dpi)
		if (err == nil) != (tc.want == nil) {
			t.Errorf("CheckRaster(%v, %v, %v) = %v", tc.w, tc.h, tc.dpi, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
				t.Errorf("CheckRaster(%v, %v, %v): %q, want one line naming %q", tc.w, tc.h, tc.dpi, err, w)
			}
		}
	}
}

// Save refuses a raster over the budget before it allocates the image or draws anything,
// and leaves no file; the same figure as SVG, which has no raster, is written.
func TestSaveRefusesRasterBeforeDrawing(t *testing.T) {
	defer budget.Set(budget.Limit())
	if err := budget.Set(budget.Floor); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := &strokes{n: 3}
	// 4 × 4 in at 600 dpi: 5.76·10⁶ pixels, 98 MB to draw against a budget of 16 MiB.
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	err := save(nil, d, filepath.Join(dir, "a.png"), 4*vg.Inch, 4*vg.Inch, 600)
	runtime.ReadMemStats(&ms1)
	if err == nil || !strings.Contains(err.Error(), "5760000 pixels") || !strings.Contains(err.Error(), "--max-memory") {
		t.Errorf("error %v, want the budget's refusal", err)
	}
	if d.drawn != 0 {
		t.Errorf("drawn %d times before the refusal", d.drawn)
	}
	if a := ms1.TotalAlloc - ms0.TotalAlloc; a > 1<<20 {
		t.Errorf("allocated %d bytes before refusing (the image would be 23 MB)", a)
	}
	// A JPEG side over 65 535 pixels, which image/jpeg refuses after the drawing, is refused
	// before it (40 × 1 in at 1700 dpi: 1.2·10⁸ pixels, under the limit and, here, the budget).
	if err := budget.Set(4 << 30); err != nil {
		t.Fatal(err)
	}
	if err := save(nil, d, filepath.Join(dir, "a.jpg"), 40*vg.Inch, vg.Inch, 1700); err == nil || !strings.Contains(err.Error(), "68000 × 1700 pixels") {
		t.Errorf("wide JPEG: error %v", err)
	}
	if d.drawn != 0 {
		t.Errorf("drawn %d times before the refusal", d.drawn)
	}
	if err := save(nil, d, filepath.Join(dir, "a.svg"), 4*vg.Inch, 4*vg.Inch, 600); err != nil {
		t.Errorf("svg: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "a.svg" {
		t.Errorf("directory holds %v, want a.svg alone", entries)
	}
}

// countCanvas counts what reaches it.
type countCanvas struct {
	vg.CanvasSizer
	n int
}

func (c *countCanvas) Stroke(vg.Path)                         { c.n++ }
func (c *countCanvas) Fill(vg.Path)                           { c.n++ }
func (c *countCanvas) FillString(font.Face, vg.Point, string) { c.n++ }
func (c *countCanvas) DrawImage(vg.Rectangle, image.Image)    { c.n++ }
func (c *countCanvas) SetLineWidth(vg.Length)                 { c.n++ }
func (c *countCanvas) SetLineDash([]vg.Length, vg.Length)     { c.n++ }
func (c *countCanvas) SetColor(color.Color)                   { c.n++ }
func (c *countCanvas) Rotate(float64)                         { c.n++ }
func (c *countCanvas) Translate(vg.Point)                     { c.n++ }
func (c *countCanvas) Scale(float64, float64)                 { c.n++ }
func (c *countCanvas) Push()                                  { c.n++ }
func (c *countCanvas) Pop()                                   { c.n++ }

// A drawing stopped by its context passes nothing more to the canvas after the stop, and
// SaveContext then writes nothing and returns an error wrapping the context's.
func TestSaveContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inner := &countCanvas{}
	sc := &stopCanvas{CanvasSizer: inner, done: ctx.Done()}
	for k := range 100 {
		if k == 10 {
			cancel()
		}
		sc.Stroke(nil)
		sc.Fill(nil)
	}
	if inner.n != 20 {
		t.Errorf("%d strokes and fills reached the canvas, want the 20 before the stop", inner.n)
	}

	dir := t.TempDir()
	for _, name := range []string{"a.png", "a.svg"} {
		ctx, cancel := context.WithCancel(context.Background())
		d := &strokes{n: 50, at: func(k int) {
			if k == 5 {
				cancel()
			}
		}}
		err := SaveContext(ctx, d, filepath.Join(dir, name), 2*vg.Inch, 2*vg.Inch)
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("%s: error %v, want one wrapping context.Canceled", name, err)
		}
		// Stopped before: nothing drawn.
		d = &strokes{n: 1}
		if err := SaveContext(ctx, d, filepath.Join(dir, name), 2*vg.Inch, 2*vg.Inch); !errors.Is(err, context.Canceled) || d.drawn != 0 {
			t.Errorf("%s, stopped before: error %v, drawn %d times", name, err, d.drawn)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("stopped saves left %v", entries)
	}
	// Not stopped: written.
	if err := SaveContext(context.Background(), &strokes{n: 5}, filepath.Join(dir, "b.png"), 2*vg.Inch, 2*vg.Inch); err != nil {
		t.Fatal(err)
	}
}

// slowCanvas's DrawImage takes until release is closed (at most 10 s).
type slowCanvas struct {
	countCanvas
	release chan struct{}
}

func (c *slowCanvas) DrawImage(vg.Rectangle, image.Image) {
	select {
	case <-c.release:
	case <-time.After(10 * time.Second):
	}
	c.n++
}

// One long operation (an image scaled onto a large raster takes seconds) is abandoned when
// the drawing stops: the stop returns at once and what follows is dropped. A saved portrait
// with a live context draws as without (EPS, which cannot draw images, included: the heat
// map then falls back to rectangles through the stopping canvas too).
func TestStopAbandonsLongOperation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inner := &slowCanvas{release: make(chan struct{})}
	defer close(inner.release)
	sc := &stopCanvas{CanvasSizer: inner, done: ctx.Done()}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	sc.DrawImage(vg.Rectangle{}, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("DrawImage returned %v after the stop", d)
	}
	sc.Fill(nil)
	// Nor does the canvas's state change: the abandoned operation may still be using it.
	sc.Push()
	sc.SetColor(color.Black)
	sc.SetLineWidth(1)
	sc.SetLineDash(nil, 0)
	sc.Translate(vg.Point{X: 1})
	sc.Rotate(1)
	sc.Scale(2, 2)
	sc.Pop()
	if inner.n != 0 {
		t.Errorf("%d operations reached the canvas after the stop", inner.n)
	}

	pt, trs := samplePortrait(t)
	fig, err := Portrait(pt, trs, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"p.eps", "p.png"} {
		if err := fig.WithContext(context.Background()).Save(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := fig.Save(filepath.Join(dir, "q.png")); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "p.png"))
	b, _ := os.ReadFile(filepath.Join(dir, "q.png"))
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("a portrait saved with a context differs from one saved without (%d and %d bytes)", len(a), len(b))
	}
}
