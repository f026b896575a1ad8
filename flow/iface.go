package flow

import (
	"math"

	"github.com/layerflow/layerflow/flow/ode"
	"gonum.org/v1/gonum/mat"
)

// Model is the training objective of a deep linear network over one flat parameter
// vector: the scalar network of the paper (Objective, with its closed forms) and the
// network of matrix layers (Net) both implement it, and the integrators, the discrete
// methods and the checks work on it.
type Model interface {
	// Dim returns the number of parameters.
	Dim() int
	// Widths returns n_0, …, n_d; the scalar network of depth d has d + 1 ones.
	Widths() []int
	// Value returns the objective F(w), regularizers included; Loss the data loss L(w).
	Value(w []float64) float64
	Loss(w []float64) float64
	// Gradient writes ∇F(w) into grad.
	Gradient(grad, w []float64)
	// HessVec writes ∇²F(w)·v into dst.
	HessVec(dst, w, v []float64)
	// PairImbalance writes ‖D_i‖_F, i = 1 … d−1, of the adjacent layer pairs into dst and
	// returns the largest.
	PairImbalance(dst, w []float64) float64
	// Sharpness returns the largest eigenvalue of ∇²L(w).
	Sharpness(w []float64) float64
	// Flow returns the right-hand side of the gradient flow ẇ = −∇F(w).
	Flow() ode.Func
}

var (
	_ Model = Objective{}
	_ Model = (*Net)(nil)
)

// Dim returns the depth d, the number of weights.
func (o Objective) Dim() int { return o.Depth }

// Widths returns d + 1 ones.
func (o Objective) Widths() []int {
	w := make([]int, o.Depth+1)
	for i := range w {
		w[i] = 1
	}
	return w
}

// PairImbalance writes |D_{i,i+1}| = |w_i² − w_{i+1}²| into dst (length d−1) and returns the
// largest. (‖D‖ of Imbalance is the largest over all pairs, not only adjacent ones.)
func (o Objective) PairImbalance(dst, w []float64) float64 {
	if len(dst) != len(w)-1 {
		panic("flow: length mismatch")
	}
	var m float64
	for i := range dst {
		dst[i] = math.Abs(w[i]*w[i] - w[i+1]*w[i+1])
		if !(dst[i] <= m) {
			m = dst[i]
		}
	}
	return m
}

// Sharpness returns the largest eigenvalue of ∇²L(w), as the function Sharpness does.
func (o Objective) Sharpness(w []float64) float64 { return Sharpness(w) }

// Net returns the same objective as a Net of widths 1, …, 1 on the statistics of the
// normalized data (Sxx = Syx = 1, Syy = 1 + 2C).
func (o Objective) Net() (*Net, error) {
	return NewNet(o.Widths(), Stats{Sxx: mat.NewSymDense(1, []float64{1}), Syx: mat.NewDense(1, 1, []float64{1}), Syy: 1 + 2*o.C}, o.WeightDecay, o.Noise)
}
