package analysis

import (
	"strconv"
	"strings"
	"unicode"
)

// Curve is one curve or point set of a figure.
type Curve struct {
	// Name is the legend entry; Key names the curve in the figure's data (snake_case, empty:
	// derived from Name by Keys).
	Name, Key string
	X, Y      []float64
	// Style is "line", "dashed" (theory: drawn black and dashed), "points", "linepoints",
	// or "floor" (a level reached by round-off, not resolved data: drawn as a shaded band).
	Style string
	// Err, when not nil, holds ± error bars (or a band for lines) for Y.
	Err []float64
	// OwnLaw marks a measured curve that follows another law than the figure's theory
	// curve (a conserved quantity beside a decaying one): it is not compared with that
	// curve in a panel of deviations.
	OwnLaw bool
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

// Keys returns the figure's curve keys in the order of Series: each Key, or for an empty one
// the Name in snake_case (Greek letters spelt out, other symbols dropped), made unique within
// the figure by a suffix _2, _3, ….
func (f Figure) Keys() []string {
	keys := make([]string, len(f.Series))
	seen := map[string]int{}
	for i, c := range f.Series {
		k := c.Key
		if k == "" {
			k = SnakeCase(c.Name)
		}
		if k == "" {
			k = "series"
		}
		seen[k]++
		if n := seen[k]; n > 1 {
			k += "_" + strconv.Itoa(n)
		}
		keys[i] = k
	}
	return keys
}

// greek spells out the letters and superscripts that labels use.
var greek = map[rune]string{
	'α': "alpha", 'β': "beta", 'γ': "gamma", 'δ': "delta", 'ε': "eps", 'η': "eta", 'θ': "theta",
	'κ': "kappa", 'λ': "lambda", 'μ': "mu", 'ν': "nu", 'π': "pi", 'ρ': "rho", 'σ': "sigma",
	'τ': "tau", 'φ': "phi", 'χ': "chi", 'ψ': "psi", 'ω': "omega", 'Δ': "delta", 'Σ': "sigma",
	'⁰': "0", '¹': "1", '²': "2", '³': "3", '₀': "0", '₁': "1", '₂': "2", '₃': "3",
}

// SnakeCase turns a label into a snake_case name: "‖D_1‖" is "d_1", "σ_2" is "sigma_2",
// "λ²E[ρ²] (law)" is "lambda_2_e_rho_2_law": a Greek letter or a superscript is a word of its own.
func SnakeCase(s string) string {
	var b strings.Builder
	sep := false
	put := func(w string) {
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteString(w)
	}
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			put(string(unicode.ToLower(r)))
		case greek[r] != "":
			sep = true
			put(greek[r])
			sep = true
		default:
			sep = true
		}
	}
	return b.String()
}

// point writes weights as a point of the plane for a figure's title: "(4, 0.25)".
func point(w []float64) string {
	parts := make([]string, len(w))
	for i, v := range w {
		parts[i] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
