package analysis

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// TestStreamAnyModel checks that Stream runs a model through the interface alone: the scalar
// network handed over as a generic model (Objective.Sampled(), whose methods Stream knows
// only as a flow.Model) takes the steps and the flow of the closed forms, to round-off. A
// wrong model (another weight decay) must not.
func TestStreamAnyModel(t *testing.T) {
	obj := flow.Objective{Depth: 3, WeightDecay: 0.02}
	w0 := []float64{1.4, 0.5, 0.9}
	last := func(spec RunSpec) []float64 {
		t.Helper()
		s, err := Stream(spec, StreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.End != flow.Completed {
			t.Fatalf("%v: %s", spec.Method, s.Status)
		}
		return s.W
	}
	for _, m := range []Method{MethodGD, MethodFlow, MethodModified} {
		spec := RunSpec{Method: m, Objective: obj, Start: w0, LR: 0.05, Steps: 400}
		want := last(spec)
		spec.Objective, spec.Model = flow.Objective{}, obj.Sampled()
		got := last(spec)
		wrongObj := obj
		wrongObj.WeightDecay *= 1.01
		spec.Model = wrongObj.Sampled()
		wrong := last(spec)
		var dGot, dWrong float64
		for i := range want {
			dGot = math.Max(dGot, math.Abs(got[i]-want[i]))
			dWrong = math.Max(dWrong, math.Abs(wrong[i]-want[i]))
		}
		// The flows are solved at DOPRI5's default tolerances, rtol 1e-8: two right-hand
		// sides equal to round-off give states equal to far less than that.
		if dGot > 1e-9 {
			t.Errorf("%v: the generic model ends %g from the closed forms", m, dGot)
		}
		if dWrong < 1e-5 {
			t.Errorf("%v: a weight decay 1%% off ends only %g away", m, dWrong)
		}
	}
}
