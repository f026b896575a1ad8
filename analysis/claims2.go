package analysis

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// alike compares weight decay and noise augmentation (part of claim 5): GD with weight decay
// μ and noisy GD with σ² = μ/(1 − μ), whose balanced minima coincide (w² = 1 − μ and
// W = 1/(1 + σ²) = 1 − μ at d = 2), from the same start. After their phase boundaries both
// travel along their manifolds toward the flat region; reparametrized by ln‖D‖, their paths
// in the (‖D‖, S) and (‖D‖, W) planes are compared over the range of ‖D‖ both cover.
func alike(c *Claim, s ClaimSettings) {
	l := s.Lab
	mu := 0.2
	sigma := math.Sqrt(mu / (1 - mu))
	lr, steps, seeds := 0.2, 5000, 512
	w0 := []float64{2, 0.25}
	// The data are part of the experiment: 4 samples drawn with seed 1 (few samples, so that
	// full-batch noise is strong); the seed of the run draws the noise.
	data, err := l.generate(4, 1, 0, 1)
	fail := func(err error) {
		c.untested(err, "weight decay and noise augmentation behave alike", "c5-alike-range", "c5-alike-S", "c5-alike-W", "c5-alike-control")
	}
	if err != nil {
		fail(err)
		return
	}
	wd, _ := discretePhaseRun(l, "wd", discrete.Problem{Objective: flow.Objective{Depth: 2, WeightDecay: mu}}, w0, lr, steps, 0, 1, s.Seed)
	nz, _ := discretePhaseRun(l, "noise", discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: sigma}, Data: data}, w0, lr, steps, 0, seeds, s.Seed)
	gd, _ := discretePhaseRun(l, "gd", discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, lr, steps, 0, 1, s.Seed)
	if wd == nil || nz == nil || gd == nil {
		fail(fmt.Errorf("a run of the comparison failed"))
		return
	}
	what := fmt.Sprintf("d=2 from %v, λ=%g, %d steps: GD with μ=%g against noisy GD with σ=%.3g (σ² = μ/(1−μ)) on 4 samples, mean over %d seeds", w0, lr, steps, mu, sigma, seeds)
	pa, pb := pathAfter(wd), pathAfter(nz)
	lo, hi := math.Max(pa.lnD[len(pa.lnD)-1], pb.lnD[len(pb.lnD)-1]), math.Min(pa.lnD[0], pb.lnD[0])
	rng := hi - lo
	// The S distance is judged against what a shift of W by μ (the W check's bound) does to S
	// at the same ‖D‖ on the noise path.
	var dS, dW, tolS float64
	if rng > 0 {
		for k := 0; k <= 50; k++ {
			L := hi - rng*float64(k)/50
			Sa, Wa := pa.at(L)
			Sb, Wb := pb.at(L)
			dS = math.Max(dS, math.Abs(Sa-Sb)/Sb)
			dW = math.Max(dW, math.Abs(Wa-Wb))
			D := math.Exp(L)
			s0, s1 := sharpnessAt(D, Wb), sharpnessAt(D, Wb+mu)
			tolS = math.Max(tolS, math.Abs(s1-s0)/s0)
		}
	}
	c.Checks = append(c.Checks,
		atLeast(Check{ID: "c5-alike-range", Claim: "weight decay and noise both travel along the manifold toward the flat region",
			Experiment: what + fmt.Sprintf(": the range of ln‖D‖ both paths cover after their t* ([%.3g, %.3g])", lo, hi)}, rng, 1, Heuristic, "a factor e in ‖D‖"),
		atMost(Check{ID: "c5-alike-S", Claim: "… on the same path in the (‖D‖, S) plane",
			Experiment: what + ": max relative difference of S at equal ‖D‖ over that range (51 levels)"}, dS, tolS, Heuristic, "the largest relative change of S that moving W by μ causes at these ‖D‖ (weight decay's slow manifold lies up to μ off noise's level set)"),
		atMost(Check{ID: "c5-alike-W", Claim: "… and in the (‖D‖, W) plane, to within the size μ of the regularizer",
			Experiment: what + ": max |W_wd − W_noise| at equal ‖D‖ over that range"}, dW, mu, Heuristic, "μ: weight decay's slow manifold lies O(μ) off the level set W = 1 − μ"))
	pc := pathAfter(gd)
	crng := 0.0
	if gd.found {
		crng = math.Min(pc.lnD[0], pb.lnD[0]) - math.Max(pc.lnD[len(pc.lnD)-1], pb.lnD[len(pb.lnD)-1])
	}
	c.Checks = append(c.Checks, atMost(Check{ID: "c5-alike-control", Claim: "plain GD does not travel along the manifold: reported as not alike",
		Experiment: fmt.Sprintf("d=2 from %v, λ=%g: the range of ln‖D‖ plain GD and noisy GD cover together after t* (0 without a boundary), not alike below 1", w0, lr)}, math.Max(crng, 0), 1, Heuristic, "the range threshold of c5-alike-range"))
	// Drawn over the common range and a decade below it.
	cut := func(p path) path {
		var q path
		for j := range p.lnD {
			if p.lnD[j] >= lo-math.Ln10 {
				q.lnD, q.S, q.W = append(q.lnD, p.lnD[j]), append(q.S, p.S[j]), append(q.W, p.W[j])
			}
		}
		return q
	}
	ca, cb := cut(pa), cut(pb)
	c.Figures = append(c.Figures, Figure{Name: "claim5-alike", Title: "Weight decay and noise after t*: sharpness against imbalance", XLabel: "‖D‖", YLabel: "sharpness S", LogX: true,
		Series: []Curve{{Name: fmt.Sprintf("GD + weight decay μ = %g", mu), Key: "gd_weight_decay", X: expAll(ca.lnD), Y: ca.S, Style: "line"}, {Name: fmt.Sprintf("noisy GD σ = %.3g (mean)", sigma), Key: "noisy_gd_mean", X: expAll(cb.lnD), Y: cb.S, Style: "line"}}})
}

// sharpnessAt returns the top Hessian eigenvalue of the data loss at the point of depth 2 with
// imbalance D and product W.
func sharpnessAt(D, W float64) float64 {
	a := (D + math.Sqrt(D*D+4*W*W)) / 2
	w1 := math.Sqrt(a)
	ev, _ := oracleEigen([]float64{w1, W / w1})
	return ev[len(ev)-1]
}

// untested adds checks of the given ids, not tested for err.
func (c *Claim) untested(err error, claim string, ids ...string) {
	for _, id := range ids {
		c.Checks = append(c.Checks, notTested(Check{ID: id, Claim: claim}, err))
	}
}

// path is a run after its phase boundary, on its manifold: ln‖D‖, S and W at every point, ‖D‖ made
// non-increasing (a later point that is not lower is dropped) so that it can be inverted.
type path struct{ lnD, S, W []float64 }

func pathAfter(r *phaseRun) path {
	var p path
	k := 0
	if r.found {
		k = r.index
	}
	// Start where the run is on its manifold: from the first point after t* whose loss is
	// within 5% of the total drop above its floor (a run with large steps can cross the phase
	// boundary before it has settled near the level set).
	Lmin := minOf(r.loss)
	for k < len(r.loss)-1 && r.loss[k]-Lmin > 0.05*(r.loss[0]-Lmin) {
		k++
	}
	for j := k; j < r.w.Len(); j++ {
		w := r.w.At(j)
		lnD := math.Log(oracleImbalance(w))
		if len(p.lnD) > 0 && !(lnD < p.lnD[len(p.lnD)-1]) {
			continue
		}
		ev, _ := oracleEigen(w)
		p.lnD, p.S, p.W = append(p.lnD, lnD), append(p.S, ev[len(ev)-1]), append(p.W, oracleProduct(w))
	}
	return p
}

// at interpolates S and W linearly in ln‖D‖ at level L (clamped to the path's ends).
func (p path) at(L float64) (S, W float64) {
	n := len(p.lnD)
	if L >= p.lnD[0] {
		return p.S[0], p.W[0]
	}
	for j := 1; j < n; j++ {
		if p.lnD[j] <= L {
			f := (L - p.lnD[j-1]) / (p.lnD[j] - p.lnD[j-1])
			return p.S[j-1] + f*(p.S[j]-p.S[j-1]), p.W[j-1] + f*(p.W[j]-p.W[j-1])
		}
	}
	return p.S[n-1], p.W[n-1]
}

func expAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Exp(x)
	}
	return out
}

// Claim 7: SGD at a minimum of the full loss keeps shrinking D at the law's rate, which grows
// as the batch gets smaller; noisy GD at a matched noise level does the same, except where
// the data are fitted exactly.
func claimSGD(c *Claim, s ClaimSettings) {
	l := s.Lab
	lr, steps, seeds := 0.05, 2000, 20
	if s.Quick {
		steps, seeds = 500, 8
	}
	data, err := l.generate(64, 1, 0.5, s.Seed)
	clean, err2 := l.generate(64, 1, 0, s.Seed)
	if err == nil {
		err = err2
	}
	if err != nil {
		c.Checks = append(c.Checks, notTested(Check{ID: "c7-batch4"}, err))
		return
	}
	// The model's normalization, which puts the minimum of the full loss at W = 1, checked on
	// the data from their definition: mean x² = 1 and mean x·y = 1.
	var worst float64
	for _, ds := range []*flow.Dataset{data, clean} {
		var xx, xy float64
		for k, x := range ds.X {
			xx += x * x
			xy += x * ds.Y[k]
		}
		n := float64(ds.Len())
		worst = math.Max(worst, math.Max(math.Abs(xx/n-1), math.Abs(xy/n-1)))
	}
	c.Checks = append(c.Checks, atMost(Check{ID: "c7-data", Claim: "the data are normalized: mean x² = 1 and mean x·y = 1, so that W = 1 minimizes the full loss",
		Experiment: fmt.Sprintf("the two datasets of this claim (64 samples, label noise 0.5 and 0, seed %d): max |mean x² − 1|, |mean x·y − 1|", s.Seed)},
		worst, 64*unitRoundoff, RoundOff, "64u: sums of 64 products"))
	w0 := []float64{2, 0.5} // W = 1: a minimum of the full loss of normalized data
	p := discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: data}
	batches := []int{4, 8, 16, 32}
	var bx, meas, pred, errs, rel []float64
	for _, b := range batches {
		ch, sd := stochasticRate(l, Check{ID: fmt.Sprintf("c7-batch%d", b), Claim: "SGD at a minimum shrinks D at the rate λ²P²E[ρ²] in expectation"}, p, w0, lr, steps, b, seeds, s.Seed)
		ch.Experiment = fmt.Sprintf("d=2 from %v (W = 1), N=64, label noise 0.5: ", w0) + ch.Experiment
		c.Checks = append(c.Checks, ch)
		if sd != nil {
			bx, meas, pred = append(bx, float64(b)), append(meas, sd.Measured), append(pred, sd.Predicted)
			errs, rel = append(errs, 2*sd.MeasuredSE), append(rel, sd.StdErr/sd.Measured)
		}
	}
	if len(meas) == len(batches) {
		// The slope's standard error from the relative errors of the paired differences.
		var xbar float64
		for _, b := range bx {
			xbar += math.Log(b) / float64(len(bx))
		}
		var sxx, v float64
		for i, b := range bx {
			dx := math.Log(b) - xbar
			sxx += dx * dx
			v += dx * dx * rel[i] * rel[i]
		}
		ch := Check{ID: "c7-batch-slope", Claim: "the rate grows as the batch gets smaller, as the law says",
			Experiment: fmt.Sprintf("log–log slope of the measured rate against the batch size %v, against the law's", batches)}
		c.Checks = append(c.Checks, statistical(ch, logslope(bx, meas), logslope(bx, pred), math.Sqrt(v)/sxx, seeds-1))
	}
	// Noisy SGD (a mini-batch with fresh input noise) follows the same law.
	ch, _ := stochasticRate(l, Check{ID: "c7-noisy-sgd", Claim: "SGD with input noise shrinks D at the rate λ²P²E[ρ²] in expectation"},
		discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: 0.5}, Data: data}, w0, lr, steps, 8, seeds, s.Seed)
	c.Checks = append(c.Checks, ch)
	c.Figures = append(c.Figures, Figure{Name: "claim7-sgd", Title: "SGD at a minimum: decay rate of D against the batch size", XLabel: "batch size B", YLabel: "−ln(D_K/D_0)/K per step",
		LogX: true, LogY: true, Series: []Curve{{Name: "SGD (mean ± 2 SE)", Key: "sgd_mean", X: bx, Y: meas, Err: errs, Style: "points"}, {Name: "λ²E[ρ²] (law)", Key: "law", X: bx, Y: pred, Style: "dashed"}}})
	// Noisy GD at the noise level whose E[ρ²] at its own minimum W* = 1/(1 + σ²) equals SGD's
	// at W = 1, started at W* with the same D. Both shrink D at rates λ²E[ρ²](1 + O(λ)): the
	// iterates fluctuate about their manifolds, and E[ρ²] grows with the square of the offset
	// at a slope that differs between the methods ((1 + σ²)² against 1). So the relative
	// difference of the rates, δ(λ) = r_noisy/r_SGD − 1, is fitted as a + bλ over three λ and
	// its intercept a must vanish.
	var sigma8 float64
	for _, b := range []int{8, 16, 32} {
		id := fmt.Sprintf("c7-matched-B%d", b)
		ch := Check{ID: id, Claim: "noisy GD at the matched noise level shrinks D at SGD's rate (as λ → 0)"}
		sigma, wn, err := matchedNoise(data, w0, b)
		if err != nil {
			c.Checks = append(c.Checks, notTested(ch, err))
			continue
		}
		if b == 8 {
			sigma8 = sigma
		}
		lrs := []float64{0.005, 0.01, 0.02}
		var ds, ses []float64
		for _, lr := range lrs {
			sg, err := measureStochasticDecay(l, p, w0, lr, steps, b, seeds, s.Seed)
			if err == nil {
				pn := discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: sigma}, Data: data}
				var nz *StochasticDecay
				if nz, err = measureStochasticDecay(l, pn, wn, lr, steps, 0, seeds, s.Seed+1_000_000); err == nil {
					r := nz.Measured / sg.Measured
					ds, ses = append(ds, r-1), append(ses, math.Abs(r)*math.Hypot(nz.MeasuredSE/nz.Measured, sg.MeasuredSE/sg.Measured))
				}
			}
			if err != nil {
				break
			}
		}
		if err != nil {
			c.Checks = append(c.Checks, notTested(ch, err))
			continue
		}
		a, _, seA, _ := linearFit(lrs, ds, ses)
		ch.Experiment = fmt.Sprintf("SGD batch %d from %v against noisy GD σ=%.4g from %.4g (its W*, the same D), %d steps, %d seeds each, λ = %v: δ = r_noisy/r_SGD − 1 = %.3g, %.3g, %.3g (SE %.2g, %.2g, %.2g); weighted fit δ = a + bλ: intercept a against 0",
			b, w0, sigma, wn, steps, seeds, lrs, ds[0], ds[1], ds[2], ses[0], ses[1], ses[2])
		c.Checks = append(c.Checks, statistical(ch, a, 0, seA, 2*seeds-2))
	}
	sigma4 := sigma8
	// The control: on data fitted exactly (no label noise) every batch residual vanishes at
	// W = 1 and SGD freezes D; noisy GD keeps shrinking it.
	ch = Check{ID: "c7-differ", Claim: "without label noise SGD freezes D at an interpolating minimum and noisy GD does not: reported as different"}
	pc := discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: clean}
	sg, err := measureStochasticDecay(l, pc, w0, lr, steps, 8, seeds, s.Seed)
	if err != nil || sigma4 == 0 {
		c.Checks = append(c.Checks, notTested(ch, fmt.Errorf("the runs failed: %v", err)))
		return
	}
	wn := atLevel(w0, 1/(1+sigma4*sigma4))
	nz, err := measureStochasticDecay(l, discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: sigma4}, Data: clean}, wn, lr, steps, 0, seeds, s.Seed+1_000_000)
	if err != nil {
		c.Checks = append(c.Checks, notTested(ch, err))
		return
	}
	ch.Experiment = fmt.Sprintf("N=64 without label noise, λ=%g, %d steps, %d seeds: SGD batch 8 from %v (rate %.3g) against noisy GD σ=%.4g (rate %.3g)", lr, steps, seeds, w0, sg.Measured, sigma4, nz.Measured)
	ch = differs(ch, nz.Measured, sg.Measured, math.Hypot(nz.MeasuredSE, sg.MeasuredSE), 5)
	ch.Source, ch.Basis = Heuristic, "5 standard errors of the difference: a judgment, far beyond what the noise of the means makes (not part of the Holm family, which tests agreement)"
	c.Checks = append(c.Checks, ch)
}

// atLevel returns the point of depth 2 with the imbalance D = w_1² − w_2² of w and the product
// W = level (w_1² = (D + √(D² + 4W²))/2, signs as in w).
func atLevel(w []float64, level float64) []float64 {
	D := oracleD(w, 0, 1)
	a := (D + math.Sqrt(D*D+4*level*level)) / 2
	w1 := math.Copysign(math.Sqrt(a), w[0])
	return []float64{w1, level / w1}
}

// matchedNoise returns the input noise σ at which full-batch noisy GD, at its own minimum
// W* = 1/(1 + σ²) with the imbalance of w0, has the E[ρ²] that SGD with batch b has at w0,
// and that start.
func matchedNoise(data *flow.Dataset, w0 []float64, b int) (float64, []float64, error) {
	p := discrete.Problem{Objective: flow.Objective{Depth: len(w0)}, Data: data}
	target, err := ExpectedRho2(p, w0, b, nil)
	if err != nil {
		return 0, nil, err
	}
	at := func(sigma float64) float64 {
		pn := discrete.Problem{Objective: flow.Objective{Depth: len(w0), Noise: sigma}, Data: data}
		v, _ := ExpectedRho2(pn, atLevel(w0, 1/(1+sigma*sigma)), 0, nil)
		return v
	}
	lo, hi := 0.0, 0.1
	for at(hi) < target {
		hi *= 2
		if hi > 1e3 {
			return 0, nil, fmt.Errorf("no noise level reaches E[ρ²] = %.3g", target)
		}
	}
	for k := 0; k < 100; k++ {
		m := 0.5 * (lo + hi)
		if at(m) < target {
			lo = m
		} else {
			hi = m
		}
	}
	sigma := 0.5 * (lo + hi)
	return sigma, atLevel(w0, 1/(1+sigma*sigma)), nil
}

// Claim 8: stability.
func claimStability(c *Claim, s ClaimSettings) {
	l := s.Lab
	minima := [][]float64{{4, 0.25}, {2, 0.5}, {3, 1.0 / 3}, {2, 0.5, 1}, {1.5, 1, 1 / 1.5}}
	steps := 3000
	var stay, leave, settled int
	worst := 0.0
	var fig *Figure
	for i, ws := range minima {
		g := partialsOracle(ws)
		S := sumSquares(g) // at a minimum (W = 1) the Hessian is g gᵀ
		gn := math.Sqrt(S)
		start := make([]float64, len(ws))
		for k := range ws {
			start[k] = ws[k] + 1e-3*g[k]/gn
		}
		for _, f := range []float64{0.9, 1.1} {
			lr := f * 2 / S
			tr, res, err := l.run(discrete.Problem{Objective: flow.Objective{Depth: len(ws)}}, start, &discrete.Settings{LR: lr, Steps: steps})
			if err != nil {
				c.Checks = append(c.Checks, notTested(Check{ID: "c8-below"}, err))
				return
			}
			ev, _ := oracleEigen(tr.Last())
			Send := ev[len(ev)-1]
			st := ClassifyGD(tr, lr)
			converged := res.Status == discrete.Success && (st.Class == "settled" || st.Class == "escaped")
			near := converged && math.Abs(Send-S)/S <= 0.01
			if converged {
				settled++
				worst = math.Max(worst, Send*lr/2)
			}
			if f < 1 && near {
				stay++
			}
			if f > 1 && !near {
				leave++
			}
			if i == 0 && f > 1 {
				ps := Series(tr, 0)
				t, sh := make([]float64, len(ps)), make([]float64, len(ps))
				for k, p := range ps {
					t[k], sh[k] = p.T, p.Sharpness
				}
				fig = &Figure{Name: "claim8-stability", Title: fmt.Sprintf("GD at λ = 1.1·2/S from next to the minimum %s", point(ws)), XLabel: "t = kλ", YLabel: "sharpness S", LogX: true,
					Series: []Curve{{Name: "GD", Key: "gd", X: t[1:], Y: sh[1:], Style: "line"}}, HLines: []Mark{{At: 2 / lr, Label: "2/λ"}}}
			}
		}
	}
	n := float64(len(minima))
	what := fmt.Sprintf("GD from 10⁻³ off each of the minima %v along the normal, %d steps", minima, steps)
	c.Checks = append(c.Checks,
		atLeast(Check{ID: "c8-below", Claim: "below 2/S GD stays at the minimum", Experiment: what + ", λ = 0.9·2/S: share of runs that end within 1% of S"}, float64(stay)/n, 1, Exact, "every run"),
		atLeast(Check{ID: "c8-above", Claim: "above 2/S GD leaves the minimum (for a flatter one) or diverges", Experiment: what + ", λ = 1.1·2/S: share of runs that do not end within 1% of S"}, float64(leave)/n, 1, Exact, "every run"),
		atMost(Check{ID: "c8-settled", Claim: "every minimum GD settles at has S < 2/λ", Experiment: what + fmt.Sprintf(", both λ: largest S_end·λ/2 over the %d runs that converged", settled)}, worst, 1, Exact, "linear stability of GD at a minimum"))
	if fig != nil {
		c.Figures = append(c.Figures, *fig)
	}
	// λ ≥ 2/d: no minimum is stable; the run must say how it ended, never NaN.
	ok := 0
	cases := []struct {
		w0 []float64
		lr float64
	}{{[]float64{2, 0.3}, 1.2}, {[]float64{1.2, 0.9, 1.1}, 0.8}}
	var classes []string
	for _, tc := range cases {
		tr, _, err := l.run(discrete.Problem{Objective: flow.Objective{Depth: len(tc.w0)}}, tc.w0, &discrete.Settings{LR: tc.lr, Steps: 500})
		if err != nil {
			c.Checks = append(c.Checks, notTested(Check{ID: "c8-no-stable-minimum"}, err))
			return
		}
		st := ClassifyGD(tr, tc.lr)
		classes = append(classes, st.Class)
		if (st.Class == "diverged" || st.Class == "oscillating") && finite(tr.W) {
			ok++
		}
	}
	c.Checks = append(c.Checks, atLeast(Check{ID: "c8-no-stable-minimum", Claim: "for λ ≥ 2/d no minimum is stable: GD diverges or oscillates, and says so",
		Experiment: fmt.Sprintf("GD λ = 1.2 from (2, 0.3) and λ = 0.8 ≥ 2/3 from (1.2, 0.9, 1.1), 500 steps: share of runs that end diverged or oscillating with finite data (classes %v)", classes)},
		float64(ok)/float64(len(cases)), 1, Exact, "every run"))
}

// Claim 9: distance between GD and the flows at fixed time T scales as λ (flow) and λ²
// (modified flow), without and with weight decay; GD's iterate k sits at t = k·λ.
func claimModified(c *Claim, s ClaimSettings) {
	l := s.Lab
	lrs := []float64{0.1, 0.05, 0.025, 0.0125, 0.00625}
	if s.Quick {
		lrs = lrs[:4]
	}
	T := 2.0
	w0 := []float64{2, 0.25}
	var offAxis float64
	for _, mu := range []float64{0, 0.1} {
		obj := flow.Objective{Depth: 2, WeightDecay: mu}
		suffix, with := "", ""
		if mu != 0 {
			suffix, with = "-wd", fmt.Sprintf(" with weight decay μ = %g", mu)
		}
		var df, dm []float64
		failed := false
		for _, lr := range lrs {
			steps := int(math.Round(T / lr))
			gd, res, err := l.run(discrete.Problem{Objective: obj}, w0, &discrete.Settings{LR: lr, Steps: steps})
			if err == nil && res.Status != discrete.Success {
				err = fmt.Errorf("GD at λ=%g diverged", lr)
			}
			if err == nil {
				for k, t := range gd.T {
					offAxis = math.Max(offAxis, math.Abs(t-float64(k)*lr)/lr)
				}
			}
			// The flows run to the time of the last iterate by its definition, steps·λ.
			dist := func(f ode.Func) (float64, error) {
				r, err := flow.Integrate(f, w0, float64(steps)*lr, &ode.Settings{Rtol: 1e-12, Atol: 1e-14, MaxSteps: 10_000_000}, &ode.DOP853{})
				if err != nil {
					return 0, err
				}
				last := gd.Last()
				return math.Hypot(last[0]-r.Y[0], last[1]-r.Y[1]), nil
			}
			var a, b float64
			if err == nil {
				if a, err = dist(l.flowOf(obj)); err == nil {
					b, err = dist(l.modified(obj, lr))
				}
			}
			if err != nil {
				c.Checks = append(c.Checks, notTested(Check{ID: "c9-flow" + suffix}, err), notTested(Check{ID: "c9-modified" + suffix}, err))
				failed = true
				break
			}
			df, dm = append(df, a), append(dm, b)
		}
		if failed {
			continue
		}
		exp := fmt.Sprintf("d=2 from %v%s, distance at t = %g for λ = %v: fitted log–log slope", w0, with, T, lrs)
		c.Checks = append(c.Checks,
			within(Check{ID: "c9-flow" + suffix, Claim: "GD follows the gradient flow to O(λ)" + with, Experiment: exp}, logslope(lrs, df), 1, 0.1, Heuristic, "0.1: the next-order terms at these λ"),
			within(Check{ID: "c9-modified" + suffix, Claim: "GD follows the modified flow to O(λ²)" + with, Experiment: exp}, logslope(lrs, dm), 2, 0.1, Heuristic, "0.1: the next-order terms at these λ"))
		if mu == 0 {
			c.Figures = append(c.Figures, Figure{Name: "claim9-modified", Title: fmt.Sprintf("Distance between GD and the flows at t = %g", T), XLabel: "learning rate λ", YLabel: "‖w_k − w(kλ)‖",
				LogX: true, LogY: true, Series: []Curve{
					{Name: fmt.Sprintf("gradient flow (slope %.2f)", logslope(lrs, df)), Key: "gradient_flow", X: lrs, Y: df, Style: "linepoints"},
					{Name: fmt.Sprintf("modified flow (slope %.2f)", logslope(lrs, dm)), Key: "modified_flow", X: lrs, Y: dm, Style: "linepoints"}}})
		}
	}
	c.Checks = append(c.Checks, atMost(Check{ID: "c9-time-axis", Claim: "GD's iterate k sits at t = k·λ, the flows' time axis",
		Experiment: fmt.Sprintf("the GD runs above: max |t_k − kλ|/λ")}, offAxis, 1e-9, RoundOff, "the rounding of k·λ"))
}

// smeCompare runs SGD with independent batches and its SME (Euler–Maruyama, dt = λ/4) to
// time T over seeds, and returns the mean over seeds of ln(D(T)/D(0)) of each with its
// standard error (the log, not the ratio: its spread stays small where D's does not).
func smeCompare(l *Lab, data *flow.Dataset, w0 []float64, lr float64, batch int, T float64, seeds int, seed uint64) (mSGD, seSGD, mSME, seSME float64, err error) {
	steps := int(math.Round(T / lr))
	p := discrete.Problem{Objective: flow.Objective{Depth: len(w0)}, Data: data}
	d0 := oracleD(w0, 0, 1)
	var a, a2, b, b2 float64
	sme := flow.SME{Data: data, LR: lr, Batch: batch}
	for k := 0; k < seeds; k++ {
		tr, res, err := l.run(p, w0, &discrete.Settings{LR: lr, Steps: steps, Batch: batch, IndependentBatches: true, Record: steps, Seed: seed + uint64(k)})
		if err == nil && res.Status != discrete.Success {
			err = fmt.Errorf("SGD seed %d diverged at step %d", seed+uint64(k), res.DivergedAt)
		}
		if err != nil {
			return 0, 0, 0, 0, err
		}
		x := math.Log(math.Abs(oracleD(tr.Last(), 0, 1) / d0))
		a, a2 = a+x, a2+x*x
		var last float64
		err = l.sme(sme, w0, T, lr/4, seed+1000+uint64(k), 4*steps, func(_ float64, w []float64) { last = oracleD(w, 0, 1) / d0 })
		if err != nil {
			return 0, 0, 0, 0, err
		}
		y := math.Log(math.Abs(last))
		b, b2 = b+y, b2+y*y
	}
	n := float64(seeds)
	mSGD, mSME = a/n, b/n
	seSGD = math.Sqrt(math.Max(a2/n-mSGD*mSGD, 0) / (n - 1))
	seSME = math.Sqrt(math.Max(b2/n-mSME*mSME, 0) / (n - 1))
	return mSGD, seSGD, mSME, seSME, nil
}

// Claim 10: SGD against its SME at several learning rates. At fixed T the decay coefficient
// k = −mean ln(D(T)/D(0))/(λT) of each tends to the same limit k0 = v_B(w0) as λ → 0; their
// difference δ(λ) = (k_SGD − k_SME)/k0 is the SME's weak error, of first order: δ = a + bλ with
// a = 0 (a statistical check of the fitted intercept), and b = S(0)/2, the relative excess of
// SGD's decay from its fluctuation about the manifold that the first-order SME leaves out.
func claimSME(c *Claim, s ClaimSettings) {
	l := s.Lab
	lrs := []float64{0.1, 0.05, 0.025}
	T, batch, seeds := 20.0, 8, 60 // the quick runs keep the seeds: the fit needs them
	data, err := l.generate(64, 1, 0.5, s.Seed)
	fail := func(err error) { c.untested(err, "the SME of SGD", "c10-direction", "c10-limit", "c10-order") }
	if err != nil {
		fail(err)
		return
	}
	w0 := []float64{2, 0.5}
	S0 := sumSquares(partialsOracle(w0)) // at the minimum W = 1, S = Σ g_i²
	var xs, ds, ses []float64
	var mS, mE, eS, eE []float64
	// k0 = v_B(w0), the variance of a batch mean of the per-sample q_k = W x_k² − y_k x_k at the
	// start, is the decay coefficient both share as λ → 0 (the SME's D decays at λ·v_B per
	// unit time); it normalizes the difference, which keeps its standard error small.
	W0 := oracleProduct(w0)
	var qm, qq float64
	for k, x := range data.X {
		q := W0*x*x - data.Y[k]*x
		qm, qq = qm+q, qq+q*q
	}
	N, B := float64(data.Len()), float64(batch)
	qm /= N
	k0 := (qq/N - qm*qm) * (N - B) / (B * (N - 1))
	for _, lr := range lrs {
		a, sa, b, sb, err := smeCompare(l, data, w0, lr, batch, T, seeds, s.Seed)
		if err != nil {
			fail(err)
			return
		}
		// k = −mean ln(D(T)/D(0))/(λT), with SE(k) = SE/(λT).
		ka, kb := -a/(lr*T), -b/(lr*T)
		delta := (ka - kb) / k0
		se := math.Hypot(sa, sb) / (lr * T) / k0
		xs, ds, ses = append(xs, lr), append(ds, delta), append(ses, se)
		mS, mE, eS, eE = append(mS, ka), append(mE, kb), append(eS, 2*sa/(lr*T)), append(eE, 2*sb/(lr*T))
	}
	a, b, seA, seB := linearFit(xs, ds, ses)
	what := fmt.Sprintf("d=2 from %v, N=64, label noise 0.5, batch %d (independent batches), T=%g, %d seeds each, λ = %v: δ(λ) = (k_SGD − k_SME)/k0 = %.3g, %.3g, %.3g (SE %.2g, %.2g, %.2g), k = −mean ln(D(T)/D(0))/(λT), k0 = v_B(w0) = %.4g; weighted fit δ = a + bλ",
		w0, batch, T, seeds, lrs, ds[0], ds[1], ds[2], ses[0], ses[1], ses[2], k0)
	// The gradient of every sample's loss is a scalar times g = ∇W, so the SME's drift and its
	// noise both point along g (μ = 0): each Euler–Maruyama increment has no part across g
	// beyond the rounding of the difference of two states.
	var across, bound float64
	prev := append([]float64(nil), w0...)
	dw := make([]float64, len(w0))
	err = l.sme(flow.SME{Data: data, LR: lrs[0], Batch: batch}, w0, 50*lrs[0]/4, lrs[0]/4, s.Seed, 1, func(_ float64, w []float64) {
		var n2, w2 float64
		for i := range w {
			dw[i] = w[i] - prev[i]
			n2 += dw[i] * dw[i]
			w2 += w[i] * w[i]
		}
		if n2 > 0 {
			across = math.Max(across, oracleAcross(prev, dw)/math.Sqrt(n2))
			bound = math.Max(bound, 64*unitRoundoff*math.Sqrt(w2/n2))
		}
		copy(prev, w)
	})
	ch := Check{ID: "c10-direction", Claim: "the SME moves along ∇W, as every per-sample gradient does",
		Experiment: fmt.Sprintf("50 Euler–Maruyama steps of the SME at λ = %g, dt = λ/4 from %v: largest share of an increment across ∇W", lrs[0], w0)}
	if err != nil {
		c.Checks = append(c.Checks, notTested(ch, err))
	} else {
		c.Checks = append(c.Checks, atMost(ch, across, bound, RoundOff, "64u·|w|/|Δw|: the rounding of the difference of two states"))
	}
	c.Checks = append(c.Checks,
		statistical(Check{ID: "c10-limit", Claim: "as λ → 0 SGD and its SME shrink D alike (the weak error vanishes)", Experiment: what + ": intercept a against 0"}, a, 0, seA, seeds-1),
		statistical(Check{ID: "c10-order", Claim: "the weak error is of first order in λ, with the coefficient S(0)/2 of the fluctuation the SME leaves out",
			Experiment: what + fmt.Sprintf(": slope b against S(0)/2 = %.4g (SGD's decay is faster by a relative λS/2: its iterate fluctuates about the manifold with variance ≈ λ·v_B·S/2)", S0/2)}, b, S0/2, seB, seeds-1))
	c.Figures = append(c.Figures, Figure{Name: "claim10-sme", Title: fmt.Sprintf("SGD against its SME: decay coefficient of D to T = %g", T), XLabel: "learning rate λ", YLabel: "−mean ln(D(T)/D(0))/(λT)", LogX: true,
		Series: []Curve{{Name: "SGD, independent batches (± 2 SE)", Key: "sgd_mean", X: xs, Y: mS, Err: eS, Style: "linepoints"}, {Name: "SME, Euler–Maruyama (± 2 SE)", Key: "sme_mean", X: xs, Y: mE, Err: eE, Style: "linepoints"}}})
}

// linearFit fits y = a + b·x by least squares weighted with 1/se², and returns a, b and their
// standard errors.
func linearFit(x, y, se []float64) (a, b, seA, seB float64) {
	var sw, sx, sy, sxx, sxy float64
	for i := range x {
		w := 1 / (se[i] * se[i])
		sw, sx, sy, sxx, sxy = sw+w, sx+w*x[i], sy+w*y[i], sxx+w*x[i]*x[i], sxy+w*x[i]*y[i]
	}
	det := sw*sxx - sx*sx
	a = (sxx*sy - sx*sxy) / det
	b = (sw*sxy - sx*sy) / det
	return a, b, math.Sqrt(sxx / det), math.Sqrt(sw / det)
}
