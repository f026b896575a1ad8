package plot

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// MathText is the text handler of every figure: plain text, with mathematics between dollar
// signs typeset as in TeX, in a small subset that needs no TeX engine:
//
//	$D_{12}$, $w_1^2$     subscripts and superscripts (a braced group or one character)
//	$λ$, $\lambda$        Greek letters, written directly or as TeX macros, in italic
//	$t$, $S = 2/λ$         single letters in italic, words ("ln", "min") upright
//	$\|D\|$, $\cdot$, …   a few symbols (see mathMacros); "-" becomes a minus sign
//
// gonum/plot's own text.Latex handler (v0.17) cannot be used instead: its TeX engine, go-latex
// v0.2, panics on every subscript and superscript and on characters such as "−", "‖" and "²".
// MathText never panics: an unknown macro is drawn as written, and an unmatched dollar sign is
// drawn as a dollar sign. The glyphs come from the fonts of the cache (Liberation Serif, which
// holds Greek and the mathematical symbols used here).
type MathText struct {
	Fonts *font.Cache
}

var _ text.Handler = MathText{}

// Cache returns the cache of fonts used by the handler.
func (h MathText) Cache() *font.Cache { return h.Fonts }

// Extents returns the extents of the font: those of its upright face, as for plain text.
func (h MathText) Extents(fnt font.Font) font.Extents {
	face := h.Fonts.Lookup(fnt, fnt.Size)
	return face.Extents()
}

// Lines splits a text into lines.
func (h MathText) Lines(txt string) []string {
	return strings.Split(strings.TrimRight(txt, "\n"), "\n")
}

// Box returns the width of a line of text, its height above the baseline and its depth
// below it (at least those of the font, so that plain text measures as with text.Plain).
func (h MathText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	_, w, a, d := h.layout(txt, fnt)
	return w, a, d
}

// Draw draws the text at pt with the style's font, colour, alignment and rotation, placed
// as text.Plain places plain text.
func (h MathText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if txt == "" {
		return
	}
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
		defer c.Pop()
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	ext := h.Extents(sty.Font)
	lines := h.Lines(txt)
	pt.Y += sty.Height(txt)*vg.Length(sty.YAlign) - ext.Ascent
	for i, line := range lines {
		glyphs, w, _, _ := h.layout(line, sty.Font)
		base := pt.Add(vg.Point{X: vg.Length(sty.XAlign) * w, Y: vg.Length(len(lines)-i) * sty.Font.Size})
		for _, g := range glyphs {
			at := base.Add(g.at)
			if g.flip {
				// Mirror about the line at half the capitals' height above the baseline.
				c.Push()
				c.Translate(vg.Point{Y: 2*at.Y + g.font.Size*capHeight})
				c.Scale(1, -1)
				c.FillString(h.Fonts.Lookup(g.font, g.font.Size), at, g.s)
				c.Pop()
				continue
			}
			c.FillString(h.Fonts.Lookup(g.font, g.font.Size), at, g.s)
		}
	}
}

// glyphRun is a piece of text in one font at an offset from the start of the baseline;
// flip draws it upside down about the middle of its capitals (a Δ as ∇).
type glyphRun struct {
	s    string
	font font.Font
	at   vg.Point
	flip bool
}

// capHeight is the height of the capitals of Liberation Serif (Times' metrics), in ems.
const capHeight = 0.662

// Script sizes and offsets, as fractions of the font size of the text they attach to
// (close to TeX's defaults for a 10 pt text).
const (
	scriptScale = 0.7
	subDrop     = 0.22
	supRise     = 0.42
)

// layout places the runs of a line of text; it returns them with the line's width, and its
// height above and depth below the baseline.
func (h MathText) layout(txt string, fnt font.Font) (runs []glyphRun, w, asc, desc vg.Length) {
	e := h.Extents(fnt)
	asc, desc = e.Ascent, e.Descent
	l := &layouter{h: h}
	for k, seg := range splitMath(txt) {
		if seg == "" {
			continue
		}
		if k%2 == 0 {
			l.put(seg, fnt, false, 0)
		} else {
			l.math(seg, fnt, 0, false)
		}
	}
	for _, r := range l.runs {
		re := h.Extents(r.font)
		asc = max(asc, r.at.Y+re.Ascent)
		desc = max(desc, re.Descent-r.at.Y)
	}
	return l.runs, l.x, asc, desc
}

// splitMath splits txt at its dollar signs: text, mathematics, text, … An unmatched last
// dollar sign is text.
func splitMath(txt string) []string {
	segs := strings.Split(txt, "$")
	if n := len(segs); n%2 == 0 {
		// An odd number of dollar signs: the last one opens no mathematics, it is text.
		segs[n-2] += "$" + segs[n-1]
		segs = segs[:n-1]
	}
	return segs
}

type layouter struct {
	h    MathText
	runs []glyphRun
	x    vg.Length
}

// put appends s in fnt (italic or upright) with its baseline raised by rise. Liberation
// has no ∇: it is set as a Δ turned upside down (see glyphRun).
func (l *layouter) put(s string, fnt font.Font, italic bool, rise vg.Length) {
	if s == "" {
		return
	}
	f := fnt
	if italic {
		f.Typeface += italicSuffix // see houseFonts
	}
	for {
		k := strings.IndexRune(s, '∇')
		if k < 0 {
			break
		}
		l.putRun(s[:k], f, rise)
		up := fnt // upright, as ∇ is
		face := l.h.Fonts.Lookup(up, up.Size)
		l.runs = append(l.runs, glyphRun{s: "Δ", font: up, at: vg.Point{X: l.x, Y: rise}, flip: true})
		l.x += face.Width("Δ")
		s = s[k+len("∇"):]
	}
	l.putRun(s, f, rise)
}

// putRun appends s, all in f, with its baseline raised by rise.
func (l *layouter) putRun(s string, f font.Font, rise vg.Length) {
	if s == "" {
		return
	}
	if n := len(l.runs); n > 0 && l.runs[n-1].font == f && l.runs[n-1].at.Y == rise && !l.runs[n-1].flip {
		// The same font on the same baseline: one run.
		last := &l.runs[n-1]
		last.s += s
		face := l.h.Fonts.Lookup(f, f.Size)
		l.x = last.at.X + face.Width(last.s)
		return
	}
	l.runs = append(l.runs, glyphRun{s: s, font: f, at: vg.Point{X: l.x, Y: rise}})
	face := l.h.Fonts.Lookup(f, f.Size)
	l.x += face.Width(s)
}

// math lays out the mathematics s in fnt with its baseline raised by rise; script marks a
// subscript or superscript, where indices of two letters ("ij") are variables too.
func (l *layouter) math(s string, fnt font.Font, rise vg.Length, script bool) {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == '_' || r == '^':
			// A subscript and a superscript on the same base stack at the same x.
			x0, end := l.x, l.x
			for len(s) > 0 && (s[0] == '_' || s[0] == '^') {
				arg, rest := scriptArg(s[1:])
				f := fnt
				f.Size = fnt.Size * scriptScale
				off := -subDrop * fnt.Size
				if s[0] == '^' {
					off = supRise * fnt.Size
				}
				l.x = x0
				l.math(arg, f, rise+off, true)
				end = max(end, l.x)
				s = rest
			}
			l.x = end
			continue
		case r == '\\':
			name, rest := macroName(s[1:])
			if sym, ok := mathMacros[name]; ok {
				l.put(sym.s, fnt, sym.italic, rise)
			} else {
				l.put(`\`+name, fnt, false, rise)
			}
			s = rest
			continue
		case r == '{' || r == '}':
		case r == '-':
			l.put("−", fnt, false, rise)
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			k := 0
			for k < len(s) && s[k] < utf8.RuneSelf && unicode.IsLetter(rune(s[k])) {
				k++
			}
			// A single letter is a variable, in italic; a word ("ln", "min") is upright.
			limit := 1
			if script {
				limit = 2
			}
			l.put(s[:k], fnt, k <= limit, rise)
			s = s[k:]
			continue
		case unicode.Is(unicode.Greek, r):
			l.put(string(r), fnt, true, rise)
		default:
			l.put(string(r), fnt, false, rise)
		}
		s = s[n:]
	}
}

// scriptArg splits the argument of "_" or "^" off s: a braced group (its content), a macro,
// or one character.
func scriptArg(s string) (arg, rest string) {
	if s == "" {
		return "", ""
	}
	switch s[0] {
	case '{':
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					return s[1:i], s[i+1:]
				}
			}
		}
		return s[1:], "" // unclosed: the rest of the text
	case '\\':
		name, rest := macroName(s[1:])
		return `\` + name, rest
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], s[n:]
}

// macroName splits a macro's name off s (the text after the backslash): a run of letters,
// or one other character ("\|", "\,").
func macroName(s string) (name, rest string) {
	k := 0
	for k < len(s) && s[k] < utf8.RuneSelf && unicode.IsLetter(rune(s[k])) {
		k++
	}
	if k == 0 && s != "" {
		_, k = utf8.DecodeRuneInString(s)
	}
	return s[:k], s[k:]
}

type mathSymbol struct {
	s      string
	italic bool
}

// mathMacros are the TeX macros MathText knows.
var mathMacros = map[string]mathSymbol{
	"alpha": {"α", true}, "beta": {"β", true}, "gamma": {"γ", true}, "delta": {"δ", true},
	"epsilon": {"ε", true}, "varepsilon": {"ε", true}, "eta": {"η", true}, "theta": {"θ", true},
	"kappa": {"κ", true}, "lambda": {"λ", true}, "mu": {"μ", true}, "nu": {"ν", true}, "xi": {"ξ", true},
	"pi": {"π", true}, "rho": {"ρ", true}, "sigma": {"σ", true}, "tau": {"τ", true}, "phi": {"φ", true},
	"chi": {"χ", true}, "psi": {"ψ", true}, "omega": {"ω", true},
	"Gamma": {"Γ", false}, "Delta": {"Δ", false}, "Theta": {"Θ", false}, "Lambda": {"Λ", false},
	"Sigma": {"Σ", false}, "Phi": {"Φ", false}, "Psi": {"Ψ", false}, "Omega": {"Ω", false},
	"|": {"‖", false}, "Vert": {"‖", false}, "cdot": {"·", false}, "times": {"×", false},
	"pm": {"±", false}, "le": {"≤", false}, "leq": {"≤", false}, "ge": {"≥", false}, "geq": {"≥", false},
	"approx": {"≈", false}, "sim": {"∼", false}, "infty": {"∞", false}, "sqrt": {"√", false},
	"nabla": {"∇", false}, "partial": {"∂", false}, "to": {"→", false}, "ast": {"∗", false},
	"ell": {"ℓ", false}, ",": {"\u2009", false}, " ": {" ", false}, "{": {"{", false}, "}": {"}", false},
	"$": {"$", false}, "_": {"_", false}, "ln": {"ln", false}, "exp": {"exp", false}, "log": {"log", false},
	"min": {"min", false}, "max": {"max", false},
}

// Math rewrites a label in the plain notation of the project into the markup of MathText, so
// that data keep readable names (in CSV files and reports) and figures show them typeset:
//
//	D12, w1, D_ij, w_k, L_min   →  $D_{12}$, $w_{1}$, $D_{ij}$, $w_{k}$, $L_{min}$
//	t, S, λ, kλ, 2μt            →  $t$, $S$, $λ$, $kλ$, 2$μt$  (variables in italic)
//	w1², λ²                     →  $w_{1}^{2}$, $λ^{2}$
//	σ₁(W_2), D₁₂                →  $σ_{1}$($W_{2}$), $D_{12}$
//
// Words, numbers ("1e-3") and the articles "a" and "A" are left as they are. A label that
// already holds a dollar sign is taken to be markup and returned unchanged.
func Math(s string) string {
	if strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if rs[i] == '-' && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && (i == 0 || !isWordRune(rs[i-1]) && rs[i-1] != '.') {
			b.WriteRune('−') // a negative number: a minus sign, not a hyphen
			i++
			continue
		}
		if !isWordRune(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isWordRune(rs[j]) {
			j++
		}
		word := string(rs[i:j])
		prev := ' '
		if i > 0 {
			prev = rs[i-1]
		}
		m, lead := mathWord(word)
		if m == "" || prev == '\'' || prev == '’' || prev == '-' && i > 1 && unicode.IsLetter(rs[i-2]) {
			b.WriteString(word)
			i = j
			continue
		}
		// Subscript digits, then superscript digits, right after a variable belong to it.
		var sub, sup []rune
		for !strings.Contains(m, "_") && j < len(rs) && strings.ContainsRune(subDigits, rs[j]) {
			sub = append(sub, rune('0'+slices.Index([]rune(subDigits), rs[j])))
			j++
		}
		for j < len(rs) && strings.ContainsRune(superDigits, rs[j]) {
			sup = append(sup, rune('0'+slices.Index([]rune(superDigits), rs[j])))
			j++
		}
		b.WriteString(lead)
		b.WriteString("$" + m)
		if len(sub) > 0 {
			b.WriteString("_{" + string(sub) + "}")
		}
		if len(sup) > 0 {
			b.WriteString("^{" + string(sup) + "}")
		}
		b.WriteString("$")
		i = j
	}
	return b.String()
}

// superDigits and subDigits are the superscript and the subscript digits 0…9.
const (
	superDigits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	subDigits   = "₀₁₂₃₄₅₆₇₈₉"
)

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// mathWord returns the markup of a word that names a variable, and the digits before it
// ("2μt" → "μt" after "2"); "" when the word is not one.
func mathWord(w string) (m, lead string) {
	rs := []rune(w)
	if base, sub, ok := strings.Cut(w, "_"); ok {
		if isVariable(base) && sub != "" && !strings.Contains(sub, "_") {
			return base + "_{" + sub + "}", ""
		}
		return "", ""
	}
	// D12, w1: the imbalances and the weights, indexed without an underscore.
	if (rs[0] == 'D' || rs[0] == 'w') && len(rs) >= 2 && len(rs) <= 3 {
		digits := true
		for _, r := range rs[1:] {
			digits = digits && r >= '0' && r <= '9'
		}
		if digits {
			return string(rs[0]) + "_{" + string(rs[1:]) + "}", ""
		}
	}
	k := 0
	for k < len(rs) && unicode.IsDigit(rs[k]) {
		k++
	}
	rest := string(rs[k:])
	greek := strings.IndexFunc(rest, func(r rune) bool { return unicode.Is(unicode.Greek, r) }) >= 0
	if k > 0 && !greek {
		return "", ""
	}
	if isVariable(rest) || greek && len([]rune(rest)) <= 3 {
		return rest, string(rs[:k])
	}
	return "", ""
}

// isVariable reports whether w is one Latin or Greek letter other than the articles "a" and
// "A".
func isVariable(w string) bool {
	rs := []rune(w)
	return len(rs) == 1 && unicode.IsLetter(rs[0]) && rs[0] != 'a' && rs[0] != 'A'
}
