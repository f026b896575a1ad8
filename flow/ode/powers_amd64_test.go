package ode

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCtlPowers checks that ctlLog and ctlExp give math.Log's and math.Exp's values to the
// bit: on 10⁷ random arguments of each (10⁶ with -short) over the range of the controller
// (err from 1e-300 to 1e300, log-uniform, and the powers' exponents expo·log err with expo in
// (−1, 1)), on random bit patterns, and on the edges (zeros, subnormals, infinities, NaN, the
// ends of the ports' ranges, and both sides of the assembly's comparison with √2/2).
func TestCtlPowers(t *testing.T) {
	if !powersOK {
		t.Fatal("the ports do not agree with math on this machine's probe: the controller falls back to math")
	}
	t.Logf("fused exp: %v", expFMA)
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	bad := 0
	checkLog := func(x float64) {
		if got, want := ctlLog(x), math.Log(x); !same(got, want) && bad < 10 {
			bad++
			t.Errorf("ctlLog(%v) = %v (%#x), math.Log %v (%#x)", x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	checkExp := func(x float64) {
		if got, want := ctlExp(x), math.Exp(x); !same(got, want) && bad < 10 {
			bad++
			t.Errorf("ctlExp(%v) = %v (%#x), math.Exp %v (%#x)", x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	// Edges.
	edges := []float64{0, math.Copysign(0, -1), 5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), -1, -1e-300, 1, 2, 0.5, 1e-300, 1e300,
		700, -700, 699.9999999999999, -699.9999999999999, 709.782712893384, 709.79, -745.2, -708.4, 1e-320, -1e-320}
	for e := -1074; e <= 1023; e++ {
		p := math.Ldexp(1, e)
		h := math.Ldexp(math.Sqrt2/2, e)
		edges = append(edges, p, math.Nextafter(p, 0), math.Nextafter(p, 2*p), h, math.Nextafter(h, 0), math.Nextafter(h, 2*h))
	}
	// Arguments of exp at and next to the ties of the rounding of x·log₂e, and around the
	// range of the controller.
	for k := -1010.0; k <= 1010; k += 0.5 {
		x := k * math.Ln2
		edges = append(edges, x, math.Nextafter(x, math.Inf(-1)), math.Nextafter(x, math.Inf(1)))
	}
	for _, x := range edges {
		checkLog(x)
		checkExp(x)
		checkExp(-x)
	}
	n := 10_000_000
	if testing.Short() {
		n = 1_000_000
	}
	r := rand.New(rand.NewPCG(13, 1))
	for range n {
		err := math.Pow(10, -300+600*r.Float64())
		checkLog(err)
		expo := 2*r.Float64() - 1
		checkExp(expo * math.Log(err))
		checkLog(math.Float64frombits(r.Uint64() >> 1)) // any positive bit pattern
		checkExp(-1400*r.Float64() + 700)
		checkExp(math.Float64frombits(r.Uint64()))
	}
}
