package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
)

// LinearTicks is the house ticker of a linear axis: 1-2-5 steps, minor ticks between, and
// labels with the fewest digits that tell the ticks apart (never two equal labels).
type LinearTicks struct{}

// Ticks implements gonum/plot's Ticker.
func (LinearTicks) Ticks(min, max float64) []gplot.Tick { return niceTicks{}.Ticks(min, max) }

// LogTicks is the house ticker of a logarithmic axis: every decade labelled up to about
// eight labels, every 2nd, 5th, 10th, … decade over more (counted from the lowest one shown),
// 1-2-5 or 1…9 labels over a decade or less, never fewer than two labels.
type LogTicks struct{}

// Ticks implements gonum/plot's Ticker.
func (LogTicks) Ticks(min, max float64) []gplot.Tick { return logAxisTicks{}.Ticks(min, max) }

var (
	_ gplot.Ticker = LinearTicks{}
	_ gplot.Ticker = LogTicks{}
	_ gplot.Ticker = OffsetTicks{}
)

// OffsetTicks labels a linear axis by (v − Base)/Scale: the ticker of a nearly constant
// quantity (Base is then a round value inside the range) or of one far from 1 in magnitude
// (Base 0, Scale a power of ten). The axis label must say so; see Offset.
type OffsetTicks struct {
	Base, Scale float64
}

// Ticks implements gonum/plot's Ticker.
func (o OffsetTicks) Ticks(min, max float64) []gplot.Tick {
	ts := niceTicks{}.Ticks((min-o.Base)/o.Scale, (max-o.Base)/o.Scale)
	for k := range ts {
		ts[k].Value = o.Base + ts[k].Value*o.Scale
	}
	return ts
}

// Offset returns the ticker of a linear axis over [lo, hi] and the text to append to its
// label, when the plain labels would not read: for a nearly constant quantity (a range
// narrower than 10⁻³ of its magnitude, where labels would need five digits or more to differ)
// the ticks are offsets from a round base, in units of a power of ten: " − 3.9375 (×10⁻⁶)";
// for a quantity below 10⁻³ or from 10⁵ up, the labels are in units of its power of ten:
// " (×10⁻²⁰)". Otherwise ok is false.
func Offset(lo, hi float64) (t OffsetTicks, suffix string, ok bool) {
	span := hi - lo
	mag := math.Max(math.Abs(lo), math.Abs(hi))
	if !(span > 0) || math.IsInf(span, 0) || math.IsNaN(mag) {
		return t, "", false
	}
	if span < 1e-3*mag {
		e := math.Floor(math.Log10(span))
		unit := math.Pow(10, e+1)
		base := math.Round((lo+hi)/2/unit) * unit
		digits := max(0, -int(e+1))
		b := strconv.FormatFloat(base, 'f', digits, 64)
		if math.Abs(base) >= 1e6 || math.Abs(base) < 1e-4 && base != 0 {
			b = sciMarkup(strconv.FormatFloat(base, 'e', -1, 64))
		}
		if strings.Contains(b, ".") && !strings.Contains(b, "$") {
			b = strings.TrimRight(strings.TrimRight(b, "0"), ".")
		}
		sign := " − "
		if base < 0 {
			sign, b = " + ", strings.TrimPrefix(b, "-")
		}
		scale := math.Pow(10, e)
		// A range from 0 up or down is not an offset but a small quantity.
		if base != 0 {
			return OffsetTicks{Base: base, Scale: scale}, sign + b + unitText(int(e)), true
		}
	}
	if mag >= 1e5 || mag < 1e-3 {
		e := math.Floor(math.Log10(mag))
		return OffsetTicks{Scale: math.Pow(10, e)}, unitText(int(e)), true
	}
	return t, "", false
}

func unitText(e int) string {
	if e == 0 {
		return ""
	}
	return fmt.Sprintf(" (×$10^{%d}$)", e)
}

// sciMarkup writes a number in e notation ("2.5e-06") as "$2.5×10^{-6}$", and "1e-06" as
// "$10^{-6}$".
func sciMarkup(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	x, err := strconv.Atoi(e)
	if err != nil {
		return s
	}
	neg := strings.HasPrefix(m, "-")
	m = strings.TrimPrefix(m, "-")
	if strings.Contains(m, ".") {
		m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
	}
	out := fmt.Sprintf("10^{%d}", x)
	if m != "1" {
		out = m + "×" + out
	}
	if neg {
		out = "-" + out
	}
	return "$" + out + "$"
}

// TickValue reads a tick label back as a number: decimals, a minus sign (U+2212), and the
// markup of a power of ten ("$2×10^{-5}$", "$10^{4}$"). It is what a reader of the figure
// reads, and what tests check the labels by.
func TickValue(label string) (float64, error) {
	s := strings.NewReplacer("−", "-", "$", "", "{", "", "}", "").Replace(label)
	if m, e, ok := strings.Cut(s, "10^"); ok {
		x, err := strconv.Atoi(e)
		if err != nil {
			return 0, fmt.Errorf("plot: tick label %q", label)
		}
		mant := 1.0
		neg := false
		if m != "" {
			m = strings.TrimSuffix(m, "×")
			if m == "-" {
				neg = true
			} else if mant, err = strconv.ParseFloat(m, 64); err != nil {
				return 0, fmt.Errorf("plot: tick label %q", label)
			}
		}
		v, err := strconv.ParseFloat(fmt.Sprintf("%ge%d", mant, x), 64)
		if neg {
			v = -v
		}
		return v, err
	}
	return strconv.ParseFloat(s, 64)
}
