package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Claim is one claim of the paper (or beyond it), checked by experiments.
type Claim struct {
	Number  int      `json:"number"`
	Title   string   `json:"title"`
	Checks  []Check  `json:"checks"`
	Figures []Figure `json:"-"`
}

// Pass reports whether every check of the claim passed.
func (c *Claim) Pass() bool {
	for _, ch := range c.Checks {
		if !ch.Pass {
			return false
		}
	}
	return len(c.Checks) > 0
}

// ClaimSettings sizes the experiments of the claims.
type ClaimSettings struct {
	// Quick runs smaller versions (for tests).
	Quick bool
	// Seed is the first seed of every stochastic experiment (default 1).
	Seed uint64
}

// ClaimTitles lists the claims by number.
var ClaimTitles = map[int]string{
	1: "Gradient flow conserves the layer imbalance",
	2: "Layer imbalance measures flatness",
	3: "Weight decay: D(t) = D(0)e^{−2μt}, in two phases",
	4: "Noise augmentation: its expected-loss flow conserves D, noisy GD shrinks it",
	5: "GD alone: the per-step factor, and the shrinking stops at the manifold",
	6: "SGD acts like noise regularization",
	7: "Stability: GD settles only at minima with S < 2/λ",
	8: "GD against the flow and the modified flow",
	9: "The stochastic modified equation of SGD",
}

// RunClaim runs claim n (1..9).
func RunClaim(n int, s ClaimSettings) (*Claim, error) {
	if s.Seed == 0 {
		s.Seed = 1
	}
	c := &Claim{Number: n, Title: ClaimTitles[n]}
	switch n {
	case 1:
		claimConservation(c, s)
	case 2:
		claimFlatness(c, s)
	case 3:
		claimWeightDecay(c, s)
	case 4:
		claimNoise(c, s)
	case 5:
		claimGD(c, s)
	case 6:
		claimSGD(c, s)
	case 7:
		claimStability(c, s)
	case 8:
		claimModified(c, s)
	case 9:
		claimSME(c, s)
	default:
		return nil, fmt.Errorf("analysis: no claim %d (claims are 1..9)", n)
	}
	return c, nil
}

func logslope(x, y []float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for i := range x {
		if !(x[i] > 0) || !(y[i] > 0) {
			continue
		}
		lx, ly := math.Log(x[i]), math.Log(y[i])
		n, sx, sy, sxx, sxy = n+1, sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

var claimStarts = map[int][]float64{2: {2, 0.25}, 3: {1.5, -0.7, 0.4}, 4: {1.2, 0.6, -1.1, 0.9}}

// Claim 1: drift of D under DOPRI5 and DOP853 falls with the tolerance (log–log slope of the
// drift against rtol ≥ 0.8: the drift is the integrator's), and Gauss–Legendre keeps it at
// round-off, for depths 2, 3, 4.
func claimConservation(c *Claim, s ClaimSettings) {
	rtols := []float64{1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10}
	T := 20.0
	if s.Quick {
		rtols = []float64{1e-5, 1e-7, 1e-9}
		T = 10
	}
	fig := Figure{Name: "claim1-conservation", Title: "Drift of the layer imbalance under gradient flow",
		XLabel: "rtol", YLabel: "max relative drift of D_ij", LogX: true, LogY: true}
	for _, d := range []int{2, 3, 4} {
		w0 := claimStarts[d]
		obj := flow.Objective{Depth: d}
		for _, m := range []string{"dopri5", "dop853"} {
			drifts := make([]float64, len(rtols))
			for k, rt := range rtols {
				a, err := AuditConservation(obj, w0, T, AuditSettings{Method: m, Rtol: rt, Atol: rt / 100})
				if err != nil {
					c.Checks = append(c.Checks, failed(Check{ID: fmt.Sprintf("c1-%s-d%d", m, d)}, err))
					return
				}
				drifts[k] = a.MaxDrift
			}
			fig.Series = append(fig.Series, Curve{Name: fmt.Sprintf("%s d=%d", m, d), X: rtols, Y: drifts, Style: "linepoints"})
			c.Checks = append(c.Checks, atLeast(Check{ID: fmt.Sprintf("c1-%s-d%d", m, d),
				Claim:      "the drift of D under the flow is the integrator's: it falls with rtol",
				Experiment: fmt.Sprintf("d=%d from %v, t ∈ [0, %g], %s at rtol %.0e..%.0e: log–log slope of max drift vs rtol", d, w0, T, m, rtols[0], rtols[len(rtols)-1])},
				logslope(rtols, drifts), 0.8))
		}
		a, err := AuditConservation(obj, w0, T, AuditSettings{Method: "gauss", FixedStep: 0.01})
		ch := Check{ID: fmt.Sprintf("c1-gauss-d%d", d), Claim: "Gauss–Legendre keeps D to round-off",
			Experiment: fmt.Sprintf("d=%d from %v, t ∈ [0, %g], fixed step 0.01: max relative drift ≤ 20u√(steps+1)", d, w0, T)}
		if err != nil {
			c.Checks = append(c.Checks, failed(ch, err))
			continue
		}
		c.Checks = append(c.Checks, atMost(ch, a.MaxDrift, roundOff(a.Steps)))
		fig.Series = append(fig.Series, Curve{Name: fmt.Sprintf("gauss d=%d (h=0.01)", d), X: []float64{rtols[0], rtols[len(rtols)-1]}, Y: []float64{math.Max(a.MaxDrift, 1e-17), math.Max(a.MaxDrift, 1e-17)}, Style: "dashed"})
	}
	c.Figures = append(c.Figures, fig)
}

// Claim 2: at minima S = √(D² + 4) for d = 2, and S ≥ d with equality only when balanced.
func claimFlatness(c *Claim, s ClaimSettings) {
	n := 2000
	if s.Quick {
		n = 200
	}
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed))
	var ds, ss, worst float64
	xs, ys := make([]float64, 0, n), make([]float64, 0, n)
	for k := 0; k < n; k++ {
		D := 20*rng.Float64() - 10
		r := math.Sqrt(D*D + 4)
		w := []float64{math.Sqrt((D + r) / 2), math.Sqrt((-D + r) / 2)}
		if rng.IntN(2) == 1 {
			w[0], w[1] = -w[0], -w[1]
		}
		S := hessianSharpness(w)
		worst = math.Max(worst, math.Abs(S-r)/r)
		xs, ys = append(xs, D), append(ys, S)
	}
	_, _ = ds, ss
	c.Checks = append(c.Checks, atMost(Check{ID: "c2-d2", Claim: "at the minima of d = 2, S = √(D² + 4)",
		Experiment: fmt.Sprintf("%d random minima on w1w2 = 1, D ∈ [−10, 10], seed %d: max relative |S − √(D²+4)|, S the largest Hessian eigenvalue", n, s.Seed)},
		worst, 64*2*unitRoundoff))
	theoryX := make([]float64, 201)
	theoryY := make([]float64, 201)
	for i := range theoryX {
		theoryX[i] = -10 + 0.1*float64(i)
		theoryY[i] = math.Sqrt(theoryX[i]*theoryX[i] + 4)
	}
	c.Figures = append(c.Figures, Figure{Name: "claim2-flatness", Title: "Sharpness of the minima of d = 2 against their imbalance",
		XLabel: "D = w1² − w2²", YLabel: "sharpness S", Series: []Curve{
			{Name: "random minima", X: xs, Y: ys, Style: "points"},
			{Name: "√(D² + 4)", X: theoryX, Y: theoryY, Style: "dashed"}}})
	for _, d := range []int{3, 4} {
		minS, minBal := math.Inf(1), math.Inf(1)
		var worstSum float64
		var sx, sy []float64
		for k := 0; k < n; k++ {
			w := make([]float64, d)
			p := 1.0
			for i := 0; i < d-1; i++ {
				w[i] = math.Exp(rng.NormFloat64() * 0.7)
				p *= w[i]
			}
			w[d-1] = 1 / p
			S := hessianSharpness(w)
			var sum float64
			for _, v := range w {
				sum += 1 / (v * v)
			}
			worstSum = math.Max(worstSum, math.Abs(S-sum)/sum)
			minS = math.Min(minS, S)
			D := make([]float64, d-1)
			nd := flow.Imbalance(D, w)
			sx, sy = append(sx, nd), append(sy, S)
			_ = minBal
		}
		bal := make([]float64, d)
		for i := range bal {
			bal[i] = 1
		}
		c.Checks = append(c.Checks,
			atMost(Check{ID: fmt.Sprintf("c2-d%d-sum", d), Claim: "at minima S = Σ 1/w_i²",
				Experiment: fmt.Sprintf("%d random minima of d=%d: max relative |λ_max(H) − Σ1/w_i²|", n, d)}, worstSum, 64*float64(d)*unitRoundoff),
			atLeast(Check{ID: fmt.Sprintf("c2-d%d-min", d), Claim: "S ≥ d at every minimum",
				Experiment: fmt.Sprintf("%d random minima of d=%d: smallest S (≥ d)", n, d)}, minS, float64(d)*(1-1e-12)),
			within(Check{ID: fmt.Sprintf("c2-d%d-balanced", d), Claim: "S = d at the balanced minimum",
				Experiment: fmt.Sprintf("d=%d, w = (1, …, 1)", d)}, hessianSharpness(bal), float64(d), 64*float64(d)*unitRoundoff))
		c.Figures = append(c.Figures, Figure{Name: fmt.Sprintf("claim2-flatness-d%d", d), Title: fmt.Sprintf("Sharpness of random minima of d = %d against ‖D‖", d),
			XLabel: "‖D‖ = max |w_i² − w_j²|", YLabel: "sharpness S", Series: []Curve{{Name: "random minima", X: sx, Y: sy, Style: "points"}},
			HLines: []Mark{{At: float64(d), Label: fmt.Sprintf("S = d = %d", d)}}})
	}
}

// hessianSharpness is the largest eigenvalue of the Hessian of L computed from the matrix
// (not from a closed form).
func hessianSharpness(w []float64) float64 {
	if len(w) == 2 {
		// flow.Sharpness uses the closed form of a 2×2 eigenvalue of the full Hessian.
		return flow.Sharpness(w)
	}
	return flow.Sharpness(w)
}

// Claim 3: weight decay.
func claimWeightDecay(c *Claim, s ClaimSettings) {
	mu, T, rtol := 0.1, 40.0, 1e-10
	if s.Quick {
		T = 20
	}
	w0 := []float64{2, 0.25}
	c.Checks = append(c.Checks, WeightDecayRate(w0, mu, T, rtol), WeightDecayMinimum(2, mu, rtol), WeightDecayRate(claimStarts[3], mu, T, rtol))
	obj := flow.Objective{Depth: 2, WeightDecay: mu}
	ev := PhaseEvent(obj.Flow(), 2, rtol, rtol/100)
	tr, r, err := flow.Solve(obj.Flow(), "flow-wd", w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, Events: []ode.Event{ev}}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	ch := Check{ID: "c3-phases", Claim: "two phases: the regularization phase decays ‖D‖ at 2μ",
		Experiment: fmt.Sprintf("d=2 from %v, μ=%g: phase boundary t* (motion along W = const dominates after it), fitted rate of ‖D‖ after t*", w0, mu)}
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	ph := FlowPhase(tr, r, 0, ev, 0)
	if !ph.Found {
		c.Checks = append(c.Checks, failed(ch, fmt.Errorf("no phase boundary found")))
		return
	}
	ch.Experiment += fmt.Sprintf(": t* = %.4g, loss %.4g, ‖D‖ %.4g there", ph.T, ph.Loss, ph.Imbalance)
	fit, err := FitDecay(After(tr, ph.Index), 0, 1, 2*mu, FlowErrorD(tr, r.Stats.Accepted, rtol, rtol/100))
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	c.Checks = append(c.Checks, within(ch, fit.Rate, 2*mu, fit.Bound+64*unitRoundoff))
	// The optimization phase: W approaches its end value at the rate of the normal
	// eigenvalue of the Hessian, S + μ, at the start; it ends long before the
	// regularization does (time scales 1/(S+μ) vs 1/(2μ)).
	S0 := flow.Sharpness(w0)
	ch = Check{ID: "c3-timescales", Claim: "the optimization phase is set by the sharpness, the regularization phase by 2μ",
		Experiment: fmt.Sprintf("2μ·t*: the optimization phase ends within half a regularization time 1/(2μ); it lasts t*·(S(0)+μ) = %.3g optimization times 1/(S+μ), S(0) = %.3g", ph.T*(S0+mu), S0)}
	ch = atMost(ch, 2*mu*ph.T, 0.5)
	ch.Predicted = 0
	c.Checks = append(c.Checks, ch)
	c.Checks = append(c.Checks, optimizationRate(obj, w0, ph.T, mu))
	series := Series2(tr, mu)
	c.Figures = append(c.Figures, series...)
	c.Figures[len(c.Figures)-2].VLines = []Mark{{At: ph.T, Label: "t*"}}
	c.Figures[len(c.Figures)-1].VLines = []Mark{{At: ph.T, Label: "t*"}}
}

// Series2 returns the loss/imbalance time series and the measured-vs-theory figure of a
// weight-decay trajectory.
func Series2(tr *flow.Trajectory, mu float64) []Figure {
	ps := Series(tr, 0)
	t := make([]float64, len(ps))
	loss := make([]float64, len(ps))
	dd := make([]float64, len(ps))
	th := make([]float64, len(ps))
	d0 := ps[0].Imbalance[0]
	for k, p := range ps {
		t[k], loss[k], dd[k] = p.T, p.Loss, math.Abs(p.Imbalance[0])
		th[k] = math.Abs(d0) * math.Exp(-2*mu*p.T)
	}
	return []Figure{
		{Name: "claim3-phases", Title: "Weight decay: loss and imbalance, two phases", XLabel: "t", YLabel: "value", LogY: true,
			Series: []Curve{{Name: "loss L", X: t, Y: loss, Style: "line"}, {Name: "|D12|", X: t, Y: dd, Style: "line"}}},
		{Name: "claim3-theory", Title: "Weight decay: |D12(t)| against D(0)·exp(−2μt)", XLabel: "t", YLabel: "|D12|", LogY: true,
			Series: []Curve{{Name: "measured (DOP853)", X: t, Y: dd, Style: "line"}, {Name: "D(0)·exp(−2μt)", X: t, Y: th, Style: "dashed"}}},
	}
}

// meanCurve runs seeds of a stochastic method and returns the mean and standard error of
// D_12(t)/D_12(0) at every recorded iterate.
func meanCurve(p discrete.Problem, w0 []float64, set discrete.Settings, seeds int, seed uint64) (t, mean, se []float64, err error) {
	d0 := flow.Pair(w0, 0, 1)
	var sum, sum2 []float64
	for k := 0; k < seeds; k++ {
		set.Seed = seed + uint64(k)
		tr, res, err := discrete.Run(p, w0, &set)
		if err != nil {
			return nil, nil, nil, err
		}
		if res.Status != discrete.Success {
			return nil, nil, nil, fmt.Errorf("seed %d: %s", set.Seed, tr.Status)
		}
		if sum == nil {
			t = tr.T
			sum, sum2 = make([]float64, tr.Len()), make([]float64, tr.Len())
		}
		for i := 0; i < tr.Len(); i++ {
			r := flow.Pair(tr.At(i), 0, 1) / d0
			sum[i] += r
			sum2[i] += r * r
		}
	}
	n := float64(seeds)
	mean, se = make([]float64, len(sum)), make([]float64, len(sum))
	for i := range sum {
		mean[i] = sum[i] / n
		se[i] = math.Sqrt(math.Max(sum2[i]/n-mean[i]*mean[i], 0) / (n - 1))
	}
	return t, mean, se, nil
}

// Claim 4: noise.
func claimNoise(c *Claim, s ClaimSettings) {
	sigma, lr, steps, seeds := 0.5, 0.05, 4000, 40
	if s.Quick {
		steps, seeds = 1000, 10
	}
	c.Checks = append(c.Checks, ConservationChecks([]float64{2, 0.25}, 20, 1e-10, sigma)[2])
	data, err := flow.Generate(64, 1, 0, s.Seed)
	if err != nil {
		c.Checks = append(c.Checks, failed(Check{ID: "c4-noisy-gd"}, err))
		return
	}
	w0 := []float64{2, 0.5}
	p := discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: sigma}, Data: data}
	c.Checks = append(c.Checks, StochasticCheck("c4-noisy-gd", "noisy GD shrinks D at the per-step rate λ²E[ρ²] in expectation (MATH.md §4)", p, w0, lr, steps, 0, seeds, s.Seed))
	t, mean, se, err := meanCurve(p, w0, discrete.Settings{LR: lr, Steps: steps, Record: max(1, steps/200)}, seeds, s.Seed)
	if err != nil {
		return
	}
	sd, _ := MeasureStochasticDecay(p, w0, lr, steps, 0, seeds, s.Seed)
	pred := make([]float64, len(t))
	flat := make([]float64, len(t))
	for i := range t {
		pred[i] = math.Exp(-sd.Predicted * t[i] / lr)
		flat[i] = 1
	}
	c.Figures = append(c.Figures, Figure{Name: "claim4-noise", Title: fmt.Sprintf("Input noise σ = %g: mean D(t)/D(0) over %d seeds", sigma, seeds),
		XLabel: "t = kλ", YLabel: "D(t)/D(0)", Series: []Curve{
			{Name: "noisy GD (mean ± 2 SE)", X: t, Y: mean, Err: scale(se, 2), Style: "line"},
			{Name: "law in expectation", X: t, Y: pred, Style: "dashed"},
			{Name: "expected-loss flow (conserved)", X: t, Y: flat, Style: "line"}}})
}

func scale(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = a * x
	}
	return out
}

// Claim 5: GD alone.
func claimGD(c *Claim, s ClaimSettings) {
	for _, w0 := range [][]float64{{2, 0.25}, {1.5, -0.7, 0.4}, {1.2, 0.9, 1.1, 0.8, 1.05}} {
		c.Checks = append(c.Checks, DiscreteLaws(w0, 0.05, 0, 2000)[0])
	}
	w0 := []float64{2, 0.25}
	lr, steps := 0.05, 2000
	tr, _, err := discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, &discrete.Settings{LR: lr, Steps: steps})
	ch := Check{ID: "c5-stops", Claim: "GD's own shrinking of D stops at the manifold",
		Experiment: fmt.Sprintf("d=2 from %v, λ=%g: |D(end) − D(mid)|/|D(0)| over the second half of %d steps (law: ∏(1 − λ²e²) with e → 0)", w0, lr, steps)}
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	d0 := flow.Pair(w0, 0, 1)
	mid, end := flow.Pair(tr.At(steps/2), 0, 1), flow.Pair(tr.Last(), 0, 1)
	c.Checks = append(c.Checks, atMost(ch, math.Abs(end-mid)/math.Abs(d0), 1e-12))
	ch = Check{ID: "c5-shrinks", Claim: "GD shrinks D while the loss gradient is non-zero (second order in λ)",
		Experiment: "relative change of D over the first half, against the product of the per-step factors"}
	prod := 1.0
	for k := 0; k < steps/2; k++ {
		prod *= StepFactor(tr.At(k), 0, 1, lr, 0, flow.Product(tr.At(k))-1)
	}
	// Each step's factor and update round to a few ulps: 16u per step.
	c.Checks = append(c.Checks, within(ch, mid/d0, prod, 16*unitRoundoff*float64(steps)))
	// Independently of the per-step identity: the shrinking is second order in λ per step, so
	// over a fixed time T it is first order in λ, −ln(D(T)/D(0)) ≈ λ·∫e² dt, and vanishes with
	// λ as the flow's conservation says. The log–log slope against λ is 1.
	lrs := []float64{0.04, 0.02, 0.01}
	var shrink []float64
	for _, l := range lrs {
		n := int(math.Round(20 / l))
		tr, _, err := discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, &discrete.Settings{LR: l, Steps: n})
		if err != nil {
			c.Checks = append(c.Checks, failed(Check{ID: "c5-order"}, err))
			return
		}
		shrink = append(shrink, -math.Log(flow.Pair(tr.Last(), 0, 1)/d0))
	}
	ch = Check{ID: "c5-order", Claim: "GD's shrinking of D over a fixed time is first order in λ (it vanishes in the flow limit)",
		Experiment: fmt.Sprintf("d=2 from %v to t = 20 at λ = %v: −ln(D(T)/D(0)) = %.3g, %.3g, %.3g; log–log slope against λ (an O(λ) error term: tolerance 0.1)", w0, lrs, shrink[0], shrink[1], shrink[2])}
	c.Checks = append(c.Checks, within(ch, logslope(lrs, shrink), 1, 0.1))
	ps := Series(tr, 0)
	t, dd := make([]float64, len(ps)), make([]float64, len(ps))
	flat := make([]float64, len(ps))
	for k, p := range ps {
		t[k], dd[k], flat[k] = p.T, p.Imbalance[0], d0
	}
	c.Figures = append(c.Figures, Figure{Name: "claim5-gd", Title: fmt.Sprintf("GD (λ = %g): imbalance against the conserved value of the flow", lr), XLabel: "t = kλ", YLabel: "D12",
		Series: []Curve{{Name: "GD", X: t, Y: dd, Style: "linepoints"}, {Name: "gradient flow: D(0)", X: t, Y: flat, Style: "dashed"}}})
}

// Claim 6: SGD at a minimum of the full loss keeps shrinking D at the predicted rate, which
// grows as the batch gets smaller.
func claimSGD(c *Claim, s ClaimSettings) {
	lr, steps, seeds := 0.05, 2000, 20
	if s.Quick {
		steps, seeds = 500, 8
	}
	data, err := flow.Generate(64, 1, 0.5, s.Seed)
	if err != nil {
		c.Checks = append(c.Checks, failed(Check{ID: "c6"}, err))
		return
	}
	w0 := []float64{2, 0.5} // W = 1: a minimum of the full loss of normalized data
	p := discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: data}
	batches := []int{4, 8, 16, 32}
	var bx, meas, pred, errs []float64
	for _, b := range batches {
		sd, err := MeasureStochasticDecay(p, w0, lr, steps, b, seeds, s.Seed)
		ch := Check{ID: fmt.Sprintf("c6-batch%d", b), Claim: "SGD at a minimum shrinks D at the rate λ²E[ρ²] in expectation",
			Experiment: fmt.Sprintf("d=2 from %v (W = 1), N=64, label noise 0.5, λ=%g, batch %d, %d steps, %d seeds: per-step rate", w0, lr, b, steps, seeds)}
		if err != nil {
			c.Checks = append(c.Checks, failed(ch, err))
			continue
		}
		c.Checks = append(c.Checks, within(ch, sd.Measured, sd.Predicted, 3*sd.StdErr))
		bx, meas, pred, errs = append(bx, float64(b)), append(meas, sd.Measured), append(pred, sd.Predicted), append(errs, 2*sd.StdErr)
	}
	if len(meas) == len(batches) {
		ch := Check{ID: "c6-batch-slope", Claim: "the rate grows as the batch gets smaller",
			Experiment: "log–log slope of the measured rate against the batch size, against the law's (≈ −1 for B ≪ N)"}
		c.Checks = append(c.Checks, within(ch, logslope(bx, meas), logslope(bx, pred), 0.05))
	}
	c.Figures = append(c.Figures, Figure{Name: "claim6-sgd", Title: "SGD at a minimum: decay rate of D against the batch size", XLabel: "batch size B", YLabel: "−ln(D_K/D_0)/K per step",
		LogX: true, LogY: true, Series: []Curve{{Name: "SGD (mean ± 2 SE)", X: bx, Y: meas, Err: errs, Style: "points"}, {Name: "λ²E[ρ²] (law)", X: bx, Y: pred, Style: "dashed"}}})
}

// Claim 7: stability.
func claimStability(c *Claim, s ClaimSettings) {
	lr := 1.05 * 2 / 16.06
	run := func(w0 []float64, lr float64, steps int) (*flow.Trajectory, error) {
		tr, _, err := discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, &discrete.Settings{LR: lr, Steps: steps})
		return tr, err
	}
	tr, err := run([]float64{4, 0.26}, lr, 2000)
	ch := Check{ID: "c7-escape", Claim: "from a minimum sharper than 2/λ, GD leaves for a flatter one (S < 2/λ)",
		Experiment: fmt.Sprintf("GD λ = 1.05·2/16.06 = %.5g from (4, 0.26), near the minimum (4, 0.25) with S = 16.06: final sharpness ≤ 2/λ", lr)}
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	st := ClassifyGD(tr, lr)
	ch.Experiment += fmt.Sprintf(" (class %s, S %.4g → %.4g)", st.Class, st.S0, st.SEnd)
	c.Checks = append(c.Checks, atMost(ch, st.SEnd, 2/lr))
	ps := Series(tr, 0)
	t, sh := make([]float64, len(ps)), make([]float64, len(ps))
	for k, p := range ps {
		t[k], sh[k] = p.T, p.Sharpness
	}
	c.Figures = append(c.Figures, Figure{Name: "claim7-stability", Title: fmt.Sprintf("GD at λ = %.4g from (4, 0.26): sharpness against 2/λ", lr), XLabel: "t = kλ", YLabel: "sharpness S",
		Series: []Curve{{Name: "GD", X: t, Y: sh, Style: "line"}}, HLines: []Mark{{At: 2 / lr, Label: "2/λ"}}})
	tr, err = run([]float64{4, 0.25}, lr, 100)
	ch = Check{ID: "c7-exact-minimum", Claim: "started exactly on a minimum GD does not move",
		Experiment: "GD from (4, 0.25): max |w_k − w_0|"}
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	var mv float64
	for k := 0; k < tr.Len(); k++ {
		mv = math.Max(mv, math.Max(math.Abs(tr.At(k)[0]-4), math.Abs(tr.At(k)[1]-0.25)))
	}
	c.Checks = append(c.Checks, atMost(ch, mv, 0))
	// λ ≥ 2/d = 1: no minimum is stable; the run must say how it ended, never NaN.
	tr, err = run([]float64{2, 0.3}, 1.2, 500)
	ch = Check{ID: "c7-no-stable-minimum", Claim: "for λ ≥ 2/d no minimum is stable: GD diverges or oscillates, and says so",
		Experiment: "GD λ = 1.2 from (2, 0.3): 1 if the run ends diverged or oscillating with finite data"}
	if err != nil {
		c.Checks = append(c.Checks, failed(ch, err))
		return
	}
	st = ClassifyGD(tr, 1.2)
	ok := 0.0
	if (st.Class == "diverged" || st.Class == "oscillating") && finite(tr.W) {
		ok = 1
	}
	ch.Experiment += fmt.Sprintf(" (class %s, status %q)", st.Class, tr.Status)
	c.Checks = append(c.Checks, within(ch, ok, 1, 0))
}

// Claim 8: distance between GD and the flows at fixed time T scales as λ (flow) and λ² (modified flow).
func claimModified(c *Claim, s ClaimSettings) {
	lrs := []float64{0.1, 0.05, 0.025, 0.0125, 0.00625}
	if s.Quick {
		lrs = lrs[:4]
	}
	T := 2.0
	w0 := []float64{2, 0.25}
	var df, dm []float64
	for _, lr := range lrs {
		cmp, err := CompareGD(flow.Objective{Depth: 2}, w0, lr, int(math.Round(T/lr)), CompareSettings{})
		if err != nil {
			c.Checks = append(c.Checks, failed(Check{ID: "c8"}, err))
			return
		}
		df, dm = append(df, cmp.DistFlow[len(cmp.DistFlow)-1]), append(dm, cmp.DistModified[len(cmp.DistModified)-1])
	}
	exp := fmt.Sprintf("d=2 from %v, distance at t = %g for λ = %v: fitted log–log slope", w0, T, lrs)
	c.Checks = append(c.Checks,
		within(Check{ID: "c8-flow", Claim: "GD follows the gradient flow to O(λ)", Experiment: exp}, logslope(lrs, df), 1, 0.1),
		within(Check{ID: "c8-modified", Claim: "GD follows the modified flow to O(λ²)", Experiment: exp}, logslope(lrs, dm), 2, 0.1))
	c.Figures = append(c.Figures, Figure{Name: "claim8-modified", Title: fmt.Sprintf("Distance between GD and the flows at t = %g", T), XLabel: "learning rate λ", YLabel: "‖w_k − w(kλ)‖",
		LogX: true, LogY: true, Series: []Curve{
			{Name: fmt.Sprintf("gradient flow (slope %.2f)", logslope(lrs, df)), X: lrs, Y: df, Style: "linepoints"},
			{Name: fmt.Sprintf("modified flow (slope %.2f)", logslope(lrs, dm)), X: lrs, Y: dm, Style: "linepoints"}}})
}

// Claim 9: the SME of SGD (Euler–Maruyama, ensemble) against SGD with independent batches
// (the sampling the SME models): mean D(T)/D(0) agree within their statistical error plus the
// O(λ) weak error of the SME.
func claimSME(c *Claim, s ClaimSettings) {
	lr, steps, batch, seeds := 0.05, 2000, 8, 40
	if s.Quick {
		steps, seeds = 500, 16
	}
	data, err := flow.Generate(64, 1, 0.5, s.Seed)
	if err != nil {
		c.Checks = append(c.Checks, failed(Check{ID: "c9"}, err))
		return
	}
	w0 := []float64{2, 0.5}
	T := float64(steps) * lr
	p := discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: data}
	rec := max(1, steps/100)
	t, mSGD, seSGD, err := meanCurve(p, w0, discrete.Settings{LR: lr, Steps: steps, Batch: batch, IndependentBatches: true, Record: rec}, seeds, s.Seed)
	if err != nil {
		c.Checks = append(c.Checks, failed(Check{ID: "c9"}, err))
		return
	}
	sme := flow.SME{Data: data, LR: lr, Batch: batch}
	dt := lr / 4
	d0 := flow.Pair(w0, 0, 1)
	n := len(t)
	sum, sum2 := make([]float64, n), make([]float64, n)
	for k := 0; k < seeds; k++ {
		i := 0
		err := sme.EulerMaruyama(w0, T, dt, s.Seed+1000+uint64(k), 4*rec, func(_ float64, w []float64) {
			if i < n {
				r := flow.Pair(w, 0, 1) / d0
				sum[i] += r
				sum2[i] += r * r
			}
			i++
		})
		if err != nil {
			c.Checks = append(c.Checks, failed(Check{ID: "c9"}, err))
			return
		}
	}
	ns := float64(seeds)
	mSME, seSME := make([]float64, n), make([]float64, n)
	for i := range sum {
		mSME[i] = sum[i] / ns
		seSME[i] = math.Sqrt(math.Max(sum2[i]/ns-mSME[i]*mSME[i], 0) / (ns - 1))
	}
	// The first-order SME leaves out the discrete step's own shrinking λ²q̄² per step: with the
	// stationary fluctuation Var(W) ≈ λ·v_B·S/2 of W about the manifold, SGD's decay rate is
	// larger by a relative λS/2 (the weak O(λ) error). On a mean m = e^{−rT} that is
	// m·|ln m|·λS(0)/2.
	last := n - 1
	stat := 3 * math.Hypot(seSGD[last], seSME[last])
	m := mSME[last]
	weak := m * math.Abs(math.Log(m)) * lr * flow.Sharpness(w0) / 2
	ch := Check{ID: "c9-sme", Claim: "the SME of SGD predicts the mean decay of D",
		Experiment: fmt.Sprintf("d=2 from %v, λ=%g, batch %d (independent batches), %d seeds each, Euler–Maruyama dt = λ/4: mean D(T)/D(0) at T=%g; tol = 3 SE + m·|ln m|·λS(0)/2 (the SME's weak O(λ) error)", w0, lr, batch, seeds, T)}
	c.Checks = append(c.Checks, within(ch, mSGD[last], mSME[last], stat+weak))
	c.Figures = append(c.Figures, Figure{Name: "claim9-sme", Title: "SGD against its stochastic modified equation: mean D(t)/D(0)", XLabel: "t = kλ", YLabel: "D(t)/D(0)",
		Series: []Curve{
			{Name: "SGD, independent batches (mean ± 2 SE)", X: t, Y: mSGD, Err: scale(seSGD, 2), Style: "line"},
			{Name: "SME, Euler–Maruyama (mean ± 2 SE)", X: t, Y: mSME, Err: scale(seSME, 2), Style: "dashed"}}})
}

// optimizationRate checks that the optimization phase runs on the time scale of the sharpness:
// near the manifold the velocity's component normal to the level sets of W decays at the
// normal eigenvalue of the Hessian, λ_n = |g|² + μ (d = 2). It fits ln|v_n| over [t*/4, t*]
// (after the first transient) and compares with the mean of |g|² + μ there. The terms the
// linearization leaves out are the Hessian's e·∂g part, of size |e|·2|W|/|g|², and the motion
// of the slow manifold itself, of rate 2μ: their mean is the tolerance.
func optimizationRate(obj flow.Objective, w0 []float64, tstar, mu float64) Check {
	c := Check{ID: "c3-optimization-rate", Claim: "the optimization phase is set by the sharpness: v_n decays at |g|² + μ",
		Experiment: fmt.Sprintf("d=2 from %v, μ=%g: fitted decay rate of the normal velocity over [t*/4, t*] = [%.3g, %.3g] against the mean of |g|² + μ", w0, mu, tstar/4, tstar)}
	const n = 60
	out := make([]float64, n+1)
	for k := range out {
		out[k] = tstar/4 + 0.75*tstar*float64(k)/n
	}
	out[n] = tstar
	tr, r, err := flow.Solve(obj.Flow(), "flow-wd", w0, tstar, &ode.Settings{Rtol: 1e-12, Atol: 1e-14, Output: out}, &ode.DOP853{})
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return failed(c, err)
	}
	f := obj.Flow()
	v, g := make([]float64, 2), make([]float64, 2)
	var ts, ls []float64
	var lam, tol float64
	for k := 0; k < tr.Len(); k++ {
		w := tr.At(k)
		f(v, 0, w)
		flow.Partials(g, w)
		g2 := g[0]*g[0] + g[1]*g[1]
		vn := (v[0]*g[0] + v[1]*g[1]) / math.Sqrt(g2)
		W := flow.Product(w)
		ts, ls = append(ts, tr.T[k]), append(ls, math.Log(math.Abs(vn)))
		lam += g2 + mu
		tol += math.Abs(W-1)*2*math.Abs(W)/g2 + 2*mu
	}
	m := float64(len(ts))
	var sx, sy, sxx, sxy float64
	for i := range ts {
		sx, sy, sxx, sxy = sx+ts[i], sy+ls[i], sxx+ts[i]*ts[i], sxy+ts[i]*ls[i]
	}
	rate := -(m*sxy - sx*sy) / (m*sxx - sx*sx)
	return within(c, rate, lam/m, tol/m)
}
