package ode

import "math"

// GaussLegendre is the 2-stage Gauss–Legendre collocation method, implicit, of order 4
// (Butcher 1964; Hairer, Lubich & Wanner, Geometric Numerical Integration, §II.1 and §IV.2).
// It conserves every quadratic invariant of the flow exactly, so computed in float64 it keeps
// them to round-off: it is the reference for "is this quantity conserved?".
//
// The stage equations Z_i = h Σ_j a_ij f(t + c_j h, y + Z_j) are solved by simplified Newton
// iteration, with the Jacobian of f from forward differences at the start of the step, until
// the correction reaches round-off; the update y1 = y + h Σ b_i k_i is summed with
// compensation (Kahan), so that round-off does not accumulate over many steps.
//
// With Settings.FixedStep it takes equal steps. Otherwise the error is estimated by step
// doubling: a step of h is compared with two steps of h/2, err = ‖y_{h/2,h/2} − y_h‖/15, and the
// two half steps are kept (no extrapolation, which would spoil the conservation). Without
// local extrapolation the global error scales as rtol^(4/5), not rtol.
//
// Dense output is Hermite interpolation of the accepted step: quintic through the values and
// derivatives at both ends and at the midpoint with adaptive steps (order 4, like the method),
// cubic through the ends with fixed steps (order 3).
//
// When the Newton iteration fails, the adaptive integration shrinks the step and the
// fixed-step one stops with NoConvergence. The zero value is ready to use; MaxIter 0 means 50
// Newton iterations.
//
// FixedPoint replaces Newton's iteration by the fixed-point iteration Z ← h(A⊗I)K(Z), which
// needs neither the Jacobian (n evaluations per step) nor the 2n×2n matrix (4n² numbers):
// the method for systems too large for either, such as networks with matrix layers. It
// converges when h·L·‖A‖ < 1 for the Lipschitz constant L of f, so it asks for steps below
// the stiffness scale; it is iterated to round-off all the same, and the conservation of
// quadratic invariants is the method's, not the iteration's.
type GaussLegendre struct {
	MaxIter    int
	FixedPoint bool

	f      Func
	n      int
	buf    []float64
	z, k   []float64 // stages Z1, Z2 and derivatives K1, K2, each 2n
	dz, ys []float64
	jac    []float64 // n×n, row-major
	lu     []float64 // 2n×2n iteration matrix, LU-factored in place
	piv    []int
	yb     []float64
	ymid   []float64
	fmid   []float64
	comp   []float64 // Kahan compensation of y, committed on Accept
	cNew   []float64
	cTmp   []float64
	y0, f0 []float64
	y1     []float64 // the driver's proposal buffer of the last step
	t, h   float64
	mid    bool
	// Dense output of the last accepted step: Newton divided differences on nodes.
	coef   [6][]float64
	nodes  []float64
	td, hd float64
	lastY1 []float64
}

var _ Method = (*GaussLegendre)(nil)

var (
	glSqrt3 = math.Sqrt(3)
	glC     = [2]float64{0.5 - glSqrt3/6, 0.5 + glSqrt3/6}
	glA     = [2][2]float64{{0.25, 0.25 - glSqrt3/6}, {0.25 + glSqrt3/6, 0.25}}
)

// Init implements Method. It reuses (zeroed) the buffers of an earlier Init of no larger
// dimension.
func (m *GaussLegendre) Init(f Func, n int) {
	m.f, m.n = f, n
	nn := n * n
	if m.FixedPoint {
		nn = 0
	}
	size := 4*n + 4*n + nn + 4*nn + 17*n
	if cap(m.buf) < size {
		m.buf = make([]float64, size)
	}
	buf := m.buf[:size]
	clear(buf)
	next := func(k int) []float64 {
		s := buf[:k:k]
		buf = buf[k:]
		return s
	}
	m.z, m.k, m.dz, m.ys = next(2*n), next(2*n), next(2*n), next(2*n)
	m.jac, m.lu = next(nn), next(4*nn)
	m.yb, m.ymid, m.fmid = next(n), next(n), next(n)
	m.comp, m.cNew, m.cTmp = next(n), next(n), next(n)
	m.y0, m.f0, m.lastY1 = next(n), next(n), next(n)
	for i := range m.coef {
		m.coef[i] = next(n)
	}
	if cap(m.piv) < 2*n {
		m.piv = make([]int, 2*n)
	}
	m.piv = m.piv[:2*n]
	clear(m.piv)
	if m.MaxIter == 0 {
		m.MaxIter = 50
		if m.FixedPoint {
			m.MaxIter = 200 // linear convergence at the rate h·L·‖A‖
		}
	}
}

// Control implements Method. The step-doubling estimate is O(h⁵) per step, as for a 4(5) pair.
func (*GaussLegendre) Control() Control {
	return Control{Order: 5, BetaWeight: 0, Safety: 0.9, Fac1: 0.2, Fac2: 5, Beta: 0, StiffLimit: math.NaN()}
}

// jacobian fills m.jac with forward differences of f at (t, y), where f(t, y) = fy.
func (m *GaussLegendre) jacobian(t float64, y, fy []float64) int {
	n := m.n
	ys, col := m.ys[:n], m.ys[n:]
	copy(ys, y)
	for j := 0; j < n; j++ {
		d := math.Sqrt(unitRoundoff) * math.Max(1e-5, math.Abs(y[j]))
		ys[j] = y[j] + d
		m.f(col, t, ys)
		ys[j] = y[j]
		for i := 0; i < n; i++ {
			m.jac[i*n+j] = (col[i] - fy[i]) / d
		}
	}
	return n
}

// factor builds I − h·(A ⊗ J) and factors it in place (LU with partial pivoting).
func (m *GaussLegendre) factor(h float64) bool {
	n, N := m.n, 2*m.n
	a := m.lu
	for bi := 0; bi < 2; bi++ {
		for bj := 0; bj < 2; bj++ {
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					v := -h * glA[bi][bj] * m.jac[i*n+j]
					if bi == bj && i == j {
						v++
					}
					a[(bi*n+i)*N+bj*n+j] = v
				}
			}
		}
	}
	for c := 0; c < N; c++ {
		p := c
		for r := c + 1; r < N; r++ {
			if math.Abs(a[r*N+c]) > math.Abs(a[p*N+c]) {
				p = r
			}
		}
		m.piv[c] = p
		if a[p*N+c] == 0 || math.IsNaN(a[p*N+c]) {
			return false
		}
		if p != c {
			for j := 0; j < N; j++ {
				a[c*N+j], a[p*N+j] = a[p*N+j], a[c*N+j]
			}
		}
		for r := c + 1; r < N; r++ {
			l := a[r*N+c] / a[c*N+c]
			a[r*N+c] = l
			for j := c + 1; j < N; j++ {
				a[r*N+j] -= l * a[c*N+j]
			}
		}
	}
	return true
}

// backsolve solves the factored system in place in b.
func (m *GaussLegendre) backsolve(b []float64) {
	N := 2 * m.n
	a := m.lu
	for c := 0; c < N; c++ {
		if p := m.piv[c]; p != c {
			b[c], b[p] = b[p], b[c]
		}
		for r := c + 1; r < N; r++ {
			b[r] -= a[r*N+c] * b[c]
		}
	}
	for r := N - 1; r >= 0; r-- {
		s := b[r]
		for j := r + 1; j < N; j++ {
			s -= a[r*N+j] * b[j]
		}
		b[r] = s / a[r*N+r]
	}
}

// stages evaluates K_i = f(t + c_i h, y + Z_i).
func (m *GaussLegendre) stages(t, h float64, y []float64) {
	n := m.n
	for s := 0; s < 2; s++ {
		ys := m.ys[:n]
		for i := range y {
			ys[i] = y[i] + m.z[s*n+i]
		}
		m.f(m.k[s*n:(s+1)*n], t+glC[s]*h, ys)
	}
}

// solve takes one Gauss–Legendre step of size h from (t, y) with f(t, y) = fy, adding the
// compensation cin, and writes the new state to dst and its compensation to cout (which may
// alias cin). It returns the number of evaluations and false if Newton's iteration failed.
func (m *GaussLegendre) solve(dst, cout []float64, t, h float64, y, fy, cin []float64) (int, bool) {
	n := m.n
	if !m.FixedPoint && !m.factor(h) {
		return 0, false
	}
	for i := range y {
		m.z[i] = glC[0] * h * fy[i]
		m.z[n+i] = glC[1] * h * fy[i]
	}
	evals := 0
	prev := math.Inf(1)
	converged := false
	for it := 0; it < m.MaxIter; it++ {
		m.stages(t, h, y)
		evals += 2
		// Residual −G(Z) = h(A⊗I)K − Z, then the Newton correction.
		for s := 0; s < 2; s++ {
			for i := 0; i < n; i++ {
				m.dz[s*n+i] = h*(glA[s][0]*m.k[i]+glA[s][1]*m.k[n+i]) - m.z[s*n+i]
			}
		}
		if !m.FixedPoint {
			m.backsolve(m.dz)
		}
		// The size of the correction relative to the state: ‖ΔZ‖∞ / (‖y‖∞ + ‖Z‖∞). A norm of
		// the whole state, not per component, so that a component crossing zero does not make
		// a round-off-sized correction look large.
		var dz, size float64
		for s := 0; s < 2; s++ {
			for i := 0; i < n; i++ {
				z := m.z[s*n+i] + m.dz[s*n+i]
				dz = math.Max(dz, math.Abs(m.dz[s*n+i]))
				size = math.Max(size, math.Abs(y[i])+math.Abs(z))
				m.z[s*n+i] = z
			}
		}
		dn := dz / (size + math.SmallestNonzeroFloat64)
		if !finite(dn) {
			return evals, false
		}
		// Simplified Newton converges linearly at the rate θ = dn/prev; the error left in the
		// iterate is about dn·θ/(1 − θ) (Hairer & Wanner, Solving ODEs II, §IV.8). Converged
		// when that, or the correction itself, is at round-off, or when the corrections
		// stagnate at round-off level.
		theta := dn / prev
		if dn <= 2*unitRoundoff || (it >= 1 && theta < 1 && dn*theta/(1-theta) <= 2*unitRoundoff) || (it >= 2 && dn >= prev && dn < 1e-10) {
			converged = true
			break
		}
		if it >= 2 && theta >= 1 && dn > 1e-10 {
			return evals, false // diverging
		}
		prev = dn
	}
	if !converged {
		return evals, false
	}
	// Stage derivatives at the converged stages, then the compensated update.
	m.stages(t, h, y)
	evals += 2
	for i := range y {
		inc := 0.5*h*(m.k[i]+m.k[n+i]) + cin[i]
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
	if !equal(y, m.lastY1) {
		clear(m.comp)
	}
	evals := 0
	if !m.FixedPoint {
		evals = m.jacobian(t, y, f0)
	}
	if sc == nil {
		m.mid = false
		ev, ok := m.solve(y1, m.cNew, t, h, y, f0, m.comp)
		if !ok {
			return -1, evals + ev
		}
		return 0, evals + ev
	}
	// Step doubling.
	m.mid = true
	ev, ok := m.solve(m.yb, m.cTmp, t, h, y, f0, m.comp)
	evals += ev
	if !ok {
		return -1, evals
	}
	ev, ok = m.solve(m.ymid, m.cNew, t, h/2, y, f0, m.comp)
	evals += ev
	if !ok {
		return -1, evals
	}
	m.f(m.fmid, t+h/2, m.ymid)
	evals++
	ev, ok = m.solve(y1, m.cNew, t+h/2, h/2, m.ymid, m.fmid, m.cNew)
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
	copy(m.comp, m.cNew)
	copy(m.lastY1, m.y1)
	m.f(f1, m.t+m.h, m.y1)
	if dense {
		m.hermite(f1)
	}
	return 1
}

var (
	glNodesMid = []float64{0, 0, 0.5, 0.5, 1, 1}
	glNodesEnd = []float64{0, 0, 1, 1}
)

// hermite builds the Newton divided differences of the Hermite interpolant in θ = (t − t0)/h.
func (m *GaussLegendre) hermite(f1 []float64) {
	m.td, m.hd = m.t, m.h
	m.nodes = glNodesEnd
	if m.mid {
		m.nodes = glNodesMid
	}
	z := m.nodes
	k := len(z)
	var v [6]float64
	for i := 0; i < m.n; i++ {
		// Values at the nodes, then divided differences where repeated nodes take h·f.
		if m.mid {
			v = [6]float64{m.y0[i], m.y0[i], m.ymid[i], m.ymid[i], m.y1[i], m.y1[i]}
		} else {
			v = [6]float64{m.y0[i], m.y0[i], m.y1[i], m.y1[i]}
		}
		der := func(node int) float64 {
			switch z[node] {
			case 0:
				return m.h * m.f0[i]
			case 0.5:
				return m.h * m.fmid[i]
			}
			return m.h * f1[i]
		}
		m.coef[0][i] = v[0]
		for order := 1; order < k; order++ {
			for j := k - 1; j >= order; j-- {
				if order == 1 && z[j] == z[j-1] {
					v[j] = der(j)
				} else {
					v[j] = (v[j] - v[j-1]) / (z[j] - z[j-order])
				}
			}
			m.coef[order][i] = v[order]
		}
	}
}

// Interpolate implements Method with the Hermite interpolant of the last accepted step.
func (m *GaussLegendre) Interpolate(dst []float64, t float64) {
	th := (t - m.td) / m.hd
	z := m.nodes
	for i := range dst {
		p := m.coef[len(z)-1][i]
		for o := len(z) - 2; o >= 0; o-- {
			p = m.coef[o][i] + (th-z[o])*p
		}
		dst[i] = p
	}
}

// Stiffness implements Method: Gauss–Legendre has no stiffness test.
func (*GaussLegendre) Stiffness() float64 { return math.NaN() }
