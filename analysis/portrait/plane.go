package portrait

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Plane is the 2-D slice of weight space a portrait is drawn on: the weights I and J vary
// (horizontal and vertical axis), every other weight keeps its value in Base.
type Plane struct {
	// Objective is the F of the flow ẇ = −∇F.
	Objective flow.Objective `json:"objective"`
	// I and J are the 0-based indices of the horizontal and the vertical weight.
	// I = J = 0 (the zero value) means I = 0, J = 1.
	I int `json:"i"`
	J int `json:"j"`
	// Base holds the values of the fixed weights, indexed like w; its entries I and J are
	// ignored. Nil means 1 for every fixed weight (a balanced minimum of the plain loss).
	// When not nil its length must be the depth.
	Base []float64 `json:"base,omitempty"`
}

// Axes returns the indices of the horizontal and the vertical weight, with the default
// applied.
func (p Plane) Axes() (i, j int) {
	if p.I == 0 && p.J == 0 {
		return 0, 1
	}
	return p.I, p.J
}

// Validate reports the first setting of p that is out of range.
func (p Plane) Validate() error {
	if err := p.Objective.Validate(); err != nil {
		return fmt.Errorf("portrait: %w", err)
	}
	d := p.Objective.Depth
	i, j := p.Axes()
	switch {
	case i < 0 || i >= d:
		return fmt.Errorf("portrait: plane index i = %d out of range for depth %d", i, d)
	case j < 0 || j >= d:
		return fmt.Errorf("portrait: plane index j = %d out of range for depth %d", j, d)
	case i == j:
		return fmt.Errorf("portrait: plane indices i = j = %d must differ", i)
	case p.Base != nil && len(p.Base) != d:
		return fmt.Errorf("portrait: base point has %d weights for depth %d", len(p.Base), d)
	}
	for k, v := range p.Base {
		if k != i && k != j && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return fmt.Errorf("portrait: base weight w%d = %v is not finite", k+1, v)
		}
	}
	return nil
}

// Point writes the weights of the plane point (x, y) into w, which must have the depth's
// length; it panics otherwise.
func (p Plane) Point(w []float64, x, y float64) {
	if len(w) != p.Objective.Depth {
		panic("portrait: length mismatch")
	}
	i, j := p.Axes()
	for k := range w {
		if p.Base != nil {
			w[k] = p.Base[k]
		} else {
			w[k] = 1
		}
	}
	w[i], w[j] = x, y
}

// Coords returns the plane coordinates (w_I, w_J) of the weights w.
func (p Plane) Coords(w []float64) (x, y float64) {
	i, j := p.Axes()
	return w[i], w[j]
}

// Fixed returns the product P of the fixed weights (1 for depth 2), so that W = x·y·P on
// the plane.
func (p Plane) Fixed() float64 {
	i, j := p.Axes()
	prod := 1.0
	for k := 0; k < p.Objective.Depth; k++ {
		if k != i && k != j && p.Base != nil {
			prod *= p.Base[k]
		}
	}
	return prod
}

// AxisNames returns the names of the horizontal and the vertical weight ("w1", "w2"), 1-based
// as in the paper.
func (p Plane) AxisNames() (x, y string) {
	i, j := p.Axes()
	return "w" + strconv.Itoa(i+1), "w" + strconv.Itoa(j+1)
}

// Caption states which weights are held fixed, as "w3 = 0.7 fixed"; it is empty for depth 2.
func (p Plane) Caption() string {
	i, j := p.Axes()
	var parts []string
	for k := 0; k < p.Objective.Depth; k++ {
		if k == i || k == j {
			continue
		}
		v := 1.0
		if p.Base != nil {
			v = p.Base[k]
		}
		parts = append(parts, fmt.Sprintf("w%d = %s", k+1, strconv.FormatFloat(v, 'g', 4, 64)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + " fixed"
}

// evaluator evaluates the restricted gradient and Hessian of F on the plane with buffers
// allocated once. It is not safe for concurrent use.
type evaluator struct {
	p    Plane
	i, j int
	w, g []float64
	h    *mat.SymDense
}

func newEvaluator(p Plane) *evaluator {
	d := p.Objective.Depth
	i, j := p.Axes()
	e := &evaluator{p: p, i: i, j: j, w: make([]float64, d), g: make([]float64, d)}
	p.Point(e.w, 0, 0)
	return e
}

func (e *evaluator) set(x, y float64) {
	e.w[e.i], e.w[e.j] = x, y
}

// grad returns (∂F/∂w_I, ∂F/∂w_J) at the plane point (x, y).
func (e *evaluator) grad(x, y float64) (gx, gy float64) {
	e.set(x, y)
	e.p.Objective.Gradient(e.g, e.w)
	return e.g[e.i], e.g[e.j]
}

// hess returns the Hessian of F restricted to the plane, [[a, b], [b, c]], at (x, y).
func (e *evaluator) hess(x, y float64) (a, b, c float64) {
	if e.h == nil {
		e.h = mat.NewSymDense(len(e.w), nil)
	}
	e.set(x, y)
	e.p.Objective.Hessian(e.h, e.w)
	return e.h.At(e.i, e.i), e.h.At(e.i, e.j), e.h.At(e.j, e.j)
}

// Flow returns the right-hand side of the gradient flow restricted to the plane, on the
// state (x, y): ẋ = −∂F/∂w_I, ẏ = −∂F/∂w_J with the other weights fixed. For depth 2 it is
// the full flow. The function owns scratch buffers: do not call it from several goroutines
// at once.
func (p Plane) Flow() ode.Func {
	e := newEvaluator(p)
	return func(dy []float64, _ float64, y []float64) {
		gx, gy := e.grad(y[0], y[1])
		dy[0], dy[1] = -gx, -gy
	}
}

// Range is a rectangle [XMin, XMax] × [YMin, YMax] of the plane.
type Range struct {
	XMin float64 `json:"xmin"`
	XMax float64 `json:"xmax"`
	YMin float64 `json:"ymin"`
	YMax float64 `json:"ymax"`
}

// Validate reports an empty or non-finite range, or a side that CheckSpan refuses.
func (r Range) Validate() error {
	for _, v := range [...]float64{r.XMin, r.XMax, r.YMin, r.YMax} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("portrait: range [%v, %v] × [%v, %v] is not finite", r.XMin, r.XMax, r.YMin, r.YMax)
		}
	}
	if !(r.XMin < r.XMax) {
		return fmt.Errorf("portrait: empty range: x from %v to %v (need min < max)", r.XMin, r.XMax)
	}
	if !(r.YMin < r.YMax) {
		return fmt.Errorf("portrait: empty range: y from %v to %v (need min < max)", r.YMin, r.YMax)
	}
	if err := CheckSpan(r.XMin, r.XMax); err != nil {
		return fmt.Errorf("portrait: x from %v to %v: %v", r.XMin, r.XMax, err)
	}
	if err := CheckSpan(r.YMin, r.YMax); err != nil {
		return fmt.Errorf("portrait: y from %v to %v: %v", r.YMin, r.YMax, err)
	}
	return nil
}

// MinSpan and RelSpan bound how narrow a side of a Range may be: at least MinSpan wide and
// RelSpan of its larger end in magnitude, so that the points of a grid of a thousand cells
// across it (the field has at most a few hundred, F's grid 150) are normal float64 numbers
// some 10⁴ units in the last place apart, and tick labels tell them apart.
const (
	MinSpan = 1e-300
	RelSpan = 1e-9
)

// CheckSpan returns an error, without a package prefix, unless [lo, hi] can be a side of a
// Range: finite, lo < hi, its width hi − lo and centre (lo + hi)/2 finite (grids and ticks are
// computed from them), and not narrower than MinSpan and RelSpan allow.
func CheckSpan(lo, hi float64) error {
	switch {
	case math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0):
		return fmt.Errorf("not finite")
	case !(lo < hi):
		return fmt.Errorf("want min < max")
	case math.IsInf(hi-lo, 0) || math.IsInf(lo+hi, 0):
		return fmt.Errorf("its width or centre overflows float64 (%v)", math.Max(math.Abs(hi-lo), math.Abs(lo+hi)))
	case hi-lo < MinSpan || hi-lo < RelSpan*math.Max(math.Abs(lo), math.Abs(hi)):
		return fmt.Errorf("too narrow: the points of a grid across it would not be told apart in float64 (want a width ≥ %g and ≥ %g of the larger end)", MinSpan, RelSpan)
	}
	return nil
}

// IsZero reports whether r is the zero Range (which settings read as "choose one").
func (r Range) IsZero() bool { return r == Range{} }

// Contains reports whether (x, y) lies in the closed rectangle.
func (r Range) Contains(x, y float64) bool {
	return r.XMin <= x && x <= r.XMax && r.YMin <= y && y <= r.YMax
}

// Diagonal returns the length of the rectangle's diagonal, the scale of the tolerances
// that are relative to the range.
func (r Range) Diagonal() float64 { return math.Hypot(r.XMax-r.XMin, r.YMax-r.YMin) }

// Expand returns r grown by the fraction f of its width and height on every side.
func (r Range) Expand(f float64) Range {
	dx, dy := f*(r.XMax-r.XMin), f*(r.YMax-r.YMin)
	return Range{r.XMin - dx, r.XMax + dx, r.YMin - dy, r.YMax + dy}
}

// cells returns the centres of n equal cells of [a, b].
func cells(a, b float64, n int) []float64 {
	v := make([]float64, n)
	h := (b - a) / float64(n)
	for k := range v {
		// float64(…) rounds the product in every build: fused with the sum (GOAMD64=v3,
		// arm64) it would put the centres that land on 0 or 1 here (an equilibrium, the
		// minima) a rounding error off them, and the field would show an arrow there.
		v[k] = a + float64((float64(k)+0.5)*h)
	}
	return v
}

// linspace returns n equally spaced points from a to b, both included.
func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	if n == 1 {
		v[0] = 0.5 * (a + b)
		return v
	}
	for k := range v {
		v[k] = a + (b-a)*float64(k)/float64(n-1)
	}
	v[n-1] = b
	return v
}
