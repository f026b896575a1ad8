package analysis

import (
	"math"

	"github.com/layerflow/layerflow/flow"
)

// Phase is the boundary between the optimization and the regularization phase of a run
// (see the package documentation for the definition).
type Phase struct {
	// Found is false when the run never enters a final regularization phase.
	Found bool    `json:"found"`
	T     float64 `json:"t"`
	Index int     `json:"index"`
	// Loss and Imbalance (‖D‖) at the boundary.
	Loss      float64 `json:"loss"`
	Imbalance float64 `json:"imbalance"`
	// RegRate is the fitted decay rate of ‖D‖ over the regularization phase (NaN if it has
	// fewer than 3 points or ‖D‖ vanishes).
	RegRate float64 `json:"regularization_rate"`
}

// Phases finds the phase boundary of tr, measuring displacements over window points (1 for
// continuous runs; larger for noisy discrete ones; ≤ 0 means 1). c is the loss floor.
func Phases(tr *flow.Trajectory, c float64, window int) Phase {
	window = max(window, 1)
	d := tr.Depth
	g := make([]float64, d)
	n := tr.Len()
	start := -1 // start of the current tangential stretch
	last := -1
	for k := 0; k+window < n; k++ {
		w, w1 := tr.At(k), tr.At(k+window)
		flow.Partials(g, w)
		var gg, dg, dd float64
		for i := range g {
			dw := w1[i] - w[i]
			gg += g[i] * g[i]
			dg += dw * g[i]
			dd += dw * dw
		}
		if gg == 0 || dd == 0 {
			continue // at a saddle with g = 0, or not moving: no information
		}
		vn2 := dg * dg / gg
		vt2 := dd - vn2
		if vt2 < 0 { // round-off; not math.Max, which does not inline
			vt2 = 0
		}
		if vt2 >= vn2 {
			if start < 0 {
				start = k
			}
		} else {
			start = -1
		}
		last = k
	}
	ph := Phase{RegRate: math.NaN()}
	if last < 0 || start < 0 {
		return ph
	}
	obj := flow.Objective{Depth: d, C: c}
	w := tr.At(start)
	D := make([]float64, d-1)
	ph.Found, ph.T, ph.Index = true, tr.T[start], start
	ph.Loss = obj.Loss(w)
	ph.Imbalance = flow.Imbalance(D, w)
	// Fit ln‖D‖ over the regularization phase.
	var m, sx, sy, sxx, sxy float64
	for k := start; k < n; k++ {
		nd := flow.Imbalance(D, tr.At(k))
		if nd <= 1e-12*ph.Imbalance || nd == 0 {
			continue
		}
		t, y := tr.T[k], math.Log(nd)
		m, sx, sy, sxx, sxy = m+1, sx+t, sy+y, sxx+t*t, sxy+t*y
	}
	if den := m*sxx - sx*sx; m >= 3 && den > 0 {
		ph.RegRate = -(m*sxy - sx*sy) / den
	}
	return ph
}
