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
	// MaxRelDev is the largest |D(t) − D(0)e^{−Predicted·t}| / |D(0)e^{−Predicted·t}| along the
	// trajectory, against the closed form with the predicted rate.
	MaxRelDev float64
	Points    int
}

// FitDecay fits the decay rate of the pair (i, j) along tr, using the points where
// |D_ij| > 1e-12·|D_ij(0)| (below that round-off dominates), and compares with predicted.
func FitDecay(tr *flow.Trajectory, i, j int, predicted float64) (DecayFit, error) {
	f := DecayFit{Pair: [2]int{i, j}}
	d0 := flow.Pair(tr.At(0), i, j)
	if d0 == 0 {
		return f, fmt.Errorf("analysis: D_%d%d(0) = 0, no decay to fit", i+1, j+1)
	}
	var n, sx, sy, sxx, sxy float64
	for k := 0; k < tr.Len(); k++ {
		d := flow.Pair(tr.At(k), i, j)
		if math.Abs(d) <= 1e-12*math.Abs(d0) {
			continue
		}
		t, y := tr.T[k], math.Log(math.Abs(d))
		n, sx, sy, sxx, sxy = n+1, sx+t, sy+y, sxx+t*t, sxy+t*y
		want := d0 * math.Exp(-predicted*t)
		f.MaxRelDev = math.Max(f.MaxRelDev, math.Abs(d-want)/math.Abs(want))
	}
	f.Points = int(n)
	if n < 3 {
		return f, fmt.Errorf("analysis: %d usable points, cannot fit a decay rate", f.Points)
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return f, fmt.Errorf("analysis: all points at one time, cannot fit a decay rate")
	}
	b := (n*sxy - sx*sy) / den
	a := (sy - b*sx) / n
	var rss float64
	for k := 0; k < tr.Len(); k++ {
		d := flow.Pair(tr.At(k), i, j)
		if math.Abs(d) <= 1e-12*math.Abs(d0) {
			continue
		}
		r := math.Log(math.Abs(d)) - (a + b*tr.T[k])
		rss += r * r
	}
	f.Rate = -b
	if n > 2 {
		f.StdErr = math.Sqrt(rss / (n - 2) / (sxx - sx*sx/n))
	}
	return f, nil
}

// StepFactor returns the per-step factor of D_ij of one GD or SGD step (MATH.md §4),
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

// StepLawDeviation checks the exact per-step law of MATH.md §4 along a discrete run whose
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
		if sc == 0 {
			continue
		}
		for _, ij := range ps {
			want := flow.Pair(w, ij[0], ij[1]) * StepFactor(w, ij[0], ij[1], lr, mu, rho[k])
			worst = math.Max(worst, math.Abs(flow.Pair(w1, ij[0], ij[1])-want)/sc)
		}
	}
	return worst
}
