package main

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/layerflow/layerflow/analysis"
	lfplot "github.com/layerflow/layerflow/analysis/plot"
)

// palette is a colour-blind-safe qualitative palette (Okabe & Ito 2008).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255},
}

// renderFigure draws an analysis.Figure with gonum/plot and saves it atomically; the format
// follows the extension of path (.png, .svg, .pdf), written atomically by analysis/plot.Save.
// Non-finite points, and non-positive ones
// on a log axis, are left out (never drawn from NaN).
func renderFigure(fig analysis.Figure, path string) (err error) {
	defer guardPlot(&err)
	p := plot.New()
	p.Title.Text = fig.Title
	p.X.Label.Text = fig.XLabel
	p.Y.Label.Text = fig.YLabel
	// The house tickers: labels with the digits that tell ticks apart, decades labelled.
	p.X.Tick.Marker, p.Y.Tick.Marker = lfplot.LinearTicks{}, lfplot.LinearTicks{}
	if fig.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, lfplot.LogTicks{}
	}
	if fig.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, lfplot.LogTicks{}
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	ok := func(x, y float64) bool {
		return !math.IsNaN(x) && !math.IsInf(x, 0) && !math.IsNaN(y) && !math.IsInf(y, 0) &&
			(!fig.LogX || x > 0) && (!fig.LogY || y > 0)
	}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ci := 0
	for _, s := range fig.Series {
		var xy plotter.XYs
		var errs plotter.YErrors
		for i := range s.X {
			if ok(s.X[i], s.Y[i]) {
				xy = append(xy, plotter.XY{X: s.X[i], Y: s.Y[i]})
				xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
				if s.Err != nil {
					errs = append(errs, struct{ Low, High float64 }{s.Err[i], s.Err[i]})
				}
			}
		}
		if len(xy) == 0 {
			continue
		}
		col := palette[ci%len(palette)]
		if s.Style == "dashed" {
			col = color.Black
		} else {
			ci++
		}
		switch s.Style {
		case "points":
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = col, vg.Points(2), draw.CircleGlyph{}
			p.Add(sc)
			p.Legend.Add(s.Name, sc)
			if s.Err != nil && len(errs) == len(xy) {
				eb := &plotter.YErrorBars{XYs: xy, YErrors: errs, LineStyle: draw.LineStyle{Color: col, Width: vg.Points(1)}, CapWidth: vg.Points(4)}
				p.Add(eb)
			}
		default:
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color, l.Width = col, vg.Points(1.5)
			if s.Style == "dashed" {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			if s.Style == "linepoints" {
				sc, _ := plotter.NewScatter(xy)
				sc.GlyphStyle.Color, sc.GlyphStyle.Radius = col, vg.Points(2.5)
				p.Add(sc)
				p.Legend.Add(s.Name, l, sc)
			} else {
				p.Legend.Add(s.Name, l)
			}
			if s.Err != nil && len(errs) == len(xy) {
				// A band of ± Err drawn as two thin lines.
				lo, hi := make(plotter.XYs, len(xy)), make(plotter.XYs, len(xy))
				for i := range xy {
					lo[i] = plotter.XY{X: xy[i].X, Y: xy[i].Y - errs[i].Low}
					hi[i] = plotter.XY{X: xy[i].X, Y: xy[i].Y + errs[i].High}
				}
				for _, b := range []plotter.XYs{lo, hi} {
					if bl, err := plotter.NewLine(b); err == nil {
						bl.Color, bl.Width = col, vg.Points(0.5)
						bl.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
						p.Add(bl)
					}
				}
			}
		}
	}
	for _, m := range fig.HLines {
		if !ok(xmin, m.At) || !ok(xmax, m.At) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: m.At}, {X: xmax, Y: m.At}})
		if err != nil {
			return err
		}
		l.Color, l.Dashes = color.RGBA{120, 120, 120, 255}, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		p.Legend.Add(m.Label, l)
	}
	for _, m := range fig.VLines {
		if math.IsNaN(m.At) {
			continue
		}
		p.Add(vline{at: m.At, color: color.RGBA{120, 120, 120, 255}})
		l, _ := plotter.NewLine(plotter.XYs{{X: m.At, Y: 0}, {X: m.At, Y: 0}})
		l.Color, l.Dashes = color.RGBA{120, 120, 120, 255}, []vg.Length{vg.Points(4), vg.Points(2)}
		p.Legend.Add(m.Label, l)
	}
	if len(fig.Notes) > 0 {
		p.Title.Text += "\n" + strings.Join(fig.Notes, "; ")
	}
	return lfplot.Save(legendBeside{p}, path, 8.5*vg.Inch, 4.5*vg.Inch)
}

// legendBeside draws a plot with its legend to the right of the plot area, where it can
// hide no data.
type legendBeside struct{ p *plot.Plot }

func (l legendBeside) Draw(c draw.Canvas) {
	leg := l.p.Legend
	w := leg.Rectangle(c).Size().X + vg.Points(12)
	// Draw the plot without its legend (plot.Plot.Draw always draws it), then the legend.
	l.p.Legend = plot.NewLegend()
	l.p.Draw(draw.Crop(c, 0, -w, 0, 0))
	l.p.Legend = leg
	leg.Left, leg.Top = true, true
	leg.XOffs, leg.YOffs = vg.Points(6), -vg.Points(30)
	leg.Draw(draw.Crop(c, c.Size().X-w, 0, 0, 0))
}

// vline is a vertical line across the whole plot area.
type vline struct {
	at    float64
	color color.Color
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x := tx(v.at)
	if x < c.Min.X || x > c.Max.X {
		return
	}
	c.StrokeLine2(draw.LineStyle{Color: v.color, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}, x, c.Min.Y, x, c.Max.Y)
}
