package plot

import (
	"testing"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

func flowTraj(t testing.TB, o flow.Objective, label string, f ode.Func, w0 []float64, t1 float64) *flow.Trajectory {
	tr, _, err := flow.Solve(f, label, w0, t1, &ode.Settings{Rtol: 1e-8, Atol: 1e-10}, &ode.DOPRI5{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func gdTraj(o flow.Objective, lr float64, w0 []float64, steps int) *flow.Trajectory {
	tr := flow.NewTrajectory("gd", len(w0), steps+1)
	w := append([]float64(nil), w0...)
	g := make([]float64, len(w))
	tr.Append(0, w)
	for k := 1; k <= steps; k++ {
		o.Gradient(g, w)
		for i := range w {
			w[i] -= lr * g[i]
		}
		tr.Append(float64(k)*lr, w)
	}
	tr.Status = "success"
	return tr
}

func TestZSample(t *testing.T) {
	o := flow.Objective{Depth: 2}
	var trs []*flow.Trajectory
	trs = append(trs, flowTraj(t, o, "flow", o.Flow(), []float64{2.2, 0.3}, 10))
	trs = append(trs, flowTraj(t, o, "modified", o.ModifiedFlow(0.2), []float64{-2, 0.6}, 10))
	trs = append(trs, gdTraj(o, 0.1, []float64{0.4, -2.1}, 40))
	pt, err := portrait.New(portrait.Plane{Objective: o}, trs, &portrait.Settings{Range: portrait.DefaultRange})
	if err != nil {
		t.Fatal(err)
	}
	fig, err := Portrait(pt, trs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/portrait_sample.png"); err != nil {
		t.Fatal(err)
	}
	t.Log(fig.Width, fig.Height)
}

func TestZSeries(t *testing.T) {
	o := flow.Objective{Depth: 2, WeightDecay: 0.05}
	trs := []*flow.Trajectory{
		flowTraj(t, o, "flow-wd", o.Flow(), []float64{2.5, 0.2}, 60),
		gdTraj(o, 0.1, []float64{2.5, 0.2}, 600),
	}
	fig, err := TimeSeries(trs, &SeriesOptions{Objective: o, LearningRate: 0.1, PhaseBoundary: 5, Title: "weight decay μ = 0.05"})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/timeseries_sample.png"); err != nil {
		t.Fatal(err)
	}
	fig, err = Theory(trs[:1], &TheoryOptions{Law: ExpDecay(0.1), LawLabel: "D(0)·exp(−2μt)", LogY: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/theory_sample.png"); err != nil {
		t.Fatal(err)
	}
	fig, err = ImbalanceLoss(trs, &PlaneOptions{Objective: o})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/imbalance_loss_sample.png"); err != nil {
		t.Fatal(err)
	}
	o3 := flow.Objective{Depth: 3, WeightDecay: 0.1}
	tr3 := []*flow.Trajectory{flowTraj(t, o3, "flow-wd", o3.Flow(), []float64{1.8, 0.7, 0.3}, 40)}
	pl := portrait.Plane{Objective: o3, I: 0, J: 2, Base: []float64{0, 0.7, 0}}
	pt, err := portrait.New(pl, tr3, &portrait.Settings{Range: portrait.Range{XMin: -2.5, XMax: 2.5, YMin: -2.5, YMax: 2.5}})
	if err != nil {
		t.Fatal(err)
	}
	fig, err = Portrait(pt, tr3, &PortraitOptions{Loss: LossContours})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/portrait_slice_sample.png"); err != nil {
		t.Fatal(err)
	}
	fig, err = TimeSeries(tr3, &SeriesOptions{Objective: o3})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save("/tmp/timeseries_d3_sample.png"); err != nil {
		t.Fatal(err)
	}
}
