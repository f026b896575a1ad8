package discrete

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/flow"
)

// DefaultBound is the divergence bound on |w_i| used when Settings.Bound is 0.
const DefaultBound = 1e8

// Problem is what is trained: the objective and the data.
type Problem struct {
	// Objective gives the depth d, the weight decay μ and the input noise σ, the standard
	// deviation of the fresh Gaussian noise added to every input at every step. Its C only
	// matters to the loss, not to the steps.
	Objective flow.Objective
	// Data holds the samples. Nil means the population loss ½(W − 1)² + C, so that ρ = W − 1;
	// input noise or a mini-batch then has nothing to sample and is an error.
	Data *flow.Dataset
}

// Settings controls a run. A nil *Settings is the zero Settings, which has no learning rate
// and is therefore an error.
type Settings struct {
	// LR is the learning rate λ > 0.
	LR float64
	// Steps is the number of steps, ≥ 0.
	Steps int
	// Batch is the mini-batch size, 1..N for N samples, drawn without replacement within an
	// epoch. 0 (or N) means the full batch.
	Batch int
	// IndependentBatches draws every mini-batch afresh, a uniform B-subset independent of the
	// earlier ones, as the stochastic modified equation of SGD assumes (Li, Tai & E 2017),
	// instead of epochs without replacement.
	IndependentBatches bool
	// Seed seeds the generator rand.New(rand.NewPCG(Seed, Seed)) of every random choice.
	Seed uint64
	// Bound is the divergence bound on |w_i|. 0 means DefaultBound (1e8).
	Bound float64
	// Record keeps every Record-th iterate in the trajectory; 0 or 1 keeps all. The first
	// and the last iterate are always kept.
	Record int
}

// Status says how a run ended.
type Status int

const (
	// NotTerminated is the zero Status: the run has not ended.
	NotTerminated Status = iota
	// Success: all steps were taken inside the bound.
	Success
	// Diverged: a step left the bound |w_i| ≤ Settings.Bound or became non-finite.
	Diverged
)

var statusNames = [...]string{
	NotTerminated: "not terminated",
	Success:       "success",
	Diverged:      "diverged",
}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// Result is what a run measured.
type Result struct {
	// Status says how the run ended.
	Status Status
	// DivergedAt is the step k whose iterate left the bound (−1 if none). The trajectory
	// then ends with iterate k − 1.
	DivergedAt int
	// Steps is the number of steps taken inside the bound.
	Steps int
	// Rho holds ρ of every step taken, Rho[k−1] moving iterate k − 1 to iterate k, when
	// every iterate is recorded (Record ≤ 1); it is nil otherwise, so that long runs that
	// keep few iterates keep little memory.
	Rho []float64
}

// Run takes s.Steps steps from w0 and returns the trajectory of iterates (iterate k at
// t = k·λ, labelled "gd", "sgd", "noisy-gd" or "noisy-sgd"; its Status is "success" or
// "diverged at step k") and the Result. w0 is not modified.
//
// A run that leaves the bound stops there with Status Diverged; the trajectory and Rho then
// end with the last iterate inside the bound. Bad settings return an error naming the value.
func Run(p Problem, w0 []float64, s *Settings) (*flow.Trajectory, *Result, error) {
	st, err := NewStepper(p, w0, s)
	if err != nil {
		return nil, nil, err
	}
	set := *s // NewStepper has rejected a nil s (no learning rate).
	bound := set.Bound
	if bound == 0 {
		bound = DefaultBound
	}
	if i, ok := outside(w0, bound); ok {
		return nil, nil, fmt.Errorf("discrete: initial weight w[%d] = %v is outside the bound %v", i, w0[i], bound)
	}
	record := max(set.Record, 1)
	d := len(w0)

	tr := flow.NewTrajectory(st.Label(), d, set.Steps/record+2)
	tr.Append(0, w0)
	res := &Result{Status: Success, DivergedAt: -1}
	if record == 1 {
		res.Rho = make([]float64, 0, set.Steps)
	}
	prev := make([]float64, d) // the last iterate inside the bound, kept when Record > 1
	lastKept := 0
	for k := 1; k <= set.Steps; k++ {
		copy(prev, st.w)
		rho := st.Step()
		if _, ok := outside(st.w, bound); ok {
			res.Status, res.DivergedAt = Diverged, k
			break
		}
		if record == 1 {
			res.Rho = append(res.Rho, rho)
		}
		res.Steps = k
		if k%record == 0 {
			tr.Append(float64(k)*set.LR, st.w)
			lastKept = k
		}
	}
	if lastKept != res.Steps {
		last := st.w
		if res.Status == Diverged {
			last = prev
		}
		tr.Append(float64(res.Steps)*set.LR, last)
	}
	tr.Status, tr.End = res.Status.String(), flow.Completed
	if res.Status == Diverged {
		tr.Status, tr.End = fmt.Sprintf("diverged at step %d", res.DivergedAt), flow.Diverged
	}
	return tr, res, nil
}

// outside returns the first index whose weight is non-finite or has |w_i| > bound.
func outside(w []float64, bound float64) (int, bool) {
	for i, v := range w {
		if !(v <= bound && v >= -bound) { // also catches NaN
			return i, true
		}
	}
	return -1, false
}

// validate checks what a user can get wrong and returns an error naming the value.
func validate(p Problem, w0 []float64, s *Settings) error {
	if err := p.Objective.Validate(); err != nil {
		return fmt.Errorf("discrete: %w", err)
	}
	if s == nil {
		return fmt.Errorf("discrete: nil settings: a learning rate must be set")
	}
	switch {
	case !(s.LR > 0) || math.IsInf(s.LR, 0):
		return fmt.Errorf("discrete: learning rate %v must be > 0 and finite", s.LR)
	case s.Steps < 0:
		return fmt.Errorf("discrete: step count %d must be ≥ 0", s.Steps)
	case s.Batch < 0:
		return fmt.Errorf("discrete: batch size %d must be ≥ 0", s.Batch)
	case s.Record < 0:
		return fmt.Errorf("discrete: record interval %d must be ≥ 0", s.Record)
	case !(s.Bound >= 0) || math.IsInf(s.Bound, 0):
		return fmt.Errorf("discrete: bound %v must be finite and > 0 (0 means %v)", s.Bound, DefaultBound)
	}
	if d := p.Objective.Depth; len(w0) != d {
		return fmt.Errorf("discrete: %d initial weights for depth %d", len(w0), d)
	}
	for i, v := range w0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("discrete: initial weight w[%d] = %v is not finite", i, v)
		}
	}
	if p.Data == nil {
		switch {
		case p.Objective.Noise != 0:
			return fmt.Errorf("discrete: input noise %v needs data (the population loss has no inputs to perturb)", p.Objective.Noise)
		case s.Batch != 0:
			return fmt.Errorf("discrete: batch size %d needs data (the population loss has no samples)", s.Batch)
		}
		return nil
	}
	x, y := p.Data.X, p.Data.Y
	switch {
	case len(x) == 0:
		return fmt.Errorf("discrete: dataset has no samples")
	case len(x) != len(y):
		return fmt.Errorf("discrete: dataset has %d inputs and %d labels", len(x), len(y))
	case s.Batch > len(x):
		return fmt.Errorf("discrete: batch size %d exceeds the sample count %d", s.Batch, len(x))
	}
	for k := range x {
		if math.IsNaN(x[k]) || math.IsInf(x[k], 0) || math.IsNaN(y[k]) || math.IsInf(y[k], 0) {
			return fmt.Errorf("discrete: sample %d (x = %v, y = %v) is not finite", k, x[k], y[k])
		}
	}
	return nil
}
