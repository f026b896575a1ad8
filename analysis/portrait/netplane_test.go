package portrait

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// testNet returns a Net of the widths on random data (n0 inputs, nd outputs, 50 samples)
// with weight decay mu and input noise sigma.
func testNet(t *testing.T, rng *rand.Rand, widths []int, mu, sigma float64) *flow.Net {
	t.Helper()
	n0, nd := widths[0], widths[len(widths)-1]
	const n = 50
	x, y := mat.NewDense(n, n0, nil), mat.NewDense(n, nd, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < n0; j++ {
			x.Set(k, j, rng.NormFloat64())
		}
		for j := 0; j < nd; j++ {
			y.Set(k, j, rng.NormFloat64())
		}
	}
	var sxx mat.SymDense
	sxx.SymOuterK(1.0/n, x.T())
	var syx mat.Dense
	syx.Mul(y.T(), x)
	syx.Scale(1.0/n, &syx)
	syy := mat.Norm(y, 2)
	net, err := flow.NewNet(widths, flow.Stats{Sxx: &sxx, Syx: &syx, Syy: syy * syy / n}, mu, sigma)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestCoordName(t *testing.T) {
	widths := []int{3, 2, 4}
	for _, c := range []struct {
		k    int
		want string
	}{
		{0, "W_1[1,1]"}, {2, "W_1[1,3]"}, {3, "W_1[2,1]"}, {5, "W_1[2,3]"},
		{6, "W_2[1,1]"}, {7, "W_2[1,2]"}, {8, "W_2[2,1]"}, {13, "W_2[4,2]"},
	} {
		if got := CoordName(widths, c.k); got != c.want {
			t.Errorf("CoordName(%v, %d) = %s, want %s", widths, c.k, got, c.want)
		}
	}
}

// The top singular value from the Gram matrix is that of the SVD, for wide and tall
// matrices, and NaN for a non-finite one.
func TestTopSingularValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	pr := &Projector{}
	for _, dims := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {3, 5}, {5, 3}, {16, 40}, {40, 16}, {6, 6}} {
		m := mat.NewDense(dims[0], dims[1], nil)
		for i := range dims[0] {
			for j := range dims[1] {
				m.Set(i, j, rng.NormFloat64())
			}
		}
		var svd mat.SVD
		if !svd.Factorize(m, mat.SVDNone) {
			t.Fatal("SVD failed")
		}
		want := svd.Values(nil)[0]
		if got := pr.TopSingularValue(m); math.Abs(got-want) > 1e-14*want {
			t.Errorf("%v: σ₁ = %.17g, SVD %.17g", dims, got, want)
		}
	}
	m := mat.NewDense(2, 2, []float64{1, math.Inf(1), 0, 1})
	if v := pr.TopSingularValue(m); !math.IsNaN(v) {
		t.Errorf("σ₁ of a matrix with Inf = %v, want NaN", v)
	}
}

// F on the slice is biquadratic in the two coordinates, so the interpolant NetSample draws
// is F itself, whether the coordinates share a layer or not, with weight decay and noise;
// and the field is the normalized −(∂F/∂w_I, ∂F/∂w_J) of the slice.
func TestNetSliceIsF(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	widths := []int{3, 2, 4, 2}
	net := testNet(t, rng, widths, 0.1, 0.3)
	base := make([]float64, net.Dim())
	for k := range base {
		base[k] = 0.7 * rng.NormFloat64()
	}
	r := Range{XMin: -1.3, XMax: 2.1, YMin: -0.4, YMax: 1.7}
	for _, p := range []NetPlane{{Coords, 1, 4}, {Coords, 2, 9}, {Coords, 20, 0}, {Coords, 7, 15}} {
		g, err := NetSample(net, p, base, r, 9, 7)
		if err != nil {
			t.Fatal(err)
		}
		f, err := NetField(net, p, base, r, 9, 7)
		if err != nil {
			t.Fatal(err)
		}
		w := append([]float64(nil), base...)
		for row, y := range g.Y {
			for c, x := range g.X {
				w[p.I], w[p.J] = x, y
				want := net.Value(w)
				if got := g.At(c, row); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("%v at (%g, %g): interpolated F = %.17g, F = %.17g", p, x, y, got, want)
				}
				// F is quadratic in each coordinate: a central difference is its exact
				// derivative up to rounding.
				const h = 1e-3
				d := func(k int) float64 {
					v := w[k]
					w[k] = v + h
					fp := net.Value(w)
					w[k] = v - h
					fm := net.Value(w)
					w[k] = v
					return (fp - fm) / (2 * h)
				}
				gx, gy := d(p.I), d(p.J)
				u, v, s := f.At(c, row)
				if math.Abs(s*u+gx) > 1e-9*math.Max(1, s) || math.Abs(s*v+gy) > 1e-9*math.Max(1, s) {
					t.Errorf("%v at (%g, %g): field %g·(%g, %g), −∇F (%g, %g)", p, x, y, s, u, v, -gx, -gy)
				}
			}
		}
	}
	// A projection has no slice.
	if _, err := NetSample(net, NetPlane{TopSingular, 1, 2}, base, r, 3, 3); err == nil {
		t.Error("NetSample of an sv plane: no error")
	}
}

func TestNetPlaneValidate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	net := testNet(t, rng, []int{3, 2, 2}, 0, 0) // 10 parameters, 2 layers
	for _, c := range []struct {
		p    NetPlane
		want string // "" for valid
	}{
		{NetPlane{Coords, 0, 9}, ""},
		{NetPlane{Coords, 0, 10}, "coordinate 11 out of range 1…10"},
		{NetPlane{Coords, -1, 3}, "coordinate 0 out of range"},
		{NetPlane{Coords, 4, 4}, "same coordinate 5"},
		{NetPlane{TopSingular, 1, 2}, ""},
		{NetPlane{TopSingular, 2, 1}, ""},
		{NetPlane{TopSingular, 0, 2}, "layer 0 out of range 1…2"},
		{NetPlane{TopSingular, 1, 3}, "layer 3 out of range"},
		{NetPlane{TopSingular, 2, 2}, "same layer 2"},
		{NetPlane{NetPlaneKind(7), 1, 2}, "unknown plane kind"},
	} {
		err := c.p.Validate(net)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.p, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %q", c.p, err, c.want)
		}
	}
}

// The band of an sv plane of adjacent layers is ‖D_i‖₂ at the start: Delta for an
// imbalanced start, and the flow stays inside it; a balanced start lies on the diagonal.
func TestNetPortraitBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	widths := []int{4, 3, 3, 2}
	net := testNet(t, rng, widths, 0, 0)
	w0, err := flow.Init{Kind: flow.Imbalanced, Scale: 0.8, Delta: 0.3, Seed: 5}.Draw(widths)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    NetPlane
		band float64
	}{
		{NetPlane{TopSingular, 1, 2}, 0.3}, {NetPlane{TopSingular, 3, 2}, 0.3}, {NetPlane{TopSingular, 1, 3}, math.NaN()},
	} {
		pt, err := NewNetPortrait(net, c.p, w0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(c.band) != math.IsNaN(pt.Band) || math.Abs(pt.Band-c.band) > 1e-12 {
			t.Errorf("%v: band %v, want %v", c.p, pt.Band, c.band)
		}
		if pt.Meaning != ProjectionMeaning || pt.Field != nil || pt.Loss != nil || !pt.Diagonal {
			t.Errorf("%v: meaning %q, field %v, loss %v, diagonal %v", c.p, pt.Meaning, pt.Field != nil, pt.Loss != nil, pt.Diagonal)
		}
	}
	b0, err := flow.Init{Kind: flow.Balanced, Scale: 0.8, Seed: 5}.Draw(widths)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := NewNetPortrait(net, NetPlane{TopSingular, 1, 3}, b0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(pt.BaseX-0.8) > 1e-14 || math.Abs(pt.BaseY-0.8) > 1e-14 {
		t.Errorf("balanced start at (%.17g, %.17g), want (0.8, 0.8)", pt.BaseX, pt.BaseY)
	}
}
