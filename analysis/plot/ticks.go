package plot

import gplot "gonum.org/v1/plot"

// LinearTicks is the house ticker of a linear axis: 1-2-5 steps, minor ticks between, and
// labels with the fewest digits that tell the ticks apart (never two equal labels).
type LinearTicks struct{}

// Ticks implements gonum/plot's Ticker.
func (LinearTicks) Ticks(min, max float64) []gplot.Tick { return niceTicks{}.Ticks(min, max) }

// LogTicks is the house ticker of a logarithmic axis: every decade labelled (every second or
// third over many decades, counted from the lowest one shown), 1-2-5 or 1…9 labels over a
// decade or less.
type LogTicks struct{}

// Ticks implements gonum/plot's Ticker.
func (LogTicks) Ticks(min, max float64) []gplot.Tick { return logAxisTicks{}.Ticks(min, max) }

var (
	_ gplot.Ticker = LinearTicks{}
	_ gplot.Ticker = LogTicks{}
)
