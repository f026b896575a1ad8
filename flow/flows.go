package flow

import (
	"math"

	"github.com/layerflow/layerflow/flow/ode"
)

// Flow returns the right-hand side of the gradient flow ẇ = −∇F(w). The function keeps
// no state and may be shared.
//
// It computes what Gradient computes, operation for operation (so the numbers are the same
// to the last bit), without calls: the partial products are taken into dw directly, and
// depth 2 has its own two lines.
func (o Objective) Flow() ode.Func {
	mu, s2 := o.WeightDecay, o.Noise*o.Noise
	general := func(dw []float64, _ float64, w []float64) {
		if len(dw) != len(w) {
			panic("flow: length mismatch")
		}
		dw = dw[:len(w)]
		// Partials and Product: prefix products, then suffix products.
		p := 1.0
		for i, v := range w {
			dw[i] = p
			p *= v
		}
		a := p - 1 + s2*p
		// Suffix products, each partial finished as soon as it is complete: one pass, the
		// same operations in the same order as Partials and Gradient.
		p = 1.0
		for i := len(w) - 1; i >= 0; i-- {
			v := w[i]
			dw[i] *= p
			dw[i] = -(a*dw[i] + mu*v)
			p *= v
		}
	}
	if o.Depth == 2 {
		return func(dw []float64, t float64, w []float64) {
			if len(w) != 2 || len(dw) != 2 {
				general(dw, t, w)
				return
			}
			w0, w1 := w[0], w[1]
			W := w0 * w1 // = Product(w): 1·w0 is exact
			a := W - 1 + s2*W
			// Partials(g, w) = (1·w1, w0·1) = (w1, w0) exactly.
			dw[0] = -(a*w1 + mu*w0)
			dw[1] = -(a*w0 + mu*w1)
		}
	}
	return general
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
		o.hessVec(hv, g, w, grad)
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

// SolveObserved integrates ẇ = f(w) from w0 at t = 0 to t1 with method m as Solve does, but
// keeps no trajectory: observe (when not nil) sees the initial state and the state after
// every accepted step, and stops the integration by returning true (ObserverStop); the states
// at the times of s.Output are in the Result.
func SolveObserved(f ode.Func, w0 []float64, t1 float64, s *ode.Settings, m ode.Method, observe ode.Observer) (*ode.Result, error) {
	var set ode.Settings
	if s != nil {
		set = *s
	}
	if observe != nil {
		user := set.Observer
		set.Observer = func(t float64, y []float64) bool {
			return observe(t, y) || user != nil && user(t, y)
		}
	}
	return ode.Integrate(ode.Problem{Func: f, T0: 0, T1: t1, Y0: w0}, &set, m)
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
	tr.Status, tr.End = res.Status.String(), EndOf(res.Status)
	return tr, res, nil
}
