package plot

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
)

// sampleNetPortrait returns a projection on top singular values with the balanced diagonal,
// a band, a flow and a GD cut at a non-finite point.
func sampleNetPortrait() *portrait.NetPortrait {
	pt := &portrait.NetPortrait{
		Widths: []int{4, 3, 2}, Plane: portrait.NetPlane{Kind: portrait.TopSingular, I: 1, J: 2},
		XLabel: "σ₁(W_1)", YLabel: "σ₁(W_2)", Meaning: portrait.ProjectionMeaning,
		Objective: "L", Caption: "Projection on σ₁(W_1) and σ₁(W_2).",
		Range:    portrait.Range{XMin: 0.5, XMax: 2, YMin: 0.75, YMax: 2},
		Diagonal: true, Band: 0.6,
	}
	fl := &portrait.NetPath{Method: "flow", Status: "success", End: flow.Completed}
	gd := &portrait.NetPath{Method: "gd", Status: "diverged at step 6", End: flow.Diverged}
	for k := range 10 {
		s := float64(k) / 9
		fl.Append(s, 0.8+0.5*s, 1.5+0.3*s*s, 1-s)
		x := 0.8 + 0.4*s
		if k == 6 {
			x = math.Inf(1)
		}
		gd.Append(s, x, 1.5+0.2*s, 1-s)
	}
	pt.Paths = []*portrait.NetPath{fl, gd}
	return pt
}

// NetPortrait draws in the house style as Portrait does: the style's size and resolution,
// the legend under a one-column figure and beside a wider one, a title wrapped to the width
// of the phase plane, axis labels and notes typeset, equal units on both axes.
func TestNetPortrait(t *testing.T) {
	pt := sampleNetPortrait()
	fig, err := NetPortrait(pt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Width != Paper.Width || fig.DPI != Paper.DPI {
		t.Errorf("default figure %v wide at %v dpi, want the paper preset's %v at %v", fig.Width, fig.DPI, Paper.Width, Paper.DPI)
	}
	for _, want := range []string{"balanced (D_i = 0)", "flow's band (D conserved)", "flow", "gd", "start", "end"} {
		if !slices.Contains(fig.entries, want) {
			t.Errorf("legend %q lacks %q", fig.entries, want)
		}
	}
	p := fig.Plots[0]
	if p.X.Label.Text != "$σ_{1}$($W_{1}$)" || p.Y.Label.Text != "$σ_{1}$($W_{2}$)" {
		t.Errorf("axis labels %q, %q are not typeset", p.X.Label.Text, p.Y.Label.Text)
	}
	// One column: the legend goes under the phase plane, which takes the full width but for
	// the room of the last tick label.
	if fig.phase.X < fig.Width-fig.th.pt(8) {
		t.Errorf("one-column phase plane %v wide in a figure of %v: the legend is beside it", fig.phase.X, fig.Width)
	}
	dc := p.DataCanvas(draw.Canvas{Rectangle: vg.Rectangle{Max: fig.phase}})
	r := pt.Range
	if got, want := float64(dc.Size().Y/dc.Size().X), (r.YMax-r.YMin)/(r.XMax-r.XMin); math.Abs(got-want) > 1e-9 {
		t.Errorf("phase plane aspect %g, want %g", got, want)
	}
	notes := strings.Join(fig.Notes, " ")
	if !strings.HasPrefix(notes, "$F$ = $L$.") || !strings.Contains(notes, "$σ_{1}$($W_{1}$)") {
		t.Errorf("notes %q: the objective and the caption are not typeset", fig.Notes)
	}
	if !strings.Contains(notes, "gd: cut after 6 of 10 points") || !strings.Contains(notes, "diverged at step 6") {
		t.Errorf("notes %q do not report the cut run", fig.Notes)
	}
	path := filepath.Join(t.TempDir(), "net.png")
	if err := fig.Save(path); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, path, fig)

	// Slides: the legend in a column beside the phase plane, and a long title broken into
	// lines that fit over the phase plane, not over the whole figure.
	title := "A long title of a projection of a network with matrix layers on the top singular values of two layers"
	fig, err = NetPortrait(pt, &PortraitOptions{Style: Slides, Title: title})
	if err != nil {
		t.Fatal(err)
	}
	if fig.Width != Slides.Width || fig.DPI != Slides.DPI {
		t.Errorf("slides figure %v wide at %v dpi, want %v at %v", fig.Width, fig.DPI, Slides.Width, Slides.DPI)
	}
	if fig.phase.X > fig.Width-vg.Inch {
		t.Errorf("slides phase plane %v wide in a figure of %v: no column beside it", fig.phase.X, fig.Width)
	}
	p = fig.Plots[0]
	lines := strings.Split(p.Title.Text, "\n")
	if len(lines) < 2 {
		t.Errorf("title %q not wrapped", p.Title.Text)
	}
	for _, l := range lines {
		if w := p.Title.TextStyle.Width(l); w > fig.phase.X {
			t.Errorf("title line %q is %v wide over a phase plane of %v", l, w, fig.phase.X)
		}
	}
	if err := fig.Save(filepath.Join(t.TempDir(), "net.svg")); err != nil {
		t.Fatal(err)
	}

	for name, f := range map[string]func() error{
		"nil":   func() error { _, err := NetPortrait(nil, nil); return err },
		"style": func() error { _, err := NetPortrait(pt, &PortraitOptions{Style: Style{Preset: "poster"}}); return err },
		"path": func() error {
			q := *pt
			q.Paths = []*portrait.NetPath{{Method: "gd", T: []float64{0}, X: []float64{1}}}
			_, err := NetPortrait(&q, nil)
			return err
		},
	} {
		if err := f(); err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("%s: error %v, want one from package plot", name, err)
		}
	}
}
