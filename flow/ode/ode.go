package ode

import (
	"fmt"
	"math"
)

// Func evaluates the right-hand side of ẏ = f(t, y) into dy.
// It must not keep y or dy after it returns.
type Func func(dy []float64, t float64, y []float64)

// Problem is an initial value problem ẏ = f(t, y), y(T0) = Y0, integrated up to T1.
// T1 may be smaller than T0: then the integration runs backward in time.
type Problem struct {
	Func   Func
	T0, T1 float64
	Y0     []float64
}

// Status says how an integration ended.
type Status int

const (
	// NotTerminated is the zero Status: the integration has not ended.
	NotTerminated Status = iota
	// Success: the integration reached T1.
	Success
	// StepTooSmall: the step size fell below round-off relative to t (0.1·|h| ≤ |t|·u).
	StepTooSmall
	// StepLimit: Settings.MaxSteps steps were taken without reaching T1.
	StepLimit
	// NonFinite: the state or its derivative became Inf or NaN.
	NonFinite
	// EventStop: a terminal event stopped the integration at its root.
	EventStop
	// ObserverStop: the observer asked to stop.
	ObserverStop
	// NoConvergence: the implicit stage equations could not be solved at the smallest allowed step.
	NoConvergence
)

var statusNames = [...]string{
	NotTerminated: "not terminated",
	Success:       "success",
	StepTooSmall:  "step too small",
	StepLimit:     "step limit reached",
	NonFinite:     "non-finite state",
	EventStop:     "stopped by event",
	ObserverStop:  "stopped by observer",
	NoConvergence: "stage equations did not converge",
}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// Stats counts the work of an integration.
type Stats struct {
	// Evaluations counts calls of Problem.Func, including those of the initial-step
	// heuristic, of rejected steps and of dense output.
	Evaluations int
	// Steps counts attempted steps: Steps = Accepted + Rejected.
	Steps    int
	Accepted int
	Rejected int
}

// Event is a function g(t, y) whose sign changes are located during the integration.
type Event struct {
	Func func(t float64, y []float64) float64
	// FuncDy, when not nil, is Func given also dy = f(t, y), so that it need not evaluate f:
	// FuncDy(t, y, f(t, y)) must equal Func(t, y). Integrate then takes the event's value at
	// the end of every step from FuncDy with the method's own evaluation there (first same as
	// last: free), and screens each step before sampling Func inside it: FuncDy at the
	// EventSamples points of the cubic Hermite interpolant of the step's ends (values and
	// derivatives), with that interpolant's derivative as dy. When every event has FuncDy and
	// every screened value, and the end value, lies beyond Margin on the side of the event's
	// last sign, the step is taken to hold no crossing and Func is not sampled in it; otherwise
	// the step is sampled as any other. Margin must exceed the error of FuncDy on the
	// interpolant (O(h³) in dy), so that the screen never passes a step whose samples would show
	// a sign change.
	FuncDy func(t float64, y, dy []float64) float64
	// Margin is the distance from zero beyond which a screened value counts (see FuncDy).
	Margin float64
	// Direction filters the crossings: +1 only rising (g goes from negative to positive),
	// −1 only falling, 0 both.
	Direction int
	// Terminal events stop the integration exactly at their first root.
	Terminal bool
}

// EventHit is one located root of an event function.
type EventHit struct {
	// Event is the index of the event in Settings.Events.
	Event int
	T     float64
	Y     []float64
	// Direction is +1 for a rising and −1 for a falling crossing.
	Direction int
}

// Observer is called with the initial state and with the state after every accepted
// step. It must not keep y. Returning true stops the integration with ObserverStop.
type Observer func(t float64, y []float64) (stop bool)

// Settings controls an integration. A nil *Settings, or a zero field, means the default
// written in the field's comment.
type Settings struct {
	// Rtol and Atol are the scalar relative and absolute tolerances. Defaults 1e-6 and 1e-9.
	Rtol, Atol float64
	// RtolVec and AtolVec, when not nil, give per-component tolerances and override Rtol and Atol.
	RtolVec, AtolVec []float64

	// InitialStep is the first step size; 0 chooses it with Hairer's HINIT heuristic.
	InitialStep float64
	// MaxStep bounds |h|. Default |T1 − T0|.
	MaxStep float64
	// MaxSteps bounds the number of attempted steps. Default 100000.
	MaxSteps int
	// FixedStep, when positive, switches error control off: the interval is cut into
	// ⌈|T1−T0|/FixedStep⌉ equal steps, all accepted.
	FixedStep float64

	// Step-size controller constants. Zero means the method's default (Hairer's):
	// DOPRI5 Safety 0.9, Fac1 0.2, Fac2 10, Beta 0.04; DOP853 Safety 0.9, Fac1 0.333, Fac2 6, Beta 0.
	// A negative Beta switches the PI term off (a plain I-controller).
	Safety, Fac1, Fac2, Beta float64

	// Output lists times at which the state is reported, taken from the method's dense
	// output: they never change the steps taken. They must be ordered in the direction
	// of integration and lie between T0 and T1.
	Output []float64
	// Events are located on the dense output of every accepted step.
	Events []Event
	// EventSamples is the number of points at which each event function is sampled inside
	// every step before root finding, so that two crossings in one step are both found. Default 8.
	EventSamples int
	// Observer, when not nil, sees every accepted step.
	Observer Observer
	// OutputFunc, when not nil, receives the states at the Output times as they are
	// reached, in place of Result.OutputT and OutputY (which stay empty), so that memory
	// does not grow with the number of output times. It must not keep y. Returning true
	// stops the integration with ObserverStop at the end of the step that reached the time.
	OutputFunc Observer

	// StiffnessCheck is the number of accepted steps between stiffness tests (Hairer's NSTIFF).
	// Default 1000; negative switches the test off.
	StiffnessCheck int
}

// Result is what an integration measured.
type Result struct {
	Status Status
	// T and Y are the time and state where the integration ended.
	T float64
	Y []float64
	// H is the step size the controller proposes next.
	H     float64
	Stats Stats
	// OutputT and OutputY hold the states at Settings.Output times, as far as the integration reached.
	OutputT []float64
	OutputY [][]float64
	// Events lists the roots found, in time order.
	Events []EventHit
	// Stiff is true when the method's stiffness test fired; StiffAt is the first t where it did (NaN otherwise).
	Stiff   bool
	StiffAt float64
}

// Err returns nil for Success and for a stop requested by an event or the observer, and otherwise
// an error that names the status and the numbers.
func (r *Result) Err() error {
	switch r.Status {
	case Success, EventStop, ObserverStop:
		return nil
	case StepTooSmall, NoConvergence:
		return fmt.Errorf("ode: %v: step size %.3g at t=%v", r.Status, r.H, r.T)
	default:
		return fmt.Errorf("ode: %v at t=%v", r.Status, r.T)
	}
}

// Scale computes the error weights of Hairer's codes,
//
//	sk_i = atol_i + rtol_i · max(|y_i|, |y1_i|).
type Scale struct {
	rtol, atol       float64
	rtolVec, atolVec []float64
}

// At returns sk_i for the component i with values a at the start and b at the end of a step.
func (s *Scale) At(i int, a, b float64) float64 {
	rt, at := s.rtol, s.atol
	if s.rtolVec != nil {
		rt = s.rtolVec[i]
	}
	if s.atolVec != nil {
		at = s.atolVec[i]
	}
	return at + rt*math.Max(math.Abs(a), math.Abs(b))
}

// scalar reports whether the tolerances are scalars (no vectors).
func (s *Scale) scalar() bool { return s.rtolVec == nil && s.atolVec == nil }

// sk is At for scalar tolerances, for the methods' inner loops: the larger of |a| and |b| by
// the builtin max (math.Max is a call on amd64), which is math.Max's value for non-negative
// arguments unless one is +Inf and the other NaN (a is the accepted state, always finite).
func (s *Scale) sk(a, b float64) float64 {
	// The builtin max is branch-free, and gives NaN when either is NaN.
	return s.atol + s.rtol*max(math.Abs(a), math.Abs(b))
}

// Control holds the constants of the PI step-size controller of Hairer, Nørsett & Wanner,
// Solving ODEs I, §II.4, as used in DOPRI5 and DOP853:
//
//	expo1 = 1/Order − BetaWeight·β
//	h_new = h · min(Fac2, max(Fac1, Safety · err^(−expo1) · facold^β))
type Control struct {
	Order                    int
	BetaWeight               float64
	Safety, Fac1, Fac2, Beta float64
	// StiffLimit is the threshold of h·λ for the stiffness test (NaN: the method has none).
	StiffLimit float64
}

// Method is one step of an integration scheme. The driver (Integrate) owns the step-size
// controller, the events, the output and the statistics; a Method only proposes steps and
// estimates their error.
type Method interface {
	// Init prepares the method's buffers for a system of dimension n with right-hand side f.
	// It is called once per integration, before any step.
	Init(f Func, n int)
	// Control returns the method's default controller constants.
	Control() Control
	// Step attempts the step from (t, y), where f0 = f(t, y), of size h. It writes the
	// proposed state into y1 and returns the error norm (≤ 1 accepts the step) and the number
	// of function evaluations it made. With fixed steps sc is nil: no error estimate is needed
	// and the returned error is ignored unless it is negative. A negative error means the
	// method could not complete the step (an implicit method's stage equations did not converge).
	Step(y1 []float64, t, h float64, y, f0 []float64, sc *Scale) (err float64, evals int)
	// Accept is called when the last step is accepted. It writes f(t+h, y1) into f1 (reused by
	// the next step) and, when dense is true, prepares Interpolate on this step. It returns the
	// evaluations it made.
	Accept(f1 []float64, dense bool) (evals int)
	// Interpolate writes the dense output of the last accepted step at time t into dst.
	Interpolate(dst []float64, t float64)
	// Stiffness returns the estimate of |h·λ| of the last accepted step used by the stiffness
	// test, or NaN when the method has none. It is called after Accept and before the next Step.
	Stiffness() float64
}

// DenseBuilder is a Method whose dense output costs evaluations (DOP853). Integrate accepts
// its steps without dense output and calls Dense only for the steps that need it: those
// that hold an output time, and those where an event function sampled on the cubic Hermite
// interpolant of the step (free: the values and derivatives at both ends) may change sign.
type DenseBuilder interface {
	Method
	// Dense prepares Interpolate on the last accepted step, after Accept and before the next
	// Step, and returns the evaluations it made (none if it was prepared already).
	Dense() (evals int)
}

// MethodNames lists the names NewMethod knows.
var MethodNames = []string{"dopri5", "dop853", "gauss"}

// NewMethod returns a new method by name: "dopri5", "dop853" or "gauss".
func NewMethod(name string) (Method, error) {
	switch name {
	case "dopri5":
		return &DOPRI5{}, nil
	case "dop853":
		return &DOP853{}, nil
	case "gauss":
		return &GaussLegendre{}, nil
	}
	return nil, fmt.Errorf("ode: unknown method %q (want dopri5, dop853 or gauss)", name)
}
