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

// TestCtlPowersAsm checks the controller's one-call powers (powers_amd64.s) against math.Log
// and math.Exp to the bit, on the path math takes on this CPU, and against the unfused port
// (expPort, itself math's algorithm) with the fused path switched off: 10⁶ random (err, expo,
// β) with err log-uniform in [1e-300, 1e300] (10⁵ with -short), the methods' exponents, β = 0
// and the edges of err (the smallest normal, the largest number, both sides of 1e-4 and of the
// powers of two and their √2/2 multiples, where log's reduction switches).
func TestCtlPowersAsm(t *testing.T) {
	if !powersOK {
		t.Fatal("the ports do not agree with math on this machine's probe")
	}
	logMin := math.Log(1e-4)
	errs := []float64{2.2250738585072014e-308, math.MaxFloat64, 1e-4, math.Nextafter(1e-4, 0), math.Nextafter(1e-4, 1), 1, 0.5, 1e-300, 1e300}
	for e := -1022; e <= 1023; e += 7 {
		p := math.Ldexp(1, e)
		h := math.Ldexp(math.Sqrt2/2, e)
		errs = append(errs, p, math.Nextafter(p, 2*p), h, math.Nextafter(h, 0), math.Nextafter(h, 2*h))
	}
	expos := []float64{0.17, 1.0 / 8, 0.2, 0.9, -0.9, 0.5, -0.25}
	betas := []float64{0.04, 0, 0.08, 0.9, -0.9, math.Copysign(0, -1)}
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	fused := expFMA
	defer func() { expFMA = fused }()
	for _, fma := range []bool{false, true} {
		if fma && !fused {
			continue // the CPU's math.Exp does not fuse: the fused path is not run here
		}
		expFMA = fma
		exp, log := math.Exp, math.Log
		if !fma || !fused {
			exp = func(x float64) float64 { return expPort(x, false) }
			log = logPort
		}
		bad := 0
		check := func(err, expo, beta float64) {
			l := log(err)
			want := exp(expo * l)
			if err < 1e-4 {
				l = logMin
			}
			wantOld := exp(beta * l)
			got, gotOld := ctlPowers(err, expo, beta, logMin, true)
			if math.Float64bits(got) != math.Float64bits(want) || math.Float64bits(gotOld) != math.Float64bits(wantOld) {
				if bad++; bad <= 10 {
					t.Errorf("fused %v: ctlPowers(%v, %v, %v) = %v, %v; want %v, %v", fma, err, expo, beta, got, gotOld, want, wantOld)
				}
			}
		}
		for _, err := range errs {
			for _, expo := range expos {
				for _, beta := range betas {
					check(err, expo, beta)
				}
			}
		}
		r := rand.New(rand.NewPCG(17, 3))
		for range n {
			err := math.Pow(10, -300+600*r.Float64())
			check(err, expos[r.IntN(len(expos))], betas[r.IntN(len(betas))])
			check(err, 1.8*r.Float64()-0.9, 1.8*r.Float64()-0.9)
		}
	}
}
