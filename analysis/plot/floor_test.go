package plot

import (
	"math"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/layerflow/layerflow/flow"
)

// integratorRun is a "flow" of depth 2 whose product W = w1·w2 falls to 1 as 1 + e^{−t} and
// then rests at 1 ± eps: the loss ½(W − 1)² falls to ½eps² and no lower, as an integrator's
// error leaves it.
func integratorRun(eps float64) *flow.Trajectory {
	tr := flow.NewTrajectory("flow", 2, 0)
	for k := 0; k <= 400; k++ {
		t := 0.1 * float64(k)
		d := math.Max(math.Exp(-t), eps*float64(1+k%3)/3)
		if k%2 == 1 {
			d = math.Max(math.Exp(-t), eps/2)
		}
		tr.Append(t, []float64{2, (1 + d) / 2})
	}
	tr.Status = "success"
	return tr
}

// floorBands returns the bands of the loss panel of a time series.
func floorBands(fig *Figure) []floorBand {
	var out []floorBand
	for _, p := range fig.panels[0].added {
		if b, ok := p.(floorBand); ok {
			out = append(out, b)
		}
	}
	return out
}

// The loss of a continuous run that falls to the integrator's error level is drawn down to
// that level and the level as a band, under the curves; a discrete run's loss is drawn on;
// without a level, or with the loss above it, there is no band.
func TestIntegratorBand(t *testing.T) {
	const eps = 1e-8
	level := 0.5 * eps * eps * 1.01
	fl := integratorRun(eps)
	gd := descend(flow.Objective{Depth: 2}, "gd", 0.1, []float64{2, 0.25}, 400)
	fig, err := TimeSeries([]*flow.Trajectory{fl, gd}, &SeriesOptions{IntegratorLevel: level})
	if err != nil {
		t.Fatal(err)
	}
	bands := floorBands(fig)
	if len(bands) != 2 || bands[0].level != level || bands[0].fill != integratorGrey || bands[1].label != "round-off" {
		t.Fatalf("bands %+v: want the integrator's at %g first (under the curves), then round-off", bands, level)
	}
	if idx := func() int {
		for k, p := range fig.panels[0].added {
			if _, ok := p.(floorBand); ok {
				return k
			}
		}
		return -1
	}(); idx != 0 {
		t.Errorf("the integrator's band is plotter %d of the loss panel, want 0: drawn before the curves", idx)
	}
	// No point of the flow's loss lies below the level; gd's go on to round-off.
	var flowMin, gdMin = math.Inf(1), math.Inf(1)
	for _, p := range fig.panels[0].added {
		l, ok := p.(*plotter.Line)
		if !ok {
			continue
		}
		for _, xy := range l.XYs {
			if l.LineStyle.Width > fig.th.pt(0.9) { // the flow's line is the thick one
				flowMin = math.Min(flowMin, xy.Y)
			} else {
				gdMin = math.Min(gdMin, xy.Y)
			}
		}
	}
	if flowMin < level {
		t.Errorf("the flow's loss is drawn down to %g, below the integrator's level %g", flowMin, level)
	}
	if !(gdMin < level*1e-6) {
		t.Errorf("gd's loss is drawn only down to %g: it is exact below the flow's level %g", gdMin, level)
	}

	for _, c := range []struct {
		name  string
		level float64
		trs   []*flow.Trajectory
	}{
		{"no level", 0, []*flow.Trajectory{fl, gd}},
		{"loss above the level", 1e-20, []*flow.Trajectory{integratorRun(1e-6)}},
		{"no continuous run", level, []*flow.Trajectory{gd}},
	} {
		fig, err := TimeSeries(c.trs, &SeriesOptions{IntegratorLevel: c.level})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range floorBands(fig) {
			if b.fill == integratorGrey {
				t.Errorf("%s: an integrator band at %g", c.name, b.level)
			}
		}
	}
	if _, err := TimeSeries([]*flow.Trajectory{fl}, &SeriesOptions{IntegratorLevel: math.NaN()}); err == nil {
		t.Error("IntegratorLevel NaN accepted")
	}

	// The (‖D‖, L) plane the same way.
	pf, err := ImbalanceLoss([]*flow.Trajectory{fl, gd}, &PlaneOptions{IntegratorLevel: level})
	if err != nil {
		t.Fatal(err)
	}
	var band bool
	for _, p := range pf.panels[0].added {
		switch v := p.(type) {
		case floorBand:
			band = band || v.level == level && v.fill == integratorGrey
		case *plotter.Line:
			for _, xy := range v.XYs {
				if xy.Y < level && v.LineStyle.Width > pf.th.pt(0.9) {
					t.Errorf("plane: the flow's loss drawn at %g, below the integrator's level %g", xy.Y, level)
					break
				}
			}
		}
	}
	if !band {
		t.Errorf("plane: no integrator band at %g", level)
	}
}
