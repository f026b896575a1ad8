package analysis

import (
	"context"
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

func samePhase(a, b Phase) bool {
	return a.Found == b.Found && a.Index == b.Index && sameBits(a.T, b.T) && sameBits(a.Loss, b.Loss) &&
		sameBits(a.Imbalance, b.Imbalance) && sameBits(a.RegRate, b.RegRate)
}

// A streamed run measures, point by point, what the post-hoc analysis measures on the whole
// trajectory of Run, to the bit: the phase boundary with its fitted rate (windowed for the
// sampled methods, an integration event for the flows), GD's stability class, the step law's
// deviation, the drift of D_ij and the last point; and within the budget the kept points
// are the trajectory.
func TestStreamMatchesRun(t *testing.T) {
	data, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := flow.Generate(64, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		spec RunSpec
		obj  flow.Objective
		w0   []float64
	}
	d2 := flow.Objective{Depth: 2}
	d3 := flow.Objective{Depth: 3, WeightDecay: 0.05}
	cases := []tc{
		{RunSpec{Method: MethodFlow, T: 20}, d3, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodFlow, T: 20}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodFlow, T: 20}, flow.Objective{Depth: 2, WeightDecay: 0.1}, []float64{2, 0.25}},
		{RunSpec{Method: MethodFlow, T: 20, Settings: &ode.Settings{Rtol: 1e-8, Atol: 1e-10, Output: []float64{0, 1, 2, 5, 10, 20}}}, d3, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodModified, LR: 0.1, T: 20}, d3, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodFlow, T: 5, Settings: &ode.Settings{MaxSteps: 3}}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodGD, LR: 0.05, Steps: 2000}, d3, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodGD, LR: 0.05, Steps: 2000}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodGD, LR: 0.9, Steps: 500}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodGD, LR: 3, Steps: 500}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodGD, LR: 0.05, Steps: 1999, Record: 7}, d3, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodGD, LR: 0.01, Steps: 300}, flow.Objective{Depth: 20}, randStart(20)},
		{RunSpec{Method: MethodGD, LR: 0.002, Steps: 300}, flow.Objective{Depth: 80, WeightDecay: 0.1}, randStart(80)},
		{RunSpec{Method: MethodSGD, LR: 0.05, Steps: 3000, Batch: 8, Data: data, Seed: 3}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodSGD, LR: 0.05, Steps: 3001, Batch: 8, Data: data, Seed: 3, Record: 10}, d2, []float64{2, 0.25}},
		{RunSpec{Method: MethodSGD, LR: 0.05, Steps: 5000, Batch: 8, Data: clean, Seed: 3}, flow.Objective{Depth: 2, WeightDecay: 0.1}, []float64{2, 0.25}},
		{RunSpec{Method: MethodNoisyGD, LR: 0.05, Steps: 5000, Data: clean, Seed: 2}, flow.Objective{Depth: 3, WeightDecay: 0.1, Noise: 0.01}, []float64{1.5, 0.5, 0.2}},
		{RunSpec{Method: MethodNoisyGD, LR: 0.05, Steps: 2000, Data: data, Seed: 2}, flow.Objective{Depth: 2, Noise: 0.3}, []float64{2, 0.25}},
	}
	for i, c := range cases {
		spec := c.spec
		spec.Objective, spec.Start, spec.Phase = c.obj, c.w0, true
		want, err := runRecorded(spec)
		if err != nil {
			t.Fatal(i, err)
		}
		tr := want.Trajectory
		var kept []float64
		got, err := Stream(spec, StreamOptions{MaxPoints: 1 << 20, Keep: func(_ int, t float64, w []float64) error {
			kept = append(append(kept, t), w...)
			return nil
		}})
		if err != nil {
			t.Fatal(i, err)
		}
		if got.Label != tr.Label || got.End != tr.End || got.Status != tr.Status || got.Points != tr.Len() || got.Kept != tr.Len() {
			t.Errorf("case %d: %q %v %q %d/%d points, want %q %v %q %d", i, got.Label, got.End, got.Status, got.Points, got.Kept, tr.Label, tr.End, tr.Status, tr.Len())
		}
		for k := 0; k < min(tr.Len(), got.Kept); k++ {
			row := kept[k*(tr.Depth+1) : (k+1)*(tr.Depth+1)]
			if !sameBits(row[0], tr.T[k]) {
				t.Fatalf("case %d: kept point %d at t=%v, want %v", i, k, row[0], tr.T[k])
			}
			for j, v := range tr.At(k) {
				if !sameBits(row[1+j], v) {
					t.Fatalf("case %d: kept point %d differs", i, k)
				}
			}
		}
		if !samePhase(got.Phase, want.Phase) {
			t.Errorf("case %d: phase %+v, want %+v", i, got.Phase, want.Phase)
		}
		if !sameBits(got.T, tr.T[tr.Len()-1]) {
			t.Errorf("case %d: last t %v, want %v", i, got.T, tr.T[tr.Len()-1])
		}
		for j, v := range tr.Last() {
			if !sameBits(got.W[j], v) {
				t.Errorf("case %d: last w %v, want %v", i, got.W, tr.Last())
			}
		}
		if spec.Method.Continuous() {
			wd := MaxRelDrift(tr)
			for j := range wd {
				if !sameBits(got.Drift[j], wd[j]) {
					t.Errorf("case %d: drift %v, want %v", i, got.Drift, wd)
				}
			}
			continue
		}
		if max(spec.Record, 1) == 1 {
			w := StepLawDeviation(tr, want.Discrete.Rho, spec.LR, c.obj.WeightDecay)
			switch {
			case c.obj.Depth <= stepLawAllPairs && !sameBits(got.StepLaw, w):
				t.Errorf("case %d: step law %v, want %v", i, got.StepLaw, w)
			case c.obj.Depth > stepLawAllPairs && !(got.StepLaw < 1e-13):
				// The adjacent pairs of a deep net follow the law to round-off.
				t.Errorf("case %d: step law deviation %v on the adjacent pairs", i, got.StepLaw)
			}
		}
		if spec.Method == MethodGD && max(spec.Record, 1) == 1 {
			w := ClassifyGD(tr, spec.LR)
			if got.Stability == nil || *got.Stability != w {
				t.Errorf("case %d: stability %+v, want %+v", i, got.Stability, w)
			}
		}
	}
}

func randStart(d int) []float64 {
	w := make([]float64, d)
	for i := range w {
		w[i] = 1 + 0.3*math.Sin(float64(3*i+1))
	}
	return w
}

// A budget thins the kept points (first and last kept, at most the budget) but not the
// measurements; a cancelled context stops the run with the points so far.
func TestStreamBudgetAndCancel(t *testing.T) {
	obj := flow.Objective{Depth: 2}
	spec := RunSpec{Method: MethodGD, Objective: obj, Start: []float64{2, 0.25}, LR: 0.01, Steps: 100000, Phase: true}
	full, err := Stream(spec, StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ts []float64
	got, err := Stream(spec, StreamOptions{MaxPoints: 100, Keep: func(_ int, t float64, w []float64) error { ts = append(ts, t); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) > 100 || len(ts) < 50 || ts[0] != 0 || ts[len(ts)-1] != 1000 || got.Kept != len(ts) {
		t.Errorf("budget 100: %d points from %v to %v", len(ts), ts[0], ts[len(ts)-1])
	}
	if !samePhase(got.Phase, full.Phase) || got.Points != full.Points || !sameBits(got.StepLaw, full.StepLaw) {
		t.Errorf("the budget changed the measurements: %+v, want %+v", got, full)
	}
	// A flow with many accepted steps: its budget too.
	fs := RunSpec{Method: MethodFlow, Objective: obj, Start: []float64{2, 0.25}, T: 1e4, Settings: &ode.Settings{Rtol: 1e-12, Atol: 1e-14, MaxSteps: 1000000}}
	var n int
	var last float64
	fo, err := Stream(fs, StreamOptions{MaxPoints: 50, Keep: func(_ int, t float64, w []float64) error { n++; last = t; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if fo.Points <= 50 || n > 50 || last != 1e4 {
		t.Errorf("flow budget 50: %d of %d points kept, last at %v", n, fo.Points, last)
	}
	// The smallest budget of a flow: one point a segment, strides up to its step bound.
	fs.T = 1e6
	n = 0
	if _, err := Stream(fs, StreamOptions{MaxPoints: MinFlowPoints(1000000), Keep: func(int, float64, []float64) error { n++; return nil }}); err != nil || n > MinFlowPoints(1000000) {
		t.Errorf("flow at the smallest budget %d: %d points kept, %v", MinFlowPoints(1000000), n, err)
	}
	if _, err := Stream(fs, StreamOptions{MaxPoints: MinFlowPoints(1000000) - 1}); err == nil {
		t.Error("a budget below the smallest of a flow was accepted")
	}
	if _, err := Stream(spec, StreamOptions{MaxPoints: 2}); err == nil {
		t.Error("a budget of 2 points was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spec.Steps = min(1<<40, math.MaxInt) // the largest int where an int has 32 bits
	var cnt int
	out, err := Stream(spec, StreamOptions{Context: ctx, MaxPoints: 1000, Keep: func(int, float64, []float64) error { cnt++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.End != flow.Stopped || out.Discrete.Steps >= 1<<20 || cnt != 2 {
		t.Errorf("cancelled run: %+v, %d kept", out, cnt)
	}
}

// The tracker with a window of w points finds what Phases finds with that window.
func TestPhaseTrackerWindows(t *testing.T) {
	obj := flow.Objective{Depth: 3, WeightDecay: 0.05}
	run, err := Run(RunSpec{Method: MethodGD, Objective: obj, Start: []float64{1.5, 0.5, 0.2}, LR: 0.05, Steps: 3000})
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Trajectory
	// And a jittered copy, whose stretches of tangential motion start and end often.
	jit := flow.NewTrajectory("jittered", 3, tr.Len())
	for k := 0; k < tr.Len(); k++ {
		w := append([]float64(nil), tr.At(k)...)
		for i := range w {
			if k > 0 {
				// A jitter of the size of the step, with the moves of the steps before it.
				w[i] += 3 * math.Sin(float64(7*k+13*i)) * (tr.At(k)[i] - tr.At(k - 1)[i])
			}
		}
		jit.Append(tr.T[k], w)
	}
	found := 0
	for _, w := range []int{1, 3, 7, 30} {
		want := Phases(jit, 0, w)
		p := NewPhaseTracker(3, w, 0, true)
		for k := 0; k < jit.Len(); k++ {
			p.Add(jit.T[k], jit.At(k))
		}
		if got := p.Phase(); !samePhase(got, want) {
			t.Errorf("jittered, window %d: %+v, want %+v", w, got, want)
		}
		if want.Found {
			found++
		}
	}
	for _, w := range []int{1, 2, 5, 30, 100, 2999, 3000, 5000} {
		want := Phases(tr, 0.1, w)
		p := NewPhaseTracker(3, w, 0.1, true)
		for k := 0; k < tr.Len(); k++ {
			p.Add(tr.T[k], tr.At(k))
		}
		if got := p.Phase(); !samePhase(got, want) {
			t.Errorf("window %d: %+v, want %+v", w, got, want)
		}
		if want.Found {
			found++
		}
	}
	if found < 7 {
		t.Errorf("only %d windows found a boundary: the test tests little", found)
	}
}

// BenchmarkStreamGD is one step of a streamed GD run keeping every iterate: the step and every
// measurement taken on it (phase, stability, step law), no file.
func BenchmarkStreamGD(b *testing.B) {
	for _, d := range []int{2, 3} {
		b.Run("d="+string(rune('0'+d)), func(b *testing.B) {
			w0 := []float64{2, 0.25, 1}[:d]
			spec := RunSpec{Method: MethodGD, Objective: flow.Objective{Depth: d}, Start: w0, LR: 0.01, Steps: b.N, Phase: true}
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := Stream(spec, StreamOptions{MaxPoints: 1000}); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// The adjacent-pair check of deep networks sees a wrong step: a tracker told another learning
// rate than the run's reports a deviation far above round-off.
func TestStepLawTrackerDeep(t *testing.T) {
	d := 80
	w0 := randStart(d)
	obj := flow.Objective{Depth: d}
	run, err := runRecorded(RunSpec{Method: MethodGD, Objective: obj, Start: w0, LR: 0.002, Steps: 50})
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Trajectory
	for _, c := range []struct {
		lr   float64
		fail bool
	}{{0.002, false}, {0.002 * 1.01, true}} {
		s := NewStepLawTracker(d, c.lr, 0)
		s.Start(tr.At(0))
		for k := 1; k < tr.Len(); k++ {
			s.Step(tr.At(k), run.Discrete.Rho[k-1])
		}
		if got := s.Deviation(); (got > 1e-10) != c.fail {
			t.Errorf("λ %v: deviation %v", c.lr, got)
		}
	}
}

// RecordStride's rows, steps 0, s, 2s, … and the last, fit in the budget, and a stride above
// record is the least s with s·(budget − 2) ≥ steps.
func TestRecordStride(t *testing.T) {
	rows := func(steps, s int) int {
		n := steps/s + 1
		if steps%s != 0 {
			n++
		}
		return n
	}
	for _, tc := range []struct{ steps, record, budget int }{
		{300000, 1, 10}, {1000, 1, 3}, {1000, 7, 100}, {1000, 1, 2000}, {999, 1, 12}, {10, 20, 5}, {1 << 40, 1, 100000}, {7, 1, 0},
	} {
		s := RecordStride(tc.steps, tc.record, tc.budget)
		switch {
		case s < tc.record:
			t.Errorf("%+v: stride %d below record", tc, s)
		case tc.budget > 2 && rows(tc.steps, s) > tc.budget:
			t.Errorf("%+v: stride %d keeps %d rows", tc, s, rows(tc.steps, s))
		case tc.budget > 2 && s > tc.record && (s-1)*(tc.budget-2) >= tc.steps:
			t.Errorf("%+v: stride %d, but %d would do", tc, s, s-1)
		}
	}
}
