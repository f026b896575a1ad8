package sweep

import (
	"math"

	"github.com/layerflow/layerflow/analysis"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// A deterministic GD run's columns are computed while it steps, from the points a recorded
// run would keep (every Record-th iterate, and the last), with the arithmetic of the
// post-hoc analysis (analysis.Phases with a window of 1, and measure's balanced time): the
// rows are the same to the last bit (TestOnlineMatchesRecorded), without a trajectory.

// online is the phase boundary and the balanced time of a sequence of kept points, as
// analysis.Phases (window 1) and measure find them on the recorded trajectory: the tracker of
// package analysis, without the fit of the decay rate.
type online struct{ analysis.PhaseTracker }

func (a *online) reset(depth int, thr float64) {
	a.Reset(depth, 1, 0, false)
	a.TrackBalanced(thr)
}

// add takes the next kept point (t, w).
func (a *online) add(t float64, w []float64) { a.Add(t, w) }

// phase returns the time of the phase boundary, NaN if there is none.
func (a *online) phase() float64 { return a.PhaseT() }

// batched reports whether r is a run that gd2 steps: depth-2 GD keeping every iterate.
func (w *worker) batched(r *Run) bool {
	return r.Method == "gd" && r.Depth == 2 && w.every(r) == 1
}

// every returns the interval of the kept points of a discrete run: ≤ Record points in all.
func (w *worker) every(r *Run) int { return (r.Steps + w.s.Record - 2) / (w.s.Record - 1) }

// bound returns the divergence bound of the discrete runs.
func (w *worker) bound() float64 {
	if w.s.Bound == 0 {
		return discrete.DefaultBound
	}
	return w.s.Bound
}

// gdOnline does the deterministic GD run r alone and measures it as discrete and measure
// would.
func (w *worker) gdOnline(r *Run) (outcome, error) {
	imb0 := flow.Imbalance(w.scratch(r.Depth), r.W0)
	thr := w.s.Balanced * imb0
	if w.batched(r) {
		g := &w.lanes
		g.reset(r.Steps, w.bound())
		g.add(r.W0[0], r.W0[1], r.LR, r.WD, thr)
		g.run()
		return w.gdOutcome(r, g, 0), nil
	}
	st, err := discrete.NewStepper(discrete.Problem{Objective: w.objective(r)}, r.W0, &discrete.Settings{LR: r.LR, Steps: r.Steps, Seed: r.Seed, Bound: w.s.Bound})
	if err != nil {
		return outcome{}, err
	}
	a := &w.acc
	a.reset(r.Depth, thr)
	a.add(0, r.W0)
	every := w.every(r)
	steps := 0
	for steps < r.Steps {
		n, diverged, stopped := w.advance(st, min(every, r.Steps-steps))
		if stopped {
			return outcome{}, errStopped
		}
		steps += n
		if n > 0 {
			a.add(float64(steps)*r.LR, st.W())
		}
		if diverged {
			break
		}
	}
	return w.finish(r, steps, st.W(), imb0, a.phase(), a.Balanced()), nil
}

// gdOutcome returns the outcome of lane j of g, the run r.
func (w *worker) gdOutcome(r *Run, g *gd2, j int) outcome {
	steps, phaseT, tBal, last := g.result(j)
	return w.finish(r, steps, last[:], flow.Imbalance(w.scratch(2), r.W0), phaseT, tBal)
}

// finish fills in the outcome of a discrete run that took steps steps and ended at last.
func (w *worker) finish(r *Run, steps int, last []float64, imb0, phaseT, tBal float64) outcome {
	obj := w.objective(r)
	oc := outcome{status: "success", end: flow.Completed, steps: steps}
	if steps < r.Steps {
		oc.status, oc.end = "diverged", flow.Diverged
	}
	oc.tFinal = float64(steps) * r.LR
	oc.loss = obj.Loss(last)
	oc.W = flow.Product(last)
	oc.imb0 = imb0
	oc.imb = flow.Imbalance(w.scratch(r.Depth), last)
	oc.d12 = flow.Pair(last, 0, 1)
	oc.sharp = flow.Sharpness(last)
	oc.phaseT, oc.tBal = phaseT, tBal
	return oc
}

// scratch returns w.d sized for depth d (d − 1 imbalances).
func (w *worker) scratch(d int) []float64 {
	if cap(w.d) < d-1 {
		w.d = make([]float64, d-1)
	}
	w.d = w.d[:d-1]
	return w.d
}

// gd2 steps depth-2 GD runs that keep every iterate, all with the same number of steps, in
// lockstep: the runs are the lanes of arrays, and the CPU overlaps the independent lanes
// where one run alone would wait on its own chain of operations. Each lane computes what
// gdOnline computes for its run: the step of discrete.Stepper for d = 2 (g = (w1, w0)
// exactly) and its bound check, the pair of analysis.Phases on consecutive iterates (with
// the squares of one step reused as the next step's |g|² = w1² + w0², summed in Partials'
// order, and as its imbalance |w0² − w1²|), and the balanced time; the lanes share nothing,
// so a run's numbers do not depend on the batch it is in.
type gd2 struct {
	steps int
	bound float64
	lanes []lane2
	v     gd2v // the lanes as arrays, for the AVX2 step
	// scalar forces the scalar step (for the tests that compare the two).
	scalar bool
}

// lane2 is one run of gd2.
type lane2 struct {
	// The iterate and its squares, λ, 1 − λμ, the balanced threshold.
	w0, w1, s0, s1, lr, decay, thr float64
	// start is the step that starts the current tangential stretch (−1: none), bal the first
	// balanced step (−1: none), taken the steps taken (−1 while running); inf is not 0 once a
	// pair was informative (|g|² ≠ 0 and |Δw|² ≠ 0).
	start, bal, taken int
	inf               uint64
	id                int // the place of the lane in the order of add
}

// add appends a lane for the run from (a, b) with learning rate lr, weight decay wd and
// balanced threshold thr.
func (g *gd2) add(a, b, lr, wd, thr float64) {
	l := lane2{w0: a, w1: b, s0: a * a, s1: b * b, lr: lr, decay: 1 - lr*wd, thr: thr, start: -1, bal: -1, taken: -1}
	if imbalance2(l.s0, l.s1) <= thr {
		l.bal = 0
	}
	g.lanes = append(g.lanes, l)
}

// reset empties g for runs of the given steps and bound.
func (g *gd2) reset(steps int, bound float64) {
	g.steps, g.bound, g.lanes = steps, bound, g.lanes[:0]
}

// run takes the steps of every lane. The bookkeeping of a lane is written with selects, not
// branches (the lanes differ, so branches on them would be mispredicted). A lane whose step
// leaves its iterate unchanged has reached a fixed point in floating point: every later step
// is the same, with no information for the phase and no change of ‖D‖, so the lane is done
// (all its steps taken); it leaves the active lanes, as does a lane that diverged.
func (g *gd2) run() {
	if haveAVX2 && !g.scalar && len(g.lanes) >= 8 {
		g.runVec()
		return
	}
	lanes := g.lanes
	for j := range lanes {
		lanes[j].id = j
	}
	bound := g.bound
	live := len(lanes)
	for k := 1; k <= g.steps && live > 0; k++ {
		for j := 0; j < live; j++ {
			l := &lanes[j]
			w0, w1 := l.w0, l.w1
			lrho := l.lr * (w0*w1 - 1)
			n0 := l.decay*w0 - lrho*w1
			n1 := l.decay*w1 - lrho*w0
			if !(n0 <= bound && n0 >= -bound) || !(n1 <= bound && n1 >= -bound) || n0 == w0 && n1 == w1 {
				l.taken = k - 1
				if n0 == w0 && n1 == w1 {
					l.taken = g.steps
				}
				live--
				lanes[j], lanes[live] = lanes[live], lanes[j]
				j--
				continue
			}
			d0, d1 := n0-w0, n1-w1
			gg := l.s1 + l.s0
			dg := d0*w1 + d1*w0
			dd := d0*d0 + d1*d1
			vn2 := dg * dg / gg
			// The pair is informative when gg ≠ 0 and dd ≠ 0: both are sums of squares, ≥ 0
			// and never −0, so that is when neither has all bits 0.
			z := math.Float64bits(gg)
			if zd := math.Float64bits(dd); zd < z {
				z = zd
			}
			// Phases clamps vt2 = dd − vn2 at 0; that never changes vt2 ≥ vn2 (vn2 ≥ 0).
			cand := l.start
			if cand < 0 {
				cand = k - 1
			}
			if !(dd-vn2 >= vn2) {
				cand = -1
			}
			if z == 0 {
				cand = l.start
			}
			l.start = cand
			l.inf |= z
			s0, s1 := n0*n0, n1*n1
			l.w0, l.w1, l.s0, l.s1 = n0, n1, s0, s1
			b := k
			if !(math.Abs(s0-s1) <= l.thr) {
				b = l.bal
			}
			if l.bal >= 0 {
				b = l.bal
			}
			l.bal = b
		}
	}
	for j := range lanes[:live] {
		lanes[j].taken = g.steps
	}
	// Back to the order of add.
	for j := 0; j < len(lanes); {
		if id := lanes[j].id; id != j {
			lanes[j], lanes[id] = lanes[id], lanes[j]
		} else {
			j++
		}
	}
}

// result returns lane j's steps taken, phase boundary and balanced time (NaN if none), and
// last iterate.
func (g *gd2) result(j int) (taken int, phaseT, tBal float64, last [2]float64) {
	l := &g.lanes[j]
	phaseT, tBal = math.NaN(), math.NaN()
	if l.inf != 0 && l.start >= 0 {
		phaseT = float64(l.start) * l.lr
	}
	if l.bal >= 0 {
		tBal = float64(l.bal) * l.lr
	}
	return l.taken, phaseT, tBal, [2]float64{l.w0, l.w1}
}

// imbalance2 is flow.Imbalance of a depth-2 point from its squares, max − min, which is
// |s0 − s1| exactly (x − y = −(y − x) in floating point).
func imbalance2(s0, s1 float64) float64 { return math.Abs(s0 - s1) }
