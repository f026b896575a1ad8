package ode

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/layerflow/layerflow/flow/fused"
)

// dop853Rows lists every stage row of the tableau with its node: the stages 2..12, the
// weights b as stage 13 (node 1) and the dense-output stages 14..16.
func dop853Rows() (rows []*dop853Row, c []float64, stage []int) {
	for s := 1; s < len(dop853Stages); s++ {
		if s == 12 {
			rows = append(rows, &dop853B)
		} else {
			rows = append(rows, &dop853Stages[s].dop853Row)
		}
		c = append(c, dop853Stages[s].c)
		stage = append(stage, s+1)
	}
	return rows, c, stage
}

// dop853Quad returns Σ_q r.a[q] · c_{r.j[q]}^p.
func dop853Quad(r *dop853Row, p int) float64 {
	var s float64
	for q, j := range r.j {
		s += r.a[q] * math.Pow(dop853Stages[j].c, float64(p))
	}
	return s
}

func TestDOP853Tableau(t *testing.T) {
	const tol = 1e-14
	rows, c, stage := dop853Rows()
	for i, r := range rows {
		if len(r.j) != len(r.a) {
			t.Fatalf("stage %d: %d indices, %d coefficients", stage[i], len(r.j), len(r.a))
		}
		for _, j := range r.j {
			if j >= stage[i]-1 {
				t.Errorf("stage %d depends on stage %d: not explicit", stage[i], j+1)
			}
		}
		// Row sums: Σ_j a_ij = c_i.
		if got := dop853Quad(r, 0); !scalar.EqualWithinAbs(got, c[i], tol) {
			t.Errorf("stage %d: Σ a = %.17g, want c = %.17g", stage[i], got, c[i])
		}
		// Stage order 2 from the third stage on: Σ_j a_ij c_j = c_i²/2.
		if stage[i] >= 3 {
			if got := dop853Quad(r, 1); !scalar.EqualWithinAbs(got, c[i]*c[i]/2, tol) {
				t.Errorf("stage %d: Σ a c = %.17g, want %.17g", stage[i], got, c[i]*c[i]/2)
			}
		}
	}
	// Quadrature conditions of the orders of the three formulas: Σ b c^p = 1/(p+1).
	for p := 0; p <= 7; p++ {
		if got, want := dop853Quad(&dop853B, p), 1/float64(p+1); !scalar.EqualWithinAbs(got, want, tol) {
			t.Errorf("Σ b c^%d = %.17g, want %.17g", p, got, want)
		}
	}
	for p := 0; p <= 2; p++ {
		if got, want := dop853Quad(&dop853BHH, p), 1/float64(p+1); !scalar.EqualWithinAbs(got, want, tol) {
			t.Errorf("Σ bhh c^%d = %.17g, want %.17g", p, got, want)
		}
	}
	// The 5th-order estimator is a difference of two solutions of order ≥ 5: its weights
	// annihilate c^p for p ≤ 4; the 3rd-order one (b − bhh) for p ≤ 2.
	for p := 0; p <= 4; p++ {
		if got := dop853Quad(&dop853E5, p); !scalar.EqualWithinAbs(got, 0, tol) {
			t.Errorf("Σ er c^%d = %.3g, want 0", p, got)
		}
	}
	// The dense-output corrections vanish on f ≡ const, where the first four terms are exact.
	for q := range dop853D {
		if got := dop853Quad(&dop853D[q], 0); !scalar.EqualWithinAbs(got, 0, 1e-12) {
			t.Errorf("Σ d%d = %.3g, want 0", q+4, got)
		}
	}
}

func TestDOP853Control(t *testing.T) {
	got := new(DOP853).Control()
	want := Control{Order: 8, BetaWeight: 0.2, Safety: 0.9, Fac1: 0.333, Fac2: 6, Beta: 0, StiffLimit: 6.1}
	if got != want {
		t.Errorf("Control() = %+v, want %+v", got, want)
	}
}

// dop853FixedSolve integrates ẏ = f(t, y) from (t0, y0) to t1 with n equal DOP853 steps.
func dop853FixedSolve(f Func, t0, t1 float64, y0 []float64, n int) []float64 {
	var m DOP853
	m.Init(f, len(y0))
	y := append([]float64(nil), y0...)
	y1 := make([]float64, len(y0))
	f0 := make([]float64, len(y0))
	f(f0, t0, y)
	h := (t1 - t0) / float64(n)
	for i := range n {
		m.Step(y1, t0+float64(i)*h, h, y, f0, nil)
		m.Accept(f0, false)
		y, y1 = y1, y
	}
	return y
}

// dop853Slope is the least-squares slope of log(err) against log(h).
func dop853Slope(h, err []float64) float64 {
	var mx, my float64
	for i := range h {
		mx += math.Log(h[i])
		my += math.Log(err[i])
	}
	mx /= float64(len(h))
	my /= float64(len(h))
	var sxy, sxx float64
	for i := range h {
		dx := math.Log(h[i]) - mx
		sxy += dx * (math.Log(err[i]) - my)
		sxx += dx * dx
	}
	return sxy / sxx
}

// dop853Problem is a test problem with a known solution.
type dop853Problem struct {
	name  string
	f     Func
	exact func(dst []float64, t float64)
	dim   int
	t1    float64
	// steps are the numbers of steps of the convergence test, chosen so that h is in the
	// asymptotic range and the global error well above round-off.
	steps []int
}

var dop853Problems = []dop853Problem{
	{
		name:  "decay",
		f:     func(dy []float64, _ float64, y []float64) { dy[0] = -y[0] },
		exact: func(dst []float64, t float64) { dst[0] = math.Exp(-t) },
		dim:   1,
		t1:    2,
		steps: []int{2, 4, 8},
	},
	{
		name: "oscillator",
		f: func(dy []float64, _ float64, y []float64) {
			dy[0] = y[1]
			dy[1] = -y[0]
		},
		exact: func(dst []float64, t float64) {
			dst[0] = math.Cos(t)
			dst[1] = -math.Sin(t)
		},
		dim:   2,
		t1:    2,
		steps: []int{2, 4, 8},
	},
	{
		// Nonlinear: ẏ = y², y = 1/(2−t), integrated close to the pole.
		name:  "riccati",
		f:     func(dy []float64, _ float64, y []float64) { dy[0] = y[0] * y[0] },
		exact: func(dst []float64, t float64) { dst[0] = 1 / (2 - t) },
		dim:   1,
		t1:    1.7,
		steps: []int{16, 32, 64},
	},
}

// dop853RelErr returns max_i |a_i − b_i| / |b_i|.
func dop853RelErr(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i])/math.Abs(b[i]))
	}
	return d
}

func TestDOP853Convergence(t *testing.T) {
	for _, p := range dop853Problems {
		t.Run(p.name, func(t *testing.T) {
			y0 := make([]float64, p.dim)
			p.exact(y0, 0)
			want := make([]float64, p.dim)
			p.exact(want, p.t1)
			var hs, errs []float64
			for _, steps := range p.steps {
				y := dop853FixedSolve(p.f, 0, p.t1, y0, steps)
				hs = append(hs, p.t1/float64(steps))
				errs = append(errs, dop853RelErr(y, want))
			}
			slope := dop853Slope(hs, errs)
			t.Logf("h=%.4g err=%.3g slope=%.3f", hs, errs, slope)
			if last := errs[len(errs)-1]; last < 1e-13 {
				t.Errorf("smallest error %.3g is too close to round-off", last)
			}
			if math.Abs(slope-8) > 0.3 {
				t.Errorf("order slope = %.3f, want 8 ± 0.3", slope)
			}
		})
	}
}

// dop853OneStep takes one step of size h from (0, y0), accepted with dense output.
func dop853OneStep(m *DOP853, p *dop853Problem, h float64, sc *Scale) (y1 []float64, err float64) {
	y0 := make([]float64, p.dim)
	p.exact(y0, 0)
	f0 := make([]float64, p.dim)
	p.f(f0, 0, y0)
	m.Init(p.f, p.dim)
	y1 = make([]float64, p.dim)
	err, _ = m.Step(y1, 0, h, y0, f0, sc)
	m.Accept(f0, true)
	return y1, err
}

func TestDOP853Dense(t *testing.T) {
	for _, p := range dop853Problems {
		t.Run(p.name, func(t *testing.T) {
			var m DOP853
			got := make([]float64, p.dim)
			want := make([]float64, p.dim)
			var hs, errs []float64
			for _, h := range []float64{1, 0.5, 0.25, 0.125} {
				y1, _ := dop853OneStep(&m, &p, h, nil)
				// The interpolant passes through both ends of the step.
				p.exact(want, 0)
				m.Interpolate(got, 0)
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("h=%v: Interpolate(0)[%d] = %v, want y0 = %v", h, i, got[i], want[i])
					}
				}
				m.Interpolate(got, h)
				if e := dop853RelErr(got, y1); e > 4e-16 {
					t.Errorf("h=%v: Interpolate(h) differs from y1 by %.3g", h, e)
				}
				var maxErr float64
				for theta := 0.1; theta < 0.95; theta += 0.1 {
					m.Interpolate(got, theta*h)
					p.exact(want, theta*h)
					maxErr = math.Max(maxErr, dop853RelErr(got, want))
				}
				hs = append(hs, h)
				errs = append(errs, maxErr)
			}
			slope := dop853Slope(hs, errs)
			t.Logf("h=%.4g err=%.3g slope=%.3f", hs, errs, slope)
			if slope < 7.7 {
				t.Errorf("dense output slope = %.3f, want ≥ 7.7", slope)
			}
		})
	}
}

func TestDOP853ErrorEstimate(t *testing.T) {
	// The pendulum θ̈ = −sin θ, a smooth nonlinear problem.
	p := dop853Problem{
		name: "pendulum",
		f: func(dy []float64, _ float64, y []float64) {
			dy[0] = y[1]
			dy[1] = -math.Sin(y[0])
		},
		exact: func(dst []float64, _ float64) { dst[0], dst[1] = 1, 0.5 },
		dim:   2,
	}
	sc := &Scale{rtol: 1e-8, atol: 1e-8}
	var m DOP853
	var hs, errs []float64
	for _, h := range []float64{0.4, 0.2, 0.1, 0.05, 0.025} {
		_, err := dop853OneStep(&m, &p, h, sc)
		hs = append(hs, h)
		errs = append(errs, err)
	}
	slope := dop853Slope(hs, errs)
	t.Logf("h=%.4g err=%.3g slope=%.3f", hs, errs, slope)
	for i := 1; i < len(errs); i++ {
		if !(errs[i] > 0 && errs[i] < errs[i-1]) {
			t.Errorf("err(h=%v) = %.3g does not decrease from err(h=%v) = %.3g", hs[i], errs[i], hs[i-1], errs[i-1])
		}
	}
	if math.Abs(slope-8) > 0.5 {
		t.Errorf("error estimate slope = %.3f, want 8 ± 0.5", slope)
	}

	// With rtol = 0 every weight is atol, and the norm is proportional to 1/atol.
	_, e1 := dop853OneStep(&m, &p, 0.1, &Scale{atol: 1e-6})
	_, e2 := dop853OneStep(&m, &p, 0.1, &Scale{atol: 2e-6})
	if !scalar.EqualWithinRel(e1, 2*e2, 1e-12) {
		t.Errorf("err(atol=1e-6) = %.17g, want 2·err(atol=2e-6) = %.17g", e1, 2*e2)
	}
}

func TestDOP853Backward(t *testing.T) {
	p := dop853Problems[0] // ẏ = −y
	var m DOP853
	const h = -0.5
	y1, _ := dop853OneStep(&m, &p, h, nil)
	want := make([]float64, 1)
	p.exact(want, h)
	if e := dop853RelErr(y1, want); e > 1e-9 {
		t.Errorf("y1 = %v, want %v (relative error %.3g)", y1[0], want[0], e)
	}
	got := make([]float64, 1)
	for theta := 0.1; theta < 0.95; theta += 0.1 {
		m.Interpolate(got, theta*h)
		p.exact(want, theta*h)
		if e := dop853RelErr(got, want); e > 1e-8 {
			t.Errorf("θ=%.1f: dense output %v, want %v (relative error %.3g)", theta, got[0], want[0], e)
		}
	}
}

func TestDOP853Evaluations(t *testing.T) {
	calls := 0
	f := func(dy []float64, _ float64, y []float64) {
		calls++
		dy[0] = y[1]
		dy[1] = -y[0]
	}
	var m DOP853
	m.Init(f, 2)
	y, y1, f0 := []float64{1, 0}, make([]float64, 2), []float64{0, -1}
	sc := &Scale{rtol: 1e-6, atol: 1e-6}
	for _, dense := range []bool{false, true} {
		calls = 0
		if _, evals := m.Step(y1, 0, 0.1, y, f0, sc); evals != 11 || calls != 11 {
			t.Errorf("Step: evals = %d with %d calls, want 11", evals, calls)
		}
		calls = 0
		want := 1
		if dense {
			want = 4
		}
		if evals := m.Accept(f0, dense); evals != want || calls != want {
			t.Errorf("Accept(dense=%v): evals = %d with %d calls, want %d", dense, evals, calls, want)
		}
		if e := dop853RelErr(f0, []float64{y1[1], -y1[0]}); e != 0 {
			t.Errorf("Accept(dense=%v): f1 = %v, want f(y1) = %v", dense, f0, []float64{y1[1], -y1[0]})
		}
		y, y1 = y1, y
	}
}

func TestDOP853InterpolateWithoutDense(t *testing.T) {
	var m DOP853
	m.Init(func(dy []float64, _ float64, y []float64) { dy[0] = -y[0] }, 1)
	y1, f0 := make([]float64, 1), []float64{-1}
	m.Step(y1, 0, 0.1, []float64{1}, f0, nil)
	m.Accept(f0, false)
	defer func() {
		if recover() == nil {
			t.Error("Interpolate after Accept(dense=false) did not panic")
		}
	}()
	m.Interpolate(y1, 0.05)
}

func TestDOP853Stiffness(t *testing.T) {
	var m DOP853
	m.Init(func(dy []float64, _ float64, y []float64) { dy[0] = -y[0] }, 1)
	if s := m.Stiffness(); !math.IsNaN(s) {
		t.Errorf("Stiffness before any accepted step = %v, want NaN", s)
	}
	// For a linear ẏ = J·y with J = ω·(rotation by −π/2), ‖J·v‖ = ω‖v‖ for every v, so the
	// estimate is exactly |h|·ω.
	const omega = 7.0
	p := dop853Problem{
		f: func(dy []float64, _ float64, y []float64) {
			dy[0] = omega * y[1]
			dy[1] = -omega * y[0]
		},
		exact: func(dst []float64, t float64) { dst[0], dst[1] = math.Cos(omega*t), -math.Sin(omega*t) },
		dim:   2,
	}
	for _, h := range []float64{0.1, -0.1, 0.9} {
		dop853OneStep(&m, &p, h, nil)
		if got, want := m.Stiffness(), math.Abs(h)*omega; !scalar.EqualWithinRel(got, want, 1e-6) {
			t.Errorf("h=%v: Stiffness() = %.10g, want %.10g", h, got, want)
		}
	}
	// ẏ = −50·y: h·λ = 50·|h|, beyond the limit 6.1 for h = 0.2.
	p = dop853Problem{
		f:     func(dy []float64, _ float64, y []float64) { dy[0] = -50 * y[0] },
		exact: func(dst []float64, t float64) { dst[0] = math.Exp(-50 * t) },
		dim:   1,
	}
	dop853OneStep(&m, &p, 0.2, nil)
	if got := m.Stiffness(); !scalar.EqualWithinRel(got, 10, 1e-6) || got <= m.Control().StiffLimit {
		t.Errorf("ẏ = −50y, h = 0.2: Stiffness() = %.10g, want 10", got)
	}
	// A constant solution: the 12th stage argument equals y1, there is no estimate.
	p = dop853Problem{
		f:     func(dy []float64, _ float64, _ []float64) { dy[0] = 0 },
		exact: func(dst []float64, _ float64) { dst[0] = 1 },
		dim:   1,
	}
	dop853OneStep(&m, &p, 0.5, nil)
	if s := m.Stiffness(); !math.IsNaN(s) {
		t.Errorf("ẏ = 0: Stiffness() = %v, want NaN", s)
	}
}

func TestDOP853Allocs(t *testing.T) {
	f := func(dy []float64, _ float64, y []float64) {
		dy[0] = y[1]
		dy[1] = -math.Sin(y[0])
	}
	var m DOP853
	m.Init(f, 2)
	y, y1, f0, dst := []float64{1, 0.5}, make([]float64, 2), make([]float64, 2), make([]float64, 2)
	f(f0, 0, y)
	sc := &Scale{rtol: 1e-6, atol: 1e-6}
	tt := 0.0
	const h = 0.01
	allocs := testing.AllocsPerRun(100, func() {
		m.Step(y1, tt, h, y, f0, sc)
		m.Accept(f0, true)
		m.Interpolate(dst, tt+h/2)
		_ = m.Stiffness()
		y, y1 = y1, y
		tt += h
	})
	if allocs != 0 {
		t.Errorf("Step+Accept+Interpolate allocate %v times per step, want 0", allocs)
	}
}

// dop853RefStep is the step of DOP853 computed from the tables (dop853Stages, dop853B,
// dop853E5, dop853BHH, dop853D), as sums in table order: the written-out code must give the
// same bits. It returns y1, the error norm, f(t+h, y1) and the dense coefficients.
func dop853RefStep(f Func, t, h float64, y, f0 []float64, sc *Scale) (y1 []float64, err float64, f1 []float64, cont [8][]float64) {
	n := len(y)
	var k [16][]float64
	for i := range k {
		k[i] = make([]float64, n)
	}
	copy(k[0], f0)
	sum := func(r *dop853Row, i int) float64 {
		var s float64
		for q, j := range r.j {
			s += r.a[q] * k[j][i]
		}
		return s
	}
	ys := make([]float64, n)
	stage := func(s int) {
		st := &dop853Stages[s]
		for i := range ys {
			ys[i] = y[i] + h*sum(&st.dop853Row, i)
		}
		f(k[s], t+st.c*h, ys)
	}
	for s := 1; s <= 11; s++ {
		stage(s)
	}
	y1 = make([]float64, n)
	var err5, err3 float64
	for i := range y1 {
		bk := sum(&dop853B, i)
		y1[i] = y[i] + h*bk
		sk := sc.At(i, y[i], y1[i])
		e3 := bk - sum(&dop853BHH, i)
		err3 += (e3 / sk) * (e3 / sk)
		e5 := sum(&dop853E5, i)
		err5 += (e5 / sk) * (e5 / sk)
	}
	deno := err5 + 0.01*err3
	if deno <= 0 {
		deno = 1
	}
	err = math.Abs(h) * err5 * math.Sqrt(1/(float64(n)*deno))
	f(k[12], t+h, y1)
	f1 = append([]float64(nil), k[12]...)
	for s := 13; s <= 15; s++ {
		stage(s)
	}
	for q := range cont {
		cont[q] = make([]float64, n)
	}
	for i := range y {
		ydiff := y1[i] - y[i]
		bspl := h*k[0][i] - ydiff
		cont[0][i], cont[1][i], cont[2][i], cont[3][i] = y[i], ydiff, bspl, ydiff-h*k[12][i]-bspl
		for q := range dop853D {
			cont[4+q][i] = h * sum(&dop853D[q], i)
		}
	}
	return y1, err, f1, cont
}

// dop853RefBound bounds, to first order in the unit roundoff u = 2⁻⁵³, how far a coding of
// the step that rounds in other places (fused multiply-adds where dop853RefStep rounds twice,
// or the other way) can be from dop853RefStep's values (running error analysis, Higham,
// Accuracy and Stability of Numerical Algorithms, §3.1 and §3.3). A value y + h·Σ a_q·k_q of m
// terms is within γ(m+3)·(|y| + |h|·Σ|a_q·k_q|) of its exact value in any order of evaluation,
// fused or not, γ(n) = n·u/(1 − n·u); two codings are within twice that plus |h|·Σ|a_q|·δk_q,
// the stages' own differences. A stage differs by at most jac(ys)·max δys (jac: the rows'
// ∞-norms of f's Jacobian) plus 8u·mag(ys) for f's own roundings on different arguments. The
// error estimate is monotone in err5 and err3 (increasing and decreasing), so its bounds are
// the estimate of the extreme sums, widened by 16u for its last operations.
func dop853RefBound(f Func, jac, mag func(dst, y []float64), t, h float64, y, f0 []float64, sc *Scale) (dy1 []float64, errLo, errHi float64, df1 []float64, dcont [8][]float64) {
	const u = 0x1p-53
	gamma := func(n int) float64 { return float64(n) * u / (1 - float64(n)*u) }
	n := len(y)
	var k, dk [16][]float64
	for i := range k {
		k[i], dk[i] = make([]float64, n), make([]float64, n)
	}
	copy(k[0], f0)
	// sum returns Σ a_q·k_q[i], the bound of its difference and Σ|a_q·k_q[i]|.
	sum := func(r *dop853Row, i int) (s, d, m float64) {
		for q, j := range r.j {
			s += r.a[q] * k[j][i]
			d += math.Abs(r.a[q]) * dk[j][i]
			m += math.Abs(r.a[q] * k[j][i])
		}
		return s, d, m
	}
	ys, dys, jr, mg := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	// eval sets k[s] = f(ys) and its bound from dys.
	eval := func(s int, tt float64) {
		f(k[s], tt, ys)
		jac(jr, ys)
		mag(mg, ys)
		var m float64
		for _, d := range dys {
			m = math.Max(m, d)
		}
		for i := range ys {
			dk[s][i] = jr[i]*m + 8*u*mg[i]
		}
	}
	stage := func(s int) {
		st := &dop853Stages[s]
		for i := range ys {
			sm, d, m := sum(&st.dop853Row, i)
			ys[i] = y[i] + h*sm
			dys[i] = math.Abs(h)*d + 2*gamma(len(st.j)+3)*(math.Abs(y[i])+math.Abs(h)*m)
		}
		eval(s, t+st.c*h)
	}
	for s := 1; s <= 11; s++ {
		stage(s)
	}
	y1 := make([]float64, n)
	dy1 = make([]float64, n)
	var e5lo, e5hi, e3lo, e3hi float64
	for i := range y1 {
		bk, dbk, mbk := sum(&dop853B, i)
		y1[i] = y[i] + h*bk
		dy1[i] = math.Abs(h)*dbk + 2*gamma(len(dop853B.j)+3)*(math.Abs(y[i])+math.Abs(h)*mbk)
		dbk += 2 * gamma(len(dop853B.j)+1) * mbk
		sk := sc.At(i, y[i], y1[i])
		dsk := sc.rtol*dy1[i] + 8*u*sk
		hh, dh, mh := sum(&dop853BHH, i)
		e3, de3 := math.Abs(bk-hh), dbk+dh+2*gamma(len(dop853BHH.j)+2)*(math.Abs(bk)+mh)
		e5, de5, m5 := sum(&dop853E5, i)
		de5 += 2 * gamma(len(dop853E5.j)+1) * m5
		e5 = math.Abs(e5)
		sq := func(x float64) float64 { return x * x }
		e5lo += sq(math.Max(e5-de5, 0) / (sk + dsk))
		e5hi += sq((e5 + de5) / math.Max(sk-dsk, 0))
		e3lo += sq(math.Max(e3-de3, 0) / (sk + dsk))
		e3hi += sq((e3 + de3) / math.Max(sk-dsk, 0))
	}
	est := func(err5, err3 float64) float64 {
		return math.Abs(h) * err5 * math.Sqrt(1/(float64(n)*(err5+0.01*err3)))
	}
	errLo, errHi = est(e5lo, e3hi)*(1-16*u), est(e5hi, e3lo)*(1+16*u)
	copy(ys, y1)
	copy(dys, dy1)
	eval(12, t+h)
	df1 = append([]float64(nil), dk[12]...)
	for s := 13; s <= 15; s++ {
		stage(s)
	}
	for q := range dcont {
		dcont[q] = make([]float64, n)
	}
	for i := range y {
		ydiff := y1[i] - y[i]
		dydiff := dy1[i] + 2*u*math.Abs(ydiff)
		bspl := h*k[0][i] - ydiff
		dbspl := dydiff + 2*gamma(2)*(math.Abs(h*k[0][i])+math.Abs(ydiff))
		c3 := ydiff - h*k[12][i] - bspl
		dcont[1][i], dcont[2][i] = dydiff, dbspl
		dcont[3][i] = dydiff + math.Abs(h)*dk[12][i] + dbspl + 2*gamma(3)*(math.Abs(ydiff)+math.Abs(h*k[12][i])+math.Abs(bspl)+math.Abs(c3))
		for q := range dop853D {
			_, d, m := sum(&dop853D[q], i)
			dcont[4+q][i] = math.Abs(h)*d + 2*gamma(len(dop853D[q].j)+2)*math.Abs(h)*m
		}
	}
	return dy1, errLo, errHi, df1, dcont
}

// The written-out stages, weights and dense coefficients are those of the tables, to the bit
// in builds that round every operation. Where multiply-adds are fused (GOAMD64=v3, arm64) the
// compiler fuses the two codings at different places, so there every value must lie within
// dop853RefBound's bound of the tables' (a coefficient wrong in its 12th digit is off by more).
func TestDOP853Unrolled(t *testing.T) {
	f := func(dy []float64, _ float64, y []float64) {
		dy[0] = y[1] * y[2]
		dy[1] = -math.Sin(y[0]) + 0.1*y[2]
		dy[2] = -(y[0]*y[1] - 1) * y[0]
	}
	// The rows' ∞-norms of f's Jacobian, and the magnitudes of f's terms.
	jac := func(dst, y []float64) {
		dst[0] = math.Abs(y[2]) + math.Abs(y[1])
		dst[1] = math.Abs(math.Cos(y[0])) + 0.1
		dst[2] = math.Abs(2*y[0]*y[1]-1) + y[0]*y[0]
	}
	mag := func(dst, y []float64) {
		dst[0] = math.Abs(y[1] * y[2])
		dst[1] = math.Abs(math.Sin(y[0])) + 0.1*math.Abs(y[2])
		dst[2] = (math.Abs(y[0]*y[1]) + 1) * math.Abs(y[0])
	}
	fusedBuild := fused.MulAdd()
	y, f0 := []float64{0.3, -1.2, 2.5}, make([]float64, 3)
	f(f0, 0.7, y)
	sc := &Scale{rtol: 1e-7, atol: 1e-9}
	for _, h := range []float64{0.01, 0.3, -0.2} {
		wantY1, wantErr, wantF1, wantCont := dop853RefStep(f, 0.7, h, y, f0, sc)
		var m DOP853
		m.Init(f, 3)
		y1, f1 := make([]float64, 3), make([]float64, 3)
		err, _ := m.Step(y1, 0.7, h, y, f0, sc)
		m.Accept(f1, true)
		same := func(a, b []float64) bool {
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					return false
				}
			}
			return true
		}
		if fusedBuild {
			dy1, errLo, errHi, df1, dcont := dop853RefBound(f, jac, mag, 0.7, h, y, f0, sc)
			near := func(a, b, d []float64) bool {
				for i := range a {
					if !(math.Abs(a[i]-b[i]) <= d[i]) {
						return false
					}
				}
				return true
			}
			if !near(y1, wantY1, dy1) || !(err >= errLo && err <= errHi) || !near(f1, wantF1, df1) {
				t.Errorf("h=%v: y1 %v err %v f1 %v, tables give %v, [%v, %v], %v within %v, %v", h, y1, err, f1, wantY1, errLo, errHi, wantF1, dy1, df1)
			}
			for q := range wantCont {
				if !near(m.cont[q], wantCont[q], dcont[q]) {
					t.Errorf("h=%v: rcont%d = %v, tables give %v within %v", h, q+1, m.cont[q], wantCont[q], dcont[q])
				}
			}
			continue
		}
		if !same(y1, wantY1) || math.Float64bits(err) != math.Float64bits(wantErr) || !same(f1, wantF1) {
			t.Errorf("h=%v: y1 %v err %v f1 %v, tables give %v %v %v", h, y1, err, f1, wantY1, wantErr, wantF1)
		}
		for q := range wantCont {
			if !same(m.cont[q], wantCont[q]) {
				t.Errorf("h=%v: rcont%d = %v, tables give %v", h, q+1, m.cont[q], wantCont[q])
			}
		}
	}
}
