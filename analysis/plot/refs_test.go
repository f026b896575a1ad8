package plot

import (
	"slices"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
)

// Reference lines far from the data do not set the axes: a line within reach is held, one
// that would leave the data less than half of the axis is named off the axis instead; error
// bands are held.
func TestAxesSetByData(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{3, 3.2, 3.5, 3.8, 4}
	for _, c := range []struct {
		name   string
		h, v   float64
		held   bool
		legend string
	}{
		{"near", 4.5, 3, true, ""},
		{"far above", 40, 3, false, "(above the axis, at 40)"},
		{"far below", -30, 3, false, "(below the axis, at -30)"},
		{"time far right", 4.2, 400, false, "(right of the axis, at 400)"},
	} {
		f := analysis.Figure{Name: "r", XLabel: "x", YLabel: "S", Series: []analysis.Curve{{Name: "gd", X: x, Y: y, Style: "line"}},
			HLines: []analysis.Mark{{At: c.h, Label: "bound"}}, VLines: []analysis.Mark{{At: c.v, Label: "t*"}}}
		fig, err := Chart(f, Style{})
		if err != nil {
			t.Fatal(err)
		}
		p := fig.Plots[0]
		if held := p.Y.Max >= c.h && p.Y.Min <= c.h && p.X.Max >= c.v; held != c.held {
			t.Errorf("%s: axes [%g, %g] × [%g, %g], line y = %g, x = %g held %v, want %v", c.name, p.X.Min, p.X.Max, p.Y.Min, p.Y.Max, c.h, c.v, held, c.held)
		}
		if !c.held && !slices.ContainsFunc(fig.entries, func(s string) bool { return strings.Contains(s, c.legend) }) {
			t.Errorf("%s: legend %q does not say %q", c.name, fig.entries, c.legend)
		}
		// The data always keep at least half of each axis.
		if (4-3)/(p.Y.Max-p.Y.Min) < 0.45 || 4/(p.X.Max-p.X.Min) < 0.45 {
			t.Errorf("%s: data squashed on axes [%g, %g] × [%g, %g]", c.name, p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
		}
	}
	// A ± band is data: the axis holds it.
	f := analysis.Figure{Name: "e", XLabel: "λ", YLabel: "rate", Series: []analysis.Curve{{Name: "sgd", X: []float64{1, 2, 3}, Y: []float64{1, 2, 3}, Err: []float64{0.5, 0.5, 2}, Style: "linepoints"}}}
	fig, err := Chart(f, Style{})
	if err != nil {
		t.Fatal(err)
	}
	if p := fig.Plots[0]; p.Y.Max < 5 || p.Y.Min > 0.5 {
		t.Errorf("axis [%g, %g] cuts the band from 0.5 to 5", p.Y.Min, p.Y.Max)
	}

	// A phase boundary far after the curves' end is named, not drawn on a stretched axis.
	o := flow.Objective{Depth: 2, WeightDecay: 0.05}
	fl := solve(t, o.Flow(), "flow-wd", []float64{2.5, 0.2}, 30)
	for _, c := range []struct {
		tstar float64
		held  bool
	}{{20, true}, {45, true}, {3000, false}} {
		fig, err := TimeSeries([]*flow.Trajectory{fl}, &SeriesOptions{Objective: o, PhaseBoundary: c.tstar})
		if err != nil {
			t.Fatal(err)
		}
		tmax := fig.Plots[0].X.Max
		if held := tmax >= c.tstar; held != c.held || tmax > 60 {
			t.Errorf("t* = %g: time axis to %g", c.tstar, tmax)
		}
		if named := slices.ContainsFunc(fig.entries, func(s string) bool { return strings.Contains(s, "after the axis") }); named == c.held {
			t.Errorf("t* = %g: legend %q", c.tstar, fig.entries)
		}
	}
}

// A few swept values on a logarithmic axis are labelled themselves, in one notation; decades
// are left to the decade ticker.
func TestValueTicks(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want []string
	}{
		{[]float64{0.025, 0.05, 0.1}, []string{"0.025", "0.05", "0.1"}},
		{[]float64{4, 8, 16, 32}, []string{"4", "8", "16", "32"}},
		{[]float64{2.5e-4, 5e-4, 1e-3}, []string{"$2.5×10^{-4}$", "$5×10^{-4}$", "$10^{-3}$"}},
		{[]float64{1e-10, 1e-9, 1e-8}, nil},                 // decades
		{[]float64{1, 1.1, 2}, nil},                         // too close to label apart
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20}, nil}, // too many
	} {
		vt, ok := newValueTicks(c.xs)
		if ok != (c.want != nil) {
			t.Errorf("%v: ok %v", c.xs, ok)
			continue
		}
		if !ok {
			continue
		}
		var got []string
		for _, tk := range vt.Ticks(c.xs[0]/1.1, c.xs[len(c.xs)-1]*1.1) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%v: labels %q, want %q", c.xs, got, c.want)
		}
	}
}

// The labels of a short linear axis are thinned to every other one, 0 kept, so that no two
// lie closer than the minimum; on a long axis they stay.
func TestSpacedTicks(t *testing.T) {
	labels := func(ts []gplot.Tick) []string {
		var out []string
		for _, tk := range ts {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		lo, hi float64
		length vg.Length
		want   []string
	}{
		{-0.5, 9, 40, []string{"0", "4", "8"}},
		{-0.5, 9, 200, []string{"0", "2", "4", "6", "8"}},
		{-0.0178, 0.0008, 44, []string{"−0.015", "−0.01", "−0.005", "0"}},
		{-0.0178, 0.0008, 30, []string{"−0.01", "0"}},
		{-0.5, 9, 20, []string{"0", "8"}},
		// Every 4th of 0, −2, −4, −6 would leave 0 alone: the two ends instead.
		{-7, 0.5, 16, []string{"−6", "0"}},
	} {
		got := labels(spacedTicks{Ticker: LinearTicks{}, length: c.length, min: 11}.Ticks(c.lo, c.hi))
		if !slices.Equal(got, c.want) {
			t.Errorf("[%g, %g] on %v pt: labels %q, want %q", c.lo, c.hi, c.length, got, c.want)
		}
	}
}

// GD escaping a sharp minimum (S from 16 to 14.5 across 2/λ = 15.3): the sharpness axis holds
// the curve and the line, and is not stretched down to 0.
func TestSharpnessAxisNearBound(t *testing.T) {
	lr := 0.13076
	gd := descend(flow.Objective{Depth: 2}, "gd", lr, []float64{4, 0.26}, 400)
	fig, err := TimeSeries([]*flow.Trajectory{gd}, &SeriesOptions{LearningRate: lr})
	if err != nil {
		t.Fatal(err)
	}
	y := fig.Plots[2].Y
	if y.Min < 13 || y.Min > 14.5 || y.Max < 16 || y.Max > 17 {
		t.Errorf("sharpness axis [%g, %g]: want about [14.4, 16.1], the curve and 2/λ = %.3g", y.Min, y.Max, 2/lr)
	}
}
