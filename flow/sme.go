package flow

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SME is the stochastic modified equation of mini-batch SGD (Li, Tai & E 2017; package flow, Continuous models of the discrete methods)
// for a scalar deep linear network on a dataset,
//
//	dw = −(q̄(W)·g + μw) dt + √(λ·v_B(W)) · g dB_t,
//
// where the per-sample gradient of ½(W x_k − y_k)² is q_k·g with q_k = W x_k² − y_k x_k, so that
// the gradient noise of a batch is one scalar times g: q̄ is the mean of q_k and
// v_B = (N − B)/(B(N − 1)) · Var_k(q_k) the variance of a batch mean of B of the N samples
// drawn uniformly. One Brownian motion drives it.
type SME struct {
	Data        *Dataset
	WeightDecay float64
	LR          float64
	Batch       int
}

// EulerMaruyama integrates the SME from w0 over [0, t1] with step dt from the seeded generator
// rand.New(rand.NewPCG(seed, seed)), calling record(t, w) at the start and every every-th
// step and at the end (record must not keep w). It returns an error for bad settings.
func (s SME) EulerMaruyama(w0 []float64, t1, dt float64, seed uint64, every int, record func(t float64, w []float64)) error {
	n := s.Data.Len()
	switch {
	case s.Batch < 1 || s.Batch > n:
		return fmt.Errorf("flow: SME batch %d outside 1..%d", s.Batch, n)
	case !(s.LR > 0), !(dt > 0), !(t1 >= 0):
		return fmt.Errorf("flow: SME needs λ > 0, dt > 0, t1 ≥ 0 (λ=%v, dt=%v, t1=%v)", s.LR, dt, t1)
	}
	every = max(every, 1)
	rng := rand.New(rand.NewPCG(seed, seed))
	d := len(w0)
	w := append([]float64(nil), w0...)
	g := make([]float64, d)
	N := float64(n)
	B := float64(s.Batch)
	cB := 0.0
	if n > 1 {
		cB = (N - B) / (B * (N - 1))
	}
	steps := int(math.Round(t1 / dt))
	record(0, w)
	for k := 1; k <= steps; k++ {
		W := Product(w)
		var m, m2 float64
		for i, x := range s.Data.X {
			q := W*x*x - s.Data.Y[i]*x
			m += q
			m2 += q * q
		}
		m /= N
		v := math.Max(m2/N-m*m, 0) * cB
		Partials(g, w)
		dB := math.Sqrt(dt) * rng.NormFloat64()
		amp := math.Sqrt(s.LR * v)
		for i := range w {
			w[i] += -(m*g[i]+s.WeightDecay*w[i])*dt + amp*g[i]*dB
		}
		if k%every == 0 || k == steps {
			record(float64(k)*dt, w)
		}
	}
	return nil
}
