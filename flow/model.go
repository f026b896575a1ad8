package flow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"gonum.org/v1/gonum/mat"
)

// Objective is the training objective of a scalar deep linear network y = w_1⋯w_d·x on
// data normalized as in the package documentation, The model (mean x² = 1, mean x·y = 1):
//
//	L(w) = ½ e² + C                       e = W − 1, W = ∏ w_i
//	F(w) = L(w) + ½ σ² W² + (μ/2) ‖w‖²     (expected loss under input noise σ, weight decay μ)
//
// The zero values of WeightDecay and Noise give the plain loss.
type Objective struct {
	// Depth d ≥ 2.
	Depth int `json:"depth"`
	// WeightDecay μ ≥ 0.
	WeightDecay float64 `json:"weight_decay"`
	// Noise σ ≥ 0: the standard deviation of Gaussian noise added to the inputs.
	// In the flow it enters through the expected loss.
	Noise float64 `json:"noise"`
	// C = ½(mean(y²) − 1) ≥ 0 is the loss that no network removes; 0 for the population loss.
	C float64 `json:"loss_floor"`
}

// Validate reports the first setting that is out of range.
func (o Objective) Validate() error {
	switch {
	case o.Depth < 2:
		return fmt.Errorf("flow: depth %d < 2", o.Depth)
	case !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0):
		return fmt.Errorf("flow: weight decay %v must be finite and ≥ 0", o.WeightDecay)
	case !(o.Noise >= 0) || math.IsInf(o.Noise, 0):
		return fmt.Errorf("flow: noise %v must be finite and ≥ 0", o.Noise)
	case !(o.C >= 0) || math.IsInf(o.C, 0):
		return fmt.Errorf("flow: loss floor c %v must be finite and ≥ 0", o.C)
	}
	return nil
}

// Product returns W = ∏ w_i.
func Product(w []float64) float64 {
	if len(w) == 2 {
		return w[0] * w[1] // (1·w0)·w1, 1·w0 being exact
	}
	p := 1.0
	for _, v := range w {
		p *= v
	}
	return p
}

// Partials writes g_i = ∏_{j≠i} w_j into g, as products (never W/w_i, since w_i may be 0).
// It panics if the lengths differ.
func Partials(g, w []float64) {
	if len(g) != len(w) {
		panic("flow: length mismatch")
	}
	if len(w) == 2 {
		// The products below for d = 2: (1·w1, w0·1), exactly (w1, w0).
		g[0], g[1] = w[1], w[0]
		return
	}
	p := 1.0
	for i, v := range w {
		g[i] = p
		p *= v
	}
	p = 1.0
	for i := len(w) - 1; i >= 0; i-- {
		g[i] *= p
		p *= w[i]
	}
}

// Loss returns the data loss L(w) = ½(W − 1)² + C, without regularizers.
func (o Objective) Loss(w []float64) float64 {
	e := Product(w) - 1
	return 0.5*e*e + o.C
}

// Value returns the objective F(w).
func (o Objective) Value(w []float64) float64 {
	W := Product(w)
	e := W - 1
	s2 := o.Noise * o.Noise
	var n2 float64
	for _, v := range w {
		n2 += v * v
	}
	return 0.5*e*e + o.C + 0.5*s2*W*W + 0.5*o.WeightDecay*n2
}

// dFdW returns ∂F/∂W = e + σ²W for the product W.
func (o Objective) dFdW(W float64) float64 {
	return W - 1 + o.Noise*o.Noise*W
}

// Gradient writes ∇F(w) into grad: ∂F/∂w_i = (e + σ²W)·g_i + μ·w_i.
// It panics if the lengths differ.
func (o Objective) Gradient(grad, w []float64) {
	Partials(grad, w)
	a := o.dFdW(Product(w))
	for i := range grad {
		grad[i] = a*grad[i] + o.WeightDecay*w[i]
	}
}

// cross returns ∂g_i/∂w_j = ∏_{k≠i,j} w_k for i ≠ j (0 for i = j).
func cross(w []float64, i, j int) float64 {
	if i == j {
		return 0
	}
	p := 1.0
	for k, v := range w {
		if k != i && k != j {
			p *= v
		}
	}
	return p
}

// Hessian writes ∇²F(w) into dst, which must be d×d:
//
//	H_ij = (1 + σ²) g_i g_j + (e + σ²W) ∂g_i/∂w_j + μ δ_ij.
func (o Objective) Hessian(dst *mat.SymDense, w []float64) {
	d := len(w)
	if dst.SymmetricDim() != d {
		panic("flow: Hessian size mismatch")
	}
	g := make([]float64, d)
	Partials(g, w)
	a := o.dFdW(Product(w))
	s := 1 + o.Noise*o.Noise
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			h := s*g[i]*g[j] + a*cross(w, i, j)
			if i == j {
				h += o.WeightDecay
			}
			dst.SetSym(i, j, h)
		}
	}
}

// HessVec writes ∇²F(w)·v into dst without forming the matrix. It panics if the lengths
// differ.
func (o Objective) HessVec(dst, w, v []float64) {
	if len(dst) != len(w) || len(v) != len(w) {
		panic("flow: length mismatch")
	}
	var buf [16]float64
	g := buf[:0]
	if len(w) <= len(buf) {
		g = buf[:len(w)]
	} else {
		g = make([]float64, len(w))
	}
	o.hessVec(dst, g, w, v)
}

// hessVecDirect is the largest depth whose Hessian-vector product sums the cross terms
// ∏_{k≠i,j} w_k one by one (O(d³)); deeper networks take them as the derivative of the
// partials along v, in O(d).
const hessVecDirect = 64

// hessVec is HessVec with the scratch g of length d.
func (o Objective) hessVec(dst, g, w, v []float64) {
	if len(w) > hessVecDirect {
		o.hessVecLinear(dst, g, w, v)
		return
	}
	Partials(g, w)
	a := o.dFdW(Product(w))
	s := 1 + o.Noise*o.Noise
	var gv float64
	for i := range g {
		gv += g[i] * v[i]
	}
	for i := range dst {
		var c float64
		if a != 0 {
			for j := range w {
				if j != i {
					c += cross(w, i, j) * v[j]
				}
			}
		}
		dst[i] = s*g[i]*gv + a*c + o.WeightDecay*v[i]
	}
}

// hessVecLinear is hessVec in O(d): Σ_{j≠i} ∂g_i/∂w_j·v_j is the derivative of
// g_i = ∏_{k<i} w_k · ∏_{k>i} w_k along v, taken through the prefix and suffix products
// (forward mode), with g_i itself computed as Partials computes it.
func (o Objective) hessVecLinear(dst, g, w, v []float64) {
	// Prefix products in g, their derivatives in dst.
	p, dp := 1.0, 0.0
	for i, x := range w {
		g[i], dst[i] = p, dp
		p, dp = p*x, dp*x+p*v[i]
	}
	// Times the suffix products: g_i and dg_i.
	p, dp = 1.0, 0.0
	for i := len(w) - 1; i >= 0; i-- {
		dst[i] = dst[i]*p + g[i]*dp
		g[i] = g[i] * p
		p, dp = p*w[i], dp*w[i]+p*v[i]
	}
	a := o.dFdW(Product(w))
	s := 1 + o.Noise*o.Noise
	var gv float64
	for i := range g {
		gv += g[i] * v[i]
	}
	for i := range dst {
		dst[i] = s*g[i]*gv + a*dst[i] + o.WeightDecay*v[i]
	}
}

// sharpnessDense is the largest depth whose sharpness is taken from a dense eigen-
// decomposition of the Hessian (O(d³)); deeper networks use its closed structure (O(d) per
// step of a bisection).
const sharpnessDense = 64

// Sharpness returns the largest eigenvalue of the Hessian of the data loss L at w, or NaN
// when the Hessian overflows. On the manifold of minima it equals Σ_i g_i² (package flow, The model).
func Sharpness(w []float64) float64 {
	d := len(w)
	if d == 2 {
		// Closed form of the largest eigenvalue of a symmetric 2×2 matrix.
		e := w[0]*w[1] - 1
		a, b, c := w[1]*w[1], w[0]*w[1]+e, w[0]*w[0]
		m, r := 0.5*(a+c), math.Hypot(0.5*(a-c), b)
		return m + r
	}
	if d > sharpnessDense {
		if s, ok := sharpnessStructured(w); ok {
			return s
		}
		return sharpnessLanczos(w)
	}
	h := mat.NewSymDense(d, nil)
	Objective{Depth: d}.Hessian(h, w)
	// LAPACK must not see Inf or NaN (products of many weights overflow), and a matrix of
	// tiny entries takes a scaling path of gonum's Dsterf that panics: scale to unit size.
	var m float64
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := h.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return math.NaN()
			}
			m = math.Max(m, math.Abs(v))
		}
	}
	if m == 0 {
		return 0
	}
	h.ScaleSym(1/m, h)
	top, ok := symTop(h)
	if !ok {
		// gonum's Dsterf panics where it rescales a block of the tridiagonal matrix whose
		// entries are all below ~1e-123 (it passes Dlascl a column with the matrix's stride):
		// weights of very different sizes, such as 1e-38, 1e-25 and 0 among ones at d = 11.
		// The structured forms need no LAPACK.
		if s, ok := sharpnessStructured(w); ok {
			return s
		}
		return sharpnessLanczos(w)
	}
	return m * top
}

// symTop returns the largest eigenvalue of the symmetric matrix h (NaN when LAPACK does not
// converge), and false when LAPACK panics.
func symTop(h *mat.SymDense) (top float64, ok bool) {
	defer func() {
		if recover() != nil {
			top, ok = math.NaN(), false
		}
	}()
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		return math.NaN(), true
	}
	v := es.Values(nil)
	return v[len(v)-1], true
}

// Imbalance writes the adjacent imbalances D_{i,i+1} = w_i² − w_{i+1}² into dst (length d−1)
// and returns ‖D‖ = max_{i,j} |D_ij| = max w_i² − min w_i².
func Imbalance(dst, w []float64) float64 {
	if len(dst) != len(w)-1 {
		panic("flow: length mismatch")
	}
	// Plain comparisons rather than math.Min and math.Max, which do not inline and made this
	// the hot spot of sweeps; a NaN weight makes the result NaN all the same.
	lo, hi := math.Inf(1), math.Inf(-1)
	nan := false
	for i, v := range w {
		s := v * v
		if s < lo {
			lo = s
		}
		if s > hi {
			hi = s
		}
		nan = nan || s != s
		if i+1 < len(w) {
			dst[i] = s - w[i+1]*w[i+1]
		}
	}
	if nan {
		return math.NaN()
	}
	return hi - lo
}

// Pair returns D_ij = w_i² − w_j².
func Pair(w []float64, i, j int) float64 { return w[i]*w[i] - w[j]*w[j] }

// sharpnessStructured returns the largest eigenvalue of H = ggᵀ + e·C, C_ij = ∏_{k≠i,j} w_k
// (i ≠ j), the Hessian of ½(W − 1)², from its structure (ok false where it cannot: a product
// W that underflows while no weight is 0). With no weight 0, C = (ggᵀ − diag(g²))/W, so
// H = (1 + a)·ggᵀ − a·diag(g²), a = e/W: a diagonal plus a rank-one matrix, whose largest
// eigenvalue is the root of the secular equation 1 + ρΣ g_i²/(δ_i − λ) = 0 above the largest
// δ_i (ρ = 1 + a > 0) or between the two largest (ρ < 0) (Golub 1973), found by bisection to
// the last bit. With one weight w_p = 0 only row and column p of H are not 0:
// λ = Q²/2 + √(Q⁴/4 + e²|c|²), Q = g_p, c_j = ∏_{k≠p,j} w_k; with two, H = e·P on the pair,
// λ = |P|; with more, H = 0.
func sharpnessStructured(w []float64) (float64, bool) {
	d := len(w)
	zeros, p, q := 0, -1, -1
	for i, x := range w {
		if x == 0 {
			zeros++
			if p < 0 {
				p = i
			} else if q < 0 {
				q = i
			}
		}
	}
	g := make([]float64, d)
	Partials(g, w)
	for _, x := range g {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsInf(x*x, 0) {
			return math.NaN(), true
		}
	}
	W := Product(w)
	e := W - 1
	switch {
	case zeros >= 3:
		return 0, true
	case zeros == 2:
		P := 1.0
		for k, x := range w {
			if k != p && k != q {
				P *= x
			}
		}
		return math.Abs(e * P), true
	case zeros == 1:
		rest := append(append(make([]float64, 0, d-1), w[:p]...), w[p+1:]...)
		c := make([]float64, d-1)
		Partials(c, rest)
		var cc float64
		for _, x := range c {
			cc = math.Hypot(cc, x)
		}
		Q2 := g[p] * g[p]
		return Q2/2 + math.Hypot(Q2/2, e*cc), true
	}
	// H = ρ·zzᵀ + diag(c·z_i²): z = g, c = −a, ρ = 1 + a with a = e/W; where W is tiny (and
	// g² would underflow), z_i = √|W|/w_i (scaled exactly in the exponent), c = −e·sgn W,
	// ρ = (W + e)·sgn W, the same matrix.
	var z []float64
	var c, rho float64
	if a := e / W; math.Abs(W) > 1e-100 && !math.IsInf(a, 0) {
		z, c, rho = g, -a, 1+a
	} else {
		z = make([]float64, d)
		sgn := scaledRoots(z, w)
		c, rho = -e*sgn, (W+e)*sgn
	}
	// δ_i = c·z_i²; the largest two.
	top, second := math.Inf(-1), math.Inf(-1)
	var zz, cancel float64
	for _, x := range z {
		dl := c * x * x
		cancel = math.Max(cancel, math.Abs(dl))
		if dl > top {
			top, second = dl, top
		} else if dl > second {
			second = dl
		}
		zz += x * x
	}
	if rho == 0 || zz == 0 {
		return conditioned(top, cancel)
	}
	// f(λ) = 1 + ρ Σ z_i²/(δ_i − λ), monotone on the bracket.
	f := func(l float64) float64 {
		var s float64
		for _, x := range z {
			s += x * x / (c*x*x - l)
		}
		return 1 + rho*s
	}
	var lo, hi float64
	if rho > 0 {
		lo, hi = top, top+rho*zz
		// f < 0 just above top, f ≥ 0 at hi.
		for it := 0; it < 2200; it++ {
			mid := lo + (hi-lo)/2
			if mid <= lo || mid >= hi {
				break
			}
			if f(mid) < 0 {
				lo = mid
			} else {
				hi = mid
			}
		}
		return conditioned(hi, cancel)
	}
	if d < 2 || second == top {
		return conditioned(top, cancel)
	}
	lo, hi = second, top
	// f > 0 just above second, f < 0 just below top.
	for it := 0; it < 2200; it++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return conditioned(lo+(hi-lo)/2, cancel)
}

// conditioned returns (λ, true) when the diagonal and the rank-one part, of size cancel where
// they cancel (H_ii = g_i² is their small difference), leave λ accurate to ~1e-13 (cancel
// below 1e3·|λ|); else (0, false): weights of very different sizes, left to Lanczos.
func conditioned(l, cancel float64) (float64, bool) {
	if cancel > 1e3*math.Abs(l) {
		return 0, false
	}
	return l, true
}

// sharpnessLanczos returns the largest eigenvalue of the Hessian of the data loss by the
// Lanczos iteration (full reorthogonalization) on exact Hessian-vector products in linear
// time, from a fixed pseudo-random start, stopped as Net.Sharpness is (residual bound below
// 1e-10 of the value).
func sharpnessLanczos(w []float64) float64 {
	d := len(w)
	o := Objective{Depth: d}
	g := make([]float64, d)
	lz := &lanczos{w: make([]float64, d)}
	rng := rand.New(rand.NewPCG(0x5eed, 0x1a2c))
	q := make([]float64, d)
	for k := range q {
		q[k] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(q, 2), q)
	var basis [][]float64
	var prev []float64
	theta := math.NaN()
	maxIt := min(d, lanczosMax)
	for it := 0; it < maxIt; it++ {
		basis = append(basis, q)
		o.hessVecLinear(lz.w, g, w, q)
		a := floats.Dot(q, lz.w)
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return math.NaN()
		}
		floats.AddScaled(lz.w, -a, q)
		if prev != nil {
			floats.AddScaled(lz.w, -lz.bet[len(lz.bet)-1], prev)
		}
		for range 2 {
			for _, b := range basis {
				floats.AddScaled(lz.w, -floats.Dot(b, lz.w), b)
			}
		}
		b := floats.Norm(lz.w, 2)
		lz.alpha = append(lz.alpha, a)
		var res float64
		theta, res = lz.top(b)
		if res <= lanczosTol*math.Abs(theta) || b == 0 {
			break
		}
		lz.bet = append(lz.bet, b)
		next := make([]float64, d)
		for k, v := range lz.w {
			next[k] = v / b
		}
		prev, q = q, next
	}
	return theta
}

// scaledRoots writes z_i = √|W|/w_i, W = ∏ w_k (no w_k zero), into z with the product kept as
// a fraction and a power of 2, so that a W far below the smallest float64 still gives every
// z_i that is representable; it returns the sign of W.
func scaledRoots(z, w []float64) float64 {
	M, E, sgn := 1.0, 0, 1.0
	for _, x := range w {
		if x < 0 {
			sgn = -sgn
		}
		m, e := math.Frexp(math.Abs(x))
		M *= m
		mm, ee := math.Frexp(M)
		M, E = mm, E+e+ee
	}
	if E%2 != 0 {
		M, E = 2*M, E-1
	}
	s := math.Sqrt(M)
	for i, x := range w {
		m, e := math.Frexp(math.Abs(x))
		v := math.Ldexp(s/m, E/2-e)
		if x < 0 {
			v = -v
		}
		z[i] = v
	}
	return sgn
}
