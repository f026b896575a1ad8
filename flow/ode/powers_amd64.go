package ode

import "math"

// The step-size controller takes its powers as exp(log) with math.Log and math.Exp, which on
// amd64 are assembly (GOROOT/src/math/log_amd64.s and exp_amd64.s) behind an ABI wrapper that
// passes the argument and the result through memory, with the tests of special cases in front.
// ctlLog and ctlExp are those two algorithms written in Go: the same operations in the same
// order, math.FMA exactly where exp_amd64.s fuses (only when math.Exp takes its fused path on
// this CPU), so their values are math.Log's and math.Exp's to the bit (TestCtlPowers checks
// 10⁷ random arguments and the edges). They take the arguments the controller gives them
// (positive normal numbers to ctlLog, |x| < 700 to ctlExp) and hand every other to math.
// Conversions float64(a*b) keep the compiler from fusing a product with a sum.

// powersOK is true when the ports give math's values on this machine (checked at start-up on
// arguments that tell the fused from the unfused exp apart); expFMA is true when math.Exp fuses.
var powersOK, expFMA = probePowers()

// probePowers decides which exp math.Exp is on this CPU, the fused or the unfused, by comparing
// it with both ports on arguments where the two differ, and checks the log port too.
func probePowers() (ok, fma bool) {
	// Arguments where the fused and the unfused evaluation of exp_amd64.s differ in the last
	// bit (found by a search over random arguments in (−1, 0)), and a spread of others.
	args := [...]float64{-0.5085473976760264, -0.3381816951746133, -0.9730458047755973, -0.5, 0.3, 1, -3.7, 12.25, -250.5, 699.9, -699.9, 1e-17, -1e-300}
	agree := func(fma bool) bool {
		for _, x := range args {
			if math.Float64bits(expPort(x, fma)) != math.Float64bits(math.Exp(x)) {
				return false
			}
		}
		return true
	}
	switch {
	case agree(true):
		fma = true
	case agree(false):
		fma = false
	default:
		return false, false
	}
	for _, x := range [...]float64{1e-300, 2.2e-16, 0.5, math.Sqrt2 / 2, 0.7071067811865476, 1, 1.0000000001, 3, 1e300, 7.3e-9} {
		if math.Float64bits(logPort(x)) != math.Float64bits(math.Log(x)) {
			return false, false
		}
	}
	return true, fma
}

// ctlPowers returns the controller's two powers of a step, with l = math.Log(err):
// math.Exp(expo·l), and math.Exp(beta·l) or, when err < 1e-4, math.Exp(beta·logMin). fast
// says that |expo| and |beta| are at most 0.9 (then every exponent is within ±700); with it
// and err a positive normal number the powers come from one call of powers_amd64.s, the same
// numbers as ctlLog's and ctlExp's.
func ctlPowers(err, expo, beta, logMin float64, fast bool) (pow, powOld float64) {
	if fast && powersOK && math.Float64bits(err)-(1<<52) < 0x7fe<<52 {
		return ctlPowersAsm(err, expo, beta, logMin)
	}
	return ctlPowersGo(err, expo, beta, logMin)
}

// ctlPowersAsm is ctlPowers's fast path in assembly (powers_amd64.s).
//
//go:noescape
func ctlPowersAsm(err, expo, beta, logMin float64) (pow, powOld float64)

// ctlLog is math.Log(x).
func ctlLog(x float64) float64 {
	// Positive normal finite x: its biased exponent is in [1, 0x7fe].
	if !powersOK || math.Float64bits(x)-(1<<52) >= 0x7fe<<52 {
		return math.Log(x)
	}
	return logPort(x)
}

// ctlExp is math.Exp(x).
func ctlExp(x float64) float64 {
	if !powersOK || !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	return expPort(x, expFMA)
}

// logPort is log_amd64.s for positive normal finite x.
func logPort(x float64) float64 {
	const (
		hSqrt2 = 7.07106781186547524401e-01
		ln2Hi  = 6.93147180369123816490e-01
		ln2Lo  = 1.90821492927058770002e-10
		l1     = 6.666666666666735130e-01
		l2     = 3.999999999940941908e-01
		l3     = 2.857142874366239149e-01
		l4     = 2.222219843214978396e-01
		l5     = 1.818357216161805012e-01
		l6     = 1.531383769920937332e-01
		l7     = 1.479819860511658591e-01
	)
	b := math.Float64bits(x)
	// f1, k := Frexp(x), with f1 in [0.5, 1).
	f1 := math.Float64frombits(b&(1<<52-1) | 0x3fe0000000000000)
	k := float64(int64(b>>52&0x7ff) - 0x3fe)
	// The assembly compares with CMPSD's "not less than" (0.707… ≥ f1, not f1 < 0.707…).
	if f1 <= hSqrt2 {
		k--
		f1 *= 2
	}
	f := f1 - 1
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * float64(float64(float64(float64(float64(float64(l7*s4)+l5)*s4)+l3)*s4)+l1))
	t2 := float64(s4 * float64(float64(float64(float64(l6*s4)+l4)*s4)+l2))
	R := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - (float64(hfsq-float64(float64(s*(hfsq+R))+float64(ln2Lo*k))) - f)
}

// expPort is exp_amd64.s for −700 < x < 700, fused (fma) or not.
func expPort(x float64, fma bool) float64 {
	const (
		log2e = 1.4426950408889634073599246810018920
		ln2U  = 0.69314718055966295651160180568695068359375
		ln2L  = 0.28235290563031577122588448175013436025525412068e-12
		c2    = 0.5
		c3    = 1.6666666666666666667e-1
		c4    = 4.1666666666666666667e-2
		c5    = 8.3333333333333333333e-3
		c6    = 1.3888888888888888889e-3
		c7    = 1.9841269841269841270e-4
		c8    = 2.4801587301587301587e-5
		// round is 1.5·2⁵²: v + round − round is v rounded to an integer, ties to even, as
		// CVTSD2SL rounds (|v| < 2⁵¹).
		round = 1.5 * (1 << 52)
	)
	k := float64(float64(x*log2e)+round) - round
	e := int64(k)
	var r, p float64
	if fma {
		r = math.FMA(-k, ln2U, x)
		r = math.FMA(-k, ln2L, r)
		r = float64(r * 0.0625)
		p = math.FMA(c8, r, c7)
		p = math.FMA(p, r, c6)
		p = math.FMA(p, r, c5)
		p = math.FMA(p, r, c4)
		p = math.FMA(p, r, c3)
		p = math.FMA(p, r, c2)
		p = math.FMA(p, r, 1)
		r = float64(r * p)
		r = float64(r * (r + 2))
		r = float64(r * (r + 2))
		r = float64(r * (r + 2))
		r = math.FMA(r, r+2, 1)
	} else {
		r = x - float64(k*ln2U)
		r -= float64(k * ln2L)
		r = float64(r * 0.0625)
		p := float64(c8*r) + c7
		p = float64(p*r) + c6
		p = float64(p*r) + c5
		p = float64(p*r) + c4
		p = float64(p*r) + c3
		p = float64(p*r) + c2
		p = float64(p*r) + 1
		r = float64(r * p)
		r = float64(r * (r + 2))
		r = float64(r * (r + 2))
		r = float64(r * (r + 2))
		r = float64(r * (r + 2))
		r++
	}
	// |x| < 700 keeps e + 1023 in [13, 2033]: a normal power of two.
	return r * math.Float64frombits(uint64(e+0x3ff)<<52)
}
