package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

func reproduceCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "reproduce",
		Usage: "check every claim of the paper, and the laws beyond it, and write a report with figures",
		Description: "Runs the nine claims (conservation, flatness, weight decay and its two phases, noise, GD, SGD,\n" +
			"stability, the modified flow, the stochastic modified equation), prints a table of verdicts and\n" +
			"writes DIR/report.md, DIR/summary.json, the figures (PNG and SVG) and the data of every figure (CSV).\n" +
			"Exit status 1 if a claim fails.",
		Flags: []cli.Flag{
			altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Value: "layerflow-report", Usage: "report `DIR`", Category: catOutput}),
			altsrc.NewBoolFlag(&cli.BoolFlag{Name: "quick", Usage: "smaller experiments (for tests)", Category: catSteps}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "only", Usage: "run only these claims, e.g. `3,6`", Category: catSteps}),
			altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "first seed of every stochastic experiment", Category: catSteps}),
		},
		Action: runReproduce,
	})
}

func parseOnly(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, nil
	}
	seen := map[int]bool{}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 9 {
			return nil, fmt.Errorf("--only %q: %q is not a claim number 1..9", s, strings.TrimSpace(p))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runReproduce(ctx *cli.Context) error {
	only, err := parseOnly(ctx.String("only"))
	if err != nil {
		return err
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return err
	}
	if ctx.Uint64("seed") == 0 {
		return fmt.Errorf("--seed 0: must be ≥ 1 (seed 0 would silently become the default 1)")
	}
	set := analysis.ClaimSettings{Quick: ctx.Bool("quick"), Seed: ctx.Uint64("seed")}
	progress := isTerminal(ctx.App.ErrWriter)
	var claims []*analysis.Claim
	files := map[int][]string{}
	start := time.Now()
	for _, n := range only {
		t0 := time.Now()
		if progress {
			fmt.Fprintf(ctx.App.ErrWriter, "claim %d/9: %s …", n, analysis.ClaimTitles[n])
		}
		c, err := analysis.RunClaim(n, set)
		if err != nil {
			return err
		}
		for _, fig := range c.Figures {
			names, err := writeFigure(dir, fig)
			if err != nil {
				return err
			}
			files[n] = append(files[n], names...)
		}
		if n == 3 {
			names, err := phasePictures(dir)
			if err != nil {
				return err
			}
			files[n] = append(files[n], names...)
		}
		claims = append(claims, c)
		if progress {
			v := "holds"
			if !c.Pass() {
				v = "FAILS"
			}
			fmt.Fprintf(ctx.App.ErrWriter, " %s (%.1fs)\n", v, time.Since(t0).Seconds())
		}
	}
	elapsed := time.Since(start)
	if err := writeReport(dir, claims, files, set, elapsed); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), reproduceSummary(ctx, claims, elapsed)); err != nil {
		return err
	}
	var checks []analysis.Check
	failedClaims := 0
	for _, c := range claims {
		checks = append(checks, c.Checks...)
		if !c.Pass() {
			failedClaims++
		}
	}
	w := ctx.App.Writer
	printChecks(w, checks)
	fmt.Fprintln(w)
	for _, c := range claims {
		v := "holds"
		if !c.Pass() {
			v = "FAILS"
		}
		fmt.Fprintf(w, "claim %d: %-76s %s\n", c.Number, c.Title, v)
	}
	fmt.Fprintf(w, "%d of %d claims hold (%.1fs); report in %s\n", len(claims)-failedClaims, len(claims), elapsed.Seconds(), filepath.Join(dir, "report.md"))
	if failedClaims > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d claims failed", failedClaims, len(claims))}
	}
	return nil
}

func reproduceSummary(ctx *cli.Context, claims []*analysis.Claim, elapsed time.Duration) map[string]any {
	var cs []map[string]any
	status := "all claims hold"
	for _, c := range claims {
		var checks []map[string]any
		for _, ch := range c.Checks {
			checks = append(checks, map[string]any{
				"id": ch.ID, "claim": ch.Claim, "experiment": ch.Experiment,
				"measured": num(ch.Measured), "predicted": num(ch.Predicted), "tolerance": num(ch.Tolerance),
				"relation": ch.Relation, "pass": ch.Pass,
			})
		}
		if !c.Pass() {
			status = "some claims fail"
		}
		cs = append(cs, map[string]any{"number": c.Number, "title": c.Title, "holds": c.Pass(), "checks": checks})
	}
	return map[string]any{"status": status, "settings": settingsOf(ctx), "seconds": elapsed.Seconds(), "claims": cs}
}

// writeFigure writes the figure as PNG and SVG and its data as CSV; it returns the file names.
func writeFigure(dir string, fig analysis.Figure) ([]string, error) {
	var names []string
	for _, ext := range []string{".png", ".svg"} {
		name := fig.Name + ext
		if err := renderFigure(fig, filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	var rows [][]float64
	var labels []string
	for si, s := range fig.Series {
		labels = append(labels, s.Name)
		for i := range s.X {
			e := 0.0
			if s.Err != nil {
				e = s.Err[i]
			}
			rows = append(rows, []float64{float64(si), s.X[i], s.Y[i], e})
		}
	}
	name := fig.Name + ".csv"
	err := writeAtomic(filepath.Join(dir, name), func(w io.Writer) error {
		fmt.Fprintln(w, "series,x,y,err")
		for _, r := range rows {
			fmt.Fprintf(w, "%q,%s,%s,%s\n", labels[int(r[0])], ftoa(r[1]), ftoa(r[2]), ftoa(r[3]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(names, name), nil
}

func writeReport(dir string, claims []*analysis.Claim, files map[int][]string, set analysis.ClaimSettings, elapsed time.Duration) error {
	return writeAtomic(filepath.Join(dir, "report.md"), func(w io.Writer) error {
		fmt.Fprintf(w, "# layerflow reproduce\n\n")
		fmt.Fprintf(w, "The claims of *On regularization of gradient descent, layer imbalance and flat minima* (Ginsburg, 2020)\n")
		fmt.Fprintf(w, "and the laws beyond it, checked numerically by layerflow %s (seed %d, quick %v, %.1f s).\n\n", version, set.Seed, set.Quick, elapsed.Seconds())
		fmt.Fprintf(w, "| claim | check | experiment | measured | predicted | tolerance | relation | verdict |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range claims {
			for _, ch := range c.Checks {
				v := "pass"
				if !ch.Pass {
					v = "**FAIL**"
				}
				fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", c.Number, md(ch.Claim), md(ch.Experiment), g(ch.Measured), g(ch.Predicted), g(ch.Tolerance), md(ch.Relation), v)
			}
		}
		for _, c := range claims {
			v := "holds"
			if !c.Pass() {
				v = "**fails**"
			}
			fmt.Fprintf(w, "\n## Claim %d: %s — %s\n\n", c.Number, c.Title, v)
			for _, f := range c.Figures {
				fmt.Fprintf(w, "![%s](%s.png)\n\n", md(f.Title), f.Name)
				fmt.Fprintf(w, "Figure: [PNG](%s.png), [SVG](%s.svg), data [CSV](%s.csv).\n\n", f.Name, f.Name, f.Name)
			}
			if c.Number == 3 {
				for _, f := range []struct{ name, title string }{
					{"claim3-portrait", "Weight decay μ = 0.1: the flow and GD (λ = 0.05) on the phase plane"},
					{"claim3-plane", "The two phases as an L in the (‖D‖, loss) plane"},
				} {
					fmt.Fprintf(w, "![%s](%s.png)\n\nFigure: [PNG](%s.png), [SVG](%s.svg).\n\n", f.title, f.name, f.name, f.name)
				}
				fmt.Fprintf(w, "Data: [flow](claim3-flow.csv), [GD](claim3-gd.csv).\n\n")
			}
		}
		return nil
	})
}

func md(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// phasePictures draws the weight-decay flow and GD of claim 3 on the phase plane and in the
// (‖D‖, loss) plane, with the trajectories' data.
func phasePictures(dir string) (names []string, err error) {
	defer guardPlot(&err)
	obj := flow.Objective{Depth: 2, WeightDecay: 0.1}
	w0 := []float64{2, 0.25}
	fl, _, err := flow.Solve(obj.Flow(), "flow", w0, 40, &ode.Settings{Rtol: 1e-10, Atol: 1e-12}, &ode.DOP853{})
	if err != nil {
		return nil, err
	}
	gd, _, err := discrete.Run(discrete.Problem{Objective: obj}, w0, &discrete.Settings{LR: 0.05, Steps: 800})
	if err != nil {
		return nil, err
	}
	trs := []*flow.Trajectory{fl, gd}
	pt, err := portrait.New(portrait.Plane{Objective: obj}, trs, nil)
	if err != nil {
		return nil, err
	}
	pf, err := plot.Portrait(pt, trs, nil)
	if err != nil {
		return nil, err
	}
	lf, err := plot.ImbalanceLoss(trs, &plot.PlaneOptions{Objective: obj})
	if err != nil {
		return nil, err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := pf.Save(filepath.Join(dir, "claim3-portrait"+ext)); err != nil {
			return nil, err
		}
		if err := lf.Save(filepath.Join(dir, "claim3-plane"+ext)); err != nil {
			return nil, err
		}
		names = append(names, "claim3-portrait"+ext, "claim3-plane"+ext)
	}
	for _, tr := range []struct {
		name string
		tr   *flow.Trajectory
	}{{"claim3-flow.csv", fl}, {"claim3-gd.csv", gd}} {
		if err := writeTrajectoryCSV(filepath.Join(dir, tr.name), tr.tr, 0); err != nil {
			return nil, err
		}
		names = append(names, tr.name)
	}
	return names, nil
}
