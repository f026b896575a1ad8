package main

import (
	"fmt"
	"github.com/layerflow/layerflow/analysis"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// portraitNetFlags are the flags of portrait --widths that the scalar portrait lacks.
func portraitNetFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "init", Usage: "with --widths: the start, gaussian (default), orthogonal, balanced or imbalanced drawn with --seed, a checkpoint .npz, or the weights `w1,w2,…`", Category: catModel}),
	}
}

// Thinning of the projected runs: at most maxPathPoints points per run, fewer when the
// projection is dear (wide layers on an sv plane), so that projecting a run costs about
// pathFlops at most, but never fewer than minPathPoints.
const (
	maxPathPoints = 2000
	minPathPoints = 200
	pathFlops     = 1e10
)

// Tolerances of the flows of portrait, which has no --rtol and --atol.
const (
	portraitRtol = 1e-8
	portraitAtol = 1e-10
)

// parseNetPlane reads --plane for a network of the given widths: coords:I,J (1-based entries
// of the flat parameter vector) or sv:A,B (layers).
func parseNetPlane(s string, widths []int) (portrait.NetPlane, error) {
	d := len(widths) - 1
	dim := 0
	for i := 1; i <= d; i++ {
		dim += widths[i] * widths[i-1]
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("--plane %q: %s", s, fmt.Sprintf(format, a...))
	}
	kind, rest, ok := strings.Cut(s, ":")
	var p portrait.NetPlane
	var what string
	var hi int
	switch kind = strings.TrimSpace(kind); {
	case !ok:
		return p, bad("with --widths want coords:I,J (two of the %d parameters) or sv:A,B (two of the %d layers)", dim, d)
	case kind == "coords":
		p.Kind, what, hi = portrait.Coords, "parameter", dim
	case kind == "sv":
		p.Kind, what, hi = portrait.TopSingular, "layer", d
	default:
		return p, bad("unknown kind %q (want coords:I,J or sv:A,B)", kind)
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 2 {
		return p, bad("want two %ss %s:I,J", what, kind)
	}
	var idx [2]int
	for k, part := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return p, bad("%q is not a %s number", part, what)
		}
		if v < 1 || v > hi {
			return p, bad("%s %d out of range 1…%d", what, v, hi)
		}
		idx[k] = v
	}
	if idx[0] == idx[1] {
		return p, bad("the two axes are the same %s %d", what, idx[0])
	}
	p.I, p.J = idx[0], idx[1]
	if p.Kind == portrait.Coords {
		p.I, p.J = p.I-1, p.J-1
	}
	return p, nil
}

// pathRecorder projects the points of one run.
type pathRecorder struct {
	path *portrait.NetPath
	pr   *portrait.Projector
	net  *flow.Net // for the loss; its own scratch
}

func (r *pathRecorder) add(t float64, w []float64) {
	x, y := r.pr.Project(w)
	loss := math.NaN()
	if allFinite(w) {
		loss = r.net.Loss(w)
	}
	r.path.Append(t, x, y, loss)
}

// netPortraitRun is one run to project.
type netPortraitRun struct {
	method    string
	lr        float64
	steps     int
	batch     int
	seed      uint64
	points    int
	evals     int // flows: right-hand side evaluations
	stopped   bool
	flowError error
	// bar shows the steps (flows: time/λ) of all runs, of which base were done before this one.
	bar         *progress
	base, total int64
}

// show puts step k of this run on the progress line.
func (r *netPortraitRun) show(k float64) { r.bar.update(r.base+int64(k), r.total) }

// runNetPortrait is portrait with --widths: the runs of --methods from --init, projected on
// --plane coords:I,J (with the field and F of the slice through the start) or sv:A,B (a
// projection, without a field).
func runNetPortrait(ctx *cli.Context) error {
	for _, f := range []string{"from", "grid-starts"} {
		if ctx.IsSet(f) {
			return fmt.Errorf("--%s: with --widths the start is --init", f)
		}
	}
	widths, err := parseWidths(ctx.String("widths"))
	if err != nil {
		return err
	}
	planeSpec := "sv:1,2"
	if ctx.IsSet("plane") {
		planeSpec = ctx.String("plane")
	}
	plane, err := parseNetPlane(planeSpec, widths)
	if err != nil {
		return err
	}
	sigma, err := finiteFlag(ctx, "noise", 0, false)
	if err != nil {
		return err
	}
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
	nr, err := setupNet(ctx, sigma)
	if err != nil {
		return err
	}
	n, _, _ := nr.set.Dims()
	batch := ctx.Int("batch")
	for _, m := range methods {
		if m == "sgd" && (batch < 1 || batch > n) {
			return fmt.Errorf("--batch %d: must be between 1 and the %d samples", batch, n)
		}
	}
	// The discrete methods descend the data loss (plus weight decay); noisy-gd draws its
	// noise, the flows take its expectation (package flow, Matrix layers).
	dnet, err := flow.NewNet(widths, flow.Stats{Sxx: nr.mom.Sxx, Syx: nr.mom.Syx, Syy: nr.mom.Syy}, nr.net.WeightDecay(), 0)
	if err != nil {
		return err
	}
	if err := prepareDir(filepath.Dir(out)); err != nil {
		return err
	}
	points := maxPathPoints
	if c := plane.ProjectionCost(nr.net); c > 0 {
		points = max(minPathPoints, min(maxPathPoints, int(pathFlops/c)))
	}

	start := time.Now()
	var paths []*portrait.NetPath
	var runs []*netPortraitRun
	bar := startProgress(ctx, "steps")
	for k, m := range methods {
		pr, err := portrait.NewProjector(nr.net, plane)
		if err != nil {
			return err
		}
		rec := &pathRecorder{path: &portrait.NetPath{Method: m}, pr: pr, net: nr.net.Clone()}
		run := &netPortraitRun{method: m, lr: lr, steps: steps, points: points, seed: ctx.Uint64("seed"),
			bar: bar, base: int64(k) * int64(steps), total: int64(len(methods)) * int64(steps)}
		switch m {
		case "flow", "modified":
			err = run.flow(ctx, nr.net.Clone(), nr.w0, rec)
		default:
			p := discrete.NetProblem{Model: dnet}
			switch m {
			case "sgd":
				p.X, p.Y, run.batch = nr.set.X, nr.set.Y, batch
			case "noisy-gd":
				p.X, p.Y, p.Noise = nr.set.X, nr.set.Y, sigma
			}
			err = run.discrete(ctx, p, nr.w0, rec)
		}
		if err != nil {
			return err
		}
		paths, runs = append(paths, rec.path), append(runs, run)
		if run.stopped {
			break
		}
	}
	bar.finish()

	set := &portrait.Settings{FieldX: field, FieldY: field}
	if xs && ys {
		set.Range = portrait.Range{XMin: x0, XMax: x1, YMin: y0, YMax: y1}
	}
	pt, err := portrait.NewNetPortrait(nr.net, plane, nr.w0, paths, set)
	if err != nil {
		return err
	}
	if xs != ys {
		r := pt.Range
		if xs {
			r.XMin, r.XMax = x0, x1
		} else {
			r.YMin, r.YMax = y0, y1
		}
		if err := checkAspect(r, xs, ys); err != nil {
			return err
		}
		set.Range = r
		if pt, err = portrait.NewNetPortrait(nr.net, plane, nr.w0, paths, set); err != nil {
			return err
		}
	}

	// Encode the data before drawing, so that nothing is written when either fails.
	jsonPath := strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
	encoded, err := encodeJSON(netPortraitJSON(ctx, nr, pt, runs))
	if err != nil {
		return fmt.Errorf("write %s: %v", jsonPath, err)
	}
	if err := drawNetPortrait(pt, &plot.PortraitOptions{Loss: lossStyle}, ctx, out); err != nil {
		return err
	}
	if err := writeAtomic(jsonPath, func(w io.Writer) error { _, err := w.Write(encoded); return err }); err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "%s: %s %v (%s) of widths %v (%d parameters) on %s, %d runs (%.2fs)\n",
		out, pt.XLabel+" × "+pt.YLabel, plane, pt.Meaning, nr.widths, nr.net.Dim(), nr.set.Info.Source, len(paths), time.Since(start).Seconds())
	for _, q := range paths {
		k := q.Finite()
		if k == 0 {
			fmt.Fprintf(w, "  %-9s %s, nothing to draw\n", q.Method, q.Status)
			continue
		}
		fmt.Fprintf(w, "  %-9s %s, %d points, t %.4g → %.4g, (%.6g, %.6g) → (%.6g, %.6g), loss %.6g → %.6g\n",
			q.Method, q.Status, q.Len(), q.T[0], q.T[k-1], q.X[0], q.Y[0], q.X[k-1], q.Y[k-1], q.Loss[0], q.Loss[k-1])
	}
	fmt.Fprintf(w, "wrote %s and %s\n", out, jsonPath)
	for _, r := range runs {
		if r.stopped {
			return &exitError{code: 130, msg: "interrupted; the outputs hold the runs up to the stop"}
		}
	}
	// A flow that did not reach its end is a failed computation (a diverging GD is a result).
	var failed []string
	for _, r := range runs {
		if r.flowError != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.method, r.flowError))
		}
	}
	if len(failed) > 0 {
		return &exitError{code: 1, msg: strings.Join(failed, "; ")}
	}
	return nil
}

// flow integrates the flow (or the modified flow) of net to t = steps·λ with DOPRI5 through
// the run dispatcher and records the state at the times k·t/points (dense output) and, for
// an integration that ends early, where it ended.
func (r *netPortraitRun) flow(ctx *cli.Context, net *flow.Net, w0 []float64, rec *pathRecorder) error {
	t1 := float64(r.steps) * r.lr
	method := analysis.MethodFlow
	if r.method == "modified" {
		method = analysis.MethodModified
	}
	times := make([]float64, r.points+1)
	for k := range times {
		times[k] = t1 * float64(k) / float64(r.points)
	}
	times[r.points] = t1
	spec := analysis.RunSpec{Method: method, Model: net, Start: w0, LR: r.lr, T: t1, Solver: &ode.DOPRI5{},
		Settings: &ode.Settings{Rtol: portraitRtol, Atol: portraitAtol, MaxSteps: 1_000_000, Output: times}}
	out, err := analysis.Stream(spec, analysis.StreamOptions{Context: ctx.Context,
		Progress: func(done, _ float64) { r.show(done / r.lr) },
		Keep:     func(_ int, t float64, w []float64) error { rec.add(t, w); return nil }})
	if err != nil {
		return err
	}
	r.evals = out.Result.Stats.Evaluations
	rec.path.Status, rec.path.End = out.Status, out.End
	switch {
	case out.Interrupted:
		r.stopped = true
		rec.path.Status, rec.path.End = "interrupted", flow.Stopped
	case out.Result.Err() != nil:
		r.flowError = out.Result.Err()
	}
	return nil
}

// discrete takes the steps of gd, sgd or noisy-gd through the run dispatcher and records
// every ⌈steps/points⌉-th iterate, the last, and for a diverging run the last iterate inside
// the bound.
func (r *netPortraitRun) discrete(ctx *cli.Context, p discrete.NetProblem, w0 []float64, rec *pathRecorder) error {
	stride := (r.steps + r.points - 1) / r.points
	method := map[string]analysis.Method{"gd": analysis.MethodGD, "sgd": analysis.MethodSGD, "noisy-gd": analysis.MethodNoisyGD}[r.method]
	spec := analysis.RunSpec{Method: method, Model: p.Model, Start: w0, LR: r.lr, Steps: r.steps, Batch: r.batch, Seed: r.seed,
		Record: stride, X: p.X, Y: p.Y, Noise: p.Noise}
	lastK := -1
	out, err := analysis.Stream(spec, analysis.StreamOptions{Context: ctx.Context,
		Progress: func(done, _ float64) { r.show(done) },
		Keep: func(k int, t float64, w []float64) error {
			rec.add(t, w)
			lastK = k
			return nil
		}})
	if err != nil {
		return err
	}
	res := out.Discrete
	if res.Steps != lastK && !out.Interrupted && out.W != nil {
		rec.add(float64(res.Steps)*r.lr, out.W) // a diverged run's last iterate inside the bound
	}
	rec.path.Status, rec.path.End = out.Status, out.End
	if out.Interrupted {
		r.stopped = true
		rec.path.Status = "interrupted"
	}
	return nil
}

// netPortraitJSON is the data file of a network portrait: enough to draw the figure again.
func netPortraitJSON(ctx *cli.Context, nr *netRun, pt *portrait.NetPortrait, runs []*netPortraitRun) map[string]any {
	p := pt.Plane
	plane := map[string]any{
		"kind":        p.Kind.String(),
		"coordinates": []int{p.Index(p.I), p.Index(p.J)},
		"axes":        []string{pt.XLabel, pt.YLabel},
		"meaning":     pt.Meaning,
		"caption":     pt.Caption,
	}
	if p.Kind == portrait.Coords {
		plane["index_base"] = 1
	}
	var trs []map[string]any
	for k, q := range pt.Paths {
		r := runs[k]
		m := map[string]any{
			"method": q.Method, "status": q.Status, "points": q.Len(),
			"t": nums(q.T), "x": nums(q.X), "y": nums(q.Y), "loss": nums(q.Loss),
			"lr": num(r.lr), "steps": r.steps,
		}
		switch q.Method {
		case "flow", "modified":
			m["t_end"] = num(float64(r.steps) * r.lr)
			m["integrator"] = map[string]any{"method": "dopri5", "rtol": portraitRtol, "atol": portraitAtol, "evaluations": r.evals}
		case "sgd":
			m["batch"], m["seed"] = r.batch, r.seed
		case "noisy-gd":
			m["seed"] = r.seed
		}
		trs = append(trs, m)
	}
	js := map[string]any{
		"settings":   recordSettings(ctx, map[string]any{"init": nr.initArg}),
		"widths":     nr.widths,
		"parameters": nr.net.Dim(),
		"plane":      plane,
		"objective": map[string]any{
			"description": pt.Objective, "weight_decay": num(nr.net.WeightDecay()), "noise": num(nr.net.Noise()),
		},
		"data":         nr.set.Info,
		"init":         nr.init,
		"start":        map[string]any{"x": num(pt.BaseX), "y": num(pt.BaseY)},
		"range":        pt.Range,
		"trajectories": trs,
	}
	if pt.Field != nil {
		js["field"] = pt.Field
		js["objective_grid"] = map[string]any{"x": nums(pt.Loss.X), "y": nums(pt.Loss.Y), "f": nums(pt.Loss.Z)}
		js["grid_layout"] = "field and objective_grid hold row r, column c at index r·len(x) + c; the field's u, v is the unit direction of −∇F and speed its length"
	}
	if pt.Diagonal {
		js["reference"] = "balanced: " + pt.XLabel + " = " + pt.YLabel
	}
	if !math.IsNaN(pt.Band) {
		// The flow keeps |y² − x²| ≤ ‖D_i(0)‖₂ for adjacent layers.
		js["flow_band"] = num(pt.Band)
	}
	return js
}

// drawNetPortrait draws and saves a network portrait in the style of the figure flags, a
// panic of the plotting library becoming an error.
func drawNetPortrait(pt *portrait.NetPortrait, o *plot.PortraitOptions, ctx *cli.Context, path string) (err error) {
	defer guardPlot(&err)
	if o.Style, err = figureStyle(ctx); err != nil {
		return err
	}
	fig, err := plot.NetPortrait(pt, o)
	if err != nil {
		return err
	}
	return saveStoppable(ctx, fig, path, "portrait: stopped by a signal; nothing written")
}
