package flow

import (
	"fmt"

	"github.com/layerflow/layerflow/flow/ode"
)

// Trajectory is a path in weight space, the same type for continuous runs (states at
// accepted steps or at output times) and discrete ones (iterate k at t = k·λ), so that
// analysis and plotting never care where it came from.
type Trajectory struct {
	// Label names the method that made it: "flow", "modified", "gd", "sgd", "noisy-gd", …
	Label string
	// Depth is the number of weights d.
	Depth int
	// T holds the times; W the weights, row-major, d per time.
	T []float64
	W []float64
	// Status says in words how the run ended: "success", "diverged at step k", an integrator
	// status, …; End says it as a value to test.
	Status string
	End    End
}

// End says how a run ended, for continuous and discrete runs alike.
type End int

const (
	// Unfinished is the zero End: the run has not ended (or nothing says how).
	Unfinished End = iota
	// Completed: the run reached its horizon.
	Completed
	// Diverged: a discrete run left its bound or became non-finite.
	Diverged
	// Stopped: an event or an observer stopped the integration.
	Stopped
	// Failed: the integration failed (step size too small, no convergence of an implicit
	// method, too many steps, a non-finite state).
	Failed
)

var endNames = [...]string{Unfinished: "unfinished", Completed: "completed", Diverged: "diverged", Stopped: "stopped", Failed: "failed"}

func (e End) String() string {
	if e < 0 || int(e) >= len(endNames) {
		return fmt.Sprintf("End(%d)", int(e))
	}
	return endNames[e]
}

// EndOf returns the End of an integration that ended with status s.
func EndOf(s ode.Status) End {
	switch s {
	case ode.Success:
		return Completed
	case ode.EventStop, ode.ObserverStop:
		return Stopped
	case ode.NotTerminated:
		return Unfinished
	}
	return Failed
}

// NewTrajectory returns an empty trajectory of depth d with room for n points.
func NewTrajectory(label string, d, n int) *Trajectory {
	return &Trajectory{Label: label, Depth: d, T: make([]float64, 0, n), W: make([]float64, 0, n*d)}
}

// Len returns the number of points.
func (tr *Trajectory) Len() int { return len(tr.T) }

// At returns the weights of point k; the slice aliases the trajectory's storage.
func (tr *Trajectory) At(k int) []float64 { return tr.W[k*tr.Depth : (k+1)*tr.Depth] }

// Append adds the point (t, w), copying w. It panics if len(w) is not the depth.
func (tr *Trajectory) Append(t float64, w []float64) {
	if len(w) != tr.Depth {
		panic("flow: length mismatch")
	}
	tr.T = append(tr.T, t)
	tr.W = append(tr.W, w...)
}

// Last returns the weights of the last point.
func (tr *Trajectory) Last() []float64 { return tr.At(tr.Len() - 1) }
