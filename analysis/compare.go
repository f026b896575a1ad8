package analysis

import (
	"context"
	"fmt"
	"math"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Comparison holds the distance between gradient descent and two continuous models of it at
// equal times t = k·λ: the gradient flow ẇ = −∇F and the modified flow of package flow, Continuous models of the discrete methods.
type Comparison struct {
	LR    float64
	Steps int
	// GD, Flow and Modified are the three trajectories, all at t = k·λ, k = 0..Steps (GD's
	// may end early when it diverged).
	GD, Flow, Modified *flow.Trajectory
	// DistFlow[k] and DistModified[k] are ‖w_k − w(kλ)‖₂.
	DistFlow, DistModified []float64
	MaxFlow, MaxModified   float64
	// Stats of the two flow solves.
	FlowStats, ModifiedStats ode.Stats
	// ErrFlow and ErrModified estimate the global error of the two solves: the largest
	// ‖w(kλ) − w̃(kλ)‖₂ against w̃, the same flow solved with tolerances a hundred times
	// tighter (rtol/100 and atol/100, rtol at least 2·10⁻¹⁵, where the integrators stop).
	// Distances to a flow below its error are not resolved.
	ErrFlow, ErrModified float64
	// LossLevel is the level of the loss below which the losses of the two flows are
	// integrator error, not data: ½δW², with δW the largest |W(w(kλ)) − W(w̃(kλ))| of the
	// two flows, the error of the product W in their solves. Near a minimum of
	// L = ½(W − 1)² the computed loss is ½(W − 1 + δW)², and where the flow's loss falls
	// below ½δW² what is seen is δW (package flow, Gradient flows).
	LossLevel float64
	// Interrupted is true when the context stopped the comparison; the trajectories then end
	// where they stopped.
	Interrupted bool
}

// CompareSettings chooses the integrator of the flows. Zero values mean dop853, rtol 1e-10,
// atol 1e-12: the flows must be far more accurate than the distances they measure.
type CompareSettings struct {
	Method     string
	Rtol, Atol float64
	// MaxPoints bounds the points compared (≤ 0: every step): GD is then compared at every
	// s-th step, s = max(1, ⌈steps/(MaxPoints−2)⌉), and at its last, so that memory does not
	// grow with the steps; the maxima are over those points.
	MaxPoints int
	// Context stops the comparison when cancelled (Comparison.Interrupted); Progress is
	// told the GD steps done and the flow time reached.
	Context  context.Context
	Progress func(done, total float64)
}

// CompareGD runs full-batch GD (with weight decay obj.WeightDecay, no noise) from w0 for
// steps steps at learning rate lr, and integrates both flows with output at every t = k·λ.
func CompareGD(obj flow.Objective, w0 []float64, lr float64, steps int, s CompareSettings) (*Comparison, error) {
	if obj.Noise != 0 {
		return nil, fmt.Errorf("analysis: comparison with noise %v: the flows model full-batch GD only", obj.Noise)
	}
	if s.Method == "" {
		s.Method = "dop853"
	}
	if s.Rtol == 0 {
		s.Rtol = 1e-10
	}
	if s.Atol == 0 {
		s.Atol = 1e-12
	}
	var gd *flow.Trajectory
	var res *discrete.Result
	c := &Comparison{LR: lr}
	if s.MaxPoints > 0 || s.Context != nil {
		stride := 1
		if s.MaxPoints > 2 {
			stride = max(1, int((int64(steps)+int64(s.MaxPoints)-3)/int64(s.MaxPoints-2)))
		}
		gd = flow.NewTrajectory("gd", len(w0), min(steps/stride+2, 1<<16))
		out, err := Stream(RunSpec{Method: MethodGD, Objective: obj, Start: w0, LR: lr, Steps: steps, Record: stride},
			StreamOptions{Keep: func(_ int, t float64, w []float64) error { gd.Append(t, w); return nil }, Context: s.Context, Progress: s.Progress})
		if err != nil {
			return nil, err
		}
		gd.Status, gd.End, res = out.Status, out.End, out.Discrete
		c.Interrupted = out.Interrupted
	} else {
		var err error
		if gd, res, err = discrete.Run(discrete.Problem{Objective: obj}, w0, &discrete.Settings{LR: lr, Steps: steps}); err != nil {
			return nil, err
		}
	}
	c.Steps, c.GD = res.Steps, gd
	var err error
	out := make([]float64, gd.Len())
	copy(out, gd.T)
	t1 := out[len(out)-1]
	if t1 == 0 {
		return nil, fmt.Errorf("analysis: no GD step to compare")
	}
	// The flows through the dispatcher, their points at the times of the kept GD iterates.
	solve := func(method Method) (*flow.Trajectory, ode.Stats, error) {
		m, err := ode.NewMethod(s.Method)
		if err != nil {
			return nil, ode.Stats{}, err
		}
		tr := flow.NewTrajectory(method.String(), len(w0), len(out))
		st, err := Stream(RunSpec{Method: method, Objective: obj, Start: w0, LR: lr, T: t1, Solver: m,
			Settings: &ode.Settings{Rtol: s.Rtol, Atol: s.Atol, Output: out, MaxSteps: 10_000_000}},
			StreamOptions{Keep: func(_ int, t float64, w []float64) error { tr.Append(t, w); return nil },
				Context: s.Context, Progress: s.Progress})
		if err != nil {
			return nil, ode.Stats{}, err
		}
		tr.Status, tr.End = st.Status, st.End
		if st.Interrupted {
			c.Interrupted = true
		} else if err := st.Result.Err(); err != nil {
			return nil, st.Result.Stats, &IntegrationError{Label: method.String(), Err: err}
		}
		return tr, st.Result.Stats, nil
	}
	if c.Flow, c.FlowStats, err = solve(MethodFlow); err != nil {
		return nil, err
	}
	if c.Modified, c.ModifiedStats, err = solve(MethodModified); err != nil {
		return nil, err
	}
	c.DistFlow, c.MaxFlow = distances(gd, c.Flow)
	c.DistModified, c.MaxModified = distances(gd, c.Modified)

	// The global error of each solve, against a solve with tolerances a hundred times
	// tighter (Hairer, Nørsett & Wanner, Solving ODEs I, II.4: the error of a solution
	// estimated by a second one of higher accuracy).
	ref := s
	ref.Rtol, ref.Atol = math.Max(s.Rtol/100, 2e-15), s.Atol/100
	var dW float64
	for _, m := range []struct {
		f     ode.Func
		label string
		tr    *flow.Trajectory
		err   *float64
	}{{obj.Flow(), "flow", c.Flow, &c.ErrFlow}, {obj.ModifiedFlow(lr), "modified", c.Modified, &c.ErrModified}} {
		mt, err := ode.NewMethod(ref.Method)
		if err != nil {
			return nil, err
		}
		if c.Interrupted {
			*m.err = math.NaN()
			continue
		}
		rset := &ode.Settings{Rtol: ref.Rtol, Atol: ref.Atol, Output: out, MaxSteps: 10_000_000}
		if s.Context != nil {
			chk := newChecker(StreamOptions{Context: s.Context})
			rset.Observer = func(t float64, y []float64) bool {
				if chk.tick(len(y), t, t1) {
					c.Interrupted = true
					return true
				}
				return false
			}
		}
		rt, r, err := flow.Solve(m.f, m.label, w0, t1, rset, mt)
		if err != nil {
			return nil, err
		}
		if err := r.Err(); err != nil {
			return nil, &IntegrationError{Label: m.label + " (error estimate)", Err: err}
		}
		_, *m.err = distances(m.tr, rt)
		for k := range min(m.tr.Len(), rt.Len()) {
			dW = math.Max(dW, math.Abs(flow.Product(m.tr.At(k))-flow.Product(rt.At(k))))
		}
	}
	c.LossLevel = 0.5 * dW * dW
	if c.Interrupted {
		c.ErrFlow, c.ErrModified, c.LossLevel = math.NaN(), math.NaN(), 0
	}
	return c, nil
}

func distances(a, b *flow.Trajectory) ([]float64, float64) {
	n := min(a.Len(), b.Len())
	d := make([]float64, n)
	var m float64
	for k := 0; k < n; k++ {
		wa, wb := a.At(k), b.At(k)
		var s float64
		for i := range wa {
			s += (wa[i] - wb[i]) * (wa[i] - wb[i])
		}
		d[k] = math.Sqrt(s)
		m = math.Max(m, d[k])
	}
	return d, m
}

// Stability classifies how a GD run ended with respect to the bound λ < 2/S of package flow, Discrete steps.
type Stability struct {
	// Class is "settled" (converged to a minimum that was stable from the start), "escaped"
	// (started at a point sharper than 2/λ and converged to a flatter minimum), "oscillating"
	// (not converged, the product W stepping back and forth), "not converged" (still moving
	// one way: more steps are needed), or "diverged".
	Class string `json:"class"`
	// S0 and SEnd are the sharpness at the first and the last iterate; Limit = 2/λ.
	S0, SEnd, Limit float64
}

// ClassifyGD classifies the end of a GD run; converged means the last 10 steps moved the
// weights by less than 1e-9 relative.
func ClassifyGD(tr *flow.Trajectory, lr float64) Stability {
	st := Stability{Limit: 2 / lr, S0: flow.Sharpness(tr.At(0)), SEnd: flow.Sharpness(tr.Last())}
	if tr.End != flow.Completed {
		st.Class = "diverged"
		return st
	}
	n := tr.Len()
	converged := n >= 2
	for k := max(1, n-10); k < n; k++ {
		a, b := tr.At(k-1), tr.At(k)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-9*(1+math.Abs(b[i])) {
				converged = false
			}
		}
	}
	st.Class = stabilityClass(st, converged, !converged && alternating(tr))
	return st
}

// stabilityClass is the class of a GD run's end (see Stability) from whether its last steps
// converged and, if not, alternated.
func stabilityClass(st Stability, converged, alt bool) string {
	switch {
	case !converged && alt:
		return "oscillating"
	case !converged:
		return "not converged"
	case st.S0 >= st.Limit && st.SEnd < st.Limit:
		return "escaped"
	default:
		return "settled"
	}
}

// alternating reports whether the product W of the last 10 steps of tr moves back and forth:
// most consecutive steps change W in opposite directions.
func alternating(tr *flow.Trajectory) bool {
	n := tr.Len()
	if n < 4 {
		return false
	}
	flips, pairs := 0, 0
	for k := max(2, n-10); k < n; k++ {
		a := flow.Product(tr.At(k-1)) - flow.Product(tr.At(k-2))
		b := flow.Product(tr.At(k)) - flow.Product(tr.At(k-1))
		pairs++
		if a*b < 0 {
			flips++
		}
	}
	return 2*flips > pairs
}

// IntegrationError reports an integration that ended before its end time (a step limit, a
// step-size underflow, a non-finite state): a failed computation, not bad input.
type IntegrationError struct {
	Label string
	Err   error
}

func (e *IntegrationError) Error() string { return fmt.Sprintf("analysis: %s: %v", e.Label, e.Err) }
func (e *IntegrationError) Unwrap() error { return e.Err }
