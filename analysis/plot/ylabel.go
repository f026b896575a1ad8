package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// axisUnit is the scale or offset of an axis's tick labels (see Offset): the suffix that says
// so after the axis label, and the ticker that reads it.
type axisUnit struct {
	suffix string
	ticks  OffsetTicks
}

// note returns the unit as a note to write above the axis, where ticks read
// tick × Scale + Base: "×10⁻¹⁰", "×10⁻¹¹ + 3.9375".
func (u axisUnit) note() string {
	if u.suffix == "" {
		return ""
	}
	var parts []string
	if e := int(math.Round(math.Log10(u.ticks.Scale))); e != 0 {
		parts = append(parts, fmt.Sprintf("×$10^{%d}$", e))
	}
	if b := u.ticks.Base; b != 0 {
		s := strconv.FormatFloat(math.Abs(b), 'g', 12, 64)
		if strings.Contains(s, "e") {
			s = sciMarkup(s)
		}
		sign := "+ "
		if b < 0 {
			sign = "− "
		}
		parts = append(parts, sign+s)
	}
	return strings.Join(parts, " ")
}

// yLabel is the label of a vertical axis as laid out: its lines (the first one leftmost),
// their style, each line's height above and depth below its baseline, and a note above the
// axis holding the unit of the ticks when the label could not.
type yLabel struct {
	lines     []string
	sty       text.Style
	asc, desc []vg.Length
	gap       vg.Length
	note      string
	noteSty   text.Style
	notePad   vg.Length
}

// width is the room the label takes across the axis.
func (y yLabel) width() vg.Length {
	var w vg.Length
	for i := range y.lines {
		w += y.asc[i] + y.desc[i]
		if i > 0 {
			w += y.gap
		}
	}
	return w
}

// noteHeight is the room the note takes above the data area.
func (y yLabel) noteHeight() vg.Length {
	if y.note == "" {
		return 0
	}
	_, a, d := y.noteSty.Handler.Box(y.note, y.noteSty.Font)
	return a + d + y.notePad
}

// draw draws the label from the left edge of c, centred on the data area, and the note
// above the data area's left end.
func (y yLabel) draw(c, data draw.Canvas) {
	if len(y.lines) == 0 {
		return
	}
	sty := y.sty
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	ascent := sty.FontExtents().Ascent
	x := c.Min.X
	mid := (data.Min.Y + data.Max.Y) / 2
	for i, line := range y.lines {
		base := x + y.asc[i] // the baseline: the glyphs reach asc[i] to its left
		// gonum's handlers put the baseline of one rotated line, aligned at its bottom, at
		// pt.X + ascent − size.
		c.FillText(sty, vg.Point{X: base - ascent + sty.Font.Size, Y: mid}, line)
		x = base + y.desc[i] + y.gap
	}
	if y.note != "" {
		ns := y.noteSty
		ns.XAlign, ns.YAlign = draw.XLeft, draw.YBottom
		_, _, d := ns.Handler.Box(y.note, ns.Font)
		// As above, unrotated: the baseline of a line aligned at its bottom lies at
		// pt.Y − ascent + size.
		base := data.Max.Y + y.notePad + d
		c.FillText(ns, vg.Point{X: data.Min.X, Y: base + ns.FontExtents().Ascent - ns.Font.Size}, y.note)
	}
}

// minLabelSize is the smallest size a label is shrunk to to fit its axis.
const minLabelSize = 5

// fitYLabel lays out the label of a vertical axis whose data area is avail long, and the
// unit of its ticks, so that no line is longer than the axis: the label and the unit in one
// line if that fits; else the unit as a note above the axis; else the label in two lines;
// else both at a smaller size, down to minLabelSize points.
func (th *theme) fitYLabel(sty text.Style, label string, u axisUnit, avail vg.Length) yLabel {
	full := strings.TrimSpace(label + u.suffix)
	if full == "" {
		return yLabel{}
	}
	mk := func(lines []string, s text.Style, note string) yLabel {
		y := yLabel{lines: lines, sty: s, gap: s.Font.Size * 0.15, note: note, noteSty: th.text(th.tick, black), notePad: th.pt(2)}
		for _, l := range lines {
			_, a, d := s.Handler.Box(l, s.Font)
			y.asc, y.desc = append(y.asc, a), append(y.desc, d)
		}
		return y
	}
	fits := func(lines []string, s text.Style) bool {
		for _, l := range lines {
			if s.Width(l) > avail {
				return false
			}
		}
		return true
	}
	if fits([]string{full}, sty) {
		return mk([]string{full}, sty, "")
	}
	base, note := full, ""
	if u.suffix != "" && strings.TrimSpace(label) != "" {
		base, note = strings.TrimSpace(label), u.note()
	}
	for size := sty.Font.Size; size >= minLabelSize; size -= 0.5 {
		s := sty
		s.Font.Size = size
		if fits([]string{base}, s) {
			return mk([]string{base}, s, note)
		}
		if two := splitLine(base, s); two != nil && fits(two, s) {
			return mk(two, s, note)
		}
	}
	s := sty
	s.Font.Size = minLabelSize
	if two := splitLine(base, s); two != nil {
		return mk(two, s, note)
	}
	return mk([]string{base}, s, note)
}

// splitLine splits a label into two lines at the space, outside mathematics, that makes the
// longer line shortest; nil when it has no such space.
func splitLine(s string, sty text.Style) []string {
	var best []string
	var bestW vg.Length
	for i, r := range s {
		if r != ' ' || strings.Count(s[:i], "$")%2 == 1 {
			continue
		}
		a, b := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		if a == "" || b == "" {
			continue
		}
		if w := max(sty.Width(a), sty.Width(b)); best == nil || w < bestW {
			best, bestW = []string{a, b}, w
		}
	}
	return best
}

// finishAxes gives the linear axes of p whose ticks would not read an offset or a scale
// (see Offset). The change of the horizontal axis is written into its label; that of the
// vertical axis is returned, for the layout to write after the label or above the axis.
// Call it once, after the axis ranges are final.
func finishAxes(p *gplot.Plot) (y axisUnit) {
	for k, a := range []*gplot.Axis{&p.X, &p.Y} {
		if a.Scale != nil {
			if _, lin := a.Scale.(gplot.LinearScale); !lin {
				continue
			}
		}
		switch a.Tick.Marker.(type) {
		case LinearTicks, niceTicks:
		default:
			continue
		}
		if t, suffix, ok := Offset(a.Min, a.Max); ok {
			a.Tick.Marker = t
			if k == 0 {
				a.Label.Text += suffix
			} else {
				y = axisUnit{suffix: suffix, ticks: t}
			}
		}
	}
	return y
}

// spacedTicks labels the ticks of a linear axis of a given length no closer than min: when
// the labels of the inner ticker would crowd, every other one is kept, or every 4th, 5th,
// 10th, … (counted from the one nearest 0, so that 0 keeps its label). Minor ticks stay.
type spacedTicks struct {
	gplot.Ticker
	length, min vg.Length
}

func (s spacedTicks) Ticks(lo, hi float64) []gplot.Tick {
	ts := s.Ticker.Ticks(lo, hi)
	var vals []float64
	for _, t := range ts {
		if t.Label != "" {
			vals = append(vals, t.Value)
		}
	}
	if len(vals) < 3 || !(hi > lo) {
		return ts
	}
	step := vals[1] - vals[0]
	gap := s.length * vg.Length(step/(hi-lo))
	if gap >= s.min || !(step > 0) {
		return ts
	}
	// Every other label, or every 4th, 5th, 10th, … as the length asks.
	every := 2
	for _, k := range []int{2, 4, 5, 10, 20, 50, 100} {
		every = k
		if gap*vg.Length(k) >= s.min {
			break
		}
	}
	out := make([]gplot.Tick, len(ts))
	copy(out, ts)
	// The parity of a labelled tick by its index from the one nearest 0 (or the first).
	ref := 0
	for k, v := range vals {
		if math.Abs(v) < math.Abs(vals[ref]) {
			ref = k
		}
	}
	if n := len(vals); (n-1-ref)/every+ref/every < 1 && gap*vg.Length(n-1) >= s.min {
		// Fewer than two labels would stay: the two ends of the axis instead.
		ref, every = 0, n-1
	}
	k := 0
	kept := out[:0]
	for _, t := range out {
		if t.Label == "" {
			if every < 4 {
				kept = append(kept, t) // minor ticks stay while they are few enough to read
			}
			continue
		}
		if (k-ref)%every != 0 {
			t.Label = ""
		}
		k++
		kept = append(kept, t)
	}
	return kept
}
