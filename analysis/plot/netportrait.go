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
// success. The data area is pt.Range with equal units on both axes; the legend and the
// colour bars go beside the phase plane or under it as in Portrait. Of the options, Title,
// Style, Width, SideWidth, Loss, NoField and NoLegend apply.
func NetPortrait(pt *portrait.NetPortrait, o *PortraitOptions) (*Figure, error) {
	if pt == nil {
		return nil, fmt.Errorf("plot: nil portrait")
	}
	r := pt.Range
	if err := r.Validate(); err != nil {
		return nil, err
	}
	opt, th, err := o.withDefaults()
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

	p := th.newPlot()
	p.Title.Text = Math(opt.Title)
	if p.Title.Text == "" {
		ws := make([]string, len(pt.Widths))
		for i, n := range pt.Widths {
			ws[i] = fmt.Sprint(n)
		}
		// Short: the objective and what the plane means go into the note.
		what := "Projection on top singular values"
		if pt.Plane.Kind == portrait.Coords {
			what = "Gradient flow on the slice through the start"
		}
		p.Title.Text = fmt.Sprintf("%s (widths %s)", what, strings.Join(ws, ","))
	}
	p.X.Label.Text, p.Y.Label.Text = Math(pt.XLabel), Math(pt.YLabel)

	lg := newPortraitLegend(th)
	add := lg.add
	below := opt.below()
	var bars []*gplot.Plot

	// F, on a logarithmic scale (a slice only).
	if opt.Loss != LossNone && pt.Loss != nil {
		if g, lo, hi, ok := logExcess(pt.Loss); ok {
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

	// The direction field of the slice.
	if !opt.NoField && pt.Field != nil {
		if lo, hi, ok := speedRange(pt.Field); ok {
			cm := speedMap(lo, hi)
			p.Add(&arrows{f: pt.Field, cmap: cm, frac: 0.8, width: th.pt(0.5)})
			bars = append([]*gplot.Plot{colourBar(th, cm, "speed on the slice", !below)}, bars...)
		}
	}

	// The balanced networks and the band of the flow (a projection only).
	if pt.Diagonal {
		lo, hi := math.Max(0, math.Max(r.XMin, r.YMin)), math.Min(r.XMax, r.YMax)
		sty := draw.LineStyle{Color: rgb(0x555555), Width: th.pt(1.2), Dashes: []vg.Length{th.pt(4), th.pt(2.5)}}
		// Drawn and listed only when a visible piece of it crosses the window.
		if hi-lo > 0.02*math.Min(r.XMax-r.XMin, r.YMax-r.YMin) {
			p.Add(noPad{&plotter.Line{XYs: plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}, LineStyle: sty}})
			add("balanced (D_i = 0)", lineThumb(sty))
		}
	}
	if b := pt.Band; b > 0 {
		// |y² − x²| = b: y = √(x² + b) and y = √(x² − b), sampled densely over the window.
		sty := draw.LineStyle{Color: rgb(0x555555), Width: th.pt(0.9), Dashes: []vg.Length{th.pt(1), th.pt(2)}}
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

	// The runs. Colours in the order of the runs, the discrete runs drawn first: a flow's
	// line is thinner than the dots of a GD that follows it, and stays visible on top of them.
	var cols labelColors
	notes := []string{Math("F = " + pt.Objective + ". " + pt.Caption)}
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
	runs := make([]run, 0, len(order))
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
		xys := make(plotter.XYs, n)
		for k := range n {
			xys[k].X, xys[k].Y = q.X[k], q.Y[k]
		}
		runs = append(runs, run{label: q.Method, xys: xys})
	}
	th.addRuns(p, runs, &cols, add)
	p.Add(frame{draw.LineStyle{Color: black, Width: th.pt(0.6)}})
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = r.XMin, r.XMax, r.YMin, r.YMax

	fig := portraitFigure(th, opt, p, lg, bars, r)
	fig.setNotes(notes)
	return fig, nil
}
