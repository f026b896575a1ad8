package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StabilityPoint is one run of a sweep: its learning rate, the sharpness (largest Hessian
// eigenvalue of the loss) at its final iterate, and whether it diverged.
type StabilityPoint struct {
	// LR is the learning rate λ of the run.
	LR float64
	// Sharpness is the largest eigenvalue of the Hessian of the loss at the final iterate.
	// It is not drawn for a diverged run (it is often NaN, Inf or huge).
	Sharpness float64
	// Diverged marks a run that diverged.
	Diverged bool
	// Group names the run's series, e.g. its method ("gd", "sgd"): converged runs are
	// coloured by group. "" is a group of its own, named "converged" in the legend.
	Group string
}

// StabilityOptions controls StabilityMap. A nil *StabilityOptions, or a zero field, means
// the default written in the field's comment.
type StabilityOptions struct {
	// Title is printed above the panel. Default "Stability: final sharpness against λ".
	Title string
	// Style is the house style. The default height is 0.8 times the width.
	Style Style
	// Width and Height of the figure override the style's.
	Width, Height vg.Length
}

// divergedBand is the height of the band at the top of a stability map that holds the
// crosses of the diverged runs.
const divergedBand = 14

var divergedRed = rgb(0xE31A1C) // ColorBrewer's Set1 red

// StabilityMap draws the final sharpness S of each run of a sweep against its learning
// rate λ, both on logarithmic axes, with the stability bound of gradient descent on a
// quadratic,
//
//	S = 2/λ,
//
// as a dashed line (package flow, Discrete steps; Cohen et al., Edge of Stability, 2021). Converged runs are
// filled circles coloured by group; diverged runs are red crosses in a grey band at the top
// of the panel, at their learning rate, whatever their sharpness (it is often not finite).
// The sharpness axis holds the converged runs, and the line where the runs keep at least
// half of the axis (in decades); farther off it runs off the axis. It has no ticks in the
// band.
//
// Runs whose learning rate is not finite and positive, and converged runs whose sharpness
// is not, are left out with a note under the figure. StabilityMap returns an error when
// pts is empty or none of its runs can be drawn, or for a negative size.
func StabilityMap(pts []StabilityPoint, o *StabilityOptions) (*Figure, error) {
	var opt StabilityOptions
	if o != nil {
		opt = *o
	}
	th, err := opt.Style.theme()
	if err != nil {
		return nil, err
	}
	if opt.Width, opt.Height, err = th.size(opt.Width, opt.Height, 0.8); err != nil {
		return nil, err
	}
	if opt.Title == "" {
		opt.Title = "Stability: final sharpness against λ"
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("plot: no stability points to draw")
	}

	var groups []string
	conv := map[string]plotter.XYs{}
	var div []float64
	badLR, badS := 0, 0
	xb, yb := newBounds(), newBounds()
	for _, q := range pts {
		if !(q.LR > 0) || math.IsInf(q.LR, 0) {
			badLR++
			continue
		}
		if q.Diverged {
			div = append(div, q.LR)
			xb.add([]float64{q.LR})
			continue
		}
		if !(q.Sharpness > 0) || math.IsInf(q.Sharpness, 0) {
			badS++
			continue
		}
		if _, ok := conv[q.Group]; !ok {
			groups = append(groups, q.Group)
		}
		conv[q.Group] = append(conv[q.Group], plotter.XY{X: q.LR, Y: q.Sharpness})
		xb.add([]float64{q.LR})
		yb.add([]float64{q.Sharpness})
	}
	if math.IsInf(xb.loPos, 1) {
		return nil, fmt.Errorf("plot: none of the %d stability points can be drawn (%d with a learning rate that is not finite and > 0, %d converged with a sharpness that is not)", len(pts), badLR, badS)
	}

	p := th.newPlot()
	q := newPlaced(th, p)
	p.Title.Text = th.wrapTitle(Math(opt.Title), opt.Width)
	p.X.Label.Text = "learning rate $λ$"
	p.Y.Label.Text = "final sharpness $S$"
	var entries []string
	add := func(name string, thumb gplot.Thumbnailer) {
		q.add(Math(name), thumb)
		entries = append(entries, name)
	}

	logAxis(&p.X, xb)
	// The line over the whole λ axis where the runs keep at least half of the sharpness axis
	// (holdsRef); beyond, it runs off the axis (drawn clipped), so that a bound 2/λ of 2000
	// at the smallest λ does not squash runs of sharpness 1 to 4. 2/λ may overflow for a tiny
	// λ, and bounds skips what is not finite.
	data := *yb
	for _, v := range []float64{2 / p.X.Min, 2 / p.X.Max} {
		switch {
		case math.IsInf(data.lo, 1) || holdsRef(&data, v, true):
			yb.add([]float64{v})
		case v > data.hi:
			yb.add([]float64{data.loPos * math.Pow(10, 2*math.Max(math.Log10(data.hi/data.loPos), 0.3))})
		case v > 0:
			yb.add([]float64{data.hi / math.Pow(10, 2*math.Max(math.Log10(data.hi/data.loPos), 0.3))})
		}
	}
	if !logAxis(&p.Y, yb) {
		// Only when 2/λ is not finite and positive at either end and no run converged.
		return nil, fmt.Errorf("plot: no finite sharpness and no finite bound 2/λ for λ from %g to %g", p.X.Min, p.X.Max)
	}
	ylo, yhi := p.Y.Min, p.Y.Max

	bound := draw.LineStyle{Color: darkGrey, Width: th.pt(1.1), Dashes: []vg.Length{th.pt(5), th.pt(3)}}
	sb := stabilityBound{sty: bound}
	if len(div) > 0 {
		sb.below = th.pt(divergedBand)
	}
	q.Add(sb)
	add("S = 2/λ", lineThumb(bound))
	var cols labelColors
	for _, g := range groups {
		sty := th.endStyle(cols.color(g))
		q.Add(&plotter.Scatter{XYs: conv[g], GlyphStyle: sty})
		name := g
		if name == "" {
			name = "converged"
		}
		add(name, glyphThumb(sty))
	}
	var notes []string
	var band *crossBand
	if len(div) > 0 {
		band = &crossBand{x: div, th: th, sty: draw.GlyphStyle{Color: divergedRed, Radius: th.pt(2.8), Shape: crossGlyph{width: th.pt(1.1)}}}
		q.Add(band)
		// No ticks in the band: its height is no sharpness.
		p.Y.Tick.Marker = belowTicks{p.Y.Tick.Marker, yhi}
		add("diverged", glyphThumb(band.sty))
		notes = append(notes, fmt.Sprintf("%s marked × in the band at the top, at the learning rate; the sharpness is not drawn", plural(len(div), "diverged run is", "diverged runs are")))
	}
	if badLR > 0 {
		notes = append(notes, plural(badLR, "run with a learning rate that is not finite and > 0 is", "runs with a learning rate that is not finite and > 0 are")+" left out")
	}
	if badS > 0 {
		notes = append(notes, plural(badS, "converged run with a sharpness that is not finite and > 0 is", "converged runs with a sharpness that is not finite and > 0 are")+" left out")
	}
	// The axes again: Add widened them to the plotters' data ranges.
	logAxis(&p.X, xb)
	p.Y.Min, p.Y.Max = ylo, yhi

	fig := &Figure{Width: opt.Width, Height: opt.Height, Plots: []*gplot.Plot{p}, entries: entries, DPI: th.DPI, th: th, panels: []*placed{q}}
	// The band above the data: its height depends on the size the figure is drawn at, so
	// the top of the axis is set when drawing, from the data range alone (drawing twice
	// gives the same figure). Until then it holds an estimate for the designed size.
	headroom := func(h vg.Length) {
		if band == nil {
			return
		}
		room := th.pt(divergedBand + 3)
		f := 0.5 // at most a third of the panel for the band
		if h > 3*room {
			f = float64(room / (h - room))
		}
		l0, l1 := math.Log10(ylo), math.Log10(yhi)
		p.Y.Max = math.Pow(10, l1+(l1-l0)*f)
		if math.IsInf(p.Y.Max, 0) {
			p.Y.Max = math.MaxFloat64
		}
	}
	headroom(opt.Height - th.pt(50))
	fig.body = func(c draw.Canvas) {
		c = panel(th, c)
		for range 2 { // the data area's height depends a little on the tick labels
			headroom(q.dataCanvas(c).Size().Y)
		}
		q.Draw(c)
	}
	fig.setNotes(notes)
	return fig, nil
}

// plural returns "n one" for n = 1 and "n many" otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// panel returns the canvas of a figure's single panel: the padding of stack.
func panel(th *theme, c draw.Canvas) draw.Canvas {
	return draw.Crop(c, th.pt(2), -th.pt(6), th.pt(2), -th.pt(3))
}

// stabilityBound draws the line S = 2/λ across the data area of a log–log plot.
type stabilityBound struct {
	sty draw.LineStyle
	// below is the height of the band of diverged runs at the top, which the line stays
	// out of.
	below vg.Length
}

func (b stabilityBound) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	c.Max.Y -= b.below
	// A straight line on log–log axes: its ends suffice, as long as both can be drawn.
	x0, x1 := plt.X.Min, plt.X.Max
	y0, y1 := 2/x0, 2/x1
	if !ok(y0, true) || !ok(y1, true) {
		return
	}
	pts := c.ClipLinesXY([]vg.Point{{X: trX(x0), Y: trY(y0)}, {X: trX(x1), Y: trY(y1)}})
	for _, l := range pts {
		c.StrokeLines(b.sty, l)
	}
}

// crossBand draws a light grey band along the top of the data area, and a glyph in it at
// each x.
type crossBand struct {
	x   []float64
	sty draw.GlyphStyle
	th  *theme
}

func (b *crossBand) Plot(c draw.Canvas, plt *gplot.Plot) {
	h := b.th.pt(divergedBand)
	rect := vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Max.Y - h}, Max: c.Max}
	c.SetColor(rgb(0xEFEFEF))
	c.Fill(rect.Path())
	trX, _ := plt.Transforms(&c)
	y := c.Max.Y - h/2
	for _, x := range b.x {
		c.DrawGlyphNoClip(b.sty, vg.Point{X: trX(x), Y: y})
	}
}

// belowTicks keeps the ticks of a marker up to max.
type belowTicks struct {
	gplot.Ticker
	max float64
}

func (b belowTicks) Ticks(min, max float64) []gplot.Tick {
	var ts []gplot.Tick
	for _, t := range b.Ticker.Ticks(min, max) {
		if t.Value <= b.max {
			ts = append(ts, t)
		}
	}
	return ts
}

// crossGlyph draws a bold ×.
type crossGlyph struct{ width vg.Length }

func (g crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * math.Sqrt2 / 2
	w := g.width
	if w == 0 {
		w = vg.Points(1.4)
	}
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: w})
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}

// HeatMapOptions controls HeatMap. A nil *HeatMapOptions, or a zero field, means the
// default written in the field's comment.
type HeatMapOptions struct {
	// Title is printed above the map. Default none.
	Title string
	// XLabel and YLabel name the swept parameters, ZLabel the value on the colour bar.
	// Default none.
	XLabel, YLabel, ZLabel string
	// LogZ colours by log10 z; cells with z ≤ 0 are then drawn as missing, with a note.
	LogZ bool
	// Diverged, when not nil (ny rows of nx), marks the cells whose runs all diverged: they
	// are missing cells with a red cross, told apart from cells without runs, with a note.
	Diverged [][]bool
	// Style is the house style. The default height is 0.8 times the width.
	Style Style
	// Width and Height of the figure override the style's.
	Width, Height vg.Length
}

// Colours of a missing cell: a light neutral grey, hatched.
var (
	missingFill  = rgb(0xC8C8C8)
	missingHatch = rgb(0x8C8C8C)
)

// heatRamp returns the colour map of HeatMap: viridis (van der Walt & Smith, 2015),
// perceptually uniform, legible in grey scale and free of the neutral grey of missing
// cells.
func heatRamp(min, max float64) *ramp {
	return newRamp(min, max, 0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725)
}

// HeatMap draws z[iy][ix] over the grid x × y of two swept parameters, x along the
// horizontal axis (len nx, strictly increasing) and y along the vertical one (len ny,
// strictly increasing), with a colour bar labelled ZLabel on the right.
//
// Cell ix spans [ix − ½, ix + ½] on the horizontal axis whatever the spacing of x, and the
// tick labels show the values x[ix] with 3 significant digits (every k-th one when they
// would crowd), so that a log-spaced sweep (λ = 0.001 … 1) is drawn in equal cells; the
// same holds for y. NaN cells are missing data: hatched grey, not coloured, and named
// under the colour bar. Infinite cells, and with LogZ cells with z ≤ 0, are drawn as
// missing too, with a note under the figure. When all values are equal the colour range
// is widened around them.
//
// HeatMap returns an error naming the value for an empty grid, x or y not finite and
// strictly increasing, z not of ny rows of nx values, no finite value to colour, or a
// negative size.
func HeatMap(x, y []float64, z [][]float64, o *HeatMapOptions) (*Figure, error) {
	var opt HeatMapOptions
	if o != nil {
		opt = *o
	}
	th, err := opt.Style.theme()
	if err != nil {
		return nil, err
	}
	if opt.Width, opt.Height, err = th.size(opt.Width, opt.Height, 0.8); err != nil {
		return nil, err
	}
	nx, ny := len(x), len(y)
	if nx == 0 || ny == 0 {
		return nil, fmt.Errorf("plot: heat map grid is empty: %d x values and %d y values", nx, ny)
	}
	for _, ax := range []struct {
		name string
		v    []float64
	}{{"x", x}, {"y", y}} {
		for k, v := range ax.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("plot: heat map %s[%d] = %g is not finite", ax.name, k, v)
			}
			if k > 0 && !(v > ax.v[k-1]) {
				return nil, fmt.Errorf("plot: heat map %s[%d] = %g does not increase from %s[%d] = %g", ax.name, k, v, ax.name, k-1, ax.v[k-1])
			}
		}
	}
	if len(z) != ny {
		return nil, fmt.Errorf("plot: heat map has %d rows of z, want len(y) = %d", len(z), ny)
	}
	for iy, row := range z {
		if len(row) != nx {
			return nil, fmt.Errorf("plot: heat map row z[%d] has %d values, want len(x) = %d", iy, len(row), nx)
		}
	}
	div := make([]bool, nx*ny)
	ndiv := 0
	if opt.Diverged != nil {
		if len(opt.Diverged) != ny {
			return nil, fmt.Errorf("plot: heat map Diverged has %d rows, want len(y) = %d", len(opt.Diverged), ny)
		}
		for iy, row := range opt.Diverged {
			if len(row) != nx {
				return nil, fmt.Errorf("plot: heat map Diverged[%d] has %d values, want len(x) = %d", iy, len(row), nx)
			}
			for ix, d := range row {
				if d && math.IsNaN(z[iy][ix]) {
					div[iy*nx+ix] = true
					ndiv++
				}
			}
		}
	}

	// The colour values, row by row from the bottom; NaN marks a missing cell.
	v := make([]float64, nx*ny)
	lo, hi := math.Inf(1), math.Inf(-1)
	missing, inf, nonPos := 0, 0, 0
	for iy, row := range z {
		for ix, w := range row {
			switch {
			case math.IsNaN(w):
			case math.IsInf(w, 0):
				inf++
				w = math.NaN()
			case opt.LogZ && !(w > 0):
				nonPos++
				w = math.NaN()
			case opt.LogZ:
				w = math.Log10(w)
			}
			if math.IsNaN(w) {
				missing++
			} else {
				lo, hi = math.Min(lo, w), math.Max(hi, w)
			}
			v[iy*nx+ix] = w
		}
	}
	if math.IsInf(lo, 1) {
		what := "finite"
		if opt.LogZ {
			what = "finite positive"
		}
		return nil, fmt.Errorf("plot: heat map has no %s value to colour among its %d × %d cells", what, nx, ny)
	}
	if hi-lo <= 1e-12*math.Max(math.Abs(lo), math.Abs(hi)) {
		// One value (to round-off): a range around it, half a decade on a log scale.
		d := 0.5
		if !opt.LogZ && lo != 0 {
			d = 0.1 * math.Abs(lo)
		}
		lo, hi = lo-d, hi+d
	}
	cm := heatRamp(lo, hi)

	p := th.newPlot()
	p.Title.Text = th.wrapTitle(Math(opt.Title), opt.Width)
	p.X.Label.Text, p.Y.Label.Text = Math(opt.XLabel), Math(opt.YLabel)
	p.Add(&cells{nx: nx, ny: ny, v: v, cm: cm, div: div, th: th})
	p.Add(frame{draw.LineStyle{Color: black, Width: th.pt(0.6)}})
	p.X.Min, p.X.Max = -0.5, float64(nx)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(ny)-0.5
	xt, yt := newIndexTicks(th, x, true), newIndexTicks(th, y, false)
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt

	bp := th.newPlot()
	bp.HideX()
	bp.Add(bar{cm: cm})
	bp.Add(frame{draw.LineStyle{Color: black, Width: th.pt(0.5)}})
	bp.Y.Label.Text = Math(opt.ZLabel)
	bp.Y.Min, bp.Y.Max = lo, hi
	bp.Y.Tick.Marker = niceTicks{}
	if opt.LogZ {
		bp.Y.Tick.Marker = logValueTicks{}
	}

	fig := &Figure{Width: opt.Width, Height: opt.Height, Plots: []*gplot.Plot{p, bp}, DPI: th.DPI, th: th}
	if missing > 0 {
		fig.entries = []string{"missing"}
	}
	fig.body = func(c draw.Canvas) {
		mc, bc := heatLayout(th, p, bp, c)
		p.Draw(mc)
		bp.Draw(bc)
		if missing == 0 {
			return
		}
		// A swatch of a missing cell under the colour bar.
		top := bp.DataCanvas(bc).Min.Y - th.pt(10)
		s := th.pt(8)
		if top-s < c.Min.Y {
			return
		}
		box := vg.Rectangle{Min: vg.Point{X: bc.Min.X, Y: top - s}, Max: vg.Point{X: bc.Min.X + s, Y: top}}
		missingCell(th, &c, box)
		c.SetLineStyle(draw.LineStyle{Color: darkGrey, Width: th.pt(0.4)})
		c.Stroke(box.Path())
		sty := th.text(th.note, black)
		sty.YAlign = draw.YCenter
		c.FillText(sty, vg.Point{X: box.Max.X + th.pt(3), Y: top - s/2}, "missing")
	}
	var notes []string
	if ndiv > 0 {
		notes = append(notes, plural(ndiv, "cell whose runs all diverged is", "cells whose runs all diverged are")+" marked ×")
	}
	if inf > 0 {
		notes = append(notes, plural(inf, "cell with an infinite value is", "cells with an infinite value are")+" drawn as missing")
	}
	if nonPos > 0 {
		notes = append(notes, plural(nonPos, "cell with z ≤ 0 is", "cells with z ≤ 0 are")+" drawn as missing on the logarithmic colour scale")
	}
	fig.setNotes(notes)
	return fig, nil
}

// heatLayout splits the canvas of a heat map into that of the map p and that of its colour
// bar bp on the right, the bar's data area level with the map's. The tick labels of the
// map are thinned to fit its data area.
func heatLayout(th *theme, p, bp *gplot.Plot, c draw.Canvas) (mc, bc draw.Canvas) {
	c = panel(th, c)
	gap, barW := th.pt(9), th.pt(10)
	axisW := bp.DataCanvas(c).Min.X - c.Min.X
	mc = c
	mc.Max.X = c.Max.X - axisW - barW - gap
	xt, _ := p.X.Tick.Marker.(indexTicks)
	yt, _ := p.Y.Tick.Marker.(indexTicks)
	for range 2 { // the y labels' width changes the data area's
		dc := p.DataCanvas(mc)
		xt.fit(dc.Size().X)
		yt.fit(dc.Size().Y)
		p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	}
	dc := p.DataCanvas(mc)
	// The bar's end labels are centred on its ends, level with the map's top: keep half a
	// label of room above it (a map without a title reaches the top of the canvas).
	if half := bp.Y.Tick.Label.FontExtents().Height / 2; dc.Max.Y > c.Max.Y-half {
		mc.Max.Y -= dc.Max.Y - (c.Max.Y - half)
		dc = p.DataCanvas(mc)
	}
	bc = c
	bc.Min.X = mc.Max.X + gap
	bc.Min.Y, bc.Max.Y = dc.Min.Y, dc.Max.Y
	// The bar's own padding (half its end labels) moves its data area inwards: undo it.
	bdc := bp.DataCanvas(bc)
	bc.Min.Y -= bdc.Min.Y - bc.Min.Y
	bc.Max.Y += bc.Max.Y - bdc.Max.Y
	return mc, bc
}

// cells draws a grid of nx × ny unit cells centred on the integers, coloured by v
// (row-major from the bottom row); NaN cells are drawn as missing.
type cells struct {
	nx, ny int
	v      []float64
	cm     *ramp
	div    []bool // missing cells whose runs all diverged: a red cross
	th     *theme
}

func (g *cells) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	// Each cell reaches 1 point into its right and upper neighbours, which are drawn after
	// it and cover the overlap: no seams of anti-aliasing between cells.
	th := g.th
	over := th.pt(1)
	for iy := range g.ny {
		for ix := range g.nx {
			r := vg.Rectangle{
				Min: vg.Point{X: trX(float64(ix) - 0.5), Y: trY(float64(iy) - 0.5)},
				Max: vg.Point{X: trX(float64(ix) + 0.5), Y: trY(float64(iy) + 0.5)},
			}
			w := g.v[iy*g.nx+ix]
			if math.IsNaN(w) {
				missingCell(th, &c, r)
				if g.div[iy*g.nx+ix] {
					in := th.pt(3)
					sty := draw.LineStyle{Color: divergedRed, Width: th.pt(1.5)}
					c.StrokeLine2(sty, r.Min.X+in, r.Min.Y+in, r.Max.X-in, r.Max.Y-in)
					c.StrokeLine2(sty, r.Min.X+in, r.Max.Y-in, r.Max.X-in, r.Min.Y+in)
				}
				continue
			}
			if ix < g.nx-1 {
				r.Max.X += over
			}
			if iy < g.ny-1 {
				r.Max.Y += over
			}
			c.SetColor(g.cm.at(w))
			c.Fill(r.Path())
		}
	}
}

// missingCell fills r in grey with diagonal hatching; the hatch lines pass half a spacing
// away from the centre, which keeps the plain grey.
func missingCell(th *theme, c *draw.Canvas, r vg.Rectangle) {
	c.SetColor(missingFill)
	c.Fill(r.Path())
	const s = 4.0 // spacing of the lines along x, in points
	sty := draw.LineStyle{Color: missingHatch, Width: th.pt(0.5)}
	ctr := vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: (r.Min.Y + r.Max.Y) / 2}
	w, h := float64(r.Max.X-r.Min.X), float64(r.Max.Y-r.Min.Y)
	n := int(math.Ceil((w+h)/s)) + 1
	for k := -n; k < n; k++ {
		// The line y − ctr.Y = x − ctr.X − d, that is y = x − b, clipped to r.
		d := th.pt((float64(k) + 0.5) * s)
		b := ctr.X - ctr.Y + d
		x0 := max(r.Min.X, r.Min.Y+b)
		x1 := min(r.Max.X, r.Max.Y+b)
		if x1 <= x0 {
			continue
		}
		c.StrokeLine2(sty, x0, x0-b, x1, x1-b)
	}
}

// indexTicks marks the cells of a heat map axis at their indices, labelled with the
// parameter values; when the labels would crowd, every k-th is labelled and the others
// get a bare tick.
type indexTicks struct {
	labels     []string
	vals       []float64
	horizontal bool
	every      int
	th         *theme
}

func newIndexTicks(th *theme, v []float64, horizontal bool) indexTicks {
	t := indexTicks{labels: make([]string, len(v)), vals: v, horizontal: horizontal, every: 1, th: th}
	for k, x := range v {
		t.labels[k] = compact(x)
	}
	return t
}

// fit sets every so that the labels fit along an axis of length l. Along a horizontal axis
// the values are written with 2 significant digits instead of 3 when that labels every cell
// and tells the values apart.
func (t *indexTicks) fit(l vg.Length) {
	if t.horizontal && len(t.vals) == len(t.labels) {
		full := make([]string, len(t.vals))
		for k, x := range t.vals {
			full[k] = compact(x)
		}
		t.labels = full
		t.fitEvery(l)
		if t.every > 1 {
			short := indexTicks{labels: make([]string, len(t.vals)), horizontal: true, th: t.th}
			seen := map[string]bool{}
			distinct := true
			for k, x := range t.vals {
				short.labels[k] = compactN(x, 2)
				distinct = distinct && !seen[short.labels[k]]
				seen[short.labels[k]] = true
			}
			if short.fitEvery(l); distinct && short.every == 1 {
				t.labels, t.every = short.labels, 1
			}
		}
		return
	}
	t.fitEvery(l)
}

// fitEvery sets every so that the labels fit along an axis of length l.
func (t *indexTicks) fitEvery(l vg.Length) {
	n := len(t.labels)
	if n == 0 {
		return
	}
	th := t.th
	sty := th.text(th.tick, black)
	var room vg.Length // the length a label needs along the axis
	if t.horizontal {
		for _, s := range t.labels {
			room = max(room, sty.Width(s))
		}
		room += th.pt(4)
	} else {
		room = sty.FontExtents().Height * 1.4
	}
	fits := max(1, int(l/room))
	t.every = max(1, (n+fits-1)/fits)
	for t.every > 1 && (n+t.every-1)/t.every > fits {
		t.every++
	}
}

func (t indexTicks) Ticks(min, max float64) []gplot.Tick {
	var ts []gplot.Tick
	every := t.every
	if every < 1 {
		every = 1
	}
	for k, s := range t.labels {
		v := float64(k)
		if v < min || v > max {
			continue
		}
		switch {
		case k%every == 0:
			ts = append(ts, gplot.Tick{Value: v, Label: s})
		case len(t.labels) <= 60:
			ts = append(ts, gplot.Tick{Value: v})
		}
	}
	return ts
}

// compact formats a parameter value with 3 significant digits: "0.001", "0.00316", "250",
// "1.5e6", "2e-7", and a minus sign (U+2212) for a negative value.
func compact(v float64) string { return compactN(v, 3) }

// compactN formats a parameter value as compact does, with p significant digits.
func compactN(v float64, p int) string {
	s := strconv.FormatFloat(v, 'g', p, 64)
	if k := strings.IndexByte(s, 'e'); k >= 0 {
		mant, exp := s[:k], s[k+1:]
		sign := ""
		if exp[0] == '-' {
			sign = "-"
		}
		exp = strings.TrimLeft(exp[1:], "0")
		s = mant + "e" + sign + exp
	}
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:]
	}
	return s
}

// logValueTicks marks an axis whose values are log10 of a quantity with labels of the
// quantity: logarithmic ticks over a decade or more, linear 1-2-5 ticks over less.
type logValueTicks struct{}

func (logValueTicks) Ticks(min, max float64) []gplot.Tick {
	var src []gplot.Tick
	if max-min >= 1 {
		src = logAxisTicks{}.Ticks(math.Pow(10, min), math.Pow(10, max))
	} else {
		src = niceTicks{}.Ticks(math.Pow(10, min), math.Pow(10, max))
	}
	ts := make([]gplot.Tick, 0, len(src))
	for _, t := range src {
		if t.Value > 0 {
			u := math.Log10(t.Value)
			ts = append(ts, gplot.Tick{Value: math.Min(math.Max(u, min), max), Label: t.Label})
		}
	}
	return ts
}
