package ode_test

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
)

// TestOutputFunc checks that the streamed outputs are the stored ones to the bit, that
// the Result then holds none, and that a stop asked at an output time ends the run at
// the end of the step that reached it, with ObserverStop.
func TestOutputFunc(t *testing.T) {
	f := func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = y[1], -y[0] }
	out := make([]float64, 501)
	for i := range out {
		out[i] = 10 * float64(i) / 500
	}
	for _, name := range []string{"dopri5", "dop853", "gauss"} {
		p := ode.Problem{Func: f, T1: 10, Y0: []float64{1, 0}}
		m, _ := ode.NewMethod(name)
		stored, err := ode.Integrate(p, &ode.Settings{Rtol: 1e-9, Atol: 1e-9, Output: out}, m)
		if err != nil || stored.Status != ode.Success || len(stored.OutputT) != len(out) {
			t.Fatalf("%s: stored outputs: %v %v %d", name, err, stored.Status, len(stored.OutputT))
		}
		k := 0
		m, _ = ode.NewMethod(name)
		streamed, err := ode.Integrate(p, &ode.Settings{Rtol: 1e-9, Atol: 1e-9, Output: out,
			OutputFunc: func(tt float64, y []float64) bool {
				if tt != stored.OutputT[k] || math.Float64bits(y[0]) != math.Float64bits(stored.OutputY[k][0]) ||
					math.Float64bits(y[1]) != math.Float64bits(stored.OutputY[k][1]) {
					t.Errorf("%s: output %d: streamed (%v, %v) stored (%v, %v)", name, k, tt, y, stored.OutputT[k], stored.OutputY[k])
				}
				k++
				return false
			}}, m)
		if err != nil || streamed.Status != ode.Success || k != len(out) {
			t.Fatalf("%s: streamed outputs: %v %v, %d of %d", name, err, streamed.Status, k, len(out))
		}
		if len(streamed.OutputT) != 0 || len(streamed.OutputY) != 0 {
			t.Errorf("%s: the result holds %d outputs beside the streamed ones", name, len(streamed.OutputT))
		}
		if streamed.Stats != stored.Stats || streamed.Y[0] != stored.Y[0] || streamed.Y[1] != stored.Y[1] {
			t.Errorf("%s: the streamed run differs: %+v %v against %+v %v", name, streamed.Stats, streamed.Y, stored.Stats, streamed.Y)
		}

		// Stop at the output time 5: the run ends at the end of the step that reached it.
		m, _ = ode.NewMethod(name)
		var stepEnds []float64
		stop, err := ode.Integrate(p, &ode.Settings{Rtol: 1e-9, Atol: 1e-9, Output: out,
			Observer:   func(tt float64, _ []float64) bool { stepEnds = append(stepEnds, tt); return false },
			OutputFunc: func(tt float64, _ []float64) bool { return tt >= 5 }}, m)
		if err != nil || stop.Status != ode.ObserverStop {
			t.Fatalf("%s: stop at an output: %v %v", name, err, stop.Status)
		}
		last := stepEnds[len(stepEnds)-1]
		if !(stop.T >= 5) || !(last < 5) {
			t.Errorf("%s: stopped at t = %v after the step ending at %v; want the first step end ≥ 5", name, stop.T, last)
		}
		// Stop at T0.
		m, _ = ode.NewMethod(name)
		first, _ := ode.Integrate(p, &ode.Settings{Output: out, OutputFunc: func(float64, []float64) bool { return true }}, m)
		if first.Status != ode.ObserverStop || first.T != 0 || first.Stats.Steps != 0 {
			t.Errorf("%s: a stop at the first output: %v at t = %v after %d steps", name, first.Status, first.T, first.Stats.Steps)
		}
	}
}
