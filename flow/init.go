package flow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// InitKind names how the layers of a Net are drawn.
type InitKind int

const (
	// Gaussian draws every entry of W_i from N(0, Scale²/n_{i−1}).
	Gaussian InitKind = iota
	// Orthogonal sets W_i = Scale·Q_i with Q_i a Haar-random matrix with orthonormal rows or
	// columns (whichever are fewer).
	Orthogonal
	// Balanced sets W_i = U_i Σ U_{i−1}ᵀ with orthonormal U_i (n_i × r, r the smallest
	// width) and one Σ = Scale·I for all layers, so that every D_i = U_i (Σ² − Σ²) U_iᵀ = 0.
	Balanced
	// Imbalanced sets W_i = U_i Σ_i U_{i−1}ᵀ with Σ_i² = (Scale² + (i−1)·Delta) I, so that
	// D_i = Delta·U_iU_iᵀ exactly: ‖D_i‖_2 = Delta, ‖D_i‖_F = Delta·√r.
	Imbalanced
)

var initNames = [...]string{Gaussian: "gaussian", Orthogonal: "orthogonal", Balanced: "balanced", Imbalanced: "imbalanced"}

func (k InitKind) String() string {
	if k < 0 || int(k) >= len(initNames) {
		return fmt.Sprintf("InitKind(%d)", int(k))
	}
	return initNames[k]
}

// ParseInitKind returns the InitKind of a name.
func ParseInitKind(s string) (InitKind, error) {
	for k, n := range initNames {
		if n == s {
			return InitKind(k), nil
		}
	}
	return 0, fmt.Errorf("flow: unknown initialization %q (want %s)", s, strings.Join(initNames[:], ", "))
}

// Init says how to draw the starting weights of a Net.
type Init struct {
	Kind InitKind
	// Scale is the gain of the layers (> 0).
	Scale float64
	// Delta is the imbalance ‖D_i‖_2 of Imbalanced (≥ 0, and Scale² + (d−2)·Delta... any
	// value keeping every Σ_i² ≥ 0).
	Delta float64
	// Seed seeds PCG(Seed, Seed).
	Seed uint64
}

// Draw returns starting weights for the widths.
func (in Init) Draw(widths []int) ([]float64, error) {
	if len(widths) < 3 {
		return nil, fmt.Errorf("flow: %d widths give fewer than 2 layers", len(widths))
	}
	if !(in.Scale > 0) || math.IsInf(in.Scale, 0) {
		return nil, fmt.Errorf("flow: init scale %v must be > 0 and finite", in.Scale)
	}
	if math.IsNaN(in.Delta) || math.IsInf(in.Delta, 0) || in.Delta < 0 {
		return nil, fmt.Errorf("flow: init imbalance %v must be finite and ≥ 0", in.Delta)
	}
	rng := rand.New(rand.NewPCG(in.Seed, in.Seed))
	d := len(widths) - 1
	var w []float64
	switch in.Kind {
	case Gaussian:
		for i := 1; i <= d; i++ {
			sd := in.Scale / math.Sqrt(float64(widths[i-1]))
			for range widths[i] * widths[i-1] {
				w = append(w, sd*rng.NormFloat64())
			}
		}
	case Orthogonal:
		for i := 1; i <= d; i++ {
			q := haar(rng, widths[i], widths[i-1])
			for _, v := range q.RawMatrix().Data {
				w = append(w, in.Scale*v)
			}
		}
	case Balanced, Imbalanced:
		r := widths[0]
		for _, n := range widths {
			r = min(r, n)
		}
		us := make([]*mat.Dense, d+1)
		for i := range us {
			us[i] = haar(rng, widths[i], r) // n_i × r, orthonormal columns
		}
		for i := 1; i <= d; i++ {
			s2 := in.Scale * in.Scale
			if in.Kind == Imbalanced {
				s2 += float64(i-1) * in.Delta
			}
			var m mat.Dense
			m.Mul(us[i], us[i-1].T())
			m.Scale(math.Sqrt(s2), &m)
			w = append(w, m.RawMatrix().Data...)
		}
	default:
		return nil, fmt.Errorf("flow: unknown initialization %v", in.Kind)
	}
	return w, nil
}

// haar returns an r×c matrix with orthonormal rows (r ≤ c) or columns (r > c), drawn from
// the Haar measure: the Q factor of a Gaussian matrix with the signs of R's diagonal fixed
// (Mezzadri 2007).
func haar(rng *rand.Rand, r, c int) *mat.Dense {
	tall := r >= c
	m, n := r, c
	if !tall {
		m, n = c, r
	}
	g := mat.NewDense(m, n, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	out := mat.NewDense(m, n, nil)
	for j := 0; j < n; j++ {
		s := 1.0
		if rr.At(j, j) < 0 {
			s = -1
		}
		for i := 0; i < m; i++ {
			out.Set(i, j, s*q.At(i, j))
		}
	}
	if tall {
		return out
	}
	return mat.DenseCopyOf(out.T())
}
