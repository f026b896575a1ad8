package analysis

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/flow"
)

// DecayFit is the least-squares fit of ln|D_ij(t)| = a − rate·t along a trajectory.
type DecayFit struct {
	Pair [2]int
	// Rate is the fitted decay rate and StdErr its standard error.
	Rate, StdErr float64
	// Bound is the largest change of the fitted rate that errors of at most AbsErr in every
	// D_ij(t_k) can cause: Σ_k |t_k − t̄|·AbsErr/|D_k| / Σ_k (t_k − t̄)² (to first order in the
	// relative errors of D).
	Bound float64
	// MaxRelDev is the largest |D(t) − D(0)e^{−Predicted·t}| / |D(0)e^{−Predicted·t}| along the
	// trajectory, against the closed form with the predicted rate.
	MaxRelDev float64
	Points    int
}

// FitDecay fits the decay rate of the pair (i, j) along tr and compares with predicted.
// absErr bounds the absolute error of every D_ij(t) (from the integrator); only points with
// |D_ij| ≥ 1e3·absErr are used, where the relative error of D is below 1e-3 and ln|D| is
// linear in it (with absErr = 0, those with |D_ij| > 1e-12·|D_ij(0)|).
func FitDecay(tr *flow.Trajectory, i, j int, predicted, absErr float64) (DecayFit, error) {
	f := DecayFit{Pair: [2]int{i, j}}
	d0 := flow.Pair(tr.At(0), i, j)
	if d0 == 0 {
		return f, fmt.Errorf("analysis: D_%d%d(0) = 0, no decay to fit", i+1, j+1)
	}
	floor := 1e3 * absErr
	if absErr == 0 {
		floor = 1e-12 * math.Abs(d0)
	}
	var ts, ys, ds []float64
	for k := 0; k < tr.Len(); k++ {
		d := flow.Pair(tr.At(k), i, j)
		if math.Abs(d) < floor || d == 0 {
			continue
		}
		ts, ys, ds = append(ts, tr.T[k]), append(ys, math.Log(math.Abs(d))), append(ds, d)
		want := d0 * math.Exp(-predicted*tr.T[k])
		f.MaxRelDev = math.Max(f.MaxRelDev, math.Abs(d-want)/math.Abs(want))
	}
	n := float64(len(ts))
	f.Points = len(ts)
	if n < 3 {
		return f, fmt.Errorf("analysis: %d usable points, cannot fit a decay rate", f.Points)
	}
	var tbar, ybar float64
	for k := range ts {
		tbar += ts[k] / n
		ybar += ys[k] / n
	}
	var stt, sty float64
	for k := range ts {
		stt += (ts[k] - tbar) * (ts[k] - tbar)
		sty += (ts[k] - tbar) * (ys[k] - ybar)
	}
	if stt == 0 {
		return f, fmt.Errorf("analysis: all points at one time, cannot fit a decay rate")
	}
	b := sty / stt
	var rss, lever float64
	for k := range ts {
		r := ys[k] - (ybar + b*(ts[k]-tbar))
		rss += r * r
		lever += math.Abs(ts[k]-tbar) * absErr / math.Abs(ds[k])
	}
	f.Rate = -b
	f.StdErr = math.Sqrt(rss / (n - 2) / stt)
	f.Bound = lever / stt
	return f, nil
}

// FlowErrorD bounds the absolute error of every D_ij along an adaptive integration: each of
// the accepted steps adds at most sk = atol + rtol·|w| to each weight, so a weight is off by
// at most accepted·sk and D_ij = w_i² − w_j² by at most 4·wmax·accepted·(atol + rtol·wmax).
func FlowErrorD(tr *flow.Trajectory, accepted int, rtol, atol float64) float64 {
	var wmax float64
	for _, v := range tr.W {
		wmax = math.Max(wmax, math.Abs(v))
	}
	return 4 * wmax * float64(accepted) * (atol + rtol*wmax)
}

// After returns the part of tr from point k on.
func After(tr *flow.Trajectory, k int) *flow.Trajectory {
	return &flow.Trajectory{Label: tr.Label, Depth: tr.Depth, T: tr.T[k:], W: tr.W[k*tr.Depth:], Status: tr.Status, End: tr.End}
}

// StepFactor returns the per-step factor of D_ij of one GD or SGD step (package flow, Discrete steps),
//
//	D_ij ← D_ij · ((1 − λμ)² − λ² ρ² P²),   P = ∏_{k≠i,j} w_k,
//
// where ρ is the step's mean residual-input product (e = W − 1 for full-batch GD).
func StepFactor(w []float64, i, j int, lr, mu, rho float64) float64 {
	p := 1.0
	for k, v := range w {
		if k != i && k != j {
			p *= v
		}
	}
	a := 1 - lr*mu
	return a*a - lr*lr*rho*rho*p*p
}

// StepLawDeviation checks the exact per-step law of package flow, Discrete steps along a discrete run whose
// every iterate is in tr and whose step k used rho[k]. It returns the largest deviation
// |D_ij(k+1) − D_ij(k)·factor| over every pair and step, relative to the scale of the weights
// (max w_i² at step k), which is what float64 round-off allows.
func StepLawDeviation(tr *flow.Trajectory, rho []float64, lr, mu float64) float64 {
	var worst float64
	ps := Pairs(tr.Depth)
	n := min(tr.Len()-1, len(rho))
	for k := 0; k < n; k++ {
		w, w1 := tr.At(k), tr.At(k+1)
		var sc float64
		for _, v := range w {
			sc = math.Max(sc, v*v)
		}
		for _, v := range w1 {
			sc = math.Max(sc, v*v)
		}
		if sc < 1e-280 {
			continue // weights decayed to the subnormal range: no relative accuracy left
		}
		for _, ij := range ps {
			want := flow.Pair(w, ij[0], ij[1]) * StepFactor(w, ij[0], ij[1], lr, mu, rho[k])
			worst = math.Max(worst, math.Abs(flow.Pair(w1, ij[0], ij[1])-want)/sc)
		}
	}
	return worst
}
