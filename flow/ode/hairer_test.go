package ode_test

import (
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

// The step-size controller, HINIT and the error norms are Hairer's: the evaluation and step
// counts equal those of Hairer's Fortran DOPRI5 and DOP853 (gfortran -O2, default
// constants, ITOL = 0, IOUT = 0) on the same problems and tolerances, run beside this code.
// Any change to the controller shows up here.
func TestHairerStepCounts(t *testing.T) {
	for _, tc := range []struct {
		name        string
		c           testprob.Case
		tol         float64
		m           func() ode.Method
		evals, nstp int
	}{
		{"arenstorf dopri5", testprob.Arenstorf(), 1e-10, func() ode.Method { return &ode.DOPRI5{} }, 5060, 843},
		{"arenstorf dop853", testprob.Arenstorf(), 1e-10, func() ode.Method { return &ode.DOP853{} }, 2785, 237},
		{"two-weight dopri5", testprob.TwoWeight(2, 0.25, 20), 1e-6, func() ode.Method { return &ode.DOPRI5{} }, 266, 44},
		{"two-weight dop853", testprob.TwoWeight(2, 0.25, 20), 1e-6, func() ode.Method { return &ode.DOP853{} }, 263, 22},
	} {
		r, err := ode.Integrate(tc.c.Problem, &ode.Settings{Rtol: tc.tol, Atol: tc.tol}, tc.m())
		if err != nil || r.Status != ode.Success {
			t.Fatalf("%s: %v %v", tc.name, err, r.Status)
		}
		if r.Stats.Evaluations != tc.evals || r.Stats.Steps != tc.nstp {
			t.Errorf("%s: %d evaluations, %d steps; Hairer's Fortran: %d, %d", tc.name, r.Stats.Evaluations, r.Stats.Steps, tc.evals, tc.nstp)
		}
	}
}
