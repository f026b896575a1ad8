package analysis

import (
	"math"

	"github.com/layerflow/layerflow/flow"
)

// The trackers of this file measure a run while it steps, from its points one at a time, with
// the arithmetic of the post-hoc functions on the whole trajectory (Phases, ClassifyGD,
// StepLawDeviation, MaxRelDrift): given the points a recorded trajectory would hold, they
// give the same numbers to the bit, in memory that does not grow with the run.

// PhaseTracker finds the phase boundary of a sequence of points as Phases finds it on the
// trajectory of those points, and the balanced time (the first time ‖D‖ is at most a
// threshold). It keeps the last window + 1 points, and the sums of the fit of ln‖D‖ over the
// current candidate regularization phase. The zero PhaseTracker is not ready: call Reset.
type PhaseTracker struct {
	d, window int
	c         float64
	fit       bool
	ring      []float64 // the last window+1 points, point j at (j mod (window+1))·d
	ringT     []float64
	g, dbuf   []float64
	n         int // points seen
	// start is the index of the first point of the current tangential stretch (−1: none);
	// last the index of the last informative pair (−1: none).
	start, last int
	// The candidate boundary and the running sums of its fit (as phaseAt sums them).
	ph        Phase
	floor     float64
	sums      lineFit
	pending   bool      // the sums of the points since start are not taken yet
	cT, cND   []float64 // t and ‖D‖ of the last 2(window+1) points (fit only)
	balanced  bool
	thr, tBal float64
}

// NewPhaseTracker returns a tracker of points of depth d measuring displacements over window
// points (≤ 0 means 1) with loss floor c; fit asks for the regularization rate (which costs a
// logarithm per point in the phase).
func NewPhaseTracker(d, window int, c float64, fit bool) *PhaseTracker {
	p := &PhaseTracker{}
	p.Reset(d, window, c, fit)
	return p
}

// Reset empties p for a new run, keeping its buffers when they are large enough.
func (p *PhaseTracker) Reset(d, window int, c float64, fit bool) {
	window = max(window, 1)
	p.d, p.window, p.c, p.fit = d, window, c, fit
	n := (window + 1) * d
	if cap(p.ring) < n {
		p.ring = make([]float64, n)
	}
	if cap(p.ringT) < window+1 {
		p.ringT = make([]float64, window+1)
	}
	if cap(p.g) < d {
		p.g, p.dbuf = make([]float64, d), make([]float64, d)
	}
	p.ring, p.ringT, p.g, p.dbuf = p.ring[:n], p.ringT[:window+1], p.g[:d], p.dbuf[:max(d-1, 0)]
	if fit {
		// ‖D‖ and t of the last 2(window + 1) points, for the fit of a stretch that starts
		// window points back.
		l := 2 * (window + 1)
		if cap(p.cT) < l {
			p.cT, p.cND = make([]float64, l), make([]float64, l)
		}
		p.cT, p.cND = p.cT[:l], p.cND[:l]
	}
	p.n, p.start, p.last, p.pending = 0, -1, -1, false
	p.balanced, p.thr, p.tBal = false, 0, math.NaN()
}

// TrackBalanced asks for the balanced time: the first time of a point with ‖D‖ ≤ thr.
func (p *PhaseTracker) TrackBalanced(thr float64) { p.balanced, p.thr = true, thr }

func (p *PhaseTracker) at(j int) []float64 {
	k := j % (p.window + 1)
	return p.ring[k*p.d : (k+1)*p.d]
}

// Add takes the next point (t, w); w is copied.
func (p *PhaseTracker) Add(t float64, w []float64) {
	j := p.n
	if k := j - p.window; k >= 0 {
		// Phases' pair (k, k + window).
		wk := p.at(k)
		g := p.g
		flow.Partials(g, wk)
		var gg, dg, dd float64
		for i := range g {
			dw := w[i] - wk[i]
			gg += g[i] * g[i]
			dg += dw * g[i]
			dd += dw * dw
		}
		if gg != 0 && dd != 0 {
			vn2 := dg * dg / gg
			vt2 := dd - vn2
			if vt2 < 0 {
				vt2 = 0
			}
			if vt2 >= vn2 {
				if p.start < 0 {
					p.begin(k)
				}
			} else {
				p.start, p.pending = -1, false
			}
			p.last = k
		}
	}
	nd := math.NaN()
	if p.fit {
		nd = flow.Imbalance(p.dbuf, w)
		if p.start >= 0 {
			if p.pending && j-len(p.cT) >= p.start {
				// Point start is about to leave the ring of ‖D‖: sum start … j−1 now.
				p.catchUp()
			}
			if !p.pending {
				p.sum(t, nd)
			}
		}
		p.cT[j%len(p.cT)], p.cND[j%len(p.cND)] = t, nd
	}
	if p.balanced && math.IsNaN(p.tBal) {
		if math.IsNaN(nd) {
			nd = flow.Imbalance(p.dbuf, w)
		}
		if nd <= p.thr {
			p.tBal = t
		}
	}
	copy(p.at(j), w)
	p.ringT[j%(p.window+1)] = t
	p.n++
}

// begin starts the candidate boundary at point k (in the ring) and sums the fit over the
// points k … n−1 seen since.
func (p *PhaseTracker) begin(k int) {
	p.start = k
	w := p.at(k)
	p.ph = Phase{Found: true, T: p.ringT[k%(p.window+1)], Index: k, RegRate: math.NaN()}
	p.ph.Loss = flow.Objective{Depth: p.d, C: p.c}.Loss(w)
	p.ph.Imbalance = flow.Imbalance(p.dbuf, w)
	p.floor = 1e-12 * p.ph.Imbalance
	p.sums = lineFit{}
	// ‖D‖ of the points k … n−1 are in their ring; their sums are taken when k is about to
	// leave it (or at the end), so that a stretch that ends sooner costs nothing and the
	// sums of the points cost O(1) each on average.
	p.pending = p.fit
}

// catchUp sums the fit over the points start … n−1, all in the ring of ‖D‖.
func (p *PhaseTracker) catchUp() {
	for i := p.start; i < p.n; i++ {
		p.sum(p.cT[i%len(p.cT)], p.cND[i%len(p.cND)])
	}
	p.pending = false
}

// sum adds a point at t with ‖D‖ = nd to the fit of ln‖D‖, as phaseAt does.
func (p *PhaseTracker) sum(t, nd float64) {
	if nd <= p.floor || nd == 0 {
		return
	}
	p.sums.add(t, math.Log(nd))
}

// Phase returns the phase boundary of the points so far, as Phases gives it (the rate NaN
// unless the tracker fits).
func (p *PhaseTracker) Phase() Phase {
	if p.last < 0 || p.start < 0 {
		return Phase{RegRate: math.NaN()}
	}
	if p.pending {
		p.catchUp()
	}
	ph := p.ph
	ph.RegRate = p.sums.decay() // p.ph's is NaN (begin)
	return ph
}

// PhaseT returns the time of the phase boundary, NaN if there is none.
func (p *PhaseTracker) PhaseT() float64 {
	if p.last < 0 || p.start < 0 {
		return math.NaN()
	}
	return p.ph.T
}

// Balanced returns the balanced time (NaN: never balanced, or not asked for).
func (p *PhaseTracker) Balanced() float64 { return p.tBal }

// Len returns the number of points seen.
func (p *PhaseTracker) Len() int { return p.n }

// StabilityTracker classifies the end of a GD run as ClassifyGD does on the trajectory of
// every iterate, keeping the first sharpness and the last 11 iterates.
type StabilityTracker struct {
	d    int
	s0   float64
	ring []float64 // the last 11 iterates
	n    int
}

const stabilityTail = 11

// NewStabilityTracker returns a tracker of iterates of depth d.
func NewStabilityTracker(d int) *StabilityTracker {
	return &StabilityTracker{d: d, ring: make([]float64, stabilityTail*d)}
}

func (s *StabilityTracker) at(k int) []float64 {
	j := k % stabilityTail
	return s.ring[j*s.d : (j+1)*s.d]
}

// Add takes the next iterate.
func (s *StabilityTracker) Add(w []float64) {
	if s.n == 0 {
		s.s0 = flow.Sharpness(w)
	}
	copy(s.at(s.n), w)
	s.n++
}

// Classify returns the class of the run so far at learning rate lr, which ended as end.
func (s *StabilityTracker) Classify(lr float64, end flow.End) Stability {
	st := Stability{Limit: 2 / lr, S0: s.s0, SEnd: flow.Sharpness(s.at(s.n - 1))}
	if end != flow.Completed {
		st.Class = "diverged"
		return st
	}
	converged, alt := lastSteps(s.n, s.at)
	st.Class = stabilityClass(st, converged, alt)
	return st
}

// stepLawAllPairs is the largest depth whose step law is checked on every pair (i, j); a
// deeper network is checked on its adjacent pairs (i, i+1), in time linear in the depth.
const stepLawAllPairs = 64

// StepLawTracker checks the exact per-step law of the imbalances along a discrete run, step
// by step, as StepLawDeviation does on the trajectory of every iterate and its ρ: over every
// pair up to depth 64, over the adjacent pairs beyond.
type StepLawTracker struct {
	lr, mu   float64
	prev     []float64
	pre, suf []float64
	pairs    [][2]int
	started  bool
	worst    float64
}

// NewStepLawTracker returns a tracker of iterates of depth d at learning rate lr and weight
// decay mu.
func NewStepLawTracker(d int, lr, mu float64) *StepLawTracker {
	s := &StepLawTracker{lr: lr, mu: mu, prev: make([]float64, d)}
	if d <= stepLawAllPairs {
		s.pairs = Pairs(d)
	} else {
		s.pre, s.suf = make([]float64, d+1), make([]float64, d+1)
	}
	return s
}

// Start takes the first iterate.
func (s *StepLawTracker) Start(w []float64) { copy(s.prev, w); s.started = true }

// Step takes the iterate w1 that the step with ρ = rho made from the previous one.
func (s *StepLawTracker) Step(w1 []float64, rho float64) {
	w := s.prev
	// The largest square, as StepLawDeviation's math.Max gives it (squares of finite
	// weights: no NaN, no −0).
	var sc float64
	for _, v := range w {
		if x := v * v; x > sc {
			sc = x
		}
	}
	for _, v := range w1 {
		if x := v * v; x > sc {
			sc = x
		}
	}
	if !(sc < 1e-280) {
		if s.pairs != nil {
			for _, ij := range s.pairs {
				want := flow.Pair(w, ij[0], ij[1]) * StepFactor(w, ij[0], ij[1], s.lr, s.mu, rho)
				s.max(math.Abs(flow.Pair(w1, ij[0], ij[1])-want) / sc)
			}
		} else {
			// P_{i,i+1} = ∏_{k<i} w_k · ∏_{k>i+1} w_k from prefix and suffix products.
			d := len(w)
			s.pre[0], s.suf[d] = 1, 1
			for k := 0; k < d; k++ {
				s.pre[k+1] = s.pre[k] * w[k]
			}
			for k := d - 1; k >= 0; k-- {
				s.suf[k] = s.suf[k+1] * w[k]
			}
			a := 1 - s.lr*s.mu
			for i := 0; i+1 < d; i++ {
				p := s.pre[i] * s.suf[i+2]
				f := a*a - s.lr*s.lr*rho*rho*p*p
				want := flow.Pair(w, i, i+1) * f
				s.max(math.Abs(flow.Pair(w1, i, i+1)-want) / sc)
			}
		}
	}
	copy(s.prev, w1)
}

// max keeps the larger of worst and x as math.Max does for x ≥ 0 or NaN (a NaN sticks).
func (s *StepLawTracker) max(x float64) {
	if x > s.worst || x != x {
		s.worst = x
	}
}

// Deviation returns the largest relative deviation so far.
func (s *StepLawTracker) Deviation() float64 { return s.worst }

// DriftTracker measures MaxRelDrift point by point: the largest |D_ij(t) − D_ij(0)| over
// every pair, relative to pairScale.
type DriftTracker struct {
	pairs  [][2]int
	d0, sc []float64
	out    []float64
	n      int
}

// NewDriftTracker returns a tracker for points of depth d.
func NewDriftTracker(d int) *DriftTracker {
	ps := Pairs(d)
	return &DriftTracker{pairs: ps, d0: make([]float64, len(ps)), sc: make([]float64, len(ps)), out: make([]float64, len(ps))}
}

// Add takes the next point.
func (t *DriftTracker) Add(w []float64) {
	if t.n == 0 {
		for p, ij := range t.pairs {
			t.d0[p], t.sc[p] = flow.Pair(w, ij[0], ij[1]), pairScale(w, ij[0], ij[1])
		}
	} else {
		for p, ij := range t.pairs {
			t.out[p] = math.Max(t.out[p], math.Abs(flow.Pair(w, ij[0], ij[1])-t.d0[p])/t.sc[p])
		}
	}
	t.n++
}

// Drift returns the drift of every pair of Pairs(d) so far.
func (t *DriftTracker) Drift() []float64 { return t.out }
