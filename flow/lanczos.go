package flow

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack"
	lapackgo "gonum.org/v1/gonum/lapack/gonum"
)

// Lanczos settings for the sharpness of a Net.
const (
	// lanczosTol stops the iteration once the residual bound β_k|s_k| of the top Ritz
	// value is below lanczosTol·|θ|: an eigenvalue of H then lies within that distance of θ
	// (Parlett, The Symmetric Eigenvalue Problem, §13.2), and θ's error is of the order of
	// the square of the bound over the gap to the next eigenvalue.
	lanczosTol = 1e-10
	// lanczosMax bounds the Krylov dimension.
	lanczosMax = 300
	// fullReorth is the largest parameter count for which the whole Krylov basis is kept and
	// every new vector is orthogonalized against it; above it only the three-term recurrence
	// runs, whose extreme Ritz value still converges to the extreme eigenvalue (Paige 1980),
	// in memory independent of the iteration count.
	fullReorth = 1 << 14
)

type lanczos struct {
	basis      [][]float64 // q_0 … q_k (all of them when full, else the last two)
	w          []float64
	alpha, bet []float64
	d, e, z    []float64
	work       []float64
}

// Sharpness returns the largest eigenvalue of ∇²L(w), the Hessian of the data loss (no
// weight decay, no noise), by the Lanczos iteration on exact Hessian-vector products from a
// fixed pseudo-random start (so the value is reproducible), and the residual bound of the
// returned value. It returns NaN when the Hessian-vector products are not finite.
func (n *Net) Sharpness(w []float64) float64 {
	s, _ := n.SharpnessBound(w)
	return s
}

// SharpnessBound returns the sharpness and the residual bound β_k|s_k| of the Ritz value:
// some eigenvalue of ∇²L(w) lies within the bound of it.
func (n *Net) SharpnessBound(w []float64) (float64, float64) {
	n.check(w)
	n.forward(w, 0)
	dim := n.Dim()
	full := dim <= fullReorth
	maxIt := min(dim, lanczosMax)
	lz := &n.lz
	if len(lz.w) != dim {
		*lz = lanczos{w: make([]float64, dim)}
	}
	lz.alpha, lz.bet = lz.alpha[:0], lz.bet[:0]
	newVec := func() []float64 { return make([]float64, dim) }
	if full {
		lz.basis = lz.basis[:0]
	} else if len(lz.basis) != 2 {
		lz.basis = [][]float64{newVec(), newVec()}
	}
	q := newVec()
	rng := rand.New(rand.NewPCG(0x5eed, 0x1a2c))
	for k := range q {
		q[k] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(q, 2), q)
	var prev []float64
	theta, res := math.NaN(), math.Inf(1)
	for it := 0; it < maxIt; it++ {
		if full {
			lz.basis = append(lz.basis, q)
		}
		n.hessVec(lz.w, w, q, 0, 0)
		a := floats.Dot(q, lz.w)
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return math.NaN(), math.Inf(1)
		}
		floats.AddScaled(lz.w, -a, q)
		if prev != nil {
			floats.AddScaled(lz.w, -lz.bet[len(lz.bet)-1], prev)
		}
		if full {
			// Twice is enough (Kahan's "twice is enough" for Gram–Schmidt).
			for range 2 {
				for _, b := range lz.basis {
					floats.AddScaled(lz.w, -floats.Dot(b, lz.w), b)
				}
			}
		}
		b := floats.Norm(lz.w, 2)
		lz.alpha = append(lz.alpha, a)
		theta, res = lz.top(b)
		if res <= lanczosTol*math.Abs(theta) || b == 0 || it == maxIt-1 {
			break
		}
		lz.bet = append(lz.bet, b)
		next := newVec()
		if !full {
			// Reuse the two buffers: next overwrites the vector before prev.
			next = lz.basis[it%2]
			if &next[0] == &q[0] {
				next = lz.basis[(it+1)%2]
			}
		}
		for k, v := range lz.w {
			next[k] = v / b
		}
		prev, q = q, next
	}
	return theta, res
}

// top returns the largest eigenvalue of the tridiagonal Lanczos matrix of the alphas and
// betas so far and its residual bound β·|s_k|, with β the norm of the next vector.
func (lz *lanczos) top(beta float64) (float64, float64) {
	k := len(lz.alpha)
	lz.d = append(lz.d[:0], lz.alpha...)
	lz.e = append(lz.e[:0], lz.bet...)
	if cap(lz.z) < k*k {
		lz.z = make([]float64, k*k)
	}
	z := lz.z[:k*k]
	if cap(lz.work) < max(1, 2*k-2) {
		lz.work = make([]float64, max(1, 2*k-2))
	}
	lz.e = append(lz.e, 0) // Dsteqr wants len(e) ≥ n−1; keep one spare
	if !(lapackgo.Implementation{}).Dsteqr(lapack.EVTridiag, k, lz.d, lz.e[:max(k-1, 0)], z, k, lz.work[:max(1, 2*k-2)]) {
		return math.NaN(), math.Inf(1)
	}
	// Ascending eigenvalues; the last component of the top eigenvector is z[k−1][k−1].
	return lz.d[k-1], beta * math.Abs(z[(k-1)*k+k-1])
}
