package analysis

import (
	"errors"
	"fmt"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// runRecorded is the recorded run the streamed one must equal: the trajectory whole from
// flow.Solve or discrete.Run, measured after the run by the post-hoc functions (FlowPhase,
// Phases). A run that diverges
// or an integration that fails is an Outcome (see End), not an error; bad settings are
// errors.
func runRecorded(spec RunSpec) (*Outcome, error) {
	obj := spec.Objective
	if spec.Method.Continuous() {
		t1 := spec.T
		if t1 == 0 {
			t1 = float64(spec.Steps) * spec.LR
		}
		f, label := obj.Flow(), "flow"
		if spec.Method == MethodModified {
			if !(spec.LR > 0) {
				return nil, errors.New("analysis: the modified flow needs a learning rate > 0")
			}
			f, label = obj.ModifiedFlow(spec.LR), "modified"
		}
		var set ode.Settings
		if spec.Settings != nil {
			set = *spec.Settings
		} else {
			set = ode.Settings{Rtol: 1e-8, Atol: 1e-10}
		}
		m := spec.Solver
		if m == nil {
			m = &ode.DOPRI5{}
		}
		var ev ode.Event
		if spec.Phase {
			ev = PhaseEvent(f, obj.Depth, set.Rtol, set.Atol)
			set.Events = append(append([]ode.Event(nil), set.Events...), ev)
		}
		tr, res, err := flow.Solve(f, label, spec.Start, t1, &set, m)
		if err != nil {
			return nil, err
		}
		out := &Outcome{Trajectory: tr, End: tr.End, LR: spec.LR, Result: res, Stats: res.Stats}
		if spec.Phase {
			out.Phase = FlowPhase(tr, res, len(set.Events)-1, ev, obj.C)
		}
		return out, nil
	}
	p := discrete.Problem{Objective: obj}
	set := &discrete.Settings{LR: spec.LR, Steps: spec.Steps, Seed: spec.Seed, Record: spec.Record}
	switch spec.Method {
	case MethodGD:
		p.Objective.Noise, p.Data = 0, spec.Data
	case MethodSGD:
		p.Data, set.Batch = spec.Data, spec.Batch
	case MethodNoisyGD:
		p.Data = spec.Data
	default:
		return nil, fmt.Errorf("analysis: unknown method %v", spec.Method)
	}
	tr, res, err := discrete.Run(p, spec.Start, set)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Trajectory: tr, End: tr.End, LR: spec.LR, Discrete: res}
	if spec.Phase {
		window := 1
		if spec.Method != MethodGD && !(spec.Method == MethodNoisyGD && obj.Noise == 0) {
			window = max(1, tr.Len()/100)
		}
		out.Phase = Phases(tr, obj.C, window)
	}
	return out, nil
}
