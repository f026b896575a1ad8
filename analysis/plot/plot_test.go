package plot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// solve integrates ẇ = f(w) from w0 to t1 with DOPRI5.
func solve(tb testing.TB, f ode.Func, label string, w0 []float64, t1 float64) *flow.Trajectory {
	tb.Helper()
	tr, _, err := flow.Solve(f, label, w0, t1, &ode.Settings{Rtol: 1e-8, Atol: 1e-10}, &ode.DOPRI5{})
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// descend runs plain gradient descent on o with step lr: iterate k at t = k·lr.
func descend(o flow.Objective, label string, lr float64, w0 []float64, steps int) *flow.Trajectory {
	tr := flow.NewTrajectory(label, len(w0), steps+1)
	w := slices.Clone(w0)
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

// samplePortrait returns a small portrait of the plain loss with three trajectories.
func samplePortrait(tb testing.TB) (*portrait.Portrait, []*flow.Trajectory) {
	tb.Helper()
	o := flow.Objective{Depth: 2}
	trs := []*flow.Trajectory{
		solve(tb, o.Flow(), "flow", []float64{2.2, 0.3}, 10),
		solve(tb, o.ModifiedFlow(0.2), "modified", []float64{-2, 0.6}, 10),
		descend(o, "gd", 0.1, []float64{0.4, -2.1}, 40),
	}
	pt, err := portrait.New(portrait.Plane{Objective: o}, trs,
		&portrait.Settings{Range: portrait.DefaultRange, FieldX: 15, FieldY: 15, GridX: 60, GridY: 60})
	if err != nil {
		tb.Fatal(err)
	}
	return pt, trs
}

// TestGrid checks the GridXYZ adapter against f(x, y) = x + 10·y on a grid with more
// columns (along x) than rows (along y): Dims is (columns, rows) and Z(c, r) = f(X(c), Y(r)).
func TestGrid(t *testing.T) {
	p := portrait.Plane{Objective: flow.Objective{Depth: 2}}
	g, err := portrait.Sample(p, portrait.Range{XMin: 0, XMax: 3, YMin: -1, YMax: 1}, 3, 2, func(w []float64) float64 { return w[0] + 10*w[1] })
	if err != nil {
		t.Fatal(err)
	}
	a := Grid{g}
	if c, r := a.Dims(); c != 3 || r != 2 {
		t.Fatalf("Dims = (%d, %d), want (3 columns, 2 rows)", c, r)
	}
	wantX, wantY := []float64{0.5, 1.5, 2.5}, []float64{-0.5, 0.5}
	for c := range 3 {
		if a.X(c) != wantX[c] {
			t.Errorf("X(%d) = %g, want %g", c, a.X(c), wantX[c])
		}
		for r := range 2 {
			if a.Y(r) != wantY[r] {
				t.Errorf("Y(%d) = %g, want %g", r, a.Y(r), wantY[r])
			}
			if z, want := a.Z(c, r), wantX[c]+10*wantY[r]; math.Abs(z-want) > 1e-15 {
				t.Errorf("Z(%d, %d) = %g, want %g", c, r, z, want)
			}
		}
	}
	// A heat map reads the same extremes: f is smallest at column 0, row 0.
	hm := plotter.NewHeatMap(a, lossMap(0, 1).Palette(8))
	if hm.Min != 0.5-5 || hm.Max != 2.5+5 {
		t.Errorf("heat map range [%g, %g], want [−4.5, 7.5]", hm.Min, hm.Max)
	}
	for _, idx := range [][2]int{{3, 0}, {0, 2}, {-1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Z(%d, %d) did not panic", idx[0], idx[1])
				}
			}()
			a.Z(idx[0], idx[1])
		}()
	}
}

var magic = map[string][]byte{
	".png": []byte("\x89PNG\r\n\x1a\n"),
	".svg": []byte("<?xml"),
	".pdf": []byte("%PDF-"),
	".eps": []byte("%!PS-Adobe"),
	".jpg": {0xFF, 0xD8, 0xFF},
	".PNG": []byte("\x89PNG\r\n\x1a\n"),
}

// TestSaveFormats writes a portrait in every format and checks the magic bytes, and that no
// temporary file is left behind.
func TestSaveFormats(t *testing.T) {
	pt, trs := samplePortrait(t)
	fig, err := Portrait(pt, trs, &PortraitOptions{Width: 5 * vg.Inch, SideWidth: 1.5 * vg.Inch})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for ext, want := range magic {
		path := filepath.Join(dir, "portrait"+ext)
		if err := fig.Save(path); err != nil {
			t.Errorf("%s: %v", ext, err)
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 1000 || !bytes.HasPrefix(b, want) {
			t.Errorf("%s: %d bytes starting %q, want %q", ext, len(b), b[:min(len(b), 12)], want)
		}
		if ext == ".svg" && !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("svg without an <svg> element")
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(magic) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only the %d figures", names, len(magic))
	}
}

// TestSaveErrors checks the errors of Save and that a failed save leaves no file.
func TestSaveErrors(t *testing.T) {
	pt, trs := samplePortrait(t)
	fig, err := Portrait(pt, trs, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		w, h vg.Length
		want string
	}{
		{filepath.Join(dir, "a.bmp"), vg.Inch, vg.Inch, `".bmp"`},
		{filepath.Join(dir, "noext"), vg.Inch, vg.Inch, `""`},
		{filepath.Join(dir, "a.png"), 0, vg.Inch, "size"},
		{filepath.Join(dir, "missing", "a.png"), vg.Inch, vg.Inch, "missing"},
	} {
		err := Save(fig, tc.path, tc.w, tc.h)
		if err == nil {
			t.Errorf("%s: no error", tc.path)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "plot: ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming %s", tc.path, msg, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed saves left %d files", len(entries))
	}
}

// TestPortraitGolden compares a rendered portrait with the golden image in testdata,
// approximately (fonts rasterize a little differently across machines). Regenerate the
// golden with: go test ./analysis/plot -run Golden -regen
func TestPortraitGolden(t *testing.T) {
	pt, trs := samplePortrait(t)
	out := filepath.Join("testdata", "portrait.png")
	t.Cleanup(func() { os.Remove(out) })
	cmpimg.CheckPlotApprox(func() {
		fig, err := Portrait(pt, trs, &PortraitOptions{Width: 5 * vg.Inch, SideWidth: 1.5 * vg.Inch})
		if err != nil {
			t.Fatal(err)
		}
		if err := fig.Save(out); err != nil {
			t.Fatal(err)
		}
	}, t, 0.05, "portrait.png")
}

// TestPortraitData checks what a portrait shows: the legend, the equal aspect ratio of the
// phase plane on a window twice as wide as tall, and the note of a trajectory cut at NaN.
func TestPortraitData(t *testing.T) {
	o := flow.Objective{Depth: 2, WeightDecay: 0.3}
	bad := descend(o, "gd", 0.1, []float64{2, 0.5}, 5)
	bad.W[2*3] = math.NaN() // point 3 becomes non-finite
	bad.Status = "diverged at step 3"
	trs := []*flow.Trajectory{solve(t, o.Flow(), "flow-wd", []float64{-2, 0.4}, 20), bad}
	r := portrait.Range{XMin: -3, XMax: 3, YMin: -1, YMax: 2}
	pt, err := portrait.New(portrait.Plane{Objective: o}, trs, &portrait.Settings{Range: r, FieldX: 12, FieldY: 6})
	if err != nil {
		t.Fatal(err)
	}
	fig, err := Portrait(pt, trs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"flow-wd", "gd", "saddle", "stable node", "stable manifold", "unstable manifold", "W = 1 (minima of L)", "start", "end"} {
		if !slices.Contains(fig.entries, want) {
			t.Errorf("legend %q lacks %q", fig.entries, want)
		}
	}
	if slices.Contains(fig.entries, string(portrait.Degenerate)) {
		t.Errorf("legend %q shows degenerate points that were not drawn", fig.entries)
	}
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: fig.phase}}
	dc := fig.Plots[0].DataCanvas(c)
	got := float64((dc.Max.Y - dc.Min.Y) / (dc.Max.X - dc.Min.X))
	if want := (r.YMax - r.YMin) / (r.XMax - r.XMin); math.Abs(got-want) > 1e-9 {
		t.Errorf("phase plane aspect %g, want %g", got, want)
	}
	notes := strings.Join(fig.Notes, " ")
	if !strings.Contains(notes, "gd: cut at t = 0.2") || !strings.Contains(notes, "diverged at step 3") {
		t.Errorf("notes %q do not report the cut trajectory", fig.Notes)
	}
	if err := fig.Save(filepath.Join(t.TempDir(), "cut.png")); err != nil {
		t.Errorf("saving a portrait with a cut trajectory: %v", err)
	}
}

// TestSeries checks the time-series figures: the notes of points left out of logarithmic
// axes, the refusal of figures with nothing to draw, and that they render.
func TestSeries(t *testing.T) {
	o := flow.Objective{Depth: 2, WeightDecay: 0.05}
	fl := solve(t, o.Flow(), "flow-wd", []float64{2.5, 0.2}, 30)
	gd := descend(o, "gd", 0.1, []float64{2.5, 0.2}, 300)
	onMin := flow.NewTrajectory("flow", 2, 2)
	onMin.Append(0, []float64{1, 1}) // loss exactly 0: not on a log axis
	onMin.Append(1, []float64{1.5, 1})
	dir := t.TempDir()

	fig, err := TimeSeries([]*flow.Trajectory{fl, gd, onMin}, &SeriesOptions{Objective: o, LearningRate: 0.1, PhaseBoundary: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Plots) != 3 || !strings.Contains(strings.Join(fig.Notes, " "), "1 points with loss ≤ 0") {
		t.Errorf("time series: %d panels, notes %q", len(fig.Plots), fig.Notes)
	}
	// 2/λ = 20 lies more than twice above the largest sharpness (6.3): the axis holds the
	// curves, not the line, and the legend names the line.
	if y := fig.Plots[2].Y; y.Max > 10 || y.Max < 6.29 {
		t.Errorf("sharpness axis [%g, %g]: want the curves' range up to S(0) = 6.29, not 2/λ = 20", y.Min, y.Max)
	}
	if !slices.ContainsFunc(fig.entries, func(s string) bool { return strings.Contains(s, "(above the axis)") }) {
		t.Errorf("legend %q does not name the line 2/λ above the axis", fig.entries)
	}
	fig, err = TimeSeries([]*flow.Trajectory{fl, gd}, &SeriesOptions{Objective: o, LearningRate: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if y := fig.Plots[2].Y; y.Max < 2/0.5 {
		t.Errorf("sharpness axis ends at %g below 2/λ = 4, within twice the largest sharpness", y.Max)
	}
	if err := fig.Save(filepath.Join(dir, "series.svg")); err != nil {
		t.Error(err)
	}

	fig, err = Theory([]*flow.Trajectory{fl}, &TheoryOptions{Law: ExpDecay(2 * 0.05), LogY: true})
	if err != nil {
		t.Fatal(err)
	}
	if y := fig.Plots[0].Y; !(y.Min > 0) || y.Max < 6 {
		t.Errorf("theory: log axis [%g, %g] does not hold |D(0)| = 6.21", y.Min, y.Max)
	}
	if err := fig.Save(filepath.Join(dir, "theory.pdf")); err != nil {
		t.Error(err)
	}

	fig, err = ImbalanceLoss([]*flow.Trajectory{fl, gd}, &PlaneOptions{Objective: o})
	if err != nil {
		t.Fatal(err)
	}
	if x := fig.Plots[0].X; x.Scale == nil || !(x.Min > 0) {
		t.Errorf("imbalance axis [%g, %g] should be logarithmic over > 2 decades", x.Min, x.Max)
	}
	if err := fig.Save(filepath.Join(dir, "plane.png")); err != nil {
		t.Error(err)
	}

	if got := ExpDecay(0.5)(3, 2); math.Abs(got-3*math.Exp(-1)) > 1e-15 {
		t.Errorf("ExpDecay(0.5)(3, 2) = %g", got)
	}
}

// TestBadInput checks that user errors come back as one-line errors naming the value.
func TestBadInput(t *testing.T) {
	pt, trs := samplePortrait(t)
	deep := flow.NewTrajectory("sgd", 3, 1)
	deep.Append(0, []float64{1, 2, 3})
	emptyRange := *pt
	emptyRange.Range = portrait.Range{XMin: 1, XMax: 1, YMin: 0, YMax: 1}
	badPlane := *pt
	badPlane.Plane.I, badPlane.Plane.J = 0, 4
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"nil portrait", func() error { _, err := Portrait(nil, nil, nil); return err }, "nil portrait"},
		{"empty range", func() error { _, err := Portrait(&emptyRange, nil, nil); return err }, "x from 1 to 1"},
		{"plane index", func() error { _, err := Portrait(&badPlane, nil, nil); return err }, "j = 4 out of range for depth 2"},
		{"depth", func() error { _, err := Portrait(pt, append(trs, deep), nil); return err }, "sgd"},
		{"nil trajectory", func() error { _, err := Portrait(pt, []*flow.Trajectory{nil}, nil); return err }, "trajectory 0 is nil"},
		{"narrow", func() error { _, err := Portrait(pt, nil, &PortraitOptions{Width: vg.Inch}); return err }, "width"},
		{"no series", func() error { _, err := TimeSeries(nil, nil); return err }, "no trajectories"},
		{"learning rate", func() error { _, err := TimeSeries(trs, &SeriesOptions{LearningRate: math.NaN()}); return err }, "NaN"},
		{"size", func() error { _, err := Theory(trs, &TheoryOptions{Width: -vg.Inch}); return err }, "-72"},
		{"extension", func() error { return Save(plotterFree{}, "fig.gif", vg.Inch, vg.Inch) }, `".gif"`},
	} {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") ||
			!(strings.HasPrefix(msg, "plot: ") || strings.HasPrefix(msg, "portrait: ")) {
			t.Errorf("%s: error %q, want one line naming %q", tc.name, msg, tc.want)
		}
	}
}

// plotterFree is a Drawer that draws nothing.
type plotterFree struct{}

func (plotterFree) Draw(draw.Canvas) {}

// TestTicks checks the tick marks and labels of the linear and logarithmic axes.
func TestTicks(t *testing.T) {
	labels := func(ts []tickLike) []string {
		var out []string
		for _, tk := range ts {
			if tk.label != "" {
				out = append(out, tk.label)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		min, max float64
		log      bool
		want     []string
	}{
		{"symmetric", -2.5, 2.5, false, []string{"−2", "−1", "0", "1", "2"}},
		{"unit", 0, 1, false, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{"time", 0, 60, false, []string{"0", "20", "40", "60"}},
		{"small", 0.0012, 0.0031, false, []string{"0.0015", "0.002", "0.0025", "0.003"}},
		{"decades", 1e-3, 10, true, []string{"0.001", "0.01", "0.1", "1", "10"}},
		// Beyond 10⁻³ … 10⁴ every label is a typeset power of ten.
		{"many decades", 1e-12, 1e4, true, []string{"$10^{-12}$", "$10^{-10}$", "$10^{-8}$", "$10^{-6}$", "$10^{-4}$", "$10^{-2}$", "$10^{0}$", "$10^{2}$", "$10^{4}$"}},
		{"thirty decades", 1e-31, 1, true, []string{"$10^{-31}$", "$10^{-26}$", "$10^{-21}$", "$10^{-16}$", "$10^{-11}$", "$10^{-6}$", "$10^{-1}$"}},
		{"within a decade", 0.3, 0.9, true, []string{"0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"}},
		{"a 1-2-5 decade", 0.15, 1.2, true, []string{"0.2", "0.5", "1"}},
		{"narrow", 2.01, 2.05, true, []string{"2.01", "2.02", "2.03", "2.04", "2.05"}},
		// Two decades labelled: their 2 and 5 multiples too; under a decade with two 1-2-5
		// labels, 1-2-3-5.
		{"two decades", 3.5, 140, true, []string{"5", "10", "20", "50", "100"}},
		{"a 1-2-3-5 decade", 2.8, 14, true, []string{"3", "5", "10"}},
	} {
		var ts []tickLike
		if tc.log {
			for _, tk := range (logAxisTicks{}).Ticks(tc.min, tc.max) {
				ts = append(ts, tickLike{tk.Value, tk.Label})
			}
		} else {
			for _, tk := range (niceTicks{}).Ticks(tc.min, tc.max) {
				ts = append(ts, tickLike{tk.Value, tk.Label})
			}
		}
		if got := labels(ts); !slices.Equal(got, tc.want) {
			t.Errorf("%s [%g, %g]: labels %q, want %q", tc.name, tc.min, tc.max, got, tc.want)
		}
		for _, tk := range ts {
			if tk.value < tc.min*(1-1e-9)-1e-12 || tk.value > tc.max*(1+1e-9)+1e-12 {
				t.Errorf("%s: tick %g outside [%g, %g]", tc.name, tk.value, tc.min, tc.max)
			}
		}
	}
}

type tickLike struct {
	value float64
	label string
}

func TestIsDiscrete(t *testing.T) {
	for label, want := range map[string]bool{
		"gd": true, "sgd": true, "noisy-gd": true, "noisy-sgd": true, "GD (λ = 0.1)": true, "gd-wd": true,
		"flow": false, "modified": false, "flow-wd": false, "stable manifold": false, "": false, "gdx": false,
	} {
		if got := IsDiscrete(label); got != want {
			t.Errorf("IsDiscrete(%q) = %v, want %v", label, got, want)
		}
	}
}

// BenchmarkPortrait times a 2-D portrait with a 30 × 30 field and 50 gradient-flow
// trajectories from a grid of starts: the data (portrait.New), the drawing and the PNG.
func BenchmarkPortrait(b *testing.B) {
	o := flow.Objective{Depth: 2}
	var trs []*flow.Trajectory
	for i := range 10 {
		for j := range 5 {
			w0 := []float64{-2.2 + 4.4*float64(i)/9, -2.2 + 4.4*float64(j)/4}
			trs = append(trs, solve(b, o.Flow(), "flow", w0, 10))
		}
	}
	set := &portrait.Settings{Range: portrait.DefaultRange, FieldX: 30, FieldY: 30}
	p := portrait.Plane{Objective: o}
	dir := b.TempDir()
	b.Run("data", func(b *testing.B) {
		for b.Loop() {
			if _, err := portrait.New(p, trs, set); err != nil {
				b.Fatal(err)
			}
		}
	})
	pt, err := portrait.New(p, trs, set)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("png", func(b *testing.B) {
		for b.Loop() {
			fig, err := Portrait(pt, trs, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := fig.Save(filepath.Join(dir, "bench.png")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			pt, err := portrait.New(p, trs, set)
			if err != nil {
				b.Fatal(err)
			}
			fig, err := Portrait(pt, trs, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := fig.Save(filepath.Join(dir, "bench.png")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Tick markers end on any range: one far from 0 and narrower than its magnitude's
// resolution, or an infinite one.
func TestTicksTerminate(t *testing.T) {
	done := make(chan []int)
	go func() {
		n := []int{
			len(niceTicks{}.Ticks(5e7*5e7, 5e7*5e7+2)),
			len(niceTicks{}.Ticks(1e300, 1e300*(1+1e-15))),
			len(logTicks{}.Ticks(math.Inf(-1), 3)),
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n[0] != 2 || n[1] != 2 || n[2] != 0 {
			t.Errorf("ticks %v, want 2, 2, 0", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a tick marker did not return")
	}
}

// The tick labeller never writes two equal labels, writes at least two, and every label reads
// back to its tick's value within a hundredth of the tick spacing, over nearly constant, tiny,
// huge, negative and log-spanning ranges; a log axis labels its lowest decade.
func TestTickLabelsDistinct(t *testing.T) {
	linear := [][2]float64{
		{3.9375 - 1e-6, 3.9375 + 1e-6}, {3.93, 3.94}, {0.26, 0.26000001}, {1e-20, 3e-20},
		{-3e-20, 1e-20}, {1e200, 5e200}, {5e7, 5e7 + 1e-3}, {-250, 0}, {0, 250}, {-1e-9, 1e-9},
		{123456.7, 123456.9}, {0.1, 0.3}, {-7, -6.99999}, {1e5, 2e6},
		{1e-300, 3e-300}, {-5e-300, -1e-300}, {1e300, 1.5e300}, {-1.7e308, 1.7e308}, {3.93, 3.9300001},
	}
	logs := [][2]float64{{1e-31, 1}, {1e-16, 1e-14}, {0.3, 0.9}, {2, 3}, {1e-300, 1e300}, {7e-5, 3e4}, {1, 10},
		{1e-300, 1e-299}, {1e299, 1e300}, {3.93, 3.94}, {0.99, 1.01}}
	check := func(kind string, r [2]float64, ticks []gplot.Tick) {
		seen := map[string]bool{}
		n := 0
		for _, tk := range ticks {
			if tk.Label == "" {
				continue
			}
			n++
			if seen[tk.Label] {
				t.Errorf("%s [%g, %g]: label %q twice", kind, r[0], r[1], tk.Label)
			}
			seen[tk.Label] = true
			v, err := TickValue(tk.Label)
			if err != nil {
				t.Errorf("%s [%g, %g]: label %q is not a number", kind, r[0], r[1], tk.Label)
			}
			if kind == "linear" && math.Abs(v-tk.Value) > (r[1]-r[0])/100 {
				t.Errorf("%s [%g, %g]: label %q for a tick at %g", kind, r[0], r[1], tk.Label, tk.Value)
			}
			if kind == "log" && math.Abs(v-tk.Value) > 1e-6*tk.Value {
				t.Errorf("%s [%g, %g]: label %q for a tick at %g", kind, r[0], r[1], tk.Label, tk.Value)
			}
		}
		if n < 2 {
			t.Errorf("%s [%g, %g]: %d labels", kind, r[0], r[1], n)
		}
	}
	for _, r := range linear {
		check("linear", r, niceTicks{}.Ticks(r[0], r[1]))
		// The offset or scaled ticker of such an axis reads as well.
		if o, suffix, ok := Offset(r[0], r[1]); ok {
			ts := o.Ticks(r[0], r[1])
			for k := range ts {
				if ts[k].Label != "" {
					// What the reader computes: the label times the scale, plus the base.
					v, err := TickValue(ts[k].Label)
					if err != nil {
						t.Errorf("offset [%g, %g]: label %q", r[0], r[1], ts[k].Label)
						continue
					}
					if got := o.Base + v*o.Scale; math.Abs(got-ts[k].Value) > (r[1]-r[0])/100 {
						t.Errorf("offset [%g, %g] (%s): label %q reads %g for a tick at %g", r[0], r[1], suffix, ts[k].Label, got, ts[k].Value)
					}
				}
			}
			seen := map[string]bool{}
			n := 0
			for _, tk := range ts {
				if tk.Label != "" {
					n++
					if seen[tk.Label] {
						t.Errorf("offset [%g, %g]: label %q twice", r[0], r[1], tk.Label)
					}
					seen[tk.Label] = true
				}
			}
			if n < 2 {
				t.Errorf("offset [%g, %g]: %d labels", r[0], r[1], n)
			}
		}
	}
	for _, r := range logs {
		ticks := logAxisTicks{}.Ticks(r[0], r[1])
		check("log", r, ticks)
		lowest := math.Ceil(math.Log10(r[0]) - 1e-9)
		if r[1]/r[0] >= 10 {
			found := false
			for _, tk := range ticks {
				if tk.Label != "" && math.Abs(math.Log10(tk.Value)-lowest) < 1e-9 {
					found = true
				}
			}
			if !found {
				t.Errorf("log [%g, %g]: the lowest decade 1e%v has no label", r[0], r[1], lowest)
			}
		}
	}
}
