package portrait

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// exactGrad returns, in exact arithmetic at the float64 point w, the component k of ∇F,
// ∂F/∂w_k = (W − 1 + σ²W)·g_k + μ·w_k with g_k = ∏_{j≠k} w_j, and the sum of the magnitudes of
// its terms (the scale on which float64 can resolve it).
func exactGrad(o flow.Objective, w []float64, k int) (grad, scale float64) {
	const prec = 4096 // products of up to a few float64 numbers, exactly
	f := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	W, g := f(1), f(1)
	for j, v := range w {
		W.Mul(W, f(v))
		if j != k {
			g.Mul(g, f(v))
		}
	}
	s2 := f(o.Noise)
	s2.Mul(s2, f(o.Noise))
	sW := new(big.Float).SetPrec(prec).Mul(s2, W)
	a := new(big.Float).SetPrec(prec).Sub(W, f(1))
	a.Add(a, sW)
	gr := new(big.Float).SetPrec(prec).Mul(a, g)
	mw := new(big.Float).SetPrec(prec).Mul(f(o.WeightDecay), f(w[k]))
	gr.Add(gr, mw)
	// |W|(1 + σ²) + 1, times |g_k|, plus μ|w_k|.
	m := new(big.Float).SetPrec(prec).Abs(W)
	m.Add(m, new(big.Float).SetPrec(prec).Abs(sW))
	m.Add(m, f(1))
	m.Mul(m, new(big.Float).SetPrec(prec).Abs(g))
	m.Add(m, new(big.Float).SetPrec(prec).Abs(mw))
	gv, _ := gr.Float64()
	sv, _ := m.Float64()
	return math.Abs(gv), sv
}

// Equilibria are reported only where ∇F is zero within what float64 resolves there, checked in
// exact arithmetic: each component at most 64 units of round-off of its terms, or below the
// absolute floor GradTol of the default settings (a point within 10⁻¹⁰ of the saddle at 0),
// with finite eigenvalues. Far out on the axes, where w_k² overflows (ranges to 10¹⁶⁰) or a
// weight decay's μw is all the gradient there is (ranges to 10³⁰), the old test against
// GradTol·‖H‖·|(x, y)| accepted 28 points a run (|∇F| up to 10²⁹, or eigenvalues −Inf and NaN).
func TestEquilibriaOnlyWhereGradientVanishes(t *testing.T) {
	const eps = 0x1p-52
	for _, tc := range []struct {
		obj  flow.Objective
		lo   float64
		hi   float64
		base []float64
	}{
		{flow.Objective{Depth: 2}, 0, 1e160, nil},
		{flow.Objective{Depth: 2}, -1e150, 1e140, nil}, // no seed near 0: none found
		{flow.Objective{Depth: 2, WeightDecay: 0.1}, -1e30, 1e30, nil},
		{flow.Objective{Depth: 2, WeightDecay: 0.05, Noise: 0.3}, -1e30, 1e30, nil},
		{flow.Objective{Depth: 4, WeightDecay: 0.01}, -1e30, 1e30, []float64{1, 1, 1, 1}},
		{flow.Objective{Depth: 2, Noise: 0.5}, -1e30, 1e30, nil},
		{flow.Objective{Depth: 2}, -3, 3, nil}, // the curve of minima: many points, all genuine
	} {
		p := Plane{Objective: tc.obj, Base: tc.base}
		eqs, err := Equilibria(p, Range{tc.lo, tc.hi, tc.lo, tc.hi}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(eqs) == 0 && tc.lo == -tc.hi {
			t.Errorf("%+v on [%g, %g]²: no equilibrium (the origin is one)", tc.obj, tc.lo, tc.hi)
		}
		i, j := p.Axes()
		for _, e := range eqs {
			for _, ev := range e.Eigen {
				if math.IsNaN(ev.Re) || math.IsInf(ev.Re, 0) || math.IsNaN(ev.Im) || math.IsInf(ev.Im, 0) {
					t.Errorf("%+v: %s at (%g, %g) has eigenvalue %v", tc.obj, e.Type, e.X, e.Y, ev)
				}
			}
			for _, k := range []int{i, j} {
				g, scale := exactGrad(tc.obj, e.W, k)
				if !(g <= 64*eps*scale || g <= 1e-10) {
					t.Errorf("%+v on [%g, %g]²: %s at (%g, %g): exact ∂F/∂w%d = %.3g, above the %.3g float64 resolves",
						tc.obj, tc.lo, tc.hi, e.Type, e.X, e.Y, k+1, g, 64*eps*scale)
				}
			}
		}
	}
}

// CheckSpan refuses, with a message naming why, a side whose width or centre overflows or
// whose grid points float64 cannot tell apart; Range.Validate applies it to both sides.
func TestCheckSpan(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string // "": accepted
	}{
		{-3, 3, ""},
		{0, 1e-300, ""},
		{0, 1e308, ""},
		{1e300, 1.00001e300, ""},
		{-1e308, 1e308, "overflows"},
		{1e308, 1.7e308, "overflows"}, // the centre (lo + hi)/2 as computed
		{1e-320, 2e-320, "too narrow"},
		{1, 1 + 1e-12, "too narrow"},
		{2, 1, "min < max"},
		{math.NaN(), 1, "not finite"},
	} {
		err := CheckSpan(tc.lo, tc.hi)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckSpan(%g, %g) = %v, want %q", tc.lo, tc.hi, err, tc.want)
		}
		if tc.want == "" || math.IsNaN(tc.lo) || !(tc.lo < tc.hi) {
			continue
		}
		if err := (Range{tc.lo, tc.hi, -1, 1}).Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Range x [%g, %g]: Validate = %v, want %q", tc.lo, tc.hi, err, tc.want)
		}
	}
}
