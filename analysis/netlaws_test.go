package analysis

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/dataset"
	"github.com/layerflow/layerflow/flow/ode"
)

func teacherCases(t *testing.T) []NetCase {
	t.Helper()
	set, err := dataset.Open("teacher", dataset.Options{Inputs: 5, OutputsDim: 3, Samples: 200, Seed: 1, Noise: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	return []NetCase{{Name: "teacher-d2", Widths: []int{5, 4, 3}, Data: set}, {Name: "teacher-d3", Widths: []int{5, 4, 4, 3}, Data: set}}
}

func TestNetLaws(t *testing.T) {
	for _, c := range teacherCases(t) {
		for _, ch := range NetLaws(c, NetLawSettings{}) {
			t.Logf("%-28s %-4v measured %.3g predicted %.3g tol %.3g margin %.3g", ch.ID, ch.Verdict, ch.Measured, ch.Predicted, ch.Tolerance, ch.Margin)
			if ch.Verdict != Pass {
				t.Errorf("%s: %v (%s) measured %g, tolerance %g", ch.ID, ch.Verdict, ch.Reason, ch.Measured, ch.Tolerance)
			}
		}
	}
}

// wrongStepper adds to every step a perturbation that is not the gradient of a function of
// the product W: D_i then picks up cross terms.
type wrongStepper struct {
	*discrete.NetStepper
	rng *rand.Rand
	amp float64
}

func (s wrongStepper) Step() {
	s.NetStepper.Step()
	w := s.W()
	for k := range w {
		w[k] += s.amp * s.rng.NormFloat64()
	}
}

// Every matrix law fails under at least one wrong model.
func TestNetLawControls(t *testing.T) {
	cases := teacherCases(t)
	controls := netControls()
	failed := map[string]bool{}
	for _, ctl := range controls {
		lab := ctl.lab
		for _, c := range cases {
			for _, ch := range NetLaws(c, NetLawSettings{Lab: &lab}) {
				if ch.Verdict == NotTested {
					t.Logf("%s: %s not tested: %s", ctl.name, ch.ID, ch.Reason)
				}
				if ch.Verdict == Fail {
					failed[ch.ID] = true
					t.Logf("%s: %s fails (margin %.3g)", ctl.name, ch.ID, ch.Margin)
				}
			}
		}
	}
	for _, c := range cases {
		for _, ch := range NetLaws(c, NetLawSettings{}) {
			if !failed[ch.ID] {
				t.Errorf("%s fails under no wrong model", ch.ID)
			}
		}
	}
}

// netControls are the wrong models of matrix layers: every check of claim 11 and of
// check --widths must fail under at least one.
func netControls() []struct {
	name string
	lab  NetLab
} {
	return []struct {
		name string
		lab  NetLab
	}{
		{"flow of layer 1 scaled by 1.001", NetLab{Flow: func(m flow.Layered) ode.Func {
			f := m.Flow()
			n1 := m.Widths()[0] * m.Widths()[1]
			return func(dw []float64, t float64, w []float64) {
				f(dw, t, w)
				for k := 0; k < n1; k++ {
					dw[k] *= 1.001
				}
			}
		}}},
		{"weight decay 1.01μ in the flow", NetLab{Flow: func(m flow.Layered) ode.Func {
			f := m.Flow()
			mu, _ := m.Regularizers()
			return func(dw []float64, t float64, w []float64) {
				f(dw, t, w)
				for k := range dw {
					dw[k] -= 0.01 * mu * w[k]
				}
			}
		}}},
		{"steps perturbed by 1e-9 noise", NetLab{Stepper: func(p discrete.NetProblem, w0 []float64, s *discrete.Settings) (NetStepper, error) {
			st, err := discrete.NewNetStepper(p, w0, s)
			return wrongStepper{st, rand.New(rand.NewPCG(1, 1)), 1e-9}, err
		}}},
		{"an extra decay 1e-4·w in the flow", NetLab{Flow: func(m flow.Layered) ode.Func {
			f := m.Flow()
			return func(dw []float64, t float64, w []float64) {
				f(dw, t, w)
				for k := range dw {
					dw[k] -= 1e-4 * w[k]
				}
			}
		}}},
		{"input noise ×1.05 in the expected-loss flow", NetLab{Flow: func(m flow.Layered) ode.Func {
			net := m.(*flow.Net) // NetLaws integrates Nets: the statistics make the wrong one
			wrong, err := flow.NewNet(net.Widths(), net.Stats(), net.WeightDecay(), 1.05*net.Noise())
			if err != nil {
				panic(err)
			}
			return wrong.Flow()
		}}},
		{"input noise ×1.2 in the steps", NetLab{Stepper: func(p discrete.NetProblem, w0 []float64, s *discrete.Settings) (NetStepper, error) {
			p.Noise *= 1.2
			return discrete.NewNetStepper(p, w0, s)
		}}},
		{"SGD batches of half the size", NetLab{Stepper: func(p discrete.NetProblem, w0 []float64, s *discrete.Settings) (NetStepper, error) {
			t := *s
			t.Batch = (s.Batch + 1) / 2
			return discrete.NewNetStepper(p, w0, &t)
		}}},
		{"oracle gradient ×1.0001", NetLab{Gradient: func(widths []int, w []float64, sxx *mat.SymDense, syx *mat.Dense) []*mat.Dense {
			gs := netOracleGradient(widths, w, sxx, syx)
			for _, g := range gs {
				g.Scale(1.0001, g)
			}
			return gs
		}}},
	}
}
