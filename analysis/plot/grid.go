package plot

import (
	"gonum.org/v1/plot/plotter"

	"github.com/layerflow/layerflow/analysis/portrait"
)

// Grid adapts a portrait.Grid to gonum's plotter.GridXYZ, the input of plotter.HeatMap and
// plotter.NewContour. A GridXYZ counts its dimensions as (columns, rows) and reads Z(c, r),
// column first: the opposite of mat.Matrix, whose Dims is (rows, columns) and At(r, c).
// Here a column c is the position X[c] on the horizontal axis and a row r the position
// Y[r] on the vertical one, so Z(c, r) is the value at (X[c], Y[r]).
type Grid struct {
	G *portrait.Grid
}

var _ plotter.GridXYZ = Grid{}

// Dims returns the number of columns (along X) and rows (along Y).
func (g Grid) Dims() (c, r int) { return len(g.G.X), len(g.G.Y) }

// Z returns the value at (X(c), Y(r)). It panics if c or r is out of range.
func (g Grid) Z(c, r int) float64 {
	if c < 0 || c >= len(g.G.X) || r < 0 || r >= len(g.G.Y) {
		panic("plot: grid index out of range")
	}
	return g.G.Z[r*len(g.G.X)+c]
}

// X returns the horizontal coordinate of column c.
func (g Grid) X(c int) float64 { return g.G.X[c] }

// Y returns the vertical coordinate of row r.
func (g Grid) Y(r int) float64 { return g.G.Y[r] }
