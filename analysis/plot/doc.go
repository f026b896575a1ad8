// Package plot draws the figures of the project with gonum/plot: phase portraits of the
// gradient flows (from the data of analysis/portrait), time series of the loss, the
// imbalance and the sharpness, measured imbalance against its closed-form law, and the
// (|D|, loss) plane in which the two phases of regularized training show as an L
// (claim 4 of reproduce).
//
// Every figure function returns a *Figure, which knows the size and resolution it was laid
// out for; Save writes a Figure or a *plot.Plot of gonum/plot to PNG, SVG, PDF, EPS or JPEG,
// choosing the format by the file's extension and never leaving a half-written file. A PNG
// or JPEG is checked before it is drawn (CheckRaster: at most MaxRasterPixels pixels, and
// RasterBytesPerPixel each within the memory budget of package budget); SaveContext and
// Figure.WithContext stop a drawing when a context is done, writing nothing.
//
// One house style serves every figure: a Style (preset "paper", 3.4 in wide with 8 pt
// labels, or "slides", and explicit width, height, font size and resolution) in the options
// of each figure function. Labels are typeset by MathText, a text handler for plain text with
// $…$ mathematics (subscripts, superscripts, Greek in italic); Math rewrites the plain
// notation of the project (D12, D_ij, w1², σ₁, λ) into it. Ticks label with the fewest digits that
// tell them apart, a nearly constant axis as offsets from a base (Offset), and a logarithmic
// axis by its decades. Legends go into the corner of the data area that covers no data, else
// under the axes in columns. The label of a vertical axis is measured glyph by glyph and never
// runs past its axis or the canvas (the unit of its ticks moves above the axis, then the label
// breaks, then shrinks). Reference lines far from the data do not set the axes: they are named
// off the axis instead. Chart draws the figures of analysis (those of reproduce), with a
// panel of relative deviations under measured-against-theory data, ± error bands filled and
// round-off levels shaded as such; TimeSeries and ImbalanceLoss shade the integrator's error
// level of continuous runs the same way when the caller computed it
// (analysis.Comparison.LossLevel).
//
// Trajectories are flow.Trajectory values, continuous or discrete alike. A trajectory is
// drawn up to its first non-finite point (gonum's plotter.NewLine refuses NaN and Inf);
// the figure then carries a note with the trajectory's Status. Labels choose the style:
// the discrete methods ("gd", "sgd", "noisy-gd", "noisy-sgd", see IsDiscrete) are drawn as
// dots joined by thin lines, the continuous ones ("flow", "modified", "flow-wd", …) as
// lines, each label in its own colour (Okabe & Ito's colour-blind safe palette).
//
// The phase portraits follow pplane and XPPAUT: arrows of equal length with heads,
// coloured by the speed |∇F| on a logarithmic scale (gonum's plotter.Field would scale
// them by |v| and lose them near the equilibria), an equal aspect ratio, equilibria marked
// by type, the separatrices of the saddles. NetPortrait draws the plane of a network with
// matrix layers (a slice through the start, or a projection on top singular values) in the
// same layout. The time-series figures follow Cohen et al.,
// Edge of Stability (2021; sharpness against the 2/λ line) and Kunin et al., Neural
// Mechanics (2021; measured quantities in colour, theory dashed black).
//
// For parameter sweeps, StabilityMap draws the final sharpness of every run against its
// learning rate with the bound S = 2/λ and the diverged runs marked, and HeatMap a value
// over the grid of two swept parameters, cells at their grid index with the parameter
// values as tick labels, viridis colours, missing cells hatched grey.
//
// The package prints nothing.
package plot
