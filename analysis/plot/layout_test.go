package plot

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
)

// textRecorder is a vg.Canvas that records the box of every visible string drawn on it, in
// canvas coordinates: the face's width along the baseline, its ascent above and descent
// below, under the transforms in force.
type textRecorder struct {
	m     [6]float64 // x' = m0·x + m2·y + m4, y' = m1·x + m3·y + m5
	stack [][6]float64
	col   color.Color
	boxes []textBox
}

type textBox struct {
	s   string
	box vg.Rectangle
}

func newTextRecorder() *textRecorder { return &textRecorder{m: [6]float64{1, 0, 0, 1, 0, 0}} }

func (r *textRecorder) mul(n [6]float64) {
	m := r.m
	r.m = [6]float64{
		m[0]*n[0] + m[2]*n[1], m[1]*n[0] + m[3]*n[1],
		m[0]*n[2] + m[2]*n[3], m[1]*n[2] + m[3]*n[3],
		m[0]*n[4] + m[2]*n[5] + m[4], m[1]*n[4] + m[3]*n[5] + m[5],
	}
}

func (r *textRecorder) apply(p vg.Point) vg.Point {
	x, y := float64(p.X), float64(p.Y)
	return vg.Point{X: vg.Length(r.m[0]*x + r.m[2]*y + r.m[4]), Y: vg.Length(r.m[1]*x + r.m[3]*y + r.m[5])}
}

func (r *textRecorder) SetLineWidth(vg.Length)             {}
func (r *textRecorder) SetLineDash([]vg.Length, vg.Length) {}
func (r *textRecorder) SetColor(c color.Color)             { r.col = c }
func (r *textRecorder) Rotate(a float64) {
	s, c := math.Sincos(a)
	r.mul([6]float64{c, s, -s, c, 0, 0})
}
func (r *textRecorder) Translate(p vg.Point) {
	r.mul([6]float64{1, 0, 0, 1, float64(p.X), float64(p.Y)})
}
func (r *textRecorder) Scale(x, y float64)                  { r.mul([6]float64{x, 0, 0, y, 0, 0}) }
func (r *textRecorder) Push()                               { r.stack = append(r.stack, r.m) }
func (r *textRecorder) Pop()                                { r.m = r.stack[len(r.stack)-1]; r.stack = r.stack[:len(r.stack)-1] }
func (r *textRecorder) Stroke(vg.Path)                      {}
func (r *textRecorder) Fill(vg.Path)                        {}
func (r *textRecorder) DrawImage(vg.Rectangle, image.Image) {}

func (r *textRecorder) FillString(f font.Face, p vg.Point, s string) {
	if r.col != nil {
		if _, _, _, a := r.col.RGBA(); a == 0 {
			return // a hidden label (the time axis of an upper panel)
		}
	}
	e := f.Extents()
	w := f.Width(s)
	corners := []vg.Point{
		{X: p.X, Y: p.Y - e.Descent}, {X: p.X + w, Y: p.Y - e.Descent},
		{X: p.X, Y: p.Y + e.Ascent}, {X: p.X + w, Y: p.Y + e.Ascent},
	}
	b := vg.Rectangle{Min: vg.Point{X: vg.Length(math.Inf(1)), Y: vg.Length(math.Inf(1))}, Max: vg.Point{X: vg.Length(math.Inf(-1)), Y: vg.Length(math.Inf(-1))}}
	for _, c := range corners {
		q := r.apply(c)
		b.Min.X, b.Min.Y = min(b.Min.X, q.X), min(b.Min.Y, q.Y)
		b.Max.X, b.Max.Y = max(b.Max.X, q.X), max(b.Max.Y, q.Y)
	}
	r.boxes = append(r.boxes, textBox{s, b})
}

// textOutside draws fig at its size and returns the strings whose boxes reach past the canvas.
func textOutside(fig *Figure) []string {
	r := newTextRecorder()
	fig.Draw(draw.Canvas{Canvas: r, Rectangle: vg.Rectangle{Max: vg.Point{X: fig.Width, Y: fig.Height}}})
	var out []string
	tol := vg.Length(0.25) // a quarter point: the side bearing of a glyph
	for _, b := range r.boxes {
		if b.box.Min.X < -tol || b.box.Min.Y < -tol || b.box.Max.X > fig.Width+tol || b.box.Max.Y > fig.Height+tol {
			out = append(out, b.s)
		}
	}
	return out
}

// TestTextInsideCanvas draws figures of every kind at the paper preset, with labels that
// carry superscripts and units and panels too short for their labels, and requires every
// string inside the canvas: nothing the layout places is cut at an edge.
func TestTextInsideCanvas(t *testing.T) {
	// A measured-against-theory figure whose residuals are of order 10⁻⁹: a residual panel
	// with a unit, the label "rel. deviation (×10⁻⁹)" too long for it.
	x := make([]float64, 50)
	th, m := make([]float64, 50), make([]float64, 50)
	for k := range x {
		x[k] = float64(k)
		th[k] = 3.9375 * math.Exp(-0.1*x[k])
		m[k] = th[k] * (1 + 1e-9*math.Sin(x[k]))
	}
	theory := analysis.Figure{Name: "t", Title: "Weight decay: |D_12(t)| against D(0)·exp(−2μt)", XLabel: "t", YLabel: "|D_12|²",
		Series: []analysis.Curve{{Name: "measured", X: x, Y: m, Style: "line"}, {Name: "D(0)·exp(−2μt)", X: x, Y: th, Style: "dashed"}}}
	// Nearly constant data: an offset in the label.
	flat := analysis.Figure{Name: "f", XLabel: "t = kλ", YLabel: "imbalance D_12 of the first pair of layers",
		Series: []analysis.Curve{{Name: "gd", X: x, Y: func() []float64 {
			y := make([]float64, len(x))
			for k := range y {
				y[k] = 3.9375 + 1e-11*float64(k)
			}
			return y
		}(), Style: "line"}}}
	o := flow.Objective{Depth: 2, WeightDecay: 0.05}
	fl := solve(t, o.Flow(), "flow-wd", []float64{2.5, 0.2}, 30)
	gd := descend(o, "gd", 0.1, []float64{2.5, 0.2}, 300)
	pt, trs := samplePortrait(t)
	xs, ys, zs := sweepGrid()

	figs := map[string]func(Style) (*Figure, error){
		"theory chart": func(s Style) (*Figure, error) { return Chart(theory, s) },
		"flat chart":   func(s Style) (*Figure, error) { return Chart(flat, s) },
		"series": func(s Style) (*Figure, error) {
			return TimeSeries([]*flow.Trajectory{fl, gd}, &SeriesOptions{Objective: o, LearningRate: 0.1, Style: s})
		},
		"theory": func(s Style) (*Figure, error) {
			return Theory([]*flow.Trajectory{fl}, &TheoryOptions{Law: ExpDecay(0.1), LogY: true, Style: s})
		},
		"plane": func(s Style) (*Figure, error) {
			return ImbalanceLoss([]*flow.Trajectory{fl, gd}, &PlaneOptions{Objective: o, Style: s})
		},
		"portrait":  func(s Style) (*Figure, error) { return Portrait(pt, trs, &PortraitOptions{Style: s}) },
		"stability": func(s Style) (*Figure, error) { return StabilityMap(sweepPoints(), &StabilityOptions{Style: s}) },
		"heat map": func(s Style) (*Figure, error) {
			return HeatMap(xs, ys, zs, &HeatMapOptions{XLabel: "learning rate λ", YLabel: "weight decay μ", ZLabel: "‖D(end)‖ / ‖D(0)‖", Style: s})
		},
	}
	for name, mk := range figs {
		for _, st := range []Style{Paper, {Preset: "paper", Width: 7 * vg.Inch}, Slides, {Preset: "paper", Height: 1.5 * vg.Inch}} {
			fig, err := mk(st)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if out := textOutside(fig); len(out) > 0 {
				t.Errorf("%s at %.3g × %.3g in: text outside the canvas: %q", name, fig.Width/vg.Inch, fig.Height/vg.Inch, out)
			}
		}
	}
}

// The label of a vertical axis never runs longer than its axis: the unit goes above the axis,
// then the label breaks into two lines, then it shrinks.
func TestFitYLabel(t *testing.T) {
	th, err := Paper.theme()
	if err != nil {
		t.Fatal(err)
	}
	sty := th.text(th.label, black)
	u := axisUnit{suffix: " (×$10^{-9}$)", ticks: OffsetTicks{Scale: 1e-9}}
	long := sty.Width("rel. deviation (×$10^{-9}$)")
	for _, c := range []struct {
		name    string
		avail   vg.Length
		lines   int
		note    string
		smaller bool
	}{
		{"room", long + 1, 1, "", false},
		{"unit above", sty.Width("rel. deviation") + 1, 1, "×$10^{-9}$", false},
		{"two lines", sty.Width("deviation") + 1, 2, "×$10^{-9}$", false},
		{"shrunk", sty.Width("dev"), 2, "×$10^{-9}$", true},
	} {
		y := th.fitYLabel(sty, "rel. deviation", u, c.avail)
		if len(y.lines) != c.lines || y.note != c.note || (y.sty.Font.Size < sty.Font.Size) != c.smaller {
			t.Errorf("%s: lines %q, note %q, size %v", c.name, y.lines, y.note, y.sty.Font.Size)
		}
		for _, l := range y.lines {
			if w := y.sty.Width(l); w > c.avail && y.sty.Font.Size > minLabelSize {
				t.Errorf("%s: line %q is %v long on an axis of %v", c.name, l, w, c.avail)
			}
		}
		if got := strings.Join(y.lines, " "); !strings.HasPrefix(got, "rel.") {
			t.Errorf("%s: label %q", c.name, got)
		}
	}
	if n := (axisUnit{suffix: "x", ticks: OffsetTicks{Base: 3.9375, Scale: 1e-11}}).note(); n != "×$10^{-11}$ + 3.9375" {
		t.Errorf("offset note %q", n)
	}
}

// Liberation has no ∇: it is set as a Δ upside down, upright; the text around it stays.
func TestMathTextNabla(t *testing.T) {
	h := MathText{Fonts: houseFonts}
	fnt := font.From(Paper.theme0().text(8, black).Font, 8)
	runs, _, _, _ := h.layout("$λ_{max}$(∇²L)", fnt)
	var flipped, text []string
	for _, r := range runs {
		if r.flip {
			flipped = append(flipped, r.s)
		} else {
			text = append(text, r.s)
		}
		if r.flip && strings.HasSuffix(string(r.font.Typeface), italicSuffix) {
			t.Errorf("∇ in italic")
		}
	}
	if !slices.Equal(flipped, []string{"Δ"}) || !strings.Contains(strings.Join(text, ""), "²L)") {
		t.Errorf("runs: flipped %q, text %q", flipped, text)
	}
	// Drawn, the Δ is mirrored: its box spans the same height as an upright one.
	r := newTextRecorder()
	sty := Paper.theme0().text(8, black)
	h.Draw(r, "∇", sty, vg.Point{X: 10, Y: 10})
	if len(r.boxes) != 1 || r.boxes[0].s != "Δ" {
		t.Fatalf("drew %+v", r.boxes)
	}
}

// Every figure of the quick claims, at one and two columns of the paper preset, keeps all its
// text inside the canvas.
func TestClaimFiguresInsideCanvas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick claims (a few seconds)")
	}
	var ns []int
	for n := 1; n <= 10; n++ {
		ns = append(ns, n)
	}
	claims, err := analysis.RunClaims(ns, analysis.ClaimSettings{Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range claims {
		for _, f := range c.Figures {
			for _, st := range []Style{Paper, {Preset: "paper", Width: 7 * vg.Inch}} {
				fig, err := Chart(f, st)
				if err != nil {
					t.Errorf("%s: %v", f.Name, err)
					continue
				}
				n++
				if out := textOutside(fig); len(out) > 0 {
					t.Errorf("%s at %.3g in: text outside the canvas: %q", f.Name, fig.Width/vg.Inch, out)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d figures drawn", n)
	}
}
