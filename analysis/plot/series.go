package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

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
	// optimization phase. The time axis reaches t* when the curves keep at least half of it;
	// a t* farther away is named in the legend, not drawn. Zero: no line.
	PhaseBoundary float64
	// IntegratorLevel > 0 is the level of the loss below which the losses of the continuous
	// trajectories (those not IsDiscrete) are the integrator's error, not data, as computed
	// from their solves (analysis.Comparison.LossLevel). The loss panel shades the band below
	// it, as it shades the round-off floor. Zero: no band.
	IntegratorLevel float64
	// Title is printed above the top panel. Default none.
	Title string
	// Style is the house style. The default height is 1.45 times the width.
	Style Style
	// Width and Height of the figure override the style's.
	Width, Height vg.Length
}

// TimeSeries draws three panels stacked against the time t (a discrete iterate k at
// t = k·λ): the loss L on a logarithmic axis, the adjacent imbalances D_{i,i+1} and the
// sharpness S (largest eigenvalue of the Hessian of L, flow.Sharpness) with the line 2/λ
// when a learning rate is given. All trajectories are overlaid, one colour per label; for
// depth ≥ 3 the imbalances of one trajectory share its colour and differ by dashes.
//
// The time axis is logarithmic when the action is early: when every curve has done 90 % of
// its total variation within the first 20 % of the time span (t = 0 is then left out). Losses
// below the round-off floor of the data loss, ½(d·u·|W|)² with u = 2⁻⁵³ the unit round-off, are
// not data: the panel shades the band below ten times the floor and labels it "round-off".
// Losses of the continuous runs below the integrator's error (IntegratorLevel, computed by the
// caller from the solves) are not data either: they are not drawn, and a lighter band below the
// level is labelled "integrator error". The
// sharpness axis holds the line 2/λ only when the curves keep at least half of it; a line
// farther off is named in the legend instead of squashing the curves.
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
	th, err := opt.Style.theme()
	if err != nil {
		return nil, err
	}
	if opt.Width, opt.Height, err = th.size(opt.Width, opt.Height, 1.45); err != nil {
		return nil, err
	}
	if !(opt.LearningRate >= 0) || math.IsInf(opt.LearningRate, 0) {
		return nil, fmt.Errorf("plot: learning rate %v must be finite and ≥ 0", opt.LearningRate)
	}
	if !(opt.PhaseBoundary >= 0) || math.IsInf(opt.PhaseBoundary, 0) {
		return nil, fmt.Errorf("plot: phase boundary t* = %v must be finite and ≥ 0", opt.PhaseBoundary)
	}
	if !(opt.IntegratorLevel >= 0) || math.IsInf(opt.IntegratorLevel, 0) {
		return nil, fmt.Errorf("plot: integrator error level %v must be finite and ≥ 0", opt.IntegratorLevel)
	}
	if len(trs) == 0 {
		return nil, fmt.Errorf("plot: no trajectories to draw")
	}
	ps, notes, err := cut(trs, 0)
	if err != nil {
		return nil, err
	}

	loss, imb, sharp := th.newPlot(), th.newPlot(), th.newPlot()
	lossQ, imbQ, sharpQ := newPlaced(th, loss), newPlaced(th, imb), newPlaced(th, sharp)
	loss.Title.Text = th.wrapTitle(Math(opt.Title), opt.Width)
	loss.Y.Label.Text = "loss $L$"
	imb.Y.Label.Text = "imbalance $D$"
	sharp.Y.Label.Text = "sharpness $S$"
	sharp.X.Label.Text = "$t$"
	for _, p := range []*gplot.Plot{loss, imb} {
		p.X.Tick.Label.Color = color.Transparent // the time axis is labelled once, at the bottom
	}
	var changes [][]float64 // the curves, for the choice of the time axis
	var times [][]float64
	var floor float64       // the largest round-off floor of the loss
	var continuous []string // the labels under the integrator's error level
	sharpData := newBounds()
	imbData := newBounds()

	var cols labelColors
	var adds []func(logT bool)
	tlo, thi := math.Inf(1), math.Inf(-1)
	dropped := 0
	maxDepth := 2
	labelled := map[string]bool{}
	lossData := newBounds()
	// The values of each panel with their times: on a logarithmic time axis the axes hold
	// only what is drawn, from tmin on.
	type panelData struct {
		t, v []float64
		b    *bounds
	}
	var byPanel []panelData
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
			W := 1.0
			for _, x := range w {
				W *= x
			}
			e := float64(d) * 0x1p-53 * math.Abs(W)
			floor = math.Max(floor, 0.5*e*e)
		}
		logLoss := make([]float64, q.n)
		unresolved := 10 * floor
		if !IsDiscrete(tr.Label) {
			unresolved = math.Max(unresolved, opt.IntegratorLevel)
			if opt.IntegratorLevel > 0 {
				continuous = append(continuous, tr.Label)
			}
		}
		for k, v := range lv {
			// Below the round-off floor (and a continuous run's integrator error) the loss
			// does not change: it is not resolved.
			logLoss[k] = math.Log10(math.Max(v, unresolved))
		}
		changes = append(changes, logLoss, sv)
		times = append(times, t, t)
		lossData.add(lv)
		sharpData.add(sv)
		byPanel = append(byPanel, panelData{t, lv, lossData}, panelData{t, sv, sharpData})
		for i := range dv {
			imbData.add(dv[i])
			byPanel = append(byPanel, panelData{t, dv[i], imbData})
			changes = append(changes, dv[i])
			times = append(times, t)
		}
		// The curves are added once the time axis is chosen: a logarithmic one drops t = 0.
		shown := lv
		if !IsDiscrete(tr.Label) && opt.IntegratorLevel > 0 {
			// Below the integrator's error the loss is not data: the curve ends at the band.
			shown = slices.Clone(lv)
			for k, v := range shown {
				if v < opt.IntegratorLevel {
					shown[k] = math.NaN()
				}
			}
		}
		adds = append(adds, func(logT bool) {
			entry := addSeries(th, lossQ, t, shown, tr.Label, c, nil, logT, true)
			for i := range dv {
				addSeries(th, imbQ, t, dv[i], tr.Label, c, pairDashes(th, i), logT, false)
			}
			addSeries(th, sharpQ, t, sv, tr.Label, c, nil, logT, false)
			if !labelled[tr.Label] {
				labelled[tr.Label] = true
				lossQ.add(Math(tr.Label), entry)
			}
		})
	}
	if math.IsInf(tlo, 1) {
		return nil, fmt.Errorf("plot: no trajectory has a finite point to draw")
	}
	tb := &bounds{lo: tlo, hi: thi, loPos: math.Max(tlo, math.SmallestNonzeroFloat64)}
	holdT := opt.PhaseBoundary > 0 && holdsRef(tb, opt.PhaseBoundary, false)
	tEnd := thi
	if holdT {
		tEnd = math.Max(thi, opt.PhaseBoundary)
	}
	logT, tmin := earlyAction(times, changes, tlo, tEnd)
	if lvl := opt.IntegratorLevel; len(continuous) > 0 && lvl > 10*floor && lossData.loPos < lvl {
		// The integrator's error, not data: a lighter band up to its level, under the curves
		// and under the round-off band.
		names := strings.Join(dedupe(continuous), ", ")
		lossQ.Add(floorBand{level: lvl, label: "integrator error (" + names + ")", th: th, fill: integratorGrey})
		notes = append(notes, fmt.Sprintf("light grey band: the integrator's error in the loss of %s (%.2g, from the solves' global error); their losses below it are not data and not drawn; gd's points are exact to round-off", names, lvl))
	}
	for _, add := range adds {
		add(logT)
	}
	if logT {
		for _, b := range []*bounds{lossData, sharpData, imbData} {
			*b = *newBounds()
		}
		for _, d := range byPanel {
			for k, v := range d.v {
				if d.t[k] >= tmin {
					d.b.add([]float64{v})
				}
			}
		}
	}
	if maxDepth > 2 {
		for i := 0; i < maxDepth-1; i++ {
			imbQ.add(fmt.Sprintf("$D_{%d%d}$", i+1, i+2), lineThumb{Color: darkGrey, Width: th.pt(1), Dashes: pairDashes(th, i)})
		}
	}
	linearAxis(&imb.Y, imbData)
	linearAxis(&sharp.Y, sharpData)
	if opt.LearningRate > 0 {
		sty := draw.LineStyle{Color: midGrey, Width: th.pt(0.8), Dashes: []vg.Length{th.pt(4), th.pt(2.5)}}
		b := 2 / opt.LearningRate
		label := fmt.Sprintf("2/$λ$ = %.4g", b)
		// The axis holds the line where the curves keep at least half of it (holdsRef); it
		// is not stretched down to 0, which would squash curves that sit near the line.
		if holdsRef(sharpData, b, false) || !(sharpData.hi > 0) {
			bound := hline{y: b, sty: sty}
			sharpQ.Add(bound)
			sharpQ.add(label, bound)
			held := *sharpData
			held.add([]float64{b})
			linearAxis(&sharp.Y, &held)
		} else {
			side := " (above the axis)"
			if b < sharpData.lo {
				side = " (below the axis)"
			}
			sharpQ.add(label+side, lineThumb(sty))
		}
	}
	if opt.PhaseBoundary > 0 {
		sty := draw.LineStyle{Color: rgb(0xAA3377), Width: th.pt(0.8), Dashes: []vg.Length{th.pt(2), th.pt(2)}}
		if holdT {
			for _, q := range []*placed{lossQ, imbQ, sharpQ} {
				q.Add(vline{x: opt.PhaseBoundary, sty: sty})
			}
			lossQ.add(fmt.Sprintf("$t$* = %.4g", opt.PhaseBoundary), vline{sty: sty})
			thi = tEnd
		} else {
			// Far after the curves' end: named, not drawn, so that it does not squash them.
			lossQ.add(fmt.Sprintf("$t$* = %.4g (after the axis)", opt.PhaseBoundary), vline{sty: sty})
		}
	}
	if thi == tlo {
		thi = tlo + 1
	}
	for _, p := range []*gplot.Plot{loss, imb, sharp} {
		p.X.Min, p.X.Max = tlo, thi
		if logT {
			p.X.Scale, p.X.Tick.Marker = gplot.LogScale{}, LogTicks{}
			p.X.Min = tmin
		}
	}
	if logT {
		notes = append(notes, fmt.Sprintf("time on a logarithmic axis from t = %.3g: the curves change early", tmin))
	}
	if !logAxis(&loss.Y, lossData) {
		// The loss is 0 throughout (a run started on a minimum): a linear axis, and a note.
		linearAxis(&loss.Y, lossData)
		notes = append(notes, "the loss is 0 at every point: nothing to draw on the logarithmic loss axis")
	} else if floor > 0 && lossData.loPos < 10*floor {
		// Round-off, not data: a shaded band up to ten times the floor; the axis ends at the
		// floor, and what lies below is not drawn.
		loss.Y.Min = math.Max(loss.Y.Min, floor)
		lossQ.Add(floorBand{level: 10 * floor, label: "round-off", th: th})
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d points with loss ≤ 0 are left out of the logarithmic loss axis", dropped))
	}
	fig := stack(th, opt.Width, opt.Height, lossQ, imbQ, sharpQ)
	fig.setNotes(notes)
	return fig, nil
}

// earlyAction reports whether a time axis should be logarithmic: whether every curve (ys[k]
// over ts[k]) has done 90 % of its total variation by a fifth of the span [t0, t1]. It
// returns the lower end of such an axis: the first positive time, at least 10⁻³·t1.
func earlyAction(ts, ys [][]float64, t0, t1 float64) (bool, float64) {
	if !(t0 >= 0) || !(t1 > 0) {
		return false, 0
	}
	late := 0.0
	pos := math.Inf(1)
	any := false
	for k, y := range ys {
		t := ts[k]
		var total float64
		for i := 1; i < len(y); i++ {
			if d := math.Abs(y[i] - y[i-1]); !math.IsNaN(d) && !math.IsInf(d, 0) {
				total += d
			}
		}
		for _, v := range t {
			if v > 0 {
				pos = math.Min(pos, v)
				break
			}
		}
		if total == 0 {
			continue
		}
		any = true
		var cum float64
		for i := 1; i < len(y); i++ {
			if d := math.Abs(y[i] - y[i-1]); !math.IsNaN(d) && !math.IsInf(d, 0) {
				cum += d
			}
			if cum >= 0.9*total {
				late = math.Max(late, (t[i]-t0)/(t1-t0))
				break
			}
		}
	}
	if !any || late > 0.2 || math.IsInf(pos, 1) {
		return false, 0
	}
	return true, math.Max(pos, 1e-3*t1)
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
	// Style is the house style. The default height is 0.95 times the width.
	Style Style
	// Width and Height of the figure override the style's.
	Width, Height vg.Length
}

// theoryPoints is the number of samples of a law over a trajectory's time span.
const theoryPoints = 200

// Theory draws the measured adjacent imbalances D_{i,i+1}(t) of each trajectory in colour
// against the closed-form law, dashed black, started from each curve's first value (as in
// Kunin et al., Neural Mechanics), and under them a panel of the relative deviation
// (D − law)/|law| at the measured times: two curves that agree to 10⁻¹⁰ look the same, and
// the deviation is the result. With LogY the absolute values are drawn and points where
// |D| = 0 are left out, with a note.
func Theory(trs []*flow.Trajectory, o *TheoryOptions) (*Figure, error) {
	var opt TheoryOptions
	if o != nil {
		opt = *o
	}
	th, err := opt.Style.theme()
	if err != nil {
		return nil, err
	}
	if opt.Width, opt.Height, err = th.size(opt.Width, opt.Height, 0.95); err != nil {
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
	p, rp := th.newPlot(), th.newPlot()
	q, rq := newPlaced(th, p), newPlaced(th, rp)
	p.Title.Text = th.wrapTitle(Math(opt.Title), opt.Width)
	rp.X.Label.Text = "$t$"
	p.X.Tick.Label.Color = color.Transparent
	p.Y.Label.Text = "imbalance $D$"
	if opt.LogY {
		p.Y.Label.Text = "|$D$|"
	}
	rp.Y.Label.Text = "rel. dev."
	law := draw.LineStyle{Color: black, Width: th.pt(0.9), Dashes: []vg.Length{th.pt(3.5), th.pt(2.5)}}

	var cols labelColors
	var adds []func(logT bool)
	var times, changes [][]float64
	labelled := map[string]bool{}
	data, res := newBounds(), newBounds()
	dropped := 0
	tlo, thi := math.Inf(1), math.Inf(-1)
	for _, pq := range ps {
		if pq.n == 0 {
			continue
		}
		tr := pq.tr
		c := cols.color(tr.Label)
		t := tr.T[:pq.n]
		tlo, thi = math.Min(tlo, t[0]), math.Max(thi, t[pq.n-1])
		d := tr.Depth
		dk := make([]float64, d-1)
		dv := make([][]float64, d-1)
		for i := range dv {
			dv[i] = make([]float64, pq.n)
		}
		for k := range pq.n {
			flow.Imbalance(dk, tr.At(k))
			for i := range dk {
				dv[i][k] = dk[i]
			}
		}
		for i := range dv {
			meas := dv[i]
			ts := make([]float64, theoryPoints)
			thv := make([]float64, theoryPoints)
			for k := range ts {
				ts[k] = t[0] + (t[pq.n-1]-t[0])*float64(k)/float64(theoryPoints-1)
				thv[k] = opt.Law(meas[0], ts[k]-t[0])
			}
			rel := make([]float64, pq.n)
			for k := range rel {
				l := opt.Law(meas[0], t[k]-t[0])
				rel[k] = (meas[k] - l) / math.Abs(l)
			}
			if opt.LogY {
				meas = abs(meas)
				thv = abs(thv)
				for _, v := range meas {
					if !(v > 0) {
						dropped++
					}
				}
			}
			data.add(meas)
			data.add(thv)
			res.add(rel)
			times, changes = append(times, t), append(changes, meas)
			dash := pairDashes(th, i)
			d0, t0 := dv[i][0], t[0]
			adds = append(adds, func(logT bool) {
				if logT && pq.n >= 2 {
					// Samples of the law evenly spaced on the logarithmic axis.
					lo := math.Max(t[1], 1e-3*t[pq.n-1])
					for k := range ts {
						ts[k] = lo * math.Pow(t[pq.n-1]/lo, float64(k)/float64(theoryPoints-1))
						thv[k] = opt.Law(d0, ts[k]-t0)
						if opt.LogY {
							thv[k] = math.Abs(thv[k])
						}
					}
				}
				entry := addSeries(th, q, t, meas, tr.Label, c, dash, logT, opt.LogY)
				addSeries(th, q, ts, thv, "", nil, nil, logT, opt.LogY, law)
				addSeries(th, rq, t, rel, tr.Label, c, dash, logT, false)
				if !labelled[tr.Label] {
					labelled[tr.Label] = true
					q.add(Math(tr.Label), entry)
				}
			})
		}
	}
	if math.IsInf(tlo, 1) {
		return nil, fmt.Errorf("plot: no trajectory has a finite point to draw")
	}
	logT, tmin := earlyAction(times, changes, tlo, thi)
	for _, add := range adds {
		add(logT)
	}
	q.add(Math(opt.LawLabel), lineThumb(law))
	if thi == tlo {
		thi = tlo + 1
	}
	p.X.Min, p.X.Max = tlo, thi
	rp.X.Min, rp.X.Max = tlo, thi
	if logT {
		for _, a := range []*gplot.Axis{&p.X, &rp.X} {
			a.Scale, a.Tick.Marker, a.Min = gplot.LogScale{}, LogTicks{}, tmin
		}
		notes = append(notes, fmt.Sprintf("time on a logarithmic axis from t = %.3g: the curves change early", tmin))
	}
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
	linearAxis(&rp.Y, res)
	rq.Add(hline{y: 0, sty: draw.LineStyle{Color: midGrey, Width: th.pt(0.5)}})
	rq.weight = 0.6
	fig := stack(th, opt.Width, opt.Height, q, rq)
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
	// IntegratorLevel > 0 is the level of the loss below which the losses of the continuous
	// trajectories are the integrator's error (see SeriesOptions): their points below it are
	// not drawn, and a logarithmic loss axis shades the band under it. Zero: none.
	IntegratorLevel float64
	// Title is printed above the panel. Default none.
	Title string
	// Style is the house style. The default height is 0.85 times the width.
	Style Style
	// Width and Height of the figure override the style's.
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
	th, err := opt.Style.theme()
	if err != nil {
		return nil, err
	}
	if opt.Width, opt.Height, err = th.size(opt.Width, opt.Height, 0.85); err != nil {
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
	var unresolved []string
	if !(opt.IntegratorLevel >= 0) || math.IsInf(opt.IntegratorLevel, 0) {
		return nil, fmt.Errorf("plot: integrator error level %v must be finite and ≥ 0", opt.IntegratorLevel)
	}
	xb, yb := newBounds(), newBounds()
	for _, q := range ps {
		if q.n == 0 {
			continue
		}
		x, y := make([]float64, q.n), make([]float64, q.n)
		dk := make([]float64, q.tr.Depth-1)
		cont := !IsDiscrete(q.tr.Label) && opt.IntegratorLevel > 0
		for k := range q.n {
			w := q.tr.At(k)
			x[k] = flow.Imbalance(dk, w)
			y[k] = opt.Objective.Loss(w)
			if cont && y[k] < opt.IntegratorLevel {
				// The integrator's error, not data.
				y[k] = math.NaN()
				unresolved = append(unresolved, q.tr.Label)
			}
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

	p := th.newPlot()
	q := newPlaced(th, p)
	if len(unresolved) > 0 && logY {
		names := strings.Join(dedupe(unresolved), ", ")
		q.Add(floorBand{level: opt.IntegratorLevel, label: "integrator error", th: th, fill: integratorGrey})
		yb.add([]float64{opt.IntegratorLevel})
		notes = append(notes, fmt.Sprintf("light grey band: the integrator's error in the loss of %s (%.2g); their points below it are not data and not drawn", names, opt.IntegratorLevel))
	}
	p.Title.Text = th.wrapTitle(Math(opt.Title), opt.Width)
	p.X.Label.Text = "imbalance ‖$D$‖"
	p.Y.Label.Text = "loss $L$"
	var cols labelColors
	labelled := map[string]bool{}
	var marks []gplot.Plotter
	for _, r := range runs {
		c := cols.color(r.label)
		entry := addSeries(th, q, r.x, r.y, r.label, c, nil, logX, logY)
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
				&plotter.Scatter{XYs: plotter.XYs{{X: r.x[first], Y: r.y[first]}}, GlyphStyle: th.startStyle(c)},
				&plotter.Scatter{XYs: plotter.XYs{{X: r.x[last], Y: r.y[last]}}, GlyphStyle: th.endStyle(c)})
		}
		if !labelled[r.label] {
			labelled[r.label] = true
			q.add(Math(r.label), entry)
		}
	}
	q.Add(marks...)
	q.add("start", glyphThumb(th.startStyle(darkGrey)))
	q.add("end", glyphThumb(th.endStyle(darkGrey)))
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
	fig := stack(th, opt.Width, opt.Height, q)
	fig.setNotes(notes)
	return fig, nil
}

// stack lays out plots from top to bottom with aligned axes, each with its legend placed
// where it covers no data.
func stack(th *theme, w, h vg.Length, qs ...*placed) *Figure {
	plots := make([]*gplot.Plot, len(qs))
	var entries []string
	for k, q := range qs {
		plots[k] = q.p
		entries = append(entries, q.names()...)
		q.yUnit = finishAxes(q.p)
	}
	f := &Figure{Width: w, Height: h, Plots: plots, DPI: th.DPI, th: th, entries: entries, panels: qs}
	f.body = func(c draw.Canvas) {
		c = draw.Crop(c, th.pt(2), -th.pt(6), th.pt(2), -th.pt(3))
		gap := th.pt(6)
		var total float64
		for _, q := range qs {
			total += q.weightOr1()
		}
		h := c.Max.Y - c.Min.Y - gap*vg.Length(len(qs)-1)
		cs := make([]draw.Canvas, len(qs))
		y := c.Max.Y
		for k, q := range qs {
			hk := h * vg.Length(q.weightOr1()/total)
			cs[k] = c
			cs[k].Max.Y, cs[k].Min.Y = y, y-hk
			y -= hk + gap
		}
		// Align the data areas: the widest left and right margins for all.
		var left, right vg.Length
		for k, q := range qs {
			dc := q.dataCanvas(cs[k])
			left = max(left, dc.Min.X-cs[k].Min.X)
			right = max(right, cs[k].Max.X-dc.Max.X)
		}
		for k, q := range qs {
			dc := q.dataCanvas(cs[k])
			ck := cs[k]
			ck.Min.X += left - (dc.Min.X - cs[k].Min.X)
			ck.Max.X -= right - (cs[k].Max.X - dc.Max.X)
			q.Draw(ck)
		}
	}
	return f
}

// pairDashes returns the dashes of the imbalance D_{i,i+1}: solid, dashed, dotted, …
func pairDashes(th *theme, i int) []vg.Length {
	switch i % 4 {
	case 0:
		return nil
	case 1:
		return []vg.Length{th.pt(5), th.pt(2.5)}
	case 2:
		return []vg.Length{th.pt(1.2), th.pt(1.8)}
	default:
		return []vg.Length{th.pt(5), th.pt(2), th.pt(1.2), th.pt(2)}
	}
}

// holdsRef reports whether an axis over the data b should be widened to hold a reference
// value v (a bound, a threshold, a marked time): when the data keep at least half of the
// axis, in decades on a logarithmic one (a span of at least 0.3 decades counted). A
// reference farther away would squash the data: it is drawn clipped, or named off the axis.
func holdsRef(b *bounds, v float64, log bool) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.IsInf(b.lo, 1) {
		return false
	}
	if log {
		if !(v > 0) || math.IsInf(b.loPos, 1) {
			return false
		}
		d := math.Max(math.Log10(b.hi/b.loPos), 0.3)
		return math.Log10(math.Max(b.hi, v)/math.Min(b.loPos, v)) <= 2*d
	}
	span := b.hi - b.lo
	if span == 0 {
		span = math.Max(math.Abs(b.lo), 1) / 2
	}
	return math.Max(b.hi, v)-math.Min(b.lo, v) <= 2*span
}

// offScale is the legend's note for a reference value v off an axis over b: " (above the
// axis: 40)".
func offScale(v float64, b *bounds, above, below string) string {
	side := above
	if v < b.lo {
		side = below
	}
	return fmt.Sprintf(" (%s the axis, at %.3g)", side, v)
}

// ok reports whether v can be drawn: finite, and positive on a logarithmic axis.
func ok(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// addSeries adds the curve (x, y) to p as lines through the runs of drawable points, with
// the style of the label (dots on a thin line for a discrete method, as many as the eye
// tells apart) and the given dashes, and returns its legend thumbnail. A non-empty style
// overrides the label's line style.
func addSeries(th *theme, p *placed, x, y []float64, label string, c color.Color, dashes []vg.Length, logX, logY bool, style ...draw.LineStyle) gplot.Thumbnailer {
	ls := th.lineStyle(label, c)
	if len(style) > 0 {
		ls = style[0]
	}
	if dashes != nil {
		ls.Dashes = dashes
	}
	discrete := len(style) == 0 && IsDiscrete(label)
	ds := th.dotStyle(label, c)
	var run plotter.XYs
	flush := func() {
		if len(run) >= 2 {
			p.Add(&plotter.Line{XYs: run, LineStyle: ls})
		}
		if discrete && len(run) > 0 || len(run) == 1 {
			p.Add(&sparseDots{xys: run, sty: ds, gap: 5 * ds.Radius})
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

// logAxisTicks marks a logarithmic axis at the powers of ten, labelled every decade up to
// maxLogLabels labels and every 2nd, 5th, 10th, … decade over more (counted from the lowest
// decade shown, so that it carries a label), with minor ticks at 2…9 times them over few
// decades; over a decade or less, 1-2-5 or 1…9 labels, never fewer than two.
type logAxisTicks struct{}

// maxLogLabels is the most decades labelled on a logarithmic axis: "10⁻¹²" takes about four
// digits' width, and nine of them fit a one-column figure's axis with room between.
const maxLogLabels = 9

func (logAxisTicks) Ticks(min, max float64) []gplot.Tick {
	if !(min > 0) || !(max >= min) || math.IsInf(max, 0) {
		return nil
	}
	e0, e1 := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	if math.IsInf(e0, 0) || math.IsInf(e1, 0) {
		return nil
	}
	// Count the labelled decades from the first one inside the range, so that the lowest
	// decade shown carries a label.
	first := e0
	if math.Pow(10, e0) < min*(1-1e-9) {
		first = e0 + 1
	}
	last := e1
	if math.Pow(10, e1) > max*(1+1e-9) {
		last = e1 - 1
	}
	// The first of 1, 2, 5, 10, 20, 50, … decades apart that labels few enough.
	every := 1.0
	for k := 0; math.Floor((last-first)/every)+1 > maxLogLabels && k < 30; k++ {
		every = []float64{1, 2, 5}[(k+1)%3] * math.Pow(10, float64((k+1)/3))
	}
	exp := first < -3 || last > 4
	var ticks []gplot.Tick
	for e := e0; e <= e1; e++ {
		v := math.Pow(10, e)
		if v >= min*(1-1e-9) && v <= max*(1+1e-9) {
			t := gplot.Tick{Value: v}
			if math.Mod(e-first, every) == 0 {
				t.Label = pow10Label(1, e, exp)
			}
			ticks = append(ticks, t)
		}
		if last-first <= 4 {
			for m := 2.0; m < 10; m++ {
				if u := m * v; u >= min && u <= max {
					ticks = append(ticks, gplot.Tick{Value: u})
				}
			}
		}
	}
	if countLabels(ticks) == 2 {
		// Two labelled decades (up to about three decades shown): the 2 and 5 times them
		// labelled too, so that the axis reads between them.
		for k, t := range ticks {
			if t.Label != "" {
				continue
			}
			e := math.Floor(math.Log10(t.Value) + 1e-9)
			if m := math.Round(t.Value / math.Pow(10, e)); m == 2 || m == 5 {
				ticks[k].Label = pow10Label(m, e, exp)
			}
		}
		return ticks
	}
	if n := len(ticks); n == 0 || countLabels(ticks) < 2 {
		// About a decade or less: label the 1-2-5 values, or the 1-2-3-5 ones when fewer
		// than three of those fall inside, or every m·10^e when fewer than two; narrower
		// still, linear ticks.
		var best []gplot.Tick
		for _, ms := range [][]float64{{1, 2, 5}, {1, 2, 3, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
			var try []gplot.Tick
			for e := e0; e <= e1; e++ {
				for _, m := range ms {
					if u := m * math.Pow(10, e); u >= min*(1-1e-9) && u <= max*(1+1e-9) {
						try = append(try, gplot.Tick{Value: u, Label: pow10Label(m, e, exp)})
					}
				}
			}
			if n := countLabels(try); n >= 3 || n >= 2 && len(ms) == 9 {
				return try
			}
			if best == nil && countLabels(try) >= 2 {
				best = try
			}
		}
		if best != nil {
			return best
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

// dedupe returns the distinct strings of s in their first order.
func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
