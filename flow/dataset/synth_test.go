package dataset

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestHaar: the matrices are orthogonal, and distributed as the Haar measure says on
// three statistics of n = 3 (M draws, 5 standard errors): E[Q_11] = 0 and E[det Q] = 0 (det
// ±1 equally likely), E[Q_11²] = 1/n, Q_11² ~ Beta(1/2, (n−1)/2) with variance
// 2(n−1)/(n²(n+2)) = 4/45. Without the sign fix Q_11 = −|g_11|/‖g_1‖ < 0 (Householder QR),
// and the first check fails by far.
func TestHaar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 5, 40} {
		q := Haar(n, rng)
		var qtq mat.Dense
		qtq.Mul(q.T(), q)
		if d := maxDiff(&qtq, eye(n)); d > 10*float64(n)*u {
			t.Errorf("n=%d: |QᵀQ − I| = %v", n, d)
		}
	}
	const n, m = 3, 4000
	var s1, s2, sdet float64
	for i := 0; i < m; i++ {
		q := Haar(n, rng)
		s1 += q.At(0, 0)
		s2 += q.At(0, 0) * q.At(0, 0)
		sdet += mat.Det(q)
	}
	M := float64(m)
	if d := math.Abs(s1 / M); d > 5*math.Sqrt(1./n/M) {
		t.Errorf("mean Q_11 = %v, want 0 ± %v", s1/M, 5*math.Sqrt(1./n/M))
	}
	if d := math.Abs(sdet / M); d > 5/math.Sqrt(M) {
		t.Errorf("mean det Q = %v, want 0 ± %v", sdet/M, 5/math.Sqrt(M))
	}
	if d := math.Abs(s2/M - 1./n); d > 5*math.Sqrt(4./45/M) {
		t.Errorf("mean Q_11² = %v, want 1/3 ± %v", s2/M, 5*math.Sqrt(4./45/M))
	}
}

func eye(n int) *mat.Dense {
	d := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		d.Set(i, i, 1)
	}
	return d
}

// singular returns the singular values of a, largest first.
func singular(t *testing.T, a mat.Matrix) []float64 {
	t.Helper()
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	return svd.Values(nil)
}

// sortedSpectrum returns s padded with zeros to r values, largest first.
func sortedSpectrum(s []float64, r int) []float64 {
	out := make([]float64, r)
	copy(out, s)
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	return out
}

// TestTeacherMap: T has the singular values asked for (in any order, padded with zeros),
// to round-off.
func TestTeacherMap(t *testing.T) {
	for _, c := range []struct {
		n0, nd int
		s      []float64
	}{
		{8, 4, nil},
		{3, 5, []float64{0.5, 7, 2}},
		{6, 6, []float64{1}},
		{1, 1, []float64{2}},
	} {
		set, err := Teacher(Options{Inputs: c.n0, OutputsDim: c.nd, Spectrum: c.s, Samples: 10, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		r := min(c.n0, c.nd)
		want := c.s
		if want == nil {
			want = []float64{4, 3, 2, 1}
		}
		want = sortedSpectrum(want, r)
		got := singular(t, set.Teacher)
		if d := maxDiffVec(got, want); d > 10*float64(c.n0+c.nd)*u*want[0] {
			t.Errorf("n0=%d nd=%d: singular values %v, want %v", c.n0, c.nd, got, want)
		}
		if !equalFloats(set.Info.Spectrum, func() []float64 {
			if c.s == nil {
				return []float64{4, 3, 2, 1}
			}
			return c.s
		}()) || set.Info.Seed != 3 || set.Info.N0 != c.n0 || set.Info.ND != c.nd {
			t.Errorf("info %+v", set.Info)
		}
	}
}

func equalFloats(a, b []float64) bool { return maxDiffVec(a, b) == 0 }

// leastSquares returns the fitted map Syx Sxx⁻¹ of a set's moments.
func leastSquares(t *testing.T, s *Set) *mat.Dense {
	t.Helper()
	m := s.Moments()
	var w mat.Dense
	// W Sxx = Syx  ⇔  Sxx Wᵀ = Syxᵀ.
	if err := w.Solve(m.Sxx, m.Syx.T()); err != nil {
		t.Fatal(err)
	}
	return mat.DenseCopyOf(w.T())
}

// TestTeacherLeastSquaresConverges: the singular values of the least-squares map
// Ŵ = Syx Sxx⁻¹ approach s as N grows.
//
// Tolerance: Ŵ − T = σ εᵀX(XᵀX)⁻¹, and given X, εᵀX = G(XᵀX)^{1/2} with G (nd×n0) of
// independent N(0, 1) entries, so ‖Ŵ − T‖ ≤ σ‖G‖/s_min(X). By Davidson & Szarek (2001),
// ‖G‖ ≤ √nd + √n0 + t and s_min(X) ≥ √N − √n0 − t each fail with probability ≤ e^{−t²/2};
// by Weyl |σ_i(Ŵ) − s_i| ≤ ‖Ŵ − T‖. With t = 6 the bound
// σ(√nd + √n0 + 6)/(√N − √n0 − 6) fails with probability < 4e-8 per case.
func TestTeacherLeastSquaresConverges(t *testing.T) {
	const n0, nd, sigma, tt = 20, 10, 0.5, 6.0
	spec := []float64{5, 3, 2, 1, 0.5}
	want := sortedSpectrum(spec, nd)
	ns := []int{1000, 10000, 100000}
	if testing.Short() {
		ns = ns[:2]
	}
	for _, n := range ns {
		s, err := Teacher(Options{Inputs: n0, OutputsDim: nd, Spectrum: spec, Noise: sigma, Samples: n, Seed: 17})
		if err != nil {
			t.Fatal(err)
		}
		got := singular(t, leastSquares(t, s))
		d := maxDiffVec(got, want)
		bound := sigma * (math.Sqrt(nd) + math.Sqrt(n0) + tt) / (math.Sqrt(float64(n)) - math.Sqrt(n0) - tt)
		t.Logf("N=%d: max |σ_i(Ŵ) − s_i| = %.4f, bound %.4f", n, d, bound)
		if d > bound {
			t.Errorf("N=%d: singular values %v differ from %v by %v > %v", n, got, want, d, bound)
		}
	}
}

// TestTeacherExact: without noise Ŵ = T whatever X, and with x whitened exactly
// XᵀX/N = I, mean x = 0 and Syx = T: the singular values are s to round-off.
//
// Tolerance: the moments are sums of N products (error ≤ N·u·S, S ≈ κ the size of the
// whitened or Gaussian second moments), carried through Sxx⁻¹ (another factor κ(Sxx)) to a
// map of norm max s.
func TestTeacherExact(t *testing.T) {
	const n0, nd, n = 6, 4, 2000
	spec := []float64{4, 2.5, 1, 0.25}
	for _, white := range []bool{false, true} {
		s, err := Teacher(Options{Inputs: n0, OutputsDim: nd, Spectrum: spec, Samples: n, Seed: 5, Whitened: white})
		if err != nil {
			t.Fatal(err)
		}
		m := s.Moments()
		var eig mat.EigenSym
		eig.Factorize(m.Sxx, false)
		l := eig.Values(nil)
		kappa := l[len(l)-1] / l[0]
		tol := 4 * float64(n+2) * u * kappa * kappa * spec[0]
		w := leastSquares(t, s)
		if d := maxDiff(w, s.Teacher); d > tol {
			t.Errorf("whitened %v: |Ŵ − T| = %v > %v", white, d, tol)
		}
		if d := maxDiffVec(singular(t, w), sortedSpectrum(spec, nd)); d > tol {
			t.Errorf("whitened %v: singular values off by %v > %v", white, d, tol)
		}
		if !white {
			continue
		}
		if d := maxDiff(m.Sxx, eye(n0)); d > 4*float64(n+2)*u*kappa {
			t.Errorf("whitened Sxx differs from I by %v", d)
		}
		if d := maxDiff(m.Syx, s.Teacher); d > tol {
			t.Errorf("whitened Syx differs from T by %v", d)
		}
		if d := maxDiffVec(m.MeanX, make([]float64, n0)); d > 4*float64(n+2)*u {
			t.Errorf("whitened mean x = %v", m.MeanX)
		}
		if !s.Info.ExactWhite {
			t.Error("Info does not record the exact whitening")
		}
	}
}

// TestTeacherSeeded: the same seed gives the same data, another seed other data.
func TestTeacherSeeded(t *testing.T) {
	o := Options{Inputs: 3, OutputsDim: 2, Samples: 20, Seed: 9, Noise: 0.1}
	a, _ := Teacher(o)
	b, _ := Teacher(o)
	o.Seed = 10
	c, _ := Teacher(o)
	if maxDiff(a.X, b.X) != 0 || maxDiff(a.Y, b.Y) != 0 || maxDiff(a.Teacher, b.Teacher) != 0 {
		t.Error("same seed, different data")
	}
	if maxDiff(a.X, c.X) == 0 || maxDiff(a.Teacher, c.Teacher) == 0 {
		t.Error("other seed, same data")
	}
}

func TestTeacherBad(t *testing.T) {
	for _, c := range []struct {
		o    Options
		part string
	}{
		{Options{Inputs: 3, OutputsDim: 2, Spectrum: []float64{1, 2, 3}}, "3 values, at most min(n0, nd) = 2"},
		{Options{Spectrum: []float64{1, -2}}, "singular value 1 is -2"},
		{Options{Spectrum: []float64{math.NaN()}}, "singular value 0 is NaN"},
		{Options{Noise: -1}, "noise -1"},
		{Options{Noise: math.Inf(1)}, "noise +Inf"},
		{Options{Inputs: -2}, "n0 = -2"},
		{Options{Inputs: 10, Samples: 10, Whitened: true}, "samples > n0, have 10 ≤ 10"},
		{Options{Inputs: 1000, OutputsDim: 1000, Samples: 1000000}, "budget"},
	} {
		_, err := Teacher(c.o)
		errContains(t, err, c.part)
	}
}

func TestFromScalars(t *testing.T) {
	s, err := FromScalars([]float64{1, 2}, []float64{3, 4})
	if err != nil || s.X.At(1, 0) != 2 || s.Y.At(0, 0) != 3 || s.Info.Source != "pairs" {
		t.Errorf("FromScalars: %v", err)
	}
	_, err = FromScalars([]float64{1}, []float64{3, 4})
	errContains(t, err, "1 x values and 2 y values")
	_, err = FromScalars([]float64{1, math.NaN()}, []float64{3, 4})
	errContains(t, err, "sample 1")
	_, err = Scalar(Options{Slope: math.Inf(-1)})
	errContains(t, err, "slope -Inf")
}
