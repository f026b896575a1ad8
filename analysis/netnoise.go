package analysis

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// netProducts returns the product W = W_d⋯W_1, the prefixes P_i = W_i⋯W_1 (P_0 = I, n_0×n_0)
// and the suffixes S_i = W_d⋯W_{i+1} (S_d = I, n_d×n_d) of the layers ls.
func netProducts(ls []*mat.Dense) (W *mat.Dense, P, S []*mat.Dense) {
	d := len(ls)
	_, n0 := ls[0].Dims()
	nd, _ := ls[d-1].Dims()
	P, S = make([]*mat.Dense, d+1), make([]*mat.Dense, d+1)
	P[0] = eye(n0)
	for i := 1; i <= d; i++ {
		var q mat.Dense
		q.Mul(ls[i-1], P[i-1])
		P[i] = &q
	}
	S[d] = eye(nd)
	for i := d - 1; i >= 0; i-- {
		var q mat.Dense
		q.Mul(S[i+1], ls[i])
		S[i] = &q
	}
	return P[d], P, S
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// NetNoiseChange returns, for every pair i, the part of the expected one-step change of D_i
// that the sampling noise of a step adds to the change of the deterministic step,
//
//	E[ΔD_i] − ΔD_i(Ḡ) = λ² (P_i E[FᵀK_iF] P_iᵀ − S_iᵀ E[F L_i Fᵀ] S_i),
//	K_i = S_{i+1}S_{i+1}ᵀ,  L_i = P_{i−1}ᵀP_{i−1},
//
// where F is the zero-mean fluctuation of the step's residual map around its mean Ē. For a
// mini-batch of B of the N samples drawn uniformly without replacement, with m_k = r_k x_kᵀ,
// r_k = W x_k − y_k and m̄ their mean,
//
//	E[FᵀKF] = c/N (Σ_k x_k (r_kᵀK r_k) x_kᵀ − N m̄ᵀK m̄),  E[FLFᵀ] = c/N (Σ_k r_k (x_kᵀL x_k) r_kᵀ − N m̄ L m̄ᵀ),
//
// c = (N − B)/(B(N − 1)). For fresh input noise x̃ = x + u, u ~ N(0, σ²I), on all samples
// (noisy GD), the Gaussian moments (Isserlis) give, with a = x_k, b = r_k, A_K = WᵀKW,
//
//	N²E[FᵀKF] = Σ_k σ²(bᵀKb)I + σ²(a bᵀKW + WᵀKb aᵀ) + σ²tr(A_K) a aᵀ + σ⁴(tr(A_K)I + A_K)
//	N²E[FLFᵀ] = Σ_k σ²(aᵀLa)WWᵀ + σ²(b aᵀLWᵀ + WLa bᵀ) + σ²tr(L) b bᵀ + σ⁴W(tr(L)I + L)Wᵀ.
//
// batch > 0 selects the mini-batch, batch = 0 the noisy full batch.
//
// It is written in the samples (x, y), which a flow.Model does not carry, so it takes the
// widths and the flat layout of package flow rather than a model; the widths 1, …, 1 and the
// scalar samples as one-column matrices give the scalar network's change. The sums over the
// samples are taken in chunks of rows (netNoiseChunk), so that its memory does not grow with N.
func NetNoiseChange(widths []int, w []float64, x, y *mat.Dense, batch int, sigma, lr float64) []*mat.Dense {
	out, _ := netNoiseChange(nil, widths, w, x, y, batch, sigma, lr)
	return out
}

// errStopped is the error of a computation stopped by its stop function.
var errStopped = errors.New("analysis: stopped by a signal")

// netNoiseChunk returns the rows of one chunk of the sums of NetNoiseChange: what perRow
// float64s a row, in at most 16 MiB and a sixteenth of the memory budget.
func netNoiseChunk(perRow int) int {
	bytes := min(int64(16<<20), budget.Limit()/16)
	return max(1, int(bytes/int64(8*max(perRow, 1))))
}

// netNoiseChange is NetNoiseChange; it checks stop (nil: never stop) between chunks and
// returns errStopped when it says so.
func netNoiseChange(stop func() bool, widths []int, w []float64, x, y *mat.Dense, batch int, sigma, lr float64) ([]*mat.Dense, error) {
	ls := layersOf(widths, w)
	d := len(ls)
	W, P, S := netProducts(ls)
	n, n0 := x.Dims()
	_, nd := y.Dims()
	fn := float64(n)
	// acc adds m to *dst (the first m is taken as it is: one chunk sums exactly as the whole).
	acc := func(dst **mat.Dense, m *mat.Dense) {
		if *dst == nil {
			*dst = m
			return
		}
		(*dst).Add(*dst, m)
	}
	perRow := 2 * nd
	wmax := 0
	for i := 1; i <= d; i++ {
		perRow += widths[i]
		wmax = max(wmax, widths[i])
	}
	perRow += 3 * wmax
	rows := netNoiseChunk(perRow)
	K := make([]*mat.Dense, d)
	for i := 1; i < d; i++ {
		K[i] = mulOf(S[i+1], S[i+1].T()) // n_d×n_d
	}
	// The sums over the samples, per pair i: A1, B1 (mini-batch); sumBKB, XR, XX, fx, RSX,
	// RSRS (noise). mbarN is N m̄ = Rᵀ X, n_d×n_0.
	A1, B1, XR, XX, RSX, RSRS := make([]*mat.Dense, d), make([]*mat.Dense, d), make([]*mat.Dense, d), make([]*mat.Dense, d), make([]*mat.Dense, d), make([]*mat.Dense, d)
	sumBKB, fx := make([]float64, d), make([]float64, d)
	var mbarN *mat.Dense
	for lo := 0; lo < n; lo += rows {
		if stop != nil && stop() {
			return nil, errStopped
		}
		hi := min(lo+rows, n)
		xc := x.Slice(lo, hi, 0, n0).(*mat.Dense)
		// Residuals R (rows×n_d) = X Wᵀ − Y.
		R := mulOf(xc, W.T())
		R.Sub(R, y.Slice(lo, hi, 0, nd))
		acc(&mbarN, mulOf(R.T(), xc))
		// XP[i] = X P_iᵀ (rows×n_i): every term below needs the data only through these.
		XP := make([]*mat.Dense, d+1)
		XP[0] = xc
		for i := 1; i <= d; i++ {
			XP[i] = mulOf(xc, P[i].T())
		}
		for i := 1; i < d; i++ {
			RS := mulOf(R, S[i]) // rows S_iᵀ r_k, rows×n_i
			RK := mulOf(R, K[i]) // rows K r_k
			if batch > 0 {
				// Σ_k (P_i x_k) q_k (P_i x_k)ᵀ, q_k = r_kᵀKr_k; Σ_k (S_iᵀr_k) p_k (S_iᵀr_k)ᵀ, p_k = ‖P_{i−1}x_k‖².
				xq, rp := mat.DenseCopyOf(XP[i]), mat.DenseCopyOf(RS)
				for k := 0; k < hi-lo; k++ {
					scaleRow(xq, k, mat.Dot(RK.RowView(k), R.RowView(k)))
					row := XP[i-1].RawRowView(k)
					var p float64
					for _, v := range row {
						p += v * v
					}
					scaleRow(rp, k, p)
				}
				acc(&A1[i], mulOf(XP[i].T(), xq))
				acc(&B1[i], mulOf(RS.T(), rp))
				continue
			}
			for k := 0; k < hi-lo; k++ {
				sumBKB[i] += mat.Dot(RK.RowView(k), R.RowView(k))
			}
			acc(&XR[i], mulOf(XP[i].T(), R))
			acc(&XX[i], mulOf(XP[i].T(), XP[i]))
			fx[i] = math.Hypot(fx[i], mat.Norm(XP[i-1], 2)) // ‖X P_{i−1}ᵀ‖_F, exact for one chunk
			acc(&RSX[i], mulOf(RS.T(), XP[i-1]))
			acc(&RSRS[i], mulOf(RS.T(), RS))
		}
	}
	var mbar mat.Dense // (1/N) Rᵀ X, n_d×n_0
	mbar.Scale(1/fn, mbarN)
	sym := func(m *mat.Dense) *mat.Dense { // m + mᵀ
		var t mat.Dense
		t.CloneFrom(m.T())
		t.Add(&t, m)
		return &t
	}
	out := make([]*mat.Dense, d-1)
	for i := 1; i < d; i++ {
		K := K[i]
		SW := mulOf(S[i].T(), W)           // S_iᵀW, n_i×n_0
		WPp := mulOf(W, P[i-1].T())        // W P_{i−1}ᵀ, n_d×n_{i−1}
		var a, b *mat.Dense                // P_i E[FᵀKF] P_iᵀ and S_iᵀ E[FLFᵀ] S_i
		mbarP := mulOf(&mbar, P[i].T())    // m̄ P_iᵀ, n_d×n_i
		mbarPp := mulOf(&mbar, P[i-1].T()) // m̄ P_{i−1}ᵀ, n_d×n_{i−1}
		if batch > 0 {
			c := (fn - float64(batch)) / (float64(batch) * (fn - 1))
			a = A1[i]
			a.Sub(a, scaled(fn, mulOf(mulOf(mbarP.T(), K), mbarP)))
			a.Scale(c/fn, a)
			b = B1[i]
			sm := mulOf(S[i].T(), mbarPp) // S_iᵀ m̄ P_{i−1}ᵀ
			b.Sub(b, scaled(fn, mulOf(sm, sm.T())))
			b.Scale(c/fn, b)
		} else {
			s2, s4 := sigma*sigma, sigma*sigma*sigma*sigma
			AKP := mulOf(mulOf(W, P[i].T()).T(), mulOf(K, mulOf(W, P[i].T()))) // P_i WᵀKW P_iᵀ
			trAK := mat.Trace(mulOf(W.T(), mulOf(K, W)))
			PP := mulOf(P[i], P[i].T())
			a = scaled(s2*sumBKB[i]+s4*fn*trAK, PP)
			// σ² P_i(XᵀR K W + WᵀK Rᵀ X)P_iᵀ
			a.Add(a, scaled(s2, sym(mulOf(XR[i], mulOf(K, mulOf(W, P[i].T()))))))
			a.Add(a, scaled(s2*trAK, XX[i]))
			a.Add(a, scaled(s4*fn, AKP))
			a.Scale(1/(fn*fn), a)
			// S_iᵀ(…)S_i with L = P_{i−1}ᵀP_{i−1}: Σ aᵀLa = ‖X P_{i−1}ᵀ‖_F², tr L = ‖P_{i−1}‖_F².
			fx := fx[i]
			fp := mat.Norm(P[i-1], 2)
			SWWS := mulOf(SW, SW.T())
			b = scaled(s2*fx*fx+s4*fn*fp*fp, SWWS)
			// σ² S_iᵀ(Rᵀ X L Wᵀ + W L Xᵀ R)S_i = σ² sym(S_iᵀRᵀ (XP_{i−1}) (W P_{i−1}ᵀ)ᵀ S_i)
			b.Add(b, scaled(s2, sym(mulOf(RSX[i], mulOf(WPp.T(), S[i])))))
			b.Add(b, scaled(s2*fp*fp, RSRS[i]))
			SWP := mulOf(S[i].T(), WPp)
			b.Add(b, scaled(s4*fn, mulOf(SWP, SWP.T())))
			b.Scale(1/(fn*fn), b)
		}
		a.Sub(a, b)
		a.Scale(lr*lr, a)
		out[i-1] = a
	}
	return out, nil
}

func scaled(f float64, m *mat.Dense) *mat.Dense {
	var t mat.Dense
	t.Scale(f, m)
	return &t
}

func mulOf(a, b mat.Matrix) *mat.Dense {
	var m mat.Dense
	m.Mul(a, b)
	return &m
}

// netNoiseShrink checks NetNoiseChange by experiment: from the point w, seeds independent
// single steps of SGD (batch > 0) or noisy GD (batch = 0), each from a fresh stepper; the
// mean change of D_i along D_i/‖D_i‖_F, minus that of the deterministic step with the mean
// gradient (computed exactly, the same for all seeds), against the prediction, within the
// standard error of the mean over seeds (Holm-corrected with the other statistical checks).
// The sign of the prediction says whether the noise shrinks (−) or grows (+) D_i. It is not
// generic: the prediction and the mean step are written in nc's samples and statistics (the
// steps themselves, discrete.NetStepper, would take any flow.Sampled).
func netNoiseShrink(l *NetLab, c Check, nc NetCase, st flow.Stats, w []float64, lr float64, batch int, sigma float64, seeds int, seed uint64) []Check {
	widths := nc.Widths
	pred, err := netNoiseChange(l.stopped, widths, w, nc.Data.X, nc.Data.Y, batch, sigma, lr)
	if err != nil {
		return []Check{notTested(c, err)}
	}
	// The deterministic step with the mean gradient: the full batch (SGD) or the expected
	// loss under the noise (noisy GD).
	mean, err := flow.NewNet(widths, st, 0, sigma)
	if err != nil {
		return []Check{notTested(c, err)}
	}
	if batch > 0 {
		mean, _ = flow.NewNet(widths, st, 0, 0)
	}
	g := make([]float64, len(w))
	mean.Gradient(g, w)
	gs := layersOf(widths, g)
	ls := layersOf(widths, w)
	d0, _ := imbalances(ls)
	det := make([]float64, len(d0))
	dirs := make([]*mat.Dense, len(d0))
	for i := range d0 {
		nrm := mat.Norm(d0[i], 2)
		if nrm == 0 {
			return []Check{notTested(c, fmt.Errorf("D_%d = 0 at the start, no direction to project on", i+1))}
		}
		var u mat.Dense
		u.Scale(1/nrm, d0[i])
		dirs[i] = &u
		var a, b mat.Dense
		a.Mul(gs[i+1].T(), gs[i+1])
		b.Mul(gs[i], gs[i].T())
		a.Sub(&a, &b)
		det[i] = lr * lr * mat.Sum(mulElem(&a, &u))
	}
	net, err := flow.NewNet(widths, st, 0, 0)
	if err != nil {
		return []Check{notTested(c, err)}
	}
	sums, sq := make([]float64, len(d0)), make([]float64, len(d0))
	done := 0
	for s := 0; s < seeds && !l.stopped(); s++ {
		sp, err := l.stepper(discrete.NetProblem{Model: net, X: nc.Data.X, Y: nc.Data.Y, Noise: sigma}, w, &discrete.Settings{LR: lr, Batch: batch, Seed: seed + uint64(s)})
		if err != nil {
			return []Check{notTested(c, err)}
		}
		sp.Step()
		d1, _ := imbalances(layersOf(widths, sp.W()))
		for i := range d0 {
			var dd mat.Dense
			dd.Sub(d1[i], d0[i])
			v := mat.Sum(mulElem(&dd, dirs[i])) - det[i]
			sums[i] += v
			sq[i] += v * v
		}
		done++
		l.seedDone()
	}
	if done < 2 {
		return []Check{notTested(c, fmt.Errorf("stopped after %d of %d seeds", done, seeds))}
	}
	if done < seeds {
		c.Experiment += fmt.Sprintf(" (stopped after %d of %d seeds)", done, seeds)
	}
	var out []Check
	fs := float64(done)
	for i := range d0 {
		m := sums[i] / fs
		se := math.Sqrt(math.Max(sq[i]/fs-m*m, 0) / (fs - 1))
		p := mat.Sum(mulElem(pred[i], dirs[i]))
		ci := c
		ci.ID = fmt.Sprintf("%s-D%d", c.ID, i+1)
		word := "shrinks"
		if p > 0 {
			word = "grows"
		}
		ci.Experiment = fmt.Sprintf("%s; predicted: the noise %s D_%d by %.3g per step along D_%d/‖D_%d‖_F", c.Experiment, word, i+1, p, i+1, i+1)
		out = append(out, statistical(withNull(ci, 0, "no sampling noise"), m, p, se, done-1))
	}
	return out
}

func mulElem(a, b *mat.Dense) *mat.Dense {
	var m mat.Dense
	m.MulElem(a, b)
	return &m
}

func scaleRow(m *mat.Dense, k int, f float64) {
	row := m.RawRowView(k)
	for j := range row {
		row[j] *= f
	}
}
