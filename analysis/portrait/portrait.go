package portrait

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Settings controls the computation of a portrait. A nil *Settings, or a zero field, means
// the default written in the field's comment.
type Settings struct {
	// Range is the window of the plane. The zero Range is fitted to the trajectories given
	// to New (FitRange with Margin), or is DefaultRange when there are none.
	Range Range
	// Margin is the fraction of the trajectories' extent added on every side by FitRange.
	// Default 0.1.
	Margin float64

	// FieldX × FieldY is the number of arrows of the direction field. Default 25 × 25.
	FieldX, FieldY int
	// GridX × GridY is the number of cells on which F is sampled for a heat map or
	// contours. Default 150 × 150.
	GridX, GridY int

	// SeedsX × SeedsY is the grid of seeds of Newton's method, corners included. An odd
	// count puts a seed on the centre of the range. Default 15 × 15.
	SeedsX, SeedsY int
	// MaxNewton bounds the Newton iterations from one seed. Default 100.
	MaxNewton int
	// GradTol accepts a Newton point when |∇F| ≤ GradTol·max(1, ‖H‖·|(x, y)|). Default 1e-10.
	GradTol float64
	// MergeTol merges equilibria closer than MergeTol·diagonal(range). Default 1e-6.
	MergeTol float64
	// EigenTol takes an eigenvalue of J as 0 when |λ| ≤ EigenTol·max|λ|. Default 1e-6.
	EigenTol float64

	// Epsilon is the distance of the separatrix seeds from their saddle, as a fraction of
	// the diagonal of the range. Default 1e-4.
	Epsilon float64
	// TMax is the time limit of a separatrix branch, forward or backward. Default 100.
	TMax float64
	// ODE holds the integrator settings of the separatrices (DOPRI5). Nil means Rtol 1e-9,
	// Atol 1e-12; its Observer and Events are replaced.
	ODE *ode.Settings
	// NoSeparatrices switches the separatrices off.
	NoSeparatrices bool

	// Levels are the imbalance levels D of the level-set curves. Nil means
	// DefaultLevels(range); an empty non-nil slice draws none.
	Levels []float64
}

// DefaultRange is the window of a portrait without trajectories to fit: [−2.5, 2.5]².
var DefaultRange = Range{XMin: -2.5, XMax: 2.5, YMin: -2.5, YMax: 2.5}

func (s *Settings) withDefaults() Settings {
	var set Settings
	if s != nil {
		set = *s
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	deff(&set.Margin, 0.1)
	def(&set.FieldX, 25)
	def(&set.FieldY, 25)
	def(&set.GridX, 150)
	def(&set.GridY, 150)
	def(&set.SeedsX, 15)
	def(&set.SeedsY, 15)
	def(&set.MaxNewton, 100)
	deff(&set.GradTol, 1e-10)
	deff(&set.MergeTol, 1e-6)
	deff(&set.EigenTol, 1e-6)
	deff(&set.Epsilon, 1e-4)
	deff(&set.TMax, 100)
	if set.ODE == nil {
		set.ODE = &ode.Settings{Rtol: 1e-9, Atol: 1e-12}
	}
	return set
}

func (s *Settings) validate() error {
	for _, c := range []struct {
		name string
		v    int
		min  int
	}{
		{"field columns", s.FieldX, 1}, {"field rows", s.FieldY, 1},
		{"grid columns", s.GridX, 1}, {"grid rows", s.GridY, 1},
		{"seed columns", s.SeedsX, 1}, {"seed rows", s.SeedsY, 1},
		{"Newton iterations", s.MaxNewton, 1},
	} {
		if c.v < c.min {
			return fmt.Errorf("portrait: %s %d must be ≥ %d", c.name, c.v, c.min)
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"margin", s.Margin}, {"gradient tolerance", s.GradTol}, {"merge tolerance", s.MergeTol},
		{"eigenvalue tolerance", s.EigenTol}, {"separatrix offset", s.Epsilon}, {"time limit", s.TMax},
	} {
		if !(c.v > 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("portrait: %s %v must be finite and > 0", c.name, c.v)
		}
	}
	return nil
}

// Summary describes a trajectory for a data file: method, start, end and status.
type Summary struct {
	Label string `json:"label"`
	// Start and End are the first and the last finite point; T0 and T1 their times.
	Start []float64 `json:"start"`
	End   []float64 `json:"end"`
	T0    float64   `json:"t0"`
	T1    float64   `json:"t1"`
	// Points is the number of points, Finite the number of leading points with finite
	// coordinates (a drawing cuts the trajectory there).
	Points int    `json:"points"`
	Finite int    `json:"finite"`
	Status string `json:"status"`
}

// FinitePrefix returns the number of leading points of tr whose time and weights are all
// finite: a drawing cuts the trajectory at the first non-finite point.
func FinitePrefix(tr *flow.Trajectory) int {
	for k := 0; k < tr.Len(); k++ {
		if !finite(tr.T[k]) {
			return k
		}
		for _, v := range tr.At(k) {
			if !finite(v) {
				return k
			}
		}
	}
	return tr.Len()
}

// Summarize returns the Summary of tr. Start and End are nil when no point is finite.
func Summarize(tr *flow.Trajectory) Summary {
	n := FinitePrefix(tr)
	s := Summary{Label: tr.Label, Points: tr.Len(), Finite: n, Status: tr.Status}
	if n > 0 {
		s.Start = append([]float64(nil), tr.At(0)...)
		s.End = append([]float64(nil), tr.At(n-1)...)
		s.T0, s.T1 = tr.T[0], tr.T[n-1]
	}
	return s
}

// FitRange returns the bounding box of the finite points of the trajectories projected on
// the plane, grown by margin times its width and height on every side. A side shorter than
// a third of the other is widened about its centre to that third, so that an equal-aspect
// drawing stays legible; a box of zero extent becomes ±1 about its point. Without finite
// points it returns DefaultRange.
func FitRange(p Plane, trs []*flow.Trajectory, margin float64) Range {
	i, j := p.Axes()
	r := Range{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for _, tr := range trs {
		if tr.Depth <= i || tr.Depth <= j {
			continue
		}
		for k := range FinitePrefix(tr) {
			w := tr.At(k)
			r.XMin, r.XMax = math.Min(r.XMin, w[i]), math.Max(r.XMax, w[i])
			r.YMin, r.YMax = math.Min(r.YMin, w[j]), math.Max(r.YMax, w[j])
		}
	}
	if math.IsInf(r.XMin, 1) {
		return DefaultRange
	}
	widen := func(lo, hi *float64, min float64) {
		if *hi-*lo < min {
			c := 0.5 * (*lo + *hi)
			*lo, *hi = c-0.5*min, c+0.5*min
		}
	}
	if r.XMax == r.XMin && r.YMax == r.YMin {
		// One point: a box around it, wide enough to be resolved in float64 far from 0.
		px := math.Max(1, 1e-3*math.Abs(r.XMin))
		py := math.Max(1, 1e-3*math.Abs(r.YMin))
		return Range{r.XMin - px, r.XMax + px, r.YMin - py, r.YMax + py}
	}
	widen(&r.XMin, &r.XMax, 0.75*(r.YMax-r.YMin))
	widen(&r.YMin, &r.YMax, 0.75*(r.XMax-r.XMin))
	return r.Expand(margin)
}

// Portrait is the data of a phase portrait: everything analysis/plot draws, and what a
// data file (portrait.json) records.
type Portrait struct {
	Plane Plane `json:"plane"`
	Range Range `json:"range"`
	// Caption states the slice for depth ≥ 3 ("w3 = 0.7 fixed"); empty for depth 2.
	Caption string `json:"caption,omitempty"`
	// Field is the direction field.
	Field *Field `json:"field"`
	// Objective is F sampled on GridX × GridY cells (not written to JSON).
	Objective *Grid `json:"-"`
	// Equilibria lists the zeros of ∇F in the range, isolated ones first.
	Equilibria []Equilibrium `json:"equilibria"`
	// Separatrices holds the branches of the saddles' manifolds (not written to JSON;
	// SeparatrixSummaries is).
	Separatrices        []*flow.Trajectory `json:"-"`
	SeparatrixSummaries []Summary          `json:"separatrices"`
	// Minima holds the pieces of the curve W = W* (MinimaCurves).
	Minima []Curve `json:"minima"`
	// Imbalance holds the imbalance level sets (ImbalanceCurves).
	Imbalance []Curve `json:"imbalance"`
	// Trajectories summarizes the trajectories given to New.
	Trajectories []Summary `json:"trajectories"`
}

// New computes the portrait of the plane's flow over s.Range (fitted to trs when zero):
// field, sampled objective, equilibria, separatrices, the curve of minima and the imbalance
// level sets, and the summaries of trs. The trajectories must have the plane's depth.
// A nil s means the default settings.
func New(p Plane, trs []*flow.Trajectory, s *Settings) (*Portrait, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	set := s.withDefaults()
	if err := set.validate(); err != nil {
		return nil, err
	}
	for k, tr := range trs {
		if tr == nil {
			return nil, fmt.Errorf("portrait: trajectory %d is nil", k)
		}
		if tr.Depth != p.Objective.Depth {
			return nil, fmt.Errorf("portrait: trajectory %d (%s) has depth %d, the plane %d", k, tr.Label, tr.Depth, p.Objective.Depth)
		}
	}
	r := set.Range
	if r.IsZero() {
		r = FitRange(p, trs, set.Margin)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	pt := &Portrait{Plane: p, Range: r, Caption: p.Caption()}
	var err error
	if pt.Field, err = NewField(p, r, set.FieldX, set.FieldY); err != nil {
		return nil, err
	}
	if pt.Objective, err = Sample(p, r, set.GridX, set.GridY, p.Objective.Value); err != nil {
		return nil, err
	}
	if pt.Equilibria, err = Equilibria(p, r, &set); err != nil {
		return nil, err
	}
	if !set.NoSeparatrices {
		if pt.Separatrices, err = Separatrices(p, pt.Equilibria, r, &set); err != nil {
			return nil, err
		}
	}
	for _, tr := range pt.Separatrices {
		pt.SeparatrixSummaries = append(pt.SeparatrixSummaries, Summarize(tr))
	}
	if pt.Minima, err = MinimaCurves(p, r); err != nil {
		return nil, err
	}
	levels := set.Levels
	if levels == nil {
		levels = DefaultLevels(r)
	}
	if pt.Imbalance, err = ImbalanceCurves(p, r, levels); err != nil {
		return nil, err
	}
	for _, tr := range trs {
		pt.Trajectories = append(pt.Trajectories, Summarize(tr))
	}
	return pt, nil
}

// Describe returns a short description of the objective for a title: "L",
// "L + (μ/2)‖w‖², μ = 0.3", "E L under input noise σ = 0.3", …
func Describe(o flow.Objective) string {
	s := "L"
	if o.Noise > 0 {
		s = fmt.Sprintf("E[L] under input noise σ = %g", o.Noise)
	}
	if o.WeightDecay > 0 {
		if o.Noise > 0 {
			s += ", "
		} else {
			s += " "
		}
		s += fmt.Sprintf("+ weight decay μ = %g", o.WeightDecay)
	}
	return s
}
