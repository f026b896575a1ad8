package ode

import (
	"fmt"
	"math"
	"sync"
)

// Default settings; see the Settings field comments.
const (
	defaultRtol           = 1e-6
	defaultAtol           = 1e-9
	defaultMaxSteps       = 100000
	defaultEventSamples   = 8
	defaultStiffnessCheck = 1000
	// Hairer's stiffness test fires after 15 consecutive positive tests and is reset by 6 negative ones.
	stiffCount    = 15
	nonStiffCount = 6
	// unitRoundoff is the u of the step-size guard 0.1·|h| ≤ |t|·u (Hairer's UROUND).
	unitRoundoff = 2.3e-16
)

// Integrate solves the initial value problem p with method m. A nil s means default settings.
//
// The step size is chosen by the PI controller of Hairer, Nørsett & Wanner (Solving ODEs I,
// §II.4 and the codes DOPRI5/DOP853) with the method's constants, starting from Hairer's
// HINIT estimate. The last step is shortened to land exactly on p.T1.
//
// Settings that a user can get wrong (negative tolerances, output times out of range, …)
// give an error. Integrate panics if p.Func or m is nil or the tolerance vectors do not have
// the length of p.Y0.
//
// Integrate takes its buffers from a pool of workspaces and allocates only the Result it
// returns; Workspace.Integrate allocates nothing.
func Integrate(p Problem, s *Settings, m Method) (*Result, error) {
	ws := workspaces.Get().(*Workspace)
	defer func() {
		ws.d.release()
		workspaces.Put(ws)
	}()
	r, err := ws.Integrate(p, s, m)
	if err != nil {
		return nil, err
	}
	return r.clone(), nil
}

var workspaces = sync.Pool{New: func() any { return new(Workspace) }}

// clone returns a copy of r that shares no memory with it, nil lists nil: one allocation for
// the numbers, and one for each of the output and event lists.
func (r *Result) clone() *Result {
	c := new(Result)
	*c = *r
	n := len(r.Y)
	size := n + len(r.OutputT) + len(r.OutputY)*n + len(r.Events)*n
	buf := make([]float64, size)
	next := func(k int) []float64 {
		s := buf[:k:k]
		buf = buf[k:]
		return s
	}
	c.Y = next(n)
	copy(c.Y, r.Y)
	c.OutputT, c.OutputY, c.Events = nil, nil, nil
	if r.OutputT != nil {
		c.OutputT = next(len(r.OutputT))
		copy(c.OutputT, r.OutputT)
		c.OutputY = make([][]float64, len(r.OutputY))
		for k, y := range r.OutputY {
			c.OutputY[k] = next(n)
			copy(c.OutputY[k], y)
		}
	}
	if r.Events != nil {
		c.Events = make([]EventHit, len(r.Events))
		for k, e := range r.Events {
			c.Events[k] = e
			c.Events[k].Y = next(n)
			copy(c.Events[k].Y, e.Y)
		}
	}
	return c
}

// Workspace holds the buffers and the Result of an integration, so that many integrations
// of the same dimension allocate nothing: after the first, Workspace.Integrate with a method
// value that is reused (its Init keeps its buffers) makes no allocation, event hits and
// output included once their storage has grown. The zero Workspace is ready to use. It is
// not safe for use by several goroutines at once.
type Workspace struct {
	d   driver
	res Result
}

// Integrate is the function Integrate with the workspace's buffers. The Result and every
// slice in it (Y, OutputT, OutputY, Events and their Y) belong to the workspace: they are
// valid until its next Integrate.
func (w *Workspace) Integrate(p Problem, s *Settings, m Method) (*Result, error) {
	if p.Func == nil || m == nil {
		panic("ode: nil function or method")
	}
	d := &w.d
	if s != nil {
		d.set = *s
	} else {
		d.set = Settings{}
	}
	n := len(p.Y0)
	set := &d.set
	if set.RtolVec != nil && len(set.RtolVec) != n || set.AtolVec != nil && len(set.AtolVec) != n {
		panic("ode: tolerance vector length mismatch")
	}
	if err := checkSettings(set, p); err != nil {
		return nil, err
	}
	d.reset(p, &w.res, m)
	d.run()
	return d.res, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkSettings(s *Settings, p Problem) error {
	if !finite(p.T0) || !finite(p.T1) {
		return fmt.Errorf("ode: time span [%v, %v] is not finite", p.T0, p.T1)
	}
	if !finite(p.T1 - p.T0) {
		return fmt.Errorf("ode: time span [%v, %v] is longer than the largest float64", p.T0, p.T1)
	}
	for i, v := range p.Y0 {
		if !finite(v) {
			return fmt.Errorf("ode: initial state y0[%d] = %v is not finite", i, v)
		}
	}
	if s.Rtol == 0 {
		s.Rtol = defaultRtol
	}
	if s.Atol == 0 {
		s.Atol = defaultAtol
	}
	badTol := func(v float64) error {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("ode: tolerance %v must be finite and ≥ 0", v)
		}
		return nil
	}
	if err := badTol(s.Rtol); err != nil {
		return err
	}
	if err := badTol(s.Atol); err != nil {
		return err
	}
	for _, v := range s.RtolVec {
		if err := badTol(v); err != nil {
			return err
		}
	}
	for _, v := range s.AtolVec {
		if err := badTol(v); err != nil {
			return err
		}
	}
	for _, c := range [...]struct {
		name string
		v    float64
	}{{"initial step", s.InitialStep}, {"maximum step", s.MaxStep}, {"fixed step", s.FixedStep}} {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("ode: %s %v must be finite and ≥ 0", c.name, c.v)
		}
	}
	rtolSmall := func(v float64) error {
		if v < 10*unitRoundoff {
			return fmt.Errorf("ode: rtol %v is below 10·u = %.2g: tolerances too small", v, 10*unitRoundoff)
		}
		return nil
	}
	if s.RtolVec == nil {
		if err := rtolSmall(s.Rtol); err != nil {
			return err
		}
	}
	for _, v := range s.RtolVec {
		if err := rtolSmall(v); err != nil {
			return err
		}
	}
	for _, c := range [...]struct {
		name   string
		v      float64
		lo, hi float64
	}{{"safety factor", s.Safety, 0, 1}, {"fac1", s.Fac1, 0, 1}, {"fac2", s.Fac2, 1, math.Inf(1)}} {
		if c.v != 0 && !(c.v > c.lo && c.v <= c.hi) || math.IsNaN(c.v) {
			return fmt.Errorf("ode: %s %v must be in (%v, %v]", c.name, c.v, c.lo, c.hi)
		}
	}
	if math.IsNaN(s.Beta) || s.Beta >= 1 {
		return fmt.Errorf("ode: beta %v must be < 1", s.Beta)
	}
	if s.MaxSteps < 0 {
		return fmt.Errorf("ode: step limit %d must be ≥ 0", s.MaxSteps)
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = defaultMaxSteps
	}
	if s.EventSamples < 0 {
		return fmt.Errorf("ode: event samples %d must be ≥ 0", s.EventSamples)
	}
	if s.EventSamples == 0 {
		s.EventSamples = defaultEventSamples
	}
	if s.StiffnessCheck == 0 {
		s.StiffnessCheck = defaultStiffnessCheck
	}
	dir := 1.0
	if p.T1 < p.T0 {
		dir = -1
	}
	prev := p.T0
	for _, t := range s.Output {
		if !finite(t) || (t-prev)*dir < 0 || (t-p.T1)*dir > 0 {
			return fmt.Errorf("ode: output time %v is out of order or outside [%v, %v]", t, p.T0, p.T1)
		}
		prev = t
	}
	for i, e := range s.Events {
		if e.Func == nil {
			return fmt.Errorf("ode: event %d has no function", i)
		}
	}
	return nil
}

type driver struct {
	set Settings
	p   Problem
	s   *Settings
	m   Method
	// lazy is m when its dense output costs evaluations: it is built only when needed.
	lazy DenseBuilder
	// dp5 is the method when it is DOPRI5, whose dense output the driver defers (accept).
	dp5 *DOPRI5
	ctl Control
	sc  Scale
	res *Result
	n   int
	dir float64

	buf                []float64
	y, y1, f0, f1, tmp []float64
	dense              bool
	// built is true when the dense output of the current step is ready (always when the
	// method's is free).
	built   bool
	nextOut int
	outStop bool      // OutputFunc asked to stop
	outBuf  []float64 // backing store of Result.OutputY
	// Storage of the Result's lists, kept from one integration to the next.
	outT  []float64
	outY  [][]float64
	hits  []EventHit
	gPrev []float64 // event values at the start of the step
	// Per event: the sign of the last non-zero value of g, and whether g has been exactly
	// zero since (a root at zeroT, state zeroY, that is a crossing only if g then changes sign).
	lastSign []int
	pending  []bool
	zeroT    []float64
	zeroY    []float64
	termY    []float64 // the state at the terminal root of the current step
	hitY     []float64 // backing store of the states of the event hits
	// Scratch of mayCross: signs, pending zeros and end values per event.
	lsTmp []int
	pdTmp []bool
	gTmp  []float64
	// screened is true when every event has FuncDy (see screen); dyTmp is the derivative of
	// the Hermite interpolant at a screening sample.
	screened bool
	dyTmp    []float64
	// endOK is true when gTmp holds every event's FuncDy at the end of the current step, as
	// screen computed it before it found a reason to sample the step; events and mayCross take
	// it from there.
	endOK bool
}

// release drops the references to the caller's problem, settings and method, so that a pooled
// workspace keeps nothing alive.
func (d *driver) release() {
	d.set, d.p, d.s, d.m, d.lazy, d.dp5, d.res = Settings{}, Problem{}, nil, nil, nil, nil, nil
}

// settleDense builds DOPRI5's deferred dense output of the last accepted step while its buffers
// still hold the step, so that the method's Interpolate gives it after the run as Accept's
// would; after a step that was not accepted there is none to build.
func (d *driver) settleDense() {
	if m := d.dp5; m != nil && m.pend {
		if m.accepted {
			dp5dense(m)
		}
		m.pend = false
	}
}

// grow returns b resliced to length n, reallocated if its capacity is less.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// reset prepares the driver for the problem p with settings d.set (checked) and method m,
// reusing its buffers and res.
func (d *driver) reset(p Problem, res *Result, m Method) {
	s := &d.set
	n := len(p.Y0)
	d.p, d.s, d.m, d.n, d.dir = p, s, m, n, 1
	if p.T1 < p.T0 {
		d.dir = -1
	}
	d.sc = Scale{rtol: s.Rtol, atol: s.Atol, rtolVec: s.RtolVec, atolVec: s.AtolVec}
	d.ctl = m.Control()
	if s.Safety != 0 {
		d.ctl.Safety = s.Safety
	}
	if s.Fac1 != 0 {
		d.ctl.Fac1 = s.Fac1
	}
	if s.Fac2 != 0 {
		d.ctl.Fac2 = s.Fac2
	}
	if s.Beta != 0 {
		d.ctl.Beta = s.Beta
	}
	if d.ctl.Beta < 0 {
		d.ctl.Beta = 0
	}
	d.buf = grow(d.buf, 5*n)
	buf := d.buf
	d.y, d.y1, d.f0, d.f1, d.tmp = buf[:n:n], buf[n:2*n:2*n], buf[2*n:3*n:3*n], buf[3*n:4*n:4*n], buf[4*n:5*n:5*n]
	copy(d.y, p.Y0)
	d.dense = len(s.Output) > 0 || len(s.Events) > 0
	d.lazy, _ = m.(DenseBuilder)
	d.dp5, _ = m.(*DOPRI5)
	d.nextOut, d.outStop = 0, false
	// Keep the storage the last Result grew, then start a Result as Integrate always has:
	// output lists only when output times are asked for, no event list before the first hit.
	if cap(res.OutputT) > cap(d.outT) {
		d.outT, d.outY = res.OutputT[:0], res.OutputY[:0]
	}
	if cap(res.Events) > cap(d.hits) {
		d.hits = res.Events[:0]
	}
	*res = Result{T: p.T0, StiffAt: math.NaN(), Y: grow(res.Y, n)}
	d.res = res
	if k := len(s.Output); k > 0 && s.OutputFunc != nil {
		d.outBuf = grow(d.outBuf, n)
	} else if k > 0 {
		d.outBuf = grow(d.outBuf, k*n)
		if cap(d.outT) < k {
			d.outT, d.outY = make([]float64, 0, k), make([][]float64, 0, k)
		}
		res.OutputT, res.OutputY = d.outT[:0], d.outY[:0]
	}
	ne := len(s.Events)
	d.gPrev, d.lastSign, d.pending, d.zeroT = grow(d.gPrev, ne), grow(d.lastSign, ne), grow(d.pending, ne), grow(d.zeroT, ne)
	clear(d.pending)
	d.lsTmp, d.pdTmp, d.gTmp = grow(d.lsTmp, ne), grow(d.pdTmp, ne), grow(d.gTmp, ne)
	d.zeroY = grow(d.zeroY, ne*n)
	d.termY = grow(d.termY, n)
	d.hitY = d.hitY[:0]
	d.screened = ne > 0
	for _, e := range s.Events {
		d.screened = d.screened && e.FuncDy != nil
	}
	if d.screened {
		d.dyTmp = grow(d.dyTmp, n)
	}
}

func (d *driver) eval(dst []float64, t float64, y []float64) {
	d.p.Func(dst, t, y)
	d.res.Stats.Evaluations++
}

// sumsq returns Σ_i (v_i/sk_i)² with sk computed from y alone, as Hairer's HINIT does
// (plain sums, not the RMS norm of the step control).
func (d *driver) sumsq(v []float64) float64 {
	var s float64
	for i, x := range v {
		r := x / d.sc.At(i, d.y[i], d.y[i])
		s += r * r
	}
	return s
}

// hinit is Hairer's initial step-size heuristic (HINIT in DOPRI5/DOP853; Solving ODEs I,
// §II.4): one Euler probe.
func (d *driver) hinit(t, hmax float64) float64 {
	dny, dnf := d.sumsq(d.y), d.sumsq(d.f0)
	h := 0.01 * math.Sqrt(dny/dnf)
	if dnf <= 1e-10 || dny <= 1e-10 || !finite(h) {
		h = 1e-6
	}
	h = math.Min(h, hmax)
	for i := range d.y1 {
		d.y1[i] = d.y[i] + d.dir*h*d.f0[i]
	}
	d.eval(d.f1, t+d.dir*h, d.y1)
	for i := range d.tmp {
		d.tmp[i] = d.f1[i] - d.f0[i]
	}
	der2 := math.Sqrt(d.sumsq(d.tmp)) / h
	order := float64(d.ctl.Order)
	var h1 float64
	if der12 := math.Max(der2, math.Sqrt(dnf)); der12 <= 1e-15 {
		h1 = math.Max(1e-6, 1e-3*h)
	} else {
		h1 = math.Pow(0.01/der12, 1/order)
	}
	h = math.Min(math.Min(100*h, h1), hmax)
	if !finite(h) || h <= 0 {
		h = 1e-6
	}
	return d.dir * h
}

// minPos and maxPos are math.Min and math.Max for the controller's factors and step sizes,
// which are never −0 there: comparisons give the same value, NaN and infinities included (an
// infinity wins over NaN, as in math), without the call
// (math.Min and math.Max are not inlined on amd64).
func minPos(a, b float64) float64 {
	switch {
	case a < -math.MaxFloat64 || b < -math.MaxFloat64:
		return math.Inf(-1)
	case b < a || b != b:
		return b
	}
	return a
}

func maxPos(a, b float64) float64 {
	switch {
	case a > math.MaxFloat64 || b > math.MaxFloat64:
		return math.Inf(1)
	case b > a || b != b:
		return b
	}
	return a
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}

// bothFinite reports whether every entry of a and b is finite. It tests the exponent bits
// without a branch per entry: an exponent of all ones (Inf or NaN) carries into bit 63 when
// 1 is added to it.
func bothFinite(a, b []float64) bool {
	const exp, one = 0x7ff << 52, 1 << 52
	var bad uint64
	for _, x := range a {
		bad |= math.Float64bits(x)&exp + one
	}
	for _, x := range b {
		bad |= math.Float64bits(x)&exp + one
	}
	return bad>>63 == 0
}

func (d *driver) stop(st Status, t, h float64) {
	d.settleDense()
	d.res.Status = st
	d.res.T = t
	d.res.H = h
	copy(d.res.Y, d.y)
}

func (d *driver) run() {
	s, p, m := d.s, d.p, d.m
	t := p.T0
	m.Init(p.Func, d.n)
	d.eval(d.f0, t, d.y)
	d.output(t, t, d.y) // outputs at T0
	if d.outStop {
		d.stop(ObserverStop, t, 0)
		return
	}
	for i, e := range s.Events {
		d.gPrev[i] = e.Func(t, d.y)
		// A root at the start is not a crossing: only a sign change after it would be.
		d.lastSign[i] = sign(d.gPrev[i])
	}
	// The observer sees the initial state even when the run cannot start.
	if s.Observer != nil && s.Observer(t, d.y) {
		d.stop(ObserverStop, t, 0)
		return
	}
	if !allFinite(d.f0) {
		d.stop(NonFinite, t, 0)
		return
	}
	span := math.Abs(p.T1 - p.T0)
	if span == 0 {
		d.stop(Success, t, 0)
		return
	}
	if s.FixedStep > 0 {
		d.runFixed(span)
		return
	}
	hmax := span
	if s.MaxStep > 0 {
		hmax = math.Min(hmax, s.MaxStep)
	}
	var h float64
	if s.InitialStep > 0 {
		h = d.dir * math.Min(s.InitialStep, hmax)
	} else {
		h = d.hinit(t, hmax)
	}

	ctl := d.ctl
	expo1 := 1/float64(ctl.Order) - ctl.BetaWeight*ctl.Beta
	facc1, facc2 := 1/ctl.Fac1, 1/ctl.Fac2
	// facoldBeta = facold^β, with facold the error of the last accepted step (1e-4 at the
	// start), updated at each acceptance. Powers are taken as exp(log): math.Pow costs as
	// much as a whole step of a small system, and the controller needs no more than a few ulps.
	// One log serves both powers of a step: log(max(err, 1e-4)) is max(log err, log 1e-4).
	// (A table-driven log and exp as accurate as math's, 1.8× faster together, moved the last
	// bits of the step sizes and with them error-sized measurements of reproduce in their 7th
	// digit: the powers stay math's, and the steps stay the ones pinned in the tests.)
	// ctlPowers gives math.Log's and math.Exp's values to the bit: on amd64 both powers of a
	// step come from one assembly call (powers_amd64.go).
	logMin := math.Log(1e-4)
	facoldBeta := math.Exp(ctl.Beta * logMin)
	fastPowers := math.Abs(expo1) <= 0.9 && math.Abs(ctl.Beta) <= 0.9
	reject, last := false, false
	failure := StepTooSmall // the status when the step size underflows
	iasti, nonsti := 0, 0
	nextStiff := s.StiffnessCheck // the next Accepted count at which the stiffness test is due
	st := &d.res.Stats
	for {
		if st.Steps >= s.MaxSteps {
			d.stop(StepLimit, t, h)
			return
		}
		if 0.1*math.Abs(h) <= math.Abs(t)*unitRoundoff || math.Abs(h) < math.SmallestNonzeroFloat64*1e10 {
			d.stop(failure, t, h)
			return
		}
		if (t+1.01*h-p.T1)*d.dir > 0 {
			h = p.T1 - t
			last = true
		}
		st.Steps++
		err, ev := m.Step(d.y1, t, h, d.y, d.f0, &d.sc)
		st.Evaluations += ev
		if !(err-err == 0) || err < 0 { // err is NaN or ±Inf, or the method failed
			// A non-finite proposal (err NaN or Inf) or unsolved stage equations (err < 0):
			// retry with a smaller step.
			// NonFinite only when the proposal itself is not finite; a norm that overflows
			// (tolerances far below the state's size) is a step that cannot be made small enough.
			failure = StepTooSmall
			switch {
			case err < 0:
				failure = NoConvergence
			case !allFinite(d.y1):
				failure = NonFinite
			}
			st.Rejected++
			if failure == NoConvergence {
				h *= 0.5 // as RADAU5 does when Newton's iteration fails
			} else {
				h *= ctl.Fac1
			}
			reject, last = true, false
			continue
		}
		failure = StepTooSmall
		// fac11 = err^expo1, and the next facold^β should the step be accepted.
		fac11, nextOldBeta := ctlPowers(err, expo1, ctl.Beta, logMin, fastPowers)
		fac := fac11
		if ctl.Beta != 0 { // facoldBeta is 1 otherwise, and the division would wait for nothing
			fac /= facoldBeta
		}
		// The builtin min and max are branch-free; with facc1 and facc2 finite they give
		// minPos's and maxPos's values.
		fac = max(facc2, min(facc1, fac/ctl.Safety))
		hnew := h / fac
		if err > 1 {
			hnew = h / min(facc1, fac11/ctl.Safety)
			reject, last = true, false
			st.Rejected++
			h = hnew
			continue
		}
		// Accepted.
		facoldBeta = nextOldBeta
		st.Accepted++
		st.Evaluations += d.accept()
		tnew := t + h
		if last {
			tnew = p.T1
		}
		if !bothFinite(d.y1, d.f1) {
			d.stop(NonFinite, t, h)
			return
		}
		// The test runs when Accepted is a multiple of StiffnessCheck (counted, not divided:
		// an integer division costs more than the rest of the test) or after a positive one.
		due := st.Accepted == nextStiff
		if due {
			nextStiff += s.StiffnessCheck
		}
		if s.StiffnessCheck > 0 && (due || iasti > 0) {
			if hl := m.Stiffness(); hl > ctl.StiffLimit {
				nonsti = 0
				iasti++
				if iasti == stiffCount && !d.res.Stiff {
					d.res.Stiff, d.res.StiffAt = true, t
				}
			} else if !math.IsNaN(hl) {
				nonsti++
				if nonsti == nonStiffCount {
					iasti = 0
				}
			}
		}
		if d.stepDone(t, tnew) {
			return
		}
		t = tnew
		if last {
			d.stop(Success, t, hnew)
			return
		}
		if math.Abs(hnew) > hmax {
			hnew = d.dir * hmax
		}
		if reject {
			hnew = d.dir * minPos(math.Abs(hnew), math.Abs(h))
		}
		reject = false
		h = hnew
	}
}

// runFixed takes ⌈span/FixedStep⌉ equal steps; t_k = T0 + k·h is computed, not accumulated.
func (d *driver) runFixed(span float64) {
	p, m := d.p, d.m
	// The count as a float: a tiny step must end at the step limit, not overflow an int.
	nsteps := math.Max(1, math.Ceil(span/d.s.FixedStep-1e-9))
	h := (p.T1 - p.T0) / nsteps
	st := &d.res.Stats
	t := p.T0
	for k := 1; float64(k) <= nsteps; k++ {
		if st.Steps >= d.s.MaxSteps {
			d.stop(StepLimit, t, h)
			return
		}
		st.Steps++
		err, ev := m.Step(d.y1, t, h, d.y, d.f0, nil)
		st.Evaluations += ev
		if err < 0 { // the method could not complete the step (implicit stage equations)
			st.Rejected++
			d.stop(NoConvergence, t, h)
			return
		}
		st.Accepted++
		st.Evaluations += d.accept()
		if !allFinite(d.y1) || !allFinite(d.f1) {
			d.stop(NonFinite, t, h)
			return
		}
		tnew := p.T0 + float64(k)*h
		if float64(k) == nsteps {
			tnew = p.T1
		}
		if d.stepDone(t, tnew) {
			return
		}
		t = tnew
	}
	d.stop(Success, t, h)
}

// accept accepts the last step, with its dense output when it is free and needed, and
// returns the evaluations made.
func (d *driver) accept() int {
	d.built = d.dense && d.lazy == nil
	if d.dp5 != nil {
		// Deferred: stepDone interpolates before anything overwrites the step's buffers.
		d.dp5.accept(d.f1, d.built, true)
		return 0
	}
	return d.m.Accept(d.f1, d.built)
}

// needDense builds the dense output of the current step if it is not built yet.
func (d *driver) needDense() {
	if !d.built {
		d.res.Stats.Evaluations += d.lazy.Dense()
		d.built = true
	}
}

// stepDone handles an accepted step from t to tnew whose end state is in y1: events,
// output, the observer; then it moves y1 into y. It returns true when the run stops.
func (d *driver) stepDone(t, tnew float64) bool {
	h := tnew - t
	if len(d.s.Events) > 0 && d.mayHold(t, tnew) {
		d.needDense()
		if tr, ok := d.events(t, tnew); ok {
			// Terminal event: the run ends at its root, with the state recorded there (y1
			// itself when the root is the end of the step).
			copy(d.tmp, d.termY)
			d.output(t, tr, d.tmp)
			d.settleDense() // before y, the step's start, is overwritten
			copy(d.y, d.tmp)
			d.stop(EventStop, tr, h)
			return true
		}
	}
	if d.nextOut < len(d.s.Output) {
		d.output(t, tnew, d.y1)
	}
	// The new state and derivative become the start of the next step: swapped, not copied.
	d.y, d.y1 = d.y1, d.y
	d.f0, d.f1 = d.f1, d.f0
	if d.outStop {
		d.stop(ObserverStop, tnew, h)
		return true
	}
	if d.s.Observer != nil && d.s.Observer(tnew, d.y) {
		d.stop(ObserverStop, tnew, h)
		return true
	}
	d.res.T = tnew
	return false
}

// output stores the states at the output times in (t, tend] (or at t = tend = T0), taking
// yend itself at tend and the dense output inside.
func (d *driver) output(t, tend float64, yend []float64) {
	out := d.s.Output
	for d.nextOut < len(out) {
		to := out[d.nextOut]
		if (to-tend)*d.dir > 0 {
			return
		}
		k := d.nextOut
		if d.s.OutputFunc != nil {
			k = 0 // one buffer, handed over and reused
		}
		y := d.outBuf[k*d.n : (k+1)*d.n : (k+1)*d.n]
		if to == tend {
			copy(y, yend)
		} else {
			d.needDense()
			d.m.Interpolate(y, to)
		}
		d.nextOut++
		if d.s.OutputFunc != nil {
			if d.s.OutputFunc(to, y) {
				d.outStop = true
				return
			}
			continue
		}
		d.res.OutputT = append(d.res.OutputT, to)
		d.res.OutputY = append(d.res.OutputY, y)
	}
}

// mayHold reports whether the step from t to tnew may hold a sign change of an event, which
// events then samples on the dense output. Events with FuncDy are screened first (screen);
// a method whose dense output costs evaluations is looked at on the Hermite interpolant
// (mayCross) before its dense output is built.
func (d *driver) mayHold(t, tnew float64) bool {
	d.endOK = false
	if d.screened && !d.screen(t, tnew) {
		return false
	}
	return d.built || d.mayCross(t, tnew)
}

// screen is the look at a step through the events' FuncDy (see Event.FuncDy). When every
// event's last sign is known, no zero is pending, and the value at the end of the step (exact:
// FuncDy with the method's f there) and the values at the EventSamples interior points of the
// cubic Hermite interpolant all lie beyond the event's Margin on the side of its last sign, it
// does what events would have done on such a step (the end values into gPrev; the signs stay)
// and returns false. Otherwise it changes nothing and returns true.
func (d *driver) screen(t, tnew float64) bool {
	ev := d.s.Events
	for i, e := range ev {
		if d.pending[i] || d.lastSign[i] == 0 {
			return true
		}
		g := e.FuncDy(tnew, d.y1, d.f1)
		if !(g*float64(d.lastSign[i]) > e.Margin) {
			return true
		}
		d.gTmp[i] = g
	}
	d.endOK = true
	ns := d.s.EventSamples
	n := len(d.y)
	h := tnew - t
	// The screen only compares values with a margin: its arithmetic need not be the dense
	// output's, and divisions are taken as products.
	ih, is := 1/h, 1/float64(ns+1)
	y0, y1, f0, f1, yb, dy := d.y, d.y1[:n], d.f0[:n], d.f1[:n], d.tmp[:n], d.dyTmp[:n]
	for j := 1; j <= ns; j++ {
		th := float64(j) * is
		tb := t + h*th
		th1 := th - 1
		for k := range yb {
			// y(θ) = y0 + θΔ + θ(θ−1)·a, a = (1−2θ)Δ + (θ−1)h·f0 + θh·f1, and its derivative
			// (Δ + (2θ−1)·a + θ(θ−1)·(h·f0 + h·f1 − 2Δ))/h.
			dk, hf0, hf1 := y1[k]-y0[k], h*f0[k], h*f1[k]
			a := (1-2*th)*dk + th1*hf0 + th*hf1
			yb[k] = y0[k] + th*dk + th*th1*a
			dy[k] = (dk + (2*th-1)*a + th*th1*(hf0+hf1-2*dk)) * ih
		}
		for i, e := range ev {
			if !(e.FuncDy(tb, yb, dy)*float64(d.lastSign[i]) > e.Margin) {
				return true
			}
		}
	}
	copy(d.gPrev, d.gTmp[:len(ev)])
	d.endOK = false
	return false
}

// mayCross is the first look at the events of a step whose dense output costs evaluations.
// It runs the bookkeeping of events on samples of the cubic Hermite interpolant of the step's
// ends (values and derivatives, free) at the same times, and on the exact end state (there the
// value that screen took from FuncDy, when it has it: Func's value). When no
// sample would make a hit, and none would record a state at a new zero, it keeps the result
// (the signs, the pending zeros and the end values, as events would have left them) and
// returns false: the step holds no crossing, up to the Hermite's error (O(h⁴), where the
// dense output's is O(h⁸)). Otherwise it changes nothing and returns true, and events looks
// again on the dense output.
func (d *driver) mayCross(t, tnew float64) bool {
	ev := d.s.Events
	ns := d.s.EventSamples
	n := len(d.y)
	h := tnew - t
	y0, y1, f0, f1, tmp := d.y, d.y1[:n], d.f0[:n], d.f1[:n], d.tmp[:n]
	ls, pd := d.lsTmp[:len(ev)], d.pdTmp[:len(ev)]
	copy(ls, d.lastSign)
	copy(pd, d.pending)
	for j := 1; j <= ns+1; j++ {
		tb, yb := tnew, y1
		if j <= ns {
			tb = t + (tnew-t)*float64(j)/float64(ns+1)
			th := (tb - t) / h
			th1 := th - 1
			for k := range tmp {
				dy := y1[k] - y0[k]
				tmp[k] = y0[k] + th*dy + th*th1*((1-2*th)*dy+th1*h*f0[k]+th*h*f1[k])
			}
			yb = tmp
		}
		for i, e := range ev {
			var gb float64
			if j > ns && d.endOK {
				gb = d.gTmp[i] // FuncDy at the end, from screen: Func's value there
			} else {
				gb = e.Func(tb, yb)
			}
			sb := sign(gb)
			switch {
			case sb == 0:
				if ls[i] != 0 && !pd[i] {
					return true // a new zero: its state must come from the dense output
				}
			case pd[i]:
				pd[i] = false
				if sb != ls[i] {
					return true
				}
			case ls[i] != 0 && sb != ls[i]:
				return true
			}
			if sb != 0 {
				ls[i] = sb
			}
			if j == ns+1 {
				d.gTmp[i] = gb
			}
		}
	}
	copy(d.lastSign, ls)
	copy(d.pending, pd)
	copy(d.gPrev, d.gTmp[:len(ev)])
	return false
}

// events samples every event function at EventSamples interior points of the step
// [t, tnew] on the dense output, locates each sign change, and records the hits in time
// order. It returns the time of the first terminal root in the step, if any.
func (d *driver) events(t, tnew float64) (float64, bool) {
	ev := d.s.Events
	ns := d.s.EventSamples
	first := len(d.res.Events)
	termT, term := 0.0, false
	hit := func(i, dirn int, root float64, y []float64) {
		e := ev[i]
		if e.Direction != 0 && e.Direction != dirn {
			return
		}
		if term && (root-termT)*d.dir >= 0 {
			return
		}
		k := len(d.hitY)
		d.hitY = append(d.hitY, y...)
		if d.res.Events == nil {
			d.res.Events = d.hits[:0]
		}
		d.res.Events = append(d.res.Events, EventHit{Event: i, T: root, Y: d.hitY[k:len(d.hitY):len(d.hitY)], Direction: dirn})
		if e.Terminal {
			termT, term = root, true
			copy(d.termY, y)
		}
	}
	for i, e := range ev {
		ga, ta := d.gPrev[i], t
		zy := d.zeroY[i*d.n : (i+1)*d.n]
		for j := 1; j <= ns+1; j++ {
			tb, yb := tnew, d.y1
			if j <= ns {
				tb = t + (tnew-t)*float64(j)/float64(ns+1)
				d.m.Interpolate(d.tmp, tb)
				yb = d.tmp
			}
			var gb float64
			if j > ns && d.endOK {
				gb = d.gTmp[i] // FuncDy at the end, from screen
			} else if j > ns && e.FuncDy != nil {
				gb = e.FuncDy(tb, yb, d.f1) // the same value, with the method's f at the end
			} else {
				gb = e.Func(tb, yb)
			}
			sb := sign(gb)
			switch {
			case sb == 0:
				// g is exactly zero at a sample: a crossing only if the next non-zero
				// value has the other sign; a touch otherwise.
				if d.lastSign[i] != 0 && !d.pending[i] {
					d.pending[i], d.zeroT[i] = true, tb
					copy(zy, yb)
				}
			case d.pending[i]:
				d.pending[i] = false
				if sb != d.lastSign[i] {
					hit(i, sb, d.zeroT[i], zy)
				}
			case d.lastSign[i] != 0 && sb != d.lastSign[i]:
				root := d.root(e.Func, ta, tb, ga, gb)
				if root == tnew {
					hit(i, sb, root, d.y1)
				} else {
					d.m.Interpolate(d.tmp, root)
					hit(i, sb, root, d.tmp)
				}
			}
			if sb != 0 {
				d.lastSign[i] = sb
			}
			ga, ta = gb, tb
			if term && (ta-termT)*d.dir >= 0 {
				break
			}
		}
		d.gPrev[i] = ga
	}
	// Sort the hits of this step by time, and drop those after a terminal root.
	hs := d.res.Events[first:]
	for a := 1; a < len(hs); a++ {
		for b := a; b > 0 && (hs[b].T-hs[b-1].T)*d.dir < 0; b-- {
			hs[b], hs[b-1] = hs[b-1], hs[b]
		}
	}
	if term {
		k := first
		for k < len(d.res.Events) && (d.res.Events[k].T-termT)*d.dir <= 0 {
			k++
		}
		d.res.Events = d.res.Events[:k]
	}
	return termT, term
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// root finds the root of g on the dense output between a and b, where ga and gb have
// opposite signs, by the Illinois variant of regula falsi with bisection safeguards, to the
// resolution of float64 in t.
func (d *driver) root(g func(float64, []float64) float64, a, b, ga, gb float64) float64 {
	side := 0
	for it := 0; it < 200; it++ {
		if math.Abs(b-a) <= 4*unitRoundoff*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(b-a) < 1e-300 {
			break
		}
		c := (a*gb - b*ga) / (gb - ga)
		// Keep c strictly inside and fall back to bisection when regula falsi stalls.
		if !((c-a)*(c-b) < 0) || !finite(c) || it%4 == 3 {
			c = 0.5 * (a + b)
		}
		if (c-a)*(c-b) >= 0 {
			break
		}
		d.m.Interpolate(d.tmp, c)
		gc := g(c, d.tmp)
		switch {
		case gc == 0:
			return c
		case sign(gc) == sign(gb):
			b, gb = c, gc
			if side == 1 {
				ga /= 2
			}
			side = 1
		default:
			a, ga = c, gc
			if side == -1 {
				gb /= 2
			}
			side = -1
		}
	}
	// Return the end that lies after the sign change, so the state is past the crossing.
	return b
}
