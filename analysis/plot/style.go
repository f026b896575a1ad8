package plot

import (
	"image/color"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
)

// Font sizes of the figures, for a figure about 6 inches wide printed at full width.
const (
	titleSize  = 11
	labelSize  = 10
	tickSize   = 9
	legendSize = 9
	noteSize   = 8.5
	levelSize  = 7.5
)

// IsDiscrete reports whether a trajectory label names a discrete method, drawn as dots
// joined by thin lines: "gd", "sgd", or a label whose first word is one of them or ends in
// "-gd" or "-sgd" ("noisy-gd", "noisy-sgd", "gd (λ = 0.1)", …).
func IsDiscrete(label string) bool {
	w := strings.ToLower(label)
	if k := strings.IndexAny(w, " (,;:"); k >= 0 {
		w = w[:k]
	}
	return w == "gd" || w == "sgd" || strings.HasSuffix(w, "-gd") || strings.HasSuffix(w, "-sgd") ||
		strings.HasPrefix(w, "gd-") || strings.HasPrefix(w, "sgd-")
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// methodColors fixes the colour of the methods the project runs, from the colour-blind safe
// palette of Okabe & Ito (2008), so that a method looks the same in every figure.
var methodColors = map[string]color.Color{
	"flow":      rgb(0x0072B2), // blue
	"modified":  rgb(0x009E73), // bluish green
	"flow-wd":   rgb(0x56B4E9), // sky blue
	"gd":        rgb(0xD55E00), // vermillion
	"sgd":       rgb(0xCC79A7), // reddish purple
	"noisy-gd":  rgb(0xE69F00), // orange
	"noisy-sgd": rgb(0x882255), // wine (Tol's muted palette; Okabe–Ito's yellow is too pale on white)
}

// extraColors are given in turn to other labels (Paul Tol's muted palette).
var extraColors = []color.Color{
	rgb(0x332288), rgb(0x117733), rgb(0x999933), rgb(0x44AA99), rgb(0xAA4499), rgb(0x661100), rgb(0x6699CC), rgb(0x888888),
}

// palette assigns colours to labels in order of appearance.
type labelColors struct {
	m    map[string]color.Color
	next int
}

func (p *labelColors) color(label string) color.Color {
	if p.m == nil {
		p.m = map[string]color.Color{}
	}
	if c, ok := p.m[label]; ok {
		return c
	}
	c, ok := methodColors[strings.ToLower(label)]
	if !ok {
		c = extraColors[p.next%len(extraColors)]
		p.next++
	}
	p.m[label] = c
	return c
}

// lineStyle returns the style of a trajectory's line: thin under the dots of a discrete
// method, thicker for a continuous one.
func lineStyle(label string, c color.Color) draw.LineStyle {
	if IsDiscrete(label) {
		return draw.LineStyle{Color: c, Width: vg.Points(0.6)}
	}
	return draw.LineStyle{Color: c, Width: vg.Points(1.4)}
}

// dotStyle returns the glyph of a discrete method's iterates.
func dotStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
}

var (
	black    = color.Black
	white    = color.White
	darkGrey = rgb(0x333333)
	midGrey  = rgb(0x777777)
)

// startStyle and endStyle mark the first and the last point of a trajectory.
func startStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(3.2), Shape: markGlyph{shape: circle}}
}

func endStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(2.8), Shape: markGlyph{shape: circle, filled: true}}
}

type shape int

const (
	circle shape = iota
	square
	triangle
	diamond
)

// markGlyph draws a shape with a black outline, filled with the glyph's colour when filled
// is set and with white otherwise, so that it stays visible over arrows and lines.
type markGlyph struct {
	shape  shape
	filled bool
}

func (g markGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var p vg.Path
	switch g.shape {
	case circle:
		p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		p.Arc(pt, r, 0, 2*math.Pi)
	case square:
		r *= 0.9
		p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
		p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
		p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
		p.Line(vg.Point{X: pt.X - r, Y: pt.Y + r})
	case triangle:
		h := r * 1.2
		p.Move(vg.Point{X: pt.X, Y: pt.Y + h})
		p.Line(vg.Point{X: pt.X + h*0.866, Y: pt.Y - h*0.5})
		p.Line(vg.Point{X: pt.X - h*0.866, Y: pt.Y - h*0.5})
	case diamond:
		h := r * 1.25
		p.Move(vg.Point{X: pt.X, Y: pt.Y + h})
		p.Line(vg.Point{X: pt.X + h, Y: pt.Y})
		p.Line(vg.Point{X: pt.X, Y: pt.Y - h})
		p.Line(vg.Point{X: pt.X - h, Y: pt.Y})
	}
	p.Close()
	fill := color.Color(white)
	if g.filled {
		fill = sty.Color
	}
	c.SetColor(fill)
	c.Fill(p)
	outline := sty.Color
	if g.filled {
		outline = white // a thin halo separates a filled mark from what lies under it
	}
	c.SetLineStyle(draw.LineStyle{Color: outline, Width: vg.Points(0.8)})
	c.Stroke(p)
}

// equilibriumStyle returns the marker of an equilibrium type: filled for stable, open for
// unstable, a square for a saddle, triangles for spirals, a diamond for a centre and a small
// grey dot for a degenerate point.
func equilibriumStyle(t portrait.Type) draw.GlyphStyle {
	r := vg.Points(3.6)
	switch t {
	case portrait.Saddle:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: square}}
	case portrait.StableNode:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: circle, filled: true}}
	case portrait.UnstableNode:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: circle}}
	case portrait.StableSpiral:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: triangle, filled: true}}
	case portrait.UnstableSpiral:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: triangle}}
	case portrait.Centre:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: diamond}}
	default:
		return draw.GlyphStyle{Color: midGrey, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
	}
}

// textStyle returns a text style of the plot's default (Liberation Serif) font.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(gplot.DefaultFont, size),
		Handler: gplot.DefaultTextHandler,
	}
}

// newPlot returns a gonum plot in the house style: paper-like font sizes and no padding
// between the axes and the data.
func newPlot() *gplot.Plot {
	p := gplot.New()
	p.Title.TextStyle.Font.Size = titleSize
	p.Title.Padding = vg.Points(6)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = labelSize
		a.Tick.Label.Font.Size = tickSize
		a.Padding = 0
		a.Label.Padding = vg.Points(2)
		a.Tick.Marker = niceTicks{}
	}
	p.Legend.TextStyle.Font.Size = legendSize
	p.Legend.ThumbnailWidth = vg.Points(18)
	return p
}
