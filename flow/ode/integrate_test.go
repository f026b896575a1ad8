package ode_test

import (
	"math"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

type namedMethod struct {
	name string
	new  func() ode.Method
	// order is the convergence order of the method with fixed steps.
	order float64
}

var methods = []namedMethod{
	{"dopri5", func() ode.Method { return &ode.DOPRI5{} }, 5},
	{"dop853", func() ode.Method { return &ode.DOP853{} }, 8},
	{"gauss", func() ode.Method { return &ode.GaussLegendre{} }, 4},
}

func maxErr(c testprob.Case, t float64, y []float64) float64 {
	ex := make([]float64, len(y))
	c.Exact(ex, t)
	var e float64
	for i := range y {
		e = math.Max(e, math.Abs(y[i]-ex[i]))
	}
	return e
}

// The achieved error follows the tolerance. Each accepted step commits a local error of at
// most sk = atol + rtol·|y|, so on these non-expanding problems the global error is at most
// Accepted·sk. DOPRI5 and DOP853 continue with the higher-order solution (local
// extrapolation), so their error falls like rtol: 10× tighter rtol, about 10× smaller error
// (log–log slope ≥ 0.85). Gauss–Legendre controls the error of the solution it keeps, so its
// global error falls like rtol^(p/(p+1)) = rtol^(4/5) (slope ≥ 0.6).
func TestToleranceProportionality(t *testing.T) {
	// The solutions stay of order 1, so that rtol (not atol) sets the error; from rtol 1e-6 on,
	// so that every method takes enough steps for its asymptotic behaviour.
	cases := []testprob.Case{testprob.ExpDecay(1, 2), testprob.Linear(5), testprob.Harmonic(20)}
	minSlope := map[string]float64{"dopri5": 0.85, "dop853": 0.85, "gauss": 0.6}
	rtols := []float64{1e-6, 1e-7, 1e-8, 1e-9, 1e-10}
	for _, m := range methods {
		for _, c := range cases {
			errs := make([]float64, len(rtols))
			for k, rtol := range rtols {
				r, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: rtol, Atol: rtol}, m.new())
				if err != nil || r.Status != ode.Success {
					t.Fatalf("%s %s rtol %g: %v %v", m.name, c.Name, rtol, err, r.Status)
				}
				if r.T != c.Problem.T1 {
					t.Errorf("%s %s: ended at %v, not exactly at %v", m.name, c.Name, r.T, c.Problem.T1)
				}
				errs[k] = maxErr(c, r.T, r.Y)
				if bound := float64(r.Stats.Accepted) * (rtol + rtol*1); errs[k] > bound {
					t.Errorf("%s %s rtol %g: error %.3g > Accepted·sk = %.3g", m.name, c.Name, rtol, errs[k], bound)
				}
			}
			t.Logf("%s %s: errors %.3g", m.name, c.Name, errs)
			if p := slope(rtols, errs); p < minSlope[m.name] {
				t.Errorf("%s %s: error ∝ rtol^%.3f, want exponent ≥ %v (errors %.3g)", m.name, c.Name, p, minSlope[m.name], errs)
			}
		}
	}
}

// The Arenstorf orbit returns to its initial point after one period. The orbit is
// ill-conditioned: a perturbation of the initial point grows by a factor G ≈ 2·10⁶ over the
// period (measured below at rtol 1e-13), so the returned point is within G·rtol, and the
// error falls by ≥ 100× from rtol 1e-7 to 1e-10.
func TestArenstorf(t *testing.T) {
	c := testprob.Arenstorf()
	tight := &ode.Settings{Rtol: 1e-13, Atol: 1e-13}
	ref, _ := ode.Integrate(c.Problem, tight, &ode.DOP853{})
	var growth float64
	for i := range c.Problem.Y0 {
		p := c.Problem
		p.Y0 = append([]float64(nil), p.Y0...)
		p.Y0[i] += 1e-9
		r, _ := ode.Integrate(p, tight, &ode.DOP853{})
		for j := range r.Y {
			growth = math.Max(growth, math.Abs(r.Y[j]-ref.Y[j])/1e-9)
		}
	}
	for _, m := range methods {
		var prev float64
		for k, rtol := range []float64{1e-7, 1e-10} {
			r, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: rtol, Atol: rtol}, m.new())
			if err != nil || r.Status != ode.Success {
				t.Fatalf("%s: %v %v", m.name, err, r.Status)
			}
			e := maxErr(c, c.Problem.T1, r.Y)
			if e > growth*rtol {
				t.Errorf("%s rtol %g: return error %.3g > G·rtol = %.3g", m.name, rtol, e, growth*rtol)
			}
			if k > 0 && e > prev/100 {
				t.Errorf("%s: return error %.3g at rtol %g, %.3g at 1e-7", m.name, e, rtol, prev)
			}
			prev = e
			t.Logf("%s rtol %g: return error %.3g (G = %.3g), %d evaluations, %d steps, %d rejected",
				m.name, rtol, e, growth, r.Stats.Evaluations, r.Stats.Steps, r.Stats.Rejected)
		}
	}
}

func slope(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i := range x {
		lx, ly := math.Log(x[i]), math.Log(y[i])
		sx, sy, sxx, sxy = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// The log–log slope of the global error against a fixed step size is the method's order.
func TestConvergenceOrder(t *testing.T) {
	c := testprob.Linear(2)
	steps := map[string][]float64{
		"dopri5": {0.2, 0.1, 0.05, 0.025},
		"dop853": {0.4, 0.2, 0.1, 0.05},
		"gauss":  {0.2, 0.1, 0.05, 0.025},
	}
	for _, m := range methods {
		hs := steps[m.name]
		errs := make([]float64, len(hs))
		for i, h := range hs {
			r, err := ode.Integrate(c.Problem, &ode.Settings{FixedStep: h}, m.new())
			if err != nil || r.Status != ode.Success {
				t.Fatalf("%s: %v %v", m.name, err, r.Status)
			}
			errs[i] = maxErr(c, r.T, r.Y)
		}
		if p := slope(hs, errs); math.Abs(p-m.order) > 0.25 {
			t.Errorf("%s: order %.3f, want %v (errors %.3g)", m.name, p, m.order, errs)
		}
	}
}

// Over 10⁴ steps Gauss–Legendre keeps quadratic invariants to round-off; DOPRI5 lets them drift
// by about its tolerance.
func TestQuadraticInvariants(t *testing.T) {
	cases := []struct {
		c testprob.Case
		h float64
	}{
		{testprob.Harmonic(1000), 0.1},
		{testprob.TwoWeight(2, 0.25, 100), 0.01},
		{testprob.TwoWeight(-1.5, 0.3, 100), 0.01},
	}
	for _, tc := range cases {
		c := tc.c
		i0 := c.Invariant(c.Problem.Y0)
		worst := 0.0
		obs := func(_ float64, y []float64) bool {
			worst = math.Max(worst, math.Abs(c.Invariant(y)-i0)/math.Abs(i0))
			return false
		}
		r, err := ode.Integrate(c.Problem, &ode.Settings{FixedStep: tc.h, Observer: obs}, &ode.GaussLegendre{})
		if err != nil || r.Status != ode.Success || r.Stats.Accepted != 10000 {
			t.Fatalf("%s: %v %v %+v", c.Name, err, r.Status, r.Stats)
		}
		if worst > 1e-13 {
			t.Errorf("gauss %s: invariant drift %.3g over 10⁴ steps", c.Name, worst)
		}
		// DOPRI5: each step moves the state by at most sk = atol + rtol·|y| off the level set
		// of the invariant, which changes a quadratic invariant by at most 2|y|·sk: the drift
		// is at most Σ 2|y|·sk over the accepted steps. It is there (not at round-off), and it
		// falls with the tolerance.
		var prev, bound float64
		for k, rtol := range []float64{1e-6, 1e-8} {
			worst, bound = 0, 0
			obs := func(_ float64, y []float64) bool {
				worst = math.Max(worst, math.Abs(c.Invariant(y)-i0)/math.Abs(i0))
				ny := math.Max(math.Abs(y[0]), math.Abs(y[1]))
				bound += 2 * ny * (rtol + rtol*ny) / math.Abs(i0)
				return false
			}
			r, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: rtol, Atol: rtol, Observer: obs}, &ode.DOPRI5{})
			if err != nil || r.Status != ode.Success {
				t.Fatalf("%s: %v %v", c.Name, err, r.Status)
			}
			if worst > bound || worst < 1e-4*rtol {
				t.Errorf("dopri5 %s rtol %g: drift %.3g, want between 1e-4·rtol and %.3g", c.Name, rtol, worst, bound)
			}
			if k > 0 && worst > prev/10 {
				t.Errorf("dopri5 %s: drift %.3g at rtol %g did not fall 10× from %.3g", c.Name, worst, rtol, prev)
			}
			t.Logf("%s: drift %.3g at rtol %g over %d steps", c.Name, worst, rtol, r.Stats.Accepted)
			prev = worst
		}
	}
}

// Dense output between steps matches the exact solution to the interpolant's order: one step
// from the exact state, the largest error inside the step falls as h^(q+1) for an interpolant
// of order q (DOPRI5 4, DOP853 7, Gauss–Legendre's cubic Hermite 3).
func TestDenseOutputOrder(t *testing.T) {
	c := testprob.Linear(1)
	want := map[string]float64{"dopri5": 5, "dop853": 8, "gauss": 4}
	for _, m := range methods {
		hs := []float64{0.1, 0.05, 0.025, 0.0125}
		if m.name == "dop853" {
			hs = []float64{0.8, 0.4, 0.2, 0.1}
		}
		errs := make([]float64, len(hs))
		for i, h := range hs {
			p := c.Problem
			p.T1 = h
			var out []float64
			for j := 1; j < 10; j++ {
				out = append(out, h*float64(j)/10)
			}
			r, err := ode.Integrate(p, &ode.Settings{FixedStep: h, Output: out}, m.new())
			if err != nil || r.Status != ode.Success || r.Stats.Steps != 1 {
				t.Fatalf("%s: %v %v", m.name, err, r.Status)
			}
			for k, tk := range r.OutputT {
				errs[i] = math.Max(errs[i], maxErr(c, tk, r.OutputY[k]))
			}
		}
		if p := slope(hs, errs); math.Abs(p-want[m.name]) > 0.3 {
			t.Errorf("%s: dense output error slope %.3f, want %v (errors %.3g)", m.name, p, want[m.name], errs)
		}
	}
}

// Output times come from the interpolant and do not change the steps taken.
func TestOutputDoesNotChangeSteps(t *testing.T) {
	c := testprob.Arenstorf()
	for _, m := range methods[:2] {
		set := &ode.Settings{Rtol: 1e-8, Atol: 1e-8}
		a, _ := ode.Integrate(c.Problem, set, m.new())
		set.Output = make([]float64, 1001)
		for i := range set.Output {
			set.Output[i] = c.Problem.T1 * float64(i) / 1000
		}
		b, _ := ode.Integrate(c.Problem, set, m.new())
		if a.Stats.Steps != b.Stats.Steps || a.Stats.Accepted != b.Stats.Accepted || a.Y[0] != b.Y[0] || a.Y[1] != b.Y[1] {
			t.Errorf("%s: output changed the integration: %+v vs %+v", m.name, a.Stats, b.Stats)
		}
		if len(b.OutputT) != 1001 || b.OutputT[1000] != c.Problem.T1 || b.OutputY[0][0] != c.Problem.Y0[0] {
			t.Errorf("%s: %d outputs", m.name, len(b.OutputT))
		}
	}
}

// An event whose function crosses zero twice inside one step is found both times.
func TestEventsTwoCrossingsInOneStep(t *testing.T) {
	// ẏ = 1, y(0) = 0: every method is exact, so a single step of 1 is accepted.
	p := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = 1 }, T1: 1, Y0: []float64{0}}
	g := func(_ float64, y []float64) float64 { return (y[0] - 0.4) * (y[0] - 0.6) }
	for _, m := range methods {
		for _, tc := range []struct {
			dir      int
			terminal bool
			want     []float64
			status   ode.Status
		}{
			{0, false, []float64{0.4, 0.6}, ode.Success},
			{+1, false, []float64{0.6}, ode.Success},
			{-1, false, []float64{0.4}, ode.Success},
			{0, true, []float64{0.4}, ode.EventStop},
			{+1, true, []float64{0.6}, ode.EventStop},
		} {
			// With FuncDy the step is screened on the Hermite interpolant at the same points,
			// which sees the dip below zero as the samples of Func would.
			screened := ode.Event{Func: g, Direction: tc.dir, Terminal: tc.terminal, FuncDy: func(t float64, y, _ []float64) float64 { return g(t, y) }}
			r, err := ode.Integrate(p, &ode.Settings{InitialStep: 1, Events: []ode.Event{{Func: g, Direction: tc.dir, Terminal: tc.terminal}}}, m.new())
			if err != nil {
				t.Fatal(err)
			}
			if rs, err := ode.Integrate(p, &ode.Settings{InitialStep: 1, Events: []ode.Event{screened}}, m.new()); err != nil || len(rs.Events) != len(r.Events) || rs.Status != r.Status {
				t.Errorf("%s dir %d: screened %v, %d events; sampled %v, %d", m.name, tc.dir, rs.Status, len(rs.Events), r.Status, len(r.Events))
			}
			if r.Stats.Accepted != 1 {
				t.Fatalf("%s: %d steps, want one", m.name, r.Stats.Accepted)
			}
			if r.Status != tc.status || len(r.Events) != len(tc.want) {
				t.Fatalf("%s dir %d: status %v, events %+v", m.name, tc.dir, r.Status, r.Events)
			}
			for i, w := range tc.want {
				if math.Abs(r.Events[i].T-w) > 1e-14 || math.Abs(r.Events[i].Y[0]-w) > 1e-14 {
					t.Errorf("%s: event %d at %v, want %v", m.name, i, r.Events[i].T, w)
				}
			}
			if tc.terminal && (math.Abs(r.T-tc.want[0]) > 1e-14 || math.Abs(r.Y[0]-tc.want[0]) > 1e-14) {
				t.Errorf("%s: terminal event stopped at t=%v y=%v", m.name, r.T, r.Y)
			}
		}
	}
}

// An event with FuncDy is screened: the oscillator's y1 = cos t crosses zero at π/2 + kπ; with
// FuncDy the crossings, the end state and the evaluations are those found by sampling Func in
// every step, to the bit, while Func is called only in the steps near a crossing. FuncDy gets
// the method's f at the ends of steps and the Hermite interpolant's derivative inside.
func TestEventScreen(t *testing.T) {
	c := testprob.Harmonic(20)
	for _, m := range methods {
		calls, dyCalls := 0, 0
		var dyErr float64
		g := func(_ float64, y []float64) float64 { calls++; return y[0] }
		ev := ode.Event{Func: g}
		r0, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-9, Atol: 1e-12, Events: []ode.Event{ev}}, m.new())
		if err != nil {
			t.Fatal(err)
		}
		sampled := calls
		calls = 0
		ev.FuncDy = func(_ float64, y, dy []float64) float64 {
			dyCalls++
			// dy approximates f(y) = (y2, −y1).
			dyErr = math.Max(dyErr, math.Max(math.Abs(dy[0]-y[1]), math.Abs(dy[1]+y[0])))
			return y[0]
		}
		ev.Margin = 0.05
		r1, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-9, Atol: 1e-12, Events: []ode.Event{ev}}, m.new())
		if err != nil {
			t.Fatal(err)
		}
		if r0.Stats != r1.Stats || r0.Y[0] != r1.Y[0] || r0.Y[1] != r1.Y[1] || len(r0.Events) != len(r1.Events) {
			t.Fatalf("%s: screened %+v %v, %d events; sampled %+v %v, %d", m.name, r1.Stats, r1.Y, len(r1.Events), r0.Stats, r0.Y, len(r0.Events))
		}
		for k := range r0.Events {
			if r0.Events[k].T != r1.Events[k].T || r0.Events[k].Direction != r1.Events[k].Direction {
				t.Errorf("%s: event %d screened %+v, sampled %+v", m.name, k, r1.Events[k], r0.Events[k])
			}
		}
		if len(r1.Events) != 6 {
			t.Errorf("%s: %d crossings of cos t in [0, 20], want 6", m.name, len(r1.Events))
		}
		if calls == 0 || calls > sampled/3 || dyCalls == 0 {
			t.Errorf("%s: Func called %d times screened, %d sampled; FuncDy %d", m.name, calls, sampled, dyCalls)
		}
		// The Hermite derivative is within O(h³) of f: far inside the margin.
		if dyErr > 1e-3 {
			t.Errorf("%s: FuncDy's dy off f by %g", m.name, dyErr)
		}
	}
}

// A value of g that is exactly zero at samples is a crossing only when g changes sign across
// it: g = 1, 0, 1 touches and is no event; g = 1, 0, −1 crosses once, at the first zero. A
// terminal event at the very end of the step stops with the step's end state.
func TestEventsExactZero(t *testing.T) {
	// ẏ = 1, y(0) = 0, steps of 0.25 sampled at eighths: g is exactly 0 at the samples in
	// [1, 2] (the samples are exact up to the interpolant's rounding).
	p := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = 1 }, T1: 3, Y0: []float64{0}}
	plateau := func(after float64) func(float64, []float64) float64 {
		return func(_ float64, y []float64) float64 {
			switch {
			case y[0] < 1:
				return 1
			case y[0] <= 2:
				return 0
			}
			return after
		}
	}
	for _, m := range methods {
		set := func(ev ode.Event) *ode.Settings {
			return &ode.Settings{InitialStep: 0.25, MaxStep: 0.25, EventSamples: 1, Events: []ode.Event{ev}}
		}
		r, err := ode.Integrate(p, set(ode.Event{Func: plateau(1)}), m.new())
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Events) != 0 {
			t.Errorf("%s: g = 1, 0, 1 gave events %+v, want none (a touch)", m.name, r.Events)
		}
		for _, dir := range []int{0, -1, +1} {
			r, err = ode.Integrate(p, set(ode.Event{Func: plateau(-1), Direction: dir}), m.new())
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if dir == +1 {
				want = 0
			}
			// The root is the first sample where g is exactly 0: t = 1, or the next sample
			// t = 1.125 when the interpolant gives y(1) a rounding below 1.
			if len(r.Events) != want || want == 1 && (r.Events[0].T < 1 || r.Events[0].T > 1.125 || r.Events[0].Direction != -1) {
				t.Errorf("%s direction %d: g = 1, 0, −1 gave events %+v, want %d falling in [1, 1.125]", m.name, dir, r.Events, want)
			}
		}
		// A terminal event whose root is the end of a step (y = 1 at t = 1, a step end).
		r, err = ode.Integrate(p, set(ode.Event{Func: func(_ float64, y []float64) float64 { return y[0] - 1 }, Terminal: true}), m.new())
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != ode.EventStop || math.Abs(r.T-1) > 1e-15 || math.Abs(r.Y[0]-1) > 1e-15 {
			t.Errorf("%s: terminal root at a step end: stopped %v at t = %v, y = %v", m.name, r.Status, r.T, r.Y)
		}
	}
}

// Events on a real trajectory: the harmonic oscillator's y1 = cos t crosses zero at π/2 + kπ.
// A root is located as accurately as the solution is computed: within the solution's error
// at the end (the oscillator's error grows with t).
func TestEventsHarmonic(t *testing.T) {
	c := testprob.Harmonic(10)
	g := func(_ float64, y []float64) float64 { return y[0] }
	for _, m := range methods {
		r, err := ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-10, Atol: 1e-10, Events: []ode.Event{{Func: g}}}, m.new())
		if err != nil || r.Status != ode.Success {
			t.Fatal(err, r.Status)
		}
		if len(r.Events) != 3 {
			t.Fatalf("%s: %d events, want 3", m.name, len(r.Events))
		}
		tol := math.Max(maxErr(c, r.T, r.Y), 1e-12)
		for k, e := range r.Events {
			want := math.Pi/2 + float64(k)*math.Pi
			if math.Abs(e.T-want) > tol || e.Direction != []int{-1, 1, -1}[k] {
				t.Errorf("%s: event %d at %v dir %d, want %v ± %.2g", m.name, k, e.T, e.Direction, want, tol)
			}
		}
	}
}

func TestObserver(t *testing.T) {
	c := testprob.Harmonic(10)
	for _, m := range methods {
		var n int
		r, _ := ode.Integrate(c.Problem, &ode.Settings{Observer: func(float64, []float64) bool { n++; return false }}, m.new())
		if n != r.Stats.Accepted+1 {
			t.Errorf("%s: observer saw %d states, want %d", m.name, n, r.Stats.Accepted+1)
		}
		n = 0
		r, _ = ode.Integrate(c.Problem, &ode.Settings{Observer: func(tt float64, _ []float64) bool { n++; return tt > 1 }}, m.new())
		if r.Status != ode.ObserverStop || r.T <= 1 || r.T >= c.Problem.T1 {
			t.Errorf("%s: observer stop: %v at %v", m.name, r.Status, r.T)
		}
	}
}

func TestStatuses(t *testing.T) {
	blowup := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = y[0] * y[0] }, T1: 2, Y0: []float64{1}}
	nan := ode.Problem{Func: func(dy []float64, tt float64, y []float64) {
		dy[0] = -y[0]
		if tt > 0.5 {
			dy[0] = math.NaN()
		}
	}, T1: 2, Y0: []float64{1}}
	for _, m := range methods {
		r, _ := ode.Integrate(blowup, nil, m.new())
		if r.Status != ode.StepTooSmall && r.Status != ode.NonFinite && r.Status != ode.NoConvergence || math.Abs(r.T-1) > 1e-3 {
			t.Errorf("%s: y' = y² stopped with %v at %v, want a failure near t = 1", m.name, r.Status, r.T)
		}
		if r.Err() == nil {
			t.Errorf("%s: no error for %v", m.name, r.Status)
		}
		r, _ = ode.Integrate(nan, nil, m.new())
		if r.Status != ode.NonFinite || r.T > 0.5 {
			t.Errorf("%s: NaN derivative gave %v at %v", m.name, r.Status, r.T)
		}
		c := testprob.Harmonic(100)
		r, _ = ode.Integrate(c.Problem, &ode.Settings{MaxSteps: 5}, m.new())
		if r.Status != ode.StepLimit || r.Stats.Steps != 5 {
			t.Errorf("%s: step limit gave %v after %d", m.name, r.Status, r.Stats.Steps)
		}
		// A fixed step so small that its count overflows an int ends at the step limit.
		r, _ = ode.Integrate(c.Problem, &ode.Settings{FixedStep: 1e-300, MaxSteps: 7}, m.new())
		if r.Status != ode.StepLimit || r.Stats.Steps != 7 {
			t.Errorf("%s: tiny fixed step gave %v after %d steps", m.name, r.Status, r.Stats.Steps)
		}
		// A derivative that is not finite at the start: the observer still sees y0.
		seen := 0
		bad := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = math.Inf(1) }, T1: 1, Y0: []float64{1}}
		r, _ = ode.Integrate(bad, &ode.Settings{Observer: func(float64, []float64) bool { seen++; return false }}, m.new())
		if r.Status != ode.NonFinite || seen != 1 {
			t.Errorf("%s: infinite derivative at t0: %v, observer saw %d states", m.name, r.Status, seen)
		}
	}
}

func TestBadSettings(t *testing.T) {
	c := testprob.Harmonic(1)
	for _, s := range []ode.Settings{
		{Rtol: -1}, {Atol: math.NaN()}, {MaxStep: -1}, {FixedStep: math.Inf(1)},
		{MaxSteps: -3}, {Output: []float64{0.5, 0.2}}, {Output: []float64{2}}, {Events: []ode.Event{{}}},
		{Rtol: 1e-17}, {RtolVec: []float64{1e-6, 1e-20}}, {Fac1: -1}, {Fac2: 0.5}, {Safety: 2}, {Beta: math.NaN()},
	} {
		if _, err := ode.Integrate(c.Problem, &s, &ode.DOPRI5{}); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
	p := c.Problem
	p.Y0 = []float64{math.NaN(), 0}
	if _, err := ode.Integrate(p, nil, &ode.DOPRI5{}); err == nil {
		t.Error("NaN initial state: no error")
	}
	// Ends that are finite, a span that is not: its steps would be NaN.
	p = c.Problem
	p.T0, p.T1 = -1e308, 1e308
	if _, err := ode.Integrate(p, nil, &ode.DOPRI5{}); err == nil || !strings.Contains(err.Error(), "longer than the largest float64") {
		t.Errorf("time span [-1e308, 1e308]: %v", err)
	}
}

// A fixed step whose stage equations cannot be solved is an attempted step that was not
// accepted: it counts as rejected (Steps = Accepted + Rejected).
func TestFixedStepNoConvergence(t *testing.T) {
	p := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = y[0] * y[0] * y[0] }, T1: 10, Y0: []float64{1}}
	r, err := ode.Integrate(p, &ode.Settings{FixedStep: 2}, &ode.GaussLegendre{})
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Stats; r.Status != ode.NoConvergence || st.Steps != 1 || st.Rejected != 1 || st.Accepted != 0 {
		t.Errorf("y' = y³ with fixed step 2: %v, %+v", r.Status, st)
	}
}

// Integration backward in time retraces the forward solution.
func TestBackward(t *testing.T) {
	c := testprob.Linear(3)
	for _, m := range methods {
		p := c.Problem
		ex := make([]float64, 2)
		c.Exact(ex, 3)
		p.T0, p.T1, p.Y0 = 3, 0, ex
		r, err := ode.Integrate(p, &ode.Settings{Rtol: 1e-10, Atol: 1e-12}, m.new())
		if err != nil || r.Status != ode.Success || r.T != 0 {
			t.Fatalf("%s: %v %v %v", m.name, err, r.Status, r.T)
		}
		if e := maxErr(c, 0, r.Y); e > 1e-8 {
			t.Errorf("%s: backward error %.3g", m.name, e)
		}
	}
}

// A stiff linear problem makes the DOPRI5 and DOP853 stiffness tests fire.
func TestStiffnessDetection(t *testing.T) {
	stiff := ode.Problem{Func: func(dy []float64, tt float64, y []float64) {
		dy[0] = -1000 * (y[0] - math.Cos(tt))
	}, T1: 20, Y0: []float64{0}}
	for _, m := range methods[:2] {
		r, _ := ode.Integrate(stiff, &ode.Settings{Rtol: 1e-6, Atol: 1e-6, StiffnessCheck: 10}, m.new())
		if !r.Stiff || !(r.StiffAt < 20) {
			t.Errorf("%s: stiffness not detected (%v)", m.name, r.Stats)
		}
		c := testprob.Arenstorf()
		r, _ = ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-8, Atol: 1e-8, StiffnessCheck: 10}, m.new())
		if r.Stiff {
			t.Errorf("%s: the Arenstorf orbit reported stiff at %v", m.name, r.StiffAt)
		}
	}
}

// Per-component tolerances are honoured: a loose tolerance on one component does not
// spoil the other.
func TestVectorTolerances(t *testing.T) {
	c := testprob.Harmonic(5)
	loose, _ := ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-3, Atol: 1e-3}, &ode.DOPRI5{})
	mixed, _ := ode.Integrate(c.Problem, &ode.Settings{RtolVec: []float64{1e-3, 1e-10}, AtolVec: []float64{1e-3, 1e-10}}, &ode.DOPRI5{})
	if mixed.Stats.Evaluations <= 2*loose.Stats.Evaluations {
		t.Errorf("a tight tolerance on y2 cost %d evaluations, loose %d", mixed.Stats.Evaluations, loose.Stats.Evaluations)
	}
	if e := maxErr(c, 5, mixed.Y); e > 1e-7 {
		t.Errorf("error %.3g with one tight component", e)
	}
}

// A step allocates nothing; a whole integration allocates a fixed amount, whatever its length.
func TestNoAllocationPerStep(t *testing.T) {
	for _, m := range methods {
		allocs := func(t1 float64) float64 {
			c := testprob.TwoWeight(2, 0.25, t1)
			meth := m.new()
			return testing.AllocsPerRun(5, func() {
				ode.Integrate(c.Problem, &ode.Settings{Rtol: 1e-8}, meth)
			})
		}
		if a, b := allocs(1), allocs(100); a != b {
			t.Errorf("%s: %v allocations for t=1, %v for t=100", m.name, a, b)
		}
		meth := m.new()
		c := testprob.TwoWeight(2, 0.25, 1)
		meth.Init(c.Problem.Func, 2)
		y, f0, y1, f1, dst := []float64{2, 0.25}, make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2)
		c.Problem.Func(f0, 0, y)
		var sc ode.Scale
		if a := testing.AllocsPerRun(100, func() {
			meth.Step(y1, 0, 0.01, y, f0, &sc)
			meth.Accept(f1, true)
			meth.Interpolate(dst, 0.005)
		}); a != 0 {
			t.Errorf("%s: %v allocations per step", m.name, a)
		}
	}
}

// A reused Workspace allocates nothing, events and output included, and gives the numbers
// of a fresh integration.
func TestWorkspaceNoAllocation(t *testing.T) {
	c := testprob.TwoWeight(2, 0.25, 20)
	out := []float64{1, 5, 10}
	ev := []ode.Event{{Func: func(_ float64, y []float64) float64 { return y[1] - 0.4 }}}
	for _, m := range methods {
		set := &ode.Settings{Rtol: 1e-8, Output: out, Events: ev}
		want, err := ode.Integrate(c.Problem, set, m.new())
		if err != nil {
			t.Fatal(err)
		}
		var ws ode.Workspace
		meth := m.new()
		var got *ode.Result
		if a := testing.AllocsPerRun(10, func() { got, _ = ws.Integrate(c.Problem, set, meth) }); a != 0 {
			t.Errorf("%s: %v allocations per solve with a reused workspace", m.name, a)
		}
		if got.Stats != want.Stats || got.Y[0] != want.Y[0] || got.Y[1] != want.Y[1] || len(got.Events) != 1 ||
			got.Events[0].T != want.Events[0].T || got.OutputY[2][0] != want.OutputY[2][0] {
			t.Errorf("%s: workspace gives %+v %v %+v, fresh %+v %v %+v", m.name, got.Stats, got.Y, got.Events, want.Stats, want.Y, want.Events)
		}
	}
}

// DOP853 builds its 7th-order dense output (3 evaluations) only for the steps that hold an
// output time or a crossing of an event: without them it makes Hairer's evaluation count.
func TestDOP853DenseOnlyWhenNeeded(t *testing.T) {
	c := testprob.TwoWeight(2, 0.25, 20)
	run := func(s ode.Settings) *ode.Result {
		s.Rtol, s.Atol = 1e-6, 1e-6
		r, err := ode.Integrate(c.Problem, &s, &ode.DOP853{})
		if err != nil || r.Status != ode.Success {
			t.Fatal(err, r.Status)
		}
		return r
	}
	base := run(ode.Settings{})
	if base.Stats.Evaluations != 263 {
		t.Fatalf("%d evaluations, Hairer's DOP853 makes 263", base.Stats.Evaluations)
	}
	// No crossing: the Hermite look suffices.
	quiet := run(ode.Settings{Events: []ode.Event{{Func: func(_ float64, y []float64) float64 { return y[0] + 1 }}}})
	// One crossing of w2 = 0.4, and one output time inside a step.
	cross := run(ode.Settings{Events: []ode.Event{{Func: func(_ float64, y []float64) float64 { return y[1] - 0.4 }}}})
	out := run(ode.Settings{Output: []float64{1.2345}})
	for _, tc := range []struct {
		name  string
		r     *ode.Result
		extra int
	}{{"no crossing", quiet, 0}, {"one crossing", cross, 3}, {"one output time", out, 3}} {
		if tc.r.Stats.Evaluations != base.Stats.Evaluations+tc.extra || tc.r.Stats.Steps != base.Stats.Steps {
			t.Errorf("%s: %d evaluations in %d steps, want %d+%d in %d", tc.name, tc.r.Stats.Evaluations, tc.r.Stats.Steps,
				base.Stats.Evaluations, tc.extra, base.Stats.Steps)
		}
	}
	if len(cross.Events) != 1 || math.Abs(cross.Events[0].Y[1]-0.4) > 1e-12 {
		t.Errorf("crossing of w2 = 0.4: %+v", cross.Events)
	}
}
