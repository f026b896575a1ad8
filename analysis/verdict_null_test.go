package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// A check passes only when it could have failed: when the null (the law's effect absent)
// would fail it. Otherwise it is Unresolved, never Pass, and a failure stays a failure.
func TestVerdictNull(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      Check
		want   Verdict
		reason string
	}{
		// μ = 0 measured (rate 0) against the μ = 1e-300 prediction 2e-300, tolerance 2.1e-9.
		{"rate of μ = 0 against μ = 1e-300", within(withNull(Check{}, 0, "μ = 0"), 0, 2e-300, 2.1e-9, Integrator, ""), Unresolved, "μ = 0 would pass too"},
		{"measured 7e-15 against 2e-300", within(withNull(Check{}, 0, "μ = 0"), 7.1e-15, 2e-300, 2.1e-9, Integrator, ""), Unresolved, "tolerance 2.1e-09"},
		{"rate resolved", within(withNull(Check{}, 0, "μ = 0"), 0.2, 0.2, 6e-8, Integrator, ""), Pass, ""},
		{"rate wrong", within(withNull(Check{}, 0, "μ = 0"), 0.5, 2e-300, 2.1e-9, Integrator, ""), Fail, ""},
		{"null on the bound passes", within(withNull(Check{}, 0, "μ = 0"), 1, 1, 1, Heuristic, ""), Unresolved, ""},
		{"step law, nothing moved", atMost(withNull(Check{}, 0, "no motion"), 0, 1.4e-14, RoundOff, ""), Unresolved, "no motion would pass"},
		{"step law, moved", atMost(withNull(Check{}, 1e-3, "no motion"), 4e-16, 1.4e-14, RoundOff, ""), Pass, ""},
		{"at least, null below", atLeast(withNull(Check{}, 0, "no motion"), 1.1, 0.8, Heuristic, ""), Pass, ""},
		{"at least, null above", atLeast(withNull(Check{}, 1, "no motion"), 1.1, 0.8, Heuristic, ""), Unresolved, ""},
		// Measured, predicted and standard error all 0: no statistics, with or without a null.
		{"statistical all zero", statistical(Check{}, 0, 0, 0, 19), Unresolved, "all 0"},
		{"statistical all zero, null", statistical(withNull(Check{}, 0, "no decay"), 0, 0, 0, 19), Unresolved, ""},
		{"statistical resolved", statistical(withNull(Check{}, 0, "no decay"), 7.9e-6, 7.8e-6, 5.5e-8, 19), Pass, ""},
	} {
		if tc.c.Verdict != tc.want || !strings.Contains(tc.c.Reason, tc.reason) {
			t.Errorf("%s: %v (%q), want %v with %q", tc.name, tc.c.Verdict, tc.c.Reason, tc.want, tc.reason)
		}
		if tc.want != Unresolved && tc.c.Reason != "" {
			t.Errorf("%s: reason %q on a %v", tc.name, tc.c.Reason, tc.c.Verdict)
		}
	}
	// The hole the null closes: without it the μ = 0 rate passes against μ = 1e-300.
	if c := within(Check{}, 0, 2e-300, 2.1e-9, Integrator, ""); c.Verdict != Pass {
		t.Errorf("without a null: %v", c.Verdict)
	}
	if v, _ := Unresolved.MarshalText(); string(v) != "unresolved" || Unresolved.String() != "unresolved" {
		t.Errorf("Unresolved writes as %q, %q", v, Unresolved)
	}
}

// Holm's correction decides again: an unresolved check stays unresolved (also when an
// earlier one was kept), a resolvable one passes, and an unresolved one does not stop the
// procedure from keeping the later ones.
func TestCorrectNull(t *testing.T) {
	cs := []Check{
		statistical(withNull(Check{ID: "resolved"}, 0, "no decay"), 7.9e-6, 7.8e-6, 5.5e-8, 19),
		statistical(withNull(Check{ID: "tiny"}, 0, "no decay"), 1e-7, 1e-300, 1e-6, 19),
		statistical(Check{ID: "zero"}, 0, 0, 0, 19),
		// Its own test fails (3.3 SE off) but Holm keeps it after the others: a pass, its null
		// being 200 SE away.
		statistical(withNull(Check{ID: "kept"}, 0, "no decay"), 1.033e-4, 1e-4, 1e-6, 19),
	}
	ptrs := make([]*Check, len(cs))
	for i := range cs {
		ptrs[i] = &cs[i]
	}
	Correct(ptrs)
	want := map[string]Verdict{"resolved": Pass, "tiny": Unresolved, "zero": Unresolved, "kept": Pass}
	for _, c := range cs {
		if c.Verdict != want[c.ID] {
			t.Errorf("%s: %v (%s), want %v", c.ID, c.Verdict, c.Reason, want[c.ID])
		}
	}
	// The same family where the last one's null is within its tolerance: kept, but unresolved.
	cs[3] = statistical(withNull(Check{ID: "kept"}, 1e-4, "no decay"), 1.033e-4, 1e-4, 1e-6, 19)
	Correct(ptrs)
	if cs[3].Verdict != Unresolved {
		t.Errorf("kept with its null inside the tolerance: %v", cs[3].Verdict)
	}
	// A claim with an unresolved check is not confirmed.
	cl := Claim{Checks: []Check{cs[0], cs[1]}}
	if cl.Verdict() != NotTested {
		t.Errorf("claim with an unresolved check: %v", cl.Verdict())
	}
}

// The checks of `check` at degenerate settings, each against the null it cannot tell apart:
// μ = 0 against μ = 1e-300, σ = 0 against σ = 1e-300, no motion against λ = 1e-300 or
// t = 1e-300, a D that moves with the weights against a start at rest. Each is
// unresolved, and the same check at the default setting passes (the control).
func TestLawsNull(t *testing.T) {
	w0 := []float64{2, 0.25}
	for _, tc := range []struct {
		name      string
		run       func(tiny bool) Check
		nullWords string
	}{
		{"wd-rate", func(tiny bool) Check {
			mu := 0.1
			if tiny {
				mu = 1e-300
			}
			return weightDecayRate(nil, Check{}, w0, mu, 5, 1e-8)
		}, "μ = 0"},
		{"noise-minimum", func(tiny bool) Check {
			sigma := 0.5
			if tiny {
				sigma = 1e-300
			}
			return noiseMinimumCheck(nil, Check{}, w0, sigma, 1e-8)
		}, "σ = 0"},
		{"gd-factor", func(tiny bool) Check {
			lr := 0.05
			if tiny {
				lr = 1e-300
			}
			return stepLaw(nil, Check{}, discrete.Problem{Objective: flow.Objective{Depth: 2}}, w0, lr, 100)
		}, "no change of D"},
		{"gd-wd-factor", func(tiny bool) Check {
			mu := 0.1
			if tiny {
				mu = 1e-300
			}
			return stepLaw(nil, Check{}, discrete.Problem{Objective: flow.Objective{Depth: 2, WeightDecay: mu}}, w0, 0.05, 100)
		}, "μ = 0"},
		{"flow-gauss", func(tiny bool) Check {
			T := 1.0
			if tiny {
				T = 1e-300
			}
			c, _ := conservationRoundOff(nil, Check{}, flow.Objective{Depth: 2}, w0, T)
			return c
		}, "moved with the weights"},
		{"flow-gauss at rest", func(tiny bool) Check {
			start := w0
			if tiny {
				start = []float64{1, 1} // a minimum: nothing moves
			}
			c, _ := conservationRoundOff(nil, Check{}, flow.Objective{Depth: 2}, start, 1)
			return c
		}, "moved with the weights"},
		{"noisy-gd", func(tiny bool) Check {
			lr := 0.05
			if tiny {
				lr = 1e-300
			}
			data, err := (*Lab)(nil).generate(64, 1, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := stochasticRate(nil, Check{}, discrete.Problem{Objective: flow.Objective{Depth: 2, Noise: 0.5}, Data: data}, onManifold(w0), lr, 100, 0, 8, 1)
			Correct([]*Check{&c})
			return c
		}, "all 0"},
	} {
		if c := tc.run(false); c.Verdict != Pass {
			t.Errorf("%s at the default setting: %v (%s) measured %g predicted %g tolerance %g", tc.name, c.Verdict, c.Reason, c.Measured, c.Predicted, c.Tolerance)
		}
		c := tc.run(true)
		if c.Verdict != Unresolved || !strings.Contains(c.Reason, tc.nullWords) {
			t.Errorf("%s at the degenerate setting: %v (%q) measured %g predicted %g tolerance %g", tc.name, c.Verdict, c.Reason, c.Measured, c.Predicted, c.Tolerance)
		}
	}
}

// noDecayEnd is where the flow without weight decay ends: integrated from unbalanced starts
// of depths 2 and 3 to rest, w_1² matches it.
func TestNoDecayEnd(t *testing.T) {
	for _, w0 := range [][]float64{{0.949, 1.14}, {1.2, 0.7, 0.9}} {
		r, err := flow.Integrate((*Lab)(nil).flowOf(flow.Objective{Depth: len(w0)}), w0, 200, &ode.Settings{Rtol: 1e-10, Atol: 1e-12, MaxSteps: 1_000_000}, &ode.DOP853{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Y[0]*r.Y[0], noDecayEnd(w0); math.Abs(got-want) > 1e-7 {
			t.Errorf("from %v: the flow ends at w_1² = %.12g, noDecayEnd %.12g", w0, got, want)
		}
	}
}
