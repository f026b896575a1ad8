package ode_test

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

// interpLog is a DOPRI5 that records every dense output it gives. With eager set its dense
// output is built in Accept, before anything else has run since the step: it hands Accept the
// step's f0 as f1 (then restored), which makes Accept build it before it overwrites f0.
// Otherwise it is built where the driver first asks for it.
type interpLog struct {
	*ode.DOPRI5
	eager  bool
	f0     []float64
	scr    []float64
	calls  int
	got    []uint64 // the bits of t and of the state, per Interpolate of the driver
	builds int      // Accepts with dense output
}

func (m *interpLog) Step(y1 []float64, t, h float64, y, f0 []float64, sc *ode.Scale) (float64, int) {
	m.f0 = f0
	return m.DOPRI5.Step(y1, t, h, y, f0, sc)
}

func (m *interpLog) Accept(f1 []float64, dense bool) int {
	if !dense || !m.eager {
		if dense {
			m.builds++
		}
		return m.DOPRI5.Accept(f1, dense)
	}
	m.builds++
	m.scr = append(m.scr[:0], m.f0...)
	ev := m.DOPRI5.Accept(m.f0, true)
	copy(f1, m.f0)
	copy(m.f0, m.scr)
	return ev
}

func (m *interpLog) Interpolate(dst []float64, t float64) {
	m.DOPRI5.Interpolate(dst, t)
	m.calls++
	m.got = append(m.got, math.Float64bits(t))
	for _, v := range dst {
		m.got = append(m.got, math.Float64bits(v))
	}
}

// DOPRI5 builds its dense output when Interpolate first needs it, not at every Accept. Its
// numbers are those of the dense output built at Accept, to the bit: every interpolated state,
// every accepted state (seen by the observer), the outputs, the events and the counts, on a
// run with output times inside steps, on the oscillator's screened events, and on a step that
// holds two crossings.
func TestDOPRI5LazyDenseEqualsEager(t *testing.T) {
	tw := testprob.TwoWeight(2, 0.25, 20)
	harm := testprob.Harmonic(20)
	unit := ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = 1 }, T1: 1, Y0: []float64{0}}
	two := func(_ float64, y []float64) float64 { return (y[0] - 0.4) * (y[0] - 0.6) }
	cosEv := ode.Event{Func: func(_ float64, y []float64) float64 { return y[0] }, FuncDy: func(_ float64, y, _ []float64) float64 { return y[0] }, Margin: 0.05}
	for _, tc := range []struct {
		name string
		p    ode.Problem
		set  ode.Settings
		// interp is the least number of dense outputs the run must ask for.
		interp int
	}{
		{"outputs", tw.Problem, ode.Settings{Rtol: 1e-8, Output: []float64{0.01, 0.5, 1.2345, 3, 7.5, 19.99, 20}}, 5},
		{"outputs and event", tw.Problem, ode.Settings{Rtol: 1e-6, Output: []float64{1, 2, 5, 10}, Events: []ode.Event{{Func: func(_ float64, y []float64) float64 { return y[1] - 0.4 }}}}, 4},
		{"screened crossings", harm.Problem, ode.Settings{Rtol: 1e-9, Atol: 1e-12, Events: []ode.Event{cosEv}}, 6},
		{"terminal crossing", harm.Problem, ode.Settings{Rtol: 1e-7, Output: []float64{0.3, 1, 2.5, 4}, Events: []ode.Event{{Func: cosEv.Func, Direction: +1, Terminal: true}}}, 4},
		{"two crossings in a step", unit, ode.Settings{InitialStep: 1, Events: []ode.Event{{Func: two}}}, 2},
		{"two crossings, output", unit, ode.Settings{InitialStep: 1, Output: []float64{0.25, 0.5}, Events: []ode.Event{{Func: two, FuncDy: func(t float64, y, _ []float64) float64 { return two(t, y) }}}}, 4},
	} {
		var states [2][]uint64
		var res [2]*ode.Result
		var logs [2]*interpLog
		for k, eager := range []bool{true, false} {
			m := &interpLog{DOPRI5: &ode.DOPRI5{}, eager: eager}
			set := tc.set
			set.Observer = func(t float64, y []float64) bool {
				states[k] = append(states[k], math.Float64bits(t))
				for _, v := range y {
					states[k] = append(states[k], math.Float64bits(v))
				}
				return false
			}
			r, err := ode.Integrate(tc.p, &set, m)
			if err != nil {
				t.Fatal(err)
			}
			res[k], logs[k] = r, m
		}
		e, l := logs[0], logs[1]
		if l.calls < tc.interp || l.calls != e.calls || l.builds != e.builds {
			t.Fatalf("%s: %d dense outputs lazily, %d eagerly (%d asked at least), %d and %d steps with dense output", tc.name, l.calls, e.calls, tc.interp, l.builds, e.builds)
		}
		for i := range e.got {
			if e.got[i] != l.got[i] {
				t.Fatalf("%s: dense output %d differs: %x eagerly, %x lazily", tc.name, i, e.got[i], l.got[i])
			}
		}
		if len(states[0]) != len(states[1]) {
			t.Fatalf("%s: %d and %d accepted states", tc.name, len(states[0])/(len(tc.p.Y0)+1), len(states[1])/(len(tc.p.Y0)+1))
		}
		for i := range states[0] {
			if states[0][i] != states[1][i] {
				t.Fatalf("%s: accepted state %d differs", tc.name, i/(len(tc.p.Y0)+1))
			}
		}
		re, rl := res[0], res[1]
		if re.Stats != rl.Stats || re.Status != rl.Status || re.T != rl.T || len(re.OutputT) != len(rl.OutputT) || len(re.Events) != len(rl.Events) {
			t.Fatalf("%s: eager %+v %v t=%v %d outputs %d events; lazy %+v %v t=%v %d %d", tc.name, re.Stats, re.Status, re.T, len(re.OutputT), len(re.Events),
				rl.Stats, rl.Status, rl.T, len(rl.OutputT), len(rl.Events))
		}
		same := func(a, b []float64) bool {
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					return false
				}
			}
			return len(a) == len(b)
		}
		if !same(re.Y, rl.Y) || !same(re.OutputT, rl.OutputT) {
			t.Errorf("%s: end state or output times differ", tc.name)
		}
		for i := range re.OutputY {
			if !same(re.OutputY[i], rl.OutputY[i]) {
				t.Errorf("%s: output %d differs: %v eagerly, %v lazily", tc.name, i, re.OutputY[i], rl.OutputY[i])
			}
		}
		for i := range re.Events {
			a, b := re.Events[i], rl.Events[i]
			if a.T != b.T || a.Event != b.Event || a.Direction != b.Direction || !same(a.Y, b.Y) {
				t.Errorf("%s: event %d differs: %+v eagerly, %+v lazily", tc.name, i, a, b)
			}
		}
	}
}

// Accept may be passed f0 as f1, which it overwrites with k7: the dense output is then built
// before, and equals the one of an Accept into another buffer, to the bit. Both interpolate the
// step's ends exactly at θ = 0 and 1 (Shampine's interpolant: rcont1 + θ·(rcont2 + (1−θ)·…)).
func TestDOPRI5DenseWhenF1IsF0(t *testing.T) {
	c := testprob.TwoWeight(2, 0.25, 1)
	const h = 0.1
	y := []float64{2, 0.25}
	dense := func(alias bool) (y1, f1 []float64, at [3][]float64) {
		m := &ode.DOPRI5{}
		m.Init(c.Problem.Func, 2)
		f0 := make([]float64, 2)
		c.Problem.Func(f0, 0, y)
		y1, f1 = make([]float64, 2), make([]float64, 2)
		if _, ev := m.Step(y1, 0, h, y, f0, nil); ev != 6 {
			t.Fatalf("%d evaluations in a step", ev)
		}
		if alias {
			f1 = f0
		}
		if ev := m.Accept(f1, true); ev != 0 {
			t.Fatalf("%d evaluations in Accept", ev)
		}
		for k, tt := range []float64{0, 0.37 * h, h} {
			at[k] = make([]float64, 2)
			m.Interpolate(at[k], tt)
		}
		return y1, f1, at
	}
	y1, f1, want := dense(false)
	_, f0, got := dense(true)
	for k := range want {
		for i := range want[k] {
			if math.Float64bits(got[k][i]) != math.Float64bits(want[k][i]) || f0[i] != f1[i] {
				t.Fatalf("point %d: %v with f1 = f0, %v with its own f1 (f1 %v, %v)", k, got[k], want[k], f0, f1)
			}
		}
	}
	for i := range y {
		if want[0][i] != y[i] || math.Abs(want[2][i]-y1[i]) > 1e-15*math.Abs(y1[i]) {
			t.Errorf("dense output at the ends %v, %v; the step %v → %v", want[0], want[2], y, y1)
		}
	}
}

// A caller of the Method interface gets the dense output of the step it accepted whatever it
// does with its buffers afterwards, and after a further trial Step: on y' = (−y₀, −2y₁), the
// interpolant at the middle of the accepted step, after the caller moved y1 into y and f1 into
// f0 and again after a rejected trial, is to the bit the one a twin method gives right after
// Accept, and the exact solution to the interpolant's accuracy (λh = 0.2: errors near 1e-7;
// built from the moved buffers it is off by 0.05).
func TestDOPRI5AcceptDirectCaller(t *testing.T) {
	f := func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = -y[0], -2*y[1] }
	const h = 0.1
	step := func() (m *ode.DOPRI5, y, f0, y1, f1 []float64) {
		m = &ode.DOPRI5{}
		m.Init(f, 2)
		y, f0, y1, f1 = []float64{1, 1}, make([]float64, 2), make([]float64, 2), make([]float64, 2)
		f(f0, 0, y)
		m.Step(y1, 0, h, y, f0, nil)
		m.Accept(f1, true)
		return m, y, f0, y1, f1
	}
	twin, _, _, _, _ := step()
	first := make([]float64, 2)
	twin.Interpolate(first, h/2)
	exact := []float64{math.Exp(-h / 2), math.Exp(-h)}
	for i := range first {
		if math.Abs(first[i]-exact[i]) > 1e-6 {
			t.Fatalf("dense output at h/2 %v, exact %v", first, exact)
		}
	}
	m, y, f0, y1, f1 := step()
	check := func(when string) {
		got := make([]float64, 2)
		m.Interpolate(got, h/2)
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(first[i]) {
				t.Errorf("%s: dense output at h/2 %v, right after Accept %v", when, got, first)
			}
		}
	}
	copy(y, y1)
	copy(f0, f1)
	check("after the caller advanced its buffers")
	m.Step(y1, h, 5, y, f0, nil) // a trial the caller rejects
	check("after a rejected trial step")
}
