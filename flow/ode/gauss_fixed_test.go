package ode_test

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
)

// The fixed-point iteration solves the same stage equations as Newton's: the same steps to
// round-off, the quadratic invariant kept to round-off, and its order 4.
func TestGaussFixedPoint(t *testing.T) {
	osc := func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = y[1], -y[0] }
	run := func(m ode.Method, h float64) []float64 {
		res, err := ode.Integrate(ode.Problem{Func: osc, T1: 10, Y0: []float64{1, 0}}, &ode.Settings{FixedStep: h, MaxSteps: 1 << 20}, m)
		if err != nil || res.Status != ode.Success {
			t.Fatal(err, res.Status)
		}
		return res.Y
	}
	newton := run(&ode.GaussLegendre{}, 0.05)
	fp := run(&ode.GaussLegendre{FixedPoint: true}, 0.05)
	for i := range fp {
		if math.Abs(fp[i]-newton[i]) > 1e-13 {
			t.Errorf("fixed point %v, Newton %v", fp, newton)
		}
	}
	if e := math.Abs(fp[0]*fp[0] + fp[1]*fp[1] - 1); e > 200*2.2e-16 {
		t.Errorf("energy drift %.3g after 200 steps", e)
	}
	// Order 4: halving h divides the error by 16.
	e1 := math.Hypot(run(&ode.GaussLegendre{FixedPoint: true}, 0.1)[0]-math.Cos(10), 0)
	e2 := math.Hypot(run(&ode.GaussLegendre{FixedPoint: true}, 0.05)[0]-math.Cos(10), 0)
	if p := math.Log2(e1 / e2); math.Abs(p-4) > 0.2 {
		t.Errorf("observed order %.3f, want 4", p)
	}
	// Above the stiffness scale the iteration diverges and the fixed-step run says so.
	res, _ := ode.Integrate(ode.Problem{Func: func(dy []float64, _ float64, y []float64) { dy[0] = -100 * y[0] }, T1: 1, Y0: []float64{1}},
		&ode.Settings{FixedStep: 0.1}, &ode.GaussLegendre{FixedPoint: true})
	if res.Status != ode.NoConvergence {
		t.Errorf("h·L = 10: status %v, want %v", res.Status, ode.NoConvergence)
	}
}
