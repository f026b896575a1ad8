package analysis

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// The closed forms of E[FᵀKF] and E[FLFᵀ] against a Monte-Carlo average of the same
// quadratic forms of the fluctuation, for mini-batches and for noisy inputs. This tests the
// algebra only; the claim tests the steppers against it.
func TestNetNoiseChangeMonteCarlo(t *testing.T) {
	cases := teacherCases(t)
	nc := cases[1]
	set := nc.Data
	n, _, _ := set.Dims()
	// A small subset keeps the Monte-Carlo cheap.
	m := 24
	x := mat.DenseCopyOf(set.X.Slice(0, m, 0, 5))
	y := mat.DenseCopyOf(set.Y.Slice(0, m, 0, 3))
	_ = n
	w, _ := flow.Init{Kind: flow.Imbalanced, Scale: 1, Delta: 0.5, Seed: 3}.Draw(nc.Widths)
	const lr = 0.1
	for _, tc := range []struct {
		batch int
		sigma float64
	}{{5, 0}, {0, 0.3}} {
		pred := NetNoiseChange(nc.Widths, w, x, y, tc.batch, tc.sigma, lr)
		ls := layersOf(nc.Widths, w)
		W, P, S := netProducts(ls)
		rng := rand.New(rand.NewPCG(7, 7))
		const trials = 120000
		d := len(ls)
		acc := make([]*mat.Dense, d-1)
		for i := range acc {
			acc[i] = mat.NewDense(nc.Widths[i+1], nc.Widths[i+1], nil)
		}
		// The mean residual map Ē.
		mean := func(xs *mat.Dense, rows []int, noise bool) *mat.Dense {
			e := mat.NewDense(3, 5, nil)
			for _, k := range rows {
				xv := mat.VecDenseCopyOf(xs.RowView(k))
				if noise {
					for j := 0; j < 5; j++ {
						xv.SetVec(j, xv.AtVec(j)+tc.sigma*rng.NormFloat64())
					}
				}
				var r mat.VecDense
				r.MulVec(W, xv)
				r.SubVec(&r, y.RowView(k))
				var o mat.Dense
				o.Outer(1/float64(len(rows)), &r, xv)
				e.Add(e, &o)
			}
			return e
		}
		all := make([]int, m)
		for k := range all {
			all[k] = k
		}
		// Ē for the batch: the full mean; for noise: W σ² + full mean.
		ebar := mean(x, all, false)
		if tc.batch == 0 {
			var s2w mat.Dense
			s2w.Scale(tc.sigma*tc.sigma, W)
			ebar.Add(ebar, &s2w)
		}
		for range trials {
			var e *mat.Dense
			if tc.batch > 0 {
				perm := rng.Perm(m)
				e = mean(x, perm[:tc.batch], false)
			} else {
				e = mean(x, all, true)
			}
			e.Sub(e, ebar)
			for i := 1; i < d; i++ {
				K := mulOf(S[i+1], S[i+1].T())
				L := mulOf(P[i-1].T(), P[i-1])
				a := mulOf(mulOf(mulOf(P[i], e.T()), K), mulOf(e, P[i].T()))
				b := mulOf(mulOf(mulOf(S[i].T(), e), L), mulOf(e.T(), S[i]))
				a.Sub(a, b)
				acc[i-1].Add(acc[i-1], a)
			}
		}
		for i := range acc {
			acc[i].Scale(lr*lr/trials, acc[i])
			var diff mat.Dense
			diff.Sub(acc[i], pred[i])
			// Monte-Carlo error ~ 1/√trials of the size of the terms: measured 0.2–0.4 % at 2·10⁵
			// trials, so about 0.3–0.7 % here; 2 % is several standard errors.
			if r := mat.Norm(&diff, 2) / mat.Norm(pred[i], 2); r > 0.02 {
				t.Errorf("batch %d σ %g pair %d: Monte Carlo differs from the closed form by %.3g relative", tc.batch, tc.sigma, i+1, r)
			} else {
				t.Logf("batch %d σ %g pair %d: relative difference %.3g", tc.batch, tc.sigma, i+1, r)
			}
		}
	}
}
