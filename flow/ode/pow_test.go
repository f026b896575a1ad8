package ode

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Arbitrary-precision log and exp, the reference of the tests of the controller's power.
const bigPrec = 300

func bf(x float64) *big.Float { return new(big.Float).SetPrec(bigPrec).SetFloat64(x) }

// bigAtanh returns Σ u^(2k+1)/(2k+1) for |u| ≤ 1/2.
func bigAtanh(u *big.Float) *big.Float {
	s := new(big.Float).SetPrec(bigPrec)
	u2 := new(big.Float).SetPrec(bigPrec).Mul(u, u)
	term := new(big.Float).SetPrec(bigPrec).Set(u)
	for k := 0; term.Sign() != 0 && term.MantExp(nil)-s.MantExp(nil) > -bigPrec-4; k++ {
		s.Add(s, new(big.Float).SetPrec(bigPrec).Quo(term, bf(float64(2*k+1))))
		term.Mul(term, u2)
	}
	return s
}

// bigLog returns log x = 2·atanh((m−1)/(m+1)) + k·log 2 with x = m·2^k, m in [1/√2, √2).
func bigLog(x *big.Float) *big.Float {
	m := new(big.Float).SetPrec(bigPrec)
	k := x.MantExp(m) // x = m·2^k, m in [0.5, 1)
	if m.Cmp(bf(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		k--
	}
	u := new(big.Float).SetPrec(bigPrec).Quo(new(big.Float).SetPrec(bigPrec).Sub(m, bf(1)), new(big.Float).SetPrec(bigPrec).Add(m, bf(1)))
	r := bigAtanh(u)
	r.Mul(r, bf(2))
	ln2 := bigAtanh(new(big.Float).SetPrec(bigPrec).Quo(bf(1), bf(3)))
	ln2.Mul(ln2, bf(2))
	return r.Add(r, ln2.Mul(ln2, bf(float64(k))))
}

// bigExp returns exp y = exp(y/2^s)^(2^s), by Taylor's series with |y/2^s| < 1/2.
func bigExp(y *big.Float) *big.Float {
	s := 0
	if e := y.MantExp(nil); e > -1 {
		s = e + 1
	}
	x := new(big.Float).SetPrec(bigPrec).SetMantExp(y, -s)
	sum, term := bf(1), bf(1)
	for k := 1; term.Sign() != 0 && term.MantExp(nil) > -bigPrec-4; k++ {
		term.Mul(term, x)
		term.Quo(term, bf(float64(k)))
		sum.Add(sum, term)
	}
	for ; s > 0; s-- {
		sum.Mul(sum, sum)
	}
	return sum
}

func round(x *big.Float) float64 { v, _ := x.Float64(); return v }

// The tables are the correctly rounded values they claim to be.
func TestPowTables(t *testing.T) {
	for i := range powLogC {
		c := powCentre(uint64(i))
		want := 0.6875 + (float64(i)+0.5)/256
		if i >= 80 {
			want = 1 + (float64(i-80)+0.5)/128
		}
		if c != want {
			t.Errorf("centre %d = %v, want %v", i, c, want)
		}
		if got, want := math.Float64frombits(powLogC[i]), round(bigLog(bf(c))); got != want {
			t.Errorf("log c_%d = %v, want %v", i, got, want)
		}
		if got, want := powInvC[i], 1/c; got != want {
			t.Errorf("1/c_%d = %v, want %v", i, got, want)
		}
	}
	ln2 := bigLog(bf(2))
	for j := range powExp2 {
		want := round(bigExp(new(big.Float).SetPrec(bigPrec).Mul(ln2, bf(float64(j)/128))))
		if got := math.Float64frombits(powExp2[j]); got != want {
			t.Errorf("2^(%d/128) = %v, want %v", j, got, want)
		}
	}
}

// The C program of the benchmark (testdata/bench/dopri.c) takes the same tables and constants,
// so that it makes the same steps.
func TestPowTablesInC(t *testing.T) {
	src, err := os.ReadFile("../../testdata/bench/dopri.c")
	if err != nil {
		t.Skip(err)
	}
	c := string(src)
	table := func(name string) []string {
		m := regexp.MustCompile(`(?s)` + name + `\[128\] = \{[^\n]*\n(.*?)\};`).FindStringSubmatch(c)
		if m == nil {
			t.Fatalf("dopri.c: no table %s", name)
		}
		return regexp.MustCompile(`0x[0-9a-f]{16}`).FindAllString(m[1], -1)
	}
	for _, tb := range []struct {
		name string
		go_  *[128]uint64
	}{{"pow_log_c", &powLogC}, {"pow_exp2", &powExp2}} {
		got := table(tb.name)
		if len(got) != 128 {
			t.Fatalf("dopri.c: %s has %d entries", tb.name, len(got))
		}
		for i, v := range got {
			if want := fmt.Sprintf("0x%016x", tb.go_[i]); v != want {
				t.Errorf("dopri.c: %s[%d] = %s, want %s", tb.name, i, v, want)
			}
		}
	}
	for _, k := range []string{"0x1.62e42fefa3800p-1", "0x1.ef35793c76730p-45", "0x1.71547652b82fep7",
		"0x1.8p52", "0x1.62e42fefa0000p-8", "0x1.cf79abc9e3b3ap-47", "0x3fe6000000000000"} {
		if !strings.Contains(c, k) {
			t.Errorf("dopri.c: constant %s missing", k)
		}
	}
}

// ulpsOff returns |got − want|/ulp(want) for the exact want.
func ulpsOff(got float64, want *big.Float) float64 {
	w := round(want)
	ulp := math.Nextafter(math.Abs(w), math.Inf(1)) - math.Abs(w)
	d := new(big.Float).SetPrec(bigPrec).Sub(bf(got), want)
	off, _ := d.Abs(d).Float64()
	return off / ulp
}

// powLog is within 1.5 ulp of log x (two roundings of ½ ulp, k·ln 2 + log c and the final
// sum, and the polynomial's), or within 2⁻⁶⁰ absolutely where log x is small; powExp is
// within 1.5 ulp of exp y; and the power exp(e·log x) as the controller takes it is no less
// accurate than math.Exp(e*math.Log(x)) (the rounding of e·log x costs both |e·log x|/2
// ulps). Each bound fails by orders of magnitude for a wrong table entry, coefficient or
// reduction.
func TestPow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var xs []float64
	n := 1000
	if testing.Short() {
		n = 200
	}
	for range n {
		xs = append(xs, math.Exp(rng.Float64()*1380-690)) // log-uniform over the normal range
		xs = append(xs, math.Exp(rng.Float64()*50-40))    // the errors a controller sees
		xs = append(xs, 1+(rng.Float64()-0.5)*1e-3)       // near 1, where log x is small
	}
	for i := range 128 { // both ends of every subinterval
		c := powCentre(uint64(i))
		lo, hi := math.Float64frombits(math.Float64bits(c)-1<<44), math.Float64frombits(math.Float64bits(c)+1<<44-1)
		xs = append(xs, lo, hi, c)
	}
	xs = append(xs, 1, 2, 0.5, 1e-4, math.SmallestNonzeroFloat64*(1<<52), math.MaxFloat64)
	var worstLog, worstExp, worstPow, worstMath float64
	for _, x := range xs {
		lx := bigLog(bf(x))
		l := round(lx)
		got := powLog(x)
		d := new(big.Float).SetPrec(bigPrec).Sub(bf(got), lx)
		abs, _ := d.Abs(d).Float64()
		if u := ulpsOff(got, lx); u > 1.5 && abs > 0x1p-60 {
			t.Errorf("powLog(%v) = %v, %.2f ulp from %v", x, got, u, l)
		}
		worstLog = math.Max(worstLog, math.Min(ulpsOff(got, lx), abs/0x1p-60))
		for _, e := range []float64{0.17, 0.04, 0.125, 0.2, -0.3, 1} {
			y := e * got
			if math.Abs(y) >= 700 {
				continue
			}
			yb := new(big.Float).SetPrec(bigPrec).Mul(bf(e), lx)
			pw := powExp(y)
			// The bound: the rounding of y (½ ulp of y, as a relative error of the result),
			// the error of powLog times e, and powExp's 1.5 ulp.
			ulpY := math.Nextafter(math.Abs(y), math.Inf(1)) - math.Abs(y)
			bound := 1.5 + (0.5*ulpY+math.Abs(e)*math.Max(0x1p-60, math.Nextafter(math.Abs(l), math.Inf(1))-math.Abs(l)))/0x1p-53
			u := ulpsOff(pw, bigExp(yb))
			if u > bound {
				t.Errorf("exp(%v·powLog(%v)) = %v, %.2f ulp off (bound %.2f)", e, x, pw, u, bound)
			}
			worstPow = math.Max(worstPow, u/bound)
			worstMath = math.Max(worstMath, ulpsOff(math.Exp(e*math.Log(x)), bigExp(yb))/bound)
			if ue := ulpsOff(pw, bigExp(bf(y))); ue > 1.5 {
				t.Errorf("powExp(%v) = %v, %.2f ulp off", y, pw, ue)
			} else {
				worstExp = math.Max(worstExp, ue)
			}
		}
	}
	t.Logf("worst: powLog %.3f (ulp or 2⁻⁶⁰), powExp %.3f ulp, power %.3f of its bound (math.Exp(e*math.Log(x)) %.3f)", worstLog, worstExp, worstPow, worstMath)
	// Outside the fast paths: math's values.
	for _, x := range []float64{0, math.SmallestNonzeroFloat64, -1, math.Inf(1), math.NaN()} {
		if got, want := powLog(x), math.Log(x); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("powLog(%v) = %v, want %v", x, got, want)
		}
	}
	for _, y := range []float64{-800, 800, math.Inf(-1), math.Inf(1), math.NaN()} {
		if got, want := powExp(y), math.Exp(y); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("powExp(%v) = %v, want %v", y, got, want)
		}
	}
}

var powSink float64

// BenchmarkPow times one power of the controller, exp(e·log x), each depending on the last (the
// latency a step waits for), with this file's log and exp and with math's.
func BenchmarkPow(b *testing.B) {
	for _, c := range []struct {
		name     string
		log, exp func(float64) float64
	}{{"table", powLog, powExp}, {"math", math.Log, math.Exp}} {
		b.Run(c.name, func(b *testing.B) {
			x := 0.37
			for b.Loop() {
				x = 0.37 + 1e-20*c.exp(0.17*c.log(x))
			}
			powSink = x
		})
	}
}
