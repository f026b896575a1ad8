package flow

import "github.com/layerflow/layerflow/flow/ode"

// ModifiedFlowOf returns the modified equation of GD with learning rate lr for any Model,
//
//	ẇ = −(∇F + (λ/2)·∇²F·∇F),
//
// from its gradient and Hessian-vector product. The function owns scratch buffers and m's
// own: do not call it from several goroutines at once.
func ModifiedFlowOf(m Model, lr float64) ode.Func {
	n := m.Dim()
	grad, hv := make([]float64, n), make([]float64, n)
	return func(dw []float64, _ float64, w []float64) {
		m.Gradient(grad, w)
		m.HessVec(hv, w, grad)
		for i := range dw {
			dw[i] = -(grad[i] + 0.5*lr*hv[i])
		}
	}
}

// Integrate integrates ẇ = f(w) from w0 at t = 0 to t1 with method m and keeps no
// trajectory: s.Observer sees every accepted step, so that a caller records what it needs
// in memory independent of the number of steps. It returns the integrator's result and,
// for any status but success, an error that says why (the result is returned with it).
func Integrate(f ode.Func, w0 []float64, t1 float64, s *ode.Settings, m ode.Method) (*ode.Result, error) {
	res, err := ode.Integrate(ode.Problem{Func: f, T1: t1, Y0: w0}, s, m)
	if err != nil {
		return nil, err
	}
	return res, res.Err()
}
