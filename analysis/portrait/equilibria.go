package portrait

import (
	"math"
	"sort"

	"github.com/layerflow/layerflow/flow"
)

// Type is the type of an equilibrium of a planar flow.
type Type string

// The types of equilibria, by the eigenvalues λ1, λ2 of the Jacobian J (Strogatz §5.2).
const (
	// Saddle: real eigenvalues of opposite signs.
	Saddle Type = "saddle"
	// StableNode: real eigenvalues, both negative.
	StableNode Type = "stable node"
	// UnstableNode: real eigenvalues, both positive.
	UnstableNode Type = "unstable node"
	// StableSpiral: complex eigenvalues with negative real part.
	StableSpiral Type = "stable spiral"
	// UnstableSpiral: complex eigenvalues with positive real part.
	UnstableSpiral Type = "unstable spiral"
	// Centre: purely imaginary eigenvalues.
	Centre Type = "centre"
	// Degenerate: an eigenvalue is 0 (relative to the largest |λ|), as at every point of a
	// manifold of minima, where the flow has a line of equilibria.
	Degenerate Type = "degenerate"
)

// Types lists every Type in the order a legend shows them.
var Types = []Type{Saddle, StableNode, UnstableNode, StableSpiral, UnstableSpiral, Centre, Degenerate}

// Eigen is an eigenvalue Re + i·Im of the Jacobian and, for a real eigenvalue, a unit
// eigenvector (x, y) with its first non-zero component positive.
type Eigen struct {
	Re float64 `json:"re"`
	Im float64 `json:"im"`
	// Vector is nil for a complex eigenvalue.
	Vector []float64 `json:"vector,omitempty"`
}

// Equilibrium is a zero of ∇F on the plane, with its linearization.
type Equilibrium struct {
	// X and Y are the plane coordinates; W holds all d weights.
	X float64   `json:"x"`
	Y float64   `json:"y"`
	W []float64 `json:"w"`
	// Value is F at the point; Gradient the norm of ∇F (restricted to the plane) there, the
	// residual left by Newton's method.
	Value    float64 `json:"value"`
	Gradient float64 `json:"gradient"`
	// Jacobian is J = −H, the Jacobian of the flow ẇ = −∇F restricted to the plane, row by row.
	Jacobian [2][2]float64 `json:"jacobian"`
	// Eigen holds the eigenvalues of J in ascending order of their real part.
	Eigen [2]Eigen `json:"eigen"`
	Type  Type     `json:"type"`
}

// Classify returns the type and the eigen-decomposition of the 2×2 Jacobian j of a planar
// flow at an equilibrium. The eigenvalues come from the trace τ and the determinant Δ,
//
//	λ = τ/2 ± √(τ²/4 − Δ),
//
// the larger in magnitude first and the other as Δ/λ, so that neither suffers cancellation.
// An eigenvalue is taken as 0 when |λ| ≤ tol·max|λ|: the type is then Degenerate (as is
// the zero matrix); complex eigenvalues with |Re λ| ≤ tol·|λ| make a Centre.
func Classify(j [2][2]float64, tol float64) (Type, [2]Eigen) {
	a, b, c, d := j[0][0], j[0][1], j[1][0], j[1][1]
	tau := a + d
	det := a*d - b*c
	// τ²/4 − Δ = ((a − d)/2)² + b·c, which is exact for a symmetric j.
	h := 0.5 * (a - d)
	disc := h*h + b*c
	var ev [2]Eigen
	if disc < 0 {
		re, im := 0.5*tau, math.Sqrt(-disc)
		ev[0] = Eigen{Re: re, Im: -im}
		ev[1] = Eigen{Re: re, Im: im}
		switch {
		case math.Abs(re) <= tol*math.Hypot(re, im):
			return Centre, ev
		case re < 0:
			return StableSpiral, ev
		default:
			return UnstableSpiral, ev
		}
	}
	s := math.Sqrt(disc)
	l1 := 0.5*tau + math.Copysign(s, tau)
	var l2 float64
	if l1 != 0 {
		l2 = det / l1
	} else {
		l2 = 0.5*tau - math.Copysign(s, tau)
	}
	if l1 > l2 {
		l1, l2 = l2, l1
	}
	// For j = λI every vector is an eigenvector; eigvec then returns the unit vectors.
	ev[0] = Eigen{Re: l1, Vector: eigvec(j, l1, 0)}
	ev[1] = Eigen{Re: l2, Vector: eigvec(j, l2, 1)}
	scale := math.Max(math.Abs(l1), math.Abs(l2))
	switch {
	case scale == 0 || math.Min(math.Abs(l1), math.Abs(l2)) <= tol*scale:
		return Degenerate, ev
	case l1 < 0 && l2 > 0:
		return Saddle, ev
	case l2 < 0:
		return StableNode, ev
	default:
		return UnstableNode, ev
	}
}

// eigvec returns a unit vector v with (j − λI)v = 0 for a real eigenvalue λ: the normal of
// the larger row of j − λI. When both rows vanish (j = λI) it returns the unit vector k.
func eigvec(j [2][2]float64, l float64, k int) []float64 {
	r0 := [2]float64{j[0][0] - l, j[0][1]}
	r1 := [2]float64{j[1][0], j[1][1] - l}
	n0, n1 := math.Hypot(r0[0], r0[1]), math.Hypot(r1[0], r1[1])
	var v [2]float64
	switch {
	case n0 == 0 && n1 == 0:
		v[k] = 1
		return v[:]
	case n0 >= n1:
		v = [2]float64{-r0[1] / n0, r0[0] / n0}
	default:
		v = [2]float64{-r1[1] / n1, r1[0] / n1}
	}
	if v[0] < 0 || v[0] == 0 && v[1] < 0 {
		v[0], v[1] = -v[0], -v[1]
	}
	return v[:]
}

// Equilibria finds the zeros of ∇F on the plane inside r by Newton's method,
//
//	H δ = −∇F,   (x, y) ← (x, y) + δ,
//
// with H the Hessian of F restricted to the plane, started from the SeedsX × SeedsY nodes
// of a grid over r (the corners included, and the centre when both counts are odd). On a manifold of minima H is
// singular, so the step uses the pseudo-inverse of H (eigenvalues below 1e-14 of the
// largest are dropped); Newton's method still converges quadratically onto such a line of
// equilibria, and every seed near it yields a different point of it. A point is accepted
// when |∇F| ≤ GradTol·max(1, ‖H‖·|(x, y)|), each component is within GradTol·max(1, r) of 0
// on its own scale r (see evaluator.resolution), and it lies in r; only where ∇F, H, the
// bounds, F and the eigenvalues are finite (where they overflow, float64 cannot tell ∇F from
// 0). Points closer than
// MergeTol·diagonal(r) to an earlier one are merged. Each equilibrium is classified from
// J = −H by Classify with EigenTol.
//
// The result is ordered: isolated equilibria first, then the degenerate ones, each group
// by x and then y. A nil s means the default settings.
func Equilibria(p Plane, r Range, s *Settings) ([]Equilibrium, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	set := s.withDefaults()
	if err := set.validate(); err != nil {
		return nil, err
	}
	e := newEvaluator(p)
	merge := set.MergeTol * r.Diagonal()
	lim := 1e3 * (1 + r.Diagonal() + math.Max(math.Max(math.Abs(r.XMin), math.Abs(r.XMax)), math.Max(math.Abs(r.YMin), math.Abs(r.YMax))))
	var eqs []Equilibrium
	for _, y0 := range linspace(r.YMin, r.YMax, set.SeedsY) {
	seed:
		for _, x0 := range linspace(r.XMin, r.XMax, set.SeedsX) {
			x, y, ok := newton(e, x0, y0, set.MaxNewton, lim)
			if !ok || !r.Contains(x, y) {
				continue
			}
			gx, gy := e.grad(x, y)
			ha, hb, hc := e.hess(x, y)
			gn := math.Hypot(gx, gy)
			hn := math.Max(math.Abs(ha)+math.Abs(hb), math.Abs(hb)+math.Abs(hc))
			// Where ∇F, H or the bound overflows, float64 cannot tell ∇F from 0: no equilibrium.
			bound := set.GradTol * math.Max(1, hn*math.Hypot(x, y))
			if !(gn <= bound) || math.IsInf(bound, 0) || !finite(hn) {
				continue
			}
			// And each component on its own scale, which the norm of H can hide: a point far
			// out on an axis, where ‖H‖·|(x, y)| is huge, is no zero of a component whose
			// terms are small (a weight decay's μw off the curve of minima).
			rx, ry := e.resolution(x, y, ha, hb, hc)
			if !(math.Abs(gx) <= set.GradTol*math.Max(1, rx) && math.Abs(gy) <= set.GradTol*math.Max(1, ry)) {
				continue
			}
			for _, q := range eqs {
				if math.Hypot(q.X-x, q.Y-y) <= merge {
					continue seed
				}
			}
			jac := [2][2]float64{{-ha, -hb}, {-hb, -hc}}
			typ, ev := Classify(jac, set.EigenTol)
			w := make([]float64, p.Objective.Depth)
			p.Point(w, x, y)
			if !finite(ev[0].Re) || !finite(ev[0].Im) || !finite(ev[1].Re) || !finite(ev[1].Im) || !finite(p.Objective.Value(w)) {
				continue // a classification that is not finite is none
			}
			eqs = append(eqs, Equilibrium{
				X: x, Y: y, W: w,
				Value:    p.Objective.Value(w),
				Gradient: gn,
				Jacobian: jac,
				Eigen:    ev,
				Type:     typ,
			})
		}
	}
	sort.SliceStable(eqs, func(a, b int) bool {
		da, db := eqs[a].Type == Degenerate, eqs[b].Type == Degenerate
		if da != db {
			return db
		}
		if eqs[a].X != eqs[b].X {
			return eqs[a].X < eqs[b].X
		}
		return eqs[a].Y < eqs[b].Y
	})
	return eqs, nil
}

// newton runs Newton's method from (x, y) until the step falls to round-off or ∇F vanishes,
// and reports whether it stopped at a finite point within |(x, y)| ≤ lim.
func newton(e *evaluator, x, y float64, maxIter int, lim float64) (float64, float64, bool) {
	for range maxIter {
		gx, gy := e.grad(x, y)
		if gx == 0 && gy == 0 {
			return x, y, true
		}
		a, b, c := e.hess(x, y)
		if !finite(gx) || !finite(gy) || !finite(a) || !finite(b) || !finite(c) {
			return x, y, false // overflowed: no step to take, no zero to find
		}
		dx, dy := pinvSolve(a, b, c, -gx, -gy)
		if !finite(dx) || !finite(dy) {
			return x, y, false
		}
		x, y = x+dx, y+dy
		if math.Hypot(x, y) > lim {
			return x, y, false
		}
		if math.Hypot(dx, dy) <= 4e-16*(1+math.Hypot(x, y)) {
			return x, y, true
		}
	}
	// The step did not fall to round-off; the caller's residual test decides.
	return x, y, finite(x) && finite(y)
}

// pinvSolve returns H⁺(u, v) for the symmetric H = [[a, b], [b, c]], dropping eigenvalues
// below 1e-14 of the largest in magnitude.
func pinvSolve(a, b, c, u, v float64) (float64, float64) {
	m, h := 0.5*(a+c), 0.5*(a-c)
	r := math.Hypot(h, b)
	l1 := m + math.Copysign(r, m) // the larger in magnitude
	var l2 float64
	if l1 != 0 {
		l2 = (a*c - b*b) / l1
	}
	// Unit eigenvector of l1, from the larger row of H − l1·I.
	p0, p1 := [2]float64{a - l1, b}, [2]float64{b, c - l1}
	var e1 [2]float64
	n0, n1 := math.Hypot(p0[0], p0[1]), math.Hypot(p1[0], p1[1])
	switch {
	case n0 == 0 && n1 == 0:
		e1 = [2]float64{1, 0}
	case n0 >= n1:
		e1 = [2]float64{-p0[1] / n0, p0[0] / n0}
	default:
		e1 = [2]float64{-p1[1] / n1, p1[0] / n1}
	}
	e2 := [2]float64{-e1[1], e1[0]}
	cut := 1e-14 * math.Abs(l1)
	var x, y float64
	if math.Abs(l1) > cut && l1 != 0 {
		k := (e1[0]*u + e1[1]*v) / l1
		x, y = x+k*e1[0], y+k*e1[1]
	}
	if math.Abs(l2) > cut && l2 != 0 {
		k := (e2[0]*u + e2[1]*v) / l2
		x, y = x+k*e2[0], y+k*e2[1]
	}
	return x, y
}

// resolution returns the scale on which float64 resolves each component of ∇F at (x, y),
// given the Hessian [[a, b], [b, c]] there: the sum of the magnitudes of the terms of
// ∂F/∂w_k = (W − 1 + σ²W)·g_k + μ·w_k, which bounds the rounding of its evaluation (relative
// to the unit round-off), plus Σ_j |H_kj|·|w_j|, which bounds its change when the
// coordinates move by their own rounding.
func (e *evaluator) resolution(x, y, a, b, c float64) (rx, ry float64) {
	e.set(x, y)
	o := e.p.Objective
	flow.Partials(e.g, e.w)
	W := flow.Product(e.w)
	m := math.Abs(W)*(1+o.Noise*o.Noise) + 1
	rx = m*math.Abs(e.g[e.i]) + o.WeightDecay*math.Abs(x) + math.Abs(a*x) + math.Abs(b*y)
	ry = m*math.Abs(e.g[e.j]) + o.WeightDecay*math.Abs(y) + math.Abs(b*x) + math.Abs(c*y)
	return rx, ry
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
