package analysis

import (
	"math"
	"sort"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Phase is the boundary between the optimization and the regularization phase of a run
// (see the package documentation for the definition).
type Phase struct {
	// Found is false when the run never enters a final regularization phase.
	Found bool    `json:"found"`
	T     float64 `json:"t"`
	Index int     `json:"index"`
	// Loss and Imbalance (‖D‖) at the boundary.
	Loss      float64 `json:"loss"`
	Imbalance float64 `json:"imbalance"`
	// RegRate is the fitted decay rate of ‖D‖ over the regularization phase (NaN if it has
	// fewer than 3 points or ‖D‖ vanishes).
	RegRate float64 `json:"regularization_rate"`
}

// Phases finds the phase boundary of tr, measuring displacements over window points (1 for
// continuous runs; larger for noisy discrete ones; ≤ 0 means 1). c is the loss floor.
func Phases(tr *flow.Trajectory, c float64, window int) Phase {
	window = max(window, 1)
	d := tr.Depth
	g := make([]float64, d)
	n := tr.Len()
	start := -1 // start of the current tangential stretch
	last := -1
	for k := 0; k+window < n; k++ {
		w, w1 := tr.At(k), tr.At(k+window)
		flow.Partials(g, w)
		var gg, dg, dd float64
		for i := range g {
			dw := w1[i] - w[i]
			gg += g[i] * g[i]
			dg += dw * g[i]
			dd += dw * dw
		}
		if gg == 0 || dd == 0 {
			continue // at a saddle with g = 0, or not moving: no information
		}
		vn2 := dg * dg / gg
		vt2 := dd - vn2
		if vt2 < 0 { // round-off; not math.Max, which does not inline
			vt2 = 0
		}
		if vt2 >= vn2 {
			if start < 0 {
				start = k
			}
		} else {
			start = -1
		}
		last = k
	}
	if last < 0 || start < 0 {
		return Phase{RegRate: math.NaN()}
	}
	return phaseAt(tr, c, start, tr.T[start], tr.At(start))
}

// phaseAt fills in a Phase whose boundary is at time t, state w, with index the first point
// of tr at or after it, and fits the decay rate of ‖D‖ from there on.
func phaseAt(tr *flow.Trajectory, c float64, index int, t float64, w []float64) Phase {
	d, n := tr.Depth, tr.Len()
	obj := flow.Objective{Depth: d, C: c}
	D := make([]float64, d-1)
	ph := Phase{Found: true, T: t, Index: index, RegRate: math.NaN()}
	ph.Loss = obj.Loss(w)
	ph.Imbalance = flow.Imbalance(D, w)
	// Fit ln‖D‖ over the regularization phase.
	var fit lineFit
	for k := index; k < n; k++ {
		nd := flow.Imbalance(D, tr.At(k))
		if nd <= 1e-12*ph.Imbalance || nd == 0 {
			continue
		}
		fit.add(tr.T[k], math.Log(nd))
	}
	ph.RegRate = fit.decay()
	return ph
}

// lineFit holds the sums of the least-squares line through points (t, y): the fit of ln‖D‖
// of phaseAt, of the streamed flow's tracker and of PhaseTracker, which must agree to the bit.
// Every product is rounded before it is added (the conversions float64(·)): a build that fuses
// multiply-adds (GOAMD64=v3) gives the same sums as any other.
type lineFit struct{ m, sx, sy, sxx, sxy float64 }

func (f *lineFit) add(t, y float64) {
	f.m, f.sx, f.sy, f.sxx, f.sxy = f.m+1, f.sx+t, f.sy+y, f.sxx+float64(t*t), f.sxy+float64(t*y)
}

// decay returns minus the slope of the line, NaN with fewer than 3 points or no spread in t.
func (f *lineFit) decay() float64 {
	if den := float64(f.m*f.sxx) - float64(f.sx*f.sx); f.m >= 3 && den > 0 {
		return -(float64(f.m*f.sxy) - float64(f.sx*f.sy)) / den
	}
	return math.NaN()
}

// PhaseEvent returns an event of the flow ẇ = f(w) whose value has the sign of |v_t|² − |v_n|²
// for the velocity v = f(w): it is (|v_t|² − |v_n|²)/|v|², between −1 (normal motion) and 1
// (tangential). Integrated with it, a flow's phase boundary is located on the dense output to
// the integrator's accuracy (FlowPhase), not on its step grid.
//
// The value is 0, no information, where g vanishes or where the flow has come to rest to
// within what the integration resolves: |v| ≤ 100·(1 + |g|²)·(atol + rtol·|w|), a hundred
// times the change of v = −∇F across a state error of the integrator's tolerance (|g|² is
// the normal curvature of the loss; the integration error of a long run exceeds one step's
// tolerance, and 10 times was seen to be too little), or below the rounding errors of ∇F. Without that floor the last direction of a
// run that has converged would be that of its integration error. rtol and atol are those of
// the integration (0 for the round-off floor only). The event owns scratch buffers: use it in
// one integration at a time.
//
// The event has FuncDy, the same value from a given velocity: the integrator takes the value
// at the end of each step from its own evaluation of f there, and skips the samples inside a
// step when the value on the step's cubic Hermite interpolant stays beyond PhaseMargin on
// one side (ode.Event.FuncDy): the velocity there is the interpolant's derivative, within a
// relative O(h³) of f, far inside the margin on any step the integrator accepts.
func PhaseEvent(f ode.Func, d int, rtol, atol float64) ode.Event {
	return new(PhaseEvents).Event(f, d, rtol, atol)
}

// PhaseEvents makes the events of PhaseEvent one at a time, with the same scratch and the same
// functions: a run of many integrations builds none per integration (PhaseEvent is one
// PhaseEvents' first event). The event that Event
// returns is valid until its next call. The zero PhaseEvents is ready to use; a PhaseEvents
// must not be copied after its first use (the events hold a pointer to it).
type PhaseEvents struct {
	p  phaseEvent
	f  ode.Func
	ev ode.Event
}

// Event returns PhaseEvent(f, d, rtol, atol), the same values from the same arguments.
func (e *PhaseEvents) Event(f ode.Func, d int, rtol, atol float64) ode.Event {
	if e.ev.Func == nil {
		p := &e.p
		e.ev = ode.Event{
			Func: func(t float64, w []float64) float64 {
				e.f(p.v, t, w)
				return p.value(w, p.v)
			},
			FuncDy: func(_ float64, w, dw []float64) float64 { return p.value(w, dw) },
			Margin: PhaseMargin,
		}
	}
	if cap(e.p.v) < d {
		e.p.v, e.p.g = make([]float64, d), make([]float64, d)
	}
	e.f, e.p.v, e.p.g, e.p.rtol, e.p.atol = f, e.p.v[:d], e.p.g[:d], rtol, atol
	return e.ev
}

// phaseEvent holds the scratch and the tolerances of a PhaseEvent.
type phaseEvent struct {
	v, g       []float64
	rtol, atol float64
}

// value is PhaseEvent's value at w for the velocity v.
func (p *phaseEvent) value(w, v []float64) float64 {
	var gg, vg, vv, ww, W float64
	if len(w) == 2 && len(v) == 2 {
		// Partials and Product of depth 2, (w1, w0) and w0·w1, and the sums below, written out.
		w0, w1, v0, v1 := w[0], w[1], v[0], v[1]
		gg = 0 + w1*w1 + w0*w0
		vg = 0 + v0*w1 + v1*w0
		vv = 0 + v0*v0 + v1*v1
		ww = 0 + w0*w0 + w1*w1
		W = w0 * w1
	} else {
		g := p.g[:len(w)]
		flow.Partials(g, w)
		v = v[:len(w)]
		for i := range v {
			gg += g[i] * g[i]
			vg += v[i] * g[i]
			vv += v[i] * v[i]
			ww += w[i] * w[i]
		}
		W = flow.Product(w)
	}
	u := 64 * unitRoundoff
	// The floor tol = c·(atol + rtol·√ww), c = 100·(1 + gg), is first compared through its
	// bound b with 1 + ww for √ww, which needs no square root: the rounded √ww is at most
	// √ww·(1+u) ≤ (1 + ww)·(1−u), at most the rounded 1 + ww, and rounding is monotone, so with
	// rtol, atol ≥ 0 b and b² are at least tol and tol² as rounded. Only a velocity that does not
	// pass b is compared with tol itself: the same test, the same value.
	c := 100 * (1 + gg)
	b := c * (p.atol + p.rtol*(1+ww))
	switch {
	case gg == 0 || !(vv > u*u*(gg*(1+W*W)+ww)):
		return 0
	case !(p.rtol >= 0 && p.atol >= 0 && vv > b*b) && !(vv > square(c*(p.atol+p.rtol*math.Sqrt(ww)))):
		return 0
	default:
		vn2 := vg * vg / gg
		vt2 := vv - vn2
		return (vt2 - vn2) / vv
	}
}

// square returns x·x, rounded once.
func square(x float64) float64 { return x * x }

// PhaseMargin is the Margin of PhaseEvent: a step whose screened values of the criterion, in
// [−1, 1], all lie farther than this from 0 on one side is not sampled inside.
const PhaseMargin = 0.05

// FlowPhaseT is the time of FlowPhase's boundary alone, and whether there is one, without the
// trajectory: t0 and w0 are the flow's first point (the first of the trajectory FlowPhase is
// given), and res.T, res.Y its last.
func FlowPhaseT(res *ode.Result, k int, ev ode.Event, t0 float64, w0 []float64) (float64, bool) {
	last, found := phaseHit(res, k, ev, t0, w0)
	switch {
	case !found:
		return 0, false
	case last == nil:
		return t0, true
	}
	return last.T, true
}

// phaseHit finds FlowPhase's boundary among the hits of event k (the phase event ev) in res,
// for a flow from (t0, w0): the last crossing, when it goes from normal to tangential motion,
// or nil with found true when the motion is tangential throughout (no crossing, and the event
// not negative at either end: a NaN value, as PhaseEvent gives where the velocity's square
// overflows, counts as tangential); found is false when there is no final regularization phase.
func phaseHit(res *ode.Result, k int, ev ode.Event, t0 float64, w0 []float64) (last *ode.EventHit, found bool) {
	for i := range res.Events {
		if res.Events[i].Event == k {
			last = &res.Events[i]
		}
	}
	switch {
	case last == nil:
		return nil, !(ev.Func(t0, w0) < 0 || ev.Func(res.T, res.Y) < 0) // NaN counts as tangential
	case last.Direction < 0:
		return nil, false
	}
	return last, true
}

// FlowPhase returns the phase boundary of a flow integrated with PhaseEvent as its event k:
// res holds the crossings, tr the trajectory (for the index and the fitted rate). The
// boundary is the last crossing of the event from normal to tangential motion when the motion
// is tangential at the end (or t = 0 when it is tangential throughout); otherwise there is
// no final regularization phase. c is the loss floor.
func FlowPhase(tr *flow.Trajectory, res *ode.Result, k int, ev ode.Event, c float64) Phase {
	none := Phase{RegRate: math.NaN()}
	if tr.Len() == 0 {
		return none
	}
	last, found := phaseHit(res, k, ev, tr.T[0], tr.At(0))
	switch {
	case !found:
		return none
	case last == nil:
		return phaseAt(tr, c, 0, tr.T[0], tr.At(0))
	}
	index := sort.Search(tr.Len(), func(i int) bool { return (tr.T[i]-last.T)*(res.T-tr.T[0]) >= 0 })
	if index == tr.Len() {
		index--
	}
	return phaseAt(tr, c, index, last.T, last.Y)
}
