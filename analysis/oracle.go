package analysis

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// The oracles: the closed forms the checks compare with, written here from the mathematics
// and on purpose not through the flow and discrete packages whose output they judge (a bug
// there must not move the prediction with the measurement).
//
// Scalar network y = w_1⋯w_d·x on normalized data: W = ∏ w_i, g_i = ∂W/∂w_i = ∏_{j≠i} w_j,
// L = ½(W − 1)² + c, and the Hessian of L
//
//	H_ij = g_i g_j + (W − 1)·∏_{k≠i,j} w_k   (i ≠ j),   H_ii = g_i².

// oracleProduct returns ∏ w_i.
func oracleProduct(w []float64) float64 {
	p := 1.0
	for i := len(w) - 1; i >= 0; i-- {
		p *= w[i]
	}
	return p
}

// oracleExcept returns ∏_{k∉{i,j}} w_k (i = j leaves one factor out).
func oracleExcept(w []float64, i, j int) float64 {
	p := 1.0
	for k := range w {
		if k != i && k != j {
			p *= w[k]
		}
	}
	return p
}

// oracleHessian returns the Hessian of the data loss L at w, with μ on the diagonal and
// (1 + σ²) on the g gᵀ part and e + σ²W on the cross part for an objective with weight
// decay μ and input noise σ.
func oracleHessian(w []float64, mu, sigma float64) *mat.SymDense {
	d := len(w)
	W := oracleProduct(w)
	s2 := sigma * sigma
	a := W - 1 + s2*W
	h := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		gi := oracleExcept(w, i, i)
		for j := i; j < d; j++ {
			gj := oracleExcept(w, j, j)
			v := (1 + s2) * gi * gj
			if i != j {
				v += a * oracleExcept(w, i, j)
			} else {
				v += mu
			}
			h.SetSym(i, j, v)
		}
	}
	return h
}

// oracleEigen returns the eigenvalues of the Hessian of L at w in ascending order, from a
// dense symmetric eigen-decomposition, and the Frobenius norm of the matrix.
func oracleEigen(w []float64) ([]float64, float64) {
	h := oracleHessian(w, 0, 0)
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		return nil, math.NaN()
	}
	return es.Values(nil), mat.Norm(h, 2)
}

// oracleMinimumFromD returns the minimum of depth d = len(D)+1 (W = 1, all w_i > 0) whose
// adjacent imbalances are D_i = w_i² − w_{i+1}², and its sharpness Σ 1/w_i². With a_i = w_i²,
// a_{i+1} = a_i − D_i fixes every a_i by a_1, and ∏ a_i = 1, increasing in a_1, fixes a_1
// (bisection in log space to the last bit).
func oracleMinimumFromD(D []float64) (w []float64, S float64) {
	d := len(D) + 1
	off := make([]float64, d) // a_i = a_1 − off_i
	for i := 1; i < d; i++ {
		off[i] = off[i-1] + D[i-1]
	}
	lo := 0.0
	for _, o := range off {
		lo = math.Max(lo, o) // every a_i > 0 needs a_1 > max off_i
	}
	logProd := func(a1 float64) float64 {
		var s float64
		for _, o := range off {
			s += math.Log(a1 - o)
		}
		return s
	}
	hi := lo + 1
	for logProd(hi) < 0 {
		hi = lo + 2*(hi-lo)
	}
	for k := 0; k < 2000 && hi > lo; k++ {
		m := lo + (hi-lo)/2
		if m == lo || m == hi {
			break
		}
		if logProd(m) < 0 {
			lo = m
		} else {
			hi = m
		}
	}
	a1 := hi
	w = make([]float64, d)
	for i := range w {
		a := a1 - off[i]
		w[i] = math.Sqrt(a)
		S += 1 / a
	}
	return w, S
}

// oracleRho returns ρ = mean_k (W x_k − y_k)·x_k of full-batch GD at w on data (W − 1 on the
// population loss, data nil).
func oracleRho(w []float64, data *flow.Dataset) float64 {
	W := oracleProduct(w)
	if data == nil {
		return W - 1
	}
	var s float64
	for k, x := range data.X {
		s += (W*x - data.Y[k]) * x
	}
	return s / float64(len(data.X))
}

// oracleSpeeds splits a displacement dw at w into its part along ∇W (normal to the level
// sets of W, the loss's direction) and the rest (tangential): it returns |dw_n| and |dw_t|.
func oracleSpeeds(w, dw []float64) (normal, tangential float64) {
	var gg, gd, dd float64
	for i := range w {
		g := oracleExcept(w, i, i)
		gg += g * g
		gd += g * dw[i]
		dd += dw[i] * dw[i]
	}
	if gg == 0 {
		return 0, math.Sqrt(dd)
	}
	n2 := gd * gd / gg
	return math.Sqrt(n2), math.Sqrt(math.Max(dd-n2, 0))
}

// oracleAcross returns the norm of the part of dw across ∇W at w, computed as the vector
// dw − (dw·ĝ)ĝ (accurate to a few ulps of |dw|, where |dw|² − (dw·ĝ)² would lose half the
// digits).
func oracleAcross(w, dw []float64) float64 {
	g := partialsOracle(w)
	var gg, gd float64
	for i := range g {
		gg += g[i] * g[i]
		gd += g[i] * dw[i]
	}
	if gg == 0 {
		return math.Sqrt(sumSquares(dw))
	}
	var s float64
	for i := range g {
		p := dw[i] - gd/gg*g[i]
		s += p * p
	}
	return math.Sqrt(s)
}

// oracleImbalance returns ‖D‖ = max w_i² − min w_i².
func oracleImbalance(w []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range w {
		lo, hi = math.Min(lo, v*v), math.Max(hi, v*v)
	}
	return hi - lo
}
