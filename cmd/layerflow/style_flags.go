package main

import (
	"fmt"
	"math"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
	"gonum.org/v1/plot/vg"

	"github.com/layerflow/layerflow/analysis/plot"
)

// catFigure groups the flags of the house style of figures.
const catFigure = "Figure style"

// styleFlags returns the flags of the house style of every command that draws a figure:
// a preset and explicit size, font size and resolution (zero: the preset's).
func styleFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "style", Value: "paper", Usage: "figure preset: paper (3.4 in wide, 8 pt text, 300 dpi; --width 7 for two columns) or slides (6 in, 14 pt, 150 dpi)", Category: catFigure}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "width", Usage: "figure width in inches (0: the preset's)", Category: catFigure}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "height", Usage: "figure height in inches (0: the figure's own for its width)", Category: catFigure}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "font-size", Usage: "size of the axis labels in points; ticks and legends 1 pt smaller (0: the preset's)", Category: catFigure}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "dpi", Usage: "resolution of PNG files in dots per inch (0: the preset's); a PNG has at most 2^27 pixels, 17 bytes each of --max-memory to draw", Category: catFigure}),
	}
}

// figureStyle reads the style flags into a plot.Style, with an error naming the flag for a
// value out of range.
func figureStyle(ctx *cli.Context) (plot.Style, error) {
	st := plot.Style{Preset: ctx.String("style")}
	if st.Preset != "paper" && st.Preset != "slides" {
		return st, fmt.Errorf("--style %q: want paper or slides", st.Preset)
	}
	for _, f := range []struct {
		name   string
		lo, hi float64
		unit   string
		set    func(float64)
	}{
		{"width", 1, 40, "inches", func(v float64) { st.Width = vg.Length(v) * vg.Inch }},
		{"height", 1, 40, "inches", func(v float64) { st.Height = vg.Length(v) * vg.Inch }},
		{"font-size", 4, 48, "pt", func(v float64) { st.FontSize = vg.Length(v) }},
		{"dpi", 36, 2400, "dots per inch", func(v float64) { st.DPI = v }},
	} {
		v := ctx.Float64(f.name)
		if v == 0 {
			continue
		}
		if math.IsNaN(v) || v < f.lo || v > f.hi {
			return st, fmt.Errorf("--%s %g: want %g to %g %s (or 0 for the preset's)", f.name, v, f.lo, f.hi, f.unit)
		}
		f.set(v)
	}
	_, err := st.Resolve()
	return st, err
}
