package analysis

import (
	"fmt"
	"strings"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
	"gonum.org/v1/gonum/mat"
)

// Method is a way to train: a continuous flow or a discrete method.
type Method int

const (
	// MethodFlow is the gradient flow ẇ = −∇F.
	MethodFlow Method = iota
	// MethodModified is the modified equation of GD, ẇ = −(∇F + (λ/2)∇²F∇F).
	MethodModified
	// MethodGD is full-batch gradient descent (with weight decay μ).
	MethodGD
	// MethodSGD is mini-batch SGD on the samples.
	MethodSGD
	// MethodNoisyGD is full-batch GD on inputs with fresh Gaussian noise at every step.
	MethodNoisyGD
)

var methodNames = [...]string{MethodFlow: "flow", MethodModified: "modified", MethodGD: "gd", MethodSGD: "sgd", MethodNoisyGD: "noisy-gd"}

func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// Continuous reports whether m is a flow.
func (m Method) Continuous() bool { return m == MethodFlow || m == MethodModified }

// ParseMethod returns the Method of a name (flow, modified, gd, sgd, noisy-gd).
func ParseMethod(s string) (Method, error) {
	for m, n := range methodNames {
		if n == s {
			return Method(m), nil
		}
	}
	return 0, fmt.Errorf("analysis: unknown method %q (want %s)", s, strings.Join(methodNames[:], ", "))
}

// RunSpec is one training run of the scalar network: what is trained, how, from where and
// for how long.
type RunSpec struct {
	Method Method
	// Objective gives the depth, the weight decay μ and the input noise σ: the expected
	// loss's for the flows, fresh noise at every step for noisy GD and SGD (noisy SGD when
	// σ > 0); plain GD ignores it.
	Objective flow.Objective
	// Data are the samples (needed by SGD and noisy GD; GD uses their moments when given,
	// the population loss otherwise).
	Data  *flow.Dataset
	Start []float64
	// LR is the learning rate λ of the discrete methods and of the modified flow.
	LR float64
	// Steps is the number of steps of a discrete run; the flows run to T, or to Steps·LR
	// when T is 0.
	Steps int
	T     float64
	// Batch (SGD), Seed (SGD, noisy GD), Record (every Record-th iterate kept).
	Batch  int
	Seed   uint64
	Record int
	// Solver and Settings integrate the flows (nil: DOPRI5 at rtol 1e-8, atol 1e-10).
	Solver   ode.Method
	Settings *ode.Settings
	// Model, when not nil, is the model Stream trains in place of Objective: any flow.Model,
	// such as a network of matrix layers (*flow.Net), on its own objective (GD, the flows)
	// or, when it is a flow.Sampled, on the samples X, Y (SGD, and noisy GD with fresh input
	// noise of standard deviation Noise). A flow.Objective here is the same as Objective
	// (its closed forms). Run trains the scalar Objective only.
	Model flow.Model
	X, Y  *mat.Dense
	// Samples, when not nil, holds the samples in place of X and Y (a compact data set
	// whose rows are computed when a batch needs them).
	Samples discrete.Samples
	Noise   float64
	// Phase asks for the phase boundary: an event of the integration for the flows,
	// displacements between iterates for the discrete runs (over a window of a hundredth of
	// the run for the sampled methods, to average out their noise).
	Phase bool
}

// Outcome is what a run gives: its trajectory, how it ended, and what it measured.
type Outcome struct {
	Trajectory *flow.Trajectory
	// End is the trajectory's End.
	End flow.End
	// LR is the learning rate the run used (the time of iterate k is k·LR).
	LR float64
	// Result is the integrator's (flows) and Stats its counts; Discrete the discrete run's.
	Result   *ode.Result
	Stats    ode.Stats
	Discrete *discrete.Result
	// Phase is the phase boundary when asked for.
	Phase Phase
}

// Run runs spec and returns the whole trajectory: Stream, with every point kept. A run
// that diverges or an integration that fails is an Outcome (see End), not an error; bad
// settings are errors. Run keeps the scalar network's points; a network of matrix layers is
// run with Stream and a recorder.
func Run(spec RunSpec) (*Outcome, error) {
	if spec.Model != nil {
		if _, ok := spec.Model.(flow.Objective); !ok {
			return nil, fmt.Errorf("analysis: Run keeps the points of the scalar network; run a %T with Stream", spec.Model)
		}
	}
	tr := flow.NewTrajectory("", len(spec.Start), 0)
	s, err := Stream(spec, StreamOptions{Keep: func(_ int, t float64, w []float64) error {
		tr.Append(t, w)
		return nil
	}})
	if err != nil {
		return nil, err
	}
	tr.Label, tr.Status, tr.End = s.Label, s.Status, s.End
	out := &Outcome{Trajectory: tr, End: s.End, LR: spec.LR, Result: s.Result, Discrete: s.Discrete, Phase: s.Phase}
	if s.Result != nil {
		out.Stats = s.Result.Stats
	}
	return out, nil
}
