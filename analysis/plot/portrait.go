package plot

import (
	"fmt"
	"math"
	"sort"
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
	// LearningRate λ > 0 of the discrete trajectories, named in the default title.
	LearningRate float64
	// Style is the house style; its Height is ignored (the phase plane's aspect ratio sets the
	// height).
	Style Style
	// Width of the figure. Default the style's width. Below 5 inches the legend and the
	// colour bars go under the phase plane; from 5 inches on, into a column on its right.
	Width vg.Length
	// SideWidth is the width of the column right of the phase plane. Default: as wide as the
	// legend and the colour bars need (none when there is nothing to put there) from 5
	// inches of Width on, else no column.
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

func (o *PortraitOptions) withDefaults() (PortraitOptions, *theme, error) {
	var opt PortraitOptions
	if o != nil {
		opt = *o
	}
	th, err := opt.Style.theme()
	if err != nil {
		return opt, nil, err
	}
	if opt.Width < 0 || opt.SideWidth < 0 {
		return opt, nil, fmt.Errorf("plot: figure width %v and side column %v must be ≥ 0", opt.Width, opt.SideWidth)
	}
	if opt.Width == 0 {
		opt.Width = th.Width
	}
	if opt.NoLegend {
		opt.SideWidth = 0
	}
	if opt.Width < opt.SideWidth+1.5*vg.Inch {
		return opt, nil, fmt.Errorf("plot: figure width %v leaves less than 1.5 inches for the phase plane", opt.Width)
	}
	if opt.Loss < LossHeatMap || opt.Loss > LossNone {
		return opt, nil, fmt.Errorf("plot: unknown loss style %d", opt.Loss)
	}
	if !(opt.LearningRate >= 0) || math.IsInf(opt.LearningRate, 0) {
		return opt, nil, fmt.Errorf("plot: learning rate %v must be finite and ≥ 0", opt.LearningRate)
	}
	return opt, th, nil
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
	opt, th, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	ps, notes, err := cut(trs, pt.Plane.Objective.Depth)
	if err != nil {
		return nil, err
	}
	pi, pj := pt.Plane.Axes()

	p := th.newPlot()
	p.Title.Text = Math(opt.Title)
	if p.Title.Text == "" {
		p.Title.Text = portraitTitle(pt, ps, opt.LearningRate)
	}
	xl, yl := pt.Plane.AxisNames()
	p.X.Label.Text, p.Y.Label.Text = Math(xl), Math(yl)

	lg := newPortraitLegend(th)
	add := lg.add
	below := opt.below()
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
				bars = append(bars, colourBar(th, cm, "$F$ − min $F$", !below))
			case LossContours:
				var levels []float64
				for v := math.Ceil(2*lo) / 2; v <= hi; v += 0.5 {
					levels = append(levels, v)
				}
				ct := plotter.NewContour(Grid{g}, levels, nil)
				ct.LineStyles = []draw.LineStyle{{Color: rgb(0xB0B0B0), Width: th.pt(0.5)}}
				p.Add(noPad{ct})
				add("contours of log F", lineThumb(ct.LineStyles[0]))
			}
		}
	}

	// The direction field.
	if !opt.NoField && pt.Field != nil {
		if lo, hi, ok := speedRange(pt.Field); ok {
			cm := speedMap(lo, hi)
			p.Add(&arrows{f: pt.Field, cmap: cm, frac: 0.8, width: th.pt(0.5)})
			bars = append([]*gplot.Plot{colourBar(th, cm, "speed ‖d$w$/d$t$‖", !below)}, bars...)
		}
	}

	// Imbalance level sets, each labelled once along one of its curves, where the label fits
	// inside the window without touching another label, a trajectory or an equilibrium.
	var levelLabels *curveLabels
	if !opt.NoLevels && len(pt.Imbalance) > 0 {
		sty := draw.LineStyle{Color: rgb(0x8A8A8A), Width: th.pt(0.6), Dashes: []vg.Length{th.pt(1), th.pt(2)}}
		ts := th.text(th.level, rgb(0x555555))
		ts.XAlign, ts.YAlign = draw.XCenter, draw.YCenter
		levelLabels = &curveLabels{sty: ts}
		index := map[float64]int{}
		for _, c := range pt.Imbalance {
			if l := line(c.X, c.Y, sty); l != nil {
				p.Add(l)
			}
			k, ok := index[c.Level]
			if !ok {
				k = len(levelLabels.labels)
				index[c.Level] = k
				levelLabels.labels = append(levelLabels.labels, Math(c.Label))
				levelLabels.cands = append(levelLabels.cands, nil)
			}
			for i := range c.X {
				levelLabels.cands[k] = append(levelLabels.cands[k], plotter.XY{X: c.X[i], Y: c.Y[i]})
			}
		}
		// Preferred places: D ≥ 0 towards the top right, where its curves leave the window;
		// D < 0 at the vertex (0, √−D) of its upper branch, so that the families do not crowd.
		for lev, k := range index {
			cs := levelLabels.cands[k]
			score := func(xy plotter.XY) float64 {
				if lev < 0 {
					return -math.Hypot((xy.X-0)/(r.XMax-r.XMin), (xy.Y-math.Sqrt(-lev))/(r.YMax-r.YMin))
				}
				return (xy.X-r.XMin)/(r.XMax-r.XMin) + 0.5*(xy.Y-r.YMin)/(r.YMax-r.YMin)
			}
			sort.SliceStable(cs, func(i, j int) bool { return score(cs[i]) > score(cs[j]) })
		}
		p.Add(levelLabels)
		add("level sets of "+strings.SplitN(pt.Imbalance[0].Label, " ", 2)[0], lineThumb(sty))
	}

	// The curve of minima.
	if len(pt.Minima) > 0 {
		sty := draw.LineStyle{Color: rgb(0x555555), Width: th.pt(2.2)}
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
		portrait.UnstableManifold: {Color: black, Width: th.pt(1.1)},
		portrait.StableManifold:   {Color: black, Width: th.pt(1.1), Dashes: []vg.Length{th.pt(4), th.pt(2)}},
	}
	seen := map[string]bool{}
	for _, tr := range pt.Separatrices {
		sty, ok := sepStyle[tr.Label]
		if !ok {
			sty = draw.LineStyle{Color: black, Width: th.pt(1.1)}
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
	runs := make([]run, 0, len(ps))
	for _, q := range ps {
		xys := make(plotter.XYs, q.n)
		for k := range q.n {
			w := q.tr.At(k)
			xys[k].X, xys[k].Y = w[pi], w[pj]
		}
		runs = append(runs, run{label: q.tr.Label, xys: xys})
	}
	th.addRuns(p, runs, &cols, add)
	if levelLabels != nil {
		for _, q := range runs {
			levelLabels.avoid = append(levelLabels.avoid, q.xys...)
		}
		for _, e := range pt.Equilibria {
			if e.Type != portrait.Degenerate {
				levelLabels.avoid = append(levelLabels.avoid, plotter.XY{X: e.X, Y: e.Y})
			}
		}
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
		sty := th.equilibriumStyle(t)
		p.Add(noPad{&plotter.Scatter{XYs: xys, GlyphStyle: sty}})
		add(string(t), glyphThumb(sty))
	}
	p.Add(frame{draw.LineStyle{Color: black, Width: th.pt(0.6)}})
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = r.XMin, r.XMax, r.YMin, r.YMax

	fig := portraitFigure(th, opt, p, lg, bars, r)
	fig.setNotes(notes)
	return fig, nil
}

// run is the drawable part of a trajectory projected on a phase plane.
type run struct {
	label string
	xys   plotter.XYs
}

// addRuns draws runs on the phase plane p in the order given, in the colours cols gives
// their labels: discrete methods as dots joined by thin lines, continuous ones as lines, a
// ring at the start and a dot at the end of each, with one legend entry per label and, when
// any run was drawn, the entries "start" and "end". Runs from one start get concentric
// rings, each in its own colour.
func (th *theme) addRuns(p *gplot.Plot, runs []run, cols *labelColors, add func(string, gplot.Thumbnailer)) {
	var marks, starts []gplot.Plotter
	startRings := map[plotter.XY]int{}
	labelled := map[string]bool{}
	for _, q := range runs {
		n := len(q.xys)
		if n == 0 {
			continue
		}
		c := cols.color(q.label)
		ls := th.lineStyle(q.label, c)
		entry := thumbs{lineThumb(ls)}
		if n > 1 {
			p.Add(&plotter.Line{XYs: q.xys, LineStyle: ls})
		}
		if IsDiscrete(q.label) {
			ds := th.dotStyle(q.label, c)
			// The iterates as far apart as the eye tells them: the line carries the rest.
			p.Add(&sparseDots{xys: q.xys, sty: ds, gap: 3 * ds.Radius})
			entry = append(entry, glyphThumb(ds))
		}
		ss := th.startStyle(c)
		ss.Radius += th.pt(1.4) * vg.Length(startRings[q.xys[0]])
		startRings[q.xys[0]]++
		starts = append(starts, noPad{&plotter.Scatter{XYs: q.xys[:1], GlyphStyle: ss}})
		marks = append(marks, noPad{&plotter.Scatter{XYs: q.xys[n-1:], GlyphStyle: th.endStyle(c)}})
		if !labelled[q.label] {
			labelled[q.label] = true
			add(q.label, entry)
		}
	}
	// The larger rings first, so that the smaller ones stay visible inside them.
	for k := len(starts) - 1; k >= 0; k-- {
		p.Add(starts[k])
	}
	p.Add(marks...)
	if len(marks) > 0 {
		add("start", glyphThumb(th.startStyle(darkGrey)))
		add("end", glyphThumb(th.endStyle(darkGrey)))
	}
}

// below reports whether the legend and the colour bars of a portrait go under the phase
// plane: for a figure narrower than 5 inches without a side column asked for.
func (o PortraitOptions) below() bool {
	return !(o.NoLegend || o.SideWidth > 0 || o.Width >= 5*vg.Inch)
}

// portraitLegend collects the entries of a portrait's legend both as a gonum legend, for
// the column beside the phase plane, and as a grid, for under it.
type portraitLegend struct {
	leg     gplot.Legend
	grid    gridLegend
	entries []string // as given, before Math
}

func newPortraitLegend(th *theme) *portraitLegend {
	leg := gplot.NewLegend()
	leg.TextStyle = th.text(th.legend, black)
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = th.pt(16)
	leg.Padding = th.pt(1.5)
	return &portraitLegend{leg: leg, grid: gridLegend{th: th}}
}

// add appends an entry; its name is written in the plain notation and typeset by Math.
func (l *portraitLegend) add(name string, thumb gplot.Thumbnailer) {
	l.entries = append(l.entries, name)
	name = Math(name)
	l.leg.Add(name, thumb)
	l.grid.add(name, thumb)
}

// portraitFigure lays out the phase plane p of the window r, its legend and its colour bars
// (made vertical for a side column, horizontal for under the plane; see
// PortraitOptions.below), and wraps p's title to the width of the phase plane.
func portraitFigure(th *theme, opt PortraitOptions, p *gplot.Plot, lg *portraitLegend, bars []*gplot.Plot, r portrait.Range) *Figure {
	aspect := (r.YMax - r.YMin) / (r.XMax - r.XMin)
	var fig *Figure
	if !opt.below() {
		fig = portraitBeside(th, opt, p, lg.leg, bars, aspect)
	} else {
		fig = portraitBelow(th, opt, p, &lg.grid, bars, aspect)
	}
	if !opt.NoLegend {
		fig.entries = lg.entries
	}
	return fig
}

// portraitBeside lays out a portrait with the legend and the colour bars in a column right
// of the phase plane, as wide as they need unless opt.SideWidth says.
func portraitBeside(th *theme, opt PortraitOptions, p *gplot.Plot, leg gplot.Legend, bars []*gplot.Plot, aspect float64) *Figure {
	gap := th.pt(10)
	side := opt.SideWidth
	if side == 0 && !opt.NoLegend {
		side = leg.Rectangle(draw.Canvas{}).Size().X
		if len(bars) > 0 {
			var bw vg.Length
			for _, b := range bars {
				bw += barWidth(th, b) + gap
			}
			side = max(side, bw-gap)
		}
		side += th.pt(8)
	}
	mainW := opt.Width - side
	p.Title.Text = th.wrapTitle(p.Title.Text, mainW) // centred over the phase plane only
	mainH := equalAspectHeight(p, mainW, aspect)
	top := th.pt(2) // above the title and under the axis label: room for ascenders and subscripts
	bodyH := mainH + 2*top
	if !opt.NoLegend {
		// Room for the legend and, below it, colour bars at least 1.2 inch tall.
		need := leg.Rectangle(draw.Canvas{}).Size().Y + th.pt(8)
		if len(bars) > 0 {
			need += th.pt(6) + 1.2*vg.Inch
		}
		bodyH = max(bodyH, need)
	}
	fig := &Figure{Width: opt.Width, Height: bodyH, Plots: append([]*gplot.Plot{p}, bars...),
		phase: vg.Point{X: mainW, Y: mainH}, DPI: th.DPI, th: th}
	fig.body = func(c draw.Canvas) {
		cw, ch := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
		sx, sy := cw/opt.Width, ch/bodyH
		mc := c
		mc.Max.X = c.Min.X + mainW*sx
		mc.Max.Y = c.Max.Y - top*sy
		mc.Min.Y = mc.Max.Y - mainH*sy
		p.Draw(mc)
		if opt.NoLegend {
			return
		}
		sc := c
		sc.Min.X = mc.Max.X + th.pt(6)
		leg := leg
		leg.Draw(draw.Crop(sc, 0, 0, 0, -th.pt(2)))
		if len(bars) == 0 {
			return
		}
		legH := leg.Rectangle(sc).Size().Y
		top := sc.Max.Y - legH - th.pt(14)
		// The bars end level with the bottom of the phase plane's data area.
		bottom := p.DataCanvas(mc).Min.Y
		if top-bottom < vg.Inch {
			bottom = max(c.Min.Y+th.pt(4), top-vg.Inch)
		}
		x := sc.Min.X
		for _, b := range bars {
			bc := sc
			bc.Min.X, bc.Max.X = x, x+barWidth(th, b)
			bc.Max.Y, bc.Min.Y = top, bottom
			if bc.Max.X > c.Max.X+th.pt(1) || b.DataCanvas(bc).Size().Y < th.pt(20) {
				break // drawn far smaller than designed: no room for the bars
			}
			b.Draw(bc)
			x = bc.Max.X + gap
		}
	}
	return fig
}

// barWidth is the width a vertical colour bar takes with its axis and label.
func barWidth(th *theme, b *gplot.Plot) vg.Length {
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: vg.Inch, Y: 2 * vg.Inch}}}
	return b.DataCanvas(c).Min.X - c.Min.X + th.pt(9)
}

// portraitBelow lays out a portrait for a narrow (one-column) figure: the phase plane over
// the full width, under it the legend in columns and the colour bars, horizontal, side by
// side.
func portraitBelow(th *theme, opt PortraitOptions, p *gplot.Plot, grid *gridLegend, bars []*gplot.Plot, aspect float64) *Figure {
	pad := th.pt(7) // right of the phase plane: room for the last tick label
	p.Title.Text = th.wrapTitle(p.Title.Text, opt.Width-pad)
	mainH := equalAspectHeight(p, opt.Width-pad, aspect)
	_, legH := grid.size(opt.Width - th.pt(4))
	gap := th.pt(5)
	var barH vg.Length
	if len(bars) > 0 {
		c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 2 * vg.Inch, Y: vg.Inch}}}
		barH = vg.Inch - bars[0].DataCanvas(c).Size().Y + th.pt(7)
	}
	top := th.pt(2) // above the title: room for its ascenders
	bodyH := top + mainH + gap + legH
	if barH > 0 {
		bodyH += gap + barH
	}
	fig := &Figure{Width: opt.Width, Height: bodyH, Plots: append([]*gplot.Plot{p}, bars...),
		phase: vg.Point{X: opt.Width - pad, Y: mainH}, DPI: th.DPI, th: th}
	fig.body = func(c draw.Canvas) {
		sy := (c.Max.Y - c.Min.Y) / bodyH
		mc := c
		mc.Max.Y = c.Max.Y - top*sy
		mc.Min.Y = mc.Max.Y - mainH*sy
		mc.Max.X -= pad
		p.Draw(mc)
		dc := p.DataCanvas(mc)
		y := mc.Min.Y - gap*sy
		lc := c
		lc.Min.X, lc.Max.X = c.Min.X+th.pt(2), c.Max.X-th.pt(2)
		lc.Max.Y, lc.Min.Y = y, y-legH*sy
		grid.draw(lc)
		y = lc.Min.Y - gap*sy
		if len(bars) == 0 {
			return
		}
		// The bars share the width of the data area, with a gap between them.
		sep := th.pt(18)
		w := (dc.Max.X - dc.Min.X - sep*vg.Length(len(bars)-1)) / vg.Length(len(bars))
		x := dc.Min.X
		for _, b := range bars {
			bc := c
			bc.Min.X, bc.Max.X = x, x+w
			bc.Max.Y, bc.Min.Y = y, max(c.Min.Y, y-barH*sy)
			b.Draw(bc)
			x += w + sep
		}
	}
	return fig
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
// colourBar returns a colour bar of cm with logarithmic tick labels: vertical with its axis
// on the left, or horizontal with its axis below.
func colourBar(th *theme, cm *ramp, label string, vertical bool) *gplot.Plot {
	p := th.newPlot()
	p.Add(bar{cm: cm, horizontal: !vertical})
	a := &p.Y
	if vertical {
		p.HideX()
	} else {
		p.HideY()
		a = &p.X
	}
	a.Label.Text = label
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = cm.Min(), cm.Max()
	p.Add(frame{draw.LineStyle{Color: black, Width: th.pt(0.5)}})
	return p
}

// equalAspectHeight returns the height of a canvas of width w on which p's data area has
// height/width = aspect. The padding around the data area (title, axes, labels) does not
// depend on the canvas size, so two corrections converge.
func equalAspectHeight(p *gplot.Plot, w vg.Length, aspect float64) vg.Length {
	h := w * vg.Length(aspect)
	if dc := p.DataCanvas(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}); !(dc.Max.Y-dc.Min.Y > 0) {
		// A plane so wide that the canvas would be lower than its own padding (the data
		// area's height not positive, or NaN): the corrections start from a square.
		h = max(h, w)
	}
	for range 3 {
		c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
		dc := p.DataCanvas(c)
		dw, dh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		h = (h - dh) + dw*vg.Length(aspect)
	}
	return h
}
