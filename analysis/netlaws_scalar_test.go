package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// wrongScalar is a wrong scalar model: its gradient (and so its flow) is scaled by 1.001 in
// the first weight.
type wrongScalar struct{ flow.Objective }

func (s wrongScalar) Gradient(g, w []float64) {
	s.Objective.Gradient(g, w)
	g[0] *= 1.001
}

func (s wrongScalar) Flow() ode.Func {
	return func(dw []float64, _ float64, w []float64) {
		s.Gradient(dw, w)
		for k := range dw {
			dw[k] = -dw[k]
		}
	}
}

// scalarStepper drops the ρ that the scalar stepper returns, so that it is a NetStepper.
type scalarStepper struct{ *discrete.Stepper }

func (s scalarStepper) Step() { s.Stepper.Step() }

// perturbedStepper adds 1e-9 noise to every step: not a gradient step of a function of W.
type perturbedStepper struct {
	NetStepper
	rng *rand.Rand
}

func (s perturbedStepper) Step() {
	s.NetStepper.Step()
	w := s.W()
	for k := range w {
		w[k] += 1e-9 * s.rng.NormFloat64()
	}
}

// scalarLossGradient is the closed form of the scalar loss gradient, g_i = e·∏_{j≠i}w_j with
// e = W − 1, as 1×1 layers, times f.
func scalarLossGradient(f float64) func(w []float64) []*mat.Dense {
	return func(w []float64) []*mat.Dense {
		g := make([]float64, len(w))
		flow.Partials(g, w)
		e := flow.Product(w) - 1
		out := make([]*mat.Dense, len(w))
		for i := range g {
			out[i] = mat.NewDense(1, 1, []float64{f * e * g[i]})
		}
		return out
	}
}

var scalarStart = []float64{0.9, -0.4, 0.7}

// The laws of NetLaws that need only the model interface pass on the scalar network and fail
// on a scalar model whose gradient is 0.1 % off in one weight.
func TestModelLawsScalar(t *testing.T) {
	w0 := scalarStart
	plain := flow.Objective{Depth: 3, Noise: 0.3}
	decayed := flow.Objective{Depth: 3, WeightDecay: 0.1, Noise: 0.3}
	ds, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	x, y := mat.NewDense(len(ds.X), 1, ds.X), mat.NewDense(len(ds.Y), 1, ds.Y)
	// net runs discrete.NetStepper on the model interface: GD on any model, SGD (batch > 0)
	// and noisy GD (noise > 0) on the samples of a flow.Sampled.
	net := func(m flow.Model, batch int, noise float64) NetStepper {
		p := discrete.NetProblem{Model: m, Noise: noise}
		if batch > 0 || noise > 0 {
			p.X, p.Y = x, y
		}
		st, err := discrete.NewNetStepper(p, w0, &discrete.Settings{LR: 0.05, Batch: batch, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	sgd := func(o flow.Objective) NetStepper {
		st, err := discrete.NewStepper(discrete.Problem{Objective: o, Data: ds}, w0, &discrete.Settings{LR: 0.05, Batch: 8, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return scalarStepper{st}
	}
	gd := func(o flow.Objective) NetStepper {
		st, err := discrete.NewStepper(discrete.Problem{Objective: o}, w0, &discrete.Settings{LR: 0.05})
		if err != nil {
			t.Fatal(err)
		}
		return scalarStepper{st}
	}
	noGD := flow.Objective{Depth: 3, WeightDecay: 0.1} // population GD has no input noise
	for _, c := range []struct {
		name string
		ch   Check
		want Verdict
	}{
		{"conservation", ConservationLaw(Check{ID: "c"}, plain, w0, 1, 0.01), Pass},
		{"conservation, wrong gradient", ConservationLaw(Check{ID: "c"}, wrongScalar{plain}, w0, 1, 0.01), Fail},
		{"conservation under weight decay", ConservationLaw(Check{ID: "c"}, decayed, w0, 1, 0.01), NotTested},
		{"decay", DecayLaw(Check{ID: "d"}, decayed, w0, 1, 1e-10), Pass},
		{"decay, wrong gradient", DecayLaw(Check{ID: "d"}, wrongScalar{decayed}, w0, 1, 1e-10), Fail},
		{"decay of the 1×1 Net", func() Check {
			net, err := decayed.Net()
			if err != nil {
				t.Fatal(err)
			}
			return DecayLaw(Check{ID: "d"}, net, w0, 1, 1e-10)
		}(), Pass},
		{"GD step, scalar stepper", GDStepLaw(Check{ID: "g"}, noGD, gd(noGD), scalarLossGradient(1), 0.05, 100), Pass},
		{"GD step, NetStepper on the interface", GDStepLaw(Check{ID: "g"}, noGD, net(noGD, 0, 0), scalarLossGradient(1), 0.05, 100), Pass},
		{"GD step, NetStepper on a wrong gradient", GDStepLaw(Check{ID: "g"}, noGD, net(wrongScalar{noGD}, 0, 0), scalarLossGradient(1), 0.05, 100), Fail},
		{"GD step, oracle ×1.001", GDStepLaw(Check{ID: "g"}, noGD, gd(noGD), scalarLossGradient(1.001), 0.05, 100), Fail},
		{"SGD step", SampledStepLaw(Check{ID: "s"}, decayed, sgd(decayed), 0.05, 100), Pass},
		{"SGD step perturbed", SampledStepLaw(Check{ID: "s"}, decayed, perturbedStepper{sgd(decayed), rand.New(rand.NewPCG(1, 1))}, 0.05, 100), Fail},
		{"SGD step, NetStepper on the scalar network", SampledStepLaw(Check{ID: "s"}, decayed, net(decayed.Sampled(), 8, 0), 0.05, 100), Pass},
		{"noisy SGD step, NetStepper on the scalar network", SampledStepLaw(Check{ID: "s"}, decayed, net(decayed.Sampled(), 8, 0.3), 0.05, 100), Pass},
		{"noisy GD step, NetStepper on the scalar network", SampledStepLaw(Check{ID: "s"}, decayed, net(decayed.Sampled(), 0, 0.3), 0.05, 100), Pass},
		{"NetStepper perturbed as a sampled step", SampledStepLaw(Check{ID: "s"}, decayed, perturbedStepper{net(decayed.Sampled(), 8, 0), rand.New(rand.NewPCG(1, 1))}, 0.05, 100), Fail},
		{"GD on a wrong gradient as a sampled step", SampledStepLaw(Check{ID: "s"}, noGD, net(wrongScalar{noGD}, 0, 0), 0.05, 100), Fail},
	} {
		t.Logf("%-42s %-10v measured %.3g tolerance %.3g", c.name, c.ch.Verdict, c.ch.Measured, c.ch.Tolerance)
		if c.ch.Verdict != c.want {
			t.Errorf("%s: %v (%s), want %v: measured %g, tolerance %g", c.name, c.ch.Verdict, c.ch.Reason, c.want, c.ch.Measured, c.ch.Tolerance)
		}
	}
}

// The generic code computes the scalar closed forms: its D_i of the 1×1 layers is
// w_{i+1}² − w_i² = −D_{i,i+1} (flow.Imbalance), and its deviation from the GD step law, for a
// step that is not GD (λ·1.01∇F), is |C' − (1−λμ)²C − λ²(g_{i+1}² − g_i²)| / (w_i² + w_{i+1}²)
// computed by hand (the largest over the pairs), to round-off of the terms.
func TestModelLawsScalarClosedForms(t *testing.T) {
	o := flow.Objective{Depth: 3, WeightDecay: 0.1}
	w := scalarStart
	ds, _ := imbalances(modelLayers(o, w))
	dd := make([]float64, 2)
	flow.Imbalance(dd, w)
	for i := range dd {
		if got := ds[i].At(0, 0); got != -dd[i] {
			t.Errorf("D_%d = %v, the scalar closed form −D_{%d,%d} = %v", i+1, got, i+1, i+2, -dd[i])
		}
	}
	const lr = 0.05
	grad := make([]float64, 3)
	o.Gradient(grad, w)
	next := make([]float64, 3)
	for k := range w {
		next[k] = w[k] - 1.01*lr*grad[k]
	}
	got := stepLawDeviation(modelLayers(o, w), modelLayers(o, next), scalarLossGradient(1)(w), lr, o.WeightDecay)
	g := make([]float64, 3)
	flow.Partials(g, w)
	e := flow.Product(w) - 1
	var want float64
	for i := 0; i < 2; i++ {
		c0 := w[i+1]*w[i+1] - w[i]*w[i]
		c1 := next[i+1]*next[i+1] - next[i]*next[i]
		gi, gj := e*g[i], e*g[i+1]
		pred := (1-lr*o.WeightDecay)*(1-lr*o.WeightDecay)*c0 + lr*lr*(gj*gj-gi*gi)
		scale := math.Max(w[i]*w[i]+w[i+1]*w[i+1], next[i]*next[i]+next[i+1]*next[i+1])
		want = math.Max(want, math.Abs(c1-pred)/scale)
	}
	if want < 1e-6 {
		t.Fatalf("the wrong step deviates by only %g: no test", want)
	}
	if math.Abs(got-want) > 64*eps {
		t.Errorf("generic deviation %v, scalar closed form %v", got, want)
	}
	t.Logf("deviation of a 1.01λ step: generic %.17g, closed form %.17g", got, want)
}

// sharperScalar is a wrong scalar model: its sharpness is 10⁻⁵ too large.
type sharperScalar struct{ flow.Objective }

func (s sharperScalar) Sharpness(w []float64) float64 { return (1 + 1e-5) * flow.Sharpness(w) }

// SharpnessLaw on the scalar network: its closed-form sharpness is the top eigenvalue of the
// central-difference Hessian of the closed-form loss gradient; a sharpness 10⁻⁵ off and an
// oracle 0.1 % off fail.
func TestSharpnessLawScalar(t *testing.T) {
	flat := func(f float64) func(w []float64) []float64 {
		return func(w []float64) []float64 {
			var v []float64
			for _, g := range scalarLossGradient(f)(w) {
				v = append(v, g.At(0, 0))
			}
			return v
		}
	}
	for _, w := range [][]float64{{0.7, -1.3}, {2, 0.5}, scalarStart, {0.7, -1.3, 0.9, 1.2}} {
		o := flow.Objective{Depth: len(w), WeightDecay: 0.1}
		for _, c := range []struct {
			name string
			ch   Check
			want Verdict
		}{
			{"scalar", SharpnessLaw(Check{ID: "s"}, o, w, flat(1)), Pass},
			{"sharpness ×(1 + 1e-5)", SharpnessLaw(Check{ID: "s"}, sharperScalar{o}, w, flat(1)), Fail},
			{"oracle ×1.001", SharpnessLaw(Check{ID: "s"}, o, w, flat(1.001)), Fail},
		} {
			t.Logf("w %v %-22s %-5v measured %.10g predicted %.10g", w, c.name, c.ch.Verdict, c.ch.Measured, c.ch.Predicted)
			if c.ch.Verdict != c.want {
				t.Errorf("w %v, %s: %v, want %v: measured %g, predicted %g, tolerance %g", w, c.name, c.ch.Verdict, c.want, c.ch.Measured, c.ch.Predicted, c.ch.Tolerance)
			}
		}
	}
}
