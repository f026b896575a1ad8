package ode

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLincomb checks lincomb against the Go loop it replaces, bit for bit, for every number of
// terms, both starts of the sum, every remainder of the dimension modulo 4, and arguments with
// zeros of both signs, infinities, NaN, subnormals and numbers whose products round.
func TestLincomb(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -2.5e-310, 1e308, -1e-300}
	draw := func() float64 {
		if r.IntN(8) == 0 {
			return special[r.IntN(len(special))]
		}
		return (2*r.Float64() - 1) * math.Pow(10, float64(r.IntN(9)-4))
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for trial := range 2000 {
		n := 1 + trial%37
		m := 1 + trial%10
		zero := trial%3 == 0
		y, dst := make([]float64, n), make([]float64, n)
		ks := make([][]float64, m)
		kp := make([]*float64, m)
		coef := make([]float64, m)
		for i := range y {
			y[i] = draw()
		}
		for j := range ks {
			ks[j] = make([]float64, n)
			for i := range ks[j] {
				ks[j][i] = draw()
			}
			kp[j] = &ks[j][0]
			coef[j] = draw()
		}
		// Zeros, so that the signs of zero sums show.
		if trial%5 == 0 {
			for j := range ks {
				ks[j][0] = 0
			}
			y[0] = math.Copysign(0, -1)
		}
		h := draw()
		c := pairs(coef...)
		lincomb(&dst[0], &y[0], n, h, &c[0], &kp[0], m, zero)
		for i := range y {
			var s float64
			if zero {
				s = 0 + coef[0]*ks[0][i]
			} else {
				s = coef[0] * ks[0][i]
			}
			for j := 1; j < m; j++ {
				s += float64(coef[j] * ks[j][i])
			}
			want := y[i] + float64(h*s)
			if !same(dst[i], want) {
				t.Fatalf("n=%d m=%d zero=%v i=%d: lincomb %v (%#x), loop %v (%#x)", n, m, zero, i, dst[i], math.Float64bits(dst[i]), want, math.Float64bits(want))
			}
		}
	}
}
