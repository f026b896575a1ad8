package analysis

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/dataset"
)

// teacherNet returns a network of widths 5, 4, 3 on a teacher's statistics and a start.
func teacherNet(t *testing.T, widths []int) (*flow.Net, []float64) {
	t.Helper()
	set, err := dataset.Open("teacher", dataset.Options{Inputs: widths[0], OutputsDim: widths[len(widths)-1], Samples: 200, Seed: 1, Noise: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	mo := set.Moments()
	net, err := flow.NewNet(widths, flow.Stats{Sxx: mo.Sxx, Syx: mo.Syx, Syy: mo.Syy}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	w0, err := flow.Init{Kind: flow.Imbalanced, Scale: 0.7, Delta: 0.5, Seed: 3}.Draw(widths)
	if err != nil {
		t.Fatal(err)
	}
	return net, w0
}

// TestCompareStreamOrders checks backward error analysis on a network of matrix layers: over
// a fixed horizon T, GD at step λ stays within O(λ) of the gradient flow and within O(λ²)
// of the modified flow, so that halving λ halves the first distance and quarters the
// second. A "modified" flow that were the plain flow would fall with slope 1, and the check
// fails for it (the second part).
func TestCompareStreamOrders(t *testing.T) {
	net, w0 := teacherNet(t, []int{5, 4, 3})
	const T = 2.0
	lrs := []float64{0.02, 0.01, 0.005}
	var dF, dM []float64
	for _, lr := range lrs {
		c, err := CompareStream(net, w0, lr, int(math.Round(T/lr)), CompareSettings{Method: "dop853", Rtol: 1e-11, Atol: 1e-13}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.GDEnd != flow.Completed || c.Points != int(math.Round(T/lr))+1 {
			t.Fatalf("λ=%g: GD %v, %d points", lr, c.GDStatus, c.Points)
		}
		if !(c.ErrFlow < 1e-3*c.MaxFlow && c.ErrModified < 1e-3*c.MaxModified) {
			t.Fatalf("λ=%g: the flows' errors %.2g, %.2g do not resolve the distances %.2g, %.2g", lr, c.ErrFlow, c.ErrModified, c.MaxFlow, c.MaxModified)
		}
		dF, dM = append(dF, c.MaxFlow), append(dM, c.MaxModified)
	}
	pF, pM := logslope(lrs, dF), logslope(lrs, dM)
	t.Logf("max ‖GD − flow‖ %.3g, slope %.3f; max ‖GD − modified‖ %.3g, slope %.3f", dF, pF, dM, pM)
	if math.Abs(pF-1) > 0.15 || math.Abs(pM-2) > 0.3 {
		t.Errorf("slopes %.3f and %.3f; want 1 and 2", pF, pM)
	}
	// Negative control: the distance to the plain flow falls with slope 1, not 2.
	if math.Abs(pF-2) <= 0.3 {
		t.Errorf("the flow's slope %.3f would pass as the modified flow's", pF)
	}
}

// TestCompareStreamScalarNet checks that the scalar network and the same network as a
// 1×1×1 Net compare alike: the same GD and flows, by closed forms on one side and by
// matrix products on the other, to round-off.
func TestCompareStreamScalarNet(t *testing.T) {
	obj := flow.Objective{Depth: 3, WeightDecay: 0.01}
	net, err := obj.Net()
	if err != nil {
		t.Fatal(err)
	}
	w0 := []float64{1.5, 0.4, 0.8}
	var gdA, flA [][]float64
	a, err := CompareStream(obj, w0, 0.05, 400, CompareSettings{Record: 10}, func(p *ComparePoint) error {
		gdA, flA = append(gdA, append([]float64(nil), p.GD...)), append(flA, append([]float64(nil), p.Flow...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	b, err := CompareStream(net, w0, 0.05, 400, CompareSettings{Record: 10}, func(p *ComparePoint) error {
		for i := range w0 {
			if math.Abs(p.GD[i]-gdA[k][i]) > 1e-12 || math.Abs(p.Flow[i]-flA[k][i]) > 1e-9 {
				t.Errorf("point %d (k=%d): net GD %v flow %v, scalar %v %v", k, p.K, p.GD, p.Flow, gdA[k], flA[k])
			}
		}
		k++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Points != 41 || b.Points != 41 || math.Abs(a.MaxFlow-b.MaxFlow) > 1e-9 || math.Abs(a.MaxModified-b.MaxModified) > 1e-9 {
		t.Errorf("scalar: %d points, %.6g %.6g; net: %d points, %.6g %.6g", a.Points, a.MaxFlow, a.MaxModified, b.Points, b.MaxFlow, b.MaxModified)
	}
	if !math.IsNaN(b.LossLevel) || math.IsNaN(a.LossLevel) {
		t.Errorf("loss level: scalar %v, net %v (defined for the scalar network only)", a.LossLevel, b.LossLevel)
	}
}

// TestCompareStreamStops checks that the lockstep ends cleanly: on an error of the point
// function (returned), on a cancelled context (Interrupted, the points so far), and when GD
// diverges (the flows compared up to GD's last iterate inside the bound).
func TestCompareStreamStops(t *testing.T) {
	net, w0 := teacherNet(t, []int{5, 4, 3})
	boom := errors.New("boom")
	n := 0
	_, err := CompareStream(net, w0, 0.01, 1000, CompareSettings{}, func(*ComparePoint) error {
		if n++; n == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 3 {
		t.Errorf("a failing point function: %v after %d points", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	c, err := CompareStream(net, w0, 0.01, 100000, CompareSettings{Context: ctx}, func(*ComparePoint) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if err != nil || !c.Interrupted || c.Points < 5 || c.Points != n || !math.IsNaN(c.ErrFlow) {
		t.Errorf("cancelled: %v, interrupted %v, %d points (%d seen), error estimate %v", err, c.Interrupted, c.Points, n, c.ErrFlow)
	}

	var last *ComparePoint
	c, err = CompareStream(net, w0, 2, 100, CompareSettings{}, func(p *ComparePoint) error { q := *p; last = &q; return nil })
	if err != nil || c.GDEnd != flow.Diverged || c.Points != c.Steps+1 || last.K != c.Steps || last.T != float64(c.Steps)*2 {
		t.Errorf("diverging GD: %v, %v after %d steps, %d points, last point k=%d t=%v", err, c.GDStatus, c.Steps, c.Points, last.K, last.T)
	}
}

// TestCompareStreamInterruptedPoints checks that an interrupted comparison hands over only
// points of the uninterrupted one: a flow stopped between two output times gives the state
// where it stopped, which must end the comparison, not be compared with GD's next iterate.
func TestCompareStreamInterruptedPoints(t *testing.T) {
	net, w0 := teacherNet(t, []int{5, 4, 3})
	const steps, lr = 6000, 0.05
	type state struct {
		t    float64
		f, m []float64
	}
	ref := map[int]state{}
	if _, err := CompareStream(net, w0, lr, steps, CompareSettings{}, func(p *ComparePoint) error {
		ref[p.K] = state{p.T, append([]float64(nil), p.Flow...), append([]float64(nil), p.Modified...)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for try := range 8 {
		ctx, cancel := context.WithCancel(context.Background())
		n, at := 0, 1000+try*397
		c, err := CompareStream(net, w0, lr, steps, CompareSettings{Context: ctx}, func(p *ComparePoint) error {
			if n++; n == at {
				cancel()
			}
			r, ok := ref[p.K]
			if !ok || p.T != r.t || dist(p.Flow, r.f) != 0 || dist(p.Modified, r.m) != 0 {
				t.Errorf("cancelled at point %d: point %d (K=%d, T=%v) is not the uninterrupted run's: flow off by %.3g, modified by %.3g",
					at, n, p.K, p.T, dist(p.Flow, r.f), dist(p.Modified, r.m))
			}
			return nil
		})
		cancel()
		if err != nil || !c.Interrupted {
			t.Fatalf("cancelled at point %d: %v, interrupted %v", at, err, c.Interrupted)
		}
	}
}

// A comparison whose context is cancelled part way says it was interrupted, whichever of its
// lanes (GD, the flows, the reference solves) sees the cancellation first.
func TestCompareStreamInterrupted(t *testing.T) {
	for rep := 0; rep < 20; rep++ {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		c, err := CompareStream(flow.Objective{Depth: 2}, []float64{2, 0.25}, 0.05, 400, CompareSettings{Context: ctx}, func(*ComparePoint) error {
			if n++; n == 5+rep {
				if rep%2 == 0 {
					cancel() // between points
				} else {
					go cancel() // while the lanes step
				}
			}
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if !c.Interrupted || c.Points >= 401 {
			t.Fatalf("round %d: interrupted %v after %d points, want true before 401", rep, c.Interrupted, c.Points)
		}
	}
}
