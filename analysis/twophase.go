package analysis

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// The two phases as the paper states them, measured on one run (a flow, a GD run, or the mean
// over seeds of a stochastic method). With t* the phase boundary:
//
//   - phase 1 (optimization), [0, t*]: the loss decreases monotonically (its largest rise
//     between recorded points, against round-off, the integrator's error, or for stochastic
//     runs the standard error of the mean rise), and the motion is mostly normal to the level
//     sets of W;
//   - phase 2 (regularization), [t*, T]: the loss stays in a band near its floor (the largest
//     excess over its minimum, relative to the total drop) while ‖D‖ decays, and the motion is
//     mostly tangential (tangential share of the path length);
//   - their separation: the share of the total log-decay of ‖D‖ that happens after t*, and the
//     ratio of the two time scales, τ_reg/τ_opt, with τ_opt = t* and τ_reg the mean e-folding
//     time of ‖D‖ after t*.

// phaseRun is a run prepared for the two-phase measurements.
type phaseRun struct {
	id, what string
	t        []float64
	w        *flow.Trajectory // the (mean) trajectory
	loss     []float64        // the (mean) data loss ½(W − 1)² at every point (c drops out)
	// seedLoss[s][k] is seed s's loss at point k (stochastic runs only).
	seedLoss [][]float64
	tstar    float64
	index    int
	found    bool
	// riseTol bounds a spurious rise of the loss of a deterministic run (relative to the total
	// drop), and riseSrc says where it comes from.
	riseTol   float64
	riseSrc   Source
	riseBasis string
}

// phaseMeasures are the numbers of the two phases of one run.
type phaseMeasures struct {
	Rise, Band, Share, Separation, Tangential float64
	// Normal and tangential speeds (mean |Δw_n|/Δt, |Δw_t|/Δt) in each phase.
	VN1, VT1, VN2, VT2 float64
}

func (r *phaseRun) measure() phaseMeasures {
	var m phaseMeasures
	n, k := len(r.t), r.index
	L0 := r.loss[0]
	Lmin := math.Inf(1)
	for _, v := range r.loss {
		Lmin = math.Min(Lmin, v)
	}
	drop := L0 - Lmin
	m.Rise = math.Inf(-1)
	for j := 0; j < k; j++ {
		m.Rise = math.Max(m.Rise, (r.loss[j+1]-r.loss[j])/drop)
	}
	if k == 0 {
		m.Rise = 0
	}
	for j := k; j < n; j++ {
		m.Band = math.Max(m.Band, (r.loss[j]-Lmin)/drop)
	}
	D0, Dk, DT := oracleImbalance(r.w.At(0)), oracleImbalance(r.w.At(k)), oracleImbalance(r.w.At(n-1))
	m.Share = math.Log(Dk/DT) / math.Log(D0/DT)
	tauReg := (r.t[n-1] - r.tstar) / math.Log(Dk/DT)
	m.Separation = tauReg / r.tstar
	if r.tstar == 0 {
		m.Separation = 0 // tangential from the start: no optimization phase to separate
	}
	dw := make([]float64, r.w.Depth)
	var pn, pt, pn1, pt1 float64
	for j := 0; j+1 < n; j++ {
		a, b := r.w.At(j), r.w.At(j+1)
		for i := range dw {
			dw[i] = b[i] - a[i]
		}
		vn, vt := oracleSpeeds(a, dw)
		if j < k {
			pn1, pt1 = pn1+vn, pt1+vt
		} else {
			pn, pt = pn+vn, pt+vt
		}
	}
	if r.tstar > 0 {
		m.VN1, m.VT1 = pn1/r.tstar, pt1/r.tstar
	}
	if span := r.t[n-1] - r.tstar; span > 0 {
		m.VN2, m.VT2 = pn/span, pt/span
	}
	m.Tangential = pt / (pn + pt)
	if k == n-1 {
		m.Share, m.Separation, m.Tangential = 0, 0, 0
	}
	return m
}

// phaseChecks turns the measurements of a run into checks. claim is the claim's number.
func phaseChecks(r *phaseRun) []Check {
	mk := func(what, statement string) Check {
		return Check{ID: r.id + "-" + what, Claim: statement, Experiment: r.what}
	}
	if !r.found {
		// A run with a regularizer that never settles into a regularization phase: phase 1
		// lasts to the end and phase 2 is empty, which the measurements then show (no share of
		// the decay after t*, no separation, no tangential motion).
		r.index, r.tstar = len(r.t)-1, r.t[len(r.t)-1]
	}
	m := r.measure()
	if !r.found {
		r.what += " (no phase boundary found: t* taken at the end)"
	}
	speeds := fmt.Sprintf("; t* = %.4g, speeds normal/tangential %.3g/%.3g before t*, %.3g/%.3g after", r.tstar, m.VN1, m.VT1, m.VN2, m.VT2)
	var mono Check
	if r.seedLoss == nil {
		mono = atMost(mk("monotone", "phase 1: the loss decreases monotonically"), m.Rise, r.riseTol, r.riseSrc, r.riseBasis)
		mono.Experiment += ": largest rise of the loss between recorded points before t*, relative to the total drop"
	} else {
		z, J := r.meanRise()
		mono = Check{ID: r.id + "-monotone", Claim: "phase 1: the mean loss decreases monotonically", Experiment: r.what +
			fmt.Sprintf(": largest t-statistic of a rise of the mean loss over %d intervals before t*", J)}
		mono.Measured, mono.StdErr, mono.Dof, mono.Tests, mono.Relation, mono.Source = z, 1, len(r.seedLoss)-1, J, AtMost, StdErr
		mono.Tolerance = tQuantile(FamilyAlpha/float64(J), mono.Dof)
		mono = mono.decide()
	}
	out := []Check{mono,
		atMost(mk("band", "phase 2: the loss stays in a band near its floor"), m.Band, 0.25, Heuristic,
			"25% of the total drop: the regularization phase moves along the level sets, so the loss barely moves (deterministic runs stay below 6%; for stochastic runs the noise left in the mean loss and in t* takes more, up to 18% in 150 seeds)"),
		atLeast(mk("share", "phase 2: the imbalance decays after t*"), m.Share, 0.8, Heuristic,
			"at least 80% of the total log-decay of ‖D‖ after t*"),
		atLeast(mk("separation", "the two phases run on separate time scales"), m.Separation, 5, Heuristic,
			"τ_reg/τ_opt ≥ 5: the regularization phase is at least five times slower than the optimization phase"),
		atLeast(mk("tangential", "phase 2: the motion is tangential to the level sets"), m.Tangential, 0.75, Heuristic,
			"at least three quarters of the path length after t* is tangential (the rest: the end of the normal approach, and for stochastic runs the sampling noise left in the mean)"),
	}
	out[1].Experiment += ": largest (L − L_min)/(L(0) − L_min) after t*" + speeds
	out[2].Experiment += ": ln(‖D(t*)‖/‖D(T)‖) / ln(‖D(0)‖/‖D(T)‖)"
	out[3].Experiment += ": mean e-folding time of ‖D‖ after t* over t*"
	out[4].Experiment += ": Σ|Δw_t| / Σ|Δw| after t*"
	return out
}

// meanRise returns the largest t-statistic of a rise of the mean loss over up to 10 equal
// intervals of phase 1 (paired over seeds), and the number of intervals.
func (r *phaseRun) meanRise() (float64, int) {
	k := r.index
	J := min(10, k)
	if J == 0 {
		return math.Inf(-1), 1
	}
	z := math.Inf(-1)
	ns := float64(len(r.seedLoss))
	for j := 0; j < J; j++ {
		a, b := j*k/J, (j+1)*k/J
		var s, s2 float64
		for _, L := range r.seedLoss {
			d := L[b] - L[a]
			s, s2 = s+d, s2+d*d
		}
		mean := s / ns
		se := math.Sqrt(math.Max(s2/ns-mean*mean, 0) / (ns - 1))
		switch {
		case se > 0:
			z = math.Max(z, mean/se)
		case mean > 0:
			z = math.Inf(1)
		}
	}
	return z, J
}

// oraclePhaseIndex recomputes the phase boundary of a trajectory from its definition (the
// start of the last stretch in which the displacement over window points is at least as
// tangential as it is normal), with the oracle's own decomposition.
func oraclePhaseIndex(tr *flow.Trajectory, window int) (int, bool) {
	window = max(window, 1)
	dw := make([]float64, tr.Depth)
	start, seen := -1, false
	for k := 0; k+window < tr.Len(); k++ {
		a, b := tr.At(k), tr.At(k+window)
		var moved bool
		for i := range dw {
			dw[i] = b[i] - a[i]
			moved = moved || dw[i] != 0
		}
		vn, vt := oracleSpeeds(a, dw)
		if !moved || (vn == 0 && vt == 0) {
			continue
		}
		seen = true
		if vt >= vn {
			if start < 0 {
				start = k
			}
		} else {
			start = -1
		}
	}
	return start, seen && start >= 0
}

// oracleFlowTStar recomputes t* of a flow from its definition: the last sign change from
// normal to tangential motion of the oracle's velocity −∇F, on a grid of n + 1 points in
// [a, b] of a reference solution (DOP853 at rtol 1e-12 with dense output); it returns the
// bracketing interval's ends. With a > 0 only the last change inside [a, b] counts.
func oracleFlowTStar(obj flow.Objective, f ode.Func, w0 []float64, a, b float64, n int) (lo, hi float64, err error) {
	out := make([]float64, 0, n+2)
	if a > 0 {
		out = append(out, 0)
	}
	for i := 0; i <= n; i++ {
		out = append(out, a+(b-a)*float64(i)/float64(n))
	}
	tr, r, err := flow.Solve(f, "oracle", w0, b, &ode.Settings{Rtol: 1e-12, Atol: 1e-14, Output: out, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return 0, 0, err
	}
	d := len(w0)
	v := make([]float64, d)
	prev := 0.0
	lo, hi = math.NaN(), math.NaN()
	for k := 0; k < tr.Len(); k++ {
		w := tr.At(k)
		W := oracleProduct(w)
		a := W - 1 + obj.Noise*obj.Noise*W
		var vv float64
		for i := range v {
			v[i] = -(a*oracleExcept(w, i, i) + obj.WeightDecay*w[i])
			vv += v[i] * v[i]
		}
		vn, vt := oracleSpeeds(w, v)
		// Rest (below the integration's resolution of the velocity) carries no direction.
		if vv < 1e-16 {
			continue
		}
		s := vt*vt - vn*vn
		if a > 0 && k == 0 {
			continue // t = 0, only there to start the integration
		}
		if k > 0 && prev < 0 && s >= 0 && tr.T[k-1] >= a {
			lo, hi = tr.T[k-1], tr.T[k]
		}
		if s != 0 {
			prev = s
		}
	}
	if math.IsNaN(lo) {
		return 0, 0, fmt.Errorf("analysis: the oracle found no change from normal to tangential motion")
	}
	return lo, hi, nil
}

// flowPhaseRun integrates the flow of obj with the phase event and prepares its run.
func flowPhaseRun(l *Lab, id string, obj flow.Objective, w0 []float64, T, rtol float64) (*phaseRun, Check) {
	what := fmt.Sprintf("flow, d=%d from %v, μ=%g, σ=%g, DOP853 rtol %g to t=%g", obj.Depth, w0, obj.WeightDecay, obj.Noise, rtol, T)
	tc := Check{ID: id + "-tstar", Claim: "t* located on the dense output is the definition's t*", Experiment: what}
	f := l.flowOf(obj)
	ev := l.phaseEvent(f, obj.Depth, rtol, rtol/100)
	tr, res, err := flow.Solve(f, id, w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, Events: []ode.Event{ev}, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return nil, notTested(tc, err)
	}
	ph := FlowPhase(tr, res, 0, ev, 0)
	r := &phaseRun{id: id, what: what, t: tr.T, w: tr, tstar: ph.T, index: ph.Index, found: ph.Found}
	r.loss = lossOf(tr)
	var gmax, wmax float64
	for k := 0; k < tr.Len(); k++ {
		w := tr.At(k)
		gmax = math.Max(gmax, math.Abs(oracleProduct(w)-1)*math.Sqrt(sumSquares(partialsOracle(w))))
		for _, v := range w {
			wmax = math.Max(wmax, math.Abs(v))
		}
	}
	r.riseTol = 2 * gmax * float64(res.Stats.Accepted) * (rtol/100 + rtol*wmax) / (r.loss[0] - minOf(r.loss))
	r.riseSrc, r.riseBasis = Integrator, "2·|∇L|·accepted steps·(atol + rtol·|w|), relative to the total drop"
	const grid = 20000
	lo, hi, err := oracleFlowTStar(obj, f, w0, 0, T, grid)
	if err == nil {
		// A second grid inside the bracket narrows it by another factor 2000.
		lo, hi, err = oracleFlowTStar(obj, f, w0, lo, hi, 2000)
	}
	if err != nil {
		return r, notTested(tc, err)
	}
	if !ph.Found {
		return r, within(tc, math.NaN(), 0.5*(lo+hi), 0.5*(hi-lo), Exact, "no boundary found")
	}
	tc.Experiment += fmt.Sprintf(": t* by the event against the oracle's bracket [%.9g, %.9g] (grids of %d, then 2000 intervals)", lo, hi, grid)
	// The event is located to the integration's accuracy: rtol of t*, and more.
	tol := 0.5*(hi-lo) + 1e3*rtol*ph.T
	return r, within(tc, ph.T, 0.5*(lo+hi), tol, Integrator, "half the oracle's bracket plus 10³·rtol·t* for the integrations' errors in t*")
}

// discretePhaseRun runs a discrete method over seeds (one run if seeds is 1 and the method
// is deterministic), recording every iterate, and prepares its mean run. For stochastic runs
// (seeds > 1) the mean trajectory is then kept at iterates spaced geometrically (ratio 1.5,
// about 6 a decade): displacements between them span a time proportional to t, short enough
// to resolve the optimization phase at the start and long enough later for the tangential
// drift to outgrow the sampling noise left in the mean. The phase boundary is that of the kept
// points, displacement from one to the next.
func discretePhaseRun(l *Lab, id string, p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed uint64) (*phaseRun, Check) {
	const record, window = 1, 1
	what := fmt.Sprintf("%s, d=%d from %v, λ=%g, μ=%g, σ=%g, %s, %d steps", methodName(p, batch), p.Objective.Depth, w0, lr, p.Objective.WeightDecay, p.Objective.Noise, batchName(batch), steps)
	if seeds > 1 {
		what += fmt.Sprintf(", mean over %d seeds from %d", seeds, seed)
	}
	tc := Check{ID: id + "-tstar", Claim: "t* found by the phase detector is the definition's t*", Experiment: what}
	var mean *flow.Trajectory
	var seedLoss [][]float64
	for s := 0; s < seeds; s++ {
		tr, res, err := l.run(p, w0, &discrete.Settings{LR: lr, Steps: steps, Batch: batch, Seed: seed + uint64(s), Record: record})
		if err != nil {
			return nil, notTested(tc, err)
		}
		if res.Status != discrete.Success {
			return nil, notTested(tc, fmt.Errorf("seed %d diverged at step %d", seed+uint64(s), res.DivergedAt))
		}
		if mean == nil {
			mean = flow.NewTrajectory(id, len(w0), tr.Len())
			mean.T = append(mean.T, tr.T...)
			mean.W = make([]float64, len(tr.W))
		}
		if tr.Len() != mean.Len() {
			return nil, notTested(tc, fmt.Errorf("seed %d recorded %d points, not %d", seed+uint64(s), tr.Len(), mean.Len()))
		}
		for i, v := range tr.W {
			mean.W[i] += v / float64(seeds)
		}
		if seeds > 1 {
			seedLoss = append(seedLoss, lossOf(tr))
		}
	}
	mean.Status, mean.End = "success", flow.Completed
	if seeds > 1 {
		keep := geometric(mean.Len(), 1.5)
		mean = subsample(mean, keep)
		for i, L := range seedLoss {
			kept := make([]float64, len(keep))
			for j, k := range keep {
				kept[j] = L[k]
			}
			seedLoss[i] = kept
		}
	}
	ph := l.phases(mean, 0, window)
	r := &phaseRun{id: id, what: what, t: mean.T, w: mean, tstar: ph.T, index: ph.Index, found: ph.Found, seedLoss: seedLoss}
	r.loss = lossOf(mean)
	if seedLoss != nil {
		r.loss = make([]float64, mean.Len())
		for _, L := range seedLoss {
			for k, v := range L {
				r.loss[k] += v / float64(seeds)
			}
		}
	}
	r.riseTol = 64 * unitRoundoff * maxOf(r.loss) / (r.loss[0] - minOf(r.loss))
	r.riseSrc, r.riseBasis = RoundOff, "64u of the largest loss, relative to the total drop"
	k, ok := oraclePhaseIndex(mean, window)
	if !ok || !ph.Found {
		if ok != ph.Found {
			return r, within(tc, boolNum(ph.Found), boolNum(ok), 0, Exact, "both must find a boundary, or neither")
		}
		return r, notTested(tc, fmt.Errorf("no phase boundary"))
	}
	tc.Experiment += ": t* against the oracle's"
	return r, within(tc, ph.T, mean.T[k], 0, Exact, "the same definition computed twice: the same kept point")
}

// geometric returns the indices 0, 1, … n−1 thinned so that consecutive ones grow by about
// the ratio q (every index while they are closer than 1), always with the last.
func geometric(n int, q float64) []int {
	var out []int
	x := 0.0
	for k := 0; k < n; {
		out = append(out, k)
		x = math.Max(x*q, float64(k+1))
		k = int(math.Ceil(x))
	}
	if last := len(out) - 1; out[last] != n-1 {
		// End on the last index; drop the kept one before it if the final interval would be
		// less than half the one before (a short last interval is all noise).
		if last > 0 && 2*(n-1-out[last]) < out[last]-out[last-1] {
			out = out[:last]
		}
		out = append(out, n-1)
	}
	return out
}

// subsample returns the points keep of tr.
func subsample(tr *flow.Trajectory, keep []int) *flow.Trajectory {
	out := flow.NewTrajectory(tr.Label, tr.Depth, len(keep))
	for _, k := range keep {
		out.Append(tr.T[k], tr.At(k))
	}
	out.Status, out.End = tr.Status, tr.End
	return out
}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func methodName(p discrete.Problem, batch int) string {
	switch {
	case batch != 0 && p.Objective.Noise != 0:
		return "noisy SGD"
	case batch != 0:
		return "SGD"
	case p.Objective.Noise != 0:
		return "noisy GD"
	case p.Objective.WeightDecay != 0:
		return "GD + weight decay"
	}
	return "GD"
}

// lossOf returns ½(W − 1)² at every point of tr.
func lossOf(tr *flow.Trajectory) []float64 {
	out := make([]float64, tr.Len())
	for k := range out {
		e := oracleProduct(tr.At(k)) - 1
		out[k] = 0.5 * e * e
	}
	return out
}

func partialsOracle(w []float64) []float64 {
	g := make([]float64, len(w))
	for i := range g {
		g[i] = oracleExcept(w, i, i)
	}
	return g
}

func sumSquares(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}
