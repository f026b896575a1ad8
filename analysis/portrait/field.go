package portrait

import (
	"fmt"
	"math"
)

// Field is the direction field of the flow ẇ = −∇F on a grid of cell centres: the arrows
// of a phase portrait, of unit length, with the speed kept apart so that a drawing can
// colour by it and arrows near equilibria stay visible.
type Field struct {
	// X holds the NX column coordinates, Y the NY row coordinates.
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
	// U and V hold the unit direction of ẇ at (X[c], Y[r]), stored row by row at index
	// r·NX + c; both are 0 where the speed is 0.
	U []float64 `json:"u"`
	V []float64 `json:"v"`
	// Speed holds |ẇ| = |∇F| (restricted to the plane), in the same order.
	Speed []float64 `json:"speed"`
}

// Dims returns the number of columns and rows.
func (f *Field) Dims() (nx, ny int) { return len(f.X), len(f.Y) }

// At returns the unit direction and the speed at column c, row r.
func (f *Field) At(c, r int) (u, v, speed float64) {
	k := r*len(f.X) + c
	return f.U[k], f.V[k], f.Speed[k]
}

// NewField computes the direction field of the plane's flow on nx × ny cell centres of r.
// It returns an error for an invalid plane or range, or nx, ny < 1.
func NewField(p Plane, r Range, nx, ny int) (*Field, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	if nx < 1 || ny < 1 {
		return nil, fmt.Errorf("portrait: field grid %d×%d must have at least one cell", nx, ny)
	}
	f := &Field{
		X:     cells(r.XMin, r.XMax, nx),
		Y:     cells(r.YMin, r.YMax, ny),
		U:     make([]float64, nx*ny),
		V:     make([]float64, nx*ny),
		Speed: make([]float64, nx*ny),
	}
	e := newEvaluator(p)
	for row, y := range f.Y {
		for c, x := range f.X {
			gx, gy := e.grad(x, y)
			k := row*nx + c
			s := math.Hypot(gx, gy)
			f.Speed[k] = s
			if s > 0 && !math.IsInf(s, 0) {
				f.U[k], f.V[k] = -gx/s, -gy/s
			}
		}
	}
	return f, nil
}

// Grid holds a scalar function sampled on a rectangular grid: Z[r·len(X) + c] is the value
// at (X[c], Y[r]). Rows run along Y, columns along X (a plotter.GridXYZ has its Dims the
// other way round from a mat.Matrix; see analysis/plot).
type Grid struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
	Z []float64 `json:"z"`
}

// At returns the value at column c, row r.
func (g *Grid) At(c, r int) float64 { return g.Z[r*len(g.X)+c] }

// Sample evaluates f at the weights of the nx × ny cell centres of r. The cells tile r
// exactly, as a heat map draws them. f must not keep its argument.
func Sample(p Plane, r Range, nx, ny int, f func(w []float64) float64) (*Grid, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	if nx < 1 || ny < 1 {
		return nil, fmt.Errorf("portrait: sample grid %d×%d must have at least one cell", nx, ny)
	}
	g := &Grid{X: cells(r.XMin, r.XMax, nx), Y: cells(r.YMin, r.YMax, ny), Z: make([]float64, nx*ny)}
	w := make([]float64, p.Objective.Depth)
	p.Point(w, 0, 0)
	i, j := p.Axes()
	for row, y := range g.Y {
		for c, x := range g.X {
			w[i], w[j] = x, y
			g.Z[row*nx+c] = f(w)
		}
	}
	return g, nil
}

// check validates a plane and a range together.
func check(p Plane, r Range) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return r.Validate()
}
