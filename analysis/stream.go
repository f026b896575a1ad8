package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Streamed is what a streamed run gives: how it ended and what it measured while it ran,
// with no trajectory kept. Every number is the one the post-hoc analysis of the trajectory
// Run returns would give (Phases, FlowPhase, ClassifyGD, StepLawDeviation, MaxRelDrift), to
// the bit, whatever the budget of kept points.
type Streamed struct {
	Label string
	// End and Status say how the run ended, as the trajectory of Run would; Interrupted is
	// true when the context was cancelled (End is then Stopped).
	End         flow.End
	Status      string
	Interrupted bool
	LR          float64
	// Result is the integrator's (flows); Discrete the discrete run's (without Rho).
	Result   *ode.Result
	Discrete *discrete.Result
	// Phase is the phase boundary (when asked for). Stability is set for GD keeping every
	// iterate; StepLaw is the largest deviation from the exact step law of the imbalances
	// (discrete runs keeping every iterate; NaN otherwise); Drift the largest relative
	// change of every D_ij (flows; Pairs order).
	Phase     Phase
	Stability *Stability
	StepLaw   float64
	Drift     []float64
	// T and W are the last point.
	T float64
	W []float64
	// Points is the number of points of the trajectory Run would return; Kept the number
	// handed to Keep; Stride the interval of the kept points of a discrete run (in steps).
	Points, Kept, Stride int
}

// StreamOptions says what to do with the points of a streamed run.
type StreamOptions struct {
	// MaxPoints bounds the points handed to Keep (≤ 0: no bound; else at least 3): a
	// discrete run keeps every s-th iterate, s = max(Record, ⌈Steps/(MaxPoints−2)⌉), and the
	// last; a flow that records every accepted step keeps them all while it fits and then
	// thins in segments of R points whose stride doubles from one segment to the next (R
	// chosen so that Settings.MaxSteps accepted steps fit); the first and last points are
	// always kept. A flow with output times keeps those (choose them within the budget).
	MaxPoints int
	// Keep receives the kept points in order: point k (the step of a discrete run, the
	// accepted step of a flow, counted from 0 at the start) at time t; w must not be
	// retained. An error stops the run and is returned.
	Keep func(k int, t float64, w []float64) error
	// Context stops the run when cancelled (checked about every 0.1 s of work; nil: never).
	Context context.Context
	// Progress, when not nil, is told the steps done of the total (discrete runs) or the
	// time reached of the end time (flows), at every check of the context.
	Progress func(done, total float64)
}

// ErrBudget reports a budget of points below 3.
var ErrBudget = errors.New("analysis: a budget of points must be at least 3 (the first, one more and the last)")

// Stream runs spec as Run does, but hands the points to opt.Keep as they are produced
// (thinned to opt.MaxPoints) and measures the run on every point Run's trajectory would
// hold, keeping none: memory does not grow with the horizon.
func Stream(spec RunSpec, opt StreamOptions) (*Streamed, error) {
	if opt.MaxPoints > 0 && opt.MaxPoints < 3 {
		return nil, ErrBudget
	}
	if opt.Keep == nil {
		opt.Keep = func(int, float64, []float64) error { return nil }
	}
	if spec.Method.Continuous() {
		return streamFlow(spec, opt)
	}
	if _, scalar := spec.Model.(flow.Objective); spec.Model != nil && !scalar {
		return streamNetDiscrete(spec, opt, spec.Model)
	}
	return streamDiscrete(spec, opt)
}

// maxWindowFloats bounds the memory of the phase window of a sampled run: 2^24 numbers
// (128 MiB). Only runs of more than 2^24/(d+5)·100 points (over 10^8 for d = 2) reach it;
// their window is then shorter than Run's hundredth.
const maxWindowFloats = 1 << 24

// checker checks the context and reports progress every so many units of work, about every
// 0.1 s: it times its first checks and sets the interval from the rate.
type checker struct {
	ctx      context.Context
	progress func(done, total float64)
	every    int
	count    int
	last     time.Time
}

func newChecker(opt StreamOptions) *checker {
	return &checker{ctx: opt.Context, progress: opt.Progress, every: 1, last: time.Now()}
}

// tick counts n units of work and reports whether the run must stop.
func (c *checker) tick(n int, done, total float64) bool {
	c.count += n
	if c.count < c.every {
		return false
	}
	now := time.Now()
	el := now.Sub(c.last)
	// Aim at 0.05 s between checks.
	switch {
	case el < 25*time.Millisecond && c.every < 1<<24:
		c.every *= 2
	case el > 100*time.Millisecond && c.every > 1:
		c.every /= 2
	}
	c.count, c.last = 0, now
	if c.progress != nil {
		c.progress(done, total)
	}
	return c.ctx != nil && c.ctx.Err() != nil
}

func streamDiscrete(spec RunSpec, opt StreamOptions) (*Streamed, error) {
	obj := spec.Objective
	p := discrete.Problem{Objective: obj}
	set := &discrete.Settings{LR: spec.LR, Steps: spec.Steps, Seed: spec.Seed, Record: spec.Record}
	switch spec.Method {
	case MethodGD:
		p.Objective.Noise, p.Data = 0, spec.Data
	case MethodSGD:
		p.Data, set.Batch = spec.Data, spec.Batch
	case MethodNoisyGD:
		p.Data = spec.Data
	default:
		return nil, fmt.Errorf("analysis: unknown method %v", spec.Method)
	}
	st, err := discrete.NewStepper(p, spec.Start, set)
	if err != nil {
		return nil, err
	}
	if i, ok := discrete.Outside(spec.Start, 0); ok {
		return nil, fmt.Errorf("discrete: initial weight w[%d] = %v is outside the bound %v", i, spec.Start[i], discrete.DefaultBound)
	}
	d, steps, lr := len(spec.Start), spec.Steps, spec.LR
	record := max(spec.Record, 1)
	stride := RecordStride(steps, record, opt.MaxPoints)
	out := &Streamed{Label: st.Label(), LR: lr, Stride: stride, StepLaw: math.NaN(), W: make([]float64, d)}
	res := &discrete.Result{Status: discrete.Success, DivergedAt: -1}
	out.Discrete = res
	// The points of Run's trajectory: every record-th iterate and the last.
	planned := steps/record + 1
	if steps%record != 0 {
		planned++
	}
	var ph *PhaseTracker
	if spec.Phase {
		window := 1
		if spec.Method != MethodGD && !(spec.Method == MethodNoisyGD && obj.Noise == 0) {
			// A hundredth of the run, as Run's; the tracker keeps about (d + 5) numbers a
			// point of it, so it is bounded by maxWindowFloats numbers in all.
			window = max(1, min(planned/100, maxWindowFloats/(d+5)))
		}
		ph = NewPhaseTracker(d, window, obj.C, true)
	}
	var stab *StabilityTracker
	var law *StepLawTracker
	if record == 1 {
		law = NewStepLawTracker(d, lr, obj.WeightDecay)
		law.Start(spec.Start)
		if spec.Method == MethodGD {
			stab = NewStabilityTracker(d)
			stab.Add(spec.Start)
		}
	}
	// point feeds iterate k to the trackers when Run's trajectory holds it (every
	// record-th, and the last: final) and to Keep when it is kept (every stride-th, and the
	// last), each once.
	lastRec, lastKeep := -1, -1
	point := func(k int, w []float64, final bool) error {
		t := float64(k) * lr
		if (k%record == 0 || final) && lastRec != k {
			lastRec = k
			out.Points++
			if ph != nil {
				ph.Add(t, w)
			}
		}
		if (k%stride == 0 || final) && lastKeep != k {
			lastKeep = k
			out.Kept++
			return opt.Keep(k, t, w)
		}
		return nil
	}
	if err := point(0, spec.Start, false); err != nil {
		return nil, err
	}
	chk := newChecker(opt)
	k := 0
	for k < steps {
		if law != nil {
			// Every iterate is a point: one step at a time, with its ρ.
			rho, diverged := st.StepIn(0)
			if diverged {
				res.Status, res.DivergedAt = discrete.Diverged, k+1
				break
			}
			k++
			w := st.W()
			law.Step(w, rho)
			if stab != nil {
				stab.Add(w)
			}
			if err := point(k, w, false); err != nil {
				return nil, err
			}
		} else {
			// Up to the next point or check, in one call.
			n := min(steps-k, record-k%record, stride-k%stride, max(1, chk.every-chk.count))
			taken, diverged := st.Advance(n, 0)
			k += taken
			if diverged {
				res.Status, res.DivergedAt = discrete.Diverged, k+1
				break
			}
			if err := point(k, st.W(), false); err != nil {
				return nil, err
			}
			if chk.tick(taken, float64(k), float64(steps)) {
				out.Interrupted = true
				break
			}
			continue
		}
		if chk.tick(1, float64(k), float64(steps)) {
			out.Interrupted = true
			break
		}
	}
	res.Steps = k
	// The last iterate (inside the bound) is always a point.
	if err := point(k, st.W(), true); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(float64(k), float64(steps))
	}
	out.T = float64(k) * lr
	copy(out.W, st.W())
	out.Status, out.End = res.Status.String(), flow.Completed
	switch {
	case res.Status == discrete.Diverged:
		out.Status, out.End = fmt.Sprintf("diverged at step %d", res.DivergedAt), flow.Diverged
	case out.Interrupted:
		res.Status = discrete.NotTerminated
		out.Status, out.End = fmt.Sprintf("interrupted at step %d", k), flow.Stopped
	}
	if ph != nil {
		out.Phase = ph.Phase()
	}
	if law != nil {
		out.StepLaw = law.Deviation()
	}
	if stab != nil {
		end := out.End
		if out.Interrupted {
			end = flow.Completed // classified as far as it ran
		}
		s := stab.Classify(lr, end)
		out.Stability = &s
	}
	return out, nil
}

func streamFlow(spec RunSpec, opt StreamOptions) (*Streamed, error) {
	obj := spec.Objective
	t1 := spec.T
	if t1 == 0 {
		t1 = float64(spec.Steps) * spec.LR
	}
	// A network of matrix layers: its flow, no phase event and no drift of the scalar
	// pairs (their records are the recorder's).
	model := spec.Model
	if _, scalar := model.(flow.Objective); scalar {
		model = nil // the closed forms of the scalar network, through Objective
	}
	isNet := model != nil
	var f ode.Func
	label := "flow"
	if spec.Method == MethodModified {
		if !(spec.LR > 0) {
			return nil, errors.New("analysis: the modified flow needs a learning rate > 0")
		}
		label = "modified"
	}
	switch {
	case isNet && label == "modified":
		f = flow.ModifiedFlowOf(model, spec.LR)
	case isNet:
		f = model.Flow()
	case label == "modified":
		f = obj.ModifiedFlow(spec.LR)
	default:
		f = obj.Flow()
	}
	var set ode.Settings
	if spec.Settings != nil {
		set = *spec.Settings
	} else {
		set = ode.Settings{Rtol: 1e-8, Atol: 1e-10}
	}
	m := spec.Solver
	if m == nil {
		m = &ode.DOPRI5{}
	}
	d := len(spec.Start)
	var ev ode.Event
	var fp *flowPhaseTracker
	if spec.Phase && !isNet {
		ev = PhaseEvent(f, obj.Depth, set.Rtol, set.Atol)
		set.Events = append(append([]ode.Event(nil), set.Events...), ev)
		fp = newFlowPhaseTracker(d, obj.C, ev)
	}
	out := &Streamed{Label: label, LR: spec.LR, StepLaw: math.NaN(), W: make([]float64, d), Stride: 1}
	var drift *DriftTracker
	if !isNet {
		drift = NewDriftTracker(d)
	}
	var keepErr error
	// A point of the trajectory Run would return.
	point := func(t float64, w []float64) {
		out.Points++
		if drift != nil {
			drift.Add(w)
		}
		if fp != nil {
			fp.add(t, w)
		}
		out.T = t
		copy(out.W, w)
	}
	// The thinning of the accepted steps: segments of seg points, stride 1, 2, 4, …
	seg := 0
	if opt.MaxPoints > 0 {
		maxSteps := set.MaxSteps
		if maxSteps <= 0 {
			maxSteps = 100000
		}
		if opt.MaxPoints < MinFlowPoints(maxSteps) {
			return nil, fmt.Errorf("analysis: a budget of %d points cannot hold a flow of up to %d steps (at least %d)", opt.MaxPoints, maxSteps, MinFlowPoints(maxSteps))
		}
		seg = segmentLength(opt.MaxPoints-2, maxSteps)
	}
	idx, segStart, segStride := 0, 0, 1
	var lastKept = -1
	keepThin := func(t float64, w []float64) {
		if keepErr != nil {
			return
		}
		if seg > 0 && idx-segStart >= seg*segStride {
			segStart += seg * segStride
			segStride *= 2
		}
		if (idx-segStart)%segStride == 0 {
			keepErr = opt.Keep(idx, t, w)
			out.Kept++
			lastKept = idx
		}
	}
	chk := newChecker(opt)
	output := len(set.Output) > 0
	var lastT float64
	var lastW []float64
	if !output {
		lastW = make([]float64, d)
	}
	observe := func(t float64, y []float64) bool {
		if !output {
			point(t, y)
			keepThin(t, y)
			lastT = t
			copy(lastW, y)
			idx++
		}
		if keepErr != nil {
			return true
		}
		if chk.tick(d, t, t1) {
			out.Interrupted = true
			return true
		}
		return false
	}
	if output {
		// The output times' states go to Keep as the integration reaches them.
		set.OutputFunc = func(t float64, y []float64) bool {
			point(t, y)
			keepErr = opt.Keep(out.Kept, t, y)
			out.Kept++
			return keepErr != nil
		}
	}
	res, err := flow.SolveObserved(f, spec.Start, t1, &set, m, observe)
	if err != nil {
		return nil, err
	}
	if keepErr != nil {
		return nil, keepErr
	}
	if output {
		if n := out.Points; res.Status != ode.Success && (n == 0 || out.T != res.T) && allFinite(res.Y) {
			point(res.T, res.Y)
			if err := opt.Keep(out.Kept, res.T, res.Y); err != nil {
				return nil, err
			}
			out.Kept++
		}
	} else if lastKept != idx-1 && idx > 0 {
		if err := opt.Keep(idx-1, lastT, lastW); err != nil {
			return nil, err
		}
		out.Kept++
	}
	if opt.Progress != nil {
		opt.Progress(res.T, t1)
	}
	out.Result = res
	out.Status, out.End = res.Status.String(), flow.EndOf(res.Status)
	if out.Interrupted {
		out.Status = fmt.Sprintf("interrupted at t=%g", res.T)
	}
	if drift != nil {
		out.Drift = drift.Drift()
	}
	if fp != nil && out.Points > 0 {
		out.Phase = fp.phase(res, len(set.Events)-1)
	} else {
		out.Phase = Phase{RegRate: math.NaN()}
	}
	return out, nil
}

// streamNetDiscrete is GD, SGD or noisy GD of any model but the scalar Objective (a network
// of matrix layers, through discrete.NetStepper): every record-th iterate (and the last) to
// Keep, no scalar measurements.
func streamNetDiscrete(spec RunSpec, opt StreamOptions, net flow.Model) (*Streamed, error) {
	p := discrete.NetProblem{Model: net}
	set := &discrete.Settings{LR: spec.LR, Steps: spec.Steps, Seed: spec.Seed, Record: spec.Record}
	switch spec.Method {
	case MethodGD:
	case MethodSGD:
		p.X, p.Y, p.Noise, set.Batch = spec.X, spec.Y, spec.Noise, spec.Batch
	case MethodNoisyGD:
		p.X, p.Y, p.Noise = spec.X, spec.Y, spec.Noise
	default:
		return nil, fmt.Errorf("analysis: unknown method %v", spec.Method)
	}
	if spec.Samples != nil && spec.Method != MethodGD {
		p.X, p.Y, p.Samples = nil, nil, spec.Samples
	}
	out := &Streamed{LR: spec.LR, Stride: max(spec.Record, 1), StepLaw: math.NaN(), Phase: Phase{RegRate: math.NaN()}}
	chk := newChecker(opt)
	var keepErr error
	res, err := discrete.RunNet(p, spec.Start, set, func(k int, w []float64) bool {
		out.Points++
		out.Kept++
		if keepErr = opt.Keep(k, float64(k)*spec.LR, w); keepErr != nil {
			return true
		}
		if chk.tick(1, float64(k), float64(spec.Steps)) {
			out.Interrupted = true
			return true
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if keepErr != nil {
		return nil, keepErr
	}
	if opt.Progress != nil {
		opt.Progress(float64(res.Steps), float64(spec.Steps))
	}
	out.Label = res.Label
	out.Discrete = &discrete.Result{Status: res.Status, DivergedAt: res.DivergedAt, Steps: res.Steps}
	out.T, out.W = float64(res.Steps)*spec.LR, res.W
	out.Status, out.End = res.Status.String(), flow.Completed
	switch {
	case res.Status == discrete.Diverged:
		out.Status, out.End = fmt.Sprintf("diverged at step %d", res.DivergedAt), flow.Diverged
	case out.Interrupted:
		out.Discrete.Status = discrete.NotTerminated
		out.Status, out.End = fmt.Sprintf("interrupted at step %d", res.Steps), flow.Stopped
	}
	return out, nil
}

// MinFlowPoints returns the smallest budget of points that holds a flow of up to maxSteps
// accepted steps thinned by doubling strides (segments of one point each), the first and the
// last point included.
func MinFlowPoints(maxSteps int) int {
	j := 1
	for math.Ldexp(1, j)-1 < float64(maxSteps)+1 {
		j++
	}
	return j + 2
}

// segmentLength returns the largest R ≤ budget such that J segments of R points with strides
// 1, 2, …, 2^(J−1) cover maxSteps + 1 points with R·J ≤ budget.
func segmentLength(budget, maxSteps int) int {
	for j := 1; j < 62; j++ {
		r := budget / j
		if r < 1 {
			break
		}
		if float64(r)*(math.Ldexp(1, j)-1) >= float64(maxSteps)+1 {
			return r
		}
	}
	return 1
}

func allFinite(y []float64) bool {
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// flowPhaseTracker finds a flow's phase boundary as FlowPhase does: the boundary is an event
// of the integration (in its Result at the end); the fit of the decay rate runs from the
// first point at or after it. The tracker evaluates the event at every point and starts the
// sums of a fit at every rise of its sign from negative to positive (and at the first point),
// which is where the integration locates a crossing from normal to tangential motion.
type flowPhaseTracker struct {
	d      int
	c      float64
	ev     ode.Event
	dbuf   []float64
	first  []float64
	t0     float64
	sign   float64 // the last nonzero sign of the event
	n      int
	all    fitSums // from the first point
	cand   fitSums // from the last rise
	candOK bool
	prevT  float64
}

// fitSums are the sums of the least-squares fit of ln‖D‖ from a start point on.
type fitSums struct {
	start         int
	startT, prevT float64
	floor, minND  float64
	lineFit
}

func (s *fitSums) add(t, nd float64) {
	if nd <= s.floor || nd == 0 {
		return
	}
	s.minND = math.Min(s.minND, nd)
	s.lineFit.add(t, math.Log(nd))
}

func newFlowPhaseTracker(d int, c float64, ev ode.Event) *flowPhaseTracker {
	return &flowPhaseTracker{d: d, c: c, ev: ev, dbuf: make([]float64, max(d-1, 0)), first: make([]float64, d)}
}

func (p *flowPhaseTracker) add(t float64, w []float64) {
	nd := flow.Imbalance(p.dbuf, w)
	if p.n == 0 {
		copy(p.first, w)
		p.t0 = t
		p.all = fitSums{start: 0, startT: t, floor: 1e-12 * nd, minND: math.Inf(1)}
	}
	e := p.ev.Func(t, w)
	if e > 0 && p.sign < 0 {
		// The first point at or after a rise: a fit whose floor is set at the end (the
		// threshold is 1e-12·‖D‖ at the crossing).
		p.cand = fitSums{start: p.n, startT: t, prevT: p.prevT, minND: math.Inf(1)}
		p.candOK = true
	}
	if e != 0 {
		p.sign = e
	}
	p.all.add(t, nd)
	if p.candOK {
		p.cand.add(t, nd)
	}
	p.prevT = t
	p.n++
}

// phase returns FlowPhase's boundary from the integration's result res, the phase event being
// event k.
func (p *flowPhaseTracker) phase(res *ode.Result, k int) Phase {
	none := Phase{RegRate: math.NaN()}
	last, found := phaseHit(res, k, p.ev, p.t0, p.first)
	switch {
	case !found:
		return none
	case last == nil:
		obj := flow.Objective{Depth: p.d, C: p.c}
		ph := Phase{Found: true, T: p.t0, Index: 0, Loss: obj.Loss(p.first), Imbalance: flow.Imbalance(p.dbuf, p.first)}
		ph.RegRate = p.all.decay()
		return ph
	}
	obj := flow.Objective{Depth: p.d, C: p.c}
	ph := Phase{Found: true, T: last.T, Loss: obj.Loss(last.Y), Imbalance: flow.Imbalance(p.dbuf, last.Y), RegRate: math.NaN()}
	ph.Index = p.n - 1
	if p.candOK && p.cand.startT >= last.T && (p.cand.start == 0 || p.cand.prevT < last.T) {
		ph.Index = p.cand.start
		// The sums skipped no point above the floor of the crossing; they match
		// FlowPhase's when none of their points is at or below it.
		if p.cand.minND > 1e-12*ph.Imbalance {
			ph.RegRate = p.cand.decay()
		}
	}
	return ph
}

// RecordStride returns the stride s of the recorded steps of a run of the given steps:
// record, or the least s above it for which the steps 0, s, 2s, … and the last fit in
// maxPoints rows, s = ⌈steps/(maxPoints − 2)⌉ (no bound where maxPoints ≤ 2). Stream,
// Compare and the runs that choose their records themselves keep every s-th step.
func RecordStride(steps, record, maxPoints int) int {
	if maxPoints <= 2 {
		return record
	}
	return max(record, int((int64(steps)+int64(maxPoints)-3)/int64(maxPoints-2)))
}
