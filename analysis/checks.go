package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Check is one law or claim, measured and compared with its prediction.
type Check struct {
	ID         string  `json:"id"`
	Claim      string  `json:"claim"`
	Experiment string  `json:"experiment"`
	Measured   float64 `json:"measured"`
	Predicted  float64 `json:"predicted"`
	Tolerance  float64 `json:"tolerance"`
	// Relation says how the three numbers decide: "|m − p| ≤ tol", "m ≤ tol" or "m ≥ p".
	Relation string `json:"relation"`
	Pass     bool   `json:"pass"`
	// Error, when not empty, says why the experiment could not be run (a diverged seed, a
	// start the method cannot leave): the law was then not tested, neither held nor failed.
	Error string `json:"error,omitempty"`
}

func within(c Check, m, p, tol float64) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation = m, p, tol, "|m − p| ≤ tol"
	c.Pass = math.Abs(m-p) <= tol
	return c
}

func atMost(c Check, m, tol float64) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation = m, 0, tol, "m ≤ tol"
	c.Pass = m <= tol
	return c
}

func atLeast(c Check, m, p float64) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation = m, p, math.NaN(), "m ≥ p"
	c.Pass = m >= p
	return c
}

// failed records a check that could not be run.
func failed(c Check, err error) Check {
	c.Experiment += " — error: " + err.Error()
	c.Measured, c.Predicted, c.Tolerance, c.Relation, c.Pass = math.NaN(), math.NaN(), math.NaN(), "error", false
	c.Error = err.Error()
	return c
}

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

// ConservationChecks are the laws of MATH.md §3 about conservation, for the start w0: plain
// flow with Gauss–Legendre (round-off) and with DOPRI5 (audit: drift falls with rtol), and the
// expected-loss flow under input noise.
func ConservationChecks(w0 []float64, T, rtol, sigma float64) []Check {
	d := len(w0)
	obj := flow.Objective{Depth: d}
	var out []Check
	exp := fmt.Sprintf("d=%d from %v, t ∈ [0, %g]", d, w0, T)
	c := Check{ID: fmt.Sprintf("flow-gauss-d%d", d), Claim: "gradient flow conserves D_ij (Gauss–Legendre, to round-off)",
		Experiment: exp + ", fixed step 0.01, max relative drift"}
	if a, err := AuditConservation(obj, w0, T, AuditSettings{Method: "gauss", FixedStep: 0.01}); err != nil {
		out = append(out, failed(c, err))
	} else {
		out = append(out, atMost(c, a.MaxDrift, roundOff(a.Steps)))
	}
	c = Check{ID: fmt.Sprintf("flow-dopri5-d%d", d), Claim: "gradient flow conserves D_ij (DOPRI5 drift is the integrator's: falls with rtol)",
		Experiment: exp + fmt.Sprintf(", drift at rtol %.3g ÷ drift at rtol %.3g", rtol*1e3, rtol*1e2)}
	if a, err := AuditConservation(obj, w0, T, AuditSettings{Method: "dopri5", Rtol: rtol * 1e3, Atol: rtol * 10}); err != nil {
		out = append(out, failed(c, err))
	} else {
		ch := atLeast(c, a.MaxDrift/math.Max(a.MaxTightDrift, math.SmallestNonzeroFloat64), 5)
		if a.MaxDrift <= a.RoundOff {
			// A start on a fixed point or a balanced one: no drift to fall, it is at round-off.
			ch = atMost(c, a.MaxDrift, a.RoundOff)
		}
		out = append(out, ch)
	}
	if sigma > 0 {
		obj.Noise = sigma
		c = Check{ID: fmt.Sprintf("noise-flow-d%d", d), Claim: "expected-loss flow under input noise conserves D_ij (Gauss–Legendre)",
			Experiment: exp + fmt.Sprintf(", σ=%g, fixed step 0.01, max relative drift", sigma)}
		if a, err := AuditConservation(obj, w0, T, AuditSettings{Method: "gauss", FixedStep: 0.01}); err != nil {
			out = append(out, failed(c, err))
		} else {
			out = append(out, atMost(c, a.MaxDrift, roundOff(a.Steps)))
		}
	}
	return out
}

// WeightDecayRate checks D_ij(t) = D_ij(0)e^{−2μt} (MATH.md §3) by fitting the rate along a
// DOP853 trajectory. The tolerance is what the integrator promises: FlowErrorD bounds the
// error of every D(t), and FitDecay turns that into a bound on the fitted rate.
func WeightDecayRate(w0 []float64, mu, T, rtol float64) Check {
	d := len(w0)
	c := Check{ID: fmt.Sprintf("wd-rate-d%d", d), Claim: "weight decay: D_ij(t) = D_ij(0)·e^{−2μt}",
		Experiment: fmt.Sprintf("d=%d from %v, μ=%g, DOP853 rtol %g, fitted rate of ln|D_12| over [0, %g]", d, w0, mu, rtol, T)}
	obj := flow.Objective{Depth: d, WeightDecay: mu}
	atol := rtol / 100
	tr, r, err := flow.Solve(obj.Flow(), "flow-wd", w0, T, &ode.Settings{Rtol: rtol, Atol: atol, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return failed(c, err)
	}
	absErr := FlowErrorD(tr, r.Stats.Accepted, rtol, atol)
	if flow.Pair(w0, 0, 1) == 0 {
		// A balanced start: the law keeps D_12 at 0.
		c.Experiment = fmt.Sprintf("d=%d from %v (D_12 = 0), μ=%g, DOP853 rtol %g: max |D_12(t)| over [0, %g]", d, w0, mu, rtol, T)
		var m float64
		for k := 0; k < tr.Len(); k++ {
			m = math.Max(m, math.Abs(flow.Pair(tr.At(k), 0, 1)))
		}
		return atMost(c, m, absErr)
	}
	fit, err := FitDecay(tr, 0, 1, 2*mu, absErr)
	if err != nil {
		return failed(c, err)
	}
	return within(c, fit.Rate, 2*mu, fit.Bound+64*unitRoundoff)
}

// DiscreteLaws checks the exact per-step factors of MATH.md §4 for GD and GD with weight
// decay at the start w0, to round-off.
func DiscreteLaws(w0 []float64, lr, mu float64, steps int) []Check {
	d := len(w0)
	var out []Check
	for _, m := range []float64{0, mu} {
		id, claim := fmt.Sprintf("gd-factor-d%d", d), "GD: D_ij ← D_ij·(1 − λ²e²P²) each step"
		if m != 0 {
			id, claim = fmt.Sprintf("gd-wd-factor-d%d", d), "GD + weight decay: D_ij ← D_ij·((1 − λμ)² − λ²e²P²)"
		}
		c := Check{ID: id, Claim: claim, Experiment: fmt.Sprintf("d=%d from %v, λ=%g, μ=%g, %d steps, max deviation relative to max w²", d, w0, lr, m, steps)}
		tr, res, err := discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: d, WeightDecay: m}}, w0, &discrete.Settings{LR: lr, Steps: steps})
		if err != nil {
			out = append(out, failed(c, err))
			continue
		}
		out = append(out, atMost(c, StepLawDeviation(tr, res.Rho, lr, m), stepLawTol))
	}
	return out
}

// StochasticCheck checks that a noisy method shrinks D_12 at the rate of MATH.md §4 in
// expectation over seeds (within 3 standard errors of the paired difference).
func StochasticCheck(id, claim string, p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed uint64) Check {
	c := Check{ID: id, Claim: claim, Experiment: fmt.Sprintf("from %v, λ=%g, batch %d, %d steps, %d seeds from %d: mean −ln(D_K/D_0)/K vs law", w0, lr, batch, steps, seeds, seed)}
	if flow.Pair(w0, 0, 1) == 0 {
		// A balanced start: the noise multiplies D_12, so it stays exactly 0.
		c.Experiment = fmt.Sprintf("from %v (D_12 = 0), λ=%g, batch %d, %d steps, seed %d: max |D_12|", w0, lr, batch, steps, seed)
		tr, _, err := discrete.Run(p, w0, &discrete.Settings{LR: lr, Steps: steps, Batch: batch, Seed: seed})
		if err != nil {
			return failed(c, err)
		}
		var m float64
		for k := 0; k < tr.Len(); k++ {
			m = math.Max(m, math.Abs(flow.Pair(tr.At(k), 0, 1)))
		}
		return atMost(c, m, 0)
	}
	sd, err := MeasureStochasticDecay(p, w0, lr, steps, batch, seeds, seed)
	if err != nil {
		return failed(c, err)
	}
	return within(c, sd.Measured, sd.Predicted, 3*sd.StdErr)
}

// Laws runs every law of MATH.md §3–4 with the settings: the checks of `layerflow check`.
func Laws(s LawSettings) []Check {
	s.defaults()
	w0 := s.W0
	d := len(w0)
	var out []Check
	out = append(out, ConservationChecks(w0, s.T, s.Rtol, s.Noise)...)
	out = append(out, WeightDecayRate(w0, s.WeightDecay, s.T, s.Rtol))
	out = append(out, WeightDecayMinimum(d, s.WeightDecay, s.Rtol), NoiseMinimum(w0, s.Noise, s.Rtol))
	out = append(out, DiscreteLaws(w0, s.LR, s.WeightDecay, s.Steps)...)
	noisyData, err := flow.Generate(s.Samples, 1, 0, s.Seed)
	sgdData, err2 := flow.Generate(s.Samples, 1, s.LabelNoise, s.Seed)
	if err == nil {
		err = err2
	}
	// Start the stochastic runs on the manifold W = 1 with the imbalance of w0.
	wm := onManifold(w0)
	if err != nil {
		out = append(out, failed(Check{ID: "noisy-gd", Claim: "noisy GD shrinks D in expectation"}, err))
	} else {
		out = append(out,
			StochasticCheck("noisy-gd", "noisy-input GD shrinks D_12 at the rate λ²P²E[ρ²] in expectation",
				discrete.Problem{Objective: flow.Objective{Depth: d, Noise: s.Noise}, Data: noisyData}, wm, s.LR, s.Steps, 0, s.Seeds, s.Seed),
			StochasticCheck("sgd", "SGD shrinks D_12 at the rate λ²P²E[ρ²] in expectation (data not fitted exactly)",
				discrete.Problem{Objective: flow.Objective{Depth: d}, Data: sgdData}, wm, s.LR, s.Steps, s.Batch, s.Seeds, s.Seed))
	}
	return out
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

// WeightDecayMinimum checks that the weight-decay flow of depth d ends at the balanced minimum
// with all w_i² = s, s^{d/2−1}(1 − s^{d/2}) = μ (for d = 2, s = 1 − μ), from a start in
// its basin.
func WeightDecayMinimum(d int, mu, rtol float64) Check {
	s, ok := wdMinimum(d, mu)
	c := Check{ID: fmt.Sprintf("wd-minimum-d%d", d), Claim: "weight decay: the flow ends at the balanced minimum w_i² = s, s^{d/2−1}(1 − s^{d/2}) = μ"}
	if !ok {
		c.Experiment = fmt.Sprintf("d=%d, μ=%g", d, mu)
		return failed(c, fmt.Errorf("no balanced minimum for μ=%g", mu))
	}
	w0 := make([]float64, d)
	for i := range w0 {
		w0[i] = math.Sqrt(s) * (1 + 0.3*float64(i%2) - 0.1*float64(i))
	}
	// The slowest rate of approach is the smallest eigenvalue of the Hessian at the minimum
	// (2μ along the manifold, 2(1 − μ) across it for d = 2): run 36 of its time constants.
	obj := flow.Objective{Depth: d, WeightDecay: mu}
	ws := make([]float64, d)
	for i := range ws {
		ws[i] = math.Sqrt(s)
	}
	h := mat.NewSymDense(d, nil)
	obj.Hessian(h, ws)
	var es mat.EigenSym
	if !es.Factorize(h, false) || es.Values(nil)[0] <= 0 {
		c.Experiment = fmt.Sprintf("d=%d, μ=%g", d, mu)
		return failed(c, fmt.Errorf("the balanced point is not a strict minimum"))
	}
	lmin := es.Values(nil)[0]
	T := 36 / lmin
	c.Experiment = fmt.Sprintf("d=%d from %.3g, μ=%g, DOP853 rtol %g to t=%.4g = 36/λ_min(H), w_1² at the end", d, w0, mu, rtol, T)
	atol := rtol / 100
	r, err := ode.Integrate(ode.Problem{Func: obj.Flow(), T1: T, Y0: w0}, &ode.Settings{Rtol: rtol, Atol: atol, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return failed(c, err)
	}
	// What remains of the slowest decay, plus the integrator's error in w_1² (2|w|·Σ sk).
	var dist float64
	for i := range w0 {
		dist = math.Max(dist, math.Abs(w0[i]-ws[i]))
	}
	rs := math.Sqrt(s)
	tol := 2*rs*dist*math.Exp(-lmin*T) + 2*rs*float64(r.Stats.Accepted)*(atol+rtol*rs) + 64*unitRoundoff
	return within(c, r.Y[0]*r.Y[0], s, tol)
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

// NoiseMinimum checks that the expected-loss flow under input noise ends where
// W = 1/(1 + σ²) (MATH.md §3).
func NoiseMinimum(w0 []float64, sigma, rtol float64) Check {
	d := len(w0)
	c := Check{ID: fmt.Sprintf("noise-minimum-d%d", d), Claim: "input noise: the expected-loss flow ends at W = 1/(1 + σ²)"}
	T := 200.0
	c.Experiment = fmt.Sprintf("d=%d from %v, σ=%g, DOP853 rtol %g to t=%g, W at the end", d, w0, sigma, rtol, T)
	obj := flow.Objective{Depth: d, Noise: sigma}
	r, err := ode.Integrate(ode.Problem{Func: obj.Flow(), T1: T, Y0: w0}, &ode.Settings{Rtol: rtol, Atol: rtol / 100, MaxSteps: 10_000_000}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return failed(c, err)
	}
	want := 1 / (1 + sigma*sigma)
	return within(c, flow.Product(r.Y), want, float64(r.Stats.Accepted)*rtol*want+1e3*unitRoundoff)
}
