package plot

import (
	"errors"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// outlineCanvas draws text on a vector canvas (SVG, PDF, EPS) as the outlines of its glyphs,
// filled paths at the places and with the advances and kerning that laid the figure out. A
// PDF of gonum/plot encodes text in code page 1252, which has no Greek letter, no minus sign
// (U+2212), no ‖ and no subscript digit, and an SVG viewer draws text in whatever font it has,
// of other widths, so that the pieces of a label like "loss L" or "‖D₁₂‖" run into each
// other. As outlines, the file looks as the PNG does in every viewer, as journals ask of
// figures (the text is then not selectable, as with matplotlib's svg.fonttype = "path").
type outlineCanvas struct {
	vg.CanvasSizer
}

// FillString fills the outlines of the glyphs of s in face f, starting at pt on the baseline.
func (c outlineCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 || f.Face == nil {
		return
	}
	p, ok := glyphPath(f, pt, s)
	if !ok {
		c.CanvasSizer.FillString(f, pt, s)
		return
	}
	c.CanvasSizer.Fill(p)
}

// glyphPath returns the outlines of s in face f from pt, laid out as font.Face.Width lays it
// out (advances and kerning at no hinting); ok is false if the font cannot give them.
func glyphPath(f font.Face, pt vg.Point, s string) (p vg.Path, ok bool) {
	var buf sfnt.Buffer
	// At ppem = UnitsPerEm in 26.6 fixed point, sfnt's values are in font units.
	ppem := fixed.Int26_6(f.Face.UnitsPerEm())
	scale := f.Font.Size / vg.Length(ppem)
	at := func(q fixed.Point26_6, x vg.Length) vg.Point {
		// sfnt's y grows downwards.
		return vg.Point{X: x + vg.Length(q.X)*scale, Y: pt.Y - vg.Length(q.Y)*scale}
	}
	x := pt.X
	var prev sfnt.GlyphIndex
	for i, r := range []rune(s) {
		idx, err := f.Face.GlyphIndex(&buf, r)
		if err != nil {
			return nil, false
		}
		if i > 0 {
			kern, err := f.Face.Kern(&buf, prev, idx, ppem, xfont.HintingNone)
			switch {
			case err == nil:
				x += vg.Length(kern) * scale
			case !errors.Is(err, sfnt.ErrNotFound):
				return nil, false
			}
		}
		segs, err := f.Face.LoadGlyph(&buf, idx, ppem, nil)
		if err != nil {
			return nil, false
		}
		open := false
		for _, sg := range segs {
			switch sg.Op {
			case sfnt.SegmentOpMoveTo:
				if open {
					p.Close()
				}
				p.Move(at(sg.Args[0], x))
				open = true
			case sfnt.SegmentOpLineTo:
				p.Line(at(sg.Args[0], x))
			case sfnt.SegmentOpQuadTo:
				p.QuadTo(at(sg.Args[0], x), at(sg.Args[1], x))
			case sfnt.SegmentOpCubeTo:
				p.CubeTo(at(sg.Args[0], x), at(sg.Args[1], x), at(sg.Args[2], x))
			}
		}
		if open {
			p.Close()
		}
		adv, err := f.Face.GlyphAdvance(&buf, idx, ppem, xfont.HintingNone)
		if err != nil {
			return nil, false
		}
		x += vg.Length(adv) * scale
		prev = idx
	}
	return p, true
}
