package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/budget"
)

func checkCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:  "check",
		Usage: "check the laws of package flow (Gradient flows, Discrete steps) numerically and print a table; exit status 1 if a law fails",
		Description: "Conservation of the layer imbalance under gradient flow (Gauss–Legendre to round-off, DOPRI5\n" +
			"drift falling with the tolerance), its e^{−2μt} decay under weight decay, the weight-decay and\n" +
			"noise minima, the exact per-step factors of GD, and the decay of the imbalance under noisy GD\n" +
			"and SGD in expectation over seeds.",
		Flags: concat([]cli.Flag{
			altsrc.NewStringFlag(&cli.StringFlag{Name: "init", Value: "2,0.25", Usage: "start `w1,w2,…` (its length is the depth)", Category: catModel}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "wd", Value: 0.1, Usage: "weight decay μ > 0", Category: catModel}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "noise", Value: 0.5, Usage: "input noise σ > 0", Category: catModel}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "lr", Value: 0.05, Usage: "learning rate λ of the discrete runs", Category: catSteps}),
			altsrc.NewIntFlag(&cli.IntFlag{Name: "steps", Value: 2000, Usage: "steps of the discrete runs (≥ 100)", Category: catSteps}),
			altsrc.NewIntFlag(&cli.IntFlag{Name: "batch", Value: 8, Usage: "SGD batch size", Category: catSteps}),
			altsrc.NewIntFlag(&cli.IntFlag{Name: "seeds", Value: 20, Usage: "runs for the expectations over seeds (≥ 8: fewer cannot tell a wrong rate from noise)", Category: catSteps}),
			altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "first seed", Category: catSteps}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "t-end", Value: 20, Usage: "time span of the flows", Category: catSolver}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "rtol", Value: 1e-10, Usage: "relative tolerance of the reference integrations", Category: catSolver}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "data", Usage: "with --widths: the dataset (mnist, mnist:DIR, teacher, FILE.csv, …; default teacher)", Category: catData}),
		}, netFlags(true)),
		Action: runCheck,
	})
}

func runCheck(ctx *cli.Context) error {
	if ctx.IsSet("widths") {
		return runNetCheck(ctx)
	}
	w0, err := parseList("init", ctx.String("init"))
	if err != nil {
		return err
	}
	if len(w0) < 2 {
		return fmt.Errorf("--init %q: at least 2 weights", ctx.String("init"))
	}
	var s analysis.LawSettings
	s.W0 = w0
	for _, f := range []struct {
		name   string
		dst    *float64
		strict bool
	}{{"wd", &s.WeightDecay, true}, {"noise", &s.Noise, true}, {"lr", &s.LR, true}, {"t-end", &s.T, true}, {"rtol", &s.Rtol, true}} {
		if *f.dst, err = finiteFlag(ctx, f.name, 0, f.strict); err != nil {
			return err
		}
	}
	if s.Rtol < 2.3e-15 {
		return fmt.Errorf("--rtol %v: below 10·u = 2.3e-15, too small for step control", s.Rtol)
	}
	if s.Rtol > 1e-6 {
		return fmt.Errorf("--rtol %v: the reference integrations need rtol ≤ 1e-6 (the drift audit runs at up to 10⁴ times it)", s.Rtol)
	}
	if s.WeightDecay >= 1 && len(w0) == 2 {
		return fmt.Errorf("--wd %v: the balanced minimum w² = 1 − μ needs μ < 1", s.WeightDecay)
	}
	for _, f := range []struct {
		name string
		dst  *int
		min  int
	}{{"steps", &s.Steps, 100}, {"batch", &s.Batch, 1}, {"seeds", &s.Seeds, 8}} {
		if *f.dst = ctx.Int(f.name); *f.dst < f.min {
			return fmt.Errorf("--%s %d: must be ≥ %d", f.name, *f.dst, f.min)
		}
	}
	if s.Batch >= 64 {
		return fmt.Errorf("--batch %d: must be below the 64 samples (a full batch is GD, not SGD)", s.Batch)
	}
	if _, ok := analysis.BalancedMinimum(len(w0), s.WeightDecay); !ok {
		return fmt.Errorf("--wd %v: depth %d has no balanced minimum under this weight decay", s.WeightDecay, len(w0))
	}
	// The GD step laws keep every iterate of their runs.
	if err := budget.Check(fmt.Sprintf("--steps %d (every iterate of a GD run of depth %d)", s.Steps, len(w0)), budget.Mul(int64(s.Steps)+1, int64(len(w0))+1, 8)); err != nil {
		return err
	}
	s.Seed = ctx.Uint64("seed")
	// The expectations over seeds are the long part: they show progress and stop on a signal
	// with the seeds done so far.
	stop := ctx.Context.Done()
	prog := startProgress(ctx, "seeds")
	var done int64
	total := 2 * int64(s.Seeds) // noisy GD and SGD
	s.Lab = &analysis.Lab{
		Stop: func() bool {
			select {
			case <-stop:
				return true
			default:
				return false
			}
		},
		SeedDone: func() { done++; prog.update(done, total) },
	}
	checks := analysis.Laws(s)
	prog.finish()
	fails, untested := printChecks(ctx.App.Writer, checks)
	if ctx.Context.Err() != nil {
		return &exitError{code: 130, msg: fmt.Sprintf("check: stopped by a signal after %d of %d seeds; the table above holds the seeds done", done, total)}
	}
	if fails > 0 {
		msg := fmt.Sprintf("%d of %d laws failed", fails, len(checks))
		if len(untested) > 0 {
			msg += fmt.Sprintf(", %d %s", len(untested), untestedWords(untested))
		}
		return &exitError{code: 1, msg: msg}
	}
	if len(untested) > 0 {
		// The settings made an experiment impossible: that is bad input, not a failed law.
		return fmt.Errorf("%d of %d laws %s with these settings (%s)", len(untested), len(checks), untestedWords(untested), strings.Join(untested, "; "))
	}
	return nil
}

// printChecks prints the table law, measured, predicted, tolerance, relation, margin,
// tolerance source and verdict, then each check's statement and experiment; it returns the
// number of failures and a line for each check not tested or unresolved (its effect within
// the tolerance of the null: the check could not have failed). Both exit 2, as bad settings.
func printChecks(w io.Writer, checks []analysis.Check) (fails int, untested []string) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "law\tmeasured\tpredicted\ttolerance\trelation\tmargin\ttolerance from\tverdict")
	for _, c := range checks {
		switch c.Verdict {
		case analysis.Fail:
			fails++
		case analysis.NotTested:
			untested = append(untested, c.ID+": "+c.Reason)
		case analysis.Unresolved:
			untested = append(untested, c.ID+" unresolved: "+c.Reason)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, g(c.Measured), g(c.Predicted), g(c.Tolerance), c.Relation, margin(c.Margin), c.Source, c.Verdict)
	}
	tw.Flush()
	for _, c := range checks {
		line := fmt.Sprintf("  %-18s %s: %s", c.ID, c.Claim, c.Experiment)
		if c.Verdict == analysis.NotTested {
			line += " — not tested: " + c.Reason
		} else if c.Basis != "" {
			line += " [tolerance: " + c.Basis + "]"
		}
		if c.Verdict == analysis.Unresolved {
			line += " — unresolved: " + c.Reason
		}
		fmt.Fprintln(w, line)
	}
	return fails, untested
}

// untestedWords says what the lines of printChecks are: "not tested", "unresolved" or both.
func untestedWords(lines []string) string {
	var n int
	for _, l := range lines {
		if strings.Contains(l, " unresolved: ") {
			n++
		}
	}
	switch n {
	case 0:
		return "not tested"
	case len(lines):
		return "unresolved"
	}
	return "not tested or unresolved"
}

// margin writes |m − p|/tol (or its analogue) with three digits.
func margin(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case math.IsInf(x, 1):
		return "∞"
	case x < 0:
		return "0"
	}
	return strings.Replace(fmt.Sprintf("%.3g", x), "e-0", "e-", 1)
}

func g(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.10g", x), "e-0", "e-", 1)
}

// runNetCheck checks the matrix laws on the network of --widths and the data of --data.
func runNetCheck(ctx *cli.Context) error {
	nr, err := setupNet(ctx, 0)
	if err != nil {
		return err
	}
	var s analysis.NetLawSettings
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"wd", &s.WeightDecay}, {"noise", &s.Noise}, {"lr", &s.LR}, {"rtol", &s.Rtol}, {"init-scale", &s.Scale}} {
		if *f.dst, err = finiteFlag(ctx, f.name, 0, true); err != nil {
			return err
		}
	}
	if s.Rtol < 2.3e-15 || s.Rtol > 1e-6 {
		return fmt.Errorf("--rtol %v: must be between 2.3e-15 and 1e-6", s.Rtol)
	}
	s.T = 1
	if ctx.IsSet("t-end") {
		if s.T, err = finiteFlag(ctx, "t-end", 0, true); err != nil {
			return err
		}
	}
	s.H = s.T / 100
	for _, f := range []struct {
		name string
		dst  *int
		min  int
	}{{"steps", &s.Steps, 1}, {"batch", &s.Batch, 1}} {
		if *f.dst = ctx.Int(f.name); *f.dst < f.min {
			return fmt.Errorf("--%s %d: must be ≥ %d", f.name, *f.dst, f.min)
		}
	}
	if !ctx.IsSet("steps") {
		s.Steps = 100
	}
	if ctx.IsSet("seeds") {
		// Single steps from one point, for the expected change of D_i under SGD and noisy GD.
		if s.Seeds = ctx.Int("seeds"); s.Seeds < 8 {
			return fmt.Errorf("--seeds %d: must be ≥ 8", s.Seeds)
		}
	}
	if n, _, _ := nr.set.Dims(); s.Batch >= n {
		return fmt.Errorf("--batch %d: must be below the %d samples (a full batch is GD, not SGD)", s.Batch, n)
	}
	s.Seed = ctx.Uint64("seed")
	name := fmt.Sprintf("%s-d%d", nr.set.Info.Source, len(nr.widths)-1)
	stop := ctx.Context.Done()
	prog := startProgress(ctx, "seeds")
	var done int64
	s.Lab = &analysis.NetLab{
		Stop: func() bool {
			select {
			case <-stop:
				return true
			default:
				return false
			}
		},
		SeedDone: func() { done++; prog.update(done, 0) },
	}
	checks := analysis.NetLaws(analysis.NetCase{Name: name, Widths: nr.widths, Data: nr.set}, s)
	prog.finish()
	fails, untested := printChecks(ctx.App.Writer, checks)
	if ctx.Context.Err() != nil {
		return &exitError{code: 130, msg: fmt.Sprintf("check: stopped by a signal after %d seeds; the table above holds the seeds done", done)}
	}
	if fails > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d laws failed", fails, len(checks))}
	}
	if len(untested) > 0 {
		return fmt.Errorf("%d of %d laws %s with these settings (%s)", len(untested), len(checks), untestedWords(untested), strings.Join(untested, "; "))
	}
	return nil
}
