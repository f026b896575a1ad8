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
)

// NetPortrait draws the portrait of a network with matrix layers: on a slice (Coords) F as
// a heat map or contours and the direction field of −∇F, on a projection (TopSingular) the
// reference line σ₁(W_A) = σ₁(W_B) of the balanced networks; then the projected runs
// (discrete methods as dots joined by thin lines, continuous ones as lines), each with a
// ring at its start and a dot at its end in its own colour. The title says whether the
// plane is a slice through the start or a projection, the note under the figure the
// objective and what the plane means, and further notes the runs that did not end in
// success. The data area is pt.Range
// with equal units on both axes. Of the options, Title, Width, SideWidth, Loss, NoField and
// NoLegend apply.
func NetPortrait(pt *portrait.NetPortrait, o *PortraitOptions) (*Figure, error) {
	if pt == nil {
		return nil, fmt.Errorf("plot: nil portrait")
	}
	r := pt.Range
	if err := r.Validate(); err != nil {
		return nil, err
	}
	opt, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	for k, q := range pt.Paths {
		if q == nil {
			return nil, fmt.Errorf("plot: path %d is nil", k)
		}
		if len(q.X) != q.Len() || len(q.Y) != q.Len() {
			return nil, fmt.Errorf("plot: path %d (%s) has %d times, %d x and %d y", k, q.Method, q.Len(), len(q.X), len(q.Y))
		}
	}

	p := newPlot()
	p.Title.Text = opt.Title
	if p.Title.Text == "" {
		ws := make([]string, len(pt.Widths))
		for i, n := range pt.Widths {
			ws[i] = fmt.Sprint(n)
		}
		// Short enough for the width of the phase plane; the objective goes into the note.
		what := "Projection on top singular values"
		if pt.Plane.Kind == portrait.Coords {
			what = "Gradient flow on the slice through the start"
		}
		p.Title.Text = fmt.Sprintf("%s (widths %s)", what, strings.Join(ws, ","))
	}
	p.X.Label.Text, p.Y.Label.Text = pt.XLabel, pt.YLabel

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

	if opt.Loss != LossNone && pt.Loss != nil {
		if g, lo, hi, ok := logExcess(pt.Loss); ok {
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
	if !opt.NoField && pt.Field != nil {
		if lo, hi, ok := speedRange(pt.Field); ok {
			cm := speedMap(lo, hi)
			p.Add(&arrows{f: pt.Field, cmap: cm, frac: 0.78})
			bars = append([]*gplot.Plot{colourBar(cm, "speed (slice)")}, bars...)
		}
	}
	if pt.Diagonal {
		lo, hi := math.Max(0, math.Max(r.XMin, r.YMin)), math.Min(r.XMax, r.YMax)
		sty := draw.LineStyle{Color: rgb(0x555555), Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(2.5)}}
		// Drawn and listed only when a visible piece of it crosses the window.
		if hi-lo > 0.02*math.Min(r.XMax-r.XMin, r.YMax-r.YMin) {
			p.Add(noPad{&plotter.Line{XYs: plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}, LineStyle: sty}})
			add("balanced (D_i = 0)", lineThumb(sty))
		}
	}
	if b := pt.Band; b > 0 {
		// |y² − x²| = b: y = √(x² + b) and y = √(x² − b), sampled densely over the window.
		sty := draw.LineStyle{Color: rgb(0x555555), Width: vg.Points(0.9), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
		const m = 400
		var up, low plotter.XYs
		for k := range m + 1 {
			x := r.XMin + (r.XMax-r.XMin)*float64(k)/m
			if x < 0 {
				continue
			}
			up = append(up, plotter.XY{X: x, Y: math.Sqrt(x*x + b)})
			if x*x >= b {
				low = append(low, plotter.XY{X: x, Y: math.Sqrt(x*x - b)})
			}
		}
		drawn := false
		for _, c := range []plotter.XYs{up, low} {
			if len(c) > 1 {
				p.Add(noPad{&plotter.Line{XYs: c, LineStyle: sty}})
			}
			for _, q := range c {
				drawn = drawn || r.Contains(q.X, q.Y)
			}
		}
		if drawn {
			add("flow's band (D conserved)", lineThumb(sty))
		}
	}

	var cols labelColors
	var marks []gplot.Plotter
	labelled := map[string]bool{}
	notes := []string{"F = " + pt.Objective + ". " + pt.Caption}
	// Colours in the order of the runs, the discrete runs drawn first: a flow's line is
	// thinner than the dots of a GD that follows it, and stays visible on top of them.
	order := make([]*portrait.NetPath, 0, len(pt.Paths))
	for _, q := range pt.Paths {
		cols.color(q.Method)
		if IsDiscrete(q.Method) {
			order = append(order, q)
		}
	}
	for _, q := range pt.Paths {
		if !IsDiscrete(q.Method) {
			order = append(order, q)
		}
	}
	for _, q := range order {
		n := q.Finite()
		switch {
		case q.Len() == 0:
			notes = append(notes, fmt.Sprintf("%s: no points (%s)", q.Method, q.Status))
		case n < q.Len():
			notes = append(notes, fmt.Sprintf("%s: cut after %d of %d points, the next is not finite; status: %s", q.Method, n, q.Len(), q.Status))
		case q.Status != "success":
			notes = append(notes, fmt.Sprintf("%s: %s", q.Method, q.Status))
		}
		if n == 0 {
			continue
		}
		c := cols.color(q.Method)
		xys := make(plotter.XYs, n)
		for k := range n {
			xys[k].X, xys[k].Y = q.X[k], q.Y[k]
		}
		ls := lineStyle(q.Method, c)
		entry := thumbs{lineThumb(ls)}
		if n > 1 {
			p.Add(&plotter.Line{XYs: xys, LineStyle: ls})
		}
		if IsDiscrete(q.Method) {
			ds := dotStyle(c)
			p.Add(noPad{&plotter.Scatter{XYs: thin(xys, 400), GlyphStyle: ds}})
			entry = append(entry, glyphThumb(ds))
		}
		marks = append(marks,
			noPad{&plotter.Scatter{XYs: xys[:1], GlyphStyle: startStyle(c)}},
			noPad{&plotter.Scatter{XYs: xys[n-1:], GlyphStyle: endStyle(c)}})
		if !labelled[q.Method] {
			labelled[q.Method] = true
			add(q.Method, entry)
		}
	}
	p.Add(marks...)
	if len(marks) > 0 {
		add("start", glyphThumb(startStyle(darkGrey)))
		add("end", glyphThumb(endStyle(darkGrey)))
	}
	p.Add(frame{draw.LineStyle{Color: black, Width: vg.Points(0.6)}})
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = r.XMin, r.XMax, r.YMin, r.YMax

	fig := sideColumnFigure(p, leg, entries, bars, r, opt)
	fig.setNotes(notes)
	return fig, nil
}

// sideColumnFigure lays out a phase plane with equal units on both axes and, beside it, a
// column with the legend and the colour bars under it, as Portrait does.
func sideColumnFigure(p *gplot.Plot, leg gplot.Legend, entries []string, bars []*gplot.Plot, r portrait.Range, opt PortraitOptions) *Figure {
	mainW := opt.Width - opt.SideWidth
	mainH := equalAspectHeight(p, mainW, (r.YMax-r.YMin)/(r.XMax-r.XMin))
	bodyH := mainH
	if !opt.NoLegend {
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
		top := side.Max.Y - leg.Rectangle(side).Size().Y - vg.Points(18)
		bottom := p.DataCanvas(mc).Min.Y
		if top-bottom < vg.Inch {
			bottom = max(c.Min.Y+vg.Points(4), top-vg.Inch)
		}
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
				break
			}
			b.Draw(bc)
			if stacked {
				y -= h + vg.Points(gap)
			} else {
				x += widths[k] + vg.Points(gap)
			}
		}
	}
	return fig
}
