package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sweepPoints is a small sweep of gd and sgd: converged runs whose sharpness follows 2/λ
// at large λ, two diverged runs (sharpness +Inf and NaN) and two that cannot be drawn.
func sweepPoints() []StabilityPoint {
	return []StabilityPoint{
		{LR: 0.001, Sharpness: 4, Group: "gd"},
		{LR: 0.01, Sharpness: 4, Group: "gd"},
		{LR: 0.1, Sharpness: 4, Group: "gd"},
		{LR: 0.6, Sharpness: 3.2, Group: "gd"},
		{LR: 0.01, Sharpness: 3, Group: "sgd"},
		{LR: 0.3, Sharpness: 2.5, Group: "sgd"},
		{LR: 1.2, Sharpness: math.Inf(1), Diverged: true, Group: "gd"},
		{LR: 2, Sharpness: math.NaN(), Diverged: true, Group: "sgd"},
		{LR: 0.05, Sharpness: math.NaN(), Group: "sgd"}, // converged, but no sharpness
		{LR: 0, Sharpness: 4, Group: "gd"},              // no learning rate
	}
}

// sweepGrid is a log-spaced 4 × 3 grid with a missing cell.
func sweepGrid() (x, y []float64, z [][]float64) {
	x = []float64{0.001, 0.01, 0.1, 1}
	y = []float64{0, 0.01, 0.1}
	z = [][]float64{
		{1e-6, 1e-5, 1e-3, 0.1},
		{2e-6, 2e-5, 2e-3, 0.3},
		{5e-6, 5e-5, 5e-3, math.NaN()},
	}
	return x, y, z
}

// decodePNG reads the PNG at path and checks its size against the figure's at its DPI.
func decodePNG(t *testing.T, path string, fig *Figure) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	wantW, wantH := int(fig.Width.Dots(fig.DPI)+0.5), int(fig.Height.Dots(fig.DPI)+0.5)
	if b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("%s: %d × %d pixels, want %d × %d", path, b.Dx(), b.Dy(), wantW, wantH)
	}
	return img
}

// checkFile checks that a saved figure is a well-formed file of its format: a PNG that
// decodes to the figure's size, an SVG that parses as XML with an <svg> root, a PDF with its
// header and end-of-file marker.
func checkFile(t *testing.T, path string, fig *Figure) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 {
		t.Fatalf("%s: only %d bytes", path, len(b))
	}
	switch filepath.Ext(path) {
	case ".png":
		decodePNG(t, path, fig)
	case ".svg":
		d := xml.NewDecoder(bytes.NewReader(b))
		root := ""
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if s, ok := tok.(xml.StartElement); ok && root == "" {
				root = s.Name.Local
			}
		}
		if root != "svg" {
			t.Errorf("%s: root element %q, want svg", path, root)
		}
	case ".pdf":
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-64):], []byte("%%EOF")) {
			t.Errorf("%s: no PDF header or end-of-file marker", path)
		}
	}
}

// at returns the colour of the PNG pixel under the point pt of a figure's canvas (points
// from the bottom left).
func at(img image.Image, dpi float64, pt vg.Point) color.NRGBA {
	b := img.Bounds()
	x := b.Min.X + int(math.Floor(pt.X.Dots(dpi)))
	y := b.Max.Y - 1 - int(math.Floor(pt.Y.Dots(dpi)))
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// near reports whether two opaque colours differ by at most tol in every channel.
func near(a, b color.Color, tol int) bool {
	p := color.NRGBAModel.Convert(a).(color.NRGBA)
	q := color.NRGBAModel.Convert(b).(color.NRGBA)
	d := func(u, v uint8) int { return max(int(u)-int(v), int(v)-int(u)) }
	return d(p.R, q.R) <= tol && d(p.G, q.G) <= tol && d(p.B, q.B) <= tol
}

// bodyCanvas is the canvas a figure's panels are drawn on when it is saved at its size.
func bodyCanvas(f *Figure) draw.Canvas {
	return draw.Canvas{Rectangle: vg.Rectangle{
		Min: vg.Point{Y: f.th.notesHeight(len(f.Notes))},
		Max: vg.Point{X: f.Width, Y: f.Height},
	}}
}

// TestSweepSave writes both sweep figures as PNG, SVG and PDF and checks the files.
func TestSweepSave(t *testing.T) {
	st, err := StabilityMap(sweepPoints(), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, y, z := sweepGrid()
	hm, err := HeatMap(x, y, z, &HeatMapOptions{Title: "final loss", XLabel: "λ", YLabel: "μ", ZLabel: "L", LogZ: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, fig := range map[string]*Figure{"stability": st, "heatmap": hm} {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			path := filepath.Join(dir, name+ext)
			if err := fig.Save(path); err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			checkFile(t, path, fig)
		}
	}
}

// TestStabilityMap checks what a stability map shows: the legend, the axes holding the
// runs and the line 2/λ, the notes of the runs left out, and in the PNG a converged run in
// its group's colour and the diverged runs as red crosses in the band at the top.
func TestStabilityMap(t *testing.T) {
	pts := sweepPoints()
	fig, err := StabilityMap(pts, &StabilityOptions{Width: 5 * vg.Inch, Height: 4 * vg.Inch})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"S = 2/λ", "gd", "sgd", "diverged"}; !slices.Equal(fig.entries, want) {
		t.Errorf("legend %q, want %q", fig.entries, want)
	}
	if p := fig.Plots[0]; p.Title.Text != Math("Stability: final sharpness against λ") {
		t.Errorf("default title %q", p.Title.Text)
	}
	notes := strings.Join(fig.Notes, " ")
	for _, want := range []string{"2 diverged runs are marked ×", "1 run with a learning rate", "1 converged run with a sharpness"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", fig.Notes, want)
		}
	}
	path := filepath.Join(t.TempDir(), "stability.png")
	if err := fig.Save(path); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path, fig)

	p := fig.Plots[0]
	lmin, lmax := 0.001, 2.0 // the λ drawn, diverged runs included
	checkAxis(t, "λ", p.X, lmin, lmax)
	// The axis holds the runs (S from 2.5 to 4), not the line up to 2/λ = 2000 at the
	// smallest λ: the runs keep at least half of it, the line runs off it.
	checkAxis(t, "S", p.Y, 2.5, 4)
	if p.Y.Max > 2/lmin/10 {
		t.Errorf("S axis up to %g: the line 2/λ (to %g) squashes the runs (2.5 to 4)", p.Y.Max, 2/lmin)
	}

	dc := fig.panels[0].dataCanvas(panel(fig.th, bodyCanvas(fig)))
	trX, trY := p.Transforms(&dc)
	for _, q := range []struct {
		lr, s float64
		want  color.Color
	}{
		{0.001, 4, methods["gd"].color},
		{0.01, 3, methods["sgd"].color},
	} {
		if c := at(img, fig.DPI, vg.Point{X: trX(q.lr), Y: trY(q.s)}); !near(c, q.want, 8) {
			t.Errorf("run λ = %g, S = %g: pixel %v, want %v", q.lr, q.s, c, q.want)
		}
	}
	checkCrosses(t, img, fig, []float64{1.2, 2})
	// The top of the axis leaves the band free: the highest run lies below it.
	if top := trY(4); top > dc.Max.Y-vg.Points(divergedBand) {
		t.Errorf("the run at S = 4 is drawn at %v, in the band above %v", top, dc.Max.Y-vg.Points(divergedBand))
	}
}

// checkAxis checks that a logarithmic axis is finite and positive and holds [lo, hi].
func checkAxis(t *testing.T, name string, a gplot.Axis, lo, hi float64) {
	t.Helper()
	if _, ok := a.Scale.(gplot.LogScale); !ok {
		t.Errorf("%s axis is not logarithmic", name)
	}
	if !(a.Min > 0) || math.IsInf(a.Max, 0) || !(a.Min <= lo) || !(a.Max >= hi) {
		t.Errorf("%s axis [%g, %g] does not hold [%g, %g]", name, a.Min, a.Max, lo, hi)
	}
}

// checkCrosses checks that the PNG of a stability map has a red cross in the band at the
// top at each learning rate lrs, and none midway between two of them.
func checkCrosses(t *testing.T, img image.Image, fig *Figure, lrs []float64) {
	t.Helper()
	p := fig.Plots[0]
	dc := fig.panels[0].dataCanvas(panel(fig.th, bodyCanvas(fig)))
	trX, _ := p.Transforms(&dc)
	y := dc.Max.Y - vg.Points(divergedBand)/2
	for _, lr := range lrs {
		if c := at(img, fig.DPI, vg.Point{X: trX(lr), Y: y}); !near(c, divergedRed, 20) {
			t.Errorf("diverged run λ = %g: pixel %v in the band, want red %v", lr, c, divergedRed)
		}
	}
	mid := math.Sqrt(lrs[0] * lrs[1])
	if c := at(img, fig.DPI, vg.Point{X: trX(mid), Y: y}); near(c, divergedRed, 60) {
		t.Errorf("red pixel %v in the band at λ = %g, where no run diverged", c, mid)
	}
}

// TestStabilityDivergedOnly checks that a sweep in which every run diverged still draws:
// the line sets the axes and the crosses are in the band.
func TestStabilityDivergedOnly(t *testing.T) {
	pts := []StabilityPoint{
		{LR: 0.5, Sharpness: math.NaN(), Diverged: true},
		{LR: 5, Sharpness: math.Inf(1), Diverged: true},
	}
	fig, err := StabilityMap(pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"S = 2/λ", "diverged"}; !slices.Equal(fig.entries, want) {
		t.Errorf("legend %q, want %q", fig.entries, want)
	}
	p := fig.Plots[0]
	// No converged run: the axis holds the line.
	checkAxis(t, "S", p.Y, 2/p.X.Max, 2/p.X.Min)
	path := filepath.Join(t.TempDir(), "diverged.png")
	if err := fig.Save(path); err != nil {
		t.Fatal(err)
	}
	checkAxis(t, "S after drawing", p.Y, 2/p.X.Max, 2/p.X.Min)
	dc := fig.panels[0].dataCanvas(panel(fig.th, bodyCanvas(fig)))
	_, trY := p.Transforms(&dc)
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if y := trY(tk.Value); y > dc.Max.Y-vg.Points(divergedBand) {
			t.Errorf("tick %q at S = %g lies in the band of diverged runs", tk.Label, tk.Value)
		}
	}
	checkCrosses(t, decodePNG(t, path, fig), fig, []float64{0.5, 5})
}

// TestStabilityErrors checks that a sweep with nothing to draw is a one-line error.
func TestStabilityErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		pts  []StabilityPoint
		o    *StabilityOptions
		want string
	}{
		{"empty", nil, nil, "no stability points"},
		{"no learning rate", []StabilityPoint{{LR: math.NaN(), Sharpness: 1}, {LR: -1, Diverged: true}}, nil, "none of the 2 stability points"},
		{"no sharpness", []StabilityPoint{{LR: 0.1, Sharpness: math.Inf(1)}, {LR: 0.1, Sharpness: 0}}, nil, "2 converged with a sharpness"},
		{"size", []StabilityPoint{{LR: 0.1, Sharpness: 1}}, &StabilityOptions{Height: -vg.Inch}, "-72"},
	} {
		_, err := StabilityMap(tc.pts, tc.o)
		checkErr(t, tc.name, err, tc.want)
	}
}

func checkErr(t *testing.T, name string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "plot: ") || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("%s: error %q, want one line naming %q", name, msg, want)
	}
}

// TestHeatMapColours draws a 2 × 2 map with known values and reads the PNG at the cell
// centres: z[iy][ix] at column ix, row iy from the bottom, the lowest value in the first
// colour of the map, the highest in the last, the NaN cell in the grey of missing data;
// and the colour bar runs from the low colour at its bottom to the high one at its top.
func TestHeatMapColours(t *testing.T) {
	x, y := []float64{0.001, 1}, []float64{0, 0.5}
	z := [][]float64{
		{1, 3},          // bottom row: low, high
		{math.NaN(), 2}, // top row: missing, middle
	}
	fig, err := HeatMap(x, y, z, &HeatMapOptions{XLabel: "λ", YLabel: "μ", ZLabel: "z", Width: 4 * vg.Inch, Height: 3 * vg.Inch})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fig.entries, []string{"missing"}) || len(fig.Notes) != 0 {
		t.Errorf("entries %q, notes %q: want the missing swatch and no notes", fig.entries, fig.Notes)
	}
	path := filepath.Join(t.TempDir(), "heat.png")
	if err := fig.Save(path); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path, fig)

	p, bp := fig.Plots[0], fig.Plots[1]
	mc, bc := heatLayout(fig.th, p, bp, bodyCanvas(fig))
	dc := p.DataCanvas(mc)
	trX, trY := p.Transforms(&dc)
	cm := heatRamp(1, 3)
	cell := func(ix, iy int) color.NRGBA {
		return at(img, fig.DPI, vg.Point{X: trX(float64(ix)), Y: trY(float64(iy))})
	}
	for _, tc := range []struct {
		ix, iy int
		want   color.Color
	}{
		{0, 0, cm.at(1)},
		{1, 0, cm.at(3)},
		{1, 1, cm.at(2)},
		{0, 1, missingFill},
	} {
		if c := cell(tc.ix, tc.iy); !near(c, tc.want, 2) {
			t.Errorf("cell (%d, %d): pixel %v, want %v", tc.ix, tc.iy, c, tc.want)
		}
	}
	if c := cell(0, 1); c.R != c.G || c.G != c.B {
		t.Errorf("missing cell %v is not a neutral grey", c)
	}
	if near(cell(0, 0), cell(1, 0), 60) {
		t.Errorf("low cell %v and high cell %v have nearly the same colour", cell(0, 0), cell(1, 0))
	}

	bdc := bp.DataCanvas(bc)
	if bdc.Min.X <= dc.Max.X || math.Abs(float64(bdc.Min.Y-dc.Min.Y)) > 0.5 || math.Abs(float64(bdc.Max.Y-dc.Max.Y)) > 0.5 {
		t.Errorf("colour bar %v is not right of and level with the map %v", bdc.Rectangle, dc.Rectangle)
	}
	cx := (bdc.Min.X + bdc.Max.X) / 2
	if c := at(img, fig.DPI, vg.Point{X: cx, Y: bdc.Min.Y + vg.Points(2)}); !near(c, cm.at(1), 12) {
		t.Errorf("bottom of the colour bar %v, want %v", c, cm.at(1))
	}
	if c := at(img, fig.DPI, vg.Point{X: cx, Y: bdc.Max.Y - vg.Points(2)}); !near(c, cm.at(3), 12) {
		t.Errorf("top of the colour bar %v, want %v", c, cm.at(3))
	}

	// The ticks sit at the cell indices and show the parameter values.
	for _, tc := range []struct {
		a    gplot.Axis
		want []string
	}{{p.X, []string{"0.001", "1"}}, {p.Y, []string{"0", "0.5"}}} {
		var got []string
		for k, tk := range tc.a.Tick.Marker.Ticks(tc.a.Min, tc.a.Max) {
			if tk.Value != float64(k) {
				t.Errorf("tick %d at %g", k, tk.Value)
			}
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("tick labels %q, want %q", got, tc.want)
		}
	}
}

// TestHeatMapRange checks the colour range: padded around a single value so that it is
// valid (the figure draws), logarithmic with LogZ, and the notes of cells drawn as missing.
func TestHeatMapRange(t *testing.T) {
	x, y := []float64{1, 2, 3}, []float64{10, 20}
	for _, tc := range []struct {
		name   string
		z      [][]float64
		log    bool
		lo, hi float64 // the range of the colour bar must hold [lo, hi] and be wider
		notes  []string
	}{
		{"constant", [][]float64{{5, 5, 5}, {5, 5, 5}}, false, 5, 5, nil},
		{"zero", [][]float64{{0, 0, 0}, {0, math.NaN(), 0}}, false, 0, 0, nil},
		{"constant log", [][]float64{{5, 5, 5}, {5, 5, 5}}, true, math.Log10(5), math.Log10(5), nil},
		{"log", [][]float64{{1e-3, 0, 1}, {-1, 10, math.Inf(1)}}, true, -3, 1,
			[]string{"1 cell with an infinite value is drawn as missing", "2 cells with z ≤ 0 are drawn as missing"}},
	} {
		fig, err := HeatMap(x, y, tc.z, &HeatMapOptions{LogZ: tc.log})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		bar := fig.Plots[1].Y
		if !(bar.Min < bar.Max) || !(bar.Min <= tc.lo) || !(bar.Max >= tc.hi) || math.IsInf(bar.Max-bar.Min, 0) {
			t.Errorf("%s: colour range [%g, %g] is not a valid range holding [%g, %g]", tc.name, bar.Min, bar.Max, tc.lo, tc.hi)
		}
		notes := strings.Join(fig.Notes, " ")
		for _, want := range tc.notes {
			if !strings.Contains(notes, want) {
				t.Errorf("%s: notes %q lack %q", tc.name, fig.Notes, want)
			}
		}
		if len(tc.notes) == 0 && len(fig.Notes) > 0 {
			t.Errorf("%s: unexpected notes %q", tc.name, fig.Notes)
		}
		if err := fig.Save(filepath.Join(t.TempDir(), "range.png")); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestHeatMapErrors checks that bad grids are one-line errors naming the value.
func TestHeatMapErrors(t *testing.T) {
	nan := math.NaN()
	x, y := []float64{1, 2}, []float64{0.1, 0.2, 0.3}
	z := [][]float64{{1, 2}, {3, 4}, {5, 6}}
	for _, tc := range []struct {
		name string
		x, y []float64
		z    [][]float64
		o    *HeatMapOptions
		want string
	}{
		{"empty x", nil, y, [][]float64{{}, {}, {}}, nil, "0 x values"},
		{"empty y", x, nil, nil, nil, "0 y values"},
		{"rows", x, y, z[:2], nil, "2 rows of z, want len(y) = 3"},
		{"row length", x, y, [][]float64{{1, 2}, {3}, {5, 6}}, nil, "z[1] has 1 values, want len(x) = 2"},
		{"x repeated", []float64{1, 1}, y, z, nil, "x[1] = 1 does not increase"},
		{"y decreasing", x, []float64{0.1, 0.3, 0.2}, z, nil, "y[2] = 0.2 does not increase"},
		{"x NaN", []float64{1, nan}, y, z, nil, "x[1] = NaN is not finite"},
		{"all NaN", x, y, [][]float64{{nan, nan}, {nan, nan}, {nan, nan}}, nil, "no finite value"},
		{"log of non-positive", x, y, [][]float64{{0, -1}, {0, 0}, {nan, 0}}, &HeatMapOptions{LogZ: true}, "no finite positive value"},
		{"size", x, y, z, &HeatMapOptions{Width: -vg.Inch}, "-72"},
	} {
		_, err := HeatMap(tc.x, tc.y, tc.z, tc.o)
		checkErr(t, tc.name, err, tc.want)
	}
}

// TestIndexTicks checks the compact labels and that thinned labels do not overlap.
func TestIndexTicks(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 0.001: "0.001", 0.00316227766: "0.00316", 1e-5: "1e-5", 250: "250",
		1234567: "1.23e6", -0.5: "−0.5", -2e-7: "−2e-7",
	} {
		if got := compact(v); got != want {
			t.Errorf("compact(%g) = %q, want %q", v, got, want)
		}
	}
	v := make([]float64, 100)
	for k := range v {
		v[k] = 0.001 * math.Pow(10, float64(k)/33)
	}
	th, _ := Style{}.theme()
	sty := th.text(th.tick, black)
	for _, l := range []vg.Length{vg.Points(60), vg.Points(300), vg.Points(3000)} {
		for _, horizontal := range []bool{true, false} {
			tk := newIndexTicks(th, v, horizontal)
			tk.fit(l)
			var labelled []gplot.Tick
			for _, x := range tk.Ticks(-0.5, 99.5) {
				if x.Label != "" {
					labelled = append(labelled, x)
				}
			}
			if len(labelled) == 0 || labelled[0].Label != "0.001" {
				t.Errorf("length %v: first label not 0.001 in %v", l, labelled)
				continue
			}
			// Distance between neighbouring labels on an axis of length l, against the
			// room a label takes.
			step := l * vg.Length(labelled[min(1, len(labelled)-1)].Value-labelled[0].Value) / 100
			need := sty.FontExtents().Height
			if horizontal {
				for _, x := range labelled {
					need = max(need, sty.Width(x.Label))
				}
			}
			if len(labelled) > 1 && step < need {
				t.Errorf("length %v, horizontal %v: labels %v apart need %v", l, horizontal, step, need)
			}
		}
	}
	// Log-value ticks label the quantity at log10 positions, inside the range.
	for _, r := range [][2]float64{{math.Log10(2), math.Log10(3)}, {-6, -1}} {
		ts := logValueTicks{}.Ticks(r[0], r[1])
		if countLabels(ts) < 2 {
			t.Errorf("range %v: ticks %v have fewer than 2 labels", r, ts)
		}
		for _, tk := range ts {
			if tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("range %v: tick %v outside", r, tk)
			}
		}
	}
}
