package plot

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	stdfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Style is the house style of every figure: its size, the size of its text, the resolution
// of its raster files, from a preset. A zero field takes the preset's value; the zero Style is
// the paper preset.
//
// The presets follow what journals ask of a figure (a one-column figure 3.3–3.5 in wide, a
// two-column one about 7 in, text 7–9 pt after printing; Nature, PRL and IEEE author
// guides) and what a slide needs:
//
//	paper   3.4 in wide (use Width 7 in for two columns), 8 pt labels, 7 pt ticks, 300 dpi
//	slides  6 in wide, 14 pt labels, 13 pt ticks, 150 dpi
//
// Lines and markers scale with the font size, so that a slide keeps the proportions of
// the paper figure. The height of a figure follows from its width and its kind (a stack
// of panels is taller, a phase plane has equal units on both axes) unless Height is set.
type Style struct {
	// Preset is "paper" (the default, also for "") or "slides".
	Preset string
	// Width and Height of the figure. Zero: the preset's width, the figure's own height.
	Width, Height vg.Length
	// FontSize is the size of the axis labels; ticks, legends and notes are 1 pt smaller
	// (at least 6 pt). Zero: the preset's.
	FontSize vg.Length
	// DPI is the resolution of PNG and JPEG files. Zero: the preset's.
	DPI float64
}

// Presets lists the names of the presets of Style.
var Presets = []string{"paper", "slides"}

// Paper and Slides are the presets.
var (
	Paper  = Style{Preset: "paper", Width: 3.4 * vg.Inch, FontSize: 8, DPI: 300}
	Slides = Style{Preset: "slides", Width: 6 * vg.Inch, FontSize: 14, DPI: 150}
)

// Resolve returns s with its zero fields set from its preset. It returns an error naming
// the value for an unknown preset, or a size, font size or resolution out of range (a
// figure from 1 to 40 inches, text from 4 to 48 pt, 36 to 2400 dpi).
func (s Style) Resolve() (Style, error) {
	var p Style
	switch s.Preset {
	case "", "paper":
		p = Paper
	case "slides":
		p = Slides
	default:
		return s, fmt.Errorf("plot: unknown style preset %q (want paper or slides)", s.Preset)
	}
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	switch {
	case bad(float64(s.Width)) || s.Width != 0 && (s.Width < vg.Inch || s.Width > 40*vg.Inch):
		return s, fmt.Errorf("plot: figure width %.4g in: want 1 to 40 inches", float64(s.Width/vg.Inch))
	case bad(float64(s.Height)) || s.Height != 0 && (s.Height < vg.Inch || s.Height > 40*vg.Inch):
		return s, fmt.Errorf("plot: figure height %.4g in: want 1 to 40 inches", float64(s.Height/vg.Inch))
	case bad(float64(s.FontSize)) || s.FontSize != 0 && (s.FontSize < 4 || s.FontSize > 48):
		return s, fmt.Errorf("plot: font size %.4g pt: want 4 to 48 pt", float64(s.FontSize))
	case bad(s.DPI) || s.DPI != 0 && (s.DPI < 36 || s.DPI > 2400):
		return s, fmt.Errorf("plot: resolution %.4g dpi: want 36 to 2400", s.DPI)
	}
	if s.Width == 0 {
		s.Width = p.Width
	}
	if s.FontSize == 0 {
		s.FontSize = p.FontSize
	}
	if s.DPI == 0 {
		s.DPI = p.DPI
	}
	s.Preset = p.Preset
	return s, nil
}

// theme holds the sizes a figure is drawn with, derived from a resolved Style.
type theme struct {
	Style
	// Text sizes: title, axis labels, tick labels, legend, notes under the figure, labels
	// inside the data area (level sets).
	title, label, tick, legend, note, level vg.Length
	// k scales lines, markers and paddings: 1 at 8 pt text.
	k float64
}

// theme resolves s into the sizes of a figure.
func (s Style) theme() (*theme, error) {
	r, err := s.Resolve()
	if err != nil {
		return nil, err
	}
	f := r.FontSize
	small := max(f-1, min(f, 6))
	return &theme{Style: r, title: f, label: f, tick: small, legend: small, note: small, level: small, k: float64(f) / 8}, nil
}

// pt returns a length of x points at 8 pt text, scaled with the font size.
func (t *theme) pt(x float64) vg.Length { return vg.Points(x * t.k) }

// size returns the width and height of a figure: w and h when set, else the style's width
// and its height, or the width times aspect (see below for figures wider than a column).
func (t *theme) size(w, h vg.Length, aspect float64) (vg.Length, vg.Length, error) {
	if w < 0 || h < 0 {
		return 0, 0, fmt.Errorf("plot: figure size %v × %v must not be negative", w, h)
	}
	if w == 0 {
		w = t.Width
	}
	if h == 0 {
		h = t.Height
	}
	if h == 0 {
		// The figure's aspect ratio up to a column's width (3.5 in); a wider figure (two
		// columns, a slide) grows in height only a third as fast, so that it does not fill a
		// page.
		eff := w
		if col := 3.5 * vg.Inch; w > col {
			eff = col + (w-col)/3
		}
		h = eff * vg.Length(aspect)
	}
	return w, h, nil
}

// houseFonts is the font cache of every text: Liberation, as gonum's default, with its
// italic faces also under the typeface "LiberationItalic" in the upright style. MathText sets
// italic that way: gonum's PDF canvas (v0.17) registers every face under the style "" but
// asks for an italic one under "I", and fails to write any italic text.
var houseFonts = func() *font.Cache {
	coll := liberation.Collection()
	for _, f := range liberation.Collection() {
		if f.Font.Style == stdfont.StyleItalic {
			f.Font.Typeface += italicSuffix
			f.Font.Style = stdfont.StyleNormal
			coll = append(coll, f)
		}
	}
	return font.NewCache(coll)
}()

// italicSuffix names the italic faces of a typeface in houseFonts.
const italicSuffix = "Italic"

// text returns a text style of the given size and colour in the house font, with
// mathematics typeset by MathText.
func (t *theme) text(size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(gplot.DefaultFont, size),
		Handler: MathText{Fonts: houseFonts},
	}
}

// newPlot returns a gonum plot in the house style: the theme's font sizes, mathematics in
// the labels, thin axes and no padding between the axes and the data.
func (t *theme) newPlot() *gplot.Plot {
	p := gplot.New()
	xa, ya := p.Title.TextStyle.XAlign, p.Title.TextStyle.YAlign
	p.Title.TextStyle = t.text(t.title, black)
	p.Title.TextStyle.XAlign, p.Title.TextStyle.YAlign = xa, ya
	p.Title.Padding = t.pt(4)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		rot := a.Label.TextStyle.Rotation
		xa, ya := a.Label.TextStyle.XAlign, a.Label.TextStyle.YAlign
		a.Label.TextStyle = t.text(t.label, black)
		a.Label.TextStyle.Rotation, a.Label.TextStyle.XAlign, a.Label.TextStyle.YAlign = rot, xa, ya
		tr := a.Tick.Label.Rotation
		txa, tya := a.Tick.Label.XAlign, a.Tick.Label.YAlign
		a.Tick.Label = t.text(t.tick, black)
		a.Tick.Label.Rotation, a.Tick.Label.XAlign, a.Tick.Label.YAlign = tr, txa, tya
		a.Padding = 0
		a.Label.Padding = t.pt(1.5)
		a.LineStyle.Width = t.pt(0.6)
		a.Tick.LineStyle.Width = t.pt(0.6)
		a.Tick.Length = t.pt(3)
		a.Tick.Marker = LinearTicks{}
	}
	p.Legend = gplot.NewLegend()
	p.Legend.TextStyle = t.text(t.legend, black)
	p.Legend.ThumbnailWidth = t.pt(16)
	p.Legend.Padding = t.pt(1)
	return p
}

// wrapTitle breaks a title into lines that fit a figure of width w.
func (t *theme) wrapTitle(s string, w vg.Length) string {
	sty := t.text(t.title, black)
	limit := w - t.pt(16)
	if s == "" || sty.Width(s) <= limit {
		return s
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		// A word never splits a $…$ group: an odd count of dollars means inside one.
		if line != "" && sty.Width(try) > limit && strings.Count(line, "$")%2 == 0 {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	return strings.Join(append(lines, line), "\n")
}
