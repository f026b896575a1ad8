package portrait

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Labels of the separatrix trajectories returned by Separatrices.
const (
	// StableManifold labels a branch of a saddle's stable manifold (integrated backward in time).
	StableManifold = "stable manifold"
	// UnstableManifold labels a branch of a saddle's unstable manifold (integrated forward).
	UnstableManifold = "unstable manifold"
)

// Statuses of a separatrix trajectory besides the integrator's own.
const (
	// StatusLeft: the branch left the range (expanded by 2 % on every side) and was stopped there.
	StatusLeft = "left the range"
	// StatusTimeLimit: the branch reached the time limit TMax, usually at an equilibrium.
	StatusTimeLimit = "reached the time limit"
)

// Separatrices returns the four branches of the stable and unstable manifolds of every
// saddle among eqs: seeds at the saddle ± ε·v along each unit eigenvector v of J, with
// ε = Epsilon·diagonal(r), integrated with DOPRI5 (Settings.ODE) forward in time when the
// eigenvalue is positive (unstable manifold) and backward when it is negative (stable
// manifold). A branch stops when it leaves r expanded by 2 % (a terminal event), at the
// time limit TMax, or with the integrator's status. The trajectories hold all d weights
// (the fixed ones constant) at the seed and after every accepted step; their times run
// from 0 to ±t. Label is StableManifold or UnstableManifold; Status is StatusLeft,
// StatusTimeLimit or the integrator's status.
//
// The order is saddle by saddle as in eqs, and for each saddle the eigenvalues in
// ascending order, the seed +ε before −ε. A nil s means the default settings.
func Separatrices(p Plane, eqs []Equilibrium, r Range, s *Settings) ([]*flow.Trajectory, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	set := s.withDefaults()
	if err := set.validate(); err != nil {
		return nil, err
	}
	eps := set.Epsilon * r.Diagonal()
	box := r.Expand(0.02)
	d := p.Objective.Depth
	var out []*flow.Trajectory
	for _, q := range eqs {
		if q.Type != Saddle {
			continue
		}
		for _, ev := range q.Eigen {
			if ev.Vector == nil || ev.Re == 0 {
				continue
			}
			label, t1 := UnstableManifold, set.TMax
			if ev.Re < 0 {
				label, t1 = StableManifold, -set.TMax
			}
			for _, sign := range [2]float64{1, -1} {
				y0 := []float64{q.X + sign*eps*ev.Vector[0], q.Y + sign*eps*ev.Vector[1]}
				tr, err := branch(p, label, y0, t1, box, set.ODE, d)
				if err != nil {
					return nil, err
				}
				out = append(out, tr)
			}
		}
	}
	return out, nil
}

// branch integrates the plane flow from y0 to t1 and records the path until it leaves box.
func branch(p Plane, label string, y0 []float64, t1 float64, box Range, base *ode.Settings, d int) (*flow.Trajectory, error) {
	tr := flow.NewTrajectory(label, d, 64)
	w := make([]float64, d)
	p.Point(w, 0, 0)
	i, j := p.Axes()
	s := *base
	s.Observer = func(t float64, y []float64) bool {
		w[i], w[j] = y[0], y[1]
		tr.Append(t, w)
		return false
	}
	s.Events = []ode.Event{{
		// Positive inside the box; falls through 0 when the branch leaves it.
		Func: func(_ float64, y []float64) float64 {
			return math.Min(math.Min(y[0]-box.XMin, box.XMax-y[0]), math.Min(y[1]-box.YMin, box.YMax-y[1]))
		},
		Direction: -1,
		Terminal:  true,
	}}
	// A failed integration is a status of the separatrix, not an error of the portrait.
	res, err := flow.Integrate(p.Flow(), y0, t1, &s, &ode.DOPRI5{})
	if res == nil {
		return nil, fmt.Errorf("portrait: separatrix: %w", err)
	}
	switch res.Status {
	case ode.EventStop:
		// The observer does not see the event's root: append it.
		w[i], w[j] = res.Y[0], res.Y[1]
		tr.Append(res.T, w)
		tr.Status = StatusLeft
	case ode.Success:
		tr.Status = StatusTimeLimit
	default:
		tr.Status = res.Status.String()
	}
	return tr, nil
}
