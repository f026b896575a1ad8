package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
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
		Description: "Runs the claims of the table (conservation, flatness, weight decay, the two phases, noise\n" +
			"augmentation and its likeness to weight decay, GD, SGD against noise, stability, the modified flow,\n" +
			"the stochastic modified equation), corrects the statistical checks together (Holm, family-wise\n" +
			"error 0.001), prints a table of verdicts with margins, and writes DIR/report.md, DIR/summary.json,\n" +
			"the figures (PNG and SVG) and the data of every figure (CSV). Exit status 1 if a claim fails.",
		Flags: append([]cli.Flag{
			altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Value: "layerflow-report", Usage: "report `DIR`", Category: catOutput}),
			altsrc.NewBoolFlag(&cli.BoolFlag{Name: "quick", Usage: "smaller experiments (for tests)", Category: catSteps}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "only", Usage: "run only these claims, e.g. `3,6`", Category: catSteps}),
			altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "first seed of every stochastic experiment", Category: catSteps}),
			altsrc.NewBoolFlag(&cli.BoolFlag{Name: "figures", Value: true, Usage: "draw the figures (--figures=false writes only report.md, summary.json and the figures' data)", Category: catOutput}),
		}, styleFlags()...),
		Action: runReproduce,
	})
}

func parseOnly(s string) ([]int, error) {
	n := analysis.NumClaims()
	if strings.TrimSpace(s) == "" {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out, nil
	}
	seen := map[int]bool{}
	var out []int
	for _, p := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || k < 1 || k > n {
			return nil, fmt.Errorf("--only %q: %q is not a claim number 1..%d", s, strings.TrimSpace(p), n)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
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
	// The report replaces an earlier one in dir with all its files: the figures and data of
	// claims (or with seeds) it does not write must not be left beside it.
	for _, ext := range []string{".png", ".svg", ".pdf", ".csv"} {
		replacesOutputs(dir, "claim*-*"+ext)
	}
	set := analysis.ClaimSettings{Quick: ctx.Bool("quick"), Seed: ctx.Uint64("seed")}
	draw := ctx.Bool("figures")
	st, err := figureStyle(ctx)
	if err != nil {
		return err
	}
	progress := isTerminal(ctx.App.ErrWriter)
	// A signal stops the claims between their checks (the expectations over seeds end at
	// once) and the report is not written: the previous one stays whole.
	stop := ctx.Context.Done()
	asked := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	// Both labs: claim 11's matrix laws (NetLab) take most of a full report's time.
	set.Lab, set.NetLab = &analysis.Lab{Stop: asked}, &analysis.NetLab{Stop: asked}
	stopped := func(done int) error {
		discardOutputs()
		if progress {
			fmt.Fprintln(ctx.App.ErrWriter)
		}
		return &exitError{code: 130, msg: fmt.Sprintf("reproduce: stopped by a signal after %d of %d claims; nothing written, %s keeps the previous report", done, len(only), dir)}
	}
	var claims []*analysis.Claim
	files := map[int][]string{}
	start := time.Now()
	for _, n := range only {
		if ctx.Context.Err() != nil {
			return stopped(len(claims))
		}
		t0 := time.Now()
		spec := analysis.Claims()[n-1]
		if progress {
			fmt.Fprintf(ctx.App.ErrWriter, "claim %d/%d: %s …", n, analysis.NumClaims(), spec.Title)
		}
		c, err := analysis.RunClaim(n, set)
		if ctx.Context.Err() != nil {
			return stopped(len(claims))
		}
		if err != nil {
			return err
		}
		for _, fig := range c.Figures {
			names, err := writeFigure(dir, fig, draw, st)
			if err != nil {
				return err
			}
			files[n] = append(files[n], names...)
		}
		if n == 4 && draw {
			names, err := phasePictures(dir, st)
			if err != nil {
				return err
			}
			files[n] = append(files[n], names...)
		}
		claims = append(claims, c)
		if progress {
			fmt.Fprintf(ctx.App.ErrWriter, " done (%.1fs)\n", time.Since(t0).Seconds())
		}
	}
	if ctx.Context.Err() != nil {
		return stopped(len(claims))
	}
	family := analysis.CorrectClaims(claims)
	elapsed := time.Since(start)
	if err := writeReport(dir, claims, files, set, draw, family, elapsed); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), reproduceSummary(ctx, claims, family, elapsed)); err != nil {
		return err
	}
	var checks []analysis.Check
	failed, untested := 0, 0
	for _, c := range claims {
		checks = append(checks, c.Checks...)
		switch c.Verdict() {
		case analysis.Fail:
			failed++
		case analysis.NotTested:
			untested++
		}
	}
	w := ctx.App.Writer
	printChecks(w, checks)
	fmt.Fprintln(w)
	for _, c := range claims {
		fmt.Fprintf(w, "claim %2d: %-70s %s\n", c.Number, c.Title, claimWord(c.Verdict()))
	}
	fmt.Fprintf(w, "%d of %d claims hold, %d fail, %d not tested (%d statistical checks, Holm at family-wise α = %g; %.1fs); report in %s\n",
		len(claims)-failed-untested, len(claims), failed, untested, family, analysis.FamilyAlpha, elapsed.Seconds(), filepath.Join(dir, "report.md"))
	printWrote(w, filepath.Join(dir, "report.md"), filepath.Join(dir, "summary.json"))
	for _, n := range only {
		printWrote(w, groupByStem(dir, files[n])...)
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d claims failed", failed, len(claims))}
	}
	if untested > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%d of %d claims not tested", untested, len(claims))}
	}
	return nil
}

func claimWord(v analysis.Verdict) string {
	switch v {
	case analysis.Pass:
		return "holds"
	case analysis.Fail:
		return "FAILS"
	}
	return "not tested"
}

func reproduceSummary(ctx *cli.Context, claims []*analysis.Claim, family int, elapsed time.Duration) map[string]any {
	var cs []map[string]any
	status := "all claims hold"
	for _, c := range claims {
		var checks []map[string]any
		for _, ch := range c.Checks {
			m := map[string]any{
				"id": ch.ID, "claim": ch.Claim, "experiment": ch.Experiment,
				"measured": num(ch.Measured), "predicted": num(ch.Predicted), "tolerance": num(ch.Tolerance),
				"relation": ch.Relation.String(), "margin": num(ch.Margin), "verdict": verdictText(ch.Verdict),
				"tolerance_source": ch.Source.String(), "tolerance_basis": ch.Basis,
			}
			if ch.Reason != "" {
				m["reason"] = ch.Reason
			}
			checks = append(checks, m)
		}
		switch c.Verdict() {
		case analysis.Fail:
			status = "some claims fail"
		case analysis.NotTested:
			if status == "all claims hold" {
				status = "some claims not tested"
			}
		}
		cs = append(cs, map[string]any{"number": c.Number, "title": c.Title, "measures": c.Measures, "control": c.Control,
			"verdict": verdictText(c.Verdict()), "checks": checks})
	}
	return map[string]any{"status": status, "settings": recordSettings(ctx, nil), "seconds": elapsed.Seconds(), "claims": cs,
		"statistics": map[string]any{"checks": family, "family_wise_alpha": analysis.FamilyAlpha, "correction": "Holm"}}
}

func verdictText(v analysis.Verdict) string {
	b, _ := v.MarshalText()
	return string(b)
}

// writeFigure writes the figure as PNG and SVG in the style st and its data as CSV; it
// returns the file names.
func writeFigure(dir string, fig analysis.Figure, draw bool, st plot.Style) ([]string, error) {
	var names []string
	for _, ext := range []string{".png", ".svg"} {
		if !draw {
			break
		}
		name := fig.Name + ext
		if err := saveChart(fig, st, filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	name := fig.Name + ".csv"
	err := writeAtomic(filepath.Join(dir, name), func(w io.Writer) error {
		return writeFigureCSV(w, fig)
	})
	if err != nil {
		return nil, err
	}
	return append(names, name), nil
}

// writeFigureCSV writes a figure's data in long form: one row per point, the curve named by
// its snake_case key (the legend entry is the figure's), the error bar empty for a curve
// without one.
func writeFigureCSV(w io.Writer, fig analysis.Figure) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"series", "x", "y", "err"}); err != nil {
		return err
	}
	keys := fig.Keys()
	for si, s := range fig.Series {
		for i := range s.X {
			e := ""
			if s.Err != nil {
				e = ftoa(s.Err[i])
			}
			if err := cw.Write([]string{keys[si], ftoa(s.X[i]), ftoa(s.Y[i]), e}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeReport(dir string, claims []*analysis.Claim, files map[int][]string, set analysis.ClaimSettings, draw bool, family int, elapsed time.Duration) error {
	return writeAtomic(filepath.Join(dir, "report.md"), func(w io.Writer) error {
		p := newProvenance()
		fmt.Fprintf(w, "# Reproduction report: layerflow reproduce\n\n")
		fmt.Fprintf(w, "| | |\n|---|---|\n| date | %s |\n| version | %s |\n| commit | %s |\n| Go | %s |\n| machine | %s |\n| command | `%s` |\n| seed | %d |\n| quick | %s |\n| figures | %s |\n| time | %.1f s |\n\n",
			p.Date, p.Version, p.Commit, p.Go, md(p.Machine), md(strings.Join(p.Args, " ")), set.Seed, yesNo(set.Quick), yesNo(draw), elapsed.Seconds())
		fmt.Fprintf(w, "The claims of *On regularization of gradient descent, layer imbalance and flat minima* (Ginsburg, 2020)\n")
		fmt.Fprintf(w, "and the laws beyond it, checked numerically. The command above, run again with the same version, repeats\n")
		fmt.Fprintf(w, "every number of this report; `summary.json` beside it holds them at full precision.\n\n")
		fmt.Fprintf(w, "Each check compares a measurement m with a prediction p, or with a bound, and says where its tolerance\n"+
			"comes from: round-off, the integrator's promised accuracy, standard errors over seeds, or a heuristic\n"+
			"threshold (a judgment call, marked so). The margin is the share of the tolerance used (|m − p|/tol, m/tol,\n"+
			"tol/m, or tol/|m − p| for two things that must differ); a check passes at margin ≤ 1. The %d statistical checks are corrected together by Holm's\n"+
			"procedure at family-wise error %g: correct code fails any of them with probability at most %g.\n\n", family, analysis.FamilyAlpha, analysis.FamilyAlpha)
		fmt.Fprintf(w, "| claim | verdict | checks passed | largest margin |\n|---|---|---|---|\n")
		for _, c := range claims {
			r := summarize(c)
			fmt.Fprintf(w, "| %d. %s | %s | %d of %d | %s |\n", c.Number, md(c.Title), claimWord(c.Verdict()), r.passed, len(c.Checks), r.tightestText())
		}
		for _, c := range claims {
			fmt.Fprintf(w, "\n## Claim %d: %s — %s\n\n", c.Number, c.Title, claimWord(c.Verdict()))
			fmt.Fprintf(w, "**Measured.** %s.\n\n", capitalize(c.Measures))
			fmt.Fprintf(w, "**What it shows.** %s\n\n", claimParagraph(c))
			for _, f := range c.Figures {
				if !draw {
					fmt.Fprintf(w, "Data of the figure “%s”: [CSV](%s.csv) (columns series, x, y, err; series %s).\n\n", md(f.Title), f.Name, md(strings.Join(f.Keys(), ", ")))
					continue
				}
				fmt.Fprintf(w, "![%s](%s.png)\n\n", md(f.Title), f.Name)
				fmt.Fprintf(w, "Figure: %s. [PNG](%s.png), [SVG](%s.svg), data [CSV](%s.csv) (columns series, x, y, err; series %s).\n\n",
					md(f.Title), f.Name, f.Name, f.Name, md(strings.Join(f.Keys(), ", ")))
			}
			if c.Number == 4 && draw {
				for _, f := range []struct{ name, title string }{
					{"claim4-portrait", "Weight decay μ = 0.1: the flow and GD (λ = 0.05) on the phase plane"},
					{"claim4-plane", "The two phases as an L in the (‖D‖, loss) plane"},
				} {
					fmt.Fprintf(w, "![%s](%s.png)\n\nFigure: %s. [PNG](%s.png), [SVG](%s.svg).\n\n", f.title, f.name, f.title, f.name, f.name)
				}
				fmt.Fprintf(w, "Data of these two: [flow](claim4-flow.csv), [GD](claim4-gd.csv) (trajectory.csv columns).\n\n")
			}
			fmt.Fprintf(w, "| check | measured | predicted | tolerance or bound | margin | tolerance from | verdict |\n|---|---|---|---|---|---|---|\n")
			for _, ch := range c.Checks {
				v := ch.Verdict.String()
				if ch.Verdict == analysis.Fail {
					v = "**FAIL**"
				}
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", ch.ID, rg(ch.Measured), predictedText(ch), md(conditionText(ch)), margin(ch.Margin), ch.Source, v)
			}
			fmt.Fprintf(w, "\n<details><summary>What each check compares, on what, and why its tolerance</summary>\n\n")
			for _, ch := range c.Checks {
				fmt.Fprintf(w, "- **%s**: %s. %s.", ch.ID, md(ch.Claim), md(strings.TrimSuffix(ch.Experiment, ".")))
				if ch.Verdict == analysis.NotTested {
					fmt.Fprintf(w, " Not tested: %s", md(ch.Reason))
				} else if ch.Verdict == analysis.Unresolved {
					fmt.Fprintf(w, " Unresolved: %s", md(ch.Reason))
				} else if ch.Basis != "" {
					fmt.Fprintf(w, " Tolerance: %s.", md(strings.TrimSuffix(ch.Basis, ".")))
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "\n</details>\n")
		}
		return nil
	})
}

// groupByStem joins the files of one figure: "claim1.png", "claim1.svg", "claim1.csv" are
// "DIR/claim1.{png,svg,csv}", in the order first seen.
func groupByStem(dir string, names []string) []string {
	var stems []string
	exts := map[string][]string{}
	for _, n := range names {
		ext := filepath.Ext(n)
		stem := strings.TrimSuffix(n, ext)
		if exts[stem] == nil {
			stems = append(stems, stem)
		}
		exts[stem] = append(exts[stem], strings.TrimPrefix(ext, "."))
	}
	out := make([]string, len(stems))
	for i, s := range stems {
		e := exts[s]
		if len(e) == 1 {
			out[i] = filepath.Join(dir, s+"."+e[0])
		} else {
			out[i] = filepath.Join(dir, s+".{"+strings.Join(e, ",")+"}")
		}
	}
	return out
}

// claimResult is what a claim's checks came to.
type claimResult struct {
	passed, failed, untested int
	bySource                 map[analysis.Source]int
	tightest                 *analysis.Check // the tested check of largest margin
	controls                 []analysis.Check
}

// unresolved counts the checks of c that could not have failed (analysis.Unresolved).
func unresolved(c *analysis.Claim) int {
	k := 0
	for _, ch := range c.Checks {
		if ch.Verdict == analysis.Unresolved {
			k++
		}
	}
	return k
}

func summarize(c *analysis.Claim) claimResult {
	r := claimResult{bySource: map[analysis.Source]int{}}
	for i, ch := range c.Checks {
		switch ch.Verdict {
		case analysis.Pass:
			r.passed++
		case analysis.Fail:
			r.failed++
		default:
			r.untested++
			continue
		}
		r.bySource[ch.Source]++
		if r.tightest == nil || !(ch.Margin <= r.tightest.Margin) {
			r.tightest = &c.Checks[i]
		}
		if isControl(ch) {
			r.controls = append(r.controls, ch)
		}
	}
	return r
}

func (r claimResult) tightestText() string {
	if r.tightest == nil {
		return "—"
	}
	return fmt.Sprintf("%s (%s)", margin(r.tightest.Margin), r.tightest.ID)
}

// isControl tells the checks that a claim's control makes: the setting where the effect must
// be absent or different, reported as such.
func isControl(ch analysis.Check) bool {
	return strings.Contains(ch.ID, "control") || ch.Relation == analysis.Differs
}

// claimParagraph says in a few sentences what a claim's checks came to: how many passed, on
// which kinds of tolerance, the closest call, the control, and any failure.
func claimParagraph(c *analysis.Claim) string {
	r := summarize(c)
	n := len(c.Checks)
	var b strings.Builder
	switch c.Verdict() {
	case analysis.Pass:
		fmt.Fprintf(&b, "The claim holds: %s.", countText(r.passed, n, "check passes", "checks pass"))
	case analysis.Fail:
		fmt.Fprintf(&b, "The claim fails: %d of %d checks fail.", r.failed, n)
	default:
		if u := unresolved(c); u > 0 {
			fmt.Fprintf(&b, "The claim is not tested: %d of %d checks could not run with these settings and %d could not have failed, %d pass.", r.untested-u, n, u, r.passed)
			break
		}
		fmt.Fprintf(&b, "The claim is not tested: %d of %d checks could not run with these settings, %d pass.", r.untested, n, r.passed)
	}
	var kinds []string
	for _, src := range []analysis.Source{analysis.Exact, analysis.RoundOff, analysis.Integrator, analysis.StdErr, analysis.Heuristic} {
		if k := r.bySource[src]; k > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", k, sourceWords(src, k)))
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(&b, " Tolerances: %s.", strings.Join(kinds, ", "))
	}
	if t := r.tightest; t != nil {
		fmt.Fprintf(&b, " The closest call is %s at margin %s (measured %s; %s).", t.ID, margin(t.Margin), rg(t.Measured), conditionText(*t))
	}
	if c.Control != "" {
		switch {
		case len(r.controls) == 0:
			fmt.Fprintf(&b, " Control: %s; it was not tested.", c.Control)
		default:
			ok := true
			var ids []string
			for _, ch := range r.controls {
				ok = ok && ch.Verdict == analysis.Pass
				ids = append(ids, ch.ID)
			}
			if ok {
				fmt.Fprintf(&b, " Control: %s — as required (%s %s).", c.Control, strings.Join(ids, ", "), pluralWord(len(ids), "passes", "pass"))
			} else {
				fmt.Fprintf(&b, " Control: %s — it is NOT (%s).", c.Control, strings.Join(ids, ", "))
			}
		}
	}
	if r.failed > 0 {
		var ids []string
		for _, ch := range c.Checks {
			if ch.Verdict == analysis.Fail {
				ids = append(ids, fmt.Sprintf("%s (margin %s)", ch.ID, margin(ch.Margin)))
			}
		}
		fmt.Fprintf(&b, " Failed: %s.", strings.Join(ids, ", "))
	}
	return md(b.String())
}

func countText(k, n int, one, many string) string {
	if k == n {
		if n == 1 {
			return "its one " + one
		}
		return fmt.Sprintf("all %d %s", n, many)
	}
	return fmt.Sprintf("%d of %d %s", k, n, many)
}

// sourceWords names k tolerances of a source in a sentence.
func sourceWords(s analysis.Source, k int) string {
	switch s {
	case analysis.Exact:
		if k == 1 {
			return "exact comparison"
		}
		return "exact comparisons"
	case analysis.RoundOff:
		return "at round-off"
	case analysis.Integrator:
		return "within the integrator's bound"
	case analysis.StdErr:
		return "statistical (Holm)"
	case analysis.Heuristic:
		if k == 1 {
			return "heuristic threshold"
		}
		return "heuristic thresholds"
	}
	return s.String()
}

// predictedText is the prediction a check compares with: p for |m − p| ≤ tol and
// |m − p| > tol, "—" for a bound (m ≤ tol, m ≥ tol), which predicts no value.
func predictedText(ch analysis.Check) string {
	switch ch.Relation {
	case analysis.Within, analysis.Differs:
		return rg(ch.Predicted)
	}
	return "—"
}

// conditionText is the condition a check passes by, with its number: "|m − p| ≤ 6.3e-8",
// "m ≤ 1.4e-13", "m ≥ 0.8".
func conditionText(ch analysis.Check) string {
	return strings.Replace(ch.Relation.String(), "tol", rg(ch.Tolerance), 1)
}

// rg writes a number of the report with 7 significant digits (summary.json has them all).
func rg(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(x, 'g', 7, 64), "e-0", "e-", 1)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// saveChart draws an analysis figure in the style st and saves it, a panic of the plotting
// library becoming an error.
func saveChart(fig analysis.Figure, st plot.Style, path string) (err error) {
	defer guardPlot(&err)
	f, err := plot.Chart(fig, st)
	if err != nil {
		return err
	}
	return saveFigure(f, path)
}

func md(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// phasePictures draws the weight-decay flow and GD of claim 4 on the phase plane and in the
// (‖D‖, loss) plane, with the trajectories' data.
func phasePictures(dir string, st plot.Style) (names []string, err error) {
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
	pf, err := plot.Portrait(pt, trs, &plot.PortraitOptions{Style: st, LearningRate: 0.05})
	if err != nil {
		return nil, err
	}
	lf, err := plot.ImbalanceLoss(trs, &plot.PlaneOptions{Objective: obj, Style: st})
	if err != nil {
		return nil, err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := saveFigure(pf, filepath.Join(dir, "claim4-portrait"+ext)); err != nil {
			return nil, err
		}
		if err := saveFigure(lf, filepath.Join(dir, "claim4-plane"+ext)); err != nil {
			return nil, err
		}
		names = append(names, "claim4-portrait"+ext, "claim4-plane"+ext)
	}
	for _, tr := range []struct {
		name string
		tr   *flow.Trajectory
	}{{"claim4-flow.csv", fl}, {"claim4-gd.csv", gd}} {
		if err := writeTrajectoryCSV(filepath.Join(dir, tr.name), tr.tr, 0); err != nil {
			return nil, err
		}
		names = append(names, tr.name)
	}
	return names, nil
}
