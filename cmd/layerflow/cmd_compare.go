package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/flow"
)

func compareCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "compare",
		Usage: "GD against the gradient flow and the modified flow from the same start, at t = k·λ",
		Description: "Runs full-batch GD and integrates ẇ = −∇F and the modified equation ẇ = −∇(F + (λ/4)‖∇F‖²)\n" +
			"with output at every t = k·λ; prints the distances and writes DIR/compare.csv and DIR/summary.json.\n" + plotPathNote,
		Flags: concat(modelFlags()[:5], stepFlags(false)[:2], []cli.Flag{
			altsrc.NewStringFlag(&cli.StringFlag{Name: "method", Value: "dop853", Usage: "integrator of the flows: dopri5, dop853 or gauss", Category: catSolver}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "rtol", Value: 1e-10, Usage: "relative tolerance of the flows", Category: catSolver}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "atol", Value: 1e-12, Usage: "absolute tolerance of the flows", Category: catSolver}),
			altsrc.NewIntFlag(&cli.IntFlag{Name: "record", Value: 1, Usage: "with --widths: compare at every n-th step", Category: catSteps}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "data", Usage: "with --widths: the dataset (mnist, mnist:DIR, teacher, FILE.csv, …; default teacher)", Category: catData}),
			maxPointsFlag(),
		}, netFlags(true), outFlags("layerflow-compare"), styleFlags()),
		Action: runCompare,
	})
}

func runCompare(ctx *cli.Context) error {
	if err := checkPlotFlag(ctx); err != nil {
		return err
	}
	if ctx.IsSet("widths") {
		return runNetCompare(ctx)
	}
	obj, w0, err := model(ctx)
	if err != nil {
		return err
	}
	lr, steps, err := lrStepsStreamed(ctx, 1)
	if err != nil {
		return err
	}
	rtol, atol, err := tolerances(ctx)
	if err != nil {
		return err
	}
	switch ctx.String("method") {
	case "dopri5", "dop853", "gauss":
	default:
		return fmt.Errorf("--method %q: want dopri5, dop853 or gauss", ctx.String("method"))
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return err
	}
	// The three runs are compared at every s-th step within --max-points rows (the maxima over
	// those), each kept in memory only at those points.
	budget, err := pointBudget(ctx, 3*obj.Depth)
	if err != nil {
		return err
	}
	var prog func(done, total float64)
	p := startProgress(ctx, "‰ (GD, then each flow)")
	if p != nil {
		prog = func(done, total float64) { p.update(int64(1000*done/total), 1000) }
	}
	c, err := analysis.CompareGD(obj, w0, lr, steps, analysis.CompareSettings{Method: ctx.String("method"), Rtol: rtol, Atol: atol,
		MaxPoints: budget, Context: ctx.Context, Progress: prog})
	p.finish()
	var ie *analysis.IntegrationError
	if errors.As(err, &ie) {
		return &exitError{code: 1, msg: err.Error()}
	}
	if err != nil {
		return err
	}
	d := obj.Depth
	head := []string{"k", "t"}
	for _, p := range []string{"gd", "flow", "modified"} {
		for i := 1; i <= d; i++ {
			head = append(head, fmt.Sprintf("%s_w%d", p, i))
		}
	}
	head = append(head, "dist_flow", "dist_modified")
	n := len(c.DistFlow)
	rows := make([][]float64, n)
	for k := 0; k < n; k++ {
		// The step of row k (k itself unless the rows are thinned).
		r := []float64{math.Round(c.GD.T[k] / lr), c.GD.T[k]}
		r = append(r, c.GD.At(k)...)
		r = append(r, c.Flow.At(k)...)
		r = append(r, c.Modified.At(k)...)
		rows[k] = append(r, c.DistFlow[k], c.DistModified[k])
	}
	if err := writeCSV(filepath.Join(dir, "compare.csv"), head, rows); err != nil {
		return err
	}
	// Interrupted, the comparison holds the steps up to the last compared one (GD alone may
	// have run further, or to the end, before the flows). A signal that ends GD's lane
	// first ends the comparison without the lanes saying so: the context tells.
	status, done, ran := c.GD.Status, int(math.Round(c.GD.T[n-1]/lr)), ""
	stopped := c.Interrupted || interrupted(ctx) && done < c.Steps
	if stopped {
		status, ran = "interrupted", fmt.Sprintf(" of %d", steps)
	} else {
		done = c.Steps
	}
	summary := map[string]any{
		"status":                status,
		"settings":              recordSettings(ctx, map[string]any{"init": startList(w0)}),
		"stats":                 map[string]any{"steps": done, "flow_evaluations": c.FlowStats.Evaluations, "modified_evaluations": c.ModifiedStats.Evaluations},
		"max_distance_flow":     num(c.MaxFlow),
		"max_distance_modified": num(c.MaxModified),
		"final":                 finalOf(c.GD, obj.C),
	}
	if stopped && n > 0 {
		// The last point compared: where the flows stopped.
		summary["final"] = finalOfPoint(c.GD.T[n-1], c.GD.At(n-1), obj.C)
	}
	if n < steps+1 && !stopped && c.GD.End == flow.Completed {
		summary["points"] = map[string]any{"compared": n, "max_points": budget}
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), summary); err != nil {
		return err
	}
	figs, err := plotRun(ctx, obj, []*flow.Trajectory{c.GD, c.Flow, c.Modified}, lr, analysis.Phase{},
		func(o *plot.SeriesOptions) { o.IntegratorLevel = c.LossLevel })
	if err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "GD (λ=%g, %d%s steps, %s) against the flows at t = k·λ\n", lr, done, ran, status)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "k\tt\t|GD − flow|\t|GD − modified|\t")
	for _, k := range sampleIndices(n, 10) {
		fmt.Fprintf(tw, "%.0f\t%.4g\t%.3e\t%.3e\t\n", math.Round(c.GD.T[k]/lr), c.GD.T[k], c.DistFlow[k], c.DistModified[k])
	}
	fmt.Fprintf(tw, "max\t\t%.3e\t%.3e\t\n", c.MaxFlow, c.MaxModified)
	tw.Flush()
	printWrote(w, append([]string{filepath.Join(dir, "compare.csv"), filepath.Join(dir, "summary.json")}, figs...)...)
	if stopped {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the comparison up to the stop"}
	}
	return nil
}

// sampleIndices returns about m indices spread over 0..n−1, always with the last.
func sampleIndices(n, m int) []int {
	if n <= m {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, m+1)
	for j := 0; j < m; j++ {
		out = append(out, j*(n-1)/m)
	}
	return append(out, n-1)
}
