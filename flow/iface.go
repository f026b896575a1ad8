package flow

import (
	"math"

	"github.com/layerflow/layerflow/flow/ode"
	"gonum.org/v1/gonum/mat"
)

// Model is the training objective of a deep linear network over one flat parameter
// vector: the scalar network of the paper (Objective, with its closed forms) and the
// network of matrix layers (Net) both implement it, and the integrators, the discrete
// methods and the checks work on it. Layered adds the layer view, and Sampled the gradient
// of a batch of samples that SGD and noisy GD take.
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

// Layered is a Model with its layer view: what the analysis of layer pairs (imbalance
// matrices, portraits on layer coordinates, measurements) needs beyond the flat vector. Both
// models implement it: the layer i of the scalar network (Objective) is the 1×1 matrix w_i,
// so that every matrix formula of the package documentation (Matrix layers) reads as its
// scalar special case (D_i = w_{i+1}² − w_i² = −D_{i,i+1}, W = ∏ w_i).
type Layered interface {
	Model
	// Layer returns the view of layer i (1 ≤ i ≤ d) of w as an n_i×n_{i−1} matrix that
	// shares w's storage.
	Layer(w []float64, i int) *mat.Dense
	// ImbalanceMatrix writes D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ (n_i×n_i, 1 ≤ i < d) into dst;
	// an empty dst is sized.
	ImbalanceMatrix(dst *mat.SymDense, w []float64, i int)
	// Product writes the end-to-end matrix W = W_d ⋯ W_1 (n_d×n_0) into dst.
	Product(dst *mat.Dense, w []float64)
	// Regularizers returns the weight decay μ and the input noise σ of F.
	Regularizers() (mu, sigma float64)
	// SharpnessBound returns the sharpness and a bound on its error: the Lanczos residual
	// for Net, 0 for the scalar network, whose sharpness is a closed form (d = 2) or a dense
	// eigen-decomposition (to round-off).
	SharpnessBound(w []float64) (float64, float64)
}

var (
	_ Layered = Objective{}
	_ Layered = (*Net)(nil)
)

// Layer returns w_i (1 ≤ i ≤ d) as a 1×1 matrix that shares w's storage. It panics if i
// is out of range.
func (o Objective) Layer(w []float64, i int) *mat.Dense {
	if i < 1 || i > len(w) {
		panic("flow: layer out of range")
	}
	return mat.NewDense(1, 1, w[i-1:i:i])
}

// ImbalanceMatrix writes the 1×1 matrix D_i = w_{i+1}² − w_i² (1 ≤ i < d) into dst (sized
// when empty), the negative of the pair imbalance D_{i,i+1} of Imbalance.
func (o Objective) ImbalanceMatrix(dst *mat.SymDense, w []float64, i int) {
	if len(w) != o.Depth {
		panic("flow: length mismatch")
	}
	if i < 1 || i >= len(w) {
		panic("flow: layer out of range")
	}
	if dst.IsEmpty() {
		*dst = *mat.NewSymDense(1, nil)
	}
	if dst.SymmetricDim() != 1 {
		panic("flow: imbalance size mismatch")
	}
	dst.SetSym(0, 0, w[i]*w[i]-w[i-1]*w[i-1])
}

// Product writes the 1×1 matrix W = ∏ w_i into dst.
func (o Objective) Product(dst *mat.Dense, w []float64) {
	if len(w) != o.Depth {
		panic("flow: length mismatch")
	}
	dst.ReuseAs(1, 1)
	dst.Set(0, 0, Product(w))
}

// Regularizers returns WeightDecay and Noise.
func (o Objective) Regularizers() (mu, sigma float64) { return o.WeightDecay, o.Noise }

// SharpnessBound returns Sharpness(w) and 0: the value is exact to round-off.
func (o Objective) SharpnessBound(w []float64) (float64, float64) { return Sharpness(w), 0 }

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
