package analysis

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// The negative controls: wrong models and wrong methods fed to the claims through a Lab. Each
// check of every claim must pass with the project's own science and fail (not merely go
// untested) under at least one of these; TestNegativeControls shows both.

// flowWith returns a Lab flow that integrates the flow of a changed objective.
func flowWith(change func(flow.Objective) flow.Objective) func(flow.Objective) ode.Func {
	return func(obj flow.Objective) ode.Func { return change(obj).Flow() }
}

// runWith returns a Lab run on a changed problem and settings (the time axis stays k·λ of
// the asked λ).
func runWith(change func(*discrete.Problem, *discrete.Settings)) func(discrete.Problem, []float64, *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
	return func(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
		lr := s.LR
		set := *s
		change(&p, &set)
		tr, res, err := discrete.Run(p, w0, &set)
		if err == nil && set.LR != lr {
			for k := range tr.T {
				tr.T[k] *= lr / set.LR
			}
		}
		return tr, res, err
	}
}

// stepperWith returns a Lab stepper on a changed problem and settings.
func stepperWith(change func(*discrete.Problem, *discrete.Settings)) func(discrete.Problem, []float64, *discrete.Settings) (Stepper, error) {
	return func(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error) {
		set := *s
		change(&p, &set)
		return discrete.NewStepper(p, w0, &set)
	}
}

// scaledStepper moves every step by factor times the right displacement.
type scaledStepper struct {
	*discrete.Stepper
	factor float64
	prev   []float64
}

func (s *scaledStepper) Step() float64 {
	w := s.Stepper.W()
	s.prev = append(s.prev[:0], w...)
	rho := s.Stepper.Step()
	for i := range w {
		w[i] = s.prev[i] + s.factor*(w[i]-s.prev[i])
	}
	return rho
}

// wrongGD is full-batch GD on the population loss or on data with a defect in its step:
// the residual of the previous iterate (stale), a residual scaled by rhoScale, or the weight
// decay with the wrong sign. Other problems run as usual.
func wrongGD(stale bool, rhoScale, muSign float64) func(discrete.Problem, []float64, *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
	return func(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
		if s.Batch != 0 || p.Objective.Noise != 0 {
			return discrete.Run(p, w0, s)
		}
		w := append([]float64(nil), w0...)
		d := len(w)
		tr := flow.NewTrajectory("gd", d, s.Steps+1)
		tr.Append(0, w)
		res := &discrete.Result{Status: discrete.Success, DivergedAt: -1}
		prevRho := oracleRho(w, p.Data)
		g := make([]float64, d)
		for k := 1; k <= s.Steps; k++ {
			rho := oracleRho(w, p.Data) * rhoScale
			if stale {
				rho, prevRho = prevRho, rho
			}
			for i := range g {
				g[i] = oracleExcept(w, i, i)
			}
			for i := range w {
				w[i] -= s.LR * (rho*g[i] + muSign*p.Objective.WeightDecay*w[i])
			}
			if !finite(w) || math.Abs(w[0]) > 1e8 {
				res.Status, res.DivergedAt = discrete.Diverged, k
				break
			}
			res.Steps = k
			tr.Append(float64(k)*s.LR, w)
		}
		tr.Status = res.Status.String()
		return tr, res, nil
	}
}

// jitterRun scales every other recorded iterate by 0.8: a method whose loss goes up and down.
func jitterRun(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
	tr, res, err := discrete.Run(p, w0, s)
	if err != nil {
		return tr, res, err
	}
	for k := 1; k < tr.Len(); k += 2 {
		for i := range tr.At(k) {
			tr.At(k)[i] *= 0.8
		}
	}
	return tr, res, nil
}

func hessianOf(w []float64) *mat.SymDense { return oracleHessian(w, 0, 0) }

// wrongEvent is the phase event with the criterion |v_t|² − k·|v_n|².
func wrongEvent(k float64) func(ode.Func, int, float64, float64) ode.Event {
	return func(f ode.Func, d int, _, _ float64) ode.Event {
		v := make([]float64, d)
		return ode.Event{Func: func(t float64, w []float64) float64 {
			f(v, t, w)
			vn, vt := oracleSpeeds(w, v)
			vv := vn*vn + vt*vt
			if vv < 1e-20 {
				return 0
			}
			return (vt*vt - k*vn*vn) / vv
		}}
	}
}

// wrongPhases is Phases with the criterion |Δw_t| ≥ k·|Δw_n|.
func wrongPhases(k float64) func(*flow.Trajectory, float64, int) Phase {
	return func(tr *flow.Trajectory, c float64, window int) Phase {
		dw := make([]float64, tr.Depth)
		start := -1
		for j := 0; j+window < tr.Len(); j++ {
			a, b := tr.At(j), tr.At(j+window)
			for i := range dw {
				dw[i] = b[i] - a[i]
			}
			vn, vt := oracleSpeeds(a, dw)
			if vn == 0 && vt == 0 {
				continue
			}
			if vt >= k*vn {
				if start < 0 {
					start = j
				}
			} else {
				start = -1
			}
		}
		if start < 0 {
			return Phase{RegRate: math.NaN()}
		}
		return phaseAt(tr, c, start, tr.T[start], tr.At(start))
	}
}

// scaledError reports the error estimate of its method times f: a wrong step control.
type scaledError struct {
	ode.Method
	f float64
}

func (m scaledError) Step(y1 []float64, t, h float64, y, f0 []float64, sc *ode.Scale) (float64, int) {
	err, ev := m.Method.Step(y1, t, h, y, f0, sc)
	return err * m.f, ev
}

// skewedDense writes its method's dense output times 1 + 10⁻⁴.
type skewedDense struct{ ode.Method }

func (m skewedDense) Interpolate(dst []float64, t float64) {
	m.Method.Interpolate(dst, t)
	for i := range dst {
		dst[i] *= 1 + 1e-4
	}
}

type control struct {
	name   string
	claims []int
	lab    Lab
}

func controls() []control {
	eig := func(pick func(ev []float64) float64) func([]float64) float64 {
		return func(w []float64) float64 {
			var es mat.EigenSym
			es.Factorize(hessianOf(w), false)
			return pick(es.Values(nil))
		}
	}
	S0 := 4.25 // the sharpness at claim 10's start (2, 0.5)
	return []control{
		{"gradient of w_1 ×1.01", []int{1, 3, 4, 5, 9}, Lab{Flow: func(obj flow.Objective) ode.Func {
			f := obj.Flow()
			return func(dw []float64, t float64, w []float64) { f(dw, t, w); dw[0] *= 1.01 }
		}}},
		{"weight decay 10⁻³ in every flow", []int{1}, Lab{Flow: flowWith(func(o flow.Objective) flow.Objective { o.WeightDecay += 1e-3; return o })}},
		{"DOP853 for DOPRI5, DOPRI5 for DOP853 and Gauss–Legendre", []int{1}, Lab{Method: func(name string) (ode.Method, error) {
			if name == "dopri5" {
				return &ode.DOP853{}, nil
			}
			return &ode.DOPRI5{}, nil
		}}},
		{"error estimate ×0.5", []int{1}, Lab{Method: func(name string) (ode.Method, error) {
			m, err := ode.NewMethod(name)
			return scaledError{m, 0.5}, err
		}}},
		{"dense output ×(1 + 10⁻⁴)", []int{1}, Lab{Method: func(name string) (ode.Method, error) {
			m, err := ode.NewMethod(name)
			return skewedDense{m}, err
		}}},
		{"Hessian with twice the weight decay", []int{2}, Lab{Hessian: func(obj flow.Objective, dst *mat.SymDense, w []float64) {
			obj.WeightDecay *= 2
			obj.Hessian(dst, w)
		}}},
		{"‖D‖ from the end layers only", []int{2}, Lab{Imbalance: func(dst, w []float64) float64 {
			flow.Imbalance(dst, w)
			return math.Abs(w[0]*w[0] - w[len(w)-1]*w[len(w)-1])
		}}},
		{"iterate k at (k+1)·λ", []int{9}, Lab{Run: func(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
			tr, res, err := discrete.Run(p, w0, s)
			if err == nil {
				for k := range tr.T {
					tr.T[k] += s.LR
				}
			}
			return tr, res, err
		}}},
		{"modified flow without weight decay", []int{9}, Lab{Modified: func(obj flow.Objective, lr float64) ode.Func {
			obj.WeightDecay = 0
			return obj.ModifiedFlow(lr)
		}}},
		{"weight decay ×1.001", []int{3}, Lab{Flow: flowWith(func(o flow.Objective) flow.Objective { o.WeightDecay *= 1.001; return o })}},
		{"input noise σ² ×1.01", []int{5}, Lab{Flow: flowWith(func(o flow.Objective) flow.Objective { o.Noise *= math.Sqrt(1.01); return o })}},
		{"weight decay leaks into the expected-loss flow", []int{5}, Lab{Flow: flowWith(func(o flow.Objective) flow.Objective {
			if o.Noise != 0 {
				o.WeightDecay = 1e-3
			}
			return o
		})}},
		{"a normal oscillation added to the flow", []int{4}, Lab{Flow: func(obj flow.Objective) ode.Func {
			f := obj.Flow()
			return func(dw []float64, t float64, w []float64) {
				f(dw, t, w)
				for i := range dw {
					dw[i] += 2 * math.Sin(30*t) * oracleExcept(w, i, i)
				}
			}
		}}},
		{"weight decay ×5", []int{4}, Lab{
			Flow: flowWith(func(o flow.Objective) flow.Objective { o.WeightDecay *= 5; return o }),
			Run:  runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.WeightDecay *= 5 })}},
		{"weight decay ÷5", []int{4}, Lab{Flow: flowWith(func(o flow.Objective) flow.Objective { o.WeightDecay /= 5; return o })}},
		{"every other iterate ×0.8", []int{4}, Lab{Run: jitterRun}},
		{"phase criterion ×4", []int{4}, Lab{PhaseEvent: wrongEvent(4), Phases: wrongPhases(4)}},
		{"phase criterion ×10", []int{4}, Lab{PhaseEvent: wrongEvent(10), Phases: wrongPhases(10)}},
		{"phase criterion ×1/4", []int{4}, Lab{PhaseEvent: wrongEvent(0.25), Phases: wrongPhases(0.25)}},
		{"phase criterion ×1/10", []int{4}, Lab{PhaseEvent: wrongEvent(0.1), Phases: wrongPhases(0.1)}},
		{"phase criterion ×0 (phase 2 from the start)", []int{4}, Lab{PhaseEvent: wrongEvent(0), Phases: wrongPhases(0)}},
		{"trace for λ_max", []int{2}, Lab{Sharpness: eig(func(ev []float64) float64 {
			var s float64
			for _, v := range ev {
				s += v
			}
			return s
		})}},
		{"λ_max + 10⁻³", []int{2}, Lab{Sharpness: func(w []float64) float64 { return flow.Sharpness(w) + 1e-3 }}},
		{"λ_min for λ_max", []int{2}, Lab{Sharpness: eig(func(ev []float64) float64 { return ev[0] })}},
		{"stale ρ in GD", []int{6}, Lab{Run: wrongGD(true, 1, 1)}},
		{"ρ ×1.01 in GD", []int{6}, Lab{Run: wrongGD(false, 1.01, 1)}},
		{"weight decay with the wrong sign in GD", []int{6}, Lab{Run: wrongGD(false, 1, -1)}},
		{"extra weight decay 0.01 in GD", []int{5, 6}, Lab{Run: runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.WeightDecay += 0.01 })}},
		{"half the learning rate", []int{8, 9}, Lab{Run: runWith(func(_ *discrete.Problem, s *discrete.Settings) { s.LR /= 2 })}},
		{"learning rate ×1.25", []int{8}, Lab{Run: runWith(func(_ *discrete.Problem, s *discrete.Settings) { s.LR *= 1.25 })}},
		{"noise σ/√2 in the steps", []int{5, 7}, Lab{
			Stepper: stepperWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.Noise /= math.Sqrt2 }),
			Run:     runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.Noise /= math.Sqrt2 })}},
		{"learning rate ×3", []int{4}, Lab{Run: runWith(func(_ *discrete.Problem, s *discrete.Settings) { s.LR *= 3 })}},
		{"batch 1 for SGD", []int{4}, Lab{Run: runWith(func(_ *discrete.Problem, s *discrete.Settings) {
			if s.Batch > 0 {
				s.Batch = 1
			}
		})}},
		{"learning rate ×4", []int{4}, Lab{Run: runWith(func(_ *discrete.Problem, s *discrete.Settings) { s.LR *= 4 })}},
		{"noise σ ×3 in the steps", []int{4}, Lab{Run: runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.Noise *= 3 })}},
		{"noise σ ×2 in the steps", []int{4, 5}, Lab{Run: runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.Noise *= 2 })}},
		{"no noise in the steps", []int{5}, Lab{Run: runWith(func(p *discrete.Problem, _ *discrete.Settings) { p.Objective.Noise = 0 })}},
		{"batch sum for mean", []int{5, 7}, Lab{Stepper: func(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error) {
			st, err := discrete.NewStepper(p, w0, s)
			if err != nil {
				return nil, err
			}
			return &scaledStepper{Stepper: st, factor: float64(max(s.Batch, 2))}, nil
		}}},
		{"batch sum over √B", []int{7}, Lab{Stepper: func(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error) {
			st, err := discrete.NewStepper(p, w0, s)
			if err != nil {
				return nil, err
			}
			return &scaledStepper{Stepper: st, factor: math.Sqrt(float64(max(s.Batch, 1)))}, nil
		}}},
		{"SGD computed as full-batch noisy GD", []int{7}, Lab{Stepper: func(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error) {
			set := *s
			if set.Batch != 0 {
				sigma, wn, err := matchedNoise(p.Data, w0, set.Batch)
				if err != nil || p.Data.C() < 1e-12 {
					// On data fitted exactly: the noise level matched to batch 8 on claim 7's data.
					sigma, wn = 1.2642, atLevel(w0, 1/(1+1.2642*1.2642))
				}
				set.Batch, p.Objective.Noise, w0 = 0, sigma, wn
			}
			return discrete.NewStepper(p, w0, &set)
		}}},
		{"labels left unnormalized", []int{7}, Lab{Generate: func(n int, slope, noise float64, seed uint64) (*flow.Dataset, error) {
			d, err := flow.Generate(n, slope, noise, seed)
			if err == nil {
				for k := range d.Y {
					d.Y[k] *= 1.01
				}
			}
			return d, err
		}}},
		{"SME noise variance ×1.1", []int{10}, Lab{SME: func(s flow.SME, w0 []float64, t1, dt float64, seed uint64, every int, rec func(float64, []float64)) error {
			s.LR *= 1.1
			return s.EulerMaruyama(w0, t1, dt, seed, every, rec)
		}}},
		{"SME noise along w instead of ∇W", []int{10}, Lab{SME: func(s flow.SME, w0 []float64, t1, dt float64, seed uint64, every int, rec func(float64, []float64)) error {
			// Euler–Maruyama of the SME with its noise along w: a wrong model of SGD's noise.
			rng := rand.New(rand.NewPCG(seed, seed))
			w := append([]float64(nil), w0...)
			N, B := float64(s.Data.Len()), float64(s.Batch)
			rec(0, w)
			steps := int(math.Round(t1 / dt))
			for k := 1; k <= steps; k++ {
				W := oracleProduct(w)
				var m, m2 float64
				for i, x := range s.Data.X {
					q := W*x*x - s.Data.Y[i]*x
					m, m2 = m+q, m2+q*q
				}
				m /= N
				v := math.Max(m2/N-m*m, 0) * (N - B) / (B * (N - 1))
				dB := math.Sqrt(dt) * rng.NormFloat64()
				g := partialsOracle(w)
				for i := range w {
					w[i] += -m*g[i]*dt + math.Sqrt(s.LR*v)*w[i]*dB
				}
				if k%every == 0 || k == steps {
					rec(float64(k)*dt, w)
				}
			}
			return nil
		}}},
		{"SME with SGD's fluctuation term added", []int{10}, Lab{SME: func(s flow.SME, w0 []float64, t1, dt float64, seed uint64, every int, rec func(float64, []float64)) error {
			s.LR *= 1 + s.LR*S0/2
			return s.EulerMaruyama(w0, t1, dt, seed, every, rec)
		}}},
		{"modified flow with λ/2 for λ/4", []int{9}, Lab{Modified: func(obj flow.Objective, lr float64) ode.Func { return obj.ModifiedFlow(2 * lr) }}},
	}
}

// Every check passes on the project's own science and fails under a negative control.
func TestNegativeControls(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every claim under 28 wrong models")
	}
	set := ClaimSettings{Quick: true, Seed: 1}
	ids := map[string]int{} // check id → claim
	for n := 1; n <= NumClaims(); n++ {
		cs, err := RunClaims([]int{n}, set)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range cs[0].Checks {
			ids[ch.ID] = n
			if ch.Verdict != Pass {
				t.Errorf("%s: %v on correct code (m %.6g, p %.6g, tol %.3g) %s", ch.ID, ch.Verdict, ch.Measured, ch.Predicted, ch.Tolerance, ch.Reason)
			}
		}
	}
	killedBy := map[string][]string{}
	for _, c := range controls() {
		lab := c.lab
		for _, n := range c.claims {
			cs, err := RunClaims([]int{n}, ClaimSettings{Quick: true, Seed: 1, Lab: &lab})
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, ch := range cs[0].Checks {
				if ch.Verdict == Fail {
					killedBy[ch.ID] = append(killedBy[ch.ID], c.name)
					failed = append(failed, ch.ID)
				}
			}
			if len(failed) == 0 {
				t.Errorf("control %q: no check of claim %d fails", c.name, n)
			}
			t.Logf("%-45s claim %2d fails %s", c.name, n, strings.Join(failed, " "))
		}
	}
	// Claim 11 (matrix layers) under the wrong models of matrix layers.
	for _, c := range netControls() {
		lab := c.lab
		cs, err := RunClaims([]int{11}, ClaimSettings{Quick: true, Seed: 1, NetLab: &lab})
		if err != nil {
			t.Fatal(err)
		}
		var failed []string
		for _, ch := range cs[0].Checks {
			if ch.Verdict == Fail {
				killedBy[ch.ID] = append(killedBy[ch.ID], c.name)
				failed = append(failed, ch.ID)
			}
		}
		if len(failed) == 0 {
			t.Errorf("control %q: no check of claim 11 fails", c.name)
		}
		t.Logf("%-45s claim 11 fails %s", c.name, strings.Join(failed, " "))
	}
	var missing []string
	for id := range ids {
		if len(killedBy[id]) == 0 {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d checks fail under no negative control: %s", len(missing), strings.Join(missing, " "))
	}
}

// The laws of `layerflow check` under the same negative controls: each passes on the
// project's own science and fails under at least one wrong model.
func TestLawControls(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the laws under 30 wrong models")
	}
	base := LawSettings{Steps: 1000, Seeds: 10}
	ids := map[string]bool{}
	for _, c := range Laws(base) {
		ids[c.ID] = true
		if c.Verdict != Pass {
			t.Errorf("%s: %v on correct code", c.ID, c.Verdict)
		}
	}
	killed := map[string]string{}
	for _, c := range controls() {
		s := base
		lab := c.lab
		s.Lab = &lab
		for _, ch := range Laws(s) {
			if ch.Verdict == Fail && killed[ch.ID] == "" {
				killed[ch.ID] = c.name
			}
		}
	}
	for id := range ids {
		if killed[id] == "" {
			t.Errorf("law %s fails under no negative control", id)
		} else {
			t.Logf("%-18s fails under %q", id, killed[id])
		}
	}
}
