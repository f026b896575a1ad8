package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgeps"

	"github.com/layerflow/layerflow/analysis/portrait"
)

// ramp is a palette.ColorMap that interpolates linearly in sRGB between equally spaced
// control colours.
type ramp struct {
	stops    []color.NRGBA
	min, max float64
	alpha    float64
}

var _ palette.ColorMap = (*ramp)(nil)

func newRamp(min, max float64, stops ...uint32) *ramp {
	r := &ramp{min: min, max: max, alpha: 1}
	for _, s := range stops {
		r.stops = append(r.stops, rgb(s))
	}
	return r
}

// at returns the colour of v, clamped to [min, max].
func (r *ramp) at(v float64) color.NRGBA {
	f := 0.0
	if r.max > r.min {
		f = (v - r.min) / (r.max - r.min)
	}
	if !(f > 0) { // also NaN
		f = 0
	}
	f = math.Min(f, 1) * float64(len(r.stops)-1)
	k := int(f)
	if k >= len(r.stops)-1 {
		k, f = len(r.stops)-2, float64(len(r.stops)-1)
	}
	t := f - float64(k)
	a, b := r.stops[k], r.stops[k+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + t*(float64(y)-float64(x)))) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: uint8(math.Round(255 * r.alpha))}
}

func (r *ramp) At(v float64) (color.Color, error) {
	if v < r.min || v > r.max || math.IsNaN(v) {
		return nil, fmt.Errorf("plot: value %v outside the colour map [%v, %v]", v, r.min, r.max)
	}
	return r.at(v), nil
}

func (r *ramp) Max() float64       { return r.max }
func (r *ramp) SetMax(v float64)   { r.max = v }
func (r *ramp) Min() float64       { return r.min }
func (r *ramp) SetMin(v float64)   { r.min = v }
func (r *ramp) Alpha() float64     { return r.alpha }
func (r *ramp) SetAlpha(a float64) { r.alpha = a }

func (r *ramp) Palette(n int) palette.Palette {
	cs := make(colors, n)
	for k := range cs {
		v := r.min
		if n > 1 {
			v += (r.max - r.min) * float64(k) / float64(n-1)
		}
		cs[k] = r.at(v)
	}
	return cs
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }

// speedMap returns the colour map of the arrows, on log10 |∇F|: the dark three quarters of
// viridis (van der Walt & Smith, 2015), perceptually uniform and legible on white; slow
// arrows dark purple, fast ones green.
func speedMap(min, max float64) *ramp {
	return newRamp(min, max, 0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6CCE59)
}

// lossMap returns the colour map of the objective's heat map, on log10(F − F_min): from
// white in the valleys to a light blue-grey, a quiet background for the arrows.
func lossMap(min, max float64) *ramp {
	return newRamp(min, max, 0xFFFFFF, 0xE9EDF2, 0xD0D8E2, 0xB3C0CF)
}

// arrows draws a direction field as arrows of equal length with filled heads, centred on
// the grid points and coloured by log10 of the speed.
type arrows struct {
	f    *portrait.Field
	cmap *ramp
	// frac is the arrow length as a fraction of the smaller cell side.
	frac float64
	// width of the arrows' shafts.
	width vg.Length
}

func (a *arrows) Plot(c draw.Canvas, plt *gplot.Plot) {
	f := a.f
	nx, ny := f.Dims()
	if nx == 0 || ny == 0 {
		return
	}
	trX, trY := plt.Transforms(&c)
	// Cell size in canvas units, from the spacing of the grid (one cell when only one).
	cell := func(v []float64, tr func(float64) vg.Length, span vg.Length) vg.Length {
		if len(v) > 1 {
			return vg.Length(math.Abs(float64(tr(v[1]) - tr(v[0]))))
		}
		return span
	}
	cw := cell(f.X, trX, c.Max.X-c.Min.X)
	ch := cell(f.Y, trY, c.Max.Y-c.Min.Y)
	l := vg.Length(a.frac) * vg.Length(math.Min(float64(cw), float64(ch)))
	head, half := 0.36*l, 0.16*l
	sty := draw.LineStyle{Width: a.width}
	for r := range ny {
		for col := range nx {
			u, v, s := f.At(col, r)
			if s == 0 || u == 0 && v == 0 {
				continue
			}
			// The direction on the canvas: the data direction through the axes' scales.
			x, y := f.X[col], f.Y[r]
			const h = 1e-6
			p0 := vg.Point{X: trX(x), Y: trY(y)}
			dx := float64(trX(x+h*u) - p0.X)
			dy := float64(trY(y+h*v) - p0.Y)
			n := math.Hypot(dx, dy)
			if n == 0 || math.IsNaN(n) {
				continue
			}
			d := vg.Point{X: vg.Length(dx / n), Y: vg.Length(dy / n)}
			tail := p0.Add(d.Scale(-l / 2))
			tip := p0.Add(d.Scale(l / 2))
			base := tip.Add(d.Scale(-head))
			nrm := vg.Point{X: -d.Y, Y: d.X}
			col := a.cmap.at(math.Log10(s))
			sty.Color = col
			c.StrokeLines(sty, []vg.Point{tail, base})
			var p vg.Path
			p.Move(tip)
			p.Line(base.Add(nrm.Scale(half)))
			p.Line(base.Add(nrm.Scale(-half)))
			p.Close()
			c.SetColor(col)
			c.Fill(p)
		}
	}
}

// speedRange returns the range of log10 |∇F| for the colour map: from the 2nd percentile of
// the positive speeds (the arrows right at an equilibrium would stretch it without end) to
// the largest, at least one decade wide.
func speedRange(f *portrait.Field) (lo, hi float64, ok bool) {
	var logs []float64
	for _, s := range f.Speed {
		if s > 0 && !math.IsInf(s, 0) {
			logs = append(logs, math.Log10(s))
		}
	}
	if len(logs) == 0 {
		return 0, 0, false
	}
	lo, hi = quantile(logs, 0.02), quantile(logs, 1)
	if hi-lo < 1 {
		lo = hi - 1
	}
	return lo, hi, true
}

// noImages reports whether c cannot draw images: gonum's EPS canvas panics on DrawImage
// (gonum/plot issue 271), so on it the layers below draw rectangles instead.
func noImages(c draw.Canvas) bool {
	// gonum nests draw.Canvas values (a cropped canvas wraps its parent): unwrap them.
	v := c.Canvas
	for {
		switch w := v.(type) {
		case draw.Canvas:
			v = w.Canvas
		case *draw.Canvas:
			v = w.Canvas
		case outlineCanvas:
			v = w.CanvasSizer
		case *stopCanvas:
			v = w.CanvasSizer
		default:
			_, eps := v.(*vgeps.Canvas)
			return eps
		}
	}
}

// heat draws a rasterized heat map, or on a canvas without images one rectangle per cell
// (the cells tile the window exactly: portrait.Sample puts the values at cell centres).
type heat struct {
	hm *plotter.HeatMap
	cm *ramp
}

func (h heat) Plot(c draw.Canvas, plt *gplot.Plot) {
	if !noImages(c) {
		h.hm.Plot(c, plt)
		return
	}
	g := h.hm.GridXYZ
	nx, ny := g.Dims()
	trX, trY := plt.Transforms(&c)
	edges := func(n int, at func(int) float64) []float64 {
		e := make([]float64, n+1)
		for k := 1; k < n; k++ {
			e[k] = 0.5 * (at(k-1) + at(k))
		}
		if n > 1 {
			e[0], e[n] = 1.5*at(0)-0.5*at(1), 1.5*at(n-1)-0.5*at(n-2)
		} else {
			e[0], e[1] = at(0)-0.5, at(0)+0.5
		}
		return e
	}
	ex, ey := edges(nx, g.X), edges(ny, g.Y)
	for r := range ny {
		for col := range nx {
			rect := vg.Rectangle{
				Min: vg.Point{X: trX(ex[col]), Y: trY(ey[r])},
				Max: vg.Point{X: trX(ex[col+1]), Y: trY(ey[r+1])},
			}
			c.SetColor(h.cm.at(g.Z(col, r)))
			c.Fill(rect.Path())
		}
	}
}

// bar draws a colour bar, vertical or horizontal: gonum's ColorBar image, or on a canvas
// without images a stack of thin rectangles.
type bar struct {
	cm         *ramp
	horizontal bool
}

func (b bar) Plot(c draw.Canvas, plt *gplot.Plot) {
	if c.Max.Y-c.Min.Y < 1 || c.Max.X-c.Min.X < 1 {
		return // ColorBar panics on an empty image
	}
	if !noImages(c) {
		(&plotter.ColorBar{ColorMap: b.cm, Vertical: !b.horizontal}).Plot(c, plt)
		return
	}
	const n = 128
	for k := range n {
		v := b.cm.min + (b.cm.max-b.cm.min)*(float64(k)+0.5)/n
		// Overlap the next slice a little so that no seam shows.
		var rect vg.Rectangle
		if b.horizontal {
			w := (c.Max.X - c.Min.X) / n
			x := c.Min.X + vg.Length(k)*w
			rect = vg.Rectangle{Min: vg.Point{X: x, Y: c.Min.Y}, Max: vg.Point{X: x + 1.3*w, Y: c.Max.Y}}
		} else {
			h := (c.Max.Y - c.Min.Y) / n
			y := c.Min.Y + vg.Length(k)*h
			rect = vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y}, Max: vg.Point{X: c.Max.X, Y: y + 1.3*h}}
		}
		c.SetColor(b.cm.at(v))
		c.Fill(rect.Path())
	}
}

func (b bar) DataRange() (xmin, xmax, ymin, ymax float64) {
	if b.horizontal {
		return b.cm.min, b.cm.max, 0, 1
	}
	return 0, 1, b.cm.min, b.cm.max
}
