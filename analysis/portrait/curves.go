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
// objective without weight decay (MATH.md §1 and §3): 1 for the plain loss, 1/(1 + σ²) for
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
		x, y := make([]float64, curvePoints), make([]float64, curvePoints)
		for k := range x {
			// Geometric in |x|: even spacing along both arms of the hyperbola.
			t := lo * math.Pow(hi/lo, float64(k)/float64(curvePoints-1))
			x[k], y[k] = sx*t, c/(sx*t)
		}
		for _, piece := range clip(x, y, r) {
			out = append(out, Curve{Label: label, Level: ws, X: piece[0], Y: piece[1]})
		}
	}
	return out, nil
}

// ImbalanceCurves returns the pieces inside r of the level sets D = x² − y² = level of the
// imbalance of the plane's pair of weights (MATH.md §2; conserved by the plain gradient
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
		var branches [][2][]float64
		x0, x1 := make([]float64, curvePoints), make([]float64, curvePoints)
		y0, y1 := make([]float64, curvePoints), make([]float64, curvePoints)
		switch {
		case lv == 0:
			m := math.Max(xm, ym)
			for k := range x0 {
				t := -m + 2*m*float64(k)/float64(curvePoints-1)
				x0[k], y0[k] = t, t
				x1[k], y1[k] = t, -t
			}
		case lv > 0:
			// x = ±√D cosh s, y = √D sinh s.
			a := math.Sqrt(lv)
			sm := math.Asinh(ym / a)
			for k := range x0 {
				s := -sm + 2*sm*float64(k)/float64(curvePoints-1)
				x0[k], y0[k] = a*math.Cosh(s), a*math.Sinh(s)
				x1[k], y1[k] = -x0[k], y0[k]
			}
		default:
			// y = ±√−D cosh s, x = √−D sinh s.
			a := math.Sqrt(-lv)
			sm := math.Asinh(xm / a)
			for k := range x0 {
				s := -sm + 2*sm*float64(k)/float64(curvePoints-1)
				x0[k], y0[k] = a*math.Sinh(s), a*math.Cosh(s)
				x1[k], y1[k] = x0[k], -y0[k]
			}
		}
		branches = append(branches, [2][]float64{x0, y0}, [2][]float64{x1, y1})
		for _, b := range branches {
			for _, piece := range clip(b[0], b[1], r) {
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

// clip cuts the polyline (x, y) into the pieces that lie inside r, adding the points where
// it crosses the boundary. Pieces of fewer than two points are dropped.
func clip(x, y []float64, r Range) [][2][]float64 {
	var out [][2][]float64
	var cx, cy []float64
	flush := func() {
		if len(cx) >= 2 {
			out = append(out, [2][]float64{cx, cy})
		}
		cx, cy = nil, nil
	}
	for k := range x {
		in := r.Contains(x[k], y[k])
		if k > 0 {
			pin := r.Contains(x[k-1], y[k-1])
			if in != pin {
				bx, by := boundary(x[k-1], y[k-1], x[k], y[k], r)
				if pin {
					cx, cy = append(cx, bx), append(cy, by)
					flush()
				} else {
					cx, cy = append(cx, bx), append(cy, by)
				}
			}
		}
		if in {
			cx, cy = append(cx, x[k]), append(cy, y[k])
		}
	}
	flush()
	return out
}

// boundary returns the point where the segment from (x0, y0) to (x1, y1), one end inside r
// and one outside, crosses the boundary of r.
func boundary(x0, y0, x1, y1 float64, r Range) (float64, float64) {
	// Bisection on the segment parameter: robust for any crossing.
	in0 := r.Contains(x0, y0)
	a, b := 0.0, 1.0
	for range 60 {
		m := 0.5 * (a + b)
		if r.Contains(x0+m*(x1-x0), y0+m*(y1-y0)) == in0 {
			a = m
		} else {
			b = m
		}
	}
	t := a
	if !in0 {
		t = b
	}
	return x0 + t*(x1-x0), y0 + t*(y1-y0)
}
