package flow

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow/ode"
)

// Stats are the sufficient statistics of a dataset (X, Y) of N samples for the squared
// loss: Sxx = XᵀX/N (n_0×n_0), Syx = YᵀX/N (n_d×n_0) and Syy = mean ‖y‖². A full-batch
// step of a linear network needs nothing else (package documentation, Matrix layers).
type Stats struct {
	Sxx *mat.SymDense
	Syx *mat.Dense
	Syy float64
}

// Net is the training objective of a deep linear network y = W_d ⋯ W_1 x with matrix
// layers W_i of size n_i × n_{i−1}, on data given by its sufficient statistics:
//
//	L(w) = ½ mean ‖W x − y‖² = ½ tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½ Syy,   W = W_d ⋯ W_1
//	F(w) = L(w) + ½ σ² ‖W‖_F² + (μ/2) Σ_i ‖W_i‖_F²
//
// where ½σ²‖W‖_F² is what Gaussian input noise of standard deviation σ adds to the
// expected loss. The parameters are one flat vector, layer 1 first, each layer row-major
// (Layer gives the view). The scalar network of the paper is the Net of widths 1, 1, …, 1
// on Sxx = Syx = 1.
//
// A Net keeps scratch buffers: its methods must not be called from several goroutines at
// once. Clone returns a Net that shares the statistics and has its own buffers.
type Net struct {
	widths []int
	offs   []int // offs[i] is the offset of layer i+1; offs[d] is the parameter count
	sxx    []float64
	syx    []float64
	syy    float64
	mu, s2 float64
	noise  float64

	// Scratch: s[i] = S_i = W_d ⋯ W_{i+1} (n_d×n_i, i < d), r[i] = R_i (n_d×n_i), e = R_0;
	// ds, dr their directional derivatives for Hessian-vector products; fw is the w for
	// which s and r hold (with which noise), so that Lanczos reuses them.
	s, r, ds, dr [][]float64
	tmp          []float64
	lz           lanczos
}

// NewNet returns the network of the given widths n_0, …, n_d (d ≥ 2 layers) on the
// statistics st, with weight decay mu ≥ 0 and input noise sigma ≥ 0. st is not copied:
// do not modify it while the Net is in use.
func NewNet(widths []int, st Stats, mu, sigma float64) (*Net, error) {
	if len(widths) < 3 {
		return nil, fmt.Errorf("flow: %d widths give %d layers, need at least 2", len(widths), len(widths)-1)
	}
	for i, n := range widths {
		if n < 1 {
			return nil, fmt.Errorf("flow: width n_%d = %d < 1", i, n)
		}
	}
	if !(mu >= 0) || math.IsInf(mu, 0) {
		return nil, fmt.Errorf("flow: weight decay %v must be finite and ≥ 0", mu)
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("flow: noise %v must be finite and ≥ 0", sigma)
	}
	n0, nd := widths[0], widths[len(widths)-1]
	if st.Sxx == nil || st.Syx == nil {
		return nil, errors.New("flow: statistics missing")
	}
	if st.Sxx.SymmetricDim() != n0 {
		return nil, fmt.Errorf("flow: Sxx is %d×%[1]d, the input width is %d", st.Sxx.SymmetricDim(), n0)
	}
	if r, c := st.Syx.Dims(); r != nd || c != n0 {
		return nil, fmt.Errorf("flow: Syx is %d×%d, the widths need %d×%d", r, c, nd, n0)
	}
	d := len(widths) - 1
	n := &Net{widths: append([]int(nil), widths...), offs: make([]int, d+1), syy: st.Syy, mu: mu, s2: sigma * sigma, noise: sigma}
	for i := 1; i <= d; i++ {
		size := widths[i] * widths[i-1]
		if size > math.MaxInt32 || n.offs[i-1] > math.MaxInt32 {
			return nil, fmt.Errorf("flow: widths %v have too many parameters", widths)
		}
		n.offs[i] = n.offs[i-1] + size
	}
	n.sxx = make([]float64, n0*n0)
	for i := 0; i < n0; i++ {
		for j := 0; j < n0; j++ {
			n.sxx[i*n0+j] = st.Sxx.At(i, j)
		}
	}
	n.syx = make([]float64, nd*n0)
	for i := 0; i < nd; i++ {
		for j := 0; j < n0; j++ {
			n.syx[i*n0+j] = st.Syx.At(i, j)
		}
	}
	for _, v := range n.sxx {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("flow: Sxx holds %v", v)
		}
	}
	for _, v := range n.syx {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("flow: Syx holds %v", v)
		}
	}
	if math.IsNaN(st.Syy) || math.IsInf(st.Syy, 0) {
		return nil, fmt.Errorf("flow: Syy = %v", st.Syy)
	}
	n.alloc()
	return n, nil
}

func (n *Net) alloc() {
	d, nd := n.Depth(), n.widths[len(n.widths)-1]
	n.s, n.r = make([][]float64, d), make([][]float64, d)
	n.ds, n.dr = make([][]float64, d), make([][]float64, d)
	for i := 0; i < d; i++ {
		n.s[i] = make([]float64, nd*n.widths[i])
		n.r[i] = make([]float64, nd*n.widths[i])
		n.ds[i] = make([]float64, nd*n.widths[i])
		n.dr[i] = make([]float64, nd*n.widths[i])
	}
	n.tmp = make([]float64, nd*n.widths[0])
}

// Clone returns a Net with the same objective and statistics and its own scratch.
func (n *Net) Clone() *Net {
	c := *n
	c.lz = lanczos{}
	c.alloc()
	return &c
}

// Depth returns the number of layers d.
func (n *Net) Depth() int { return len(n.widths) - 1 }

// Widths returns n_0, …, n_d. The slice must not be modified.
func (n *Net) Widths() []int { return n.widths }

// Dim returns the number of parameters Σ n_i n_{i−1}.
func (n *Net) Dim() int { return n.offs[len(n.offs)-1] }

// WeightDecay returns μ; Noise returns σ.
func (n *Net) WeightDecay() float64 { return n.mu }

// Noise returns the input noise σ.
func (n *Net) Noise() float64 { return n.noise }

// Regularizers returns μ and σ (the Layered view of WeightDecay and Noise).
func (n *Net) Regularizers() (mu, sigma float64) { return n.mu, n.noise }

// Layer returns the view of layer i (1 ≤ i ≤ d) of w as an n_i×n_{i−1} matrix sharing w's
// storage.
func (n *Net) Layer(w []float64, i int) *mat.Dense {
	return mat.NewDense(n.widths[i], n.widths[i-1], w[n.offs[i-1]:n.offs[i]:n.offs[i]])
}

func (n *Net) layer(w []float64, i int) []float64 { return w[n.offs[i-1]:n.offs[i]] }

func (n *Net) check(w []float64) {
	if len(w) != n.Dim() {
		panic("flow: length mismatch")
	}
}

// forward computes S_i = W_d ⋯ W_{i+1} for i < d (S_0 = W), the residual map
// E = W·(Sxx + s2·I) − Syx into r[0], and R_i = E·W_1ᵀ ⋯ W_iᵀ.
func (n *Net) forward(w []float64, s2 float64) {
	d, nd, n0 := n.Depth(), n.widths[len(n.widths)-1], n.widths[0]
	copy(n.s[d-1], n.layer(w, d))
	for i := d - 1; i >= 1; i-- {
		// S_{i−1} = S_i W_i: (n_d×n_i)(n_i×n_{i−1}).
		gemm(false, false, nd, n.widths[i-1], n.widths[i], 1, n.s[i], n.widths[i], n.layer(w, i), n.widths[i-1], 0, n.s[i-1], n.widths[i-1])
	}
	e := n.r[0]
	copy(e, n.syx)
	gemm(false, false, nd, n0, n0, 1, n.s[0], n0, n.sxx, n0, -1, e, n0)
	if s2 != 0 {
		for k, v := range n.s[0] {
			e[k] += s2 * v
		}
	}
	for i := 1; i < d; i++ {
		// R_i = R_{i−1} W_iᵀ: (n_d×n_{i−1})(n_{i−1}×n_i).
		gemm(false, true, nd, n.widths[i], n.widths[i-1], 1, n.r[i-1], n.widths[i-1], n.layer(w, i), n.widths[i-1], 0, n.r[i], n.widths[i])
	}
}

// Gradient writes ∇F(w) into grad: for layer i, S_iᵀ R_{i−1} + μ W_i, which is
// (W_d ⋯ W_{i+1})ᵀ (W Σ̃ − Syx)(W_{i−1} ⋯ W_1)ᵀ + μ W_i with Σ̃ = Sxx + σ²I.
// It panics if the lengths differ from Dim.
func (n *Net) Gradient(grad, w []float64) {
	n.check(w)
	n.check(grad)
	n.forward(w, n.s2)
	n.gradient(grad, w)
}

func (n *Net) gradient(grad, w []float64) {
	d, nd := n.Depth(), n.widths[len(n.widths)-1]
	for i := 1; i < d; i++ {
		gemm(true, false, n.widths[i], n.widths[i-1], nd, 1, n.s[i], n.widths[i], n.r[i-1], n.widths[i-1], 0, n.layer(grad, i), n.widths[i-1])
	}
	copy(n.layer(grad, d), n.r[d-1])
	if n.mu != 0 {
		for k, v := range w {
			grad[k] += n.mu * v
		}
	}
}

// Loss returns the data loss L(w) = ½ tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½ Syy.
func (n *Net) Loss(w []float64) float64 {
	n.check(w)
	d, nd, n0 := n.Depth(), n.widths[len(n.widths)-1], n.widths[0]
	copy(n.s[d-1], n.layer(w, d))
	for i := d - 1; i >= 1; i-- {
		gemm(false, false, nd, n.widths[i-1], n.widths[i], 1, n.s[i], n.widths[i], n.layer(w, i), n.widths[i-1], 0, n.s[i-1], n.widths[i-1])
	}
	gemm(false, false, nd, n0, n0, 1, n.s[0], n0, n.sxx, n0, 0, n.tmp, n0)
	var q, c float64
	for k, v := range n.s[0] {
		q += v * n.tmp[k]
		c += v * n.syx[k]
	}
	return 0.5*q - c + 0.5*n.syy
}

// Value returns F(w) = L(w) + ½σ²‖W‖_F² + (μ/2)‖w‖².
func (n *Net) Value(w []float64) float64 {
	l := n.Loss(w) // leaves W in s[0]
	var ww, w2 float64
	for _, v := range n.s[0] {
		ww += v * v
	}
	for _, v := range w {
		w2 += v * v
	}
	return l + 0.5*n.s2*ww + 0.5*n.mu*w2
}

// Product writes the end-to-end matrix W = W_d ⋯ W_1 (n_d×n_0) into dst.
func (n *Net) Product(dst *mat.Dense, w []float64) {
	n.check(w)
	d, nd := n.Depth(), n.widths[len(n.widths)-1]
	copy(n.s[d-1], n.layer(w, d))
	for i := d - 1; i >= 1; i-- {
		gemm(false, false, nd, n.widths[i-1], n.widths[i], 1, n.s[i], n.widths[i], n.layer(w, i), n.widths[i-1], 0, n.s[i-1], n.widths[i-1])
	}
	dst.ReuseAs(nd, n.widths[0])
	dst.Copy(mat.NewDense(nd, n.widths[0], n.s[0]))
}

// HessVec writes ∇²F(w)·v into dst, exactly, by differentiating the gradient along v
// (forward mode): with V_i the layers of v,
//
//	dS_{i−1} = dS_i W_i + S_i V_i,  dE = dS_0 Σ̃,  dR_i = dR_{i−1} W_iᵀ + R_{i−1} V_iᵀ,
//	(∇²F v)_i = dS_iᵀ R_{i−1} + S_iᵀ dR_{i−1} + μ V_i.
//
// It panics if the lengths differ from Dim.
func (n *Net) HessVec(dst, w, v []float64) {
	n.check(w)
	n.check(v)
	n.check(dst)
	n.forward(w, n.s2)
	n.hessVec(dst, w, v, n.s2, n.mu)
}

// hessVec needs forward(w, s2) done.
func (n *Net) hessVec(dst, w, v []float64, s2, mu float64) {
	d, nd, n0 := n.Depth(), n.widths[len(n.widths)-1], n.widths[0]
	copy(n.ds[d-1], n.layer(v, d))
	for i := d - 1; i >= 1; i-- {
		ni, nm := n.widths[i], n.widths[i-1]
		gemm(false, false, nd, nm, ni, 1, n.ds[i], ni, n.layer(w, i), nm, 0, n.ds[i-1], nm)
		gemm(false, false, nd, nm, ni, 1, n.s[i], ni, n.layer(v, i), nm, 1, n.ds[i-1], nm)
	}
	de := n.dr[0]
	gemm(false, false, nd, n0, n0, 1, n.ds[0], n0, n.sxx, n0, 0, de, n0)
	if s2 != 0 {
		for k, x := range n.ds[0] {
			de[k] += s2 * x
		}
	}
	for i := 1; i < d; i++ {
		ni, nm := n.widths[i], n.widths[i-1]
		gemm(false, true, nd, ni, nm, 1, n.dr[i-1], nm, n.layer(w, i), nm, 0, n.dr[i], ni)
		gemm(false, true, nd, ni, nm, 1, n.r[i-1], nm, n.layer(v, i), nm, 1, n.dr[i], ni)
	}
	for i := 1; i < d; i++ {
		ni, nm := n.widths[i], n.widths[i-1]
		out := n.layer(dst, i)
		gemm(true, false, ni, nm, nd, 1, n.ds[i], ni, n.r[i-1], nm, 0, out, nm)
		gemm(true, false, ni, nm, nd, 1, n.s[i], ni, n.dr[i-1], nm, 1, out, nm)
	}
	copy(n.layer(dst, d), n.dr[d-1])
	if mu != 0 {
		for k, x := range v {
			dst[k] += mu * x
		}
	}
}

// Flow returns the right-hand side of the gradient flow ẇ = −∇F(w). It uses the Net's
// scratch: a Flow must not run in several goroutines at once (use Clone).
func (n *Net) Flow() ode.Func {
	return func(dw []float64, _ float64, w []float64) {
		n.Gradient(dw, w)
		for k := range dw {
			dw[k] = -dw[k]
		}
	}
}

// ImbalanceMatrix writes D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ (n_i×n_i, 1 ≤ i < d) into dst.
// For scalar layers D_i = w_{i+1}² − w_i², the negative of the pair imbalance D_{i,i+1}.
func (n *Net) ImbalanceMatrix(dst *mat.SymDense, w []float64, i int) {
	n.check(w)
	ni := n.widths[i]
	if dst.IsEmpty() {
		*dst = *mat.NewSymDense(ni, nil)
	}
	if dst.SymmetricDim() != ni {
		panic("flow: imbalance size mismatch")
	}
	ni, np, nm := n.widths[i], n.widths[i+1], n.widths[i-1]
	a, b := n.layer(w, i+1), n.layer(w, i) // a: n_{i+1}×n_i, b: n_i×n_{i−1}
	for p := 0; p < ni; p++ {
		for q := p; q < ni; q++ {
			var x float64
			for k := 0; k < np; k++ {
				x += a[k*ni+p] * a[k*ni+q]
			}
			for k := 0; k < nm; k++ {
				x -= b[p*nm+k] * b[q*nm+k]
			}
			dst.SetSym(p, q, x)
		}
	}
}

// PairImbalance writes ‖D_i‖_F for i = 1 … d−1 into dst (length d−1) and returns their
// maximum (NaN when any is NaN).
func (n *Net) PairImbalance(dst, w []float64) float64 {
	n.check(w)
	if len(dst) != n.Depth()-1 {
		panic("flow: length mismatch")
	}
	var m float64
	for i := 1; i < n.Depth(); i++ {
		dst[i-1] = n.imbalanceF(w, i)
		if !(dst[i-1] <= m) {
			m = dst[i-1]
		}
	}
	return m
}

// imbalanceF returns ‖W_{i+1}ᵀW_{i+1} − W_iW_iᵀ‖_F without forming more than one entry at a
// time.
func (n *Net) imbalanceF(w []float64, i int) float64 {
	ni, np, nm := n.widths[i], n.widths[i+1], n.widths[i-1]
	a, b := n.layer(w, i+1), n.layer(w, i) // a: n_{i+1}×n_i, b: n_i×n_{i−1}
	var f float64
	for p := 0; p < ni; p++ {
		for q := p; q < ni; q++ {
			var x float64
			for k := 0; k < np; k++ {
				x += a[k*ni+p] * a[k*ni+q]
			}
			for k := 0; k < nm; k++ {
				x -= b[p*nm+k] * b[q*nm+k]
			}
			if p == q {
				f += x * x
			} else {
				f += 2 * x * x
			}
		}
	}
	return math.Sqrt(f)
}

// BeginBatch starts a gradient on samples instead of the statistics: it computes the
// products of w and zeroes the residual map E. AddSamples then accumulates the samples'
// part of E and EndBatch writes the gradient. The three calls allocate nothing.
func (n *Net) BeginBatch(w []float64) {
	n.check(w)
	d, nd := n.Depth(), n.widths[len(n.widths)-1]
	copy(n.s[d-1], n.layer(w, d))
	for i := d - 1; i >= 1; i-- {
		gemm(false, false, nd, n.widths[i-1], n.widths[i], 1, n.s[i], n.widths[i], n.layer(w, i), n.widths[i-1], 0, n.s[i-1], n.widths[i-1])
	}
	clear(n.r[0])
}

// AddSamples adds scale·Σ_k (W x_k − y_k) x_kᵀ over the rows of x (rows×n_0, row-major)
// and y (rows×n_d) to the residual map E; res is scratch of rows×n_d. With scale 1/B over
// a batch of B samples, E becomes the residual map of the batch loss ½ mean_B ‖W x − y‖².
func (n *Net) AddSamples(x, y, res []float64, rows int, scale float64) {
	n0, nd := n.widths[0], n.widths[len(n.widths)-1]
	if len(x) < rows*n0 || len(y) < rows*nd || len(res) < rows*nd {
		panic("flow: length mismatch")
	}
	copy(res[:rows*nd], y[:rows*nd])
	// res = X S_0ᵀ − Y: (rows×n_0)(n_0×n_d).
	gemm(false, true, rows, nd, n0, 1, x, n0, n.s[0], n0, -1, res, nd)
	// E += scale·resᵀ X: (n_d×rows)(rows×n_0).
	gemm(true, false, nd, n0, rows, scale, res, nd, x, n0, 1, n.r[0], n0)
}

// EndBatch writes into grad the gradient of the batch loss whose residual map AddSamples
// accumulated, plus μw (the statistics and the expected-noise term σ²‖W‖_F² take no part).
func (n *Net) EndBatch(grad, w []float64) {
	n.check(grad)
	d, nd := n.Depth(), n.widths[len(n.widths)-1]
	for i := 1; i < d; i++ {
		gemm(false, true, nd, n.widths[i], n.widths[i-1], 1, n.r[i-1], n.widths[i-1], n.layer(w, i), n.widths[i-1], 0, n.r[i], n.widths[i])
	}
	n.gradient(grad, w)
}

// Stats returns a copy of the statistics the Net was made with.
func (n *Net) Stats() Stats {
	n0, nd := n.widths[0], n.widths[len(n.widths)-1]
	return Stats{
		Sxx: mat.NewSymDense(n0, append([]float64(nil), n.sxx...)),
		Syx: mat.NewDense(nd, n0, append([]float64(nil), n.syx...)),
		Syy: n.syy,
	}
}
