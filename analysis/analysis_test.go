package analysis

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Every law of package flow (Gradient flows, Discrete steps), at depths 2, 3 and 5: conservation (round-off with
// Gauss–Legendre, drift falling with rtol with DOPRI5), decay rate 2μ, the weight-decay and
// noise minima, the GD per-step factors to round-off, and the decay under noisy GD and SGD in
// expectation. Each check carries its own tolerance from the integrator or the statistics.
func TestLaws(t *testing.T) {
	for _, w0 := range [][]float64{{2, 0.25}, {1.5, -0.7, 0.4}, {1.2, 0.9, 1.1, 0.8, 1.05}} {
		for _, c := range Laws(LawSettings{W0: w0, Steps: 1000, Seeds: 10}) {
			if c.Verdict != Pass {
				t.Errorf("%s: measured %.6g, predicted %.6g, tolerance %.3g (%s)", c.ID, c.Measured, c.Predicted, c.Tolerance, c.Experiment)
			}
		}
	}
}

// The audit tells the integrator's drift from a real change: the plain flow conserves D,
// weight decay does not.
func TestAuditVerdicts(t *testing.T) {
	w0 := []float64{2, 0.25}
	for _, tc := range []struct {
		obj  flow.Objective
		set  AuditSettings
		want Conservation
	}{
		{flow.Objective{Depth: 2}, AuditSettings{Method: "dopri5", Rtol: 1e-6}, Conserved},
		{flow.Objective{Depth: 2}, AuditSettings{Method: "dop853", Rtol: 1e-6}, Conserved},
		{flow.Objective{Depth: 2}, AuditSettings{Method: "gauss", FixedStep: 0.01}, Conserved},
		{flow.Objective{Depth: 2, Noise: 0.5}, AuditSettings{Method: "dopri5", Rtol: 1e-6}, Conserved},
		{flow.Objective{Depth: 2, WeightDecay: 0.1}, AuditSettings{Method: "dopri5", Rtol: 1e-6}, NotConserved},
		{flow.Objective{Depth: 2, WeightDecay: 0.1}, AuditSettings{Method: "gauss", FixedStep: 0.01}, NotConserved},
	} {
		a, err := AuditConservation(tc.obj, w0, 10, tc.set)
		if err != nil {
			t.Fatal(err)
		}
		if a.Verdict != tc.want {
			t.Errorf("%+v %+v: %v (drift %.3g, tight %.3g), want %v", tc.obj, tc.set, a.Verdict, a.MaxDrift, a.MaxTightDrift, tc.want)
		}
	}
}

// Phases: the plain flow and the expected-loss flow under noise move only across the level
// sets of W (no regularization phase); weight decay has a boundary, after which ‖D‖ decays
// at 2μ.
func TestPhases(t *testing.T) {
	w0 := []float64{2, 0.25}
	solve := func(obj flow.Objective) *flow.Trajectory {
		tr, r, err := flow.Solve(obj.Flow(), "flow", w0, 30, &ode.Settings{Rtol: 1e-10, Atol: 1e-12}, &ode.DOP853{})
		if err != nil || r.Err() != nil {
			t.Fatal(err, r.Err())
		}
		return tr
	}
	for _, obj := range []flow.Objective{{Depth: 2}, {Depth: 2, Noise: 0.5}} {
		if ph := Phases(solve(obj), 0, 1); ph.Found {
			t.Errorf("%+v: phase boundary at %v, want none", obj, ph.T)
		}
	}
	ph := Phases(solve(flow.Objective{Depth: 2, WeightDecay: 0.1}), 0, 1)
	if !ph.Found || ph.T <= 0 || ph.T > 2 || math.Abs(ph.RegRate-0.2) > 1e-6 {
		t.Errorf("weight decay: %+v", ph)
	}
}

// The phase boundary located on the dense output does not depend on the step grid: the same
// t* at every tolerance, to the tolerance; the indicator |v_t|² − |v_n|² vanishes there,
// is negative before and non-negative after; the grid boundary is within a step of it.
func TestFlowPhase(t *testing.T) {
	w0 := []float64{2, 0.25}
	T := 30.0
	solve := func(obj flow.Objective, rtol float64) (Phase, Phase, *flow.Trajectory, ode.Event) {
		ev := PhaseEvent(obj.Flow(), 2, rtol, rtol/100)
		tr, r, err := flow.Solve(obj.Flow(), "flow", w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, Events: []ode.Event{ev}}, &ode.DOP853{})
		if err != nil || r.Err() != nil {
			t.Fatal(err, r.Err())
		}
		return FlowPhase(tr, r, 0, ev, 0), Phases(tr, 0, 1), tr, ev
	}
	for _, obj := range []flow.Objective{{Depth: 2}, {Depth: 2, Noise: 0.5}} {
		if ph, _, _, _ := solve(obj, 1e-8); ph.Found {
			t.Errorf("%+v: phase boundary at %v, want none", obj, ph.T)
		}
	}
	wd := flow.Objective{Depth: 2, WeightDecay: 0.1}
	ref, _, _, _ := solve(wd, 1e-12)
	for _, rtol := range []float64{1e-6, 1e-8, 1e-10} {
		ph, grid, tr, ev := solve(wd, rtol)
		if !ph.Found || math.Abs(ph.T-ref.T) > 100*rtol {
			t.Errorf("rtol %g: t* = %v, at rtol 1e-12 %v", rtol, ph.T, ref.T)
		}
		k := ph.Index
		if k == 0 || tr.T[k-1] >= ph.T || tr.T[k] < ph.T || ev.Func(0, tr.At(k-1)) >= 0 {
			t.Errorf("rtol %g: t* = %v not between the last normal point and the next (index %d)", rtol, ph.T, k)
		}
		for j := k; j < tr.Len(); j++ {
			if ev.Func(0, tr.At(j)) < 0 {
				t.Errorf("rtol %g: motion normal again at t = %v after t* = %v", rtol, tr.T[j], ph.T)
				break
			}
		}
		if !grid.Found || math.Abs(grid.T-ph.T) > tr.T[k]-tr.T[k-1] {
			t.Errorf("rtol %g: grid boundary %v, dense %v, step %v", rtol, grid.T, ph.T, tr.T[k]-tr.T[k-1])
		}
		if math.Abs(ph.RegRate-0.2) > 1e-5 {
			t.Errorf("rtol %g: regularization rate %v, want 2μ = 0.2", rtol, ph.RegRate)
		}
		t.Logf("rtol %g: t* = %.10g (grid %.6g)", rtol, ph.T, grid.T)
	}
	// Run on until the state has converged (‖D‖ ≈ e^(−2μt)·‖D(0)‖ below the tolerance): the
	// integration error left in W must not pass for a last normal motion.
	T = 400
	if ph, _, _, _ := solve(wd, 1e-8); !ph.Found || math.Abs(ph.T-ref.T) > 1e-6 {
		t.Errorf("to t = 400: %+v, want t* = %v", ph, ref.T)
	}
}

// GD follows the flow to O(λ) and the modified flow to O(λ²) at fixed time.
func TestCompareOrders(t *testing.T) {
	lrs := []float64{0.04, 0.02, 0.01}
	var df, dm []float64
	for _, lr := range lrs {
		c, err := CompareGD(flow.Objective{Depth: 2}, []float64{2, 0.25}, lr, int(math.Round(1/lr)), CompareSettings{})
		if err != nil {
			t.Fatal(err)
		}
		df, dm = append(df, c.DistFlow[len(c.DistFlow)-1]), append(dm, c.DistModified[len(c.DistModified)-1])
	}
	if p := logslope(lrs, df); math.Abs(p-1) > 0.1 {
		t.Errorf("GD − flow ∝ λ^%.3f, want 1", p)
	}
	if p := logslope(lrs, dm); math.Abs(p-2) > 0.1 {
		t.Errorf("GD − modified flow ∝ λ^%.3f, want 2", p)
	}
}

// The error the comparison estimates for its flows covers the true error: from (2, 0.25)
// the flow of d = 2 conserves D = w1² − w2² and ends on the minimum with w1w2 = 1, so
// w1² = (D + √(D² + 4))/2 exactly; there the loss is 0 and every computed loss is error,
// which must lie under LossLevel.
func TestCompareErrorLevel(t *testing.T) {
	o := flow.Objective{Depth: 2}
	w0 := []float64{2, 0.25}
	c, err := CompareGD(o, w0, 0.05, 1000, CompareSettings{})
	if err != nil {
		t.Fatal(err)
	}
	d := w0[0]*w0[0] - w0[1]*w0[1]
	w1 := math.Sqrt((d + math.Sqrt(d*d+4)) / 2)
	end := c.Flow.Last()
	trueErr := math.Hypot(end[0]-w1, end[1]-1/w1)
	// The reference solve is a hundred times more accurate: the estimate is the true error
	// to about 1 %.
	if !(trueErr <= 1.1*c.ErrFlow) {
		t.Errorf("estimated error of the flow %.3g below its true error at the end %.3g", c.ErrFlow, trueErr)
	}
	if !(c.ErrFlow > 0 && c.ErrModified > 0) {
		t.Errorf("estimated errors %g, %g: want > 0 (the solves are not exact)", c.ErrFlow, c.ErrModified)
	}
	// After t = 10 the exact loss is below e^{−2·4·10}·L(0) < 10⁻³⁵: what is computed is error.
	for _, tr := range []*flow.Trajectory{c.Flow, c.Modified} {
		for k := range tr.Len() {
			if l := o.Loss(tr.At(k)); tr.T[k] > 10 && l > c.LossLevel {
				t.Fatalf("%s: loss %.3g at t = %g above the integrator's level %.3g", tr.Label, l, tr.T[k], c.LossLevel)
			}
		}
	}
	// And the level is the error's, not the data's: far below the loss at t = 1.
	if l := o.Loss(c.Flow.At(20)); !(c.LossLevel < 1e-6*l) {
		t.Errorf("level %.3g not far below the loss %.3g at t = 1", c.LossLevel, l)
	}
}

// The decay fit recovers a known rate exactly from a synthetic exponential.
func TestFitDecay(t *testing.T) {
	tr := flow.NewTrajectory("x", 2, 0)
	for k := 0; k <= 100; k++ {
		tt := 0.1 * float64(k)
		// w1² − w2² = 3·e^{−0.3t} with w2 = 1.
		tr.Append(tt, []float64{math.Sqrt(1 + 3*math.Exp(-0.3*tt)), 1})
	}
	f, err := FitDecay(tr, 0, 1, 0.3, 0)
	if err != nil || math.Abs(f.Rate-0.3) > 1e-12 || f.MaxRelDev > 1e-13 {
		t.Errorf("fit %+v, %v", f, err)
	}
	// An error of ε·|D| on every point moves the slope by at most ε·Σ|t − t̄|/Σ(t − t̄)²:
	// perturb by ±ε|D| with the sign of t − t̄, the worst case, and compare with Bound.
	const eps = 1e-6
	bad := flow.NewTrajectory("x", 2, 0)
	for k := 0; k <= 100; k++ {
		tt := 0.1 * float64(k)
		D := 3 * math.Exp(-0.3*tt)
		sgn := 1.0
		if tt < 5 {
			sgn = -1
		}
		bad.Append(tt, []float64{math.Sqrt(1 + D*(1+sgn*eps)), 1})
	}
	g, err := FitDecay(bad, 0, 1, 0.3, eps*3) // absErr ≥ eps·|D| at every point (|D| ≤ 3)
	if err != nil || math.Abs(g.Rate-0.3) > g.Bound || g.Bound > 1e-5 {
		t.Errorf("perturbed fit: rate %v, bound %v, %v", g.Rate, g.Bound, err)
	}
}

func TestClassifyGD(t *testing.T) {
	run := func(w0 []float64, lr float64) *flow.Trajectory {
		tr, _, err := discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, &discrete.Settings{LR: lr, Steps: 3000})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	lr := 1.05 * 2 / 16.06
	for _, tc := range []struct {
		w0    []float64
		lr    float64
		class string
	}{
		{[]float64{2, 0.25}, 0.05, "settled"},
		{[]float64{4, 0.26}, lr, "escaped"},
		{[]float64{2, 0.3}, 1.2, "diverged"},
	} {
		if st := ClassifyGD(run(tc.w0, tc.lr), tc.lr); st.Class != tc.class {
			t.Errorf("%v λ=%v: %s, want %s (%+v)", tc.w0, tc.lr, st.Class, tc.class, st)
		}
	}
}

// E[ρ²] in closed form against a Monte Carlo estimate over many independent batches and
// noise draws, at a fixed W (λ so small that the weights do not move).
func TestExpectedRho2(t *testing.T) {
	data, err := flow.Generate(32, 1, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	w := []float64{1.3, 0.7}
	for _, tc := range []struct {
		p     discrete.Problem
		batch int
	}{
		{discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: data}, 4},
		{discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: 0.4}, Data: data}, 0},
		{discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: 0.4}, Data: data}, 5},
		{discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: data}, 0},
	} {
		want, err := ExpectedRho2(tc.p, w, tc.batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := discrete.NewStepper(tc.p, w, &discrete.Settings{LR: 1e-300, Batch: tc.batch, Seed: 9, IndependentBatches: true})
		if err != nil {
			t.Fatal(err)
		}
		const n = 200000
		var s, s2 float64
		for k := 0; k < n; k++ {
			r := st.Step()
			s += r * r
			s2 += r * r * r * r
		}
		m := s / n
		// Without noise or batches ρ is deterministic: then only round-off separates the two.
		se := math.Sqrt(math.Max(s2/n-m*m, 0)/n) + 1e-12*want
		if !(math.Abs(m-want) <= 4*se) {
			t.Errorf("batch %d: Monte Carlo %.6g ± %.2g, closed form %.6g", tc.batch, m, se, want)
		}
	}
}
