package analysis

import (
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Lab is the science under test: the models and methods whose runs the checks measure. The
// checks compare what these produce with closed forms computed independently, so a Lab whose
// fields are replaced by wrong models (a perturbed gradient, a stepper with a stale residual,
// the trace for the top eigenvalue) must make them fail: that is how every check is seen to
// fail (the negative controls of the tests). A nil *Lab, or a nil field, is the project's own
// implementation. Nothing here sits in a hot path: a field is called once per run.
type Lab struct {
	// Flow returns the right-hand side of the gradient flow of obj (default obj.Flow()).
	Flow func(obj flow.Objective) ode.Func
	// Modified returns the modified flow of GD at learning rate lr (default obj.ModifiedFlow).
	Modified func(obj flow.Objective, lr float64) ode.Func
	// Run runs a discrete method (default discrete.Run).
	Run func(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error)
	// Stepper makes the stepper of a discrete method for the expectations over seeds
	// (default discrete.NewStepper).
	Stepper func(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error)
	// Sharpness is the largest eigenvalue of the Hessian of the data loss (default
	// flow.Sharpness).
	Sharpness func(w []float64) float64
	// SME integrates the stochastic modified equation of SGD (default flow.SME.EulerMaruyama).
	SME func(s flow.SME, w0 []float64, t1, dt float64, seed uint64, every int, record func(t float64, w []float64)) error
	// Hessian writes the Hessian of the objective (default obj.Hessian) and Imbalance the
	// adjacent imbalances, returning ‖D‖ (default flow.Imbalance).
	Hessian   func(obj flow.Objective, dst *mat.SymDense, w []float64)
	Imbalance func(dst, w []float64) float64
	// Method returns the integrator of a name (default ode.NewMethod).
	Method func(name string) (ode.Method, error)
	// Generate draws a normalized dataset (default flow.Generate).
	Generate func(n int, slope, noise float64, seed uint64) (*flow.Dataset, error)
	// PhaseEvent and Phases are the phase detectors of flows and of trajectories (default
	// PhaseEvent and Phases).
	PhaseEvent func(f ode.Func, d int, rtol, atol float64) ode.Event
	Phases     func(tr *flow.Trajectory, c float64, window int) Phase

	// Stop, if not nil, is asked between the seeds of an expectation over seeds (and every
	// 4096 steps of one): true ends it with the seeds done so far, and the check says so.
	// SeedDone, if not nil, is told of each seed done. They are run control, not model: a
	// command sets them to stop on a signal and to show progress.
	Stop     func() bool
	SeedDone func()
}

func (l *Lab) stopped() bool { return l != nil && l.Stop != nil && l.Stop() }

func (l *Lab) seedDone() {
	if l != nil && l.SeedDone != nil {
		l.SeedDone()
	}
}

// Stepper is what the expectations over seeds need of a discrete method: one step at a time,
// the iterate, and the pool the next mini-batch is drawn from (*discrete.Stepper).
type Stepper interface {
	Step() float64
	W() []float64
	Pool() []int
}

var _ Stepper = (*discrete.Stepper)(nil)

func (l *Lab) flowOf(obj flow.Objective) ode.Func {
	if l == nil || l.Flow == nil {
		return obj.Flow()
	}
	return l.Flow(obj)
}

func (l *Lab) modified(obj flow.Objective, lr float64) ode.Func {
	if l == nil || l.Modified == nil {
		return obj.ModifiedFlow(lr)
	}
	return l.Modified(obj, lr)
}

func (l *Lab) run(p discrete.Problem, w0 []float64, s *discrete.Settings) (*flow.Trajectory, *discrete.Result, error) {
	if l == nil || l.Run == nil {
		return discrete.Run(p, w0, s)
	}
	return l.Run(p, w0, s)
}

func (l *Lab) stepper(p discrete.Problem, w0 []float64, s *discrete.Settings) (Stepper, error) {
	if l == nil || l.Stepper == nil {
		st, err := discrete.NewStepper(p, w0, s)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return l.Stepper(p, w0, s)
}

func (l *Lab) sharpness(w []float64) float64 {
	if l == nil || l.Sharpness == nil {
		return flow.Sharpness(w)
	}
	return l.Sharpness(w)
}

func (l *Lab) sme(s flow.SME, w0 []float64, t1, dt float64, seed uint64, every int, record func(t float64, w []float64)) error {
	if l == nil || l.SME == nil {
		return s.EulerMaruyama(w0, t1, dt, seed, every, record)
	}
	return l.SME(s, w0, t1, dt, seed, every, record)
}

func (l *Lab) phaseEvent(f ode.Func, d int, rtol, atol float64) ode.Event {
	if l == nil || l.PhaseEvent == nil {
		return PhaseEvent(f, d, rtol, atol)
	}
	return l.PhaseEvent(f, d, rtol, atol)
}

func (l *Lab) phases(tr *flow.Trajectory, c float64, window int) Phase {
	if l == nil || l.Phases == nil {
		return Phases(tr, c, window)
	}
	return l.Phases(tr, c, window)
}

func (l *Lab) generate(n int, slope, noise float64, seed uint64) (*flow.Dataset, error) {
	if l == nil || l.Generate == nil {
		return flow.Generate(n, slope, noise, seed)
	}
	return l.Generate(n, slope, noise, seed)
}

func (l *Lab) method(name string) (ode.Method, error) {
	if l == nil || l.Method == nil {
		return ode.NewMethod(name)
	}
	return l.Method(name)
}

func (l *Lab) hessian(obj flow.Objective, dst *mat.SymDense, w []float64) {
	if l == nil || l.Hessian == nil {
		obj.Hessian(dst, w)
		return
	}
	l.Hessian(obj, dst, w)
}

func (l *Lab) imbalance(dst, w []float64) float64 {
	if l == nil || l.Imbalance == nil {
		return flow.Imbalance(dst, w)
	}
	return l.Imbalance(dst, w)
}
