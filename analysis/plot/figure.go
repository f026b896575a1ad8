package plot

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
)

// Figure is a drawing of one or more gonum plots laid out together, with the size it was
// designed for and notes printed under it.
type Figure struct {
	// Width and Height are the size the figure was laid out for; Save uses them. A
	// portrait's height makes the aspect ratio of its phase plane equal.
	Width, Height vg.Length
	// Plots lists the panels: for a portrait the phase plane first, then its colour bars;
	// for stacked panels from top to bottom.
	Plots []*gplot.Plot
	// Notes are printed under the panels, one per line: the statuses of trajectories cut at
	// a non-finite point, and points left out of logarithmic axes.
	Notes []string
	// DPI is the resolution of the figure's PNG and JPEG files.
	DPI float64

	// th is the style the figure was laid out in.
	th *theme
	// ctx, when not nil, stops Save (WithContext).
	ctx context.Context
	// panels are the panels drawn with a placed legend, for tests.
	panels []*placed

	// body draws the panels into the canvas left above the notes.
	body func(c draw.Canvas)
	// entries lists the legend texts, and phase the size of the phase plane's canvas as
	// designed: what tests check of a drawing.
	entries []string
	phase   vg.Point
}

// Draw draws the figure on c, scaled to c's size.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(white)
	c.Fill(c.Rectangle.Path())
	th := f.th
	nh := th.notesHeight(len(f.Notes))
	if nh > 0 {
		sty := th.text(th.note, darkGrey)
		sty.YAlign = draw.YTop
		lh := sty.FontExtents().Height * 1.15
		y := c.Min.Y + nh - th.pt(3)
		for _, n := range f.Notes {
			c.FillText(sty, vg.Point{X: c.Min.X + th.pt(8), Y: y}, n)
			y -= lh
		}
	}
	f.body(draw.Crop(c, 0, 0, nh, 0))
}

// Save writes the figure at its own size and resolution; see the function Save.
func (f *Figure) Save(path string) error {
	return save(f.ctx, f, path, f.Width, f.Height, f.dpi())
}

// SaveContext is Save stopped by ctx; see the function SaveContext.
func (f *Figure) SaveContext(ctx context.Context, path string) error {
	return save(ctx, f, path, f.Width, f.Height, f.dpi())
}

// WithContext returns a shallow copy of the figure whose Save is stopped by ctx, for a
// caller that saves through the Save method alone.
func (f *Figure) WithContext(ctx context.Context) *Figure {
	g := *f
	g.ctx = ctx
	return &g
}

func (f *Figure) dpi() float64 {
	if f.DPI == 0 {
		return RasterDPI
	}
	return f.DPI
}

// notesHeight is the height taken by n lines of notes.
func (th *theme) notesHeight(n int) vg.Length {
	if n == 0 {
		return 0
	}
	sty := th.text(th.note, darkGrey)
	return vg.Length(n)*sty.FontExtents().Height*1.15 + th.pt(6)
}

// wrap breaks s into lines no wider than w in the notes' font.
func (th *theme) wrap(s string, w vg.Length) []string {
	sty := th.text(th.note, darkGrey)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && sty.Width(try) > w {
			lines = append(lines, line)
			line = "    " + word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// setNotes wraps the notes to the figure's width and grows its height to hold them.
func (f *Figure) setNotes(notes []string) {
	for _, n := range notes {
		f.Notes = append(f.Notes, f.th.wrap(n, f.Width-f.th.pt(12))...)
	}
	f.Height += f.th.notesHeight(len(f.Notes))
}

// path is the finite prefix of a trajectory: what can be drawn of it.
type path struct {
	tr *flow.Trajectory
	n  int // number of leading finite points
}

// cut returns the drawable prefixes of trs and the notes for the trajectories that were
// cut at a non-finite point or have none to draw. It returns an error for a nil trajectory
// or one of another depth than d (d = 0 accepts any depth ≥ 2).
func cut(trs []*flow.Trajectory, d int) ([]path, []string, error) {
	ps := make([]path, 0, len(trs))
	var notes []string
	for k, tr := range trs {
		if tr == nil {
			return nil, nil, fmt.Errorf("plot: trajectory %d is nil", k)
		}
		if d != 0 && tr.Depth != d || tr.Depth < 2 {
			return nil, nil, fmt.Errorf("plot: trajectory %d (%s) has depth %d, want %d", k, tr.Label, tr.Depth, d)
		}
		if len(tr.W) != tr.Len()*tr.Depth {
			return nil, nil, fmt.Errorf("plot: trajectory %d (%s) has %d times and %d weights for depth %d", k, tr.Label, tr.Len(), len(tr.W), tr.Depth)
		}
		n := portrait.FinitePrefix(tr)
		ps = append(ps, path{tr, n})
		status := tr.Status
		if status == "" {
			status = "no status"
		}
		switch {
		case tr.Len() == 0:
			notes = append(notes, fmt.Sprintf("%s: empty trajectory (%s)", tr.Label, status))
		case n == 0:
			notes = append(notes, fmt.Sprintf("%s: not drawn, its first point is not finite (%s)", tr.Label, status))
		case n < tr.Len():
			notes = append(notes, fmt.Sprintf("%s: cut at t = %.4g after %d of %d points (the next is not finite); status: %s", tr.Label, tr.T[n-1], n, tr.Len(), status))
		}
	}
	return ps, notes, nil
}

// noPad hides a plotter's glyph boxes so that it does not shrink the data area: in a
// phase portrait the data area is the range itself.
type noPad struct{ gplot.Plotter }

func (p noPad) Plot(c draw.Canvas, plt *gplot.Plot) { p.Plotter.Plot(c, plt) }

// frame draws a box around the data area.
type frame struct{ sty draw.LineStyle }

func (f frame) Plot(c draw.Canvas, _ *gplot.Plot) {
	c.SetLineStyle(f.sty)
	c.Stroke(c.Rectangle.Path())
}

// textAt draws labels at data coordinates, with an offset in canvas units and an
// alignment, skipping those whose anchor lies outside the data area.
type textAt struct {
	x, y   []float64
	labels []string
	sty    []text.Style
	off    []vg.Point
}

func (t *textAt) add(x, y float64, label string, sty text.Style, off vg.Point) {
	t.x, t.y = append(t.x, x), append(t.y, y)
	t.labels = append(t.labels, label)
	t.sty = append(t.sty, sty)
	t.off = append(t.off, off)
}

func (t *textAt) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	for k := range t.labels {
		pt := vg.Point{X: trX(t.x[k]), Y: trY(t.y[k])}
		if !c.Contains(pt) {
			continue
		}
		pt = pt.Add(t.off[k])
		// A translucent white box keeps the label legible over arrows.
		box := t.sty[k].Rectangle(t.labels[k])
		box.Min, box.Max = box.Min.Add(pt), box.Max.Add(pt)
		pad := t.sty[k].Font.Size / 8
		box.Min.X, box.Min.Y, box.Max.X, box.Max.Y = box.Min.X-pad, box.Min.Y-pad, box.Max.X+pad, box.Max.Y+pad
		c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 200})
		c.Fill(box.Path())
		c.FillText(t.sty[k], pt, t.labels[k])
	}
}

// curveLabels writes labels on curves: each label at the first of its candidate anchors
// (data coordinates, best first) where its box lies inside the data area and clear of the
// labels already placed and of the points to avoid; a label without such a place is left
// out rather than drawn over another or cut at the edge.
type curveLabels struct {
	labels []string
	cands  [][]plotter.XY
	avoid  []plotter.XY
	sty    text.Style
	// placed are the labels drawn at the last Plot and boxes their boxes, for tests.
	placed []string
	boxes  []vg.Rectangle
}

func (l *curveLabels) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	pad := l.sty.Font.Size / 5
	var avoid []vg.Point
	for _, xy := range l.avoid {
		avoid = append(avoid, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
	}
	var boxes []vg.Rectangle
	l.placed = l.placed[:0]
	defer func() { l.boxes = boxes }()
	overlaps := func(a, b vg.Rectangle) bool {
		return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
	}
	for k, label := range l.labels {
		r0 := l.sty.Rectangle(label)
		for _, xy := range l.cands[k] {
			pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
			box := vg.Rectangle{Min: r0.Min.Add(pt), Max: r0.Max.Add(pt)}
			box.Min.X, box.Min.Y, box.Max.X, box.Max.Y = box.Min.X-pad, box.Min.Y-pad, box.Max.X+pad, box.Max.Y+pad
			if box.Min.X < c.Min.X || box.Max.X > c.Max.X || box.Min.Y < c.Min.Y || box.Max.Y > c.Max.Y {
				continue
			}
			clear := true
			for _, b := range boxes {
				clear = clear && !overlaps(box, b)
			}
			for _, a := range avoid {
				clear = clear && !(a.X >= box.Min.X-pad && a.X <= box.Max.X+pad && a.Y >= box.Min.Y-pad && a.Y <= box.Max.Y+pad)
			}
			if !clear {
				continue
			}
			boxes = append(boxes, box)
			l.placed = append(l.placed, label)
			c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 210})
			c.Fill(box.Path())
			c.FillText(l.sty, pt, label)
			break
		}
	}
}

// vline draws a vertical line at x across the data area.
type vline struct {
	x   float64
	sty draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, _ := plt.Transforms(&c)
	x := trX(v.x)
	if x < c.Min.X || x > c.Max.X {
		return
	}
	c.StrokeLine2(v.sty, x, c.Min.Y, x, c.Max.Y)
}

func (v vline) Thumbnail(c *draw.Canvas) {
	x := c.Center().X
	c.StrokeLine2(v.sty, x, c.Min.Y, x, c.Max.Y)
}

// hline draws a horizontal line at y across the data area.
type hline struct {
	y   float64
	sty draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, plt *gplot.Plot) {
	_, trY := plt.Transforms(&c)
	y := trY(h.y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(h.sty, c.Min.X, y, c.Max.X, y)
}

func (h hline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.sty, c.Min.X, y, c.Max.X, y)
}

// thumbs combines thumbnails into one legend entry.
type thumbs []gplot.Thumbnailer

func (t thumbs) Thumbnail(c *draw.Canvas) {
	for _, th := range t {
		th.Thumbnail(c)
	}
}

// glyphThumb is a legend thumbnail of one glyph.
type glyphThumb draw.GlyphStyle

func (g glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyphNoClip(draw.GlyphStyle(g), c.Center()) }

// lineThumb is a legend thumbnail of a line.
type lineThumb draw.LineStyle

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle(l), c.Min.X, y, c.Max.X, y)
}

// logTicks marks the powers of ten, and 2 and 5 times them when the range spans less than
// two decades, on an axis whose values are log10 of the quantity: the labels show the
// quantity itself.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []gplot.Tick {
	if math.IsInf(min, 0) || math.IsInf(max, 0) || math.IsNaN(min) || math.IsNaN(max) {
		return nil // e++ would never leave −Inf
	}
	var ticks []gplot.Tick
	steps := []float64{1}
	if max-min < 2 {
		steps = []float64{1, 2, 5}
	}
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		for _, m := range steps {
			v := e + math.Log10(m)
			if v < min-1e-9 || v > max+1e-9 {
				continue
			}
			ticks = append(ticks, gplot.Tick{Value: v, Label: pow10Label(m, e, e < -3 || e > 4)})
		}
	}
	return ticks
}

// pow10Label formats m·10^e: in decimals ("0.01", "5", "200") unless exp is set or the
// exponent is far from 0, else as a typeset power of ten ("$10^{4}$", "$2×10^{-6}$").
func pow10Label(m, e float64, exp bool) string {
	v := m * math.Pow(10, e)
	if !exp && e >= -3 && e <= 3 {
		// As many decimals as the exponent asks for, so that 3·10⁻¹ reads 0.3.
		return strconv.FormatFloat(v, 'f', max(0, -int(e)), 64)
	}
	if m == 1 {
		return fmt.Sprintf("$10^{%d}$", int(e))
	}
	return fmt.Sprintf("$%g×10^{%d}$", m, int(e))
}

// niceTicks marks a linear axis at 1-2-5 steps, 4 to 10 major ticks with labels and four
// minor ticks between them, and writes negative numbers with a minus sign (U+2212).
type niceTicks struct{}

func (niceTicks) Ticks(min, max float64) []gplot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return []gplot.Tick{{Value: min, Label: number(min)}}
	}
	if math.IsInf(max-min, 0) {
		// A span beyond the largest float64: the ends and 0.
		return distinctLabels([]gplot.Tick{{Value: min, Label: "x"}, {Value: 0, Label: "x"}, {Value: max, Label: "x"}}, max/2-min/2)
	}
	if max-min < 1e-9*math.Max(math.Abs(min), math.Abs(max)) {
		// A range too narrow for its magnitude (a run resting at w = 5·10^7): the tick
		// index k·step would pass 2^53 and stop advancing. Mark the ends only, with the digits
		// that tell them apart.
		return distinctLabels([]gplot.Tick{{Value: min, Label: "x"}, {Value: max, Label: "x"}}, max-min)
	}
	step := 1.0
	for _, target := range []float64{5, 4, 6, 3, 7, 8, 9, 10} {
		raw := (max - min) / target
		e := math.Pow(10, math.Floor(math.Log10(raw)))
		for _, m := range []float64{1, 2, 5, 10} {
			if m*e >= raw {
				step = m * e
				break
			}
		}
		if n := math.Floor(max/step) - math.Ceil(min/step) + 1; n >= 4 && n <= 10 {
			break
		}
	}
	minor := step / 5
	if m := step / math.Pow(10, math.Floor(math.Log10(step))); math.Abs(m-2) < 1e-9 {
		minor = step / 4
	}
	var ticks []gplot.Tick
	for k := math.Ceil(min / minor); k*minor <= max+1e-9*minor; k++ {
		v := k * minor
		if math.Abs(v) < 1e-12*step {
			v = 0
		}
		t := gplot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			t.Value = math.Round(r) * step
			t.Label = "x"
		}
		ticks = append(ticks, t)
	}
	return distinctLabels(ticks, step)
}

// distinctLabels writes the label of every labelled tick (Label not empty) with the fewest
// digits for which the labels are pairwise distinct and each reads back within a hundredth of
// step of its tick's value: 0.2, not 0.200000; on a nearly constant axis 3.93750, 3.93751,
// not 3.9375 twice. Values between 10⁻⁴ and 10⁶ are written in decimals, others as 2.5e-6.
func distinctLabels(ticks []gplot.Tick, step float64) []gplot.Tick {
	var big float64
	for _, t := range ticks {
		if t.Label != "" {
			big = math.Max(big, math.Abs(t.Value))
		}
	}
	decimals := big < 1e6 && (big >= 1e-4 || big == 0)
	format := func(v float64, p int) string {
		if decimals {
			return strconv.FormatFloat(v, 'f', p, 64)
		}
		m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', p, 64), "e")
		if strings.Contains(m, ".") {
			m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
		}
		x, _ := strconv.Atoi(e)
		if m == "0" {
			return "0"
		}
		return m + "e" + strconv.Itoa(x)
	}
	for p := 0; p <= 17; p++ {
		seen := map[string]bool{}
		ok := true
		for i, t := range ticks {
			if t.Label == "" {
				continue
			}
			s := format(t.Value, p)
			back, _ := strconv.ParseFloat(s, 64)
			if seen[s] || !(math.Abs(back-t.Value) <= step/100) {
				ok = false
				break
			}
			seen[s] = true
			ticks[i].Label = s
		}
		if ok {
			break
		}
	}
	for i, t := range ticks {
		if decimals && strings.Contains(t.Label, ".") {
			t.Label = strings.TrimRight(strings.TrimRight(t.Label, "0"), ".")
		}
		ticks[i].Label = t.Label
		switch {
		case t.Label == "−0" || t.Label == "-0":
			ticks[i].Label = "0"
		case !decimals && t.Label != "":
			ticks[i].Label = sciMarkup(t.Label)
		case t.Label != "":
			ticks[i].Label = strings.Replace(t.Label, "-", "−", 1)
		}
	}
	return ticks
}

// number formats a tick value with at most 6 significant digits and a minus sign.
func number(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	return strings.Replace(s, "-", "−", 1)
}
