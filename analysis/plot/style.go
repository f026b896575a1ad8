package plot

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
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

// methodStyle is how a method looks in every figure: its colour from the colour-blind safe
// palette of Okabe & Ito (2008), the marker of its iterates or points, and its dashes.
type methodStyle struct {
	color  color.Color
	shape  shape
	dashes []float64 // in points at 8 pt text; nil: solid
}

// methods fixes the look of the methods the project runs, so that a method looks the same in
// every figure. GD and noisy GD, often drawn together, get colours far apart (vermillion and
// sky blue) and different markers.
var methods = map[string]methodStyle{
	"flow":      {color: rgb(0x0072B2), shape: circle},                          // blue
	"flow-wd":   {color: rgb(0x0072B2), shape: circle},                          // blue: the flow of the regularized loss
	"modified":  {color: rgb(0x009E73), shape: square, dashes: []float64{4, 2}}, // bluish green
	"gauss":     {color: rgb(0x000000), shape: diamond},                         // black
	"dopri5":    {color: rgb(0x0072B2), shape: circle},                          // blue
	"dop853":    {color: rgb(0x009E73), shape: square},                          // bluish green
	"gd":        {color: rgb(0xD55E00), shape: circle},                          // vermillion
	"sgd":       {color: rgb(0xCC79A7), shape: square},                          // reddish purple
	"noisy-gd":  {color: rgb(0x56B4E9), shape: triangle},                        // sky blue
	"noisy-sgd": {color: rgb(0xE69F00), shape: diamond},                         // orange
	"sme":       {color: rgb(0x009E73), shape: diamond, dashes: []float64{4, 2}},
}

// extraColors are given in turn to other labels: the rest of Okabe & Ito's palette (its
// yellow is too pale on white), then Paul Tol's muted palette.
var extraColors = []color.Color{
	rgb(0x0072B2), rgb(0xD55E00), rgb(0x009E73), rgb(0xCC79A7), rgb(0xE69F00), rgb(0x56B4E9), rgb(0x000000),
	rgb(0x332288), rgb(0x117733), rgb(0x999933), rgb(0xAA4499), rgb(0x661100), rgb(0x888888),
}

// methodOf returns the method a label names, or "": its first word, lower case, where
// "noisy GD" is "noisy-gd", "gradient flow" "flow" and "modified flow" "modified".
func methodOf(label string) string {
	w := strings.ToLower(strings.TrimSpace(label))
	w = strings.NewReplacer("noisy gd", "noisy-gd", "noisy sgd", "noisy-sgd", "gradient flow", "flow",
		"modified flow", "modified", "gauss–legendre", "gauss", "gauss-legendre", "gauss").Replace(w)
	if k := strings.IndexAny(w, " (,;:"); k >= 0 {
		w = w[:k]
	}
	if _, ok := methods[w]; ok {
		return w
	}
	return ""
}

// labelColors assigns colours and markers to labels: a method its own, other labels the
// next colour not yet used in the figure.
type labelColors struct {
	m    map[string]color.Color
	used map[color.Color]bool
	next int
}

func (p *labelColors) color(label string) color.Color {
	if p.m == nil {
		p.m, p.used = map[string]color.Color{}, map[color.Color]bool{}
	}
	if c, ok := p.m[label]; ok {
		return c
	}
	var c color.Color
	if ms, ok := methods[methodOf(label)]; ok {
		c = ms.color
	} else {
		for range extraColors {
			c = extraColors[p.next%len(extraColors)]
			p.next++
			if !p.used[c] {
				break
			}
		}
	}
	p.m[label], p.used[c] = c, true
	return c
}

// shapeOf returns the marker shape of a label: its method's, else the k-th in turn.
func shapeOf(label string, k int) shape {
	if ms, ok := methods[methodOf(label)]; ok {
		return ms.shape
	}
	return shape(k % 4)
}

// dashesOf returns the dashes of a label's line: its method's, else solid.
func (t *theme) dashesOf(label string) []vg.Length {
	ms, ok := methods[methodOf(label)]
	if !ok || ms.dashes == nil {
		return nil
	}
	d := make([]vg.Length, len(ms.dashes))
	for i, x := range ms.dashes {
		d[i] = t.pt(x)
	}
	return d
}

// lineStyle returns the style of a trajectory's line: thin under the dots of a discrete
// method, thicker for a continuous one, dashed for the methods drawn so.
func (t *theme) lineStyle(label string, c color.Color) draw.LineStyle {
	if IsDiscrete(label) {
		return draw.LineStyle{Color: c, Width: t.pt(0.5)}
	}
	return draw.LineStyle{Color: c, Width: t.pt(1.1), Dashes: t.dashesOf(label)}
}

// dotStyle returns the glyph of a discrete method's iterates: small, filled, of the
// method's shape.
func (t *theme) dotStyle(label string, c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: t.pt(1.1), Shape: solidGlyph{shape: shapeOf(label, 0)}}
}

var (
	black    = color.Black
	white    = color.White
	darkGrey = rgb(0x333333)
	midGrey  = rgb(0x777777)
)

// startStyle and endStyle mark the first and the last point of a trajectory in its colour:
// a ring with a coloured outline, a filled dot.
func (t *theme) startStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: t.pt(2.6), Shape: markGlyph{shape: circle, ring: true, width: t.pt(1.1)}}
}

func (t *theme) endStyle(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: t.pt(2.3), Shape: markGlyph{shape: circle, filled: true, width: t.pt(0.6)}}
}

type shape int

const (
	circle shape = iota
	square
	triangle
	diamond
)

// markGlyph draws a shape with an outline of the given width: filled with the glyph's colour
// and a white halo when filled is set; a white disc with an outline in the glyph's colour
// when ring is set; else white with a black outline. It stays visible over arrows and lines.
type markGlyph struct {
	shape  shape
	filled bool
	ring   bool
	width  vg.Length
}

// solidGlyph draws a shape filled with the glyph's colour and no outline.
type solidGlyph struct{ shape shape }

func (g solidGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	c.Fill(shapePath(g.shape, sty.Radius, pt))
}

func (g markGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	p := shapePath(g.shape, sty.Radius, pt)
	fill := color.Color(white)
	outline := color.Color(black)
	switch {
	case g.filled:
		fill, outline = sty.Color, white // a thin halo separates a filled mark from what lies under it
	case g.ring:
		outline = sty.Color
	}
	c.SetColor(fill)
	c.Fill(p)
	w := g.width
	if w == 0 {
		w = vg.Points(0.8)
	}
	c.SetLineStyle(draw.LineStyle{Color: outline, Width: w})
	c.Stroke(p)
}

// shapePath returns the closed outline of a shape of radius r centred on pt.
func shapePath(s shape, r vg.Length, pt vg.Point) vg.Path {
	var p vg.Path
	switch s {
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
	return p
}

// equilibriumStyle returns the marker of an equilibrium type: filled for stable, open for
// unstable, a square for a saddle, triangles for spirals, a diamond for a centre and a small
// grey dot for a degenerate point.
func (th *theme) equilibriumStyle(t portrait.Type) draw.GlyphStyle {
	r := th.pt(3)
	switch t {
	case portrait.Saddle:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: square, width: th.pt(0.7)}}
	case portrait.StableNode:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: circle, filled: true, width: th.pt(0.7)}}
	case portrait.UnstableNode:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: circle, width: th.pt(0.7)}}
	case portrait.StableSpiral:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: triangle, filled: true, width: th.pt(0.7)}}
	case portrait.UnstableSpiral:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: triangle, width: th.pt(0.7)}}
	case portrait.Centre:
		return draw.GlyphStyle{Color: black, Radius: r, Shape: markGlyph{shape: diamond, width: th.pt(0.7)}}
	default:
		return draw.GlyphStyle{Color: midGrey, Radius: th.pt(1.3), Shape: draw.CircleGlyph{}}
	}
}
