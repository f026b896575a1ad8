package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

func stepFlags(batch bool) []cli.Flag {
	fs := []cli.Flag{
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "lr", Value: 0.05, Usage: "learning rate λ > 0 (iterate k sits at t = k·λ)", Category: catSteps}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "steps", Value: 1000, Usage: "number of steps", Category: catSteps}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "record", Value: 1, Usage: "keep every n-th iterate in trajectory.csv (the last is always kept; fewer if --max-points needs)", Category: catSteps}),
	}
	if batch {
		fs = append(fs, altsrc.NewIntFlag(&cli.IntFlag{Name: "batch", Value: 8, Usage: "mini-batch size B, 1..N, drawn without replacement within an epoch", Category: catSteps}))
	}
	return fs
}

func gdCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "gd",
		Usage: "gradient descent, with weight decay (--wd) or fresh input noise at every step (--noise)",
		Description: "Full-batch GD on the population loss ½(W−1)², or on a dataset (--data, or one generated\n" +
			"with --samples and --seed when --noise > 0). Writes DIR/trajectory.csv and DIR/summary.json.\n" + plotPathNote,
		Flags:  concat(modelFlags(), dataFlags(), stepFlags(false), netFlags(false), outFlags("layerflow-gd"), []cli.Flag{formatFlag(), maxPointsFlag()}, styleFlags()),
		Action: func(ctx *cli.Context) error { return runDiscrete(ctx, false) },
	})
}

func sgdCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "sgd",
		Usage: "mini-batch SGD on a dataset (--data FILE, or --samples N generated with --seed)",
		Description: "Mini-batch SGD, batches drawn without replacement within an epoch with --seed. Writes\n" +
			"DIR/trajectory.csv and DIR/summary.json.\n" + plotPathNote,
		Flags: concat(modelFlags(), dataFlags(), stepFlags(true), netFlags(false), outFlags("layerflow-sgd"), []cli.Flag{formatFlag(), maxPointsFlag()}, styleFlags()),
		Action: func(ctx *cli.Context) error {
			return runDiscrete(ctx, true)
		},
	})
}

func runDiscrete(ctx *cli.Context, sgd bool) error {
	if err := checkPlotFlag(ctx); err != nil {
		return err
	}
	if _, _, err := trajectoryFormats(ctx); err != nil {
		return err
	}
	if ctx.IsSet("widths") {
		return runNetDiscrete(ctx, sgd)
	}
	obj, w0, err := model(ctx)
	if err != nil {
		return err
	}
	lr, steps, err := lrStepsStreamed(ctx, 0)
	if err != nil {
		return err
	}
	record := ctx.Int("record")
	if record < 1 {
		return fmt.Errorf("--record %d: must be ≥ 1", record)
	}
	data, err := dataset(ctx, sgd || obj.Noise > 0)
	if err != nil {
		return err
	}
	batch := 0
	if sgd {
		batch = ctx.Int("batch")
		if batch < 1 || batch > data.Len() {
			return fmt.Errorf("--batch %d: must be between 1 and the %d samples", batch, data.Len())
		}
	}
	if data != nil {
		obj.C = data.C()
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return err
	}
	budget, err := pointBudget(ctx, obj.Depth)
	if err != nil {
		return err
	}
	method := analysis.MethodGD
	switch {
	case sgd:
		method = analysis.MethodSGD
	case obj.Noise > 0:
		method = analysis.MethodNoisyGD
	}
	label := "gd"
	switch {
	case sgd && obj.Noise > 0:
		label = "noisy-sgd"
	case sgd:
		label = "sgd"
	case obj.Noise > 0:
		label = "noisy-gd"
	}
	rec, err := newTrajRecorder(ctx, dir, obj, label)
	if err != nil {
		return err
	}
	run, err := streamRun(ctx, analysis.RunSpec{Method: method, Objective: obj, Data: data, Start: w0, LR: lr, Steps: steps,
		Batch: batch, Seed: ctx.Uint64("seed"), Record: record, Phase: true}, rec, budget)
	if err != nil {
		rec.close(false)
		return err
	}
	if err := rec.close(true); err != nil {
		return err
	}
	res, ph := run.Discrete, run.Phase
	status := run.Status
	if run.Interrupted {
		status = "interrupted"
	}
	summary := map[string]any{
		"status":   status,
		"settings": recordSettings(ctx, map[string]any{"init": startList(w0)}),
		"stats":    map[string]any{"steps": res.Steps},
		"final":    finalOfPoint(run.T, run.W, obj.C),
		"phase":    phaseOf(ph),
	}
	if res.Status == discrete.Diverged {
		summary["diverged_at"] = res.DivergedAt
	}
	if data != nil {
		summary["data"] = map[string]any{"samples": data.Len(), "loss_floor": num(obj.C)}
	}
	stab := run.Stability
	if st := stab; st != nil {
		summary["stability"] = map[string]any{"class": st.Class, "sharpness_start": num(st.S0), "sharpness_end": num(st.SEnd), "limit_2_over_lr": num(st.Limit)}
	}
	if record == 1 {
		summary["step_law_max_deviation"] = num(run.StepLaw)
	}
	thinnedNote(summary, run, budget)
	p := filepath.Join(dir, "summary.json")
	if err := writeJSON(p, summary); err != nil {
		return err
	}
	files := append(rec.files, p)
	figs, err := plotRun(ctx, obj, []*flow.Trajectory{rec.trajectory(run.Status, run.End)}, lr, ph)
	if err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "%s: %s after %d steps (t=%g)\n", run.Label, run.Status, res.Steps, float64(res.Steps)*lr)
	printFinalPoint(w, run.W, obj.C)
	if st := stab; st != nil {
		fmt.Fprintf(w, "stability: %s (sharpness %s → %s, 2/λ = %s)\n", st.Class, short(st.S0), short(st.SEnd), short(st.Limit))
	}
	if ph.Found {
		fmt.Fprintf(w, "phase boundary: t*=%.6g, loss %.6g, ‖D‖ %.6g\n", ph.T, ph.Loss, ph.Imbalance)
	}
	printWrote(w, append(files, figs...)...)
	if run.Interrupted {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop"}
	}
	return nil
}

// short writes x with 4 significant digits, and ∞ or NaN as such (a 2/λ that overflows).
func short(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "∞"
	case math.IsInf(x, -1):
		return "−∞"
	case math.IsNaN(x):
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}
