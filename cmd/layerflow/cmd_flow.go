package main

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

func concat(groups ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func flowCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "flow",
		Usage: "integrate the gradient flow ẇ = −∇F of a scalar deep linear network",
		Description: "Integrates the gradient flow of the loss, with weight decay (--wd) or the expected loss under\n" +
			"input noise (--noise), or the modified equation of GD (--modified-lr), and writes\n" +
			"DIR/trajectory.csv and DIR/summary.json.\n" + plotPathNote,
		Flags: concat(modelFlags(),
			[]cli.Flag{altsrc.NewStringFlag(&cli.StringFlag{Name: "data", Usage: "CSV `FILE` (columns x,y) whose loss floor c enters the reported loss", Category: catData})},
			solverFlags(),
			[]cli.Flag{
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "t-end", Value: 20, Usage: "end time", Category: catSolver}),
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "dt", Value: 0, Usage: "record the state every dt from the dense output (0: at every accepted step)", Category: catSolver}),
				altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "modified-lr", Value: 0, Usage: "integrate the modified equation of GD with this learning rate instead (0: the plain flow)", Category: catModel}),
			},
			netFlags(true),
			outFlags("layerflow-flow"), []cli.Flag{formatFlag(), maxPointsFlag()}, styleFlags()),
		Action: runFlow,
	})
}

// solverSettings reads the integrator flags.
func solverSettings(ctx *cli.Context) (ode.Method, *ode.Settings, error) {
	m, err := ode.NewMethod(ctx.String("method"))
	if err != nil {
		return nil, nil, fmt.Errorf("--method %q: want dopri5, dop853 or gauss", ctx.String("method"))
	}
	rtol, atol, err := tolerances(ctx)
	if err != nil {
		return nil, nil, err
	}
	ms := ctx.Int("max-steps")
	if ms < 1 {
		return nil, nil, fmt.Errorf("--max-steps %d: must be ≥ 1", ms)
	}
	return m, &ode.Settings{Rtol: rtol, Atol: atol, MaxSteps: ms}, nil
}

func runFlow(ctx *cli.Context) error {
	if err := checkPlotFlag(ctx); err != nil {
		return err
	}
	if _, _, err := trajectoryFormats(ctx); err != nil {
		return err
	}
	if ctx.IsSet("widths") {
		return runNetFlow(ctx)
	}
	obj, w0, err := model(ctx)
	if err != nil {
		return err
	}
	m, set, err := solverSettings(ctx)
	if err != nil {
		return err
	}
	t1, err := finiteFlag(ctx, "t-end", 0, true)
	if err != nil {
		return err
	}
	dt, err := finiteFlag(ctx, "dt", 0, false)
	if err != nil {
		return err
	}
	mlr, err := finiteFlag(ctx, "modified-lr", 0, false)
	if err != nil {
		return err
	}
	data, err := dataset(ctx, false)
	if err != nil {
		return err
	}
	if data != nil {
		obj.C = data.C()
	}
	budget, err := pointBudget(ctx, obj.Depth)
	if err != nil {
		return err
	}
	s, err := flowOutputStride(budget, set.MaxSteps, t1, dt) // output at every s-th multiple of dt
	if err != nil {
		return err
	}
	if dt > 0 {
		// t_k = k·dt, and t1 itself; a t_k within 1e-9·dt of t1 is t1 (no near-duplicate row).
		for k := 0; float64(k)*dt < t1-1e-9*dt; k += s {
			set.Output = append(set.Output, float64(k)*dt)
		}
		set.Output = append(set.Output, t1)
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return err
	}
	spec := analysis.RunSpec{Method: analysis.MethodFlow, Objective: obj, Start: w0, T: t1, Solver: m, Settings: set, Phase: true}
	label := "flow"
	if mlr > 0 {
		spec.Method, spec.LR, label = analysis.MethodModified, mlr, "modified"
	}
	rec, err := newTrajRecorder(ctx, dir, obj, label)
	if err != nil {
		return err
	}
	// The phase boundary is located on the dense output, to the integrator's accuracy.
	run, err := streamRun(ctx, spec, rec, budget)
	if err != nil {
		rec.close(false)
		return err
	}
	if err := rec.close(true); err != nil {
		return err
	}
	res, ph := run.Result, run.Phase
	drift := run.Drift
	status := res.Status.String()
	if run.Interrupted {
		status = "interrupted"
	}
	summary := map[string]any{
		"status":   status,
		"settings": recordSettings(ctx, map[string]any{"init": startList(w0)}),
		"stats": map[string]any{
			"evaluations": res.Stats.Evaluations, "steps": res.Stats.Steps,
			"accepted": res.Stats.Accepted, "rejected": res.Stats.Rejected,
		},
		"stiff":          res.Stiff,
		"final":          finalOfPoint(run.T, run.W, obj.C),
		"phase":          phaseOf(ph),
		"pairs":          analysis.Pairs(obj.Depth),
		"max_rel_change": nums(drift),
	}
	if res.Stiff {
		summary["stiff_at"] = num(res.StiffAt)
	}
	thinnedNote(summary, run, budget)
	if s > 1 {
		summary["points"] = map[string]any{"written": run.Kept, "max_points": budget, "dt_every": s}
	}
	p := filepath.Join(dir, "summary.json")
	if err := writeJSON(p, summary); err != nil {
		return err
	}
	files := append(rec.files, p)
	figs, err := plotRun(ctx, obj, []*flow.Trajectory{rec.trajectory(run.Status, run.End)}, 0, ph)
	if err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "%s: %v at t=%g after %d evaluations (%d accepted, %d rejected steps)\n",
		label, status, res.T, res.Stats.Evaluations, res.Stats.Accepted, res.Stats.Rejected)
	printFinalPoint(w, run.W, obj.C)
	if ph.Found {
		fmt.Fprintf(w, "phase boundary: t*=%.6g, loss %.6g, ‖D‖ %.6g\n", ph.T, ph.Loss, ph.Imbalance)
	}
	fmt.Fprintf(w, "largest relative change of D_ij: %.3g\n", maxf(drift))
	printWrote(w, append(files, figs...)...)
	if run.Interrupted {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop"}
	}
	if err := res.Err(); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}

// flowOutputStride checks a budget of rows against a flow's output and returns s, the
// output stride: with dt = 0 the accepted steps are thinned while running (analysis.Stream),
// which needs at least analysis.MinFlowPoints(maxSteps) rows; with dt > 0 the output times
// beyond the budget are thinned to every s-th multiple of dt, chosen up front.
func flowOutputStride(budget, maxSteps int, t1, dt float64) (int, error) {
	if dt == 0 {
		if n := analysis.MinFlowPoints(maxSteps); budget < n {
			return 0, fmt.Errorf("--max-points %d: a flow of up to --max-steps %d accepted steps needs at least %d rows", budget, maxSteps, n)
		}
		return 1, nil
	}
	// Count as a float first: a tiny dt must not overflow an int.
	n := t1 / dt
	if n > 1e15 {
		return 0, fmt.Errorf("--dt %v: %.3g output times; at most 1e15", dt, n)
	}
	if n+2 > float64(budget) {
		return int(math.Ceil((n + 1) / float64(budget-2))), nil
	}
	return 1, nil
}

func maxf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
