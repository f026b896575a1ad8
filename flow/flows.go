package flow

import (
	"math"

	"github.com/layerflow/layerflow/flow/ode"
)

// Flow returns the right-hand side of the gradient flow ẇ = −∇F(w). The function keeps
// no state and may be shared.
func (o Objective) Flow() ode.Func {
	return func(dw []float64, _ float64, w []float64) {
		o.Gradient(dw, w)
		for i := range dw {
			dw[i] = -dw[i]
		}
	}
}

// ModifiedFlow returns the right-hand side of the modified equation of gradient descent
// with learning rate lr (package flow, Continuous models of the discrete methods),
//
//	ẇ = −∇(F + (λ/4)‖∇F‖²) = −(∇F + (λ/2)·∇²F·∇F),
//
// which GD follows to O(λ²) per unit time. The function owns scratch buffers: do not call
// it from several goroutines at once.
func (o Objective) ModifiedFlow(lr float64) ode.Func {
	d := o.Depth
	grad, g, hv := make([]float64, d), make([]float64, d), make([]float64, d)
	return func(dw []float64, _ float64, w []float64) {
		o.Gradient(grad, w)
		o.HessVec(hv, g, w, grad)
		for i := range dw {
			dw[i] = -(grad[i] + 0.5*lr*hv[i])
		}
	}
}

func allFinite(y []float64) bool {
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Solve integrates ẇ = f(w) from w0 at t = 0 to t1 with method m and records the state in a
// Trajectory labelled label: at the times of s.Output when there are any (and where the
// integration stopped, if it stopped early), otherwise at the start and after every accepted
// step. The trajectory's Status is the integrator's.
func Solve(f ode.Func, label string, w0 []float64, t1 float64, s *ode.Settings, m ode.Method) (*Trajectory, *ode.Result, error) {
	var set ode.Settings
	if s != nil {
		set = *s
	}
	tr := NewTrajectory(label, len(w0), 64)
	if len(set.Output) == 0 {
		user := set.Observer
		set.Observer = func(t float64, y []float64) bool {
			tr.Append(t, y)
			return user != nil && user(t, y)
		}
	}
	res, err := ode.Integrate(ode.Problem{Func: f, T0: 0, T1: t1, Y0: w0}, &set, m)
	if err != nil {
		return nil, nil, err
	}
	if len(set.Output) != 0 {
		for k, t := range res.OutputT {
			tr.Append(t, res.OutputY[k])
		}
		// A run that stopped before the last output time ends with the state where it
		// stopped, so that the trajectory shows how far it got.
		if n := tr.Len(); res.Status != ode.Success && (n == 0 || tr.T[n-1] != res.T) && allFinite(res.Y) {
			tr.Append(res.T, res.Y)
		}
	}
	tr.Status = res.Status.String()
	return tr, res, nil
}
