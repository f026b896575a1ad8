package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis"
)

// Chart draws the data of an analysis.Figure (the figures of reproduce) in the house style:
//
//   - labels and names in the plain notation of the project typeset by Math (D_ij, λ²);
//   - curves coloured by method when each method appears once (gd, flow, …, see methods),
//     else each in the next colour, with a marker of its own for "linepoints" and "points";
//     curves of Style "dashed" are theory, black and dashed; curves of Style "floor" are a
//     level reached by round-off, drawn as a grey band labelled "round-off", not as data;
//   - ± Err as a filled band around a line, as error bars on points;
//   - axes logarithmic where the figure asks, and where positive data span three decades or
//     more; a time axis ("t", "t = kλ") logarithmic when the curves change early (see
//     TimeSeries), t = 0 then left out;
//   - a logarithmic axis of a few swept values (2 to 8: learning rates, batch sizes)
//     labelled at those values;
//   - axes set by the data that matters: the points drawn and their ± bands; a horizontal or
//     vertical mark (a bound, a threshold) widens an axis only while the data keep at least
//     half of it, else the legend names it as off the axis;
//   - when the figure has one theory curve and measured curves on the same x values, a
//     panel under it of their relative deviation (m − theory)/|theory|, curves marked
//     OwnLaw left out;
//   - the legend in the corner that covers no data, else under the axes;
//   - the figure's notes printed under it.
//
// Non-finite points, and non-positive ones on a logarithmic axis, are left out (the latter
// with a note). Chart returns an error for a figure without a drawable point, or an invalid
// style.
func Chart(f analysis.Figure, st Style) (*Figure, error) {
	th, err := st.theme()
	if err != nil {
		return nil, err
	}
	w, h, err := th.size(0, 0, 0.78)
	if err != nil {
		return nil, err
	}
	logX, logY := f.LogX, f.LogY
	xb, yb := newBounds(), newBounds()
	var theory []int
	for k, s := range f.Series {
		if len(s.X) != len(s.Y) || s.Err != nil && len(s.Err) != len(s.Y) {
			return nil, fmt.Errorf("plot: figure %s: series %q has %d x, %d y and %d error values", f.Name, s.Name, len(s.X), len(s.Y), len(s.Err))
		}
		xb.add(s.X)
		if s.Style == "dashed" {
			theory = append(theory, k)
		}
	}
	// The values the vertical axis holds: of the points from x0 on, with their ± bands (data
	// too); not the "floor" levels.
	holdY := func(x0 float64) {
		*yb = *newBounds()
		for _, s := range f.Series {
			if s.Style == "floor" {
				continue
			}
			for i := range s.Y {
				if !(s.X[i] >= x0) {
					continue
				}
				yb.add([]float64{s.Y[i]})
				if s.Err != nil {
					if e := s.Err[i]; ok(e, false) && (!f.LogY || s.Y[i]-e > 0) {
						yb.add([]float64{s.Y[i] - e, s.Y[i] + e})
					}
				}
			}
		}
	}
	holdY(math.Inf(-1))
	// Three decades or more of positive values read on a logarithmic axis only.
	logX = logX || xb.positiveOnly() && xb.hi >= 1e3*xb.loPos
	logY = logY || yb.positiveOnly() && yb.hi >= 1e3*yb.loPos

	var notes []string
	timeAxis := f.XLabel == "t" || strings.HasPrefix(f.XLabel, "t =") || strings.HasPrefix(f.XLabel, "t (")
	tmin := 0.0
	if timeAxis && !logX {
		var ts, ys [][]float64
		for _, s := range f.Series {
			if s.Style != "dashed" && s.Style != "floor" {
				ts, ys = append(ts, s.X), append(ys, s.Y)
			}
		}
		if early, lo := earlyAction(ts, ys, xb.lo, xb.hi); early {
			logX, tmin = true, lo
			holdY(tmin) // the axis holds what is drawn, not the points before tmin
			notes = append(notes, fmt.Sprintf("time on a logarithmic axis from t = %.3g: the curves change early", lo))
		}
	}

	p := th.newPlot()
	q := newPlaced(th, p)
	p.Title.Text = th.wrapTitle(Math(f.Title), w)
	p.X.Label.Text = Math(f.XLabel)
	p.Y.Label.Text = Math(f.YLabel)
	if logX {
		p.X.Scale, p.X.Tick.Marker = gplot.LogScale{}, LogTicks{}
	}
	if logY {
		p.Y.Scale, p.Y.Tick.Marker = gplot.LogScale{}, LogTicks{}
	}
	okXY := func(x, y float64) bool { return ok(x, logX) && ok(y, logY) && (tmin == 0 || x >= tmin) }

	// Colours by method when every method appears once, else one colour per curve.
	byMethod := true
	seen := map[string]bool{}
	for _, s := range f.Series {
		if s.Style == "dashed" || s.Style == "floor" {
			continue
		}
		m := methodOf(s.Name)
		byMethod = byMethod && (m == "" || !seen[m])
		seen[m] = true
	}
	var cols labelColors
	colour := func(name string) color.Color {
		if byMethod {
			return cols.color(name)
		}
		return cols.color("\x00" + name) // no method colours
	}

	theoryStyle := draw.LineStyle{Color: black, Width: th.pt(0.9), Dashes: []vg.Length{th.pt(3.5), th.pt(2.5)}}
	var floorTop float64
	var floorNames []string
	drawn := 0
	marker := 0
	for _, s := range f.Series {
		var xy plotter.XYs
		var lo, hi plotter.XYs
		var errs plotter.YErrors
		left := 0 // finite points that a logarithmic axis cannot hold
		for i := range s.X {
			if !okXY(s.X[i], s.Y[i]) {
				if ok(s.X[i], false) && ok(s.Y[i], false) && (tmin == 0 || s.X[i] >= tmin) {
					left++
				}
				continue
			}
			xy = append(xy, plotter.XY{X: s.X[i], Y: s.Y[i]})
			if s.Err != nil {
				e := s.Err[i]
				if !ok(e, false) {
					e = 0
				}
				errs = append(errs, struct{ Low, High float64 }{e, e})
				if ok(s.Y[i]-e, logY) && ok(s.Y[i]+e, logY) {
					lo = append(lo, plotter.XY{X: s.X[i], Y: s.Y[i] - e})
					hi = append(hi, plotter.XY{X: s.X[i], Y: s.Y[i] + e})
				}
			}
		}
		if left > 0 && s.Style != "floor" {
			notes = append(notes, fmt.Sprintf("%s: points ≤ 0 are left out of the logarithmic axis (%d of %d)", Math(s.Name), left, len(s.X)))
		}
		if len(xy) == 0 {
			continue
		}
		drawn++
		name := Math(s.Name)
		switch s.Style {
		case "floor":
			for _, v := range xy {
				floorTop = math.Max(floorTop, v.Y)
			}
			floorNames = append(floorNames, s.Name)
		case "dashed":
			q.Add(&plotter.Line{XYs: xy, LineStyle: theoryStyle})
			q.add(name, lineThumb(theoryStyle))
		case "points":
			c := colour(s.Name)
			gs := draw.GlyphStyle{Color: c, Radius: th.pt(1.6), Shape: markGlyph{shape: shapeOf(s.Name, marker), filled: true, width: th.pt(0.4)}}
			marker++
			if len(errs) == len(xy) {
				eb := &plotter.YErrorBars{XYs: xy, YErrors: errs, LineStyle: draw.LineStyle{Color: tint(c, 0.35), Width: th.pt(0.7)}, CapWidth: th.pt(2.5)}
				q.Add(eb)
			}
			if len(xy) > 300 {
				// Thousands of markers merge into bars: small dots, as far apart as the eye resolves.
				gs = draw.GlyphStyle{Color: c, Radius: th.pt(0.8), Shape: draw.CircleGlyph{}}
				q.Add(&sparseDots{xys: xy, sty: gs, gap: 1.2 * gs.Radius})
			} else {
				q.Add(&plotter.Scatter{XYs: xy, GlyphStyle: gs})
			}
			q.add(name, glyphThumb(gs))
		default: // "line", "linepoints"
			c := colour(s.Name)
			ls := draw.LineStyle{Color: c, Width: th.pt(1), Dashes: th.dashesOf(s.Name)}
			var entry thumbs
			if len(lo) >= 2 {
				b := &band{lo: lo, hi: hi, fill: tint(c, 0.72)}
				q.Add(b)
				entry = append(entry, b)
			}
			q.Add(&plotter.Line{XYs: xy, LineStyle: ls})
			entry = append(entry, lineThumb(ls))
			if s.Style == "linepoints" {
				gs := draw.GlyphStyle{Color: c, Radius: th.pt(1.8), Shape: markGlyph{shape: shapeOf(s.Name, marker), ring: true, width: th.pt(0.8)}}
				marker++
				q.Add(&sparseDots{xys: xy, sty: gs, gap: 2.5 * gs.Radius})
				entry = append(entry, glyphThumb(gs))
			}
			q.add(name, entry)
		}
	}
	if drawn == 0 {
		return nil, fmt.Errorf("plot: figure %s has no point to draw", f.Name)
	}
	// Marks far from the data are not allowed to squash it: the axes hold a mark only when
	// the data keep at least half of them (holdsRef); a mark farther away is named in the
	// legend as off the axis.
	grey := draw.LineStyle{Color: rgb(0x777777), Width: th.pt(0.8), Dashes: []vg.Length{th.pt(2), th.pt(2)}}
	var heldY, heldX []float64
	for _, m := range f.HLines {
		if !ok(m.At, logY) {
			continue
		}
		l := hline{y: m.At, sty: grey}
		if !holdsRef(yb, m.At, logY) {
			q.add(Math(m.Label)+offScale(m.At, yb, "above", "below"), lineThumb(grey))
			continue
		}
		heldY = append(heldY, m.At)
		q.Add(l)
		q.add(Math(m.Label), l)
	}
	for _, m := range f.VLines {
		if !ok(m.At, logX) {
			continue
		}
		l := vline{x: m.At, sty: draw.LineStyle{Color: rgb(0xAA3377), Width: th.pt(0.8), Dashes: []vg.Length{th.pt(3), th.pt(2)}}}
		if !holdsRef(xb, m.At, logX) {
			q.add(Math(m.Label)+offScale(m.At, xb, "right of", "left of"), l)
			continue
		}
		heldX = append(heldX, m.At)
		q.Add(l)
		q.add(Math(m.Label), l)
	}
	// The axes hold the data, the marks inside them, and the theory curves.
	setAxis := func(a *gplot.Axis, b *bounds, log bool) {
		if log {
			logAxis(a, b)
		} else {
			linearAxis(a, b)
		}
	}
	yb.add(heldY)
	xb.add(heldX)
	if tmin > 0 {
		xb.lo, xb.loPos = tmin, tmin
	}
	setAxis(&p.X, xb, logX)
	setAxis(&p.Y, yb, logY)
	if logX {
		// A few swept values (learning rates, batch sizes) are labelled themselves.
		var xs []float64
		for _, s := range f.Series {
			if s.Style == "floor" {
				continue
			}
			for i := range s.X {
				if okXY(s.X[i], s.Y[i]) && !slices.Contains(xs, s.X[i]) {
					xs = append(xs, s.X[i])
				}
			}
		}
		if vt, ok := newValueTicks(xs); ok {
			p.X.Tick.Marker = vt
		}
	}
	if floorTop > 0 && logY {
		p.Y.Min = math.Min(p.Y.Min, floorTop/10)
		fb := floorBand{level: floorTop, label: "round-off", th: th}
		q.Add(fb)
		q.add("round-off level", fb)
		notes = append(notes, fmt.Sprintf("grey band: round-off, the level of %s; below it nothing is resolved", strings.Join(floorNames, ", ")))
	}
	for _, n := range f.Notes {
		notes = append(notes, n)
	}

	qs := []*placed{q}
	if rq := residualPanel(th, f, theory, logX, okXY, colour); rq != nil {
		rq.p.X.Scale, rq.p.X.Tick.Marker = p.X.Scale, p.X.Tick.Marker
		rq.p.X.Min, rq.p.X.Max = p.X.Min, p.X.Max
		rq.p.X.Label.Text = p.X.Label.Text
		p.X.Label.Text = ""
		p.X.Tick.Label.Color = color.Transparent
		h *= 1.3
		// A share of the height that gives the residuals room for three labels and their
		// time axis: 0.42 at the paper preset, more where the text is large for the figure.
		tickH := th.text(th.tick, black).FontExtents().Height
		need := 7.5 * tickH
		rq.weight = 0.42
		if total := h - 3*th.label; total > 2*need {
			rq.weight = math.Max(0.42, float64(need/(total-need)))
		}
		qs = append(qs, rq)
	}
	fig := stack(th, w, h, qs...)
	fig.setNotes(notes)
	return fig, nil
}

// residualPanel returns the panel of the relative deviations (m − p)/|p| of the measured
// curves of f from its one theory curve p, over the x values they share with it; nil when
// f has not exactly one theory curve or no measured curve on its x values.
func residualPanel(th *theme, f analysis.Figure, theory []int, logX bool, okXY func(x, y float64) bool, colour func(string) color.Color) *placed {
	if len(theory) != 1 {
		return nil
	}
	tc := f.Series[theory[0]]
	p := th.newPlot()
	q := newPlaced(th, p)
	p.Y.Label.Text = "rel. deviation"
	rb := newBounds()
	xb := newBounds()
	for _, s := range f.Series {
		if s.Style == "dashed" || s.Style == "floor" || s.OwnLaw || !slices.Equal(s.X, tc.X) {
			continue
		}
		var xy plotter.XYs
		var lo, hi plotter.XYs
		for i := range s.X {
			if !okXY(s.X[i], s.Y[i]) || !(tc.Y[i] != 0) {
				continue
			}
			d := (s.Y[i] - tc.Y[i]) / math.Abs(tc.Y[i])
			if !ok(d, false) {
				continue
			}
			xy = append(xy, plotter.XY{X: s.X[i], Y: d})
			rb.add([]float64{d})
			xb.add([]float64{s.X[i]})
			if s.Err != nil && ok(s.Err[i], false) {
				e := s.Err[i] / math.Abs(tc.Y[i])
				lo = append(lo, plotter.XY{X: s.X[i], Y: d - e})
				hi = append(hi, plotter.XY{X: s.X[i], Y: d + e})
				rb.add([]float64{d - e, d + e})
			}
		}
		if len(xy) == 0 {
			continue
		}
		c := colour(s.Name)
		if len(lo) >= 2 && s.Style != "points" {
			q.Add(&band{lo: lo, hi: hi, fill: tint(c, 0.72)})
		}
		if s.Style == "points" {
			gs := draw.GlyphStyle{Color: c, Radius: th.pt(1.6), Shape: markGlyph{shape: shapeOf(s.Name, 0), filled: true, width: th.pt(0.4)}}
			if len(lo) == len(xy) {
				errs := make(plotter.YErrors, len(xy))
				for i := range xy {
					errs[i].Low, errs[i].High = xy[i].Y-lo[i].Y, hi[i].Y-xy[i].Y
				}
				q.Add(&plotter.YErrorBars{XYs: xy, YErrors: errs, LineStyle: draw.LineStyle{Color: tint(c, 0.35), Width: th.pt(0.7)}, CapWidth: th.pt(2.5)})
			}
			q.Add(&plotter.Scatter{XYs: xy, GlyphStyle: gs})
		} else {
			q.Add(&plotter.Line{XYs: xy, LineStyle: draw.LineStyle{Color: c, Width: th.pt(1), Dashes: th.dashesOf(s.Name)}})
		}
	}
	if math.IsInf(rb.lo, 1) {
		return nil
	}
	rb.add([]float64{0})
	linearAxis(&p.Y, rb)
	q.Add(hline{y: 0, sty: draw.LineStyle{Color: black, Width: th.pt(0.6), Dashes: []vg.Length{th.pt(3.5), th.pt(2.5)}}})
	return q
}

// valueTicks labels a logarithmic axis at the values of the data, when they are few (a sweep
// of learning rates or batch sizes), with the powers of ten as minor ticks.
type valueTicks struct {
	vals   []float64
	labels []string
}

// newValueTicks returns the ticker of the values xs when there are 2 to 8 of them, positive,
// each at least 1.4 times the one before (apart enough for their labels), and their labels
// of four significant digits differ; else ok is false.
func newValueTicks(xs []float64) (valueTicks, bool) {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if len(xs) < 2 || len(xs) > 8 || !(xs[0] > 0) {
		return valueTicks{}, false
	}
	vt := valueTicks{vals: xs}
	// Powers of ten only: the decades label them already. Values from 10⁻³ to 10⁵ in
	// decimals, else all as powers of ten.
	decades := true
	sci := xs[0] < 1e-3 || xs[len(xs)-1] >= 1e5
	for i, v := range xs {
		if math.IsInf(v, 0) || i > 0 && v < 1.4*xs[i-1] {
			return valueTicks{}, false
		}
		e := math.Round(math.Log10(v))
		decades = decades && math.Abs(v/math.Pow(10, e)-1) < 1e-12
		l := strconv.FormatFloat(v, 'g', 4, 64)
		if sci {
			l = strconv.FormatFloat(v, 'e', 3, 64)
		}
		if strings.Contains(l, "e") {
			l = sciMarkup(l)
		}
		if slices.Contains(vt.labels, l) {
			return valueTicks{}, false
		}
		vt.labels = append(vt.labels, l)
	}
	return vt, !decades
}

func (v valueTicks) Ticks(min, max float64) []gplot.Tick {
	var ts []gplot.Tick
	for _, t := range (logAxisTicks{}).Ticks(min, max) {
		if !slices.Contains(v.vals, t.Value) {
			ts = append(ts, gplot.Tick{Value: t.Value})
		}
	}
	for i, x := range v.vals {
		if x >= min && x <= max {
			ts = append(ts, gplot.Tick{Value: x, Label: v.labels[i]})
		}
	}
	return ts
}
