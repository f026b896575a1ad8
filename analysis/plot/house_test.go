package plot

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/layerflow/layerflow/analysis"
)

// The plain notation of the project becomes typeset mathematics; words, numbers and
// articles stay as they are.
func TestMath(t *testing.T) {
	for in, want := range map[string]string{
		"max relative drift of D_ij": "max relative drift of $D_{ij}$",
		"D12":                        "$D_{12}$",
		"D = w1² − w2²":              "$D$ = $w_{1}^{2}$ − $w_{2}^{2}$",
		"t = kλ":                     "$t$ = $kλ$",
		"λ²E[ρ²] (law)":              "$λ^{2}$$E$[$ρ^{2}$] (law)",
		"D(0)·exp(−2μt)":             "$D$(0)·exp(−2$μt$)",
		"(L − L_min)/(L(0) − L_min)": "($L$ − $L_{min}$)/($L$(0) − $L_{min}$)",
		"a run of GD at rtol 1e-10":  "a run of GD at rtol 1e-10",
		"dopri5 d=2":                 "dopri5 $d$=2",
		"D = -2":                     "$D$ = −2",
		"noisy-gd":                   "noisy-gd",
		"already $x_1$ markup":       "already $x_1$ markup",
		"the run's end":              "the run's end",
		"σ₁(W_2)² − σ₁(W_1)²":        "$σ_{1}$($W_{2}$)² − $σ_{1}$($W_{1}$)²",
		"final D₁₂, ‖H‖₂, w₁²":       "final $D_{12}$, ‖$H$‖₂, $w_{1}^{2}$",
	} {
		if got := Math(in); got != want {
			t.Errorf("Math(%q) = %q, want %q", in, got, want)
		}
	}
}

// MathText lays out a subscript smaller and lower than its base and a superscript higher,
// stacks both on one base, keeps plain text as text.Plain measures it, and never panics.
func TestMathText(t *testing.T) {
	h := MathText{Fonts: houseFonts}
	fnt := font.From(Paper.theme0().text(8, black).Font, 8)
	runs, w, asc, desc := h.layout("$D_{12}$", fnt)
	if len(runs) != 2 || runs[0].s != "D" || runs[1].s != "12" {
		t.Fatalf("runs %+v", runs)
	}
	if !(runs[1].at.Y < 0) || !(runs[1].font.Size < runs[0].font.Size) || !(runs[1].at.X > 0) {
		t.Errorf("subscript %+v of base %+v: want smaller, lower, after", runs[1], runs[0])
	}
	if !strings.HasSuffix(string(runs[0].font.Typeface), italicSuffix) {
		t.Errorf("variable D in %q, want italic", runs[0].font.Typeface)
	}
	plainW, plainA, plainD := h.Box("loss", fnt)
	if e := h.Extents(fnt); plainA != e.Ascent || plainD != e.Descent || !(plainW > 0) {
		t.Errorf("plain text box %v %v %v, font extents %+v", plainW, plainA, plainD, e)
	}
	_, w2, _, _ := h.layout("$w_1^2$", fnt)
	_, w1, _, _ := h.layout("$w_1$", fnt)
	if math.Abs(float64(w2-w1)) > 0.01 {
		t.Errorf("w_1^2 is %v wide, w_1 %v: the scripts should stack", w2, w1)
	}
	if !(w > 0 && asc > 0 && desc > 0) {
		t.Errorf("box %v %v %v", w, asc, desc)
	}
	for _, s := range []string{"$", "$$", "a$b", "$\\unknown$", "$x_$", "$x^{$", "${{{$", "$_^$", "50% {x} \\", "$\\|D\\|$ ‖D‖ −² λ"} {
		h.Box(s, fnt) // must not panic
	}
	if _, w, _, _ := h.layout("$\\lambda$", fnt); w == 0 {
		t.Errorf("\\lambda has no width")
	}
}

// theme0 resolves a preset known to be valid.
func (s Style) theme0() *theme {
	th, err := s.theme()
	if err != nil {
		panic(err)
	}
	return th
}

func TestStyle(t *testing.T) {
	th := Style{}.theme0()
	if th.Width != 3.4*vg.Inch || th.label != 8 || th.tick != 7 || th.DPI != 300 || th.Preset != "paper" {
		t.Errorf("zero style resolves to %+v", th)
	}
	th = Style{Preset: "slides", Width: 10 * vg.Inch}.theme0()
	if th.Width != 10*vg.Inch || th.label != 14 || th.k != 14.0/8 {
		t.Errorf("slides at 10 in: %+v", th)
	}
	for _, bad := range []Style{{Preset: "poster"}, {Width: 0.5 * vg.Inch}, {Height: 50 * vg.Inch}, {FontSize: 2}, {DPI: 10}, {Width: vg.Length(math.NaN())}} {
		if _, err := bad.Resolve(); err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
	// A figure saved at the style's size and resolution.
	f := analysis.Figure{Name: "x", XLabel: "t", YLabel: "y", Series: []analysis.Curve{{Name: "gd", X: []float64{0, 1, 2}, Y: []float64{1, 2, 1.5}, Style: "line"}}}
	fig, err := Chart(f, Style{DPI: 100})
	if err != nil {
		t.Fatal(err)
	}
	if fig.Width != 3.4*vg.Inch || fig.DPI != 100 {
		t.Errorf("chart %v wide at %v dpi", fig.Width, fig.DPI)
	}
	path := filepath.Join(t.TempDir(), "x.png")
	if err := fig.Save(path); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, path, fig)
}

// The legend goes into the corner that holds no data, and under the axes when every corner
// holds some; its entries never cover a data point.
func TestLegendPlacement(t *testing.T) {
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 3.4 * vg.Inch, Y: 2.6 * vg.Inch}}}
	// A falling line: from the top left to the bottom right, the top right corner is empty.
	x := []float64{0, 1, 2, 3, 4, 5}
	falling := analysis.Figure{Name: "f", Series: []analysis.Curve{{Name: "gd", X: x, Y: []float64{5, 4, 3, 2, 1, 0}, Style: "line"}}}
	fig, err := Chart(falling, Style{})
	if err != nil {
		t.Fatal(err)
	}
	q := fig.panels[0]
	l := q.layout(c)
	if l.below || q.corner != 0 {
		t.Errorf("falling line: legend below %v, corner %d; want the top right (0)", l.below, q.corner)
	}
	// Data everywhere: a dense zigzag over the whole area leaves no corner free.
	var zx, zy []float64
	for k := range 200 {
		zx = append(zx, float64(k)/199)
		zy = append(zy, float64(k%2))
	}
	var series []analysis.Curve
	for k := range 6 {
		series = append(series, analysis.Curve{Name: strings.Repeat("long name ", 2) + string(rune('a'+k)), X: zx, Y: zy, Style: "line"})
	}
	fig, err = Chart(analysis.Figure{Name: "z", Series: series}, Style{})
	if err != nil {
		t.Fatal(err)
	}
	q = fig.panels[0]
	l = q.layout(c)
	if !l.below {
		t.Errorf("zigzag: the legend is in corner %d over the data", q.corner)
	}
	if cols, _ := q.legend.size(c.Size().X); cols < 2 {
		t.Errorf("legend under the axes in %d column(s): six short entries fit two or more", cols)
	}
	if l.data.Size().Y < 0.5*c.Size().Y {
		t.Errorf("legend under the axes leaves %v of %v for the data", l.data.Size().Y, c.Size().Y)
	}
}

// Level-set labels never overlap one another and are never cut at the edge of the data
// area: a label without room is left out.
func TestCurveLabels(t *testing.T) {
	th := Style{}.theme0()
	p := th.newPlot()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	sty := th.text(th.level, black)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	l := &curveLabels{sty: sty}
	// Five labels all wanting the top right corner, the last ones able to slide down a line.
	for k := range 5 {
		l.labels = append(l.labels, Math("D = "+string(rune('1'+k))))
		var cs []plotter.XY
		for i := range 50 {
			cs = append(cs, plotter.XY{X: 0.9, Y: 0.98 - float64(i)/49})
		}
		l.cands = append(l.cands, cs)
	}
	p.Add(l)
	c := draw.New(vgimg.New(3.4*vg.Inch, 2.6*vg.Inch))
	p.Draw(c)
	if !slices.Equal(l.placed, l.labels) {
		t.Errorf("placed %q of %q", l.placed, l.labels)
	}
	for i, a := range l.boxes {
		for _, b := range l.boxes[i+1:] {
			if a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y {
				t.Errorf("label boxes %v and %v overlap", a, b)
			}
		}
	}
	// A label whose only place is the corner would be cut there: it is left out.
	l2 := &curveLabels{sty: sty, labels: []string{"cut"}, cands: [][]plotter.XY{{{X: 1, Y: 1}}}}
	p2 := th.newPlot()
	p2.X.Min, p2.X.Max, p2.Y.Min, p2.Y.Max = 0, 1, 0, 1
	p2.Add(l2)
	p2.Draw(c)
	if len(l2.placed) != 0 {
		t.Errorf("a label at the corner was drawn cut: %q", l2.placed)
	}
}
