package portrait

import (
	"fmt"
	"math"
	"strconv"
)

// Curve is one connected piece of a curve inside a range, as a polyline in plane
// coordinates.
type Curve struct {
	// Label names the curve: "W = 1", "D = 2", …
	Label string `json:"label"`
	// Level is the value of the quantity on the curve (W or D).
	Level float64   `json:"level"`
	X     []float64 `json:"x"`
	Y     []float64 `json:"y"`
}

// curvePoints is the number of samples along a branch before clipping.
const curvePoints = 400

// MinimaLevel returns W*, the product of the weights on the manifold of minima of the
// objective without weight decay (package flow, The model and Gradient flows): 1 for the plain loss, 1/(1 + σ²) for
// the expected loss under input noise σ. With weight decay μ > 0 the minima of F are
// isolated points (found by Equilibria); W* is then that of the loss without decay.
func MinimaLevel(p Plane) float64 {
	s := p.Objective.Noise
	return 1 / (1 + s*s)
}

// MinimaCurves returns the pieces of the curve W = W* (MinimaLevel) inside r. On the plane
// W = x·y·P with P the product of the fixed weights, so the curve is the hyperbola
// x·y = W*/P (no curve when P = 0). With weight decay the label says that the curve is the
// manifold of minima of the loss without decay: "W = 1 (minima of L)".
func MinimaCurves(p Plane, r Range) ([]Curve, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	ws := MinimaLevel(p)
	label := "W = " + strconv.FormatFloat(ws, 'g', 4, 64)
	switch {
	case p.Objective.WeightDecay > 0 && p.Objective.Noise > 0:
		label += " (minima without decay)"
	case p.Objective.WeightDecay > 0:
		label += " (minima of L)"
	}
	pf := p.Fixed()
	if pf == 0 {
		return nil, nil
	}
	c := ws / pf
	var out []Curve
	ymax := math.Max(math.Abs(r.YMin), math.Abs(r.YMax))
	xmax := math.Max(math.Abs(r.XMin), math.Abs(r.XMax))
	lo, hi := math.Abs(c)/ymax, xmax
	if !(lo < hi) {
		return nil, nil
	}
	for _, sx := range [2]float64{1, -1} {
		// Geometric in |x| (x = ±e^s): even spacing along both arms of the hyperbola.
		f := func(s float64) (float64, float64) {
			x := sx * math.Exp(s)
			return x, c / x
		}
		for _, piece := range clip(f, math.Log(lo), math.Log(hi), curvePoints, r) {
			out = append(out, Curve{Label: label, Level: ws, X: piece[0], Y: piece[1]})
		}
	}
	return out, nil
}

// ImbalanceCurves returns the pieces inside r of the level sets D = x² − y² = level of the
// imbalance of the plane's pair of weights (package flow, Imbalance and flatness; conserved by the plain gradient
// flow, so the flow of L moves along them), for each level: two branches of a hyperbola, or
// the diagonals y = ±x for D = 0. Labels read "D = 2" for depth 2 and "D13 = 2" for the
// pair (w1, w3) of a deeper network.
func ImbalanceCurves(p Plane, r Range, levels []float64) ([]Curve, error) {
	if err := check(p, r); err != nil {
		return nil, err
	}
	name := "D"
	if p.Objective.Depth > 2 {
		i, j := p.Axes()
		name = fmt.Sprintf("D%d%d", i+1, j+1)
	}
	xm := math.Max(math.Abs(r.XMin), math.Abs(r.XMax))
	ym := math.Max(math.Abs(r.YMin), math.Abs(r.YMax))
	var out []Curve
	for _, lv := range levels {
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			return nil, fmt.Errorf("portrait: imbalance level %v is not finite", lv)
		}
		label := name + " = " + strconv.FormatFloat(lv, 'g', 4, 64)
		var fs [2]func(s float64) (float64, float64)
		var sm float64
		switch {
		case lv == 0:
			sm = math.Max(xm, ym)
			fs[0] = func(s float64) (float64, float64) { return s, s }
			fs[1] = func(s float64) (float64, float64) { return s, -s }
		case lv > 0:
			// x = ±√D cosh s, y = √D sinh s.
			a := math.Sqrt(lv)
			sm = math.Asinh(ym / a)
			fs[0] = func(s float64) (float64, float64) { return a * math.Cosh(s), a * math.Sinh(s) }
			fs[1] = func(s float64) (float64, float64) { return -a * math.Cosh(s), a * math.Sinh(s) }
		default:
			// y = ±√−D cosh s, x = √−D sinh s.
			a := math.Sqrt(-lv)
			sm = math.Asinh(xm / a)
			fs[0] = func(s float64) (float64, float64) { return a * math.Sinh(s), a * math.Cosh(s) }
			fs[1] = func(s float64) (float64, float64) { return a * math.Sinh(s), -a * math.Cosh(s) }
		}
		for _, f := range fs {
			for _, piece := range clip(f, -sm, sm, curvePoints, r) {
				out = append(out, Curve{Label: label, Level: lv, X: piece[0], Y: piece[1]})
			}
		}
	}
	return out, nil
}

// DefaultLevels returns imbalance levels for r: ±step, ±2·step, ±3·step with step a
// 1-2-5 number near a third of the largest |D| in r, keeping those below 90 % of it.
// Level 0 is left out: for the plain loss it is the pair of separatrices of the origin.
func DefaultLevels(r Range) []float64 {
	xm := math.Max(math.Abs(r.XMin), math.Abs(r.XMax))
	ym := math.Max(math.Abs(r.YMin), math.Abs(r.YMax))
	m := math.Max(xm*xm, ym*ym)
	if !(m > 0) || math.IsInf(m, 0) {
		return nil
	}
	step := nice(m / 3)
	var lv []float64
	for k := 1; k <= 3; k++ {
		v := float64(k) * step
		if v >= 0.9*m {
			break
		}
		lv = append(lv, -v, v)
	}
	return lv
}

// nice rounds v > 0 down to 1, 2 or 5 times a power of ten.
func nice(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	f := v / e
	switch {
	case f >= 5:
		return 5 * e
	case f >= 2:
		return 2 * e
	default:
		return e
	}
}

// clip samples the parametric curve f at n equally spaced parameters in [s0, s1] and cuts it
// into the pieces that lie inside r. Where the curve crosses the boundary of r the crossing
// is located by bisection on the parameter, so that every point returned lies on the curve.
// Pieces of fewer than two points are dropped.
func clip(f func(s float64) (x, y float64), s0, s1 float64, n int, r Range) [][2][]float64 {
	var out [][2][]float64
	var cx, cy []float64
	flush := func() {
		if len(cx) >= 2 {
			out = append(out, [2][]float64{cx, cy})
		}
		cx, cy = nil, nil
	}
	in := func(s float64) bool { return r.Contains(f(s)) }
	param := func(k int) float64 {
		if k == n-1 {
			return s1
		}
		return s0 + (s1-s0)*float64(k)/float64(n-1)
	}
	prev := 0.0
	for k := range n {
		sk := param(k)
		x, y := f(sk)
		inside := r.Contains(x, y)
		if k > 0 && inside != in(prev) {
			// Bisection keeps a inside-or-outside like prev and b like sk.
			a, b := prev, sk
			pin := in(prev)
			for range 60 {
				m := 0.5 * (a + b)
				if in(m) == pin {
					a = m
				} else {
					b = m
				}
			}
			edge := a
			if !pin {
				edge = b
			}
			bx, by := f(edge)
			cx, cy = append(cx, bx), append(cy, by)
			if pin {
				flush()
			}
		}
		if inside {
			cx, cy = append(cx, x), append(cy, y)
		}
		prev = sk
	}
	flush()
	return out
}
