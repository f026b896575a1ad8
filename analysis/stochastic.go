package analysis

import (
	"errors"
	"fmt"
	"math"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// ExpectedRho2 returns E[ρ² | w, pool] for the next step of the discrete method of p at w
// (package flow, Discrete steps), in closed form. The batch of b samples is drawn uniformly without replacement
// from a pool of M samples (those not yet used in the epoch; all of them for a full batch),
// and each input gets fresh noise x̃ = x + σε. With, for sample k,
//
//	m_k = E[q̃_k] = W(x_k² + σ²) − y_k x_k,      q̃_k = W x̃_k² − y_k x̃_k,
//	v_k = Var(q̃_k) = W²(4x_k²σ² + 2σ⁴) + y_k²σ² − 4W x_k y_k σ²,
//
// ρ = mean_{k∈B} q̃_k has
//
//	E[ρ²] = m̄² + (M − b)/(b(M − 1)) · Var_pool(m) + mean_pool(v)/b,
//
// the square of the mean, the sampling variance of the batch and the noise variance. batch 0
// (or N) means the full batch; pool nil means all samples. Conditioning on the pool matters:
// within an epoch the next batch is correlated with the batches that moved the iterate, which
// changes E[ρ²] at order λ·S. Without data, ρ = W − 1 (the population loss).
func ExpectedRho2(p discrete.Problem, w []float64, batch int, pool []int) (float64, error) {
	W := flow.Product(w)
	d := p.Data
	if d == nil {
		if p.Objective.Noise != 0 || batch != 0 {
			return 0, errors.New("analysis: noise or batches need data")
		}
		return (W - 1) * (W - 1), nil
	}
	if batch == 0 || batch >= d.Len() || pool == nil {
		pool = nil // all samples
	}
	s2 := p.Objective.Noise * p.Objective.Noise
	var sm, sm2, sv float64
	add := func(k int) {
		x, y := d.X[k], d.Y[k]
		m := W*(x*x+s2) - y*x
		sm, sm2 = sm+m, sm2+m*m
		sv += W*W*(4*x*x*s2+2*s2*s2) + y*y*s2 - 4*W*x*y*s2
	}
	M := d.Len()
	if pool == nil {
		for k := range d.X {
			add(k)
		}
	} else {
		M = len(pool)
		for _, k := range pool {
			add(k)
		}
	}
	fm := float64(M)
	b := fm
	if batch != 0 {
		b = math.Min(float64(batch), fm)
	}
	mean := sm / fm
	out := mean*mean + sv/fm/b
	if M > 1 {
		out += (fm - b) / (b * (fm - 1)) * math.Max(sm2/fm-mean*mean, 0)
	}
	return out, nil
}

// StochasticDecay compares the measured decay of an imbalance D_ij under a stochastic method
// (noisy GD or SGD) with the law of package flow, Discrete steps in expectation, over many seeds.
type StochasticDecay struct {
	Seeds, Steps int
	Pair         [2]int
	// Measured is the mean over seeds of the per-step decay rate −ln(D_K/D_0)/K.
	Measured float64
	// Predicted is the mean over seeds of (1/K) Σ_k −ln((1 − λμ)² − λ²P_k²·E[ρ²|past]), from
	// the closed form of E[ρ² | w_k, pool] (ExpectedRho2) at the visited iterates: the law of
	// package flow, Discrete steps in expectation, not the realized ρ.
	Predicted float64
	// StdErr is the standard error of the mean paired difference Measured − Predicted.
	StdErr float64
	// MeasuredSE is the standard error of Measured.
	MeasuredSE float64
	// MeanFinalRatio is the mean of D_K/D_0 over seeds and FinalRatioSE its standard error.
	MeanFinalRatio, FinalRatioSE float64
}

// MeasureStochasticDecay runs the method of p from w0 with seeds seed0, seed0+1, … and
// measures the decay of the pair (0, 1).
func MeasureStochasticDecay(p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed0 uint64) (*StochasticDecay, error) {
	return measureStochasticDecay(nil, p, w0, lr, steps, batch, seeds, seed0)
}

// measureStochasticDecay is MeasureStochasticDecay with the steps taken by the Lab's stepper
// and the law computed for p.
func measureStochasticDecay(l *Lab, p discrete.Problem, w0 []float64, lr float64, steps, batch, seeds int, seed0 uint64) (*StochasticDecay, error) {
	if seeds < 2 || steps < 1 {
		return nil, fmt.Errorf("analysis: %d seeds and %d steps: need ≥ 2 and ≥ 1", seeds, steps)
	}
	const i, j = 0, 1
	d0 := flow.Pair(w0, i, j)
	if d0 == 0 {
		return nil, errors.New("analysis: D_12(0) = 0: nothing to decay")
	}
	sd := &StochasticDecay{Seeds: seeds, Steps: steps, Pair: [2]int{i, j}}
	mu := p.Objective.WeightDecay
	var sumM, sumM2, sumP, sumDiff, sumDiff2, sumR, sumR2 float64
	done := 0
seedLoop:
	for s := 0; s < seeds; s++ {
		if l.stopped() {
			break
		}
		st, err := l.stepper(p, w0, &discrete.Settings{LR: lr, Steps: steps, Batch: batch, Seed: seed0 + uint64(s)})
		if err != nil {
			return nil, err
		}
		var pred float64
		for k := 0; k < steps; k++ {
			w := st.W()
			e2, err := ExpectedRho2(p, w, batch, st.Pool())
			if err != nil {
				return nil, err
			}
			pp := 1.0
			for m, v := range w {
				if m != i && m != j {
					pp *= v
				}
			}
			a := 1 - lr*mu
			pred += -math.Log(math.Abs(a*a - lr*lr*e2*pp*pp))
			st.Step()
			if !finite(st.W()) {
				return nil, fmt.Errorf("analysis: seed %d diverged at step %d", seed0+uint64(s), k+1)
			}
			if k&4095 == 4095 && l.stopped() {
				break seedLoop // this seed is not done: it is left out
			}
		}
		ratio := flow.Pair(st.W(), i, j) / d0
		meas := -math.Log(math.Abs(ratio)) / float64(steps)
		pred /= float64(steps)
		sumM += meas
		sumM2 += meas * meas
		sumP += pred
		sumDiff += meas - pred
		sumDiff2 += (meas - pred) * (meas - pred)
		sumR += ratio
		sumR2 += ratio * ratio
		done++
		l.seedDone()
	}
	if done < 2 {
		return nil, fmt.Errorf("analysis: stopped after %d of %d seeds", done, seeds)
	}
	sd.Seeds = done
	n := float64(done)
	sd.Measured, sd.Predicted = sumM/n, sumP/n
	sd.MeasuredSE = math.Sqrt(math.Max(sumM2/n-sd.Measured*sd.Measured, 0) / (n - 1))
	md := sumDiff / n
	sd.StdErr = math.Sqrt(math.Max(sumDiff2/n-md*md, 0) / (n - 1))
	sd.MeanFinalRatio = sumR / n
	sd.FinalRatioSE = math.Sqrt(math.Max(sumR2/n-sd.MeanFinalRatio*sd.MeanFinalRatio, 0) / (n - 1))
	return sd, nil
}

func finite(w []float64) bool {
	for _, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
