package flow

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// denseTop is the largest eigenvalue of the dense Hessian of the data loss.
func denseTop(t *testing.T, w []float64) float64 {
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
		return 0
	}
	h.ScaleSym(1/m, h)
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		t.Fatal("no eigen-decomposition")
	}
	v := es.Values(nil)
	return m * v[len(v)-1]
}

// The sharpness of deep networks from the structure of the Hessian (diagonal plus rank one,
// or a few rows when weights vanish) is the largest eigenvalue of the dense Hessian: at
// products W above 1, between ½ and 1, below ½ (ρ < 0), negative, and with one, two and
// three weights 0.
func TestSharpnessStructured(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
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
		got, want := Sharpness(w), denseTop(t, w)
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
