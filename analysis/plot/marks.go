package plot

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
)

// sparseDots draws glyphs at the points of a path, skipping those closer than gap on the
// canvas to the last one drawn: as many markers as the eye can tell apart, the line through
// all the points carrying the rest. The last point is always drawn.
type sparseDots struct {
	xys plotter.XYs
	sty draw.GlyphStyle
	gap vg.Length
}

func (s *sparseDots) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	var last vg.Point
	have := false
	for k, xy := range s.xys {
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		if !c.Contains(pt) {
			continue
		}
		if have && k < len(s.xys)-1 && math.Hypot(float64(pt.X-last.X), float64(pt.Y-last.Y)) < float64(s.gap) {
			continue
		}
		c.DrawGlyph(s.sty, pt)
		last, have = pt, true
	}
}

// DataRange is that of the points, so that a plot's axes hold them.
func (s *sparseDots) DataRange() (xmin, xmax, ymin, ymax float64) {
	return plotter.XYRange(s.xys)
}

// band fills the region between two curves lo and hi over the same x (a ±2 SE band) in a
// light tint of a colour.
type band struct {
	lo, hi plotter.XYs
	fill   color.Color
}

func (b *band) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	var pts []vg.Point
	for _, v := range b.hi {
		pts = append(pts, vg.Point{X: trX(v.X), Y: trY(v.Y)})
	}
	for k := len(b.lo) - 1; k >= 0; k-- {
		pts = append(pts, vg.Point{X: trX(b.lo[k].X), Y: trY(b.lo[k].Y)})
	}
	if len(pts) < 3 {
		return
	}
	c.SetColor(b.fill)
	poly := c.ClipPolygonXY(pts)
	if len(poly) < 3 {
		return
	}
	var p vg.Path
	p.Move(poly[0])
	for _, q := range poly[1:] {
		p.Line(q)
	}
	p.Close()
	c.Fill(p)
}

func (b *band) DataRange() (xmin, xmax, ymin, ymax float64) {
	x0, x1, y0, y1 := plotter.XYRange(b.lo)
	u0, u1, v0, v1 := plotter.XYRange(b.hi)
	return math.Min(x0, u0), math.Max(x1, u1), math.Min(y0, v0), math.Max(y1, v1)
}

// Thumbnail is a filled swatch.
func (b *band) Thumbnail(c *draw.Canvas) {
	c.SetColor(b.fill)
	r := c.Rectangle
	mid := (r.Min.Y + r.Max.Y) / 2
	h := (r.Max.Y - r.Min.Y) / 2
	c.Fill(vg.Rectangle{Min: vg.Point{X: r.Min.X, Y: mid - h}, Max: vg.Point{X: r.Max.X, Y: mid + h}}.Path())
}

// tint returns c mixed with white: f = 0 is c, f = 1 white.
func tint(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(math.Round(float64(v>>8)*(1-f) + 255*f)) }
	return color.NRGBA{R: mix(r), G: mix(g), B: mix(b), A: 255}
}

// floorBand shades the part of a logarithmic y axis below a level (a round-off floor), with
// a label inside: values there are round-off, not data.
type floorBand struct {
	level float64
	label string
	th    *theme
	// fill is the band's colour; nil is floorGrey. A band of the integrator's error is
	// integratorGrey, lighter, so that the round-off band under it stays apart.
	fill color.Color
}

var (
	floorGrey      = rgb(0xE4E4E4)
	integratorGrey = rgb(0xF1F1F1)
)

func (f floorBand) colour() color.Color {
	if f.fill == nil {
		return floorGrey
	}
	return f.fill
}

func (f floorBand) Plot(c draw.Canvas, plt *gplot.Plot) {
	_, trY := plt.Transforms(&c)
	y := trY(f.level)
	if y <= c.Min.Y {
		return
	}
	y = min(y, c.Max.Y)
	c.SetColor(f.colour())
	c.Fill(vg.Rectangle{Min: c.Min, Max: vg.Point{X: c.Max.X, Y: y}}.Path())
	sty := f.th.text(f.th.note, rgb(0x555555))
	sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
	at := vg.Point{X: c.Max.X - f.th.pt(3), Y: y - f.th.pt(1.5)}
	if y-c.Min.Y < sty.FontExtents().Height {
		// A thin band: the label just above it.
		sty.YAlign = draw.YBottom
		at.Y = y + f.th.pt(1.5)
	}
	c.FillText(sty, at, f.label)
}

func (f floorBand) Thumbnail(c *draw.Canvas) {
	c.SetColor(f.colour())
	c.Fill(c.Rectangle.Path())
}

// portraitTitle is the default title of a portrait: the objective whose gradient field is
// drawn, the slice for depth ≥ 3, and the learning rate of discrete trajectories.
func portraitTitle(pt *portrait.Portrait, ps []path, lr float64) string {
	t := "Gradient field of " + Math(portrait.Describe(pt.Plane.Objective))
	if pt.Caption != "" {
		t += "; " + Math(pt.Caption)
	}
	var disc []string
	seen := map[string]bool{}
	for _, q := range ps {
		if IsDiscrete(q.tr.Label) && !seen[q.tr.Label] {
			seen[q.tr.Label] = true
			disc = append(disc, q.tr.Label)
		}
	}
	if len(disc) > 0 && lr > 0 {
		t += fmt.Sprintf("; %s at $λ$ = %g", strings.Join(disc, ", "), lr)
	}
	return t
}
