package analysis

import (
	"math"

	"github.com/layerflow/layerflow/flow"
)

// Point holds the quantities of one point of a trajectory.
type Point struct {
	T         float64
	W         []float64
	Loss      float64
	Imbalance []float64 // adjacent pairs D_{i,i+1}
	MaxAbsD   float64   // ‖D‖ = max_{i,j} |D_ij|
	Sharpness float64
}

// Series evaluates loss (the data loss with floor c), adjacent imbalances, ‖D‖ and
// sharpness at every point of tr.
func Series(tr *flow.Trajectory, c float64) []Point {
	obj := flow.Objective{Depth: tr.Depth, C: c}
	ps := make([]Point, tr.Len())
	for k := range ps {
		w := tr.At(k)
		p := Point{T: tr.T[k], W: w, Loss: obj.Loss(w), Imbalance: make([]float64, tr.Depth-1)}
		p.MaxAbsD = flow.Imbalance(p.Imbalance, w)
		p.Sharpness = flow.Sharpness(w)
		ps[k] = p
	}
	return ps
}

// Pairs lists the index pairs (i, j), i < j, of depth d in the order used by pair-wise results.
func Pairs(d int) [][2]int {
	var ps [][2]int
	for i := 0; i < d; i++ {
		for j := i + 1; j < d; j++ {
			ps = append(ps, [2]int{i, j})
		}
	}
	return ps
}

// pairScale is the scale relative to which a change of D_ij is measured: |D_ij(0)|, or the
// largest w_k²(0) when the pair starts balanced (so that a drift of a zero imbalance is still
// measured relative to the size of the weights).
func pairScale(w0 []float64, i, j int) float64 {
	d := math.Abs(flow.Pair(w0, i, j))
	if d > 0 {
		return d
	}
	var m float64
	for _, v := range w0 {
		m = math.Max(m, v*v)
	}
	if m == 0 {
		return 1
	}
	return m
}

// MaxRelDrift returns, for every pair of Pairs(d), the largest |D_ij(t) − D_ij(0)| along tr,
// relative to pairScale.
func MaxRelDrift(tr *flow.Trajectory) []float64 {
	ps := Pairs(tr.Depth)
	out := make([]float64, len(ps))
	w0 := tr.At(0)
	for p, ij := range ps {
		d0, s := flow.Pair(w0, ij[0], ij[1]), pairScale(w0, ij[0], ij[1])
		for k := 1; k < tr.Len(); k++ {
			out[p] = math.Max(out[p], math.Abs(flow.Pair(tr.At(k), ij[0], ij[1])-d0)/s)
		}
	}
	return out
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
