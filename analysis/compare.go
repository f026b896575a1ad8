package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"

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
	// Points is the number of compared points. GDStatus and GDEnd say how GD ended (GD may
	// diverge before Steps), FlowStatus, FlowEnd, ModifiedStatus and ModifiedEnd how the
	// two solves did.
	Points                      int
	GDStatus, FlowStatus        string
	ModifiedStatus              string
	GDEnd, FlowEnd, ModifiedEnd flow.End
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
	// Record compares at every Record-th step at least (≤ 1: every step the budget allows).
	Record int
	// Context stops the comparison when cancelled (Comparison.Interrupted); Progress is
	// told the GD steps done and the flow time reached.
	Context  context.Context
	Progress func(done, total float64)
}

// ComparePoint is one point of a comparison: GD's iterate K at T = K·λ, the two flows at
// T and their reference solves (tolerances a hundred times tighter), which estimate the
// flows' errors. The slices belong to the comparison: valid during the call only.
type ComparePoint struct {
	K                        int
	T                        float64
	GD, Flow, Modified       []float64
	FlowRef, ModifiedRef     []float64
	DistFlow, DistModified   float64
	ErrFlowAt, ErrModifiedAt float64 // ‖Flow − FlowRef‖₂, ‖Modified − ModifiedRef‖₂
}

// CompareGD runs full-batch GD (with weight decay obj.WeightDecay, no noise) from w0 for
// steps steps at learning rate lr, and integrates both flows with output at every t = k·λ.
// It keeps the three trajectories at the compared points: CompareStream keeps none.
func CompareGD(obj flow.Objective, w0 []float64, lr float64, steps int, s CompareSettings) (*Comparison, error) {
	if obj.Noise != 0 {
		return nil, fmt.Errorf("analysis: comparison with noise %v: the flows model full-batch GD only", obj.Noise)
	}
	n := steps + 1
	if s.MaxPoints > 2 {
		n = min(n, s.MaxPoints)
	}
	n = min(n, 1<<16)
	gd, fl, md := flow.NewTrajectory("gd", len(w0), n), flow.NewTrajectory("flow", len(w0), n), flow.NewTrajectory("modified", len(w0), n)
	var dF, dM []float64
	c, err := CompareStream(obj, w0, lr, steps, s, func(p *ComparePoint) error {
		gd.Append(p.T, p.GD)
		fl.Append(p.T, p.Flow)
		md.Append(p.T, p.Modified)
		dF, dM = append(dF, p.DistFlow), append(dM, p.DistModified)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.Points == 0 { // interrupted before the first point: the common start
		for _, tr := range []*flow.Trajectory{gd, fl, md} {
			tr.Append(0, w0)
		}
		dF, dM = []float64{0}, []float64{0}
	}
	gd.Status, gd.End = c.GDStatus, c.GDEnd
	fl.Status, fl.End = c.FlowStatus, c.FlowEnd
	md.Status, md.End = c.ModifiedStatus, c.ModifiedEnd
	c.GD, c.Flow, c.Modified = gd, fl, md
	c.DistFlow, c.DistModified = dF, dM
	return c, nil
}

// lane is one run of a comparison, stepped in lockstep with the others: Keep hands over each
// point and waits until the comparison has used it.
type lane struct {
	w     []float64
	k     int
	t     float64
	ready chan struct{} // a point is in w; closed when the run has ended
	next  chan bool     // false: stop the run
	out   *Streamed
	err   error
}

// errLockstep stops a lane whose comparison has ended.
var errLockstep = errors.New("analysis: comparison ended")

func (ln *lane) keep(k int, t float64, w []float64) error {
	copy(ln.w, w)
	ln.k, ln.t = k, t
	ln.ready <- struct{}{}
	if !<-ln.next {
		return errLockstep
	}
	return nil
}

// ownModel returns m for a run of its own: a Net has scratch buffers and is cloned.
func ownModel(m flow.Model) flow.Model {
	if n, ok := m.(*flow.Net); ok {
		return n.Clone()
	}
	return m
}

// CompareStream compares full-batch GD (with the model's weight decay; no noise) from w0,
// steps steps at learning rate lr, with the gradient flow and the modified flow of m from
// the same start at the times t = k·λ of the compared iterates: every s-th step and the last,
// s = max(1, Record, ⌈steps/(MaxPoints−2)⌉) (MaxPoints ≤ 2: s = max(1, Record)). GD runs
// once to find where it ends (it may diverge), then GD, both flows and their reference solves
// run side by side, each through Stream, and point receives every compared point as it is
// reached: memory holds five states and the times of the compared points (one number each,
// bounded by MaxPoints), whatever the steps. The Comparison it returns has the
// maxima, the error estimates and the statistics, and no trajectories.
//
// For the scalar network (flow.Objective) every number is the one of the run dispatcher's
// GD and flows, to the bit. Interrupted by s.Context, it returns the points compared so far.
func CompareStream(m flow.Model, w0 []float64, lr float64, steps int, s CompareSettings, point func(*ComparePoint) error) (*Comparison, error) {
	obj, scalar := m.(flow.Objective)
	if l, ok := m.(flow.Layered); ok {
		if _, sigma := l.Regularizers(); sigma != 0 {
			return nil, fmt.Errorf("analysis: comparison with noise %v: the flows model full-batch GD only", sigma)
		}
	}
	if len(w0) != m.Dim() {
		return nil, fmt.Errorf("analysis: %d initial weights for %d parameters", len(w0), m.Dim())
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
	stride := max(1, s.Record)
	if s.MaxPoints > 2 {
		stride = RecordStride(steps, stride, s.MaxPoints)
	}
	spec := func(method Method) RunSpec {
		r := RunSpec{Method: method, Start: w0, LR: lr, Steps: steps, Record: stride}
		if scalar {
			r.Objective = obj
		} else {
			r.Model = ownModel(m)
		}
		return r
	}
	var progress func(done, total float64)
	if s.Progress != nil {
		progress = func(done, total float64) { s.Progress(done/2, total) }
	}
	// GD alone first: the times of its compared iterates, which are the flows' output times.
	var times []float64
	pre, err := Stream(spec(MethodGD), StreamOptions{Context: s.Context, Progress: progress,
		Keep: func(_ int, t float64, _ []float64) error { times = append(times, t); return nil }})
	if err != nil {
		return nil, err
	}
	c := &Comparison{LR: lr, Steps: pre.Discrete.Steps, GDStatus: pre.Status, GDEnd: pre.End, Interrupted: pre.Interrupted}
	if pre.Interrupted {
		c.MaxFlow, c.MaxModified, c.ErrFlow, c.ErrModified = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return c, nil
	}
	t1 := times[len(times)-1]
	if t1 == 0 {
		return nil, fmt.Errorf("analysis: GD at λ = %g left its bound at its first step: no step to compare", lr)
	}

	// The five runs.
	ref := s
	ref.Rtol, ref.Atol = math.Max(s.Rtol/100, 2e-15), s.Atol/100
	specs := []RunSpec{spec(MethodGD)}
	for _, r := range []struct {
		method Method
		cs     CompareSettings
	}{{MethodFlow, s}, {MethodModified, s}, {MethodFlow, ref}, {MethodModified, ref}} {
		solver, err := ode.NewMethod(r.cs.Method)
		if err != nil {
			return nil, err
		}
		if g, ok := solver.(*ode.GaussLegendre); ok && m.Dim() > 2000 {
			g.FixedPoint = true // no n×n Jacobian for large nets
		}
		sp := spec(r.method)
		sp.Steps, sp.Record, sp.T, sp.Solver = 0, 0, t1, solver
		sp.Settings = &ode.Settings{Rtol: r.cs.Rtol, Atol: r.cs.Atol, Output: times, MaxSteps: 10_000_000}
		specs = append(specs, sp)
	}
	lanes := make([]*lane, len(specs))
	for i, sp := range specs {
		ln := &lane{w: make([]float64, len(w0)), ready: make(chan struct{}), next: make(chan bool)}
		lanes[i] = ln
		opt := StreamOptions{Keep: ln.keep, Context: s.Context}
		if i == 0 && s.Progress != nil {
			opt.Progress = func(done, total float64) { s.Progress(total/2+done/2, total) }
		}
		go func() {
			defer close(ln.ready)
			ln.out, ln.err = Stream(sp, opt)
		}()
	}
	// Lockstep: a point of every lane, then the next.
	var dW float64
	var userErr error
	p := &ComparePoint{}
	delivered, ended := make([]bool, len(lanes)), make([]bool, len(lanes))
	for {
		got := 0
		for i, ln := range lanes {
			_, delivered[i] = <-ln.ready
			// A flow that stops early (interrupted, or failed) hands over where it stopped,
			// not an output time, as its last point: that point ends the comparison, it is
			// not compared.
			ended[i] = delivered[i] && ln.t != lanes[0].t
			if delivered[i] && !ended[i] {
				got++
			}
		}
		if got == len(lanes) {
			g, f, md, fr, mr := lanes[0], lanes[1], lanes[2], lanes[3], lanes[4]
			*p = ComparePoint{K: g.k, T: g.t, GD: g.w, Flow: f.w, Modified: md.w, FlowRef: fr.w, ModifiedRef: mr.w}
			p.DistFlow, p.DistModified = dist(g.w, f.w), dist(g.w, md.w)
			p.ErrFlowAt, p.ErrModifiedAt = dist(f.w, fr.w), dist(md.w, mr.w)
			c.MaxFlow, c.MaxModified = math.Max(c.MaxFlow, p.DistFlow), math.Max(c.MaxModified, p.DistModified)
			c.ErrFlow, c.ErrModified = math.Max(c.ErrFlow, p.ErrFlowAt), math.Max(c.ErrModified, p.ErrModifiedAt)
			if scalar {
				dW = math.Max(dW, math.Abs(flow.Product(f.w)-flow.Product(fr.w)))
				dW = math.Max(dW, math.Abs(flow.Product(md.w)-flow.Product(mr.w)))
			}
			c.Points++
			if point != nil {
				userErr = point(p)
			}
			if userErr == nil {
				for _, ln := range lanes {
					ln.next <- true
				}
				continue
			}
		}
		// A lane has ended (all of them at the end) or point failed: stop the lanes that
		// wait and let every run end.
		for i, ln := range lanes {
			if delivered[i] {
				// A lane at its last point goes on to end its run and report how it ended;
				// the others stop.
				ln.next <- ended[i]
			}
		}
		for _, ln := range lanes {
			for range ln.ready {
				ln.next <- false
			}
		}
		break
	}
	if userErr != nil {
		return nil, userErr
	}
	labels := []string{"gd", "flow", "modified", "flow (error estimate)", "modified (error estimate)"}
	for i, ln := range lanes {
		if ln.err != nil && ln.err != errLockstep {
			return nil, ln.err
		}
		if ln.out == nil {
			continue
		}
		if ln.out.Interrupted {
			c.Interrupted = true
		} else if i > 0 && ln.out.Result != nil {
			if err := ln.out.Result.Err(); err != nil {
				return nil, &IntegrationError{Label: labels[i], Err: err}
			}
		}
	}
	// A comparison that ended before its last point while the context was cancelled was
	// interrupted, whichever lane saw it first: a lane told to stop by the lockstep (its
	// run's end is not its own) does not say so itself.
	if c.Points < len(times) && s.Context != nil && s.Context.Err() != nil {
		c.Interrupted = true
	}
	for i, st := range []*ode.Stats{&c.FlowStats, &c.ModifiedStats} {
		if out := lanes[i+1].out; out != nil && out.Result != nil {
			*st = out.Result.Stats
			if i == 0 {
				c.FlowStatus, c.FlowEnd = out.Status, out.End
			} else {
				c.ModifiedStatus, c.ModifiedEnd = out.Status, out.End
			}
		}
	}
	c.LossLevel = 0.5 * dW * dW
	if !scalar {
		c.LossLevel = math.NaN()
	}
	if c.Interrupted {
		c.ErrFlow, c.ErrModified, c.LossLevel = math.NaN(), math.NaN(), 0
	}
	return c, nil
}

// dist returns ‖a − b‖₂.
func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
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
	converged, alt := lastSteps(tr.Len(), tr.At)
	st.Class = stabilityClass(st, converged, alt)
	return st
}

// lastSteps reports whether the last 10 steps of a run of n iterates (iterate k from at)
// converged, every weight moving by less than 1e-9 relative, and whether they alternated:
// most consecutive steps change the product W in opposite directions.
func lastSteps(n int, at func(k int) []float64) (converged, alt bool) {
	converged = n >= 2
	for k := max(1, n-10); k < n; k++ {
		a, b := at(k-1), at(k)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-9*(1+math.Abs(b[i])) {
				converged = false
			}
		}
	}
	if n < 4 {
		return converged, false
	}
	flips, pairs := 0, 0
	for k := max(2, n-10); k < n; k++ {
		a := flow.Product(at(k-1)) - flow.Product(at(k-2))
		b := flow.Product(at(k)) - flow.Product(at(k-1))
		pairs++
		if a*b < 0 {
			flips++
		}
	}
	return converged, 2*flips > pairs
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

// IntegrationError reports an integration that ended before its end time (a step limit, a
// step-size underflow, a non-finite state): a failed computation, not bad input.
type IntegrationError struct {
	Label string
	Err   error
}

func (e *IntegrationError) Error() string { return fmt.Sprintf("analysis: %s: %v", e.Label, e.Err) }
func (e *IntegrationError) Unwrap() error { return e.Err }
