package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis/budget"
	lfplot "github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/analysis/sweep"
)

const catGrid = "Grid (each overrides the sweep file's key; lists \"a,b,c\" or ranges \"from:to:num[:log]\")"

// gridFlags maps a flag to the sweep key it sets.
var gridFlags = []struct{ flag, key, usage string }{
	{"method", "method", "methods: flow, modified, gd, noisy-gd, sgd"},
	{"lr", "lr", "learning rates λ"},
	{"wd", "wd", "weight decays μ"},
	{"noise", "noise", "input noise σ"},
	{"batch", "batch", "mini-batch sizes (sgd)"},
	{"depth", "depth", "depths d"},
	{"steps", "steps", "numbers of steps (horizon steps·λ)"},
	{"t-end", "t_end", "end times (instead of --steps)"},
	{"seeds", "seeds", "replicates of every random run"},
	{"seed", "seed", "sweep seed"},
	{"samples", "", "samples of the generated dataset (noisy-gd, sgd)"},
	{"label-noise", "", "label noise of the generated dataset"},
	{"integrator", "integrator", "dopri5, dop853 or gauss (flow, modified)"},
	{"rtol", "rtol", "relative tolerance of the flows"},
	{"atol", "atol", "absolute tolerance of the flows"},
	{"start", "", "starting points \"w1,w2;w1,w2\""},
	{"start-grid", "", "a grid of starting points MIN:MAX:NUM (per weight)"},
	{"start-random", "", "random starting points MIN:MAX:COUNT (per weight)"},
	{"data", "", "dataset CSV (columns x, y) of noisy-gd and sgd, instead of a generated one"},
	{"balanced", "balanced", "fraction of ‖D(0)‖ that counts as balanced (t_balanced)"},
	{"record", "record", "points kept per run for the phase analysis"},
	{"bound", "bound", "divergence bound on |w_i| of the discrete methods"},
	{"max-steps", "max_steps", "most integrator steps of a flow run"},
}

func sweepCommand() *cli.Command {
	flags := []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "sweep.csv", Usage: "result CSV: one row per run, appended as runs finish; rerunning the same command finishes an interrupted sweep", Category: catOutput}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "workers", Aliases: []string{"j"}, Usage: "runs at once (0: all cores)", Category: catOutput}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "shard", Usage: "run only shard i of n, 0 ≤ i < n (e.g. --shard $SLURM_ARRAY_TASK_ID/16)", Category: catOutput}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "no-progress", Usage: "no progress bar even on a terminal", Category: catOutput}),
	}
	for _, g := range gridFlags {
		flags = append(flags, altsrc.NewStringFlag(&cli.StringFlag{Name: g.flag, Usage: g.usage, Category: catGrid}))
	}
	flags = append(flags, netSweepFlags()...)
	return withConfig(&cli.Command{
		Name:      "sweep",
		Usage:     "many runs over a grid of λ, μ, σ, batch, depth, horizon, method, starting point and seed, on all cores",
		ArgsUsage: "[SWEEP.yaml|SWEEP.toml]",
		Description: "The run set is the product of the value lists (see the README for the keys, and\n" +
			"testdata/sweep-example.yaml). Each finished run appends one row to --out. Interrupted and\n" +
			"started again with the same command, a sweep finishes the runs not yet written, none twice.\n" +
			"--shard i/n runs every n-th run from i; `layerflow merge` joins the shards.",
		Flags:  flags,
		Action: runSweep,
	})
}

// sweepOverrides returns the sweep keys set by flags.
func sweepOverrides(ctx *cli.Context) (map[string]any, error) {
	m := map[string]any{}
	for _, g := range gridFlags {
		if g.key != "" && ctx.IsSet(g.flag) {
			m[g.key] = ctx.String(g.flag)
		}
	}
	// A horizon given by flag replaces the file's, whichever kind it is.
	if ctx.IsSet("t-end") && !ctx.IsSet("steps") {
		m["steps"] = sweep.Unset
	}
	if ctx.IsSet("steps") && !ctx.IsSet("t-end") {
		m["t_end"] = sweep.Unset
	}
	if ctx.IsSet("samples") || ctx.IsSet("label-noise") || ctx.IsSet("data") {
		d := map[string]any{}
		if ctx.IsSet("data") {
			abs, err := filepath.Abs(ctx.String("data"))
			if err != nil {
				return nil, fmt.Errorf("--data %q: %v", ctx.String("data"), err)
			}
			d["file"] = abs
		}
		if ctx.IsSet("samples") {
			d["samples"] = ctx.String("samples")
		}
		if ctx.IsSet("label-noise") {
			d["label_noise"] = ctx.String("label-noise")
		}
		m["data"] = d
	}
	if ctx.IsSet("start") || ctx.IsSet("start-grid") || ctx.IsSet("start-random") {
		st := map[string]any{}
		if ctx.IsSet("start") {
			st["points"] = ctx.String("start")
		}
		for _, b := range []struct{ flag, key, n string }{{"start-grid", "grid", "num"}, {"start-random", "random", "count"}} {
			if !ctx.IsSet(b.flag) {
				continue
			}
			parts := strings.Split(ctx.String(b.flag), ":")
			if len(parts) != 3 {
				return nil, fmt.Errorf("--%s %q: want MIN:MAX:%s", b.flag, ctx.String(b.flag), strings.ToUpper(b.n))
			}
			st[b.key] = map[string]any{"min": parts[0], "max": parts[1], b.n: parts[2]}
		}
		m["start"] = st
	}
	return m, nil
}

// parseShard reads "i/n".
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 ≤ i < n (e.g. 0/4 … 3/4)", s)
	}
	return i, n, nil
}

func runSweep(ctx *cli.Context) error {
	if ctx.IsSet("widths") {
		return runNetSweep(ctx)
	}
	if ctx.NArg() > 1 {
		return fmt.Errorf("sweep: one sweep file, not %d arguments (%s)", ctx.NArg(), strings.Join(ctx.Args().Slice(), " "))
	}
	shard, shards, err := parseShard(ctx.String("shard"))
	if err != nil {
		return err
	}
	workers := ctx.Int("workers")
	if workers < 0 || workers > sweep.MaxWorkers {
		return fmt.Errorf("--workers %d: must be 0..%d (0: all cores)", workers, sweep.MaxWorkers)
	}
	set, err := sweepOverrides(ctx)
	if err != nil {
		return err
	}
	var s *sweep.Spec
	if path := ctx.Args().First(); path != "" {
		readsFile(path)
		// Flags replace whole keys; a partial start or data table from flags replaces the file's.
		s, err = sweep.ReadFile(path, set)
	} else {
		s, err = sweep.FromMap(set, ".")
	}
	if err != nil {
		return err
	}
	out := ctx.String("out")
	if out == "" {
		return fmt.Errorf("--out: empty file name")
	}
	// A worker keeps the points of its run (Record of them) and up to four chunks of rows
	// in flight: about 1 MiB.
	w := workers
	if w == 0 {
		w = runtime.NumCPU()
	}
	if err := budget.Check(fmt.Sprintf("--workers %d (each keeps %d points and rows in flight)", w, s.Record), budget.Mul(int64(w), budget.Add(budget.Mul(int64(s.Record), 8*16), 4*256*256))); err != nil {
		return err
	}
	opt := &sweep.Options{Workers: workers, Shard: shard, Shards: shards}
	var bar *progress
	if !ctx.Bool("no-progress") {
		bar = startProgress(ctx, "runs")
	}
	if bar != nil {
		opt.Progress = func(done, total int) { bar.update(int64(done), int64(total)) }
	}
	// The first SIGINT or SIGTERM stops the sweep after the runs in flight; a second one
	// (the default handling restored) ends the process at once.
	sigctx, cancel := context.WithCancel(ctx.Context)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	caught := make(chan os.Signal, 1)
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			caught <- sig
			cancel()
		case <-sigctx.Done():
		}
	}()
	rep, err := sweep.Execute(sigctx, s, out, opt)
	cancel()
	var got os.Signal
	select {
	case got = <-caught:
	default:
	}
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	where := ""
	if shards > 1 {
		where = fmt.Sprintf(", shard %d/%d of %d runs", shard, shards, s.Len())
	}
	fmt.Fprintf(ctx.App.Writer, "sweep %s: %d runs%s; %d already in %s, %d written (%d diverged, %d integrations did not reach the end) in %.3g s",
		s.Fingerprint(), rep.Runs, where, rep.Before, out, rep.Written, rep.Diverged, rep.Failed, rep.Elapsed.Seconds())
	if rep.Written > 0 {
		fmt.Fprintf(ctx.App.Writer, " (%.4g runs/s)", float64(rep.Written)/rep.Elapsed.Seconds())
	}
	fmt.Fprintln(ctx.App.Writer)
	if rep.Interrupted {
		code := 130 // 128 + SIGINT
		if got == syscall.SIGTERM {
			code = 143
		}
		return &exitError{code: code, msg: fmt.Sprintf("interrupted: %d of %d runs are in %s; run the same command again to finish the rest",
			rep.Before+rep.Written, rep.Runs, out)}
	}
	return nil
}

func mergeCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:      "merge",
		Usage:     "join the result files of a sweep's shards, checking that every run is there once",
		ArgsUsage: "SHARD.csv...",
		Flags: []cli.Flag{
			// Required, but checked by the action: a config file may give it.
			altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Aliases: []string{"o"}, DefaultText: "required", Usage: "merged CSV (written only when every run is present, unless --partial)", Category: catOutput}),
			altsrc.NewBoolFlag(&cli.BoolFlag{Name: "partial", Usage: "write the merged file even when runs are missing (still exit 1)", Category: catOutput}),
		},
		Action: func(ctx *cli.Context) error {
			if ctx.String("out") == "" {
				return fmt.Errorf("merge: --out FILE is required (the merged CSV)")
			}
			if ctx.NArg() == 0 {
				return fmt.Errorf("merge: no result files given")
			}
			for _, in := range ctx.Args().Slice() {
				readsFile(in)
			}
			rep, err := sweep.Merge(ctx.String("out"), ctx.Args().Slice(), ctx.Bool("partial"))
			if err != nil && (rep == nil || rep.Missing == 0) {
				return err
			}
			if rep.Missing > 0 {
				msg := fmt.Sprintf("merge: %d of %d runs of sweep %s missing: %s", rep.Missing, rep.Runs, rep.Sweep, rep.MissingList)
				if ctx.Bool("partial") {
					fmt.Fprintf(ctx.App.Writer, "sweep %s: %d rows written to %s\n", rep.Sweep, rep.Rows, ctx.String("out"))
				}
				return &exitError{code: 1, msg: msg}
			}
			fmt.Fprintf(ctx.App.Writer, "sweep %s: all %d runs, each once, written to %s\n", rep.Sweep, rep.Runs, ctx.String("out"))
			return nil
		},
	})
}

func clock(sec float64) string {
	s := int(sec + 0.5)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// axisLabels name the swept parameters and result columns on figures.
var axisLabels = map[string]string{
	"lr": "learning rate λ", "wd": "weight decay μ", "noise": "input noise σ", "batch": "batch size",
	"depth": "depth d", "steps": "steps", "t_end": "end time",
	"imbalance": "final imbalance ‖D‖", "imbalance_ratio": "‖D(end)‖ / ‖D(0)‖",
	"t_balanced": "time to balance", "phase_t": "phase boundary t*", "loss": "final loss",
	"sharpness": "final sharpness", "d12": "final D₁₂", "W": "final W", "steps_taken": "steps taken",
	"evals": "evaluations", "seconds": "seconds per run",
}

func sweepPlotCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:      "sweep-plot",
		Usage:     "figures of a sweep's results: the stability map and a heat map over two swept parameters",
		ArgsUsage: "RESULTS.csv",
		Description: "--stability: final sharpness against λ for the discrete runs, the line S = 2/λ, diverged runs\n" +
			"as red crosses. --heatmap: the median (--stat) of --z over the grid of --x and --y, one\n" +
			"method (--method); diverged runs and runs without a value (never balanced, no phase\n" +
			"boundary) are left out, and cells without any run are grey. The heat map's data is written\n" +
			"beside it as FILE-cells.csv. Formats by extension: .png, .svg, .pdf.",
		Flags: append([]cli.Flag{
			altsrc.NewStringFlag(&cli.StringFlag{Name: "stability", Usage: "stability map FILE.png|svg|pdf", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "heatmap", Usage: "heat map FILE.png|svg|pdf (and FILE-cells.csv with its data)", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "x", Value: "lr", Usage: "heat map column across: " + strings.Join(sweep.Axes, ", "), Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "y", Value: "wd", Usage: "heat map column up: " + strings.Join(sweep.Axes, ", "), Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "z", Value: "imbalance_ratio", Usage: "heat map value: " + strings.Join(sweep.Values, ", "), Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "method", Usage: "heat map method (needed when the results hold several)", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "stat", Value: "median", Usage: "statistic over the runs of a cell: median or mean", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "log-z", Value: "auto", Usage: "colour by log10 z: yes, no, or auto (when all values are > 0 and span over two decades)", Category: catOutput}),
		}, styleFlags()...),
		Action: runSweepPlot,
	})
}

func runSweepPlot(ctx *cli.Context) (err error) {
	if ctx.NArg() != 1 {
		return fmt.Errorf("sweep-plot: give one result file (have %d arguments)", ctx.NArg())
	}
	in := ctx.Args().First()
	readsFile(in)
	stab, heat := ctx.String("stability"), ctx.String("heatmap")
	if stab == "" && heat == "" {
		return fmt.Errorf("sweep-plot: nothing to draw: give --stability FILE and/or --heatmap FILE")
	}
	for _, f := range []struct{ flag, path string }{{"stability", stab}, {"heatmap", heat}} {
		if f.path != "" {
			if err := checkExt(f.flag, f.path); err != nil {
				return err
			}
			if err := writableFile(f.flag, f.path); err != nil {
				return err
			}
		}
	}
	if stab != "" && absPath(stab) == absPath(heat) {
		return fmt.Errorf("--stability and --heatmap are both %s", stab)
	}
	for _, f := range []struct{ flag, path string }{{"stability", stab}, {"heatmap", heat}} {
		if err := notInput(f.flag, f.path, in); err != nil {
			return err
		}
	}
	st, err := figureStyle(ctx)
	if err != nil {
		return err
	}
	logZ := ctx.String("log-z")
	if logZ != "auto" && logZ != "yes" && logZ != "no" {
		return fmt.Errorf("--log-z %q: want yes, no or auto", logZ)
	}
	// A running sweep appends whole rows, and the reading stops at the last complete one: the
	// figures are of the runs finished so far, which is worth a word but no refusal.
	if sweep.Writing(in) {
		fmt.Fprintf(ctx.App.ErrWriter, "layerflow: warning: %s is being written by a running sweep: the figures show the runs finished so far\n", in)
	}
	// Read and check everything before writing anything.
	var pts []lfplot.StabilityPoint
	if stab != "" {
		if pts, err = sweep.StabilityPoints(in); err != nil {
			return err
		}
	}
	var h *sweep.Heat
	x, y, z := ctx.String("x"), ctx.String("y"), ctx.String("z")
	if heat != "" {
		if h, err = sweep.HeatData(in, x, y, z, ctx.String("method"), ctx.String("stat")); err != nil {
			return err
		}
	}
	defer guardPlot(&err)
	// Make both figures, and check where the heat map's data go, before writing anything.
	var stabFig, heatFig *lfplot.Figure
	if stab != "" {
		if stabFig, err = lfplot.StabilityMap(pts, &lfplot.StabilityOptions{Style: st}); err != nil {
			return err
		}
	}
	var data string
	if heat != "" {
		log := logZ == "yes" || logZ == "auto" && spansDecades(h.Z)
		title := axisLabels[z]
		if m := ctx.String("method"); m != "" {
			title = m + ": " + title
		}
		heatFig, err = lfplot.HeatMap(h.X, h.Y, h.Z, &lfplot.HeatMapOptions{Title: title, XLabel: axisLabels[x], YLabel: axisLabels[y],
			ZLabel: ctx.String("stat") + " " + axisLabels[z], LogZ: log, Diverged: h.AllDiverged, Style: st})
		if err != nil {
			return err
		}
		data = strings.TrimSuffix(heat, filepath.Ext(heat)) + "-cells.csv"
		if err := safeDataPath(data, in); err != nil {
			return err
		}
		if err := writableFile("heatmap", data); err != nil {
			return err
		}
	}
	// A signal stops the drawing at once and writes nothing: the figures and the heat map's
	// data are one set.
	stop := func(err error) error {
		if interrupted(ctx) {
			discardOutputs()
			return &exitError{code: 130, msg: "sweep-plot: stopped by a signal; nothing written"}
		}
		return err
	}
	if stab != "" {
		if err := stop(saveFigure(stabFig.WithContext(ctx.Context), stab)); err != nil {
			return err
		}
		div := 0
		for _, p := range pts {
			if p.Diverged {
				div++
			}
		}
		fmt.Fprintf(ctx.App.Writer, "stability map: %d discrete runs (%d diverged) → %s\n", len(pts), div, stab)
	}
	if heat != "" {
		var rows [][]float64
		for iy, yv := range h.Y {
			for ix, xv := range h.X {
				rows = append(rows, []float64{xv, yv, h.Z[iy][ix]})
			}
		}
		if err := stop(writeCSV(data, []string{x, y, ctx.String("stat") + "_" + z}, rows)); err != nil {
			return err
		}
		if err := stop(saveFigure(heatFig.WithContext(ctx.Context), heat)); err != nil {
			return err
		}
		fmt.Fprintf(ctx.App.Writer, "heat map: %d×%d cells from %d runs (%d diverged and %d without a value left out) → %s, %s\n",
			len(h.X), len(h.Y), h.Runs, h.Diverged, h.Empty, heat, data)
	}
	return nil
}

// writableFile checks, before anything is written, that path can be written: its directory
// exists and is writable, and the path is not a directory, FIFO or device.
func writableFile(flag, path string) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("--%s %s: not a regular file", flag, path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".layerflow-check-*")
	if err != nil {
		return fmt.Errorf("--%s %s: cannot write in %s: %v", flag, path, dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// safeDataPath refuses to write the heat map's data over the result file it is made from, or
// over any other sweep result file.
func safeDataPath(data, in string) error {
	if notInput("heatmap", data, in) != nil {
		return fmt.Errorf("--heatmap: its data would go to %s, the result file itself: name the heat map differently", data)
	}
	if st, err := os.Stat(data); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("--heatmap: its data would go to %s, which is not a regular file", data)
	}
	if f, err := os.Open(data); err == nil {
		defer f.Close()
		head := make([]byte, 8)
		n, _ := f.Read(head)
		if strings.HasPrefix(string(head[:n]), "run,runs") {
			return fmt.Errorf("--heatmap: its data would overwrite %s, a sweep result file: name the heat map differently", data)
		}
	}
	return nil
}

// notInput refuses an output path that is the input file, by file identity (another name
// for the same file, a link, counts) or, for an output that does not exist yet, by path.
func notInput(flag, out, in string) error {
	if out == "" {
		return nil
	}
	so, errOut := os.Stat(out)
	si, errIn := os.Stat(in)
	if (errOut == nil && errIn == nil && os.SameFile(so, si)) || absPath(out) == absPath(in) {
		return fmt.Errorf("--%s %s: that is the result file being read; name the figure differently", flag, out)
	}
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// spansDecades reports whether every finite value is > 0 and the largest exceeds the
// smallest by more than a factor 100.
func spansDecades(z [][]float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if v <= 0 {
				return false
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return hi > 100*lo
}
