package analysis

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// The screen of PhaseEvent's FuncDy changes no result: flows of depths 2 and 3, with and
// without weight decay, noise, from a grid of starts (many of them crossing the phase
// boundary), give the same crossings, end states and evaluation counts as the same event
// without FuncDy (sampled inside every step), to the bit; and FuncDy with the exact velocity
// is Func. The test also counts the steps the screen passed: it must spare most of them.
func TestPhaseEventScreen(t *testing.T) {
	type count struct{ steps, passed int }
	var total count
	for _, m := range []string{"dopri5", "dop853"} {
		for _, obj := range []flow.Objective{{Depth: 2, WeightDecay: 0.1}, {Depth: 2}, {Depth: 2, Noise: 0.3, WeightDecay: 0.02}, {Depth: 3, WeightDecay: 0.05}} {
			for _, rtol := range []float64{1e-6, 1e-9} {
				for a := -2.0; a <= 2.5; a += 0.5 {
					for b := 0.25; b <= 2.5; b += 0.75 {
						w0 := []float64{a, b, 0.5}[:obj.Depth]
						f := obj.Flow()
						solve := func(screen bool) (*ode.Result, int) {
							ev := PhaseEvent(f, obj.Depth, rtol, rtol/100)
							calls := 0
							g := ev.Func
							ev.Func = func(t float64, y []float64) float64 { calls++; return g(t, y) }
							if !screen {
								ev.FuncDy = nil
							}
							meth, _ := ode.NewMethod(m)
							r, err := ode.Integrate(ode.Problem{Func: f, T1: 30, Y0: w0}, &ode.Settings{Rtol: rtol, Atol: rtol / 100, Events: []ode.Event{ev}, EventSamples: 2}, meth)
							if err != nil {
								t.Fatal(err)
							}
							return r, calls
						}
						r0, calls0 := solve(false)
						r1, calls1 := solve(true)
						same := r0.Status == r1.Status && r0.T == r1.T && r0.Stats == r1.Stats && len(r0.Events) == len(r1.Events)
						for i := range r0.Y {
							same = same && r0.Y[i] == r1.Y[i]
						}
						for k := 0; same && k < len(r0.Events); k++ {
							e0, e1 := r0.Events[k], r1.Events[k]
							same = e0.T == e1.T && e0.Direction == e1.Direction && e0.Y[0] == e1.Y[0] && e0.Y[1] == e1.Y[1]
						}
						if !same {
							t.Errorf("%s %+v rtol %g from %v: screened %v %+v, %d events; sampled %v %+v, %d events",
								m, obj, rtol, w0, r1.Status, r1.Stats, len(r1.Events), r0.Status, r0.Stats, len(r0.Events))
						}
						// Func is called 2 times inside every step sampled, and at roots.
						total.steps += r0.Stats.Accepted
						total.passed += r0.Stats.Accepted - (calls1-len(r1.Events))/2
						_ = calls0
					}
				}
			}
		}
	}
	ev := PhaseEvent(flow.Objective{Depth: 2, WeightDecay: 0.1}.Flow(), 2, 1e-8, 1e-10)
	v := make([]float64, 2)
	for _, w := range [][]float64{{2, 0.25}, {0.3, -1.2}, {1, 1}, {0, 0}} {
		flow.Objective{Depth: 2, WeightDecay: 0.1}.Flow()(v, 0, w)
		if a, b := ev.Func(0, w), ev.FuncDy(0, w, v); a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Errorf("at %v: Func %v, FuncDy %v", w, a, b)
		}
	}
	t.Logf("the screen passed %d of %d steps", total.passed, total.steps)
	if total.passed < total.steps/2 {
		t.Errorf("the screen passed %d of %d steps", total.passed, total.steps)
	}
}

// PhaseEvents, reused from flow to flow (depths 2 and 3 in turn, so that its scratch changes
// length), gives the events of PhaseEvent: the same crossings, end states and counts, to the
// bit; and FlowPhaseT gives the boundary time of FlowPhase, and none where FlowPhase finds none,
// on every flow (with and without weight decay and noise, boundaries found and not).
func TestPhaseEventsAndFlowPhaseT(t *testing.T) {
	var pe PhaseEvents
	found, none := 0, 0
	for _, m := range []string{"dopri5", "dop853"} {
		for _, obj := range []flow.Objective{{Depth: 2, WeightDecay: 0.1}, {Depth: 3, WeightDecay: 0.05}, {Depth: 2}, {Depth: 3, Noise: 0.3, WeightDecay: 0.02}, {Depth: 2, Noise: 0.5}} {
			for _, rtol := range []float64{1e-6, 1e-9} {
				for a := -2.0; a <= 2.5; a += 0.75 {
					for b := 0.25; b <= 2.5; b += 0.75 {
						w0 := []float64{a, b, 0.5}[:obj.Depth]
						f := obj.Flow()
						meth, _ := ode.NewMethod(m)
						set := &ode.Settings{Rtol: rtol, Atol: rtol / 100, EventSamples: 2}
						ev := PhaseEvent(f, obj.Depth, rtol, rtol/100)
						set.Events = []ode.Event{ev}
						tr, r0, err := flow.Solve(f, "flow", w0, 30, set, meth)
						if err != nil {
							t.Fatal(err)
						}
						set.Events = []ode.Event{pe.Event(f, obj.Depth, rtol, rtol/100)}
						r1, err := ode.Integrate(ode.Problem{Func: f, T1: 30, Y0: w0}, set, meth)
						if err != nil {
							t.Fatal(err)
						}
						same := r0.Status == r1.Status && r0.T == r1.T && r0.Stats == r1.Stats && len(r0.Events) == len(r1.Events)
						for i := range r0.Y {
							same = same && r0.Y[i] == r1.Y[i]
						}
						for k := 0; same && k < len(r0.Events); k++ {
							e0, e1 := r0.Events[k], r1.Events[k]
							same = e0.T == e1.T && e0.Direction == e1.Direction
							for i := range e0.Y {
								same = same && e0.Y[i] == e1.Y[i]
							}
						}
						if !same {
							t.Errorf("%s %+v rtol %g from %v: PhaseEvents %v %+v, %d events; PhaseEvent %v %+v, %d events",
								m, obj, rtol, w0, r1.Status, r1.Stats, len(r1.Events), r0.Status, r0.Stats, len(r0.Events))
						}
						ph := FlowPhase(tr, r0, 0, ev, 0)
						pt, ok := FlowPhaseT(r0, 0, ev, tr.T[0], tr.At(0))
						if ok != ph.Found || ok && pt != ph.T {
							t.Errorf("%s %+v rtol %g from %v: FlowPhaseT %v %v, FlowPhase %v %v", m, obj, rtol, w0, pt, ok, ph.T, ph.Found)
						}
						if ok {
							found++
						} else {
							none++
						}
					}
				}
			}
		}
	}
	if found < 20 || none < 20 {
		t.Errorf("%d flows with a phase boundary, %d without: the test needs both", found, none)
	}
}
