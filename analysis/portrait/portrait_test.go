package portrait

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/fused"
)

var sqrtHalf = math.Sqrt(0.5)

// near reports whether the unit vector v is ±(x, y) within tol.
func near(v []float64, x, y, tol float64) bool {
	return math.Abs(v[0]-x) <= tol && math.Abs(v[1]-y) <= tol ||
		math.Abs(v[0]+x) <= tol && math.Abs(v[1]+y) <= tol
}

func count(eqs []Equilibrium) map[Type]int {
	n := map[Type]int{}
	for _, e := range eqs {
		n[e.Type]++
	}
	return n
}

// TestEquilibriaPlain checks package flow, The model for d = 2: the origin is a saddle of the flow with
// J = [[0, 1], [1, 0]], eigenvalue +1 along w1 = w2 (unstable) and −1 along w1 = −w2
// (stable); every other equilibrium lies on w1w2 = 1 and is degenerate.
func TestEquilibriaPlain(t *testing.T) {
	p := Plane{Objective: flow.Objective{Depth: 2}}
	eqs, err := Equilibria(p, DefaultRange, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := count(eqs)
	if n[Saddle] != 1 || n[Degenerate] < 20 || len(eqs) != n[Saddle]+n[Degenerate] {
		t.Fatalf("types %v: want one saddle and ≥ 20 degenerate points", n)
	}
	o := eqs[0]
	if o.Type != Saddle || math.Hypot(o.X, o.Y) > 1e-12 {
		t.Fatalf("first equilibrium %v at (%g, %g), want the saddle at the origin", o.Type, o.X, o.Y)
	}
	if math.Abs(o.Eigen[0].Re+1) > 1e-12 || math.Abs(o.Eigen[1].Re-1) > 1e-12 || o.Eigen[0].Im != 0 || o.Eigen[1].Im != 0 {
		t.Errorf("saddle eigenvalues %v, %v; want −1, +1", o.Eigen[0], o.Eigen[1])
	}
	if !near(o.Eigen[0].Vector, sqrtHalf, -sqrtHalf, 1e-12) {
		t.Errorf("stable eigenvector %v, want along w1 = −w2", o.Eigen[0].Vector)
	}
	if !near(o.Eigen[1].Vector, sqrtHalf, sqrtHalf, 1e-12) {
		t.Errorf("unstable eigenvector %v, want along w1 = w2", o.Eigen[1].Vector)
	}
	for _, e := range eqs[1:] {
		if math.Abs(e.X*e.Y-1) > 1e-12 {
			t.Errorf("degenerate point (%g, %g): w1w2 − 1 = %g", e.X, e.Y, e.X*e.Y-1)
		}
		// On the manifold J = −g gᵀ: eigenvalues 0 and −S = −(w1² + w2²) (package flow, Imbalance and flatness).
		s := e.X*e.X + e.Y*e.Y
		if math.Abs(e.Eigen[0].Re+s) > 1e-12*s || math.Abs(e.Eigen[1].Re) > 1e-12*s {
			t.Errorf("(%g, %g): eigenvalues %g, %g; want −%g, 0", e.X, e.Y, e.Eigen[0].Re, e.Eigen[1].Re, s)
		}
		if !DefaultRange.Contains(e.X, e.Y) {
			t.Errorf("(%g, %g) outside the range", e.X, e.Y)
		}
	}
}

// TestEquilibriaRegularized checks package flow, Gradient flows: with weight decay μ the minima of d = 2 are
// the balanced points w1 = w2 = ±√(1 − μ) (w1w2 > 0), stable nodes where H = [[1, 1−2μ],
// [1−2μ, 1]], so J has the eigenvalues −2μ and −(2 − 2μ); the origin stays a saddle with
// eigenvalues −μ ± 1. Under input noise σ the degenerate points lie on W = 1/(1 + σ²).
func TestEquilibriaRegularized(t *testing.T) {
	for _, mu := range []float64{0.1, 0.3, 0.6} {
		p := Plane{Objective: flow.Objective{Depth: 2, WeightDecay: mu}}
		eqs, err := Equilibria(p, DefaultRange, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(eqs); n[StableNode] != 2 || n[Saddle] != 1 || len(eqs) != 3 {
			t.Fatalf("μ = %g: types %v, want 2 stable nodes and a saddle", mu, n)
		}
		w := math.Sqrt(1 - mu)
		for _, e := range eqs {
			switch e.Type {
			case StableNode:
				if math.Abs(math.Abs(e.X)-w) > 1e-12 || e.X != e.Y {
					t.Errorf("μ = %g: minimum (%.16g, %.16g), want ±(%.16g, %.16g)", mu, e.X, e.Y, w, w)
				}
				lo, hi := -(2 - 2*mu), -2*mu
				if mu > 0.5 {
					lo, hi = hi, lo
				}
				if math.Abs(e.Eigen[0].Re-lo) > 1e-12 || math.Abs(e.Eigen[1].Re-hi) > 1e-12 {
					t.Errorf("μ = %g: eigenvalues %g, %g, want %g, %g", mu, e.Eigen[0].Re, e.Eigen[1].Re, lo, hi)
				}
			case Saddle:
				if math.Hypot(e.X, e.Y) > 1e-12 || math.Abs(e.Eigen[0].Re-(-mu-1)) > 1e-12 || math.Abs(e.Eigen[1].Re-(-mu+1)) > 1e-12 {
					t.Errorf("μ = %g: saddle at (%g, %g) with eigenvalues %g, %g", mu, e.X, e.Y, e.Eigen[0].Re, e.Eigen[1].Re)
				}
			}
		}
	}
	const sigma = 0.5
	p := Plane{Objective: flow.Objective{Depth: 2, Noise: sigma}}
	eqs, err := Equilibria(p, DefaultRange, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := 1 / (1 + sigma*sigma)
	if MinimaLevel(p) != ws {
		t.Errorf("MinimaLevel = %g, want %g", MinimaLevel(p), ws)
	}
	for _, e := range eqs {
		if e.Type == Degenerate && math.Abs(e.X*e.Y-ws) > 1e-12 {
			t.Errorf("σ = %g: degenerate point with W = %.16g, want %.16g", sigma, e.X*e.Y, ws)
		}
	}
	if n := count(eqs); n[Degenerate] < 20 || n[Saddle] != 1 {
		t.Errorf("σ = %g: types %v", sigma, n)
	}
}

// TestSlice checks a depth-3 slice (w1, w3) with w2 = b fixed: W = b·x·y, so the origin is
// a saddle with J = [[0, b], [b, 0]] and the degenerate points lie on b·x·y = 1. With w2 = 0
// and weight decay μ the slice has F = ½ + (μ/2)(x² + y²): the origin is a stable node
// with J = −μI.
func TestSlice(t *testing.T) {
	const b = 0.7
	p := Plane{Objective: flow.Objective{Depth: 3}, I: 0, J: 2, Base: []float64{9, b, 9}}
	if got := p.Caption(); got != "w2 = 0.7 fixed" {
		t.Errorf("caption %q", got)
	}
	if x, y := p.AxisNames(); x != "w1" || y != "w3" {
		t.Errorf("axis names %s, %s", x, y)
	}
	eqs, err := Equilibria(p, DefaultRange, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := eqs[0]
	if o.Type != Saddle || math.Hypot(o.X, o.Y) > 1e-12 || math.Abs(o.Eigen[0].Re+b) > 1e-12 || math.Abs(o.Eigen[1].Re-b) > 1e-12 {
		t.Errorf("origin: %v at (%g, %g), eigenvalues %v", o.Type, o.X, o.Y, o.Eigen)
	}
	if o.W[1] != b || len(o.W) != 3 {
		t.Errorf("origin weights %v, want w2 = %g", o.W, b)
	}
	for _, e := range eqs[1:] {
		if e.Type != Degenerate || math.Abs(b*e.X*e.Y-1) > 1e-12 {
			t.Errorf("(%g, %g): %v with W − 1 = %g", e.X, e.Y, e.Type, b*e.X*e.Y-1)
		}
	}
	curves, err := MinimaCurves(p, DefaultRange)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range curves {
		for k := range c.X {
			if math.Abs(b*c.X[k]*c.Y[k]-1) > 1e-12 {
				t.Fatalf("minima curve point (%g, %g): W = %g", c.X[k], c.Y[k], b*c.X[k]*c.Y[k])
			}
		}
	}

	const mu = 0.1
	q := Plane{Objective: flow.Objective{Depth: 3, WeightDecay: mu}, I: 0, J: 2, Base: []float64{0, 0, 0}}
	eqs, err = Equilibria(q, DefaultRange, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(eqs) != 1 || eqs[0].Type != StableNode || math.Hypot(eqs[0].X, eqs[0].Y) > 1e-12 ||
		math.Abs(eqs[0].Eigen[0].Re+mu) > 1e-15 || math.Abs(eqs[0].Eigen[1].Re+mu) > 1e-15 {
		t.Fatalf("w2 = 0, μ = %g: %+v, want one stable node at 0 with J = −μI", mu, eqs)
	}
	if c, err := MinimaCurves(q, DefaultRange); err != nil || c != nil {
		t.Errorf("w2 = 0: minima curves %v, %v; want none (W ≡ 0)", c, err)
	}
}

// TestField checks that the arrows are unit vectors along −∇F and that the speed is |∇F|,
// computed here from flow.Objective.Gradient on all d weights.
func TestField(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Plane
	}{
		{"plain", Plane{Objective: flow.Objective{Depth: 2}}},
		{"decay+noise", Plane{Objective: flow.Objective{Depth: 2, WeightDecay: 0.2, Noise: 0.3}}},
		{"slice", Plane{Objective: flow.Objective{Depth: 4, WeightDecay: 0.05}, I: 3, J: 1, Base: []float64{0.8, 0, -1.2, 0}}},
	} {
		r := Range{-2, 3, -1.5, 2.5}
		f, err := NewField(tc.p, r, 7, 9)
		if err != nil {
			t.Fatal(err)
		}
		if nx, ny := f.Dims(); nx != 7 || ny != 9 || len(f.Speed) != 63 {
			t.Fatalf("%s: dims %d×%d", tc.name, nx, ny)
		}
		i, j := tc.p.Axes()
		d := tc.p.Objective.Depth
		w, g := make([]float64, d), make([]float64, d)
		for row, y := range f.Y {
			for c, x := range f.X {
				if !r.Contains(x, y) {
					t.Fatalf("%s: arrow at (%g, %g) outside the range", tc.name, x, y)
				}
				tc.p.Point(w, x, y)
				tc.p.Objective.Gradient(g, w)
				s := math.Hypot(g[i], g[j])
				u, v, speed := f.At(c, row)
				if !scalar.EqualWithinAbsOrRel(speed, s, 1e-15, 1e-14) {
					t.Errorf("%s (%g, %g): speed %g, |∇F| = %g", tc.name, x, y, speed, s)
				}
				if n := math.Hypot(u, v); math.Abs(n-1) > 1e-15 {
					t.Errorf("%s (%g, %g): |(u, v)| = %.17g", tc.name, x, y, n)
				}
				if math.Abs(u+g[i]/s) > 1e-15 || math.Abs(v+g[j]/s) > 1e-15 {
					t.Errorf("%s (%g, %g): direction (%g, %g), −∇F/|∇F| = (%g, %g)", tc.name, x, y, u, v, -g[i]/s, -g[j]/s)
				}
			}
		}
	}
}

// TestSeparatrices checks the manifolds of the origin for the plain loss (d = 2): the
// unstable manifold runs along w1 = w2 to the balanced minima ±(1, 1) (D = 0 is conserved,
// package flow, Gradient flows), the stable manifold along w1 = −w2 out of the range in backward time. With
// weight decay μ the unstable branches end at the minima ±√(1 − μ)(1, 1).
func TestSeparatrices(t *testing.T) {
	for _, mu := range []float64{0, 0.3} {
		p := Plane{Objective: flow.Objective{Depth: 2, WeightDecay: mu}}
		r := DefaultRange
		eqs, err := Equilibria(p, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		trs, err := Separatrices(p, eqs, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(trs) != 4 {
			t.Fatalf("μ = %g: %d branches, want 4", mu, len(trs))
		}
		wmin := math.Sqrt(1 - mu)
		box := r.Expand(0.02)
		for _, tr := range trs {
			sgn := 1.0 // w2 = sgn·w1 along the branch
			if tr.Label == StableManifold {
				sgn = -1
			}
			for k := 0; k < tr.Len(); k++ {
				w := tr.At(k)
				if math.Abs(w[1]-sgn*w[0]) > 1e-12*math.Abs(w[0]) {
					t.Fatalf("μ = %g, %s: point %v off the line w2 = %g·w1", mu, tr.Label, w, sgn)
				}
			}
			end := tr.Last()
			switch tr.Label {
			case UnstableManifold:
				if tr.Status != StatusTimeLimit || math.Abs(math.Abs(end[0])-wmin) > 1e-7 || tr.T[tr.Len()-1] <= 0 {
					t.Errorf("μ = %g: unstable branch ends at %v (t = %g, %s), want ±%g", mu, end, tr.T[tr.Len()-1], tr.Status, wmin)
				}
			case StableManifold:
				onEdge := math.Abs(math.Abs(end[0])-box.XMax) < 1e-9 || math.Abs(math.Abs(end[1])-box.YMax) < 1e-9
				if tr.Status != StatusLeft || !onEdge || tr.T[tr.Len()-1] >= 0 {
					t.Errorf("μ = %g: stable branch ends at %v (t = %g, %s), want the range's edge in backward time", mu, end, tr.T[tr.Len()-1], tr.Status)
				}
			default:
				t.Errorf("label %q", tr.Label)
			}
		}
	}
}

// TestClassify checks the classification of general 2×2 Jacobians and their eigenpairs.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		j      [2][2]float64
		want   Type
		re, im [2]float64
	}{
		{[2][2]float64{{0, 1}, {1, 0}}, Saddle, [2]float64{-1, 1}, [2]float64{}},
		{[2][2]float64{{-1, 0}, {0, -2}}, StableNode, [2]float64{-2, -1}, [2]float64{}},
		{[2][2]float64{{3, 1}, {0, 2}}, UnstableNode, [2]float64{2, 3}, [2]float64{}},
		{[2][2]float64{{-2, 1}, {0, -2}}, StableNode, [2]float64{-2, -2}, [2]float64{}},
		{[2][2]float64{{0, 1}, {-1, 0}}, Centre, [2]float64{0, 0}, [2]float64{-1, 1}},
		{[2][2]float64{{-0.1, 1}, {-1, -0.1}}, StableSpiral, [2]float64{-0.1, -0.1}, [2]float64{-1, 1}},
		{[2][2]float64{{0.1, 2}, {-0.5, 0.1}}, UnstableSpiral, [2]float64{0.1, 0.1}, [2]float64{-1, 1}},
		{[2][2]float64{{1, 0}, {0, 0}}, Degenerate, [2]float64{0, 1}, [2]float64{}},
		{[2][2]float64{{-1, -1}, {-1, -1}}, Degenerate, [2]float64{-2, 0}, [2]float64{}},
		{[2][2]float64{{0, 0}, {0, 0}}, Degenerate, [2]float64{0, 0}, [2]float64{}},
		{[2][2]float64{{-1e-9, 0}, {0, -1}}, Degenerate, [2]float64{-1, -1e-9}, [2]float64{}},
	} {
		typ, ev := Classify(tc.j, 1e-6)
		if typ != tc.want {
			t.Errorf("%v: type %v, want %v", tc.j, typ, tc.want)
		}
		for k := range ev {
			if math.Abs(ev[k].Re-tc.re[k]) > 1e-14 || math.Abs(ev[k].Im-tc.im[k]) > 1e-14 {
				t.Errorf("%v: eigenvalue %d = %g%+gi, want %g%+gi", tc.j, k, ev[k].Re, ev[k].Im, tc.re[k], tc.im[k])
			}
			v := ev[k].Vector
			if ev[k].Im != 0 {
				if v != nil {
					t.Errorf("%v: complex eigenvalue with vector %v", tc.j, v)
				}
				continue
			}
			// J v = λ v with |v| = 1.
			if math.Abs(math.Hypot(v[0], v[1])-1) > 1e-15 {
				t.Errorf("%v: |v| = %g", tc.j, math.Hypot(v[0], v[1]))
			}
			for r := range 2 {
				if res := tc.j[r][0]*v[0] + tc.j[r][1]*v[1] - ev[k].Re*v[r]; math.Abs(res) > 1e-14 {
					t.Errorf("%v: (J − λ)v = %g for λ = %g, v = %v", tc.j, res, ev[k].Re, v)
				}
			}
		}
	}
}

// TestCurves checks that the curves lie on their level sets and inside the range.
func TestCurves(t *testing.T) {
	r := Range{-3, 2, -2.5, 3.5}
	p := Plane{Objective: flow.Objective{Depth: 2, Noise: 0.4}}
	ws := 1 / (1 + 0.4*0.4)
	minima, err := MinimaCurves(p, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(minima) != 2 {
		t.Errorf("%d pieces of the hyperbola, want 2", len(minima))
	}
	// W* = 1/(1 + σ²), rounded once from the exact σ = 0.4 here. MinimaLevel computes it from
	// fl(0.4) in rounded steps: to the bit the same where nothing fuses; where σ·σ + 1 is fused
	// it is within 4u·W* (u = 2⁻⁵³): fl(0.4)² differs from 0.16 by under 2u·0.16, the sum and the
	// quotient round once each, and the constant once, (0.28 + 1 + 1 + 1)u < 4u relative.
	levelOK := func(l float64) bool { return l == ws }
	if fused.MulAdd() {
		levelOK = func(l float64) bool { return math.Abs(l-ws) <= 0x1p-51*ws }
	}
	for _, c := range minima {
		if !levelOK(c.Level) || !strings.HasPrefix(c.Label, "W = 0.862") {
			t.Errorf("minima curve %q at level %g", c.Label, c.Level)
		}
		for k := range c.X {
			if math.Abs(c.X[k]*c.Y[k]-ws) > 1e-14 || !r.Contains(c.X[k], c.Y[k]) {
				t.Fatalf("minima point (%g, %g), W = %g", c.X[k], c.Y[k], c.X[k]*c.Y[k])
			}
		}
	}
	wd := Plane{Objective: flow.Objective{Depth: 2, WeightDecay: 0.2}}
	if c, _ := MinimaCurves(wd, r); len(c) == 0 || c[0].Label != "W = 1 (minima of L)" {
		t.Errorf("weight decay: minima curves %v", c)
	}

	levels := []float64{-4, -1, 0, 2.5}
	curves, err := ImbalanceCurves(p, r, levels)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]int{}
	for _, c := range curves {
		seen[c.Level]++
		for k := range c.X {
			if d := c.X[k]*c.X[k] - c.Y[k]*c.Y[k]; math.Abs(d-c.Level) > 1e-12 || !r.Contains(c.X[k], c.Y[k]) {
				t.Fatalf("%s: point (%g, %g) has D = %g", c.Label, c.X[k], c.Y[k], d)
			}
		}
	}
	for _, lv := range levels {
		if seen[lv] < 2 {
			t.Errorf("level %g: %d pieces, want ≥ 2", lv, seen[lv])
		}
	}
	if got := DefaultLevels(DefaultRange); len(got) != 4 || got[0] != -2 || got[3] != 4 {
		t.Errorf("DefaultLevels = %v, want ±2, ±4", got)
	}
}

// TestBadInput checks that user errors come back as one-line errors naming the value.
func TestBadInput(t *testing.T) {
	plain := Plane{Objective: flow.Objective{Depth: 2}}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"empty x range", func() error { _, err := NewField(plain, Range{2, 1, 0, 1}, 5, 5); return err }, "x from 2 to 1"},
		{"empty y range", func() error { _, err := Equilibria(plain, Range{0, 1, 3, 3}, nil); return err }, "y from 3 to 3"},
		{"NaN range", func() error { _, err := New(plain, nil, &Settings{Range: Range{0, math.NaN(), 0, 1}}); return err }, "NaN"},
		{"index i", func() error {
			_, err := New(Plane{Objective: flow.Objective{Depth: 3}, I: 5, J: 1}, nil, nil)
			return err
		}, "i = 5 out of range for depth 3"},
		{"index j", func() error {
			_, err := NewField(Plane{Objective: flow.Objective{Depth: 2}, I: 1, J: -1}, DefaultRange, 3, 3)
			return err
		}, "j = -1 out of range"},
		{"same index", func() error {
			_, err := NewField(Plane{Objective: flow.Objective{Depth: 3}, I: 2, J: 2}, DefaultRange, 3, 3)
			return err
		}, "i = j = 2"},
		{"base", func() error {
			_, err := NewField(Plane{Objective: flow.Objective{Depth: 3}, Base: []float64{1}}, DefaultRange, 3, 3)
			return err
		}, "1 weights for depth 3"},
		{"depth", func() error { _, err := New(Plane{Objective: flow.Objective{Depth: 1}}, nil, nil); return err }, "depth 1"},
		{"level", func() error { _, err := ImbalanceCurves(plain, DefaultRange, []float64{math.Inf(1)}); return err }, "+Inf"},
		{"grid", func() error { _, err := New(plain, nil, &Settings{FieldX: -3}); return err }, "-3"},
		{"trajectory depth", func() error {
			_, err := New(plain, []*flow.Trajectory{flow.NewTrajectory("gd", 3, 1)}, nil)
			return err
		}, "gd"},
	} {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "portrait: ") {
			t.Errorf("%s: error %q, want one line naming %q", tc.name, msg, tc.want)
		}
	}
}

// TestNewJSON checks the assembled portrait, the fitted range and that it encodes to JSON,
// including a trajectory cut by a NaN.
func TestNewJSON(t *testing.T) {
	p := Plane{Objective: flow.Objective{Depth: 2, WeightDecay: 0.3}}
	gd := flow.NewTrajectory("gd", 2, 4)
	gd.Append(0, []float64{2, 0.5})
	gd.Append(0.1, []float64{1.5, 0.6})
	gd.Append(0.2, []float64{math.NaN(), 1})
	gd.Status = "diverged at step 2"
	fl := flow.NewTrajectory("flow", 2, 2)
	fl.Append(0, []float64{-1, -0.5})
	fl.Append(3, []float64{-0.84, -0.84})
	pt, err := New(p, []*flow.Trajectory{gd, fl}, &Settings{Margin: 0.1, FieldX: 5, FieldY: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Extent x ∈ [−1, 2], y ∈ [−0.84, 0.6] widened to 0.75·3 = 2.25 about its centre −0.12
	// (no side shorter than 3/4 of the other), plus 10 %.
	want := Range{-1.3, 2.3, -0.12 - 1.125 - 0.225, -0.12 + 1.125 + 0.225}
	got := pt.Range
	for _, c := range [][2]float64{{got.XMin, want.XMin}, {got.XMax, want.XMax}, {got.YMin, want.YMin}, {got.YMax, want.YMax}} {
		if math.Abs(c[0]-c[1]) > 1e-12 {
			t.Errorf("fitted range %+v, want %+v", got, want)
			break
		}
	}
	s := pt.Trajectories[0]
	if s.Finite != 2 || s.Points != 3 || s.End[0] != 1.5 || s.T1 != 0.1 || s.Status != "diverged at step 2" {
		t.Errorf("summary of the cut trajectory: %+v", s)
	}
	b, err := json.Marshal(pt)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Equilibria []struct {
			Type string `json:"type"`
		} `json:"equilibria"`
		Trajectories []Summary `json:"trajectories"`
		Field        struct {
			U []float64 `json:"u"`
		} `json:"field"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Equilibria) != len(pt.Equilibria) || len(back.Trajectories) != 2 || len(back.Field.U) != 20 {
		t.Errorf("JSON round trip lost data: %d equilibria, %d trajectories, %d arrows", len(back.Equilibria), len(back.Trajectories), len(back.Field.U))
	}
	for k, e := range back.Equilibria {
		if Type(e.Type) != pt.Equilibria[k].Type {
			t.Errorf("equilibrium %d: JSON type %q, want %q", k, e.Type, pt.Equilibria[k].Type)
		}
	}
	if r := FitRange(p, nil, 0.1); r != DefaultRange {
		t.Errorf("FitRange without trajectories = %+v", r)
	}
}
