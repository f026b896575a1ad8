package analysis

import (
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

func TestRunDispatcher(t *testing.T) {
	for m := MethodFlow; m <= MethodNoisyGD; m++ {
		got, err := ParseMethod(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMethod("adam"); err == nil {
		t.Error("ParseMethod accepted adam")
	}
	data, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	obj := flow.Objective{Depth: 2, WeightDecay: 0.05, Noise: 0.2}
	for _, tc := range []struct {
		spec  RunSpec
		label string
		end   flow.End
	}{
		{RunSpec{Method: MethodFlow, T: 5}, "flow", flow.Completed},
		{RunSpec{Method: MethodModified, LR: 0.1, Steps: 50}, "modified", flow.Completed},
		{RunSpec{Method: MethodGD, LR: 0.1, Steps: 50}, "gd", flow.Completed},
		{RunSpec{Method: MethodNoisyGD, LR: 0.1, Steps: 50, Data: data}, "noisy-gd", flow.Completed},
		{RunSpec{Method: MethodSGD, LR: 0.1, Steps: 50, Data: data, Batch: 8}, "noisy-sgd", flow.Completed},
		{RunSpec{Method: MethodGD, LR: 3, Steps: 50}, "gd", flow.Diverged},
		{RunSpec{Method: MethodFlow, T: 5, Settings: &ode.Settings{MaxSteps: 2}}, "flow", flow.Failed},
	} {
		tc.spec.Objective, tc.spec.Start, tc.spec.Phase = obj, []float64{2, 0.25}, true
		out, err := Run(tc.spec)
		if err != nil {
			t.Fatalf("%v: %v", tc.spec.Method, err)
		}
		if out.Trajectory.Label != tc.label || out.End != tc.end || out.Trajectory.End != tc.end {
			t.Errorf("%v: label %q end %v, want %q %v", tc.spec.Method, out.Trajectory.Label, out.End, tc.label, tc.end)
		}
	}
	if _, err := Run(RunSpec{Method: MethodModified, Objective: obj, Start: []float64{2, 0.25}, T: 1}); err == nil {
		t.Error("the modified flow without a learning rate ran")
	}
}
