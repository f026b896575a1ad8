package ode

import "math"

// GaussLegendre is the 2-stage Gauss–Legendre collocation method, implicit, of order 4
// (Butcher 1964; Hairer, Lubich & Wanner, Geometric Numerical Integration, §II.1 and §IV.2).
// It conserves every quadratic invariant of the flow exactly, so computed in float64 it keeps
// them to round-off: it is the reference for "is this quantity conserved?".
//
// The stage equations Z_i = h Σ_j a_ij f(t + c_j h, y + Z_j) are solved by fixed-point
// iteration until the correction reaches round-off, and the update y1 = y + h Σ b_i k_i is
// summed with compensation (Kahan), so that round-off does not accumulate over many steps.
//
// With Settings.FixedStep it takes equal steps. Otherwise the error is estimated by step
// doubling: a step of h is compared with two steps of h/2, err = ‖y_{h/2,h/2} − y_h‖/15, and the
// two half steps are kept (no extrapolation, which would spoil the conservation).
// Dense output is the cubic Hermite interpolant of the accepted step (order 3).
//
// The fixed-point iteration converges when h·L·|A| < 1 (L the Lipschitz constant of f); when it
// does not, the adaptive integration shrinks the step and the fixed-step one stops with
// NoConvergence. The zero value is ready to use; MaxIter 0 means 50 iterations.
type GaussLegendre struct {
	MaxIter int

	f                Func
	n                int
	z1, z2, k1, k2   []float64
	ys, ymid, fmid   []float64
	yb               []float64
	comp, compNew    []float64 // Kahan compensation of y, committed on Accept
	y0, y1, f0, fEnd []float64
	t, h             float64
	lastY1           []float64
}

var _ Method = (*GaussLegendre)(nil)

var (
	glSqrt3 = math.Sqrt(3)
	glC1    = 0.5 - glSqrt3/6
	glC2    = 0.5 + glSqrt3/6
	glA11   = 0.25
	glA12   = 0.25 - glSqrt3/6
	glA21   = 0.25 + glSqrt3/6
	glA22   = 0.25
)

// Init implements Method.
func (m *GaussLegendre) Init(f Func, n int) {
	m.f, m.n = f, n
	buf := make([]float64, 14*n)
	next := func() []float64 {
		s := buf[:n:n]
		buf = buf[n:]
		return s
	}
	m.z1, m.z2, m.k1, m.k2 = next(), next(), next(), next()
	m.ys, m.ymid, m.fmid, m.yb = next(), next(), next(), next()
	m.comp, m.compNew = next(), next()
	m.y0, m.f0, m.fEnd, m.lastY1 = next(), next(), next(), next()
	if m.MaxIter == 0 {
		m.MaxIter = 50
	}
}

// Control implements Method. The step-doubling estimate is O(h⁵) per step, as for a 4(5) pair.
func (*GaussLegendre) Control() Control {
	return Control{Order: 5, BetaWeight: 0, Safety: 0.9, Fac1: 0.2, Fac2: 5, Beta: 0, StiffLimit: math.NaN()}
}

// solve takes one Gauss–Legendre step of size h from (t, y) with f(t, y) = fy, adding the
// compensation cin, and writes the new state to dst and its compensation to cout.
// It returns the number of evaluations and false if the iteration did not converge.
func (m *GaussLegendre) solve(dst, cout []float64, t, h float64, y, fy, cin []float64) (int, bool) {
	z1, z2, k1, k2, ys := m.z1, m.z2, m.k1, m.k2, m.ys
	for i := range y {
		z1[i] = glC1 * h * fy[i]
		z2[i] = glC2 * h * fy[i]
	}
	evals := 0
	prev := math.Inf(1)
	converged := false
	for it := 0; it < m.MaxIter; it++ {
		for i := range y {
			ys[i] = y[i] + z1[i]
		}
		m.f(k1, t+glC1*h, ys)
		for i := range y {
			ys[i] = y[i] + z2[i]
		}
		m.f(k2, t+glC2*h, ys)
		evals += 2
		// New iterate and the size of the correction relative to the stage values.
		var dn float64
		for i := range y {
			n1 := h * (glA11*k1[i] + glA12*k2[i])
			n2 := h * (glA21*k1[i] + glA22*k2[i])
			s := math.Abs(y[i]) + math.Max(math.Abs(n1), math.Abs(n2)) + math.SmallestNonzeroFloat64
			dn = math.Max(dn, math.Max(math.Abs(n1-z1[i]), math.Abs(n2-z2[i]))/s)
			z1[i], z2[i] = n1, n2
		}
		if math.IsNaN(dn) || math.IsInf(dn, 0) {
			return evals, false
		}
		// Converged at round-off, or stagnating at round-off level.
		if dn <= 2*unitRoundoff || (it >= 2 && dn >= prev && dn < 1e-10) {
			converged = true
			break
		}
		if it >= 4 && dn > prev && dn > 1e-3 {
			return evals, false // diverging
		}
		prev = dn
	}
	if !converged {
		return evals, false
	}
	// Stages from the last (converged) stage values, then the compensated update.
	for i := range y {
		ys[i] = y[i] + z1[i]
	}
	m.f(k1, t+glC1*h, ys)
	for i := range y {
		ys[i] = y[i] + z2[i]
	}
	m.f(k2, t+glC2*h, ys)
	evals += 2
	for i := range y {
		inc := 0.5*h*(k1[i]+k2[i]) + cin[i]
		v := y[i] + inc
		cout[i] = inc - (v - y[i])
		dst[i] = v
	}
	return evals, true
}

// Step implements Method.
func (m *GaussLegendre) Step(y1 []float64, t, h float64, y, f0 []float64, sc *Scale) (float64, int) {
	m.t, m.h, m.y1 = t, h, y1
	copy(m.y0, y)
	copy(m.f0, f0)
	// The compensation belongs to the state the last accepted step produced.
	cin := m.comp
	if !equal(y, m.lastY1) {
		clear(m.comp)
	}
	if sc == nil {
		ev, ok := m.solve(y1, m.compNew, t, h, y, f0, cin)
		if !ok {
			return -1, ev
		}
		return 0, ev
	}
	// Step doubling.
	evals, ok := m.solve(m.yb, m.fmid, t, h, y, f0, cin) // fmid: scratch for an unused compensation
	if !ok {
		return -1, evals
	}
	ev, ok := m.solve(m.ymid, m.compNew, t, h/2, y, f0, cin)
	evals += ev
	if !ok {
		return -1, evals
	}
	m.f(m.fmid, t+h/2, m.ymid)
	evals++
	ev, ok = m.solve(y1, m.compNew, t+h/2, h/2, m.ymid, m.fmid, m.compNew)
	evals += ev
	if !ok {
		return -1, evals
	}
	var err float64
	for i := range y1 {
		r := (y1[i] - m.yb[i]) / 15 / sc.At(i, y[i], y1[i])
		err += r * r
	}
	return math.Sqrt(err / float64(m.n)), evals
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Accept implements Method: one evaluation of f(t+h, y1), used by the next step and by the
// Hermite dense output.
func (m *GaussLegendre) Accept(f1 []float64, dense bool) int {
	copy(m.comp, m.compNew)
	copy(m.lastY1, m.y1)
	m.f(f1, m.t+m.h, m.y1)
	copy(m.fEnd, f1)
	return 1
}

// Interpolate implements Method with the cubic Hermite interpolant on the last accepted step.
func (m *GaussLegendre) Interpolate(dst []float64, t float64) {
	th := (t - m.t) / m.h
	h := m.h
	h00 := (1 + 2*th) * (1 - th) * (1 - th)
	h10 := th * (1 - th) * (1 - th)
	h01 := th * th * (3 - 2*th)
	h11 := th * th * (th - 1)
	for i := range dst {
		dst[i] = h00*m.y0[i] + h*h10*m.f0[i] + h01*m.lastY1[i] + h*h11*m.fEnd[i]
	}
}

// Stiffness implements Method: the fixed-point iteration has no stiffness test.
func (*GaussLegendre) Stiffness() float64 { return math.NaN() }
