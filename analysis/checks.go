package analysis

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

// LawSettings are the settings of the law checks. Zero fields take the defaults in comments.
type LawSettings struct {
	// W0 is the start (default (2, 0.25)); its length is the depth.
	W0 []float64
	// WeightDecay μ (default 0.1), Noise σ (default 0.5), LR λ (default 0.05).
	WeightDecay, Noise, LR float64
	// T is the time span of the flows (default 20); Steps of the discrete runs (default 2000).
	T     float64
	Steps int
	// Seeds for the expectations over runs (default 20), from Seed (default 1).
	Seeds int
	Seed  uint64
	// Rtol of the adaptive integrations (default 1e-10; atol is rtol/100).
	Rtol float64
	// Samples of the generated dataset (default 64) and its label noise (default 0.5);
	// Batch of SGD (default 8).
	Samples    int
	LabelNoise float64
	Batch      int
	// Lab is the science under test (nil: the project's own).
	Lab *Lab
}

func (s *LawSettings) defaults() {
	if s.W0 == nil {
		s.W0 = []float64{2, 0.25}
	}
	if s.WeightDecay == 0 {
		s.WeightDecay = 0.1
	}
	if s.Noise == 0 {
		s.Noise = 0.5
	}
	if s.LR == 0 {
		s.LR = 0.05
	}
	if s.T == 0 {
		s.T = 20
	}
	if s.Steps == 0 {
		s.Steps = 2000
	}
	if s.Seeds == 0 {
		s.Seeds = 20
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Rtol == 0 {
		s.Rtol = 1e-10
	}
	if s.Samples == 0 {
		s.Samples = 64
	}
	if s.LabelNoise == 0 {
		s.LabelNoise = 0.5
	}
	if s.Batch == 0 {
		s.Batch = 8
	}
}

// roundOff is the drift that round-off explains after n steps (a random walk of a few ulps).
func roundOff(n int) float64 { return 20 * unitRoundoff * math.Sqrt(float64(n+1)) }

// stepLawTol is the round-off of one step of the per-step law, relative to max w²: the
// products and differences of the update and of D, each a few ulps.
const stepLawTol = 64 * unitRoundoff

// driftOf integrates ẇ = f(w) from w0 over [0, t1] with the named method and returns the
// largest change of any D_ij over the accepted steps, relative to pairScale, and the number
// of accepted steps.
func driftOf(l *Lab, f ode.Func, w0 []float64, t1 float64, method string, rtol, atol, fixed float64) (float64, int, error) {
	drift, _, steps, err := driftMotionOf(l, f, w0, t1, method, rtol, atol, fixed)
	return drift, steps, err
}

// driftMotionOf is driftOf; it also returns the motion: the largest change of the square of
// either weight of a pair, relative to the pair's scale, which is what a D_ij that moved with
// the weights would show. A drift below the tolerance means conservation only if the motion
// is not.
func driftMotionOf(l *Lab, f ode.Func, w0 []float64, t1 float64, method string, rtol, atol, fixed float64) (float64, float64, int, error) {
	drift, motion, steps, err := pairDriftsMotion(l, f, w0, t1, method, rtol, atol, fixed)
	if err != nil {
		return 0, 0, 0, err
	}
	return maxOf(drift), maxOf(motion), steps, nil
}

// pairDrifts is driftOf per pair of Pairs(len(w0)).
func pairDrifts(l *Lab, f ode.Func, w0 []float64, t1 float64, method string, rtol, atol, fixed float64) ([]float64, int, error) {
	drift, _, steps, err := pairDriftsMotion(l, f, w0, t1, method, rtol, atol, fixed)
	return drift, steps, err
}

// pairDriftsMotion is driftMotionOf per pair of Pairs(len(w0)).
func pairDriftsMotion(l *Lab, f ode.Func, w0 []float64, t1 float64, method string, rtol, atol, fixed float64) ([]float64, []float64, int, error) {
	m, err := l.method(method)
	if err != nil {
		return nil, nil, 0, err
	}
	ps := Pairs(len(w0))
	d0, sc, drift, motion := make([]float64, len(ps)), make([]float64, len(ps)), make([]float64, len(ps)), make([]float64, len(ps))
	for p, ij := range ps {
		d0[p], sc[p] = oracleD(w0, ij[0], ij[1]), pairScale(w0, ij[0], ij[1])
	}
	obs := func(_ float64, w []float64) bool {
		for p, ij := range ps {
			i, j := ij[0], ij[1]
			drift[p] = math.Max(drift[p], math.Abs(oracleD(w, i, j)-d0[p])/sc[p])
			mv := math.Max(math.Abs(w[i]*w[i]-w0[i]*w0[i]), math.Abs(w[j]*w[j]-w0[j]*w0[j]))
			motion[p] = math.Max(motion[p], mv/sc[p])
		}
		return false
	}
	set := &ode.Settings{Rtol: rtol, Atol: atol, FixedStep: fixed, Observer: obs, MaxSteps: 10_000_000}
	r, err := flow.Integrate(f, w0, t1, set, m)
	if err != nil {
		return nil, nil, 0, err
	}
	for _, d := range drift {
		if math.IsNaN(d) {
			return nil, nil, 0, errors.New("analysis: the imbalance became NaN")
		}
	}
	return drift, motion, r.Stats.Accepted, nil
}

// movedNull names the null of a conservation check: a D_ij that moved with the weights.
const movedNull = "a D_ij that moved with the weights"

// oracleD returns D_ij = w_i² − w_j².
func oracleD(w []float64, i, j int) float64 { return w[i]*w[i] - w[j]*w[j] }

// conservationSlope checks that the drift of D under the flow of obj is the integrator's:
// the log–log slope of the largest drift against rtol (atol = rtol/100) is at least 0.8. It
// also returns the accepted steps at each rtol.
func conservationSlope(l *Lab, c Check, obj flow.Objective, w0 []float64, T float64, method string, rtols []float64) (Check, []float64, []float64) {
	drifts, steps := make([]float64, len(rtols)), make([]float64, len(rtols))
	var motion float64
	for k, rt := range rtols {
		dr, mv, n, err := driftMotionOf(l, l.flowOf(obj), w0, T, method, rt, rt/100, 0)
		if err != nil {
			return notTested(c, err), nil, nil
		}
		drifts[k], steps[k] = dr, float64(n)
		motion = math.Max(motion, mv)
	}
	if steps[0] < 10 {
		return notTested(c, fmt.Errorf("%g accepted steps at rtol %g: too few to see an integrator's drift fall with the tolerance (a longer span is needed)", steps[0], rtols[0])), drifts, steps
	}
	if maxOf(drifts) <= roundOff(int(steps[len(steps)-1])) {
		// Nothing drifts (a start on a minimum, a balanced one): the drift is at round-off at
		// every tolerance, which is what conservation predicts there.
		c.Experiment += fmt.Sprintf(": drifts at round-off, at most %.2g", maxOf(drifts))
		return atMost(withNull(c, motion, movedNull), maxOf(drifts), roundOff(int(steps[len(steps)-1])), RoundOff, "20u√(steps+1): the start does not move"), drifts, steps
	}
	c.Experiment += fmt.Sprintf(": drifts %.2g … %.2g", drifts[0], drifts[len(drifts)-1])
	return atLeast(c, logslope(rtols, drifts), 0.8, Heuristic,
		"an integrator's error falls about in proportion to rtol (slope ≈ 1); a change in the dynamics does not fall (slope ≈ 0); 0.8 is the threshold between"), drifts, steps
}

// integratorOrder checks the convergence order of the named method (the Lab's): on the
// harmonic oscillator ẏ1 = y2, ẏ2 = −y1 from (1, 0) over [0, 10], whose solution is
// (cos t, −sin t), the error at fixed steps h falls as h^p: p = 5 (DOPRI5), 8 (DOP853), 4
// (Gauss–Legendre). The steps are chosen so that the errors lie between 1e-4 and 1e-11, far
// above round-off and in the asymptotic range.
func integratorOrder(l *Lab, c Check, method string) Check {
	want := map[string]float64{"dopri5": 5, "dop853": 8, "gauss": 4}[method]
	hs := map[string][]float64{"dopri5": {0.2, 0.1, 0.05}, "dop853": {0.5, 0.25, 0.125}, "gauss": {0.2, 0.1, 0.05}}[method]
	T := 10.0
	f := func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = y[1], -y[0] }
	errs := make([]float64, len(hs))
	for k, h := range hs {
		m, err := l.method(method)
		if err != nil {
			return notTested(c, err)
		}
		r, err := flow.Integrate(f, []float64{1, 0}, T, &ode.Settings{FixedStep: h, MaxSteps: 10_000_000}, m)
		if r == nil {
			return notTested(c, err)
		}
		if err != nil {
			c.Experiment = fmt.Sprintf("%s at fixed step %g on the harmonic oscillator: %v", method, h, err)
			return within(c, math.NaN(), want, 0.3, Heuristic, "the integration must complete")
		}
		errs[k] = math.Hypot(r.Y[0]-math.Cos(T), r.Y[1]+math.Sin(T))
	}
	c.Experiment = fmt.Sprintf("%s at fixed steps h = %v on the harmonic oscillator over [0, %g]: errors %.2g, %.2g, %.2g against (cos t, −sin t); log–log slope", method, hs, T, errs[0], errs[1], errs[2])
	return within(c, logslope(hs, errs), want, 0.3, Heuristic, "0.3: the next term of the error expansion at these steps; a method of one order less misses by 1")
}

// conservationRoundOff checks that Gauss–Legendre at fixed step 0.01 keeps every D_ij of the
// flow of obj to round-off, 20u√(steps + 1).
func conservationRoundOff(l *Lab, c Check, obj flow.Objective, w0 []float64, T float64) (Check, float64) {
	dr, motion, steps, err := driftMotionOf(l, l.flowOf(obj), w0, T, "gauss", 0, 0, 0.01)
	if err != nil {
		return notTested(c, err), 0
	}
	return atMost(withNull(c, motion, movedNull), dr, roundOff(steps), RoundOff, fmt.Sprintf("20u√(steps+1), %d steps", steps)), dr
}

// weightDecayRate checks D_ij(t) = D_ij(0)e^{−2μt} by fitting the rate along a DOP853
// trajectory of the flow. The tolerance is what the integrator promises: FlowErrorD bounds
// the error of every D(t), and FitDecay turns that into a bound on the fitted rate.
func weightDecayRate(l *Lab, c Check, w0 []float64, mu, T, rtol float64) Check {
	d := len(w0)
	c.Experiment = fmt.Sprintf("d=%d from %v, μ=%g, DOP853 rtol %g, fitted rate of ln|D_12| over [0, %g]", d, w0, mu, rtol, T)
	obj := flow.Objective{Depth: d, WeightDecay: mu}
	atol := rtol / 100
	tr, r, err := flow.Solve(l.flowOf(obj), "flow-wd", w0, T, &ode.Settings{Rtol: rtol, Atol: atol, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return notTested(c, err)
	}
	absErr := FlowErrorD(tr, r.Stats.Accepted, rtol, atol)
	if oracleD(w0, 0, 1) == 0 {
		return notTested(c, fmt.Errorf("D_12(0) = 0 at %v: a rate cannot be measured from a balanced start", w0))
	}
	fit, err := FitDecay(tr, 0, 1, 2*mu, absErr)
	if err != nil {
		return notTested(c, err)
	}
	return within(withNull(c, 0, "μ = 0"), fit.Rate, 2*mu, fit.Bound+64*unitRoundoff, Integrator,
		fmt.Sprintf("D(t) errors ≤ %.2g (accepted steps × (atol + rtol·|w|)) through the least-squares weights", absErr))
}

// wdMinimumCheck checks that the weight-decay flow of depth d ends at the balanced minimum
// with all w_i² = s, s^{d/2−1}(1 − s^{d/2}) = μ (for d = 2, s = 1 − μ), from a start in its
// basin.
func wdMinimumCheck(l *Lab, c Check, d int, mu, rtol float64) Check {
	s, ok := wdMinimum(d, mu)
	if !ok {
		c.Experiment = fmt.Sprintf("d=%d, μ=%g", d, mu)
		return notTested(c, fmt.Errorf("no balanced minimum for μ=%g at depth %d", mu, d))
	}
	w0 := make([]float64, d)
	for i := range w0 {
		w0[i] = math.Sqrt(s) * (1 + 0.3*float64(i%2) - 0.1*float64(i))
	}
	// The slowest rate of approach is the smallest eigenvalue of the Hessian at the minimum
	// (2μ along the manifold, 2(1 − μ) across it for d = 2): run 36 of its time constants.
	ws := make([]float64, d)
	for i := range ws {
		ws[i] = math.Sqrt(s)
	}
	var es mat.EigenSym
	if !es.Factorize(oracleHessian(ws, mu, 0), false) || es.Values(nil)[0] <= 0 {
		c.Experiment = fmt.Sprintf("d=%d, μ=%g", d, mu)
		return notTested(c, fmt.Errorf("the balanced point is not a strict minimum"))
	}
	lmin := es.Values(nil)[0]
	T := 36 / lmin
	c.Experiment = fmt.Sprintf("d=%d from %.3g, μ=%g, DOP853 rtol %g to t=%.4g = 36/λ_min(H), w_1² at the end", d, w0, mu, rtol, T)
	atol := rtol / 100
	obj := flow.Objective{Depth: d, WeightDecay: mu}
	r, err := flow.Integrate(l.flowOf(obj), w0, T, &ode.Settings{Rtol: rtol, Atol: atol, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err != nil {
		return notTested(c, err)
	}
	// What remains of the slowest decay, plus the integrator's error in w_1² (2|w|·Σ sk).
	var dist float64
	for i := range w0 {
		dist = math.Max(dist, math.Abs(w0[i]-ws[i]))
	}
	rs := math.Sqrt(s)
	tol := 2*rs*dist*math.Exp(-lmin*T) + 2*rs*float64(r.Stats.Accepted)*(atol+rtol*rs) + 64*unitRoundoff
	// Under μ = 0 the flow keeps every D_1i = w_1² − w_i² of the start and ends on W² = 1.
	return within(withNull(c, noDecayEnd(w0), "μ = 0"), r.Y[0]*r.Y[0], s, tol, Integrator, "the remaining slowest decay e^{−λ_min T} plus accepted steps × (atol + rtol·|w|)")
}

// noDecayEnd returns w_1² at the end of the flow without weight decay from w0, which conserves
// D_1i = w_1² − w_i² and ends on W² = ∏ w_i² = 1: the a > max_i D_1i with ∏_i (a − D_1i) = 1,
// by bisection (the product increases with a). NaN if there is no such a.
func noDecayEnd(w0 []float64) float64 {
	D := make([]float64, len(w0))
	lo := 0.0
	for i := range w0 {
		D[i] = oracleD(w0, 0, i)
		lo = math.Max(lo, D[i])
	}
	g := func(a float64) float64 {
		p := 1.0
		for _, d := range D {
			p *= a - d
		}
		return p - 1
	}
	hi := lo + 1
	for k := 0; g(hi) < 0; k++ {
		if k > 2000 {
			return math.NaN()
		}
		hi = lo + 2*(hi-lo)
	}
	for i := 0; i < 200; i++ {
		m := 0.5 * (lo + hi)
		if g(m) < 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return 0.5 * (lo + hi)
}

// BalancedMinimum returns w_i² = s of the balanced minimum of depth d under weight decay μ,
// s^{d/2−1}(1 − s^{d/2}) = μ (the larger root), and false when there is none.
func BalancedMinimum(d int, mu float64) (float64, bool) { return wdMinimum(d, mu) }

// wdMinimum solves s^{d/2−1}(1 − s^{d/2}) = μ for the larger root s ∈ (0, 1) by bisection.
func wdMinimum(d int, mu float64) (float64, bool) {
	h := func(s float64) float64 { return math.Pow(s, float64(d)/2-1)*(1-math.Pow(s, float64(d)/2)) - mu }
	// h is maximal at s_max = ((d−2)/(2d−2))^{2/d}, decreasing from there to h(1) = −μ.
	lo := 0.0
	if d > 2 {
		lo = math.Pow(float64(d-2)/float64(2*d-2), 2/float64(d))
	}
	if h(lo) < 0 {
		return 0, false
	}
	hi := 1.0
	for i := 0; i < 200; i++ {
		m := 0.5 * (lo + hi)
		if h(m) > 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return 0.5 * (lo + hi), true
}

// noiseMinimumCheck checks that the expected-loss flow under input noise ends where
// W = 1/(1 + σ²). From a start whose flow cannot reach that level set (it ends at another
// critical point, such as the saddle W = 0) the law is not tested.
func noiseMinimumCheck(l *Lab, c Check, w0 []float64, sigma, rtol float64) Check {
	d := len(w0)
	T := 200.0
	c.Experiment = fmt.Sprintf("d=%d from %v, σ=%g, DOP853 rtol %g to t=%g, W at the end", d, w0, sigma, rtol, T)
	obj := flow.Objective{Depth: d, Noise: sigma}
	r, err := flow.Integrate(l.flowOf(obj), w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err != nil {
		return notTested(c, err)
	}
	want := 1 / (1 + sigma*sigma)
	W := oracleProduct(r.Y)
	// The expected loss ½(W − 1)² + ½σ²W² is a function of W, so along the flow
	// dW/dt = −F'(W)·|g|²: W moves toward W* while |g| > 0. A start on a set that keeps two
	// weights tied to vanish together (w_1 = −w_2 at d = 2, where W = −w_1² ≤ 0) ends at the
	// saddle W = 0 instead: from there the law's end point is not reachable.
	if !(W > 0) {
		return notTested(c, fmt.Errorf("from %v (W = %.3g) the flow ends at W = %.3g: the level set W = 1/(1+σ²) = %.3g is not reachable from this start", w0, oracleProduct(w0), W, want))
	}
	if W < want/2 {
		// Still near the saddle W = 0 (a start with tiny weights leaves it only after a time
		// that grows like the log of their size): the end point is not reached by t = T.
		return notTested(c, fmt.Errorf("from %v the flow is at W = %.3g at t = %g, still on its way from the saddle W = 0 to W* = %.3g", w0, W, T, want))
	}
	return within(withNull(c, 1, "σ = 0"), W, want, float64(r.Stats.Accepted)*rtol*want+1e3*unitRoundoff, Integrator, "accepted steps × rtol·W*, plus round-off")
}

// stepLaw checks the exact per-step factor of package flow, Discrete steps along a discrete run of p from w0:
// D_ij(k+1) = D_ij(k)·((1 − λμ)² − λ²ρ_k²P²), with ρ_k recomputed from iterate k and the data
// (oracleRho), not taken from the stepper. A run that diverges is not tested.
func stepLaw(l *Lab, c Check, p discrete.Problem, w0 []float64, lr float64, steps int) Check {
	mu := p.Objective.WeightDecay
	tr, res, err := l.run(p, w0, &discrete.Settings{LR: lr, Steps: steps})
	if err != nil {
		return notTested(c, err)
	}
	if res.Status != discrete.Success {
		return notTested(c, fmt.Errorf("GD at λ=%g diverged at step %d of %d: the law is tested on runs that stay bounded", lr, res.DivergedAt, steps))
	}
	c.Experiment += fmt.Sprintf(", %d steps taken", res.Steps)
	// What the check would measure if D did not change in a step (no motion), or, with weight
	// decay, if it changed by the factor without it (μ = 0): the smaller of the two.
	var worst, still, noDecay float64
	ps := Pairs(len(w0))
	a := 1 - lr*mu
	for k := 0; k+1 < tr.Len(); k++ {
		w, w1 := tr.At(k), tr.At(k+1)
		var sc float64
		for i := range w {
			sc = math.Max(sc, math.Max(w[i]*w[i], w1[i]*w1[i]))
		}
		if sc < 1e-280 {
			continue // weights decayed to the subnormal range: no relative accuracy left
		}
		rho := oracleRho(w, p.Data)
		for _, ij := range ps {
			P := oracleExcept(w, ij[0], ij[1])
			D := oracleD(w, ij[0], ij[1])
			want := D * (a*a - lr*lr*rho*rho*P*P)
			worst = math.Max(worst, math.Abs(oracleD(w1, ij[0], ij[1])-want)/sc)
			still = math.Max(still, math.Abs(D-want)/sc)
			noDecay = math.Max(noDecay, math.Abs(D*(1-lr*lr*rho*rho*P*P)-want)/sc)
		}
	}
	null, name := still, "no change of D in a step"
	if mu != 0 && noDecay < still {
		null, name = noDecay, "μ = 0"
	}
	return atMost(withNull(c, null, name), worst, stepLawTol, RoundOff, "64u relative to max w²: a few roundings in the step and in D")
}

// stochasticRate checks that a noisy method shrinks D_12 at the rate of package flow, Discrete steps in
// expectation over seeds: the mean of −ln(D_K/D_0)/K against the mean of the law's rate at
// the visited iterates (paired, so the standard error is that of the difference).
func stochasticRate(l *Lab, c Check, p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed uint64) (Check, *StochasticDecay) {
	c.Experiment = fmt.Sprintf("from %v, λ=%g, %s, %d steps, %d seeds from %d: mean −ln(D_K/D_0)/K against the law λ²P²E[ρ²]", w0, lr, batchName(batch), steps, seeds, seed)
	sd, err := measureStochasticDecay(l, p, w0, lr, steps, batch, seeds, seed)
	if err != nil {
		return notTested(c, err), nil
	}
	if sd.Seeds < seeds {
		c.Experiment = strings.Replace(c.Experiment, fmt.Sprintf("%d seeds", seeds), fmt.Sprintf("%d seeds (stopped after %d of %d)", sd.Seeds, sd.Seeds, seeds), 1)
	}
	return statistical(withNull(c, 0, "no decay of D (rate 0)"), sd.Measured, sd.Predicted, sd.StdErr, sd.Seeds-1), sd
}

func batchName(b int) string {
	if b == 0 {
		return "full batch"
	}
	return fmt.Sprintf("batch %d", b)
}

// Laws runs the laws of package flow (Gradient flows, Discrete steps) with the settings: the checks of `layerflow check`,
// with the statistical ones corrected together (Correct).
func Laws(s LawSettings) []Check {
	s.defaults()
	l := s.Lab
	w0 := s.W0
	d := len(w0)
	exp := fmt.Sprintf("d=%d from %v, t ∈ [0, %g]", d, w0, s.T)
	var out []Check
	ch, _ := conservationRoundOff(l, Check{ID: fmt.Sprintf("flow-gauss-d%d", d), Claim: "gradient flow conserves D_ij (Gauss–Legendre, to round-off)",
		Experiment: exp + ", fixed step 0.01, max relative drift"}, flow.Objective{Depth: d}, w0, s.T)
	out = append(out, ch)
	ch, _, _ = conservationSlope(l, Check{ID: fmt.Sprintf("flow-dopri5-d%d", d), Claim: "gradient flow conserves D_ij (DOPRI5 drift is the integrator's: falls with rtol)",
		Experiment: exp + fmt.Sprintf(", DOPRI5 at rtol %.0e…%.0e, log–log slope of the max drift", s.Rtol*1e4, s.Rtol*1e2)}, flow.Objective{Depth: d}, w0, s.T, "dopri5", []float64{s.Rtol * 1e4, s.Rtol * 1e3, s.Rtol * 1e2})
	out = append(out, ch)
	ch, _ = conservationRoundOff(l, Check{ID: fmt.Sprintf("noise-flow-d%d", d), Claim: "expected-loss flow under input noise conserves D_ij (Gauss–Legendre)",
		Experiment: exp + fmt.Sprintf(", σ=%g, fixed step 0.01, max relative drift", s.Noise)}, flow.Objective{Depth: d, Noise: s.Noise}, w0, s.T)
	out = append(out, ch)
	out = append(out,
		weightDecayRate(l, Check{ID: fmt.Sprintf("wd-rate-d%d", d), Claim: "weight decay: D_ij(t) = D_ij(0)·e^{−2μt}"}, w0, s.WeightDecay, s.T, s.Rtol),
		wdMinimumCheck(l, Check{ID: fmt.Sprintf("wd-minimum-d%d", d), Claim: "weight decay: the flow ends at the balanced minimum w_i² = s, s^{d/2−1}(1 − s^{d/2}) = μ"}, d, s.WeightDecay, s.Rtol),
		noiseMinimumCheck(l, Check{ID: fmt.Sprintf("noise-minimum-d%d", d), Claim: "input noise: the expected-loss flow ends at W = 1/(1 + σ²)"}, w0, s.Noise, s.Rtol))
	for _, mu := range []float64{0, s.WeightDecay} {
		id, claim := fmt.Sprintf("gd-factor-d%d", d), "GD: D_ij ← D_ij·(1 − λ²e²P²) each step, e from the iterate"
		if mu != 0 {
			id, claim = fmt.Sprintf("gd-wd-factor-d%d", d), "GD + weight decay: D_ij ← D_ij·((1 − λμ)² − λ²e²P²), e from the iterate"
		}
		out = append(out, stepLaw(l, Check{ID: id, Claim: claim, Experiment: fmt.Sprintf("d=%d from %v, λ=%g, μ=%g, %d steps asked, max deviation relative to max w²", d, w0, s.LR, mu, s.Steps)},
			discrete.Problem{Objective: flow.Objective{Depth: d, WeightDecay: mu}}, w0, s.LR, s.Steps))
	}
	noisyData, err := l.generate(s.Samples, 1, 0, s.Seed)
	sgdData, err2 := l.generate(s.Samples, 1, s.LabelNoise, s.Seed)
	if err == nil {
		err = err2
	}
	// Start the stochastic runs on the manifold W = 1 with the imbalance of w0.
	wm := onManifold(w0)
	c1 := Check{ID: "noisy-gd", Claim: "noisy-input GD shrinks D_12 at the rate λ²P²E[ρ²] in expectation"}
	c2 := Check{ID: "sgd", Claim: "SGD shrinks D_12 at the rate λ²P²E[ρ²] in expectation (data not fitted exactly)"}
	if err != nil {
		out = append(out, notTested(c1, err), notTested(c2, err))
	} else {
		c1, _ = stochasticOrBalanced(l, c1, discrete.Problem{Objective: flow.Objective{Depth: d, Noise: s.Noise}, Data: noisyData}, wm, s.LR, s.Steps, 0, s.Seeds, s.Seed)
		c2, _ = stochasticOrBalanced(l, c2, discrete.Problem{Objective: flow.Objective{Depth: d}, Data: sgdData}, wm, s.LR, s.Steps, s.Batch, s.Seeds, s.Seed)
		out = append(out, c1, c2)
	}
	ptrs := make([]*Check, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	Correct(ptrs)
	return out
}

// stochasticOrBalanced is stochasticRate; a start with D_12 = 0 has no rate to measure.
func stochasticOrBalanced(l *Lab, c Check, p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed uint64) (Check, *StochasticDecay) {
	if oracleD(w0, 0, 1) != 0 {
		return stochasticRate(l, c, p, w0, lr, steps, batch, seeds, seed)
	}
	return notTested(c, fmt.Errorf("D_12(0) = 0 at %v: a rate cannot be measured from a balanced start", w0)), nil
}

// onManifold rescales the last weight of w so that W = 1 (w unchanged if a weight is 0).
func onManifold(w []float64) []float64 {
	out := append([]float64(nil), w...)
	W := flow.Product(w)
	if W == 0 {
		return out
	}
	out[len(out)-1] /= W
	return out
}

// hairerCounts checks the step control against Hairer's Fortran codes: on the same problem and
// tolerance the integrator takes exactly the steps that DOPRI5 and DOP853 take (gfortran -O2,
// default constants, ITOL = 0, IOUT = 0, run beside this code): 44 and 22 on the two-weight
// gradient flow from (2, 0.25) to t = 20 at rtol = atol = 1e-6, 843 and 237 on the Arenstorf
// orbit at 1e-10. A wrong error estimate, controller or initial step changes the count.
func hairerCounts(l *Lab, c Check, method string) Check {
	want := map[string][2]int{"dopri5": {44, 843}, "dop853": {22, 237}}[method]
	cases := []struct {
		tc  testprob.Case
		tol float64
	}{{testprob.TwoWeight(2, 0.25, 20), 1e-6}, {testprob.Arenstorf(), 1e-10}}
	var got [2]int
	for k, cs := range cases {
		m, err := l.method(method)
		if err != nil {
			return notTested(c, err)
		}
		p := cs.tc.Problem
		r, err := flow.Integrate(p.Func, p.Y0, p.T1, &ode.Settings{Rtol: cs.tol, Atol: cs.tol}, m)
		if r == nil {
			return notTested(c, err)
		}
		if err != nil {
			// Hairer's code solves these problems: an integration that cannot is the finding.
			c.Experiment = fmt.Sprintf("%s on %s at tol %g: %v", method, cs.tc.Name, cs.tol, err)
			return atMost(c, math.Inf(1), 0, Exact, "Hairer's code completes this integration")
		}
		got[k] = r.Stats.Steps
	}
	c.Experiment = fmt.Sprintf("%s on the two-weight flow from (2, 0.25) to t = 20 at tol 1e-6 and on the Arenstorf orbit at 1e-10: steps %d and %d, Hairer's Fortran code %d and %d; the larger difference", method, got[0], got[1], want[0], want[1])
	d := math.Max(math.Abs(float64(got[0]-want[0])), math.Abs(float64(got[1]-want[1])))
	return atMost(c, d, 0, Exact, "the same controller, initial step and error norms take the same steps")
}

// denseOutput checks the method's dense output: on the harmonic oscillator at rtol = atol =
// 1e-8 over [0, 10], the largest error of the interpolated states at 1001 output times is at
// most 10 times the largest error of the states at the step ends (an interpolant of the
// method's order errs like a step of it).
func denseOutput(l *Lab, c Check, method string) Check {
	m, err := l.method(method)
	if err != nil {
		return notTested(c, err)
	}
	const T, n = 10.0, 1000
	out := make([]float64, n+1)
	for i := range out {
		out[i] = T * float64(i) / n
	}
	f := func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = y[1], -y[0] }
	var stepErr float64
	obs := func(t float64, y []float64) bool {
		stepErr = math.Max(stepErr, math.Hypot(y[0]-math.Cos(t), y[1]+math.Sin(t)))
		return false
	}
	set := &ode.Settings{Rtol: 1e-8, Atol: 1e-8, Output: out, Observer: obs, MaxSteps: 1_000_000}
	r, err := flow.Integrate(f, []float64{1, 0}, T, set, m)
	if r == nil {
		return notTested(c, err)
	}
	if err != nil {
		// A smooth oscillator at tol 1e-8 over ten time units: an integrator that cannot is the finding.
		c.Experiment = fmt.Sprintf("%s on the harmonic oscillator at tol 1e-8: %v", method, err)
		return atMost(c, math.Inf(1), 10, Heuristic, "the integration must complete")
	}
	var denseErr float64
	for k, t := range r.OutputT {
		y := r.OutputY[k]
		denseErr = math.Max(denseErr, math.Hypot(y[0]-math.Cos(t), y[1]+math.Sin(t)))
	}
	c.Experiment = fmt.Sprintf("%s on the harmonic oscillator over [0, %g] (tol 1e-8): largest error at %d output times %.2g, at the step ends %.2g; their ratio", method, T, len(r.OutputT), denseErr, stepErr)
	return atMost(c, denseErr/stepErr, 10, Heuristic, "10: an interpolant of the method's order errs like one of its steps, not by orders of magnitude more")
}
