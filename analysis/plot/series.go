package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/flow"
)

// SeriesOptions controls TimeSeries. A nil *SeriesOptions, or a zero field, means the
// default written in the field's comment.
type SeriesOptions struct {
	// Objective gives the loss of the top panel, its data loss L(w) = ½(W − 1)² + C (the
	// regularizers are left out). The zero value is the plain loss.
	Objective flow.Objective
	// LearningRate λ > 0 draws the stability bound 2/λ on the sharpness panel
	// (package flow, Discrete steps). Zero: no line.
	LearningRate float64
	// PhaseBoundary t* > 0 draws a vertical line at t* on every panel: the end of the
	// optimization phase. Zero: no line.
	PhaseBoundary float64
	// Title is printed above the top panel. Default none.
	Title string
	// Width and Height of the figure. Default 6 × 7 inch.
	Width, Height vg.Length
}

// TimeSeries draws three panels stacked against the time t (a discrete iterate k at
// t = k·λ): the loss L on a logarithmic axis, the adjacent imbalances D_{i,i+1} and the
// sharpness S (largest eigenvalue of the Hessian of L, flow.Sharpness) with the line 2/λ
// when a learning rate is given. All trajectories are overlaid, one colour per label; for
// depth ≥ 3 the imbalances of one trajectory share its colour and differ by dashes.
//
// A trajectory is drawn up to its first non-finite point (its status is then noted under
// the figure); losses that are not positive cannot be drawn on the logarithmic axis and are
// left out, with a note. TimeSeries returns an error for no trajectories, a nil one, or
// options out of range.
func TimeSeries(trs []*flow.Trajectory, o *SeriesOptions) (*Figure, error) {
	var opt SeriesOptions
	if o != nil {
		opt = *o
	}
	if err := checkSize(&opt.Width, &opt.Height, 6*vg.Inch, 7*vg.Inch); err != nil {
		return nil, err
	}
	if !(opt.LearningRate >= 0) || math.IsInf(opt.LearningRate, 0) {
		return nil, fmt.Errorf("plot: learning rate %v must be finite and ≥ 0", opt.LearningRate)
	}
	if !(opt.PhaseBoundary >= 0) || math.IsInf(opt.PhaseBoundary, 0) {
		return nil, fmt.Errorf("plot: phase boundary t* = %v must be finite and ≥ 0", opt.PhaseBoundary)
	}
	if len(trs) == 0 {
		return nil, fmt.Errorf("plot: no trajectories to draw")
	}
	ps, notes, err := cut(trs, 0)
	if err != nil {
		return nil, err
	}

	loss, imb, sharp := newPlot(), newPlot(), newPlot()
	loss.Title.Text = opt.Title
	loss.Y.Label.Text = "loss L"
	imb.Y.Label.Text = "imbalance D"
	sharp.Y.Label.Text = "sharpness S"
	sharp.X.Label.Text = "t"
	for _, p := range []*gplot.Plot{loss, imb, sharp} {
		p.Legend.Top = true
		p.Legend.TextStyle = textStyle(legendSize, black)
		p.Legend.XOffs = -vg.Points(4)
		p.Legend.YOffs = -vg.Points(2)
	}

	var cols labelColors
	tlo, thi := math.Inf(1), math.Inf(-1)
	dropped := 0
	maxDepth := 2
	labelled := map[string]bool{}
	lossData := newBounds()
	for _, q := range ps {
		if q.n == 0 {
			continue
		}
		tr := q.tr
		c := cols.color(tr.Label)
		d := tr.Depth
		maxDepth = max(maxDepth, d)
		t := tr.T[:q.n]
		tlo, thi = math.Min(tlo, t[0]), math.Max(thi, t[q.n-1])
		lv := make([]float64, q.n)
		sv := make([]float64, q.n)
		dv := make([][]float64, d-1)
		for i := range dv {
			dv[i] = make([]float64, q.n)
		}
		dk := make([]float64, d-1)
		for k := range q.n {
			w := tr.At(k)
			lv[k] = opt.Objective.Loss(w)
			if !(lv[k] > 0) {
				dropped++
			}
			sv[k] = flow.Sharpness(w)
			flow.Imbalance(dk, w)
			for i := range dk {
				dv[i][k] = dk[i]
			}
		}
		lossData.add(lv)
		entry := addSeries(loss, t, lv, tr.Label, c, nil, false, true)
		for i := range dv {
			addSeries(imb, t, dv[i], tr.Label, c, pairDashes(i), false, false)
		}
		addSeries(sharp, t, sv, tr.Label, c, nil, false, false)
		if !labelled[tr.Label] {
			labelled[tr.Label] = true
			loss.Legend.Add(tr.Label, entry)
		}
	}
	if math.IsInf(tlo, 1) {
		return nil, fmt.Errorf("plot: no trajectory has a finite point to draw")
	}
	if maxDepth > 2 {
		for i := 0; i < maxDepth-1; i++ {
			imb.Legend.Add(fmt.Sprintf("D%d%d", i+1, i+2), lineThumb{Color: darkGrey, Width: vg.Points(1.2), Dashes: pairDashes(i)})
		}
	}
	if opt.LearningRate > 0 {
		sty := draw.LineStyle{Color: midGrey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		bound := hline{y: 2 / opt.LearningRate, sty: sty}
		sharp.Add(bound)
		sharp.Legend.Add(fmt.Sprintf("2/λ = %.4g", 2/opt.LearningRate), bound)
		// Headroom above the line for the legend.
		sharp.Y.Max = math.Max(sharp.Y.Max, 1.2*2/opt.LearningRate)
		sharp.Y.Min = math.Min(sharp.Y.Min, 0)
	}
	if opt.PhaseBoundary > 0 {
		sty := draw.LineStyle{Color: rgb(0xAA3377), Width: vg.Points(0.9), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
		for _, p := range []*gplot.Plot{loss, imb, sharp} {
			p.Add(vline{x: opt.PhaseBoundary, sty: sty})
		}
		loss.Legend.Add(fmt.Sprintf("t* = %.4g", opt.PhaseBoundary), vline{sty: sty})
		thi = math.Max(thi, opt.PhaseBoundary)
	}
	if thi == tlo {
		thi = tlo + 1
	}
	for _, p := range []*gplot.Plot{loss, imb, sharp} {
		p.X.Min, p.X.Max = tlo, thi
	}
	if !logAxis(&loss.Y, lossData) {
		// The loss is 0 throughout (a run started on a minimum): a linear axis, and a note.
		linearAxis(&loss.Y, lossData)
		notes = append(notes, "the loss is 0 at every point: nothing to draw on the logarithmic loss axis")
	}
	padAxis(&imb.Y)
	padAxis(&sharp.Y)
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d points with loss ≤ 0 are left out of the logarithmic loss axis", dropped))
	}
	fig := stack(opt.Width, opt.Height, loss, imb, sharp)
	fig.setNotes(notes)
	return fig, nil
}

// Law is the closed form of an adjacent imbalance: its value at time t after the first
// point of a trajectory, where it had the value d0.
type Law func(d0, t float64) float64

// ExpDecay returns the law D(t) = D(0)·e^{−rate·t}: rate 2μ for the gradient flow with weight
// decay μ (package flow, Gradient flows), rate 0 for a conserved imbalance.
func ExpDecay(rate float64) Law {
	return func(d0, t float64) float64 { return d0 * math.Exp(-rate*t) }
}

// TheoryOptions controls Theory. A nil *TheoryOptions, or a zero field, means the default
// written in the field's comment.
type TheoryOptions struct {
	// Law is the closed form drawn dashed black over each measured curve. Default
	// ExpDecay(0): a conserved imbalance.
	Law Law
	// LawLabel names the law in the legend. Default "theory".
	LawLabel string
	// LogY draws |D| on a logarithmic axis, where an exponential law is a straight line.
	LogY bool
	// Title is printed above the panel. Default none.
	Title string
	// Width and Height of the figure. Default 6 × 4 inch.
	Width, Height vg.Length
}

// theoryPoints is the number of samples of a law over a trajectory's time span.
const theoryPoints = 200

// Theory draws the measured adjacent imbalances D_{i,i+1}(t) of each trajectory in colour
// against the closed-form law, dashed black, started from each curve's first value (as in
// Kunin et al., Neural Mechanics). With LogY the absolute values are drawn and points where
// |D| = 0 are left out, with a note.
func Theory(trs []*flow.Trajectory, o *TheoryOptions) (*Figure, error) {
	var opt TheoryOptions
	if o != nil {
		opt = *o
	}
	if err := checkSize(&opt.Width, &opt.Height, 6*vg.Inch, 4*vg.Inch); err != nil {
		return nil, err
	}
	if opt.Law == nil {
		opt.Law = ExpDecay(0)
	}
	if opt.LawLabel == "" {
		opt.LawLabel = "theory"
	}
	if len(trs) == 0 {
		return nil, fmt.Errorf("plot: no trajectories to draw")
	}
	ps, notes, err := cut(trs, 0)
	if err != nil {
		return nil, err
	}
	p := newPlot()
	p.Title.Text = opt.Title
	p.X.Label.Text = "t"
	p.Y.Label.Text = "imbalance D"
	if opt.LogY {
		p.Y.Label.Text = "|D|"
	}
	p.Legend.Top = true
	p.Legend.TextStyle = textStyle(legendSize, black)
	p.Legend.XOffs = -vg.Points(4)
	law := draw.LineStyle{Color: black, Width: vg.Points(1.1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}

	var cols labelColors
	labelled := map[string]bool{}
	data := newBounds()
	dropped := 0
	tlo, thi := math.Inf(1), math.Inf(-1)
	for _, q := range ps {
		if q.n == 0 {
			continue
		}
		tr := q.tr
		c := cols.color(tr.Label)
		t := tr.T[:q.n]
		tlo, thi = math.Min(tlo, t[0]), math.Max(thi, t[q.n-1])
		d := tr.Depth
		dk := make([]float64, d-1)
		dv := make([][]float64, d-1)
		for i := range dv {
			dv[i] = make([]float64, q.n)
		}
		for k := range q.n {
			flow.Imbalance(dk, tr.At(k))
			for i := range dk {
				dv[i][k] = dk[i]
			}
		}
		for i := range dv {
			meas := dv[i]
			ts := make([]float64, theoryPoints)
			th := make([]float64, theoryPoints)
			for k := range ts {
				ts[k] = t[0] + (t[q.n-1]-t[0])*float64(k)/float64(theoryPoints-1)
				th[k] = opt.Law(meas[0], ts[k]-t[0])
			}
			if opt.LogY {
				meas = abs(meas)
				th = abs(th)
				for _, v := range meas {
					if !(v > 0) {
						dropped++
					}
				}
			}
			data.add(meas)
			data.add(th)
			entry := addSeries(p, t, meas, tr.Label, c, pairDashes(i), false, opt.LogY)
			addSeries(p, ts, th, "", nil, nil, false, opt.LogY, law)
			if !labelled[tr.Label] {
				labelled[tr.Label] = true
				p.Legend.Add(tr.Label, entry)
			}
		}
	}
	if math.IsInf(tlo, 1) {
		return nil, fmt.Errorf("plot: no trajectory has a finite point to draw")
	}
	p.Legend.Add(opt.LawLabel, lineThumb(law))
	if thi == tlo {
		thi = tlo + 1
	}
	p.X.Min, p.X.Max = tlo, thi
	if !opt.LogY {
		linearAxis(&p.Y, data)
	} else {
		if !logAxis(&p.Y, data) {
			linearAxis(&p.Y, data)
			notes = append(notes, "the imbalance is 0 at every point: nothing to draw on the logarithmic axis")
		}
		if dropped > 0 {
			notes = append(notes, fmt.Sprintf("%d points with D = 0 are left out of the logarithmic axis", dropped))
		}
	}
	fig := stack(opt.Width, opt.Height, p)
	fig.setNotes(notes)
	return fig, nil
}

// PlaneOptions controls ImbalanceLoss. A nil *PlaneOptions, or a zero field, means the
// default written in the field's comment.
type PlaneOptions struct {
	// Objective gives the loss on the vertical axis, its data loss L(w). The zero value is
	// the plain loss.
	Objective flow.Objective
	// LinearX and LinearY keep an axis linear. By default an axis is logarithmic when all
	// its values are positive and span more than a decade.
	LinearX, LinearY bool
	// Title is printed above the panel. Default none.
	Title string
	// Width and Height of the figure. Default 5 × 4.5 inch.
	Width, Height vg.Length
}

// ImbalanceLoss draws every trajectory as a path in the plane of the imbalance
// ‖D‖ = max_{i,j} |D_ij| (horizontal) and the loss L (vertical), a ring at its start and a
// dot at its end. Regularized training shows the two phases as an L: the loss
// falls at nearly constant imbalance (optimization), then the imbalance falls at nearly
// constant loss (regularization).
func ImbalanceLoss(trs []*flow.Trajectory, o *PlaneOptions) (*Figure, error) {
	var opt PlaneOptions
	if o != nil {
		opt = *o
	}
	if err := checkSize(&opt.Width, &opt.Height, 5*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	if len(trs) == 0 {
		return nil, fmt.Errorf("plot: no trajectories to draw")
	}
	ps, notes, err := cut(trs, 0)
	if err != nil {
		return nil, err
	}
	type run struct {
		label string
		x, y  []float64
	}
	var runs []run
	xb, yb := newBounds(), newBounds()
	for _, q := range ps {
		if q.n == 0 {
			continue
		}
		x, y := make([]float64, q.n), make([]float64, q.n)
		dk := make([]float64, q.tr.Depth-1)
		for k := range q.n {
			w := q.tr.At(k)
			x[k] = flow.Imbalance(dk, w)
			y[k] = opt.Objective.Loss(w)
		}
		xb.add(x)
		yb.add(y)
		runs = append(runs, run{q.tr.Label, x, y})
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("plot: no trajectory has a finite point to draw")
	}
	logX := !opt.LinearX && xb.positiveOnly() && xb.hi > 10*xb.loPos
	logY := !opt.LinearY && yb.positiveOnly() && yb.hi > 10*yb.loPos

	p := newPlot()
	p.Title.Text = opt.Title
	p.X.Label.Text = "imbalance ‖D‖"
	p.Y.Label.Text = "loss L"
	// The paths run from the top right (large loss and imbalance) down and to the left:
	// the top left stays free for the legend.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle = textStyle(legendSize, black)
	p.Legend.XOffs = vg.Points(6)
	var cols labelColors
	labelled := map[string]bool{}
	var marks []gplot.Plotter
	for _, r := range runs {
		c := cols.color(r.label)
		entry := addSeries(p, r.x, r.y, r.label, c, nil, logX, logY)
		first, last := -1, -1
		for k := range r.x {
			if ok(r.x[k], logX) && ok(r.y[k], logY) {
				if first < 0 {
					first = k
				}
				last = k
			}
		}
		if first >= 0 {
			marks = append(marks,
				&plotter.Scatter{XYs: plotter.XYs{{X: r.x[first], Y: r.y[first]}}, GlyphStyle: startStyle(c)},
				&plotter.Scatter{XYs: plotter.XYs{{X: r.x[last], Y: r.y[last]}}, GlyphStyle: endStyle(c)})
		}
		if !labelled[r.label] {
			labelled[r.label] = true
			p.Legend.Add(r.label, entry)
		}
	}
	p.Add(marks...)
	p.Legend.Add("start", glyphThumb(startStyle(darkGrey)))
	p.Legend.Add("end", glyphThumb(endStyle(darkGrey)))
	if logX {
		logAxis(&p.X, xb)
	} else {
		linearAxis(&p.X, xb)
	}
	if logY {
		logAxis(&p.Y, yb)
	} else {
		linearAxis(&p.Y, yb)
	}
	fig := stack(opt.Width, opt.Height, p)
	fig.setNotes(notes)
	return fig, nil
}

// checkSize applies the default size and rejects a negative one.
func checkSize(w, h *vg.Length, dw, dh vg.Length) error {
	if *w < 0 || *h < 0 {
		return fmt.Errorf("plot: figure size %v × %v must not be negative", *w, *h)
	}
	if *w == 0 {
		*w = dw
	}
	if *h == 0 {
		*h = dh
	}
	return nil
}

// stack lays out plots from top to bottom with aligned axes.
func stack(w, h vg.Length, plots ...*gplot.Plot) *Figure {
	f := &Figure{Width: w, Height: h, Plots: plots}
	f.body = func(c draw.Canvas) {
		t := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(2),
			PadLeft: vg.Points(2), PadRight: vg.Points(8), PadY: vg.Points(10)}
		grid := make([][]*gplot.Plot, len(plots))
		for k, p := range plots {
			grid[k] = []*gplot.Plot{p}
		}
		cs := gplot.Align(grid, t, c)
		for k, p := range plots {
			p.Draw(cs[k][0])
		}
	}
	return f
}

// pairDashes returns the dashes of the imbalance D_{i,i+1}: solid, dashed, dotted, …
func pairDashes(i int) []vg.Length {
	switch i % 4 {
	case 0:
		return nil
	case 1:
		return []vg.Length{vg.Points(5), vg.Points(2.5)}
	case 2:
		return []vg.Length{vg.Points(1.2), vg.Points(1.8)}
	default:
		return []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1.2), vg.Points(2)}
	}
}

// ok reports whether v can be drawn: finite, and positive on a logarithmic axis.
func ok(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// addSeries adds the curve (x, y) to p as lines through the runs of drawable points, with
// the style of the label (dots on a thin line for a discrete method) and the given dashes,
// and returns its legend thumbnail. A non-empty style overrides the label's line style.
func addSeries(p *gplot.Plot, x, y []float64, label string, c color.Color, dashes []vg.Length, logX, logY bool, style ...draw.LineStyle) gplot.Thumbnailer {
	ls := lineStyle(label, c)
	if len(style) > 0 {
		ls = style[0]
	}
	if dashes != nil {
		ls.Dashes = dashes
	}
	discrete := len(style) == 0 && IsDiscrete(label)
	ds := dotStyle(c)
	ds.Radius = vg.Points(1.1)
	var run plotter.XYs
	flush := func() {
		if len(run) >= 2 {
			p.Add(&plotter.Line{XYs: run, LineStyle: ls})
		}
		if discrete && len(run) > 0 || len(run) == 1 {
			p.Add(&plotter.Scatter{XYs: thin(run, maxDots), GlyphStyle: ds})
		}
		run = nil
	}
	for k := range x {
		if ok(x[k], logX) && ok(y[k], logY) {
			run = append(run, plotter.XY{X: x[k], Y: y[k]})
		} else {
			flush()
		}
	}
	flush()
	if discrete {
		return thumbs{lineThumb(ls), glyphThumb(ds)}
	}
	return lineThumb(ls)
}

// maxDots bounds the dots of a discrete method on a time axis: the line through all the
// iterates is drawn anyway, and thousands of dots would hide the curves under them.
const maxDots = 120

// thin returns at most n points of xys, equally spaced in index, the last one included.
func thin(xys plotter.XYs, n int) plotter.XYs {
	if len(xys) <= n {
		return xys
	}
	out := make(plotter.XYs, 0, n+1)
	step := float64(len(xys)-1) / float64(n-1)
	for k := range n {
		out = append(out, xys[int(math.Round(float64(k)*step))])
	}
	return out
}

// bounds accumulates the range of values and the smallest positive one.
type bounds struct {
	lo, hi, loPos float64
	nonPos        bool
}

func newBounds() *bounds {
	return &bounds{lo: math.Inf(1), hi: math.Inf(-1), loPos: math.Inf(1)}
}

func (b *bounds) add(v []float64) {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		b.lo, b.hi = math.Min(b.lo, x), math.Max(b.hi, x)
		if x > 0 {
			b.loPos = math.Min(b.loPos, x)
		} else {
			b.nonPos = true
		}
	}
}

func (b *bounds) positiveOnly() bool { return !b.nonPos && !math.IsInf(b.loPos, 1) }

// logAxis makes a a logarithmic axis over the positive values of b, and reports whether
// there are any.
func logAxis(a *gplot.Axis, b *bounds) bool {
	if math.IsInf(b.loPos, 1) {
		return false
	}
	lo, hi := b.loPos, b.hi
	if hi <= lo {
		lo, hi = lo/2, lo*2
	}
	// A margin of 3 % of the decades on either side.
	m := math.Pow(hi/lo, 0.03)
	a.Scale = gplot.LogScale{}
	a.Tick.Marker = logAxisTicks{}
	a.Min, a.Max = lo/m, hi*m
	// Data near the ends of float64 must not put an axis end at 0 or Inf.
	if !(a.Min > 0) {
		a.Min = lo
	}
	if math.IsInf(a.Max, 0) {
		a.Max = hi
	}
	return true
}

// padAxis widens a linear axis by 4 % of its span on either side.
func padAxis(a *gplot.Axis) {
	if m := 0.04 * (a.Max - a.Min); m > 0 && !math.IsInf(m, 0) {
		a.Min, a.Max = a.Min-m, a.Max+m
	}
}

// linearAxis sets a linear axis over the values of b with a 4 % margin.
func linearAxis(a *gplot.Axis, b *bounds) {
	lo, hi := b.lo, b.hi
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	m := 0.04 * (hi - lo)
	if m == 0 {
		m = 0.5
	}
	a.Min, a.Max = lo-m, hi+m
}

// logAxisTicks marks a logarithmic axis at the powers of ten (every second or third one
// over many decades) with minor ticks at 2…9 times them over few decades.
type logAxisTicks struct{}

func (logAxisTicks) Ticks(min, max float64) []gplot.Tick {
	if !(min > 0) || !(max >= min) {
		return nil
	}
	e0, e1 := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	if math.IsInf(e0, 0) || math.IsInf(e1, 0) {
		return nil
	}
	every := math.Max(1, math.Ceil((e1-e0)/8))
	// Count the labelled decades from the first one inside the range, so that the lowest
	// decade shown carries a label.
	first := e0
	if math.Pow(10, e0) < min*(1-1e-9) {
		first = e0 + 1
	}
	var ticks []gplot.Tick
	for e := e0; e <= e1; e++ {
		v := math.Pow(10, e)
		if v >= min*(1-1e-9) && v <= max*(1+1e-9) {
			t := gplot.Tick{Value: v}
			if math.Mod(e-first, every) == 0 {
				t.Label = pow10Label(1, e)
			}
			ticks = append(ticks, t)
		}
		if every == 1 {
			for m := 2.0; m < 10; m++ {
				if u := m * v; u >= min && u <= max {
					ticks = append(ticks, gplot.Tick{Value: u})
				}
			}
		}
	}
	if n := len(ticks); n == 0 || countLabels(ticks) < 2 {
		// About a decade or less: label the 1-2-5 values, or every m·10^e when fewer than two
		// of those fall inside; narrower still, linear ticks.
		for _, ms := range [][]float64{{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
			ticks = ticks[:0]
			for e := e0; e <= e1; e++ {
				for _, m := range ms {
					if u := m * math.Pow(10, e); u >= min*(1-1e-9) && u <= max*(1+1e-9) {
						ticks = append(ticks, gplot.Tick{Value: u, Label: pow10Label(m, e)})
					}
				}
			}
			if countLabels(ticks) >= 2 {
				return ticks
			}
		}
		return niceTicks{}.Ticks(min, max)
	}
	return ticks
}

func countLabels(ts []gplot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// abs returns |v| element-wise in a new slice.
func abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for k, x := range v {
		out[k] = math.Abs(x)
	}
	return out
}
