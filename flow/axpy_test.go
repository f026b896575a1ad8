package flow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// special are values whose sums and products are edge cases of IEEE arithmetic: signed
// zeros, infinities, NaNs with different payloads and signs, subnormals, values whose
// products overflow or underflow.
var special = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
	math.Float64frombits(0x7ff8000000000123), math.Float64frombits(0xfff4000000000001),
	math.Float64frombits(0x7ff0000000000007), 5e-324, -5e-324, 2.2250738585072014e-308,
	math.MaxFloat64, -math.MaxFloat64, 1e300, -1e300, 1e-300, 1, -1, 0.1, 1.0 / 3,
}

// edgySlice draws n values, mostly uniform in (−1, 1) times powers of 2 from 2^−60 to
// 2^60, with a share `frac` of special values.
func edgySlice(rng *rand.Rand, n int, frac float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		if rng.Float64() < frac {
			s[i] = special[rng.IntN(len(special))]
		} else {
			s[i] = math.Ldexp(2*rng.Float64()-1, rng.IntN(121)-60)
		}
	}
	return s
}

func edgyCoef(rng *rand.Rand) float64 {
	switch rng.IntN(4) {
	case 0:
		return special[rng.IntN(len(special))]
	default:
		return math.Ldexp(2*rng.Float64()-1, rng.IntN(21)-10)
	}
}

func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: y[%d] = %v (%#016x), gonum's Daxpy gives %v (%#016x)", what, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// forBothPaths runs f with the vector kernels of the processor and, where those differ,
// with gonum's Daxpy.
func forBothPaths(t *testing.T, f func(t *testing.T)) {
	on := useAVX
	t.Run("kernel", f)
	if on {
		useAVX = false
		defer func() { useAVX = on }()
		t.Run("gonum", f)
	}
}

// TestAxpyLikeDaxpy checks that axpy gives the bits of gonum's Daxpy, NaN payloads and
// signed zeros included, on lengths 0 to 2000, slices starting at every offset mod 4
// (unaligned), coefficients zero, special or ordinary, and vectors with special values;
// and that it writes nothing past len(y).
func TestAxpyLikeDaxpy(t *testing.T) {
	forBothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 784, 1024, 2000}
		for range 300 {
			lengths = append(lengths, rng.IntN(2001))
		}
		for trial, n := range lengths {
			ox, oy := rng.IntN(4), rng.IntN(4)
			frac := []float64{0, 0.01, 0.3}[trial%3]
			xs := edgySlice(rng, n+ox+4, frac)
			ys := edgySlice(rng, n+oy+4, frac)
			alpha := edgyCoef(rng)
			if trial%7 == 0 {
				alpha = 0
			}
			x := xs[ox : ox+n]
			want := append([]float64(nil), ys...)
			impl.Daxpy(n, alpha, x, 1, want[oy:oy+n], 1)
			got := append([]float64(nil), ys...)
			axpy(alpha, x, got[oy:oy+n])
			sameBits(t, "axpy", got, want)
		}
	})
}

// TestAxpy4LikeDaxpy checks that axpy4 gives the bits of four calls of gonum's Daxpy in
// order, on the lengths, offsets and values of TestAxpyLikeDaxpy (nonzero coefficients).
func TestAxpy4LikeDaxpy(t *testing.T) {
	forBothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 255, 256, 257, 784, 1024, 2000}
		for range 300 {
			lengths = append(lengths, rng.IntN(2001))
		}
		for trial, n := range lengths {
			frac := []float64{0, 0.01, 0.3}[trial%3]
			var x [4][]float64
			var v [4]float64
			for r := range x {
				o := rng.IntN(4)
				x[r] = edgySlice(rng, n+o, frac)[o:]
				for v[r] == 0 {
					v[r] = edgyCoef(rng)
				}
			}
			oy := rng.IntN(4)
			ys := edgySlice(rng, n+oy+4, frac)
			want := append([]float64(nil), ys...)
			for r := range x {
				impl.Daxpy(n, v[r], x[r], 1, want[oy:oy+n], 1)
			}
			got := append([]float64(nil), ys...)
			axpy4(&v, x[0], x[1], x[2], x[3], got[oy:oy+n])
			sameBits(t, "axpy4", got, want)
		}
	})
}

// TestDot2x4LikeDdot checks that each of dot2x4's eight dot products has the bits of gonum's
// Ddot (the same partial sums combined the same way), on lengths 1 to 2000, unaligned
// offsets, and vectors with special values.
func TestDot2x4LikeDdot(t *testing.T) {
	forBothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		lengths := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 255, 256, 257, 784, 1024, 2000}
		for range 300 {
			lengths = append(lengths, 1+rng.IntN(2000))
		}
		for trial, n := range lengths {
			frac := []float64{0, 0.01, 0.3, 0.001}[trial%4]
			var v [6][]float64
			for r := range v {
				o := rng.IntN(4)
				v[r] = edgySlice(rng, n+o+3, frac)[o:]
			}
			var got [8]float64
			dot2x4(v[0][:n], v[1][:n], v[2], v[3], v[4], v[5], &got)
			for r := range 2 {
				for q := range 4 {
					want := impl.Ddot(n, v[r], 1, v[2+q], 1)
					if g := got[4*r+q]; math.Float64bits(g) != math.Float64bits(want) {
						t.Fatalf("n=%d: dot of x%d and y%d = %v (%#016x), gonum's Ddot gives %v (%#016x)", n, r, q, g, math.Float64bits(g), want, math.Float64bits(want))
					}
				}
			}
		}
	})
}

// TestAxpy2x4LikeDaxpy checks that axpy2x4 gives, on both rows it updates, the bits of
// four calls of gonum's Daxpy in order, on the lengths, offsets and values of
// TestAxpyLikeDaxpy (nonzero coefficients), writing nothing past len(y0).
func TestAxpy2x4LikeDaxpy(t *testing.T) {
	forBothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(19, 20))
		lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 255, 256, 257, 784, 1024, 2000}
		for range 300 {
			lengths = append(lengths, rng.IntN(2001))
		}
		for trial, n := range lengths {
			frac := []float64{0, 0.01, 0.3}[trial%3]
			var x [4][]float64
			var v [8]float64
			for r := range x {
				o := rng.IntN(4)
				x[r] = edgySlice(rng, n+o, frac)[o:]
			}
			for r := range v {
				for v[r] == 0 {
					v[r] = edgyCoef(rng)
				}
			}
			var ys, want, got [2][]float64
			var off [2]int
			for h := range ys {
				off[h] = rng.IntN(4)
				ys[h] = edgySlice(rng, n+off[h]+4, frac)
				want[h] = append([]float64(nil), ys[h]...)
				got[h] = append([]float64(nil), ys[h]...)
			}
			for r := range x {
				for h := range ys {
					impl.Daxpy(n, v[4*h+r], x[r], 1, want[h][off[h]:off[h]+n], 1)
				}
			}
			axpy2x4(&v, x[0], x[1], x[2], x[3], got[0][off[0]:off[0]+n], got[1][off[1]:off[1]+n])
			sameBits(t, "axpy2x4 y0", got[0], want[0])
			sameBits(t, "axpy2x4 y1", got[1], want[1])
		}
	})
}
