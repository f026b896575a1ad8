//go:build !amd64.v3

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

// TestErrKernels checks d8err and dp5err against the loops of DOP853.Step and DOPRI5.Step they
// replace, bit for bit (NaN for NaN), on random stages with zeros, infinities, NaN and subnormals
// among them, for even dimensions up to 36.
func TestErrKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 3))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -2.5e-310, 1e308, -1e-300}
	specials := false // in every other trial, so that most sums are finite in the others
	draw := func() float64 {
		if specials && r.IntN(10) == 0 {
			return special[r.IntN(len(special))]
		}
		return (2*r.Float64() - 1) * math.Pow(10, float64(r.IntN(9)-4))
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for trial := range 3000 {
		specials = trial%2 == 1
		n := 2 * (1 + trial%18)
		sc := &Scale{rtol: math.Abs(draw()), atol: math.Abs(draw())}
		h := draw()
		y := make([]float64, n)
		for i := range y {
			y[i] = draw()
		}
		ks := make([][]float64, 12)
		for j := range ks {
			ks[j] = make([]float64, n)
			for i := range ks[j] {
				ks[j][i] = draw()
			}
		}
		// DOP853: k = (k1, k6, …, k12).
		var kp [8]*float64
		for q, j := range dop853B.j {
			kp[q] = &ks[j][0]
		}
		y1 := make([]float64, n)
		err5, err3 := d8err(&y1[0], &y[0], n, h, sc.atol, sc.rtol, &d8errc[0], &kp[0])
		var w5, w3 float64
		k1, k6, k7, k8, k9, k10, k11, k12 := ks[0], ks[5], ks[6], ks[7], ks[8], ks[9], ks[10], ks[11]
		for i := range y {
			bk := 0 + d8b1*k1[i] + d8b6*k6[i] + d8b7*k7[i] + d8b8*k8[i] + d8b9*k9[i] + d8b10*k10[i] + d8b11*k11[i] + d8b12*k12[i]
			yi := y[i] + h*bk
			if !same(y1[i], yi) {
				t.Fatalf("d8err n=%d: y1[%d] = %v, loop %v", n, i, y1[i], yi)
			}
			sk := sc.sk(y[i], yi)
			e3 := bk - (0 + d8bhh1*k1[i] + d8bhh9*k9[i] + d8bhh12*k12[i])
			w3 += (e3 / sk) * (e3 / sk)
			e5 := 0 + d8e1*k1[i] + d8e6*k6[i] + d8e7*k7[i] + d8e8*k8[i] + d8e9*k9[i] + d8e10*k10[i] + d8e11*k11[i] + d8e12*k12[i]
			w5 += (e5 / sk) * (e5 / sk)
		}
		if !same(err5, w5) || !same(err3, w3) {
			t.Fatalf("d8err n=%d: sums %v %v, loop %v %v", n, err5, err3, w5, w3)
		}
		// DOPRI5: k = (k1, k3, …, k7), y1 as Step makes it: NaN where y is.
		for i := range y1 {
			y1[i] = draw()
			if math.IsNaN(y[i]) {
				y1[i] = y[i]
			}
		}
		var kq [6]*float64
		for q, j := range [...]int{0, 2, 3, 4, 5, 6} {
			kq[q] = &ks[j][0]
		}
		got := dp5err(&y1[0], &y[0], n, h, sc.atol, sc.rtol, &dp5errc[0], &kq[0])
		var want float64
		c1, c3, c4, c5, c6, c7 := dp5errs[0], dp5errs[1], dp5errs[2], dp5errs[3], dp5errs[4], dp5errs[5]
		k3, k4, k5, k7b := ks[2], ks[3], ks[4], ks[6]
		k6b := ks[5]
		for i := range y1 {
			e := h * (c1*k1[i] + c3*k3[i] + c4*k4[i] + c5*k5[i] + c6*k6b[i] + c7*k7b[i])
			r := e / sc.sk(y[i], y1[i])
			want += r * r
		}
		if !same(got, want) {
			t.Fatalf("dp5err n=%d: %v, loop %v", n, got, want)
		}
	}
}
