package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendEntry is one line of a legend: a thumbnail and its text.
type legendEntry struct {
	name  string
	thumb gplot.Thumbnailer
}

// gridLegend is a legend laid out in as many columns as fit a width, row by row: the
// legend under the axes, where it covers no data and takes no width from the plot.
type gridLegend struct {
	th      *theme
	entries []legendEntry
}

func (l *gridLegend) add(name string, th gplot.Thumbnailer) {
	l.entries = append(l.entries, legendEntry{name, th})
}

// metrics returns the width of each entry, the height of a row, the width of a thumbnail
// and the gap after it.
func (l *gridLegend) metrics() (widths []vg.Length, rowH, thumbW, gap vg.Length) {
	sty := l.th.text(l.th.legend, black)
	thumbW, gap = l.th.pt(14), l.th.pt(3)
	for _, e := range l.entries {
		widths = append(widths, thumbW+gap+sty.Width(e.name))
	}
	return widths, sty.FontExtents().Height * 1.15, thumbW, gap
}

// columns returns the widths of the columns when the entries fill cols columns row by row.
func columns(widths []vg.Length, cols int) []vg.Length {
	cw := make([]vg.Length, cols)
	for k, w := range widths {
		cw[k%cols] = max(cw[k%cols], w)
	}
	return cw
}

// layout returns the widths of the columns of the legend in a width w (as many columns as
// fit, then as few as keep the number of rows) and its height.
func (l *gridLegend) layout(w vg.Length) (cw []vg.Length, h vg.Length) {
	if len(l.entries) == 0 {
		return nil, 0
	}
	widths, rowH, _, _ := l.metrics()
	sep := l.th.pt(9)
	fits := func(cols int) bool {
		var total vg.Length
		for _, x := range columns(widths, cols) {
			total += x + sep
		}
		return total-sep <= w
	}
	cols := 1
	for c := len(widths); c > 1; c-- {
		if fits(c) {
			cols = c
			break
		}
	}
	rows := (len(widths) + cols - 1) / cols
	for cols > 1 && (len(widths)+cols-2)/(cols-1) == rows {
		cols--
	}
	return columns(widths, cols), vg.Length(rows) * rowH
}

// size returns the number of columns of the legend in a width w and its height.
func (l *gridLegend) size(w vg.Length) (cols int, h vg.Length) {
	cw, h := l.layout(w)
	return len(cw), h
}

// draw draws the legend at the top of c, centred horizontally.
func (l *gridLegend) draw(c draw.Canvas) {
	w := c.Max.X - c.Min.X
	cw, _ := l.layout(w)
	if len(cw) == 0 {
		return
	}
	_, rowH, thumbW, gap := l.metrics()
	sep := l.th.pt(9)
	var total vg.Length
	for _, x := range cw {
		total += x + sep
	}
	total -= sep
	sty := l.th.text(l.th.legend, black)
	sty.YAlign = draw.YCenter
	for k, e := range l.entries {
		col, row := k%len(cw), k/len(cw)
		x := c.Min.X + max(0, (w-total)/2)
		for j := range col {
			x += cw[j] + sep
		}
		yc := c.Max.Y - (vg.Length(row)+0.5)*rowH
		tc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: yc - rowH*0.35}, Max: vg.Point{X: x + thumbW, Y: yc + rowH*0.35}}}
		e.thumb.Thumbnail(&tc)
		c.FillText(sty, vg.Point{X: x + thumbW + gap, Y: yc}, e.name)
	}
}

// placed is a plot whose legend is placed when it is drawn: in the corner of the data area
// that covers the fewest data, with a translucent box under it, or, when every corner would
// cover data, in columns under the axes. The data are the points of the plot's lines and
// scatters (Line, Scatter, and the bands of this package).
type placed struct {
	p       *gplot.Plot
	th      *theme
	legend  gridLegend
	below   bool // decided at the last draw: the legend went under the axes
	corner  int  // the corner chosen: 0 top right, 1 top left, 2 bottom right, 3 bottom left
	outside bool // force the legend under the axes
	// added are the plotters added through Add, whose data the legend must not cover.
	added []gplot.Plotter
	// weight is the share of the height of a stack of panels (0 counts as 1).
	weight float64
	// yUnit is the scale or offset of the vertical axis's ticks (see Offset), set by stack;
	// written after the label, or above the axis when the label would not fit.
	yUnit axisUnit
}

func (q *placed) weightOr1() float64 {
	if q.weight > 0 {
		return q.weight
	}
	return 1
}

// Add adds plotters to the plot and remembers them for the placing of the legend.
func (q *placed) Add(ps ...gplot.Plotter) {
	q.p.Add(ps...)
	q.added = append(q.added, ps...)
}

// newPlaced returns a plot whose legend entries are added with add.
func newPlaced(th *theme, p *gplot.Plot) *placed {
	return &placed{p: p, th: th, legend: gridLegend{th: th}}
}

func (q *placed) add(name string, th gplot.Thumbnailer) { q.legend.add(name, th) }

// names returns the legend texts.
func (q *placed) names() []string {
	out := make([]string, len(q.legend.entries))
	for k, e := range q.legend.entries {
		out[k] = e.name
	}
	return out
}

// cornerLegend returns a gonum legend holding the entries, for a corner.
func (q *placed) cornerLegend() gplot.Legend {
	l := gplot.NewLegend()
	l.TextStyle = q.th.text(q.th.legend, black)
	l.ThumbnailWidth = q.th.pt(14)
	l.Padding = q.th.pt(2) // between entries, and between a thumbnail and its text
	for _, e := range q.legend.entries {
		l.Add(e.name, e.thumb)
	}
	return l
}

// dataPoints returns the canvas points of the plot's lines and scatters in the data canvas
// dc, lines sampled every 2 points of length so that a line crossing a corner is seen.
func (q *placed) dataPoints(dc draw.Canvas) []vg.Point {
	trX, trY := q.p.Transforms(&dc)
	var pts []vg.Point
	okX := func(v float64) bool { return ok(v, q.p.X.Scale != nil && isLog(q.p.X.Scale)) }
	okY := func(v float64) bool { return ok(v, q.p.Y.Scale != nil && isLog(q.p.Y.Scale)) }
	addLine := func(xys plotter.XYs) {
		var prev vg.Point
		have := false
		for _, v := range xys {
			if !okX(v.X) || !okY(v.Y) {
				have = false
				continue
			}
			pt := vg.Point{X: trX(v.X), Y: trY(v.Y)}
			if have {
				d := math.Hypot(float64(pt.X-prev.X), float64(pt.Y-prev.Y))
				n := int(d / 2)
				for k := 1; k < n && k < 400; k++ {
					f := vg.Length(float64(k) / float64(n))
					pts = append(pts, vg.Point{X: prev.X + f*(pt.X-prev.X), Y: prev.Y + f*(pt.Y-prev.Y)})
				}
			}
			pts = append(pts, pt)
			prev, have = pt, true
		}
	}
	for _, pl := range q.added {
		if np, ok := pl.(noPad); ok {
			pl = np.Plotter
		}
		switch v := pl.(type) {
		case *plotter.Line:
			addLine(v.XYs)
		case *plotter.Scatter:
			for _, xy := range v.XYs {
				if okX(xy.X) && okY(xy.Y) {
					pts = append(pts, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
				}
			}
		case *band:
			addLine(v.lo)
			addLine(v.hi)
		case *sparseDots:
			addLine(v.xys)
		case *plotter.YErrorBars:
			for k, xy := range v.XYs {
				addLine(plotter.XYs{{X: xy.X, Y: xy.Y - v.YErrors[k].Low}, {X: xy.X, Y: xy.Y + v.YErrors[k].High}})
			}
		case stabilityBound:
			var xys plotter.XYs
			for k := range 65 {
				x := q.p.X.Min * math.Pow(q.p.X.Max/q.p.X.Min, float64(k)/64)
				xys = append(xys, plotter.XY{X: x, Y: 2 / x})
			}
			addLine(xys)
		case *crossBand:
			// The band along the top: no legend over it.
			for x := dc.Min.X; x <= dc.Max.X; x += 2 {
				pts = append(pts, vg.Point{X: x, Y: dc.Max.Y - v.th.pt(divergedBand)/2})
			}
		case floorBand:
			// The band's label, at its top right.
			y := trY(v.level)
			for x := dc.Max.X - q.th.pt(40); x <= dc.Max.X; x += 2 {
				pts = append(pts, vg.Point{X: x, Y: y - q.th.pt(4)}, vg.Point{X: x, Y: y + q.th.pt(4)})
			}
		case hline:
			addLine(plotter.XYs{{X: q.p.X.Min, Y: v.y}, {X: q.p.X.Max, Y: v.y}})
		case vline:
			pts = append(pts, vg.Point{X: trX(v.x), Y: (dc.Min.Y + dc.Max.Y) / 2})
			for y := dc.Min.Y; y <= dc.Max.Y; y += 2 {
				pts = append(pts, vg.Point{X: trX(v.x), Y: y})
			}
		}
	}
	return pts
}

func isLog(s gplot.Normalizer) bool {
	_, yes := s.(gplot.LogScale)
	return yes
}

// Draw draws the plot and its legend on c.
func (q *placed) Draw(c draw.Canvas) {
	saved := q.p.Legend
	defer func() { q.p.Legend = saved }()
	q.p.Legend = gplot.NewLegend() // the plot draws no legend of its own
	l := q.layout(c)
	label := q.p.Y.Label.Text
	q.p.Y.Label.Text = ""
	q.p.Draw(l.plot)
	q.p.Y.Label.Text = label
	l.ylab.draw(c, l.data)
	switch {
	case len(q.legend.entries) == 0:
	case l.below:
		lc := c
		lc.Max.Y = c.Min.Y + l.legendH
		q.legend.draw(lc)
	default:
		r := l.box
		pad := q.th.pt(1.5)
		box := vg.Rectangle{Min: vg.Point{X: r.Min.X - pad, Y: r.Min.Y - pad}, Max: vg.Point{X: r.Max.X + pad, Y: r.Max.Y + pad}}
		c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 220})
		c.Fill(box.Path())
		leg := q.cornerLegend()
		leg.Top, leg.Left = true, true
		leg.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: r})
	}
}

// layout is where the parts of a placed plot go on a canvas.
type layout struct {
	plot, data draw.Canvas // the canvas the gonum plot is drawn on, and its data area
	// ylab is the label of the vertical axis, drawn by Draw at the left edge of the canvas.
	ylab    yLabel
	below   bool         // the legend goes under the axes, legendH high
	box     vg.Rectangle // else the legend's rectangle in a corner of the data area
	legendH vg.Length
}

// layout places the plot and its legend on c.
//
// The label of the vertical axis is laid out here, not by gonum: gonum (v0.17) reserves room
// for it around the data value (Min + Max)/2, which on a logarithmic axis lies near the top,
// and measures it by the font's ascent, so that a superscript in it reaches past the left edge.
// Here it is measured glyph by glyph, centred on the data area, and made to fit its length
// (see fitYLabel).
func (q *placed) layout(c draw.Canvas) layout {
	var l layout
	pc := c
	if label := q.p.Y.Label.Text; label != "" || q.yUnit.suffix != "" {
		q.p.Y.Label.Text = ""
		defer func() { q.p.Y.Label.Text = label }()
		l.ylab = q.th.fitYLabel(q.p.Y.Label.TextStyle, label, q.yUnit, q.p.DataCanvas(c).Size().Y)
		pc = draw.Crop(c, l.ylab.width()+q.p.Y.Label.Padding, 0, 0, -l.ylab.noteHeight())
	}
	if sp, ok := q.p.Y.Tick.Marker.(spacedTicks); ok {
		q.p.Y.Tick.Marker = sp.Ticker
	}
	l.plot = pc
	q.spaceYTicks(q.p.DataCanvas(pc))
	l.data = q.p.DataCanvas(pc)
	if len(q.legend.entries) == 0 {
		return l
	}
	leg := q.cornerLegend()
	size := leg.Rectangle(pc).Size()
	pad := q.th.pt(3)
	dc := l.data
	fits := size.X+2*pad < 0.5*dc.Size().X && size.Y+2*pad < 0.6*dc.Size().Y
	if fits && !q.outside {
		pts := q.dataPoints(dc)
		best, bestN := -1, math.MaxInt
		for k := range 4 {
			r := q.cornerRect(dc, size, pad, k)
			// Markers reach a few points beyond their centres.
			r.Min.X, r.Min.Y, r.Max.X, r.Max.Y = r.Min.X-pad, r.Min.Y-pad, r.Max.X+pad, r.Max.Y+pad
			n := 0
			for _, pt := range pts {
				if pt.X >= r.Min.X && pt.X <= r.Max.X && pt.Y >= r.Min.Y && pt.Y <= r.Max.Y {
					n++
				}
			}
			if n < bestN {
				best, bestN = k, n
			}
		}
		if bestN == 0 {
			q.below, q.corner = false, best
			l.box = q.cornerRect(dc, size, pad, best)
			return l
		}
	}
	// Under the axes, in columns.
	q.below = true
	_, h := q.legend.size(c.Size().X)
	l.below, l.legendH = true, h
	l.plot = draw.Crop(pc, 0, 0, h+q.th.pt(4), 0)
	if sp, ok := q.p.Y.Tick.Marker.(spacedTicks); ok {
		q.p.Y.Tick.Marker = sp.Ticker
	}
	q.spaceYTicks(q.p.DataCanvas(l.plot))
	l.data = q.p.DataCanvas(l.plot)
	return l
}

// spaceYTicks keeps the labels of a linear vertical axis at least 1.35 times the height of
// their text apart on the data area dc (a short panel, a residual, would crowd them).
func (q *placed) spaceYTicks(dc draw.Canvas) {
	if q.p.Y.Scale != nil && isLog(q.p.Y.Scale) {
		return
	}
	q.p.Y.Tick.Marker = spacedTicks{Ticker: q.p.Y.Tick.Marker, length: dc.Size().Y, min: 1.35 * q.p.Y.Tick.Label.FontExtents().Height}
}

// dataCanvas returns the data area of the plot drawn on c.
func (q *placed) dataCanvas(c draw.Canvas) draw.Canvas { return q.layout(c).data }

// cornerRect returns the rectangle of a legend of the given size in corner k of dc.
func (q *placed) cornerRect(dc draw.Canvas, size vg.Point, pad vg.Length, k int) vg.Rectangle {
	var r vg.Rectangle
	if k%2 == 0 { // right
		r.Max.X = dc.Max.X - pad
		r.Min.X = r.Max.X - size.X
	} else {
		r.Min.X = dc.Min.X + pad
		r.Max.X = r.Min.X + size.X
	}
	if k < 2 { // top
		r.Max.Y = dc.Max.Y - pad
		r.Min.Y = r.Max.Y - size.Y
	} else {
		r.Min.Y = dc.Min.Y + pad
		r.Max.Y = r.Min.Y + size.Y
	}
	return r
}
