package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

var portraitMethods = []string{"flow", "modified", "gd", "sgd", "noisy-gd"}

func portraitCommand() *cli.Command {
	model := modelFlags()
	return withConfig(&cli.Command{
		Name:  "portrait",
		Usage: "phase portrait of the (w_i, w_j) plane: field, loss, minima, imbalance level sets, equilibria, separatrices, trajectories",
		Description: "Writes the picture (format by extension: .png, .svg, .pdf) and, beside it, a JSON file with the\n" +
			"equilibria (position, eigenvalues, type), every start used (settings.from) and each trajectory's method,\n" +
			"status and points (t and the weights, thinned to at most 2000 per trajectory).\n" +
			"For depth ≥ 3 the field and the manifold are the slice through the first start (--plane i,j).\n" +
			"With --widths (a network with matrix layers, started from --init) --plane coords:I,J draws the field and F\n" +
			"of the slice through the start in two parameters, and --plane sv:A,B (the default, sv:1,2) projects the runs\n" +
			"on the top singular values of two layers, without a field; the JSON holds every run's projected points.",
		Flags: concat(
			[]cli.Flag{model[0], model[3], model[4], model[5]}, // depth, seed, wd, noise
			dataFlags(),
			[]cli.Flag{
				&cli.StringSliceFlag{Name: "from", Usage: "a start `w1,w2,…` (repeat for several); default 2,0.25 and -1.5,0.3 (depth 2)", Category: catModel},
				altsrc.NewIntFlag(&cli.IntFlag{Name: "grid-starts", Value: 0, Usage: "instead of --from, an n×n grid of starts over the range", Category: catModel}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "methods", Value: "flow,gd", Usage: "trajectories to draw from each start: " + strings.Join(portraitMethods, ","), Category: catModel}),
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "lr", Value: 0.05, Usage: "learning rate of gd, sgd, noisy-gd and of the modified flow", Category: catSteps}),
				altsrc.NewIntFlag(&cli.IntFlag{Name: "steps", Value: 400, Usage: "steps of the discrete methods; the flows run to t = steps·λ", Category: catSteps}),
				altsrc.NewIntFlag(&cli.IntFlag{Name: "batch", Value: 8, Usage: "SGD batch size", Category: catSteps}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "integrator", Value: "dopri5", Usage: "integrator of the flows: dopri5, dop853 or gauss", Category: catSolver}),
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "rtol", Value: 1e-8, Usage: "relative tolerance of the flows", Category: catSolver}),
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "atol", Value: 1e-10, Usage: "absolute tolerance of the flows", Category: catSolver}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "plane", Value: "1,2", Usage: "the two weights `i,j` (1-based) on the axes; with --widths coords:I,J (two of the flat parameters, 1-based: field and F of the slice through the start) or sv:A,B (the top singular values of layers A and B: a projection, no field; default sv:1,2)", Category: catOutput}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "xrange", Usage: "horizontal range `min,max` (default: fitted to the trajectories)", Category: catOutput}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "yrange", Usage: "vertical range `min,max` (default: fitted to the trajectories)", Category: catOutput}),
				altsrc.NewIntFlag(&cli.IntFlag{Name: "field", Value: 25, Usage: "arrows per side of the direction field", Category: catOutput}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "loss", Value: "heatmap", Usage: "how the loss is drawn: heatmap, contours or none", Category: catOutput}),
				altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Value: "portrait.png", Usage: "picture `FILE` (.png, .svg or .pdf); the JSON goes beside it", Category: catOutput}),
			},
			netFlags(false), portraitNetFlags(), styleFlags()),
		Action: runPortrait,
	})
}

// checkExt returns an error unless path has an extension plot.Save knows.
func checkExt(flag, path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	// The formats the commands promise: a figure for a paper is vector or lossless.
	for _, f := range []string{".png", ".svg", ".pdf"} {
		if f == ext {
			return nil
		}
	}
	return fmt.Errorf("--%s %q: unknown extension %q (want .png, .svg or .pdf)", flag, path, ext)
}

func parseRange(flag, s string) (lo, hi float64, set bool, err error) {
	if s == "" {
		return 0, 0, false, nil
	}
	v, err := parseList(flag, s)
	if err != nil {
		return 0, 0, false, err
	}
	if len(v) != 2 || !(v[0] < v[1]) {
		return 0, 0, false, fmt.Errorf("--%s %q: want min,max with min < max", flag, s)
	}
	if err := portrait.CheckSpan(v[0], v[1]); err != nil {
		return 0, 0, false, fmt.Errorf("--%s %q: %v", flag, s, err)
	}
	return v[0], v[1], true, nil
}

// maxAspect bounds the ratio of the height to the width of a portrait's range, or of the
// width to the height: its plane is drawn with equal scales, so that a range 20 times as
// tall as wide makes a figure 20 times as tall as its width (the size of a raster then
// checked by plot.CheckRaster), and a ratio like 10³⁰⁰ no figure at all.
const maxAspect = 20

// checkAspect refuses a range given by --xrange and/or --yrange (xs, ys: which were given;
// the other side fitted to the trajectories) whose plane would be far taller than wide or
// the other way round.
func checkAspect(r portrait.Range, xs, ys bool) error {
	if !xs && !ys {
		return nil // fitted to the trajectories: within 3/4 and 4/3
	}
	a := (r.YMax - r.YMin) / (r.XMax - r.XMin)
	if a <= maxAspect && a >= 1.0/maxAspect {
		return nil
	}
	var flags string
	switch {
	case xs && ys:
		flags = fmt.Sprintf("--xrange %g,%g and --yrange %g,%g", r.XMin, r.XMax, r.YMin, r.YMax)
	case xs:
		flags = fmt.Sprintf("--xrange %g,%g (y from %.4g to %.4g, fitted to the trajectories)", r.XMin, r.XMax, r.YMin, r.YMax)
	default:
		flags = fmt.Sprintf("--yrange %g,%g (x from %.4g to %.4g, fitted to the trajectories)", r.YMin, r.YMax, r.XMin, r.XMax)
	}
	return fmt.Errorf("%s: the plane would be %.3g times as tall as wide; a portrait draws both axes at one scale, so want a ratio between 1/%d and %d", flags, a, maxAspect, maxAspect)
}

func runPortrait(ctx *cli.Context) error {
	if ctx.IsSet("widths") {
		return runNetPortrait(ctx)
	}
	if ctx.IsSet("init") {
		return fmt.Errorf("--init %q: needs --widths (the scalar portrait starts from --from)", ctx.String("init"))
	}
	obj, err := objective(ctx)
	if err != nil {
		return err
	}
	d, sigma := obj.Depth, obj.Noise
	lr, steps, err := lrSteps(ctx, 1)
	if err != nil {
		return err
	}
	out := ctx.String("out")
	if err := checkExt("out", out); err != nil {
		return err
	}
	if _, err := figureStyle(ctx); err != nil {
		return err
	}
	pl, err := parseList("plane", ctx.String("plane"))
	if err != nil {
		return err
	}
	if len(pl) != 2 || pl[0] != float64(int(pl[0])) || pl[1] != float64(int(pl[1])) || pl[0] < 1 || pl[1] < 1 || int(pl[0]) > d || int(pl[1]) > d || pl[0] == pl[1] {
		return fmt.Errorf("--plane %q: want two different weight indices between 1 and the depth %d", ctx.String("plane"), d)
	}
	var methods []string
	for _, m := range strings.Split(ctx.String("methods"), ",") {
		m = strings.TrimSpace(m)
		ok := false
		for _, k := range portraitMethods {
			ok = ok || k == m
		}
		if !ok {
			return fmt.Errorf("--methods: unknown method %q (want %s)", m, strings.Join(portraitMethods, ", "))
		}
		if m == "noisy-gd" && sigma == 0 {
			return fmt.Errorf("--methods noisy-gd needs --noise > 0")
		}
		methods = append(methods, m)
	}
	var lossStyle plot.LossStyle
	switch ctx.String("loss") {
	case "heatmap":
		lossStyle = plot.LossHeatMap
	case "contours":
		lossStyle = plot.LossContours
	case "none":
		lossStyle = plot.LossNone
	default:
		return fmt.Errorf("--loss %q: want heatmap, contours or none", ctx.String("loss"))
	}
	field := ctx.Int("field")
	if field < 2 || field > 200 {
		return fmt.Errorf("--field %d: want 2..200 arrows per side", field)
	}
	x0, x1, xs, err := parseRange("xrange", ctx.String("xrange"))
	if err != nil {
		return err
	}
	y0, y1, ys, err := parseRange("yrange", ctx.String("yrange"))
	if err != nil {
		return err
	}
	if xs && ys {
		if err := checkAspect(portrait.Range{XMin: x0, XMax: x1, YMin: y0, YMax: y1}, xs, ys); err != nil {
			return err
		}
	}
	plane := portrait.Plane{Objective: obj, I: int(pl[0]) - 1, J: int(pl[1]) - 1}
	// Starts.
	var starts [][]float64
	for _, s := range ctx.StringSlice("from") {
		w, err := parseList("from", s)
		if err != nil {
			return err
		}
		if len(w) != d {
			return fmt.Errorf("--from %q: %d weights for --depth %d", s, len(w), d)
		}
		starts = append(starts, w)
	}
	if n := ctx.Int("grid-starts"); n != 0 {
		if n < 1 || n > 50 {
			return fmt.Errorf("--grid-starts %d: want 1..50", n)
		}
		if !xs || !ys {
			return fmt.Errorf("--grid-starts needs --xrange and --yrange")
		}
		base := make([]float64, d)
		for i := range base {
			base[i] = 1
		}
		if len(starts) > 0 {
			copy(base, starts[0])
		}
		starts = starts[:0]
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				w := append([]float64(nil), base...)
				w[plane.I] = x0 + (x1-x0)*(float64(a)+0.5)/float64(n)
				w[plane.J] = y0 + (y1-y0)*(float64(b)+0.5)/float64(n)
				starts = append(starts, w)
			}
		}
	}
	if len(starts) == 0 {
		if d != 2 {
			return fmt.Errorf("--from: give a start of %d weights for depth %d", d, d)
		}
		starts = [][]float64{{2, 0.25}, {-1.5, 0.3}}
	}
	if d > 2 {
		plane.Base = starts[0]
	}
	var data *flow.Dataset
	for _, m := range methods {
		if m == "sgd" || m == "noisy-gd" {
			if data, err = dataset(ctx, true); err != nil {
				return err
			}
			break
		}
	}
	batch := ctx.Int("batch")
	if data != nil && (batch < 1 || batch > data.Len()) {
		return fmt.Errorf("--batch %d: must be between 1 and the %d samples", batch, data.Len())
	}
	if err := prepareDir(filepath.Dir(out)); err != nil {
		return err
	}
	// Every point of every trajectory is kept as a run's iterate is (see lrSteps), and written
	// to the JSON, some 20 bytes a number (measured: 100 GD runs of 2·10⁴ steps, 731 MB; of
	// 4·10⁴ steps, 1268 MB: 270 bytes a point at depth 2).
	if err := budget.Check(fmt.Sprintf("%d starts × %d methods × --steps %d", len(starts), len(methods), steps),
		budget.Mul(int64(len(starts)), int64(len(methods)), int64(steps)+1, 8*(20+5*int64(d))+20*(int64(d)+1))); err != nil {
		return err
	}
	start := time.Now()
	trs, err := portraitRuns(ctx, len(starts)*len(methods), func(k int) (*flow.Trajectory, error) {
		i := k / len(methods)
		return portraitRun(ctx, methods[k%len(methods)], obj, data, starts[i], lr, steps, batch, ctx.Uint64("seed")+uint64(i))
	})
	if err != nil {
		return err
	}
	if ctx.Context.Err() != nil { // the figure of many trajectories takes long to draw
		return &exitError{code: 130, msg: fmt.Sprintf("portrait: stopped by a signal after all %d trajectories, before drawing; nothing written", len(trs))}
	}
	set := &portrait.Settings{FieldX: field, FieldY: field}
	if xs && ys {
		set.Range = portrait.Range{XMin: x0, XMax: x1, YMin: y0, YMax: y1}
	} else if xs || ys {
		r := portrait.FitRange(plane, trs, 0.1)
		if xs {
			r.XMin, r.XMax = x0, x1
		}
		if ys {
			r.YMin, r.YMax = y0, y1
		}
		if err := checkAspect(r, xs, ys); err != nil {
			return err
		}
		set.Range = r
	}
	pt, err := portrait.New(plane, trs, set)
	if err != nil {
		return err
	}
	if ctx.Context.Err() != nil {
		return &exitError{code: 130, msg: "portrait: stopped by a signal before drawing; nothing written"}
	}
	// Encode the data before drawing, so that nothing is written when either fails.
	jsonPath := strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
	froms := make([]string, len(starts))
	for k, w0 := range starts {
		froms[k] = startList(w0)
	}
	encoded, err := encodeJSON(map[string]any{"settings": recordSettings(ctx, map[string]any{"from": froms}),
		"portrait": pt, "trajectories": trajectoryPoints(trs)})
	if err != nil {
		return fmt.Errorf("write %s: %v", jsonPath, err)
	}
	if err := drawPortrait(pt, trs, &plot.PortraitOptions{Loss: lossStyle, LearningRate: lr}, ctx, out); err != nil {
		return err
	}
	if err := writeAtomic(jsonPath, func(w io.Writer) error { _, err := w.Write(encoded); return err }); err != nil {
		return err
	}
	w := ctx.App.Writer
	// The figure marks the isolated equilibria; the degenerate ones are samples of the curve
	// of minima, drawn as that curve.
	isolated, onCurve := 0, 0
	for _, e := range pt.Equilibria {
		if e.Type == portrait.Degenerate {
			onCurve++
		} else {
			isolated++
		}
	}
	fmt.Fprintf(w, "%s: %d trajectories, %d isolated %s (%.2fs)\n", out, len(trs), isolated, pluralWord(isolated, "equilibrium", "equilibria"), time.Since(start).Seconds())
	for _, e := range pt.Equilibria {
		if e.Type != portrait.Degenerate {
			fmt.Fprintf(w, "  %-15s at (%.6g, %.6g), eigenvalues %.6g, %.6g\n", e.Type, e.X, e.Y, e.Eigen[0].Re, e.Eigen[1].Re)
		}
	}
	if len(pt.Minima) > 0 {
		fmt.Fprintf(w, "  curve of minima %s, %d %s", pt.Minima[0].Label, len(pt.Minima), pluralWord(len(pt.Minima), "branch", "branches"))
		if onCurve > 0 {
			fmt.Fprintf(w, " (%d equilibria found on it, in the JSON as degenerate)", onCurve)
		}
		fmt.Fprintln(w)
	}
	printWrote(w, out, jsonPath)
	// A flow that did not reach its end is a failed computation (a diverging GD is a result).
	var failed []string
	for _, tr := range trs {
		if (tr.Label == "flow" || tr.Label == "modified") && tr.End != flow.Completed {
			failed = append(failed, fmt.Sprintf("%s from %.4g: %s at t=%.4g", tr.Label, tr.At(0), tr.Status, tr.T[tr.Len()-1]))
		}
	}
	if len(failed) > 0 {
		return &exitError{code: 1, msg: strings.Join(failed, "; ")}
	}
	return nil
}

// portraitRuns runs the n trajectories of a portrait (run(k) makes trajectory k), showing
// progress, and stops between two of them on a signal, writing nothing (exit 130).
func portraitRuns(ctx *cli.Context, n int, run func(k int) (*flow.Trajectory, error)) ([]*flow.Trajectory, error) {
	bar := startProgress(ctx, "trajectories")
	defer bar.finish()
	trs := make([]*flow.Trajectory, 0, n)
	for k := range n {
		if ctx.Context.Err() != nil {
			return nil, &exitError{code: 130, msg: fmt.Sprintf("portrait: stopped by a signal after %d of %d trajectories; nothing written", k, n)}
		}
		tr, err := run(k)
		if err != nil {
			return nil, err
		}
		trs = append(trs, tr)
		bar.update(int64(k+1), int64(n))
	}
	return trs, nil
}

// pluralWord picks the singular for n = 1.
func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// portraitRun computes one trajectory of method m from w0 through the run dispatcher, the
// flows with the integrator of --integrator, --rtol and --atol.
func portraitRun(ctx *cli.Context, m string, obj flow.Objective, data *flow.Dataset, w0 []float64, lr float64, steps, batch int, seed uint64) (*flow.Trajectory, error) {
	method, err := analysis.ParseMethod(m)
	if err != nil {
		return nil, err
	}
	spec := analysis.RunSpec{Method: method, Objective: obj, Start: w0, LR: lr, Steps: steps, Seed: seed}
	switch method {
	case analysis.MethodFlow, analysis.MethodModified:
		solver, err := ode.NewMethod(ctx.String("integrator"))
		if err != nil {
			return nil, fmt.Errorf("--integrator %q: want dopri5, dop853 or gauss", ctx.String("integrator"))
		}
		rtol, atol, err := tolerances(ctx)
		if err != nil {
			return nil, err
		}
		spec.Solver, spec.Settings = solver, &ode.Settings{Rtol: rtol, Atol: atol}
	case analysis.MethodSGD:
		spec.Objective.Noise, spec.Data, spec.Batch = 0, data, batch
	case analysis.MethodNoisyGD:
		spec.Data = data
	}
	run, err := analysis.Run(spec)
	if err != nil {
		return nil, err
	}
	return run.Trajectory, nil
}

// plotPathNote says in --help how --plot FILE resolves.
const plotPathNote = "--plot FILE is a path like any other: a relative one is relative to the current directory, not to --out.\n" +
	"Every file written is listed (\"wrote PATH\")."

// plotRun draws a run's time series to --plot FILE, its portrait (depth 2, or the (w1, w2)
// slice through the start) to FILE-portrait.ext, the (imbalance, loss) plane to
// FILE-plane.ext and, for a flow, the measured imbalance against its closed form to
// FILE-theory.ext; it returns the files written. FILE is a path like any other: a relative
// one is relative to the current directory, not to --out.
//
// set, when given, completes the options of the time series with what the run computed
// (compare: the integrator's error level of the flows' losses).
//
// A signal (ctx) stops the drawing at once, before or during a figure: the figures of --plot
// are then dropped from the command's output set, which keeps the run's other files, and
// the error is an exit status 130.
func plotRun(ctx *cli.Context, obj flow.Objective, trs []*flow.Trajectory, lr float64, ph analysis.Phase, set ...func(*plot.SeriesOptions)) (wrote []string, err error) {
	defer guardPlot(&err)
	path := ctx.String("plot")
	if path == "" {
		return nil, nil
	}
	if interrupted(ctx) {
		// The run itself was stopped: no figures, and the caller reports the stop with the
		// run's outcome.
		return nil, nil
	}
	defer func() {
		if interrupted(ctx) {
			dropStaged(wrote...)
			wrote, err = nil, &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop, without the figures of --plot"}
		}
	}()
	st, err := figureStyle(ctx)
	if err != nil {
		return nil, err
	}
	save := func(fig *plot.Figure, p string) error {
		if interrupted(ctx) {
			return context.Canceled
		}
		if err := saveFigure(fig.WithContext(ctx.Context), p); err != nil {
			return err
		}
		wrote = append(wrote, p)
		return nil
	}
	opt := &plot.SeriesOptions{Objective: obj, LearningRate: lr, Style: st}
	if ph.Found && ph.T > 0 {
		opt.PhaseBoundary = ph.T
	}
	for _, f := range set {
		f(opt)
	}
	fig, err := plot.TimeSeries(trs, opt)
	if err != nil {
		return wrote, err
	}
	if err = save(fig, path); err != nil {
		return wrote, err
	}
	plane := portrait.Plane{Objective: obj}
	if obj.Depth > 2 {
		plane.Base = trs[0].At(0)
	}
	pt, err := portrait.New(plane, trs, &portrait.Settings{NoSeparatrices: obj.Depth > 2})
	if err != nil {
		return wrote, err
	}
	pf, err := plot.Portrait(pt, trs, &plot.PortraitOptions{Style: st, LearningRate: lr})
	if err != nil {
		return wrote, err
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	if err := save(pf, stem+"-portrait"+ext); err != nil {
		return wrote, err
	}
	// The (imbalance, loss) plane, where the two phases show as an L.
	lf, err := plot.ImbalanceLoss(trs, &plot.PlaneOptions{Objective: obj, Style: st, IntegratorLevel: opt.IntegratorLevel})
	if err != nil {
		return wrote, err
	}
	if err := save(lf, stem+"-plane"+ext); err != nil {
		return wrote, err
	}
	// Measured imbalance against its closed form, for the continuous runs: D(0)e^{−2μt}
	// (conserved for μ = 0, also under the expected-loss noise flow; package flow, Gradient flows).
	var cont []*flow.Trajectory
	for _, tr := range trs {
		if tr.Label == "flow" {
			cont = append(cont, tr)
		}
	}
	if len(cont) == 0 {
		return wrote, nil
	}
	label := "D(0) (conserved)"
	if obj.WeightDecay > 0 {
		label = "D(0)·exp(−2μt)"
	}
	tf, err := plot.Theory(cont, &plot.TheoryOptions{Law: plot.ExpDecay(2 * obj.WeightDecay), LawLabel: label, LogY: obj.WeightDecay > 0, Style: st})
	if err != nil {
		return wrote, err
	}
	err = save(tf, stem+"-theory"+ext)
	return wrote, err
}

// checkPlotFlag validates --plot before any work.
func checkPlotFlag(ctx *cli.Context) error {
	p := ctx.String("plot")
	if p == "" {
		return nil
	}
	if err := checkExt("plot", p); err != nil {
		return err
	}
	st, err := figureStyle(ctx)
	if err != nil {
		return err
	}
	// A PNG at least --width × --height (notes only add to a figure's height) that cannot be
	// drawn is refused before the run rather than after it.
	if strings.EqualFold(filepath.Ext(p), ".png") && st.Height > 0 {
		if r, err := st.Resolve(); err == nil {
			if err := plot.CheckRaster(r.Width, r.Height, r.DPI); err != nil {
				return err
			}
		}
	}
	// The directory must be writable before the run starts.
	if err := prepareDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("--plot %s: %v", p, strings.TrimPrefix(err.Error(), "--out "+filepath.Dir(p)+": "))
	}
	return nil
}

// guardPlot turns a panic inside gonum/plot (it panics on some degenerate data, such as a
// logarithmic axis it cannot place) into an error, so that a figure never takes the run down
// with a stack trace.
func guardPlot(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("plot: cannot draw this data: %v", r)
	}
}

// drawPortrait draws and saves a portrait, a panic of the plotting library becoming an error.
func drawPortrait(pt *portrait.Portrait, trs []*flow.Trajectory, o *plot.PortraitOptions, ctx *cli.Context, path string) (err error) {
	defer guardPlot(&err)
	if o.Style, err = figureStyle(ctx); err != nil {
		return err
	}
	fig, err := plot.Portrait(pt, trs, o)
	if err != nil {
		return err
	}
	return saveStoppable(ctx, fig, path, "portrait: stopped by a signal while drawing; nothing written")
}

// saveStoppable writes fig to path as part of the command's output set, its drawing stopped
// by a signal (ctx): a stopped figure leaves no file, temporary or not, and is an exit status
// 130 with msg.
func saveStoppable(ctx *cli.Context, fig *plot.Figure, path, msg string) error {
	err := saveFigure(fig.WithContext(ctx.Context), path)
	if interrupted(ctx) {
		return &exitError{code: 130, msg: msg}
	}
	return err
}
