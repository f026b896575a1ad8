package ode

import "math"

// DOPRI5 is the explicit Runge–Kutta method of Dormand & Prince (1980) of order 5 with an
// embedded 4th-order error estimate, first-same-as-last, and Shampine's free 4th-order dense
// output, as in Hairer's code DOPRI5 (Hairer, Nørsett & Wanner, Solving ODEs I, §II.5).
// The zero value is ready to use.
type DOPRI5 struct {
	f   Func
	n   int
	buf []float64
	// Stage derivatives k1..k7 (k1 is the f0 of the last step, k7 = f(t+h, y1)) and the
	// stage argument ys.
	k      [7][]float64
	ys     []float64
	y0, y1 []float64 // the ends of the last step, aliased to the driver's buffers
	t, h   float64
	td, hd float64 // the step of the dense output
	rcont  [5][]float64
	// pend is true from an Accept with dense output to the first Interpolate, which builds
	// rcont then.
	pend bool
	// invN is 1/n when n is a power of two, and 0 otherwise: the mean of the squared errors
	// is then a product, the same number as the quotient without a division's wait.
	invN float64
	// accepted is true from Accept to the next Step, while the stages of the step are there
	// for Stiffness.
	accepted bool
	// kp[s] points at the stage derivatives that the combination s of dp5combs takes, and
	// kp[5] at those of the error estimate (kp[s][0] at k1, set by each Step), for lincomb
	// and dp5err; built by Init for the buffers at kpAt, of dimension kpN.
	kp   [6][6]*float64
	kpAt *float64
	kpN  int
}

// dp5combs are the stage combinations y + h·Σ a·k of Step from stage 3 on (the last one is
// y1), for lincomb: the coefficients, each twice, and the stages they weigh (0 is k1).
var dp5combs = [5]struct {
	c []float64
	j []int
}{
	{pairs(dp5a31, dp5a32), []int{0, 1}},
	{pairs(dp5a41, dp5a42, dp5a43), []int{0, 1, 2}},
	{pairs(dp5a51, dp5a52, dp5a53, dp5a54), []int{0, 1, 2, 3}},
	{pairs(dp5a61, dp5a62, dp5a63, dp5a64, dp5a65), []int{0, 1, 2, 3, 4}},
	{pairs(dp5a71, dp5a73, dp5a74, dp5a75, dp5a76), []int{0, 2, 3, 4, 5}},
}

// dp5errc holds the error weights e1, e3, …, e7, each twice, for dp5err.
var dp5errc = pairs(dp5e1, dp5e3, dp5e4, dp5e5, dp5e6, dp5e7)

// pairs returns the coefficients a, each twice, as lincomb takes them.
func pairs(a ...float64) []float64 {
	c := make([]float64, 2*len(a))
	for i, v := range a {
		c[2*i], c[2*i+1] = v, v
	}
	return c
}

// kernelMin is the smallest dimension for which the methods call lincomb: below it the
// call costs more than the Go loop. Both give the same numbers.
const kernelMin = 16

// dp5errMin is the smallest dimension for which DOPRI5 calls dp5err (measured as kernelMin).
const dp5errMin = 4

var _ Method = (*DOPRI5)(nil)

// Butcher tableau of Dormand & Prince (1980).
const (
	dp5c2, dp5c3, dp5c4, dp5c5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9

	dp5a21 = 1.0 / 5
	dp5a31 = 3.0 / 40
	dp5a32 = 9.0 / 40
	dp5a41 = 44.0 / 45
	dp5a42 = -56.0 / 15
	dp5a43 = 32.0 / 9
	dp5a51 = 19372.0 / 6561
	dp5a52 = -25360.0 / 2187
	dp5a53 = 64448.0 / 6561
	dp5a54 = -212.0 / 729
	dp5a61 = 9017.0 / 3168
	dp5a62 = -355.0 / 33
	dp5a63 = 46732.0 / 5247
	dp5a64 = 49.0 / 176
	dp5a65 = -5103.0 / 18656
	dp5a71 = 35.0 / 384
	dp5a73 = 500.0 / 1113
	dp5a74 = 125.0 / 192
	dp5a75 = -2187.0 / 6784
	dp5a76 = 11.0 / 84

	// Error weights: 5th-order minus embedded 4th-order weights.
	dp5e1 = 71.0 / 57600
	dp5e3 = -71.0 / 16695
	dp5e4 = 71.0 / 1920
	dp5e5 = -17253.0 / 339200
	dp5e6 = 22.0 / 525
	dp5e7 = -1.0 / 40

	// Shampine's dense-output coefficients (Hairer's DOPRI5, CONTD5).
	dp5d1 = -12715105075.0 / 11282082432
	dp5d3 = 87487479700.0 / 32700410799
	dp5d4 = -10690763975.0 / 1880347072
	dp5d5 = 701980252875.0 / 199316789632
	dp5d6 = -1453857185.0 / 822651844
	dp5d7 = 69997945.0 / 29380423
)

// dp5stages holds the stage coefficients of Step from stage 3 on, in the order it reads them,
// as variables: read into locals before each stage loop they stay in registers, where the
// constants would be loaded from memory at every element (the Go compiler does not hoist
// them). The values, and so the results, are the constants'.
var dp5stages = [...]float64{dp5a31, dp5a32, dp5a41, dp5a42, dp5a43, dp5a51, dp5a52, dp5a53, dp5a54, dp5a61, dp5a62, dp5a63, dp5a64, dp5a65, dp5a71, dp5a73, dp5a74, dp5a75, dp5a76}

// dp5errs holds the error weights e1, e3, …, e7 as variables, for the same reason.
var dp5errs = [...]float64{dp5e1, dp5e3, dp5e4, dp5e5, dp5e6, dp5e7}

// Init implements Method. It reuses the buffers of an earlier Init of no larger dimension.
func (m *DOPRI5) Init(f Func, n int) {
	m.f, m.n = f, n
	if cap(m.buf) < 12*n {
		m.buf = make([]float64, 12*n)
	}
	buf := m.buf[:12*n]
	for i := 1; i < len(m.k); i++ {
		m.k[i], buf = buf[:n:n], buf[n:]
	}
	for i := range m.rcont {
		m.rcont[i], buf = buf[:n:n], buf[n:]
	}
	m.ys = buf[:n:n]
	m.invN = 0
	if n > 0 && n&(n-1) == 0 {
		m.invN = 1 / float64(n)
	}
	m.k[0], m.y0, m.y1 = nil, nil, nil
	m.accepted = false
	if n > 0 && (m.kpAt != &m.k[1][0] || m.kpN != n) {
		m.kpAt, m.kpN = &m.k[1][0], n
		for s, c := range dp5combs {
			for q, j := range c.j {
				if j > 0 {
					m.kp[s][q] = &m.k[j][0]
				}
			}
		}
		for q, j := range [...]int{2, 3, 4, 5, 6} {
			m.kp[5][q+1] = &m.k[j][0]
		}
	}
}

// comb writes the stage combination s of dp5combs into dst.
func (m *DOPRI5) comb(s int, dst, y []float64, h float64) {
	c := &dp5combs[s]
	lincomb(&dst[0], &y[0], m.n, h, &c.c[0], &m.kp[s][0], len(c.j), false)
}

// Control implements Method with Hairer's DOPRI5 defaults.
func (*DOPRI5) Control() Control {
	return Control{Order: 5, BetaWeight: 0.75, Safety: 0.9, Fac1: 0.2, Fac2: 10, Beta: 0.04, StiffLimit: 3.25}
}

// Step implements Method: six new evaluations (k2..k7), k7 being f at the proposed state.
// y, f0 and y1 are kept (not copied) until the next Step.
func (m *DOPRI5) Step(y1 []float64, t, h float64, y, f0 []float64, sc *Scale) (float64, int) {
	n := m.n
	if len(y) != n || len(y1) != n || len(f0) != n {
		panic("ode: DOPRI5.Step: length mismatch")
	}
	m.k[0] = f0
	m.y0, m.y1, m.t, m.h, m.accepted = y, y1, t, h, false
	k1, k2, k3, k4, k5, k6, k7 := f0[:n], m.k[1][:n], m.k[2][:n], m.k[3][:n], m.k[4][:n], m.k[5][:n], m.k[6][:n]
	ys := m.ys[:n]
	for i := range ys {
		ys[i] = y[i] + h*dp5a21*k1[i]
	}
	m.f(k2, t+dp5c2*h, ys)
	tph := t + h
	if haveLincomb && n >= kernelMin {
		for s := range m.kp {
			m.kp[s][0] = &k1[0]
		}
		m.comb(0, ys, y, h)
		m.f(k3, t+dp5c3*h, ys)
		m.comb(1, ys, y, h)
		m.f(k4, t+dp5c4*h, ys)
		m.comb(2, ys, y, h)
		m.f(k5, t+dp5c5*h, ys)
		m.comb(3, ys, y, h)
		m.f(k6, tph, ys)
		m.comb(4, y1, y, h)
	} else {
		{
			c0, c1 := dp5stages[0], dp5stages[1]
			for i := range ys {
				ys[i] = y[i] + h*(c0*k1[i]+c1*k2[i])
			}
		}
		m.f(k3, t+dp5c3*h, ys)
		{
			c0, c1, c2 := dp5stages[2], dp5stages[3], dp5stages[4]
			for i := range ys {
				ys[i] = y[i] + h*(c0*k1[i]+c1*k2[i]+c2*k3[i])
			}
		}
		m.f(k4, t+dp5c4*h, ys)
		{
			c0, c1, c2, c3 := dp5stages[5], dp5stages[6], dp5stages[7], dp5stages[8]
			for i := range ys {
				ys[i] = y[i] + h*(c0*k1[i]+c1*k2[i]+c2*k3[i]+c3*k4[i])
			}
		}
		m.f(k5, t+dp5c5*h, ys)
		{
			c0, c1, c2, c3, c4 := dp5stages[9], dp5stages[10], dp5stages[11], dp5stages[12], dp5stages[13]
			for i := range ys {
				ys[i] = y[i] + h*(c0*k1[i]+c1*k2[i]+c2*k3[i]+c3*k4[i]+c4*k5[i])
			}
		}
		m.f(k6, tph, ys)
		{
			c0, c1, c2, c3, c4 := dp5stages[14], dp5stages[15], dp5stages[16], dp5stages[17], dp5stages[18]
			for i := range y1 {
				y1[i] = y[i] + h*(c0*k1[i]+c1*k3[i]+c2*k4[i]+c3*k5[i]+c4*k6[i])
			}
		}
	}
	m.f(k7, tph, y1)
	if sc == nil {
		return 0, 6
	}
	var err float64
	if sc.scalar() {
		c1, c3, c4, c5, c6, c7 := dp5errs[0], dp5errs[1], dp5errs[2], dp5errs[3], dp5errs[4], dp5errs[5]
		i0 := 0
		if haveLincomb && n >= dp5errMin {
			// The pairs of elements in assembly, an odd last one below.
			i0 = len(y1) &^ 1
			m.kp[5][0] = &k1[0]
			err = dp5err(&y1[0], &y[0], i0, h, sc.atol, sc.rtol, &dp5errc[0], &m.kp[5][0])
		}
		for i := i0; i < len(y1); i++ {
			e := h * (c1*k1[i] + c3*k3[i] + c4*k4[i] + c5*k5[i] + c6*k6[i] + c7*k7[i])
			r := e / sc.sk(y[i], y1[i])
			err += r * r
		}
	} else {
		for i := range y1 {
			e := h * (dp5e1*k1[i] + dp5e3*k3[i] + dp5e4*k4[i] + dp5e5*k5[i] + dp5e6*k6[i] + dp5e7*k7[i])
			r := e / sc.At(i, y[i], y1[i])
			err += r * r
		}
	}
	if m.invN != 0 {
		err *= m.invN
	} else {
		err /= float64(n)
	}
	return math.Sqrt(err), 6
}

// Accept implements Method: f(t+h, y1) is k7 (first same as last), and the dense output is free;
// with dense it is built at once, from the stages, y0 and y1 of the step.
func (m *DOPRI5) Accept(f1 []float64, dense bool) int {
	m.accept(f1, dense, false)
	return 0
}

// accept is Accept, with the dense output deferred to the first Interpolate when deferred is
// true: the driver's way, which keeps the stages, y0 and y1 of the step until that call and
// calls Interpolate on no step but the last accepted one (most steps of a run with events need
// none). It is built at once when f1 is k1, which it overwrites. Either way its numbers are the
// same.
func (m *DOPRI5) accept(f1 []float64, dense, deferred bool) {
	n := m.n
	k7 := m.k[6][:n]
	m.pend = false
	if dense {
		m.td, m.hd = m.t, m.h
		m.pend = true
		if !deferred || n > 0 && &f1[0] == &m.k[0][0] {
			dp5dense(m) // before f1 is written
		}
	}
	f1 = f1[:n]
	for i, v := range k7 {
		f1[i] = v
	}
	m.accepted = true
}

// dp5dense builds Shampine's dense output of the last accepted step (Hairer's DOPRI5, CONTD5's
// coefficients rcont).
func dp5dense(m *DOPRI5) {
	n, h := m.n, m.hd
	k1, k3, k4, k5, k6, k7 := m.k[0][:n], m.k[2][:n], m.k[3][:n], m.k[4][:n], m.k[5][:n], m.k[6][:n]
	y0, y1 := m.y0[:n], m.y1[:n]
	r0, r1, r2, r3, r4 := m.rcont[0][:n], m.rcont[1][:n], m.rcont[2][:n], m.rcont[3][:n], m.rcont[4][:n]
	for i := range r0 {
		ydiff := y1[i] - y0[i]
		bspl := h*k1[i] - ydiff
		r0[i] = y0[i]
		r1[i] = ydiff
		r2[i] = bspl
		r3[i] = ydiff - h*k7[i] - bspl
		r4[i] = h * (dp5d1*k1[i] + dp5d3*k3[i] + dp5d4*k4[i] + dp5d5*k5[i] + dp5d6*k6[i] + dp5d7*k7[i])
	}
	m.pend = false
}

// Interpolate implements Method with Shampine's 4th-order interpolant (built here on the first
// call after the driver's deferred accept).
func (m *DOPRI5) Interpolate(dst []float64, t float64) {
	if m.pend {
		if !m.accepted {
			panic("ode: DOPRI5.Interpolate: the deferred dense output after a new Step")
		}
		dp5dense(m)
	}
	th := (t - m.td) / m.hd
	th1 := 1 - th
	n := m.n
	r0, r1, r2, r3, r4 := m.rcont[0][:n], m.rcont[1][:n], m.rcont[2][:n], m.rcont[3][:n], m.rcont[4][:n]
	dst = dst[:n]
	for i := range dst {
		dst[i] = r0[i] + th*(r1[i]+th1*(r2[i]+th*(r3[i]+th1*r4[i])))
	}
}

// Stiffness implements Method: h·λ ≈ |h|·‖k7 − k6‖/‖y1 − ys‖ (ys is the 6th stage argument),
// computed when asked.
func (m *DOPRI5) Stiffness() float64 {
	if !m.accepted {
		return math.NaN()
	}
	var num, den float64
	k6, k7 := m.k[5], m.k[6]
	for i := range k7 {
		a, b := k7[i]-k6[i], m.y1[i]-m.ys[i]
		num += a * a
		den += b * b
	}
	if den > 0 {
		return math.Abs(m.h) * math.Sqrt(num/den)
	}
	return math.NaN()
}
