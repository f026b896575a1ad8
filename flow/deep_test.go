package flow

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// denseTop is the largest eigenvalue of the dense Hessian of the data loss, and false where
// LAPACK cannot give it.
func denseTop(t *testing.T, w []float64) (float64, bool) {
	h := mat.NewSymDense(len(w), nil)
	Objective{Depth: len(w)}.Hessian(h, w)
	// Scaled to unit size, as Sharpness does (LAPACK's scaling of tiny matrices panics).
	var m float64
	for i := 0; i < len(w); i++ {
		for j := i; j < len(w); j++ {
			m = math.Max(m, math.Abs(h.At(i, j)))
		}
	}
	if m == 0 {
		return 0, true
	}
	h.ScaleSym(1/m, h)
	top, ok := symTop(h)
	if !ok {
		// gonum's rescaling of a block of tiny entries (see Sharpness); it happens with the
		// fused multiply-adds of GOAMD64=v3 builds on some trials here.
		t.Logf("LAPACK panics on the dense Hessian at %v: no reference", w)
		return 0, false
	}
	if math.IsNaN(top) {
		t.Fatal("no eigen-decomposition")
	}
	return m * top, true
}

// The sharpness of deep networks from the structure of the Hessian (diagonal plus rank one,
// or a few rows when weights vanish) is the largest eigenvalue of the dense Hessian: at
// products W above 1, between ½ and 1, below ½ (ρ < 0), negative, and with one, two and
// three weights 0.
func TestSharpnessStructured(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	skipped := 0
	for trial := 0; trial < 46; trial++ {
		d := 65 + rng.IntN(60)
		w := make([]float64, d)
		for i := range w {
			w[i] = 1 + 0.05*rng.NormFloat64()
		}
		// Scale one weight to set W: 3, 0.8, 0.3, −0.5, …
		targets := []float64{3, 0.8, 0.3, -0.5, 1e-3, 1.0000001}
		W := Product(w)
		w[0] *= targets[trial%len(targets)] / W
		if trial >= 30 {
			for z := 0; z < 1+(trial-30)%3; z++ {
				w[1+z*7] = 0
			}
		}
		if trial >= 40 {
			// Products far below the smallest float64: small weights, or two tiny ones.
			for i := range w {
				w[i] = 0.05 * (1 + 0.1*rng.NormFloat64())
			}
			if trial%2 == 1 {
				for i := range w {
					w[i] = 1 + 0.05*rng.NormFloat64()
				}
				w[3], w[9] = 1e-200, -3e-180
			}
		}
		want, ok := denseTop(t, w)
		if !ok {
			skipped++
			continue
		}
		got := Sharpness(w)
		scale := 1.0
		g := make([]float64, d)
		Partials(g, w)
		for _, x := range g {
			scale = math.Max(scale, x*x)
		}
		h := mat.NewSymDense(d, nil)
		Objective{Depth: d}.Hessian(h, w)
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				scale = math.Max(scale, math.Abs(h.At(i, j)))
			}
		}
		if trial >= 40 {
			scale = 0
			for i := 0; i < d; i++ {
				for j := i; j < d; j++ {
					scale = math.Max(scale, math.Abs(h.At(i, j)))
				}
			}
			if scale == 0 {
				t.Fatalf("trial %d: the Hessian vanishes; the test tests nothing", trial)
			}
		}
		// The Lanczos fallback (taken where the structure cancels badly) on every trial.
		if lz := sharpnessLanczos(w); math.Abs(lz-want) > 1e-9*scale*float64(d) {
			t.Errorf("trial %d (d=%d, W=%.3g): Lanczos sharpness %v, dense %v", trial, d, Product(w), lz, want)
		}
		if math.Abs(got-want) > 1e-11*scale*float64(d) {
			t.Errorf("trial %d (d=%d, W=%.3g): sharpness %v, dense %v", trial, d, Product(w), got, want)
		}
	}
	if skipped > 4 {
		t.Errorf("%d of 46 trials without a dense reference", skipped)
	}
}

// The Hessian-vector product of deep networks in linear time equals the dense Hessian times
// the vector.
func TestHessVecLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, d := range []int{65, 90, 130} {
		for _, zero := range []bool{false, true} {
			w, v := make([]float64, d), make([]float64, d)
			for i := range w {
				w[i], v[i] = 1+0.1*rng.NormFloat64(), rng.NormFloat64()
			}
			if zero {
				w[3] = 0
			}
			o := Objective{Depth: d, WeightDecay: 0.1, Noise: 0.3}
			h := mat.NewSymDense(d, nil)
			o.Hessian(h, w)
			want := mat.NewVecDense(d, nil)
			want.MulVec(h, mat.NewVecDense(d, v))
			got := make([]float64, d)
			o.HessVec(got, w, v)
			for i := range got {
				if math.Abs(got[i]-want.AtVec(i)) > 1e-12*(1+math.Abs(want.AtVec(i)))*float64(d) {
					t.Fatalf("d=%d zero=%v: (Hv)_%d = %v, dense %v", d, zero, i, got[i], want.AtVec(i))
				}
			}
		}
	}
}

// Sharpness does not panic on weights of very different sizes, where gonum's eigenvalue code
// would rescale a block of tiny entries and panic (the first input below did, through
// `layerflow flow --depth 11 --init …`). With exactly one weight w_p = 0 only row and column p
// of the Hessian are not 0, and its largest eigenvalue is λ = Q²/2 + √(Q⁴/4 + |c|²) with
// Q = ∏_{k≠p} w_k and c_j = ∏_{k≠p,j} w_k (e = W − 1 = −1): the value must be that, to
// the rounding of d products and of LAPACK (d·u·‖H‖ ≤ 64·2.2e-16·2λ; 1e-12 of λ is well above).
func TestSharpnessTinyBlocks(t *testing.T) {
	// oneZero is the closed form, taken through logarithms so that it neither underflows nor
	// overflows: c_j = Q/w_j, so λ = |Q|·(|Q|/2 + √(Q²/4 + Σ_{j≠p} 1/w_j²)); false where
	// there is not exactly one zero or λ is below the normal range.
	oneZero := func(w []float64) (float64, bool) {
		p, zeros := -1, 0
		for i, v := range w {
			if v == 0 {
				p, zeros = i, zeros+1
			}
		}
		if zeros != 1 {
			return 0, false
		}
		var logQ, S float64
		for k, v := range w {
			if k != p {
				logQ += math.Log(math.Abs(v))
				S += 1 / (v * v)
			}
		}
		q := math.Exp(logQ)
		lam := math.Exp(logQ + math.Log(q/2+math.Sqrt(q*q/4+S)))
		return lam, lam > 1e-300
	}
	compared := 0
	check := func(w []float64) {
		defer func() {
			if e := recover(); e != nil {
				t.Fatalf("Sharpness(%v) panics: %v", w, e)
			}
		}()
		got := Sharpness(w)
		if want, ok := oneZero(w); ok {
			compared++
			if !(math.Abs(got-want) <= 1e-12*want) {
				t.Errorf("Sharpness(%v) = %v, closed form %v", w, got, want)
			}
		}
	}
	check([]float64{9.961630150676836e-38, 1.3372228504025244e-25, 1.057608960465832, 1.1071103539144656, 1.0108583459297171, 1.060365889741389, 0, 0.9539903346229551, 5.939203420181942e-15, 0.9235857910886968, 0.9728007784133236})
	r := rand.New(rand.NewPCG(1, 2))
	trials := 3000
	if testing.Short() {
		trials = 1000
	}
	for range trials {
		w := make([]float64, 3+r.IntN(62))
		for i := range w {
			w[i] = 1 + 0.05*r.NormFloat64()
			if r.IntN(4) == 0 {
				w[i] = math.Pow(10, -40*r.Float64())
			}
		}
		if r.IntN(2) == 0 {
			w[r.IntN(len(w))] = 0
		}
		check(w)
	}
	if compared < trials/4 {
		t.Errorf("%d of %d inputs compared with the closed form", compared, trials)
	}
}
