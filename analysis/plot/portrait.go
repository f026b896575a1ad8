package plot

import (
	"fmt"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
)

// LossStyle chooses how a portrait shows the objective F.
type LossStyle int

const (
	// LossHeatMap shades log10(F − F_min + δ) from white (low) to blue-grey, with a colour
	// bar; δ = 1e-4·(F_max − F_min) over the window keeps the logarithm finite on the
	// manifold of minima.
	LossHeatMap LossStyle = iota
	// LossContours draws grey contours of the same quantity at every half decade.
	LossContours
	// LossNone leaves F out.
	LossNone
)

// PortraitOptions controls Portrait. A nil *PortraitOptions, or a zero field, means the
// default written in the field's comment.
type PortraitOptions struct {
	// Title of the phase plane. Default: "Gradient flow of " and the objective, followed for
	// depth ≥ 3 by the slice ("w3 = 0.7 fixed").
	Title string
	// Width of the figure. Default 6.5 inch, of which SideWidth holds the legend and the colour
	// bars; the height follows from the equal aspect ratio of the phase plane.
	Width vg.Length
	// SideWidth is the width of the column right of the phase plane. Default 1.8 inch.
	SideWidth vg.Length
	// Loss chooses how F is drawn. Default LossHeatMap.
	Loss LossStyle
	// NoField hides the direction field; NoLevels the imbalance level sets; NoLegend the
	// side column (legend and colour bars).
	NoField, NoLevels, NoLegend bool
	// Degenerate draws the degenerate equilibria (the points Newton's method found on a
	// manifold of minima) as small grey dots. By default the curve of minima stands for them.
	Degenerate bool
}

func (o *PortraitOptions) withDefaults() (PortraitOptions, error) {
	var opt PortraitOptions
	if o != nil {
		opt = *o
	}
	if opt.Width < 0 || opt.SideWidth < 0 {
		return opt, fmt.Errorf("plot: figure width %v and side column %v must be ≥ 0", opt.Width, opt.SideWidth)
	}
	if opt.Width == 0 {
		opt.Width = 6.5 * vg.Inch
	}
	if opt.SideWidth == 0 {
		opt.SideWidth = 1.8 * vg.Inch
	}
	if opt.NoLegend {
		opt.SideWidth = 0
	}
	if opt.Width < opt.SideWidth+vg.Inch {
		return opt, fmt.Errorf("plot: figure width %v leaves less than an inch for the phase plane", opt.Width)
	}
	if opt.Loss < LossHeatMap || opt.Loss > LossNone {
		return opt, fmt.Errorf("plot: unknown loss style %d", opt.Loss)
	}
	return opt, nil
}

// Portrait draws the phase portrait pt with the trajectories trs projected on its plane:
// F as a heat map or contours, the direction field, the imbalance level sets with their
// labels, the curve of minima, the separatrices, the trajectories (discrete methods as dots
// joined by thin lines, continuous ones as lines, a ring at the start and a dot at the end)
// and the equilibria marked by type, in that order from the bottom. A legend and the colour
// bars of the speed and of F fill a column on the right. The data area of the phase plane
// is pt.Range with equal units on both axes; the figure's Height is set so.
//
// The trajectories must have the depth of the plane. A trajectory is drawn up to its first
// non-finite point and its status is then printed under the figure. Portrait returns an
// error for a nil or invalid portrait, a trajectory of another depth, or invalid options.
func Portrait(pt *portrait.Portrait, trs []*flow.Trajectory, o *PortraitOptions) (*Figure, error) {
	if pt == nil {
		return nil, fmt.Errorf("plot: nil portrait")
	}
	if err := pt.Plane.Validate(); err != nil {
		return nil, err
	}
	r := pt.Range
	if err := r.Validate(); err != nil {
		return nil, err
	}
	opt, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	ps, notes, err := cut(trs, pt.Plane.Objective.Depth)
	if err != nil {
		return nil, err
	}
	pi, pj := pt.Plane.Axes()

	p := newPlot()
	p.Title.Text = opt.Title
	if p.Title.Text == "" {
		p.Title.Text = "Gradient flow of " + portrait.Describe(pt.Plane.Objective)
		if pt.Caption != "" {
			p.Title.Text += "; " + pt.Caption
		}
	}
	p.X.Label.Text, p.Y.Label.Text = pt.Plane.AxisNames()

	leg := gplot.NewLegend()
	leg.TextStyle = textStyle(legendSize, black)
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(20)
	leg.Padding = vg.Points(2.5)
	var entries []string
	add := func(name string, th gplot.Thumbnailer) {
		leg.Add(name, th)
		entries = append(entries, name)
	}
	var bars []*gplot.Plot

	// F, on a logarithmic scale.
	if opt.Loss != LossNone && pt.Objective != nil {
		if g, lo, hi, ok := logExcess(pt.Objective); ok {
			switch opt.Loss {
			case LossHeatMap:
				cm := lossMap(lo, hi)
				hm := plotter.NewHeatMap(Grid{g}, cm.Palette(256))
				hm.Min, hm.Max = lo, hi
				hm.Rasterized = true
				p.Add(heat{hm, cm})
				bars = append(bars, colourBar(cm, "F − min F"))
			case LossContours:
				var levels []float64
				for v := math.Ceil(2*lo) / 2; v <= hi; v += 0.5 {
					levels = append(levels, v)
				}
				ct := plotter.NewContour(Grid{g}, levels, nil)
				ct.LineStyles = []draw.LineStyle{{Color: rgb(0xB0B0B0), Width: vg.Points(0.5)}}
				p.Add(noPad{ct})
				add("contours of log F", lineThumb(ct.LineStyles[0]))
			}
		}
	}

	// The direction field.
	if !opt.NoField && pt.Field != nil {
		if lo, hi, ok := speedRange(pt.Field); ok {
			cm := speedMap(lo, hi)
			p.Add(&arrows{f: pt.Field, cmap: cm, frac: 0.78})
			bars = append([]*gplot.Plot{colourBar(cm, "speed ‖dw/dt‖")}, bars...)
		}
	}

	// Imbalance level sets, labelled where they leave the window on the top or right.
	if !opt.NoLevels && len(pt.Imbalance) > 0 {
		sty := draw.LineStyle{Color: rgb(0x8A8A8A), Width: vg.Points(0.6), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
		labels := &textAt{}
		best := map[float64][3]float64{} // level → x, y, score of the label anchor
		for _, c := range pt.Imbalance {
			if l := line(c.X, c.Y, sty); l != nil {
				p.Add(l)
			}
			for _, k := range []int{0, len(c.X) - 1} {
				x, y := c.X[k], c.Y[k]
				score := (x-r.XMin)/(r.XMax-r.XMin) + (y-r.YMin)/(r.YMax-r.YMin)
				if b, ok := best[c.Level]; !ok || score > b[2] {
					best[c.Level] = [3]float64{x, y, score}
				}
			}
		}
		// Labels of D ≥ 0 go where the curve leaves the window on the right (or top);
		// those of D < 0 above the vertex (0, √−D) of the upper branch, so that the two
		// families do not crowd the top right corner.
		for _, c := range pt.Imbalance {
			b, ok := best[c.Level]
			if !ok {
				continue
			}
			delete(best, c.Level)
			ts := textStyle(levelSize, rgb(0x555555))
			text := strings.ReplaceAll(c.Label, "-", "−")
			if v := math.Sqrt(-c.Level); c.Level < 0 && r.Contains(0, v) {
				ts.XAlign, ts.YAlign = draw.XCenter, draw.YBottom
				labels.add(0, v, text, ts, vg.Point{Y: vg.Points(1.5)})
				continue
			}
			off := vg.Point{X: vg.Points(-2), Y: vg.Points(2)}
			ts.XAlign, ts.YAlign = draw.XRight, draw.YBottom
			if math.Abs(b[1]-r.YMax) < 1e-9*(r.YMax-r.YMin) { // leaves through the top
				ts.XAlign, ts.YAlign = draw.XLeft, draw.YTop
				off = vg.Point{X: vg.Points(2), Y: vg.Points(-2)}
			}
			labels.add(b[0], b[1], text, ts, off)
		}
		p.Add(labels)
		add("level sets of "+strings.SplitN(pt.Imbalance[0].Label, " ", 2)[0], lineThumb(sty))
	}

	// The curve of minima.
	if len(pt.Minima) > 0 {
		sty := draw.LineStyle{Color: rgb(0x555555), Width: vg.Points(2.2)}
		for _, c := range pt.Minima {
			if l := line(c.X, c.Y, sty); l != nil {
				p.Add(l)
			}
		}
		label := pt.Minima[0].Label
		if !strings.Contains(label, "(") {
			label = "minima " + label
		}
		add(label, lineThumb(sty))
	}

	// Separatrices.
	sepStyle := map[string]draw.LineStyle{
		portrait.UnstableManifold: {Color: black, Width: vg.Points(1.1)},
		portrait.StableManifold:   {Color: black, Width: vg.Points(1.1), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}},
	}
	seen := map[string]bool{}
	for _, tr := range pt.Separatrices {
		sty, ok := sepStyle[tr.Label]
		if !ok {
			sty = draw.LineStyle{Color: black, Width: vg.Points(1.1)}
		}
		n := portrait.FinitePrefix(tr)
		xs, ys := make([]float64, n), make([]float64, n)
		for k := range n {
			w := tr.At(k)
			xs[k], ys[k] = w[pi], w[pj]
		}
		if l := line(xs, ys, sty); l != nil {
			p.Add(l)
			if !seen[tr.Label] {
				seen[tr.Label] = true
				add(tr.Label, lineThumb(sty))
			}
		}
	}

	// Trajectories.
	var cols labelColors
	var marks []gplot.Plotter
	labelled := map[string]bool{}
	for _, q := range ps {
		if q.n == 0 {
			continue
		}
		c := cols.color(q.tr.Label)
		xys := make(plotter.XYs, q.n)
		for k := range q.n {
			w := q.tr.At(k)
			xys[k].X, xys[k].Y = w[pi], w[pj]
		}
		ls := lineStyle(q.tr.Label, c)
		entry := thumbs{lineThumb(ls)}
		if q.n > 1 {
			p.Add(&plotter.Line{XYs: xys, LineStyle: ls})
		}
		if IsDiscrete(q.tr.Label) {
			ds := dotStyle(c)
			// Every iterate up to 400; beyond, the line carries them and the dots thin out.
			p.Add(noPad{&plotter.Scatter{XYs: thin(xys, 400), GlyphStyle: ds}})
			entry = append(entry, glyphThumb(ds))
		}
		marks = append(marks,
			noPad{&plotter.Scatter{XYs: xys[:1], GlyphStyle: startStyle(c)}},
			noPad{&plotter.Scatter{XYs: xys[q.n-1:], GlyphStyle: endStyle(c)}})
		if !labelled[q.tr.Label] {
			labelled[q.tr.Label] = true
			add(q.tr.Label, entry)
		}
	}
	p.Add(marks...)
	if len(marks) > 0 {
		add("start", glyphThumb(startStyle(darkGrey)))
		add("end", glyphThumb(endStyle(darkGrey)))
	}

	// Equilibria, on top.
	for _, t := range portrait.Types {
		if t == portrait.Degenerate && !opt.Degenerate {
			continue
		}
		var xys plotter.XYs
		for _, e := range pt.Equilibria {
			if e.Type == t {
				xys = append(xys, plotter.XY{X: e.X, Y: e.Y})
			}
		}
		if len(xys) == 0 {
			continue
		}
		sty := equilibriumStyle(t)
		p.Add(noPad{&plotter.Scatter{XYs: xys, GlyphStyle: sty}})
		add(string(t), glyphThumb(sty))
	}
	p.Add(frame{draw.LineStyle{Color: black, Width: vg.Points(0.6)}})
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = r.XMin, r.XMax, r.YMin, r.YMax

	// Layout: the phase plane with equal units, the side column beside it.
	mainW := opt.Width - opt.SideWidth
	mainH := equalAspectHeight(p, mainW, (r.YMax-r.YMin)/(r.XMax-r.XMin))
	bodyH := mainH
	if !opt.NoLegend {
		// Room for the legend and, below it, colour bars at least 1.6 inch tall.
		need := leg.Rectangle(draw.Canvas{}).Size().Y + vg.Points(12)
		if len(bars) > 0 {
			need += vg.Points(6) + 1.6*vg.Inch
		}
		bodyH = max(bodyH, need)
	}
	fig := &Figure{Width: opt.Width, Height: bodyH, Plots: append([]*gplot.Plot{p}, bars...),
		phase: vg.Point{X: mainW, Y: mainH}}
	if !opt.NoLegend {
		fig.entries = entries
	}
	fig.body = func(c draw.Canvas) {
		cw, ch := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
		sx, sy := cw/opt.Width, ch/bodyH
		mc := c
		mc.Max.X = c.Min.X + mainW*sx
		mc.Min.Y = c.Max.Y - mainH*sy
		p.Draw(mc)
		if opt.NoLegend {
			return
		}
		side := c
		side.Min.X = mc.Max.X + vg.Points(6)
		leg := leg
		leg.Draw(draw.Crop(side, 0, 0, 0, -vg.Points(4)))
		if len(bars) == 0 {
			return
		}
		legH := leg.Rectangle(side).Size().Y
		top := side.Max.Y - legH - vg.Points(18)
		// The bars end level with the bottom of the phase plane's data area.
		bottom := p.DataCanvas(mc).Min.Y
		if top-bottom < vg.Inch {
			bottom = max(c.Min.Y+vg.Points(4), top-vg.Inch)
		}
		// Bars 12 points wide, each with its axis on the left: side by side when they fit,
		// else one above the other.
		const gap = 14
		widths := make([]vg.Length, len(bars))
		total := vg.Points(gap) * vg.Length(len(bars)-1)
		for k, b := range bars {
			bc := side
			bc.Max.Y, bc.Min.Y = top, bottom
			widths[k] = b.DataCanvas(bc).Min.X - bc.Min.X + vg.Points(12)
			total += widths[k]
		}
		stacked := total > side.Max.X-side.Min.X
		x, y := side.Min.X, top
		h := top - bottom
		if stacked {
			h = (top - bottom - vg.Points(gap)*vg.Length(len(bars)-1)) / vg.Length(len(bars))
		}
		for k, b := range bars {
			bc := side
			bc.Min.X, bc.Max.X = x, x+widths[k]
			bc.Max.Y, bc.Min.Y = y, y-h
			if bc.Max.X > side.Max.X || b.DataCanvas(bc).Size().Y < vg.Points(20) {
				break // drawn far smaller than designed: no room for the bars
			}
			b.Draw(bc)
			if stacked {
				y -= h + vg.Points(gap)
			} else {
				x += widths[k] + vg.Points(gap)
			}
		}
	}
	fig.setNotes(notes)
	return fig, nil
}

// line returns a line through the points, or nil when there are fewer than two; the line
// does not pad the data area.
func line(x, y []float64, sty draw.LineStyle) gplot.Plotter {
	if len(x) < 2 {
		return nil
	}
	xys := make(plotter.XYs, len(x))
	for k := range x {
		xys[k].X, xys[k].Y = x[k], y[k]
	}
	return noPad{&plotter.Line{XYs: xys, LineStyle: sty}}
}

// logExcess returns the grid of log10(F − F_min + δ), δ = 1e-4·(F_max − F_min), and its
// range; ok is false when F is constant or not finite on the grid.
func logExcess(f *portrait.Grid) (*portrait.Grid, float64, float64, bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range f.Z {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if !(hi > lo) {
		return nil, 0, 0, false
	}
	delta := 1e-4 * (hi - lo)
	g := &portrait.Grid{X: f.X, Y: f.Y, Z: make([]float64, len(f.Z))}
	for k, v := range f.Z {
		g.Z[k] = math.Log10(v - lo + delta)
	}
	return g, math.Log10(delta), math.Log10(hi - lo + delta), true
}

// colourBar returns a vertical colour bar of cm with logarithmic tick labels.
func colourBar(cm *ramp, label string) *gplot.Plot {
	p := newPlot()
	p.HideX()
	p.Add(bar{cm})
	p.Y.Label.Text = label
	p.Y.Tick.Marker = logTicks{}
	p.Y.Min, p.Y.Max = cm.Min(), cm.Max()
	p.Add(frame{draw.LineStyle{Color: black, Width: vg.Points(0.5)}})
	return p
}

// equalAspectHeight returns the height of a canvas of width w on which p's data area has
// height/width = aspect. The padding around the data area (title, axes, labels) does not
// depend on the canvas size, so two corrections converge.
func equalAspectHeight(p *gplot.Plot, w vg.Length, aspect float64) vg.Length {
	h := w * vg.Length(aspect)
	for range 3 {
		c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
		dc := p.DataCanvas(c)
		dw, dh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		h = (h - dh) + dw*vg.Length(aspect)
	}
	return h
}
