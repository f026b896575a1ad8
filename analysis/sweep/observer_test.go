package sweep

import (
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// flowObserver keeps the points that the observer of a flow run always kept: every stride-th
// state seen, the trajectory halved and the stride doubled whenever it reaches its limit. The
// reference is that observer as it was, with divisions; the limits are small, so that the
// trajectory is halved many times.
func TestFlowObserverKeepsThePoints(t *testing.T) {
	for _, limit := range []int{2, 3, 5, 8, 13, 64} {
		for _, n := range []int{1, 2, 7, 100, 1000, 4099} {
			want := flow.NewTrajectory("flow", 2, 4)
			stride, seen := 1, 0
			ref := func(tt float64, y []float64) {
				if seen%stride == 0 {
					if want.Len() == limit {
						halve(want)
						stride *= 2
					}
					if seen%stride == 0 {
						want.Append(tt, y)
					}
				}
				seen++
			}
			w := &worker{}
			o := &flowObserver{w: w, tr: flow.NewTrajectory("flow", 2, 4), stride: 1, limit: limit, lastY: make([]float64, 2)}
			for k := range n {
				y := []float64{float64(k), -float64(k)}
				ref(float64(k)/8, y)
				if o.observe(float64(k)/8, y) {
					t.Fatal("stopped")
				}
				if o.lastT != float64(k)/8 || o.lastY[0] != y[0] || o.lastY[1] != y[1] {
					t.Fatalf("limit %d, state %d: last %v %v", limit, k, o.lastT, o.lastY)
				}
			}
			got := o.tr
			if got.Len() != want.Len() || o.seen != seen {
				t.Fatalf("limit %d, %d states: %d kept of %d seen, want %d of %d", limit, n, got.Len(), o.seen, want.Len(), seen)
			}
			for k := range want.Len() {
				if got.T[k] != want.T[k] || got.At(k)[0] != want.At(k)[0] || got.At(k)[1] != want.At(k)[1] {
					t.Fatalf("limit %d, %d states: point %d is %v %v, want %v %v", limit, n, k, got.T[k], got.At(k), want.T[k], want.At(k))
				}
			}
		}
	}
}

// A flow run of a sweep allocates nothing per step: once its worker has run one, runs of 20
// and of 200 time units (many more steps, events and kept points once the trajectory has
// grown) make the same allocations, with either integrator.
func TestFlowRunAllocations(t *testing.T) {
	for _, integrator := range []string{"dopri5", "dop853"} {
		s, err := FromMap(map[string]any{
			"method":     "flow",
			"t_end":      "20,200",
			"wd":         "0.01",
			"integrator": integrator,
			"start":      "1.5,0.3",
		}, ".")
		if err != nil {
			t.Fatal(err)
		}
		w := &worker{s: s}
		var allocs [2]float64
		var steps [2]int
		for i := range 2 {
			r := s.Run(i)
			oc, err := w.flow(&r) // the buffers grow to the run's size
			if err != nil {
				t.Fatal(err)
			}
			steps[i] = oc.steps
			allocs[i] = testing.AllocsPerRun(10, func() {
				if _, err := w.flow(&r); err != nil {
					t.Fatal(err)
				}
			})
		}
		if steps[1] < 2*steps[0] || allocs[0] != allocs[1] {
			t.Errorf("%s: %v allocations in runs of %v steps", integrator, allocs, steps)
		}
		t.Logf("%s: %v allocations in runs of %v steps", integrator, allocs, steps)
	}
}
