package analysis

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Verdict is the outcome of one check.
type Verdict int

const (
	// NotTested: the experiment could not be run with the given settings (a diverged run, a
	// start from which the law's end point cannot be reached); the law neither held nor
	// failed. It is the zero value, so that a check nobody decided is never a pass.
	NotTested Verdict = iota
	// Pass: the measurement agrees with the prediction within the tolerance.
	Pass
	// Fail: it does not.
	Fail
	// Unresolved: the measurement agrees with the prediction, but so would the null (the law's
	// effect absent: μ = 0, σ = 0, no motion), because the predicted effect is within the
	// tolerance of it: the check could not have failed. Like NotTested it is not a pass; its
	// Reason says by how much the effect falls short.
	Unresolved
)

var verdictNames = [...]string{NotTested: "not tested", Pass: "pass", Fail: "FAIL", Unresolved: "unresolved"}

func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("Verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// MarshalText writes the verdict as "pass", "fail", "not tested" or "unresolved".
func (v Verdict) MarshalText() ([]byte, error) {
	if v == Fail {
		return []byte("fail"), nil
	}
	return []byte(v.String()), nil
}

// Source says where a tolerance comes from.
type Source int

const (
	// Exact: the relation holds exactly; the tolerance is 0.
	Exact Source = iota + 1
	// RoundOff: a bound on float64 rounding errors (multiples of u = 2⁻⁵²).
	RoundOff
	// Integrator: the accuracy the integrator promises (each accepted step adds at most
	// atol + rtol·|y| to a component), carried through to the measured quantity.
	Integrator
	// StdErr: a multiple of the standard error of a mean over seeds, the multiple chosen so
	// that all statistical checks of a run together fail correct code with probability at most
	// FamilyAlpha (Holm's step-down correction, Student's t quantiles).
	StdErr
	// Heuristic: a judgment call (a threshold that separates the regimes in the experiments
	// seen, not a derived bound). The report says so.
	Heuristic
)

var sourceNames = [...]string{Exact: "exact", RoundOff: "round-off", Integrator: "integrator bound", StdErr: "standard errors (Holm)", Heuristic: "heuristic"}

func (s Source) String() string {
	if s <= 0 || int(s) >= len(sourceNames) {
		return "—"
	}
	return sourceNames[s]
}

// MarshalText writes the source's name.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Relation says how measured, predicted and tolerance decide a verdict.
type Relation int

const (
	// Within: |m − p| ≤ tol.
	Within Relation = iota + 1
	// AtMost: m ≤ tol (p is 0, or the value m would have without error).
	AtMost
	// AtLeast: m ≥ tol, a lower bound.
	AtLeast
	// Differs: |m − p| > tol: two quantities that the theory says must differ.
	Differs
)

var relationNames = [...]string{Within: "|m − p| ≤ tol", AtMost: "m ≤ tol", AtLeast: "m ≥ tol", Differs: "|m − p| > tol"}

func (r Relation) String() string {
	if r <= 0 || int(r) >= len(relationNames) {
		return "—"
	}
	return relationNames[r]
}

// MarshalText writes the relation as a formula.
func (r Relation) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Check is one law or claim, measured and compared with its prediction.
type Check struct {
	ID         string `json:"id"`
	Claim      string `json:"claim"`
	Experiment string `json:"experiment"`
	// Measured and Predicted are the two numbers compared; Tolerance decides, by Relation.
	Measured  float64  `json:"measured"`
	Predicted float64  `json:"predicted"`
	Tolerance float64  `json:"tolerance"`
	Relation  Relation `json:"relation"`
	// Source says where the tolerance comes from, and Basis how it was computed.
	Source Source `json:"tolerance_source"`
	Basis  string `json:"tolerance_basis,omitempty"`
	// Margin is how much of the tolerance the check uses: |m − p|/tol (Within), m/tol
	// (AtMost), tol/m (AtLeast), tol/|m − p| (Differs). A check passes when Margin ≤ 1.
	Margin  float64 `json:"margin"`
	Verdict Verdict `json:"verdict"`
	// Reason says why the check was not tested or is unresolved.
	Reason string `json:"reason,omitempty"`
	// Null, when NullName is set, is what the check would measure if the law's effect were
	// absent (NullName says which null: "μ = 0", "no motion"). A check passes only when that
	// measurement would fail it; otherwise it is Unresolved (decide).
	Null     float64 `json:"-"`
	NullName string  `json:"-"`
	// StdErr, for statistical checks (Source StdErr), is the standard error of m − p and Dof
	// its degrees of freedom; the tolerance is set by Correct.
	StdErr float64 `json:"stderr,omitempty"`
	Dof    int     `json:"dof,omitempty"`
	// Tests is the number of tests a statistical check makes at once (the largest of Tests
	// t-statistics, Relation AtMost, one-sided); it is Bonferroni-corrected inside the check.
	Tests int `json:"tests,omitempty"`
}

// Pass reports whether the check passed.
func (c Check) Pass() bool { return c.Verdict == Pass }

// decide computes the verdict from the relation and the margin, the share of the tolerance
// used (0 when the measurement is on the safe side of a bound, +Inf past a bound of 0). A NaN
// measurement fails. A check that holds is a pass only when it could have failed (resolve).
func (c Check) decide() Check {
	m := c.Measured
	if c.Source == StdErr && math.IsNaN(c.StdErr) {
		m = math.NaN()
	}
	ok, margin := c.holds(m)
	c.Margin = margin
	return c.resolve(ok)
}

// holds says whether the measurement m satisfies the check's relation with its prediction and
// tolerance, and the margin; a NaN m fails with a NaN margin.
func (c Check) holds(m float64) (ok bool, margin float64) {
	p, tol := c.Predicted, c.Tolerance
	switch c.Relation {
	case Within:
		ok = math.Abs(m-p) <= tol
		margin = ratio(math.Abs(m-p), tol)
	case AtMost:
		ok = m <= tol
		margin = ratio(math.Max(m, 0), tol)
	case AtLeast:
		ok = m >= tol
		switch {
		case m > 0:
			margin = ratio(math.Max(tol, 0), m)
		case ok:
			margin = 0
		default:
			margin = math.Inf(1)
		}
	case Differs:
		ok = math.Abs(m-p) > tol
		margin = ratio(tol, math.Abs(m-p))
	}
	if math.IsNaN(m) {
		ok, margin = false, math.NaN()
	}
	return ok, margin
}

// resolve sets the verdict of a check whose relation holds (ok) or not: Fail when it does not;
// when it does, Pass only if the check could have failed, Unresolved (with the reason) if the
// null would have passed too, or if a statistical check saw measured, predicted and standard
// error all 0 (nothing moved in any seed: no statistics to test). Every row of check and every
// claim's check is decided here.
func (c Check) resolve(ok bool) Check {
	if c.Verdict == Unresolved {
		c.Reason = "" // a provisional verdict's reason (Correct decides again)
	}
	c.Verdict = Fail
	if !ok {
		return c
	}
	c.Verdict = Pass
	if c.Source == StdErr && c.Tolerance == 0 && c.Measured == 0 && c.Predicted == 0 {
		c.Verdict = Unresolved
		c.Reason = "measured, predicted and tolerance are all 0: nothing moved in any seed, so no effect would pass too"
		return c
	}
	if c.NullName == "" {
		return c
	}
	if nullOK, _ := c.holds(c.Null); !nullOK {
		return c
	}
	c.Verdict = Unresolved
	switch c.Relation {
	case Within:
		c.Reason = fmt.Sprintf("the predicted %s differs from %s, its value under %s, by %s, not more than the tolerance %s: %s would pass too",
			short(c.Predicted), short(c.Null), c.NullName, short(math.Abs(c.Predicted-c.Null)), short(c.Tolerance), c.NullName)
	default:
		c.Reason = fmt.Sprintf("under %s the check would measure %s, which also satisfies %s at tolerance %s: %s would pass too",
			c.NullName, short(c.Null), c.Relation, short(c.Tolerance), c.NullName)
	}
	return c
}

// short writes x with three significant digits.
func short(x float64) string { return fmt.Sprintf("%.3g", x) }

// withNull records the null of a check: what it would measure under name (the law's effect
// absent). Set it before the check is decided.
func withNull(c Check, null float64, name string) Check {
	c.Null, c.NullName = null, name
	return c
}

// ratio returns a/b with 0/0 = 0 and a/0 = +Inf; NaN stays NaN (a failed check).
func ratio(a, b float64) float64 {
	if a == 0 && b == 0 {
		return 0
	}
	if b == 0 {
		return math.Inf(1)
	}
	return a / b
}

// within decides |m − p| ≤ tol.
func within(c Check, m, p, tol float64, src Source, basis string) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation, c.Source, c.Basis = m, p, tol, Within, src, basis
	return c.decide()
}

// atMost decides m ≤ tol.
func atMost(c Check, m, tol float64, src Source, basis string) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation, c.Source, c.Basis = m, 0, tol, AtMost, src, basis
	return c.decide()
}

// atLeast decides m ≥ tol.
func atLeast(c Check, m, tol float64, src Source, basis string) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation, c.Source, c.Basis = m, math.NaN(), tol, AtLeast, src, basis
	return c.decide()
}

// statistical records m and p with the standard error se of m − p (dof degrees of freedom);
// the tolerance and the verdict are set by Correct, over all statistical checks of a run.
// Until then the check uses a provisional single-test tolerance at FamilyAlpha.
func statistical(c Check, m, p, se float64, dof int) Check {
	c.Measured, c.Predicted, c.StdErr, c.Dof, c.Relation, c.Source = m, p, se, dof, Within, StdErr
	c.Tolerance = tQuantile(FamilyAlpha/2, dof) * se
	c.Basis = fmt.Sprintf("t(%d) quantile × SE %.3g", dof, se)
	return c.decide()
}

// differs decides |m − p| > k·se: two quantities that must differ, by at least k standard
// errors of their difference.
func differs(c Check, m, p, se, k float64) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Relation, c.Source = m, p, k*se, Differs, StdErr
	c.StdErr = se
	c.Basis = fmt.Sprintf("%g SE of the difference (SE %.3g)", k, se)
	return c.decide()
}

// notTested records a check whose experiment could not be run.
func notTested(c Check, err error) Check {
	c.Measured, c.Predicted, c.Tolerance, c.Margin = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	c.Verdict, c.Reason = NotTested, err.Error()
	return c
}

// FamilyAlpha is the family-wise error rate of the statistical checks of one run: the
// probability that correct code fails any of them is at most this (Holm 1979).
const FamilyAlpha = 1e-3

// tQuantile returns the upper a-quantile of Student's t with dof degrees of freedom (the
// normal's for dof ≤ 0).
func tQuantile(a float64, dof int) float64 {
	if dof <= 0 {
		return distuv.UnitNormal.Quantile(1 - a)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(1 - a)
}

// Correct applies Holm's step-down procedure at family-wise level FamilyAlpha to the
// statistical checks (Source StdErr, Relation Within or AtMost) among checks, in place: with K
// of them, sorted by p-value, the i-th (from 0) is tested at level α/(K − i), until the first
// that is not rejected; its tolerance is the t quantile of that level times its standard
// error. A Within check is two-sided; an AtMost one is one-sided, the largest of Tests
// t-statistics (Bonferroni inside it). It returns K.
func Correct(checks []*Check) int {
	var fam []*Check
	for _, c := range checks {
		// A NaN measurement or standard error has failed already (decide) and has no
		// p-value: it stays out of the family, failed.
		if c.Source == StdErr && (c.Relation == Within || c.Relation == AtMost) && c.Verdict != NotTested &&
			!math.IsNaN(c.Measured) && !math.IsNaN(c.Predicted) && !math.IsNaN(c.StdErr) {
			fam = append(fam, c)
		}
	}
	K := len(fam)
	tests := func(c *Check) float64 { return float64(max(c.Tests, 1)) }
	survival := func(z float64, dof int) float64 {
		if dof <= 0 {
			return distuv.UnitNormal.Survival(z)
		}
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Survival(z)
	}
	pval := func(c *Check) float64 {
		if c.Relation == AtMost {
			return math.Min(1, tests(c)*survival(c.Measured/c.StdErr, c.Dof))
		}
		if !(c.StdErr > 0) {
			if c.Measured == c.Predicted {
				return 1
			}
			return 0
		}
		return math.Min(1, 2*survival(math.Abs(c.Measured-c.Predicted)/c.StdErr, c.Dof))
	}
	sort.SliceStable(fam, func(i, j int) bool { return pval(fam[i]) < pval(fam[j]) })
	kept := false
	for i, c := range fam {
		level := FamilyAlpha / float64(K-i)
		q := tQuantile(level/2, c.Dof)
		if c.Relation == AtMost {
			q = tQuantile(level/tests(c), c.Dof)
		}
		c.Tolerance = q * c.StdErr
		c.Basis = fmt.Sprintf("Holm rank %d of %d at family-wise α = %g: t(%d) quantile %.3g × SE %.3g", i+1, K, FamilyAlpha, c.Dof, q, c.StdErr)
		if c.Relation == AtMost {
			c.Basis = fmt.Sprintf("Holm rank %d of %d at family-wise α = %g, Bonferroni over %d intervals: one-sided t(%d) quantile %.3g", i+1, K, FamilyAlpha, max(c.Tests, 1), c.Dof, q)
		}
		*c = c.decide()
		if kept {
			// Holm stops at the first hypothesis it keeps: every later one is kept too (a
			// pass, or unresolved if its null would pass as well).
			*c = c.resolve(true)
			c.Margin = math.Min(c.Margin, 1)
		}
		kept = kept || c.Verdict != Fail
	}
	return K
}
