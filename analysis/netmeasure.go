package analysis

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// NetPoint is what is recorded of a matrix network at one time, without its weights.
type NetPoint struct {
	// Loss is the data loss L; Value the objective F.
	Loss, Value float64
	// DF and D2 hold ‖D_i‖_F and ‖D_i‖_2 for the pairs i = 1 … d−1; DEig the eigenvalues of
	// every D_i in ascending order (when asked for).
	DF, D2 []float64
	DEig   [][]float64
	// Sharpness is the largest eigenvalue of ∇²L and SharpBound the Lanczos residual bound
	// (NaN when not measured).
	Sharpness, SharpBound float64
	// SV holds the largest singular values of the end-to-end product W, descending.
	SV []float64
}

// MeasureNet measures net at w: the loss and objective, the imbalance of every layer pair
// (Frobenius and spectral norms, and the eigenvalues when eig is true), the topK largest
// singular values of W, and the sharpness when sharp is true. net is any flow.Layered: on
// the scalar flow.Objective it gives the loss ½(W − 1)² + C, ‖D_i‖_F = ‖D_i‖_2 = |w_{i+1}² − w_i²|,
// the singular value |W| and flow.Sharpness(w) with bound 0.
func MeasureNet(net flow.Layered, w []float64, topK int, sharp, eig bool) NetPoint {
	p := NetPoint{Loss: net.Loss(w), Value: net.Value(w), Sharpness: math.NaN(), SharpBound: math.NaN()}
	d := len(net.Widths()) - 1
	p.DF, p.D2 = make([]float64, d-1), make([]float64, d-1)
	for i := 1; i < d; i++ {
		var D mat.SymDense
		net.ImbalanceMatrix(&D, w, i)
		p.DF[i-1] = mat.Norm(&D, 2) // Frobenius for matrices
		var es mat.EigenSym
		if !finiteSym(&D) || !es.Factorize(&D, false) {
			p.D2[i-1] = math.NaN()
			if eig {
				p.DEig = append(p.DEig, nil)
			}
			continue
		}
		v := es.Values(nil)
		p.D2[i-1] = math.Max(math.Abs(v[0]), math.Abs(v[len(v)-1]))
		if eig {
			p.DEig = append(p.DEig, v)
		}
	}
	var W mat.Dense
	net.Product(&W, w)
	if topK > 0 {
		var svd mat.SVD
		if finiteDense(&W) && svd.Factorize(&W, mat.SVDNone) {
			v := svd.Values(nil)
			p.SV = v[:min(topK, len(v))]
		} else {
			p.SV = make([]float64, topK)
			for k := range p.SV {
				p.SV[k] = math.NaN()
			}
		}
	}
	if sharp {
		p.Sharpness, p.SharpBound = net.SharpnessBound(w)
	}
	return p
}

func finiteSym(a *mat.SymDense) bool {
	n := a.SymmetricDim()
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			if v := a.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

func finiteDense(a *mat.Dense) bool {
	for _, v := range a.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
