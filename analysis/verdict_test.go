package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The verdict of each relation on both sides of its bound, NaN measurements and margins.
func TestVerdictRelations(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name    string
		c       Check
		want    Verdict
		margin  float64
		epsilon float64
	}{
		{"within inside", within(Check{}, 1.05, 1, 0.1, Heuristic, ""), Pass, 0.5, 1e-12},
		{"within outside", within(Check{}, 1.2, 1, 0.1, Heuristic, ""), Fail, 2, 1e-12},
		{"within on the bound", within(Check{}, 1.5, 1, 0.5, Heuristic, ""), Pass, 1, 0},
		{"within NaN", within(Check{}, nan, 1, 0.1, Heuristic, ""), Fail, nan, 0},
		{"within exact zero", within(Check{}, 3, 3, 0, Exact, ""), Pass, 0, 0},
		{"within zero tolerance off", within(Check{}, 3, 3.0000001, 0, Exact, ""), Fail, math.Inf(1), 0},
		{"at most below", atMost(Check{}, 1e-16, 1e-14, RoundOff, ""), Pass, 0.01, 1e-12},
		{"at most above", atMost(Check{}, 1e-13, 1e-14, RoundOff, ""), Fail, 10, 1e-12},
		{"at most negative", atMost(Check{}, -5, 1, Heuristic, ""), Pass, 0, 0},
		{"at most NaN", atMost(Check{}, nan, 1, Heuristic, ""), Fail, nan, 0},
		{"at least above", atLeast(Check{}, 2, 1, Heuristic, ""), Pass, 0.5, 1e-12},
		{"at least below", atLeast(Check{}, 0.5, 1, Heuristic, ""), Fail, 2, 1e-12},
		{"at least negative", atLeast(Check{}, -1e-17, 1, Heuristic, ""), Fail, math.Inf(1), 0},
		{"at least NaN", atLeast(Check{}, nan, 1, Heuristic, ""), Fail, nan, 0},
		{"differs apart", differs(Check{}, 5, 1, 0.5, 5), Pass, 0.625, 1e-12},
		{"differs close", differs(Check{}, 1.1, 1, 0.5, 5), Fail, 25, 1e-9},
		{"not tested", notTested(Check{}, errTest), NotTested, nan, 0},
	} {
		if tc.c.Verdict != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.c.Verdict, tc.want)
		}
		if !(math.IsNaN(tc.margin) && math.IsNaN(tc.c.Margin)) && !(math.Abs(tc.c.Margin-tc.margin) <= tc.epsilon || tc.c.Margin == tc.margin) {
			t.Errorf("%s: margin %v, want %v", tc.name, tc.c.Margin, tc.margin)
		}
	}
	if (Check{}).Verdict != NotTested {
		t.Error("the zero Check is not NotTested")
	}
}

var errTest = errTestType{}

type errTestType struct{}

func (errTestType) Error() string { return "test" }

// Holm's procedure: with K statistical checks the smallest p-value is tested at α/K, the next
// at α/(K − 1), …; the first that is kept keeps all later ones.
func TestCorrectHolm(t *testing.T) {
	const K = 5
	dof := 0 // normal quantiles
	// z-scores: the first is just beyond the α/K bound, the second just inside the α/(K−1)
	// bound, the others small.
	zK := distuv.UnitNormal.Quantile(1 - FamilyAlpha/(2*K))
	zK1 := distuv.UnitNormal.Quantile(1 - FamilyAlpha/(2*(K-1)))
	zs := []float64{zK * 1.01, zK1 * 0.99, 1, 0.5, 0}
	var cs []Check
	for _, z := range zs {
		cs = append(cs, statistical(Check{}, z, 0, 1, dof))
	}
	// And one that is not statistical: Correct leaves it alone.
	cs = append(cs, atMost(Check{}, 1, 2, Heuristic, ""))
	ptrs := make([]*Check, len(cs))
	for i := range cs {
		ptrs[i] = &cs[i]
	}
	if n := Correct(ptrs); n != K {
		t.Fatalf("Correct counted %d statistical checks, want %d", n, K)
	}
	want := []Verdict{Fail, Pass, Pass, Pass, Pass, Pass}
	for i, c := range cs {
		if c.Verdict != want[i] {
			t.Errorf("check %d (z %.4g): %v, want %v (tolerance %.4g)", i, zs[min(i, K-1)], c.Verdict, want[i], c.Tolerance)
		}
	}
	if math.Abs(cs[0].Tolerance-zK) > 1e-9 || math.Abs(cs[1].Tolerance-zK1) > 1e-9 {
		t.Errorf("tolerances %v, %v, want %v, %v", cs[0].Tolerance, cs[1].Tolerance, zK, zK1)
	}
	if cs[5].Tolerance != 2 {
		t.Errorf("a heuristic check's tolerance changed to %v", cs[5].Tolerance)
	}
	// Bonferroni inside a one-sided check of the largest of J t-statistics.
	c := Check{Measured: 3.5, StdErr: 1, Relation: AtMost, Source: StdErr, Tests: 10, Verdict: Fail}
	Correct([]*Check{&c})
	if q := distuv.UnitNormal.Quantile(1 - FamilyAlpha/10); math.Abs(c.Tolerance-q) > 1e-9 || c.Verdict != Pass {
		t.Errorf("one-sided: tolerance %v (want %v), %v", c.Tolerance, q, c.Verdict)
	}
}

// With correct code, the family-wise rate of false failures is at most FamilyAlpha: 2000
// families of 10 statistical checks of pure noise (t with 19 degrees of freedom), corrected
// together, fail at a rate consistent with ≤ 0.001 (at most 8 failures: P(X ≥ 9) < 1e-3 for
// a binomial of n = 2000, p = 0.001).
func TestCorrectFamilyRate(t *testing.T) {
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 19}
	rng := newTestRand()
	fails := 0
	for f := 0; f < 2000; f++ {
		var cs []Check
		for k := 0; k < 10; k++ {
			cs = append(cs, statistical(Check{}, tdist.Quantile(rng.Float64()), 0, 1, 19))
		}
		ptrs := make([]*Check, len(cs))
		for i := range cs {
			ptrs[i] = &cs[i]
		}
		Correct(ptrs)
		for _, c := range cs {
			if c.Verdict == Fail {
				fails++
				break
			}
		}
	}
	if fails > 8 {
		t.Errorf("%d of 2000 families of true hypotheses failed, want at most about 2", fails)
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
