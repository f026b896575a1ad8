package analysis

// Curve is one curve or point set of a figure.
type Curve struct {
	Name string
	X, Y []float64
	// Style is "line", "dashed" (theory: drawn black and dashed), "points", "linepoints",
	// or "floor" (a level reached by round-off, not resolved data: drawn as a shaded band).
	Style string
	// Err, when not nil, holds ± error bars (or a band for lines) for Y.
	Err []float64
}

// Mark is a labelled vertical or horizontal line.
type Mark struct {
	At    float64
	Label string
}

// Figure is the data of one figure: what is drawn, independent of how.
type Figure struct {
	// Name is the file stem (figure and CSV).
	Name, Title, XLabel, YLabel string
	LogX, LogY                  bool
	Series                      []Curve
	VLines, HLines              []Mark
	// Notes are written on the figure (for example a cut trajectory's status).
	Notes []string
}
