package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/fused"
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

// valueRef is PhaseEvent's value as first written: the floor tol with its square root on
// every call.
func valueRef(p *phaseEvent, w, v []float64) float64 {
	a, _ := valueRefBand(p, w, v, 0)
	return a
}

// valueRefBand is valueRef with the floor's atol + rtol·√ww lowered (lo) and raised (hi) by
// band·(|atol| + |rtol·√ww|); with band 0 both are valueRef's value, computed as first written.
func valueRefBand(p *phaseEvent, w, v []float64, band float64) (lo, hi float64) {
	var gg, vg, vv, ww, W float64
	if len(w) == 2 && len(v) == 2 {
		w0, w1, v0, v1 := w[0], w[1], v[0], v[1]
		gg = 0 + w1*w1 + w0*w0
		vg = 0 + v0*w1 + v1*w0
		vv = 0 + v0*v0 + v1*v1
		ww = 0 + w0*w0 + w1*w1
		W = w0 * w1
	} else {
		g := p.g[:len(w)]
		flow.Partials(g, w)
		v = v[:len(w)]
		for i := range v {
			gg += g[i] * g[i]
			vg += v[i] * g[i]
			vv += v[i] * v[i]
			ww += w[i] * w[i]
		}
		W = flow.Product(w)
	}
	u := 64 * unitRoundoff
	value := func(tol float64) float64 {
		switch {
		case gg == 0 || !(vv > u*u*(gg*(1+W*W)+ww)) || !(vv > tol*tol):
			return 0
		default:
			vn2 := vg * vg / gg
			vt2 := vv - vn2
			return (vt2 - vn2) / vv
		}
	}
	if band == 0 {
		return value(100 * (1 + gg) * (p.atol + p.rtol*math.Sqrt(ww))), value(100 * (1 + gg) * (p.atol + p.rtol*math.Sqrt(ww)))
	}
	f, d := p.atol+p.rtol*math.Sqrt(ww), band*(math.Abs(p.atol)+math.Abs(p.rtol*math.Sqrt(ww)))
	return value(100 * (1 + gg) * (f - d)), value(100 * (1 + gg) * (f + d))
}

// PhaseEvent's value compares the velocity with its floor through bounds without a square
// root first: its values are those of the floor computed with the root, to the bit, on
// velocities on either side of the floor and just at it (a few ulps either way), on states
// small, near 1 and large (|w|² on either side of 1), of depths 2 and 3, with tolerances from 0
// to large, and negative ones (which no integration accepts, but the value is defined).
func TestPhaseValueFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	zeros, other, inBand := 0, 0, 0
	fusedBuild := fused.MulAdd()
	for _, tol := range [][2]float64{{1e-8, 1e-10}, {1e-6, 1e-9}, {0, 1e-10}, {1e-8, 0}, {0, 0}, {0.3, 0.1}, {-1e-8, 1e-6}, {1e-8, -1e-10}} {
		p := &phaseEvent{v: make([]float64, 3), g: make([]float64, 3), rtol: tol[0], atol: tol[1]}
		for k := 0; k < 20000; k++ {
			d := 2 + k%2
			w, v := make([]float64, d), make([]float64, d)
			scale := math.Pow(10, float64(rng.IntN(13)-6))
			for i := range w {
				w[i] = scale * (rng.Float64()*2 - 1)
				v[i] = rng.Float64()*2 - 1
			}
			if k%7 == 0 {
				w[1] = w[0] // |w| near the AM–GM equality
			}
			// Put |v| at the floor tol, times 1 + a few ulps, or far off it.
			var gg, ww float64
			g := make([]float64, d)
			flow.Partials(g, w)
			for i := range w {
				gg += g[i] * g[i]
				ww += w[i] * w[i]
			}
			fl := 100 * (1 + gg) * (p.atol + p.rtol*math.Sqrt(ww))
			var vv float64
			for i := range v {
				vv += v[i] * v[i]
			}
			target := fl * (1 + float64(rng.IntN(9)-4)*1.1e-16)
			if k%3 == 0 {
				target = fl * math.Pow(10, float64(rng.IntN(9)-4))
			}
			for i := range v {
				v[i] *= target / math.Sqrt(vv)
			}
			a, b := p.value(w, v), valueRef(p, w, v)
			if fusedBuild {
				// Where multiply-adds are fused, value's atol + rtol·√ww may be rounded once
				// (an FMA) where valueRef's rounds the product first, or the other way: the
				// floors then differ by at most one rounding of rtol·√ww, u·|rtol·√ww|. A
				// velocity within 2⁻⁵⁰·(|atol| + |rtol·√ww|) of the floor (4u, room for the
				// band's own roundings) may fall on either side; the value must be valueRef's
				// on one of them, and outside the band the one value.
				lo, hi := valueRefBand(p, w, v, 0x1p-50)
				if lo != hi {
					inBand++
				}
				if math.Float64bits(a) == math.Float64bits(lo) || math.Float64bits(a) == math.Float64bits(hi) {
					b = a
				} else {
					b = lo
				}
			}
			if math.Float64bits(a) != math.Float64bits(b) {
				t.Fatalf("rtol %g atol %g at w %v v %v: %v, first written %v", tol[0], tol[1], w, v, a, b)
			}
			if b == 0 {
				zeros++
			} else {
				other++
			}
		}
	}
	if zeros < 1000 || other < 1000 {
		t.Errorf("%d values at the floor, %d above: the test needs both", zeros, other)
	}
	if fusedBuild {
		t.Logf("fused build: %d velocities within rounding of the floor", inBand)
	}
	// Non-finite states and velocities.
	p := &phaseEvent{v: make([]float64, 2), g: make([]float64, 2), rtol: 1e-8, atol: 1e-10}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, 1e300, 1e-300} {
		for _, wv := range [][2][]float64{{{x, 1}, {1, 1}}, {{1, 1}, {x, 1}}, {{x, x}, {x, 0.5}}} {
			a, b := p.value(wv[0], wv[1]), valueRef(p, wv[0], wv[1])
			if math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Errorf("at w %v v %v: %v, first written %v", wv[0], wv[1], a, b)
			}
		}
	}
}

// With no crossing, the flow is in its regularization phase from the start unless the event is
// negative at either end; a NaN value (PhaseEvent's where the velocity's square overflows) is
// not negative. And the last crossing decides when there is one: upward is the boundary,
// downward means none.
func TestPhaseHitEnds(t *testing.T) {
	vals := []float64{math.NaN(), -1, 0, 1}
	for _, a := range vals {
		for _, b := range vals {
			ev := ode.Event{Func: func(t float64, _ []float64) float64 {
				if t == 0 {
					return a
				}
				return b
			}}
			res := &ode.Result{T: 1, Y: []float64{1, 1}}
			last, found := phaseHit(res, 0, ev, 0, []float64{2, 0.25})
			if want := !(a < 0 || b < 0); last != nil || found != want {
				t.Errorf("ends %v, %v: hit %v, found %v; want none, %v", a, b, last, found, want)
			}
		}
	}
	for _, dir := range []int{1, -1} {
		res := &ode.Result{T: 1, Y: []float64{1, 1}, Events: []ode.EventHit{{Event: 0, T: 0.2, Direction: -dir}, {Event: 1, T: 0.3}, {Event: 0, T: 0.5, Direction: dir}}}
		last, found := phaseHit(res, 0, ode.Event{Func: func(float64, []float64) float64 { return -1 }}, 0, []float64{2, 0.25})
		if found != (dir > 0) || found && (last == nil || last.T != 0.5) {
			t.Errorf("last crossing direction %d: hit %+v, found %v", dir, last, found)
		}
	}
}
