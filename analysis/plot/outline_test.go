package plot

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerflow/layerflow/analysis"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// A label drawn as outlines covers the extent its font's metrics gave it (the layout's), from
// its start point to its width, for characters that a PDF's code page 1252 cannot write.
func TestGlyphPathExtent(t *testing.T) {
	face := houseFonts.Lookup(font.Font{Typeface: "Liberation", Variant: "Serif"}, 9)
	for _, s := range []string{"loss L", "‖D₁₂‖ − λ²", "2/λ = 40", "Δ"} {
		pt := vg.Point{X: 10, Y: 20}
		p, ok := glyphPath(face, pt, s)
		if !ok {
			t.Fatalf("%q: no outlines", s)
		}
		lo, hi := vg.Length(1e9), vg.Length(-1e9)
		for _, c := range p {
			if c.Type == vg.CloseComp {
				continue
			}
			for _, q := range append(c.Control, c.Pos) {
				lo, hi = min(lo, q.X), max(hi, q.X)
			}
		}
		w := face.Width(s)
		// Side bearings are a small fraction of the size.
		if lo < pt.X-0.2*face.Font.Size || hi > pt.X+w+0.2*face.Font.Size || hi < pt.X+w-0.3*face.Font.Size {
			t.Errorf("%q: outlines span x ∈ [%v, %v], the layout [%v, %v]", s, lo, hi, pt.X, pt.X+w)
		}
	}
}

// SVG and PDF figures hold their text as outlines: no font for a viewer to substitute, no
// text in a code page that lacks λ, − or subscripts.
func TestVectorFiguresOutlineText(t *testing.T) {
	dir := t.TempDir()
	f := analysis.Figure{Name: "λ = 0.05, ‖D₁₂‖", XLabel: "t", YLabel: "loss L",
		Series: []analysis.Curve{{Name: "gd", X: []float64{0, 1, 2}, Y: []float64{1, 0.5, 0.25}, Style: "line"}}}
	ch, err := Chart(f, Style{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".svg", ".pdf", ".eps"} {
		p := filepath.Join(dir, "f"+ext)
		if err := ch.Save(p); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<text", "BaseFont", "findfont", "show\n"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s holds text as text (%q)", ext, bad)
			}
		}
	}
}
