package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

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
// scalar samples as one-column matrices give the scalar network's change.
func NetNoiseChange(widths []int, w []float64, x, y *mat.Dense, batch int, sigma, lr float64) []*mat.Dense {
	ls := layersOf(widths, w)
	d := len(ls)
	W, P, S := netProducts(ls)
	n, n0 := x.Dims()
	fn := float64(n)
	// Residuals R (N×n_d) = X Wᵀ − Y.
	var R mat.Dense
	R.Mul(x, W.T())
	R.Sub(&R, y)
	var mbar mat.Dense // (1/N) Rᵀ X, n_d×n_0
	mbar.Mul(R.T(), x)
	mbar.Scale(1/fn, &mbar)
	_ = n0
	// XP[i] = X P_iᵀ (N×n_i): every term below needs the data only through these.
	XP := make([]*mat.Dense, d+1)
	XP[0] = x
	for i := 1; i <= d; i++ {
		XP[i] = mulOf(x, P[i].T())
	}
	sym := func(m *mat.Dense) *mat.Dense { // m + mᵀ
		var t mat.Dense
		t.CloneFrom(m.T())
		t.Add(&t, m)
		return &t
	}
	out := make([]*mat.Dense, d-1)
	for i := 1; i < d; i++ {
		K := mulOf(S[i+1], S[i+1].T())     // n_d×n_d
		SW := mulOf(S[i].T(), W)           // S_iᵀW, n_i×n_0
		WPp := mulOf(W, P[i-1].T())        // W P_{i−1}ᵀ, n_d×n_{i−1}
		var a, b *mat.Dense                // P_i E[FᵀKF] P_iᵀ and S_iᵀ E[FLFᵀ] S_i
		mbarP := mulOf(&mbar, P[i].T())    // m̄ P_iᵀ, n_d×n_i
		mbarPp := mulOf(&mbar, P[i-1].T()) // m̄ P_{i−1}ᵀ, n_d×n_{i−1}
		RS := mulOf(&R, S[i])              // rows S_iᵀ r_k, N×n_i
		RK := mulOf(&R, K)                 // rows K r_k
		if batch > 0 {
			c := (fn - float64(batch)) / (float64(batch) * (fn - 1))
			// Σ_k (P_i x_k) q_k (P_i x_k)ᵀ, q_k = r_kᵀKr_k; Σ_k (S_iᵀr_k) p_k (S_iᵀr_k)ᵀ, p_k = ‖P_{i−1}x_k‖².
			xq, rp := mat.DenseCopyOf(XP[i]), mat.DenseCopyOf(RS)
			for k := 0; k < n; k++ {
				scaleRow(xq, k, mat.Dot(RK.RowView(k), R.RowView(k)))
				row := XP[i-1].RawRowView(k)
				var p float64
				for _, v := range row {
					p += v * v
				}
				scaleRow(rp, k, p)
			}
			a = mulOf(XP[i].T(), xq)
			a.Sub(a, scaled(fn, mulOf(mulOf(mbarP.T(), K), mbarP)))
			a.Scale(c/fn, a)
			b = mulOf(RS.T(), rp)
			sm := mulOf(S[i].T(), mbarPp) // S_iᵀ m̄ P_{i−1}ᵀ
			b.Sub(b, scaled(fn, mulOf(sm, sm.T())))
			b.Scale(c/fn, b)
		} else {
			s2, s4 := sigma*sigma, sigma*sigma*sigma*sigma
			AKP := mulOf(mulOf(W, P[i].T()).T(), mulOf(K, mulOf(W, P[i].T()))) // P_i WᵀKW P_iᵀ
			trAK := mat.Trace(mulOf(W.T(), mulOf(K, W)))
			var sumBKB float64
			for k := 0; k < n; k++ {
				sumBKB += mat.Dot(RK.RowView(k), R.RowView(k))
			}
			PP := mulOf(P[i], P[i].T())
			a = scaled(s2*sumBKB+s4*fn*trAK, PP)
			// σ² P_i(XᵀR K W + WᵀK Rᵀ X)P_iᵀ
			a.Add(a, scaled(s2, sym(mulOf(mulOf(XP[i].T(), &R), mulOf(K, mulOf(W, P[i].T()))))))
			a.Add(a, scaled(s2*trAK, mulOf(XP[i].T(), XP[i])))
			a.Add(a, scaled(s4*fn, AKP))
			a.Scale(1/(fn*fn), a)
			// S_iᵀ(…)S_i with L = P_{i−1}ᵀP_{i−1}: Σ aᵀLa = ‖X P_{i−1}ᵀ‖_F², tr L = ‖P_{i−1}‖_F².
			fx := mat.Norm(XP[i-1], 2)
			fp := mat.Norm(P[i-1], 2)
			SWWS := mulOf(SW, SW.T())
			b = scaled(s2*fx*fx+s4*fn*fp*fp, SWWS)
			// σ² S_iᵀ(Rᵀ X L Wᵀ + W L Xᵀ R)S_i = σ² sym(S_iᵀRᵀ (XP_{i−1}) (W P_{i−1}ᵀ)ᵀ S_i)
			b.Add(b, scaled(s2, sym(mulOf(mulOf(RS.T(), XP[i-1]), mulOf(WPp.T(), S[i])))))
			b.Add(b, scaled(s2*fp*fp, mulOf(RS.T(), RS)))
			SWP := mulOf(S[i].T(), WPp)
			b.Add(b, scaled(s4*fn, mulOf(SWP, SWP.T())))
			b.Scale(1/(fn*fn), b)
		}
		a.Sub(a, b)
		a.Scale(lr*lr, a)
		out[i-1] = a
	}
	return out
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
	pred := NetNoiseChange(widths, w, nc.Data.X, nc.Data.Y, batch, sigma, lr)
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
