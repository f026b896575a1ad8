package dataset

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// rawSet returns n samples with offsets and scales that make centring matter: x_j =
// (j+1)(z_j + 3 + j), except that column colConst (if ≥ 0) is the constant 7 and column
// colSum (if ≥ 0) is the sum of columns 0 and 1; y = A x + z' + 2.
func rawSet(n, n0, nd, colConst, colSum int, seed uint64) *Set {
	rng := rand.New(rand.NewPCG(seed, seed))
	x := make([]float64, n*n0)
	y := make([]float64, n*nd)
	a := make([]float64, nd*n0)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for k := 0; k < n; k++ {
		row := x[k*n0 : (k+1)*n0]
		for j := range row {
			row[j] = float64(j+1) * (rng.NormFloat64() + 3 + float64(j))
		}
		if colConst >= 0 {
			row[colConst] = 7
		}
		if colSum >= 0 {
			row[colSum] = row[0] + row[1]
		}
		for i := 0; i < nd; i++ {
			v := rng.NormFloat64() + 2
			for j := range row {
				v += a[i*n0+j] * row[j]
			}
			y[k*nd+i] = v
		}
	}
	return newSet(x, y, n, n0, nd, Info{})
}

func copySet(s *Set) *Set {
	return &Set{X: mat.DenseCopyOf(s.X), Y: mat.DenseCopyOf(s.Y), Info: s.Info}
}

// absScale returns max over entries of the second moments of |x| and |y|, the scale of
// every sum the moments add up.
func absScale(s *Set) float64 {
	a := &Set{X: mat.DenseCopyOf(s.X), Y: mat.DenseCopyOf(s.Y)}
	abs := func(_, _ int, v float64) float64 { return math.Abs(v) }
	a.X.Apply(abs, a.X)
	a.Y.Apply(abs, a.Y)
	m := a.Moments()
	sc := m.Syy
	for _, v := range m.Sxx.RawSymmetric().Data {
		sc = math.Max(sc, v)
	}
	for _, v := range m.Syx.RawMatrix().Data {
		sc = math.Max(sc, v)
	}
	return sc
}

func TestParsePrep(t *testing.T) {
	for _, c := range []struct {
		s    string
		p    Prep
		fail bool
	}{{"", PrepNone, false}, {"none", PrepNone, false}, {"center", PrepCenter, false}, {"whiten", PrepWhiten, false}, {"scalar", PrepScalar, false}, {"zca", 0, true}, {"Center", 0, true}} {
		p, err := ParsePrep(c.s)
		if c.fail {
			errContains(t, err, `"`+c.s+`"`)
			continue
		}
		if err != nil || p != c.p || (c.s != "" && p.String() != c.s) {
			t.Errorf("ParsePrep(%q) = %v, %v", c.s, p, err)
		}
	}
	if s := Prep(9).String(); s != "Prep(9)" {
		t.Errorf("Prep(9).String() = %q", s)
	}
}

// TestCenterClosedForm: after centring the means vanish and the second moments are the
// covariances Sxx − m mᵀ, Syx − m_y m_xᵀ, Syy − ‖m_y‖² of the raw data.
func TestCenterClosedForm(t *testing.T) {
	s := newSet([]float64{1, 2, 3, 4, 0, -1}, []float64{1, 0, 2}, 3, 2, 1, Info{})
	if _, err := s.Preprocess(PrepCenter, 0); err != nil {
		t.Fatal(err)
	}
	m := s.Moments()
	// mean x = (4/3, 5/3), mean y = 1; covariances by hand:
	// Sxx = [[10/3 − 16/9, 14/3 − 20/9], [·, 7 − 25/9]] = [[14/9, 22/9], [22/9, 38/9]],
	// Syx = [1/3 − 4/3, 0 − 5/3] = [−1, −5/3], Syy = 5/3 − 1 = 2/3.
	want := [][]float64{{14. / 9, 22. / 9}, {22. / 9, 38. / 9}}
	for i := range want {
		for j := range want[i] {
			if !scalar.EqualWithinAbsOrRel(m.Sxx.At(i, j), want[i][j], 8*u, 8*u) {
				t.Errorf("Sxx[%d,%d] = %v, want %v", i, j, m.Sxx.At(i, j), want[i][j])
			}
		}
	}
	if !scalar.EqualWithinAbsOrRel(m.Syx.At(0, 0), -1, 8*u, 8*u) || !scalar.EqualWithinAbsOrRel(m.Syx.At(0, 1), -5./3, 8*u, 8*u) {
		t.Errorf("Syx = %v, want [−1 −5/3]", mat.Formatted(m.Syx))
	}
	if !scalar.EqualWithinAbsOrRel(m.Syy, 2./3, 8*u, 8*u) {
		t.Errorf("Syy = %v, want 2/3", m.Syy)
	}
	if maxDiffVec(m.MeanX, []float64{0, 0}) > 8*u || math.Abs(m.MeanY[0]) > 8*u {
		t.Errorf("means %v %v, want 0", m.MeanX, m.MeanY)
	}
	if s.Info.Prep != "center" {
		t.Errorf("Info.Prep = %q", s.Info.Prep)
	}
}

// TestWhitenProjector: whitening data whose inputs span a 3-dimensional affine subspace
// (one column constant, one the sum of two others) keeps 3 eigenvalues, and the whitened
// Sxx is the orthogonal projector onto the kept subspace: P² = P, tr P = 3, and the identity
// on the eigenvectors kept.
func TestWhitenProjector(t *testing.T) {
	s := rawSet(400, 5, 2, 4, 3, 3)
	tr, err := s.Preprocess(PrepWhiten, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Rank != 3 || s.Info.WhitenRank != 3 || s.Info.PrepEps != DefaultPrepEps {
		t.Fatalf("rank %d (info %d, eps %v), want 3", tr.Rank, s.Info.WhitenRank, s.Info.PrepEps)
	}
	m := s.Moments()
	var p2 mat.Dense
	p2.Mul(m.Sxx, m.Sxx)
	// W is built from eigenvalues ≥ the smallest kept one (≈ 1 here) and the data's
	// second moments are ≈ 10²: the projector comes out to a few thousand roundings.
	const tol = 1e-12
	if d := maxDiff(&p2, m.Sxx); d > tol {
		t.Errorf("whitened Sxx is not a projector: |P² − P| = %v", d)
	}
	if tr := mat.Trace(m.Sxx); math.Abs(tr-3) > tol {
		t.Errorf("tr P = %v, want 3", tr)
	}
	// On the kept eigenvectors q of the centred covariance, qᵀ Sxx' q = 1.
	c := rawSet(400, 5, 2, 4, 3, 3)
	if _, err := c.Preprocess(PrepCenter, 0); err != nil {
		t.Fatal(err)
	}
	var eig mat.EigenSym
	eig.Factorize(c.Moments().Sxx, true)
	var q mat.Dense
	eig.VectorsTo(&q)
	for j := 2; j < 5; j++ {
		v := q.ColView(j)
		if got := mat.Inner(v, m.Sxx, v); math.Abs(got-1) > tol {
			t.Errorf("eigenvector %d: qᵀSxx'q = %v, want 1", j, got)
		}
	}
	for j := 0; j < 2; j++ {
		v := q.ColView(j)
		if got := mat.Inner(v, m.Sxx, v); math.Abs(got) > tol {
			t.Errorf("dropped eigenvector %d: qᵀSxx'q = %v, want 0", j, got)
		}
	}
	if maxDiffVec(m.MeanX, make([]float64, 5)) > tol {
		t.Errorf("whitened mean x = %v", m.MeanX)
	}
}

// TestScalarPrep: the paper's normalization gives mean x² = 1 and mean x·y = 1, so the
// least-squares slope is 1.
func TestScalarPrep(t *testing.T) {
	s := rawSet(300, 1, 1, -1, -1, 5)
	if _, err := s.Preprocess(PrepScalar, 0); err != nil {
		t.Fatal(err)
	}
	m := s.Moments()
	if !scalar.EqualWithinAbsOrRel(m.Sxx.At(0, 0), 1, 0, 1e3*u) || !scalar.EqualWithinAbsOrRel(m.Syx.At(0, 0), 1, 0, 1e3*u) {
		t.Errorf("mean x² = %v, mean xy = %v, want 1, 1", m.Sxx.At(0, 0), m.Syx.At(0, 0))
	}
	if s.Info.Prep != "scalar" || !(s.Info.ScaleX > 0) || s.Info.ScaleY == 0 {
		t.Errorf("info %+v", s.Info)
	}
	for _, c := range []struct {
		x, y []float64
		part string
	}{
		{[]float64{0, 0}, []float64{1, 2}, "mean x² = 0"},
		{[]float64{1, -1}, []float64{1, 1}, "mean x·y = 0"},
	} {
		s := newSet(c.x, c.y, 2, 1, 1, Info{})
		_, err := s.Preprocess(PrepScalar, 0)
		errContains(t, err, c.part)
		if maxDiffVec(s.X.RawMatrix().Data, c.x) != 0 {
			t.Errorf("a failed scalar prep changed x to %v", s.X.RawMatrix().Data)
		}
	}
	_, err := rawSet(10, 2, 1, -1, -1, 1).Preprocess(PrepScalar, 0)
	errContains(t, err, "n0 = 2, nd = 1")
	_, _, err = rawSet(10, 1, 2, -1, -1, 1).Moments().Preprocess(PrepScalar, 0)
	errContains(t, err, "n0 = 1, nd = 2")
}

// TestPrepCommutes: preprocessing the rows and then taking the moments equals taking the
// raw moments and preprocessing them, to round-off.
//
// Tolerance: every moment is a sum of N products, off by at most γ_N ≈ N·u times the sum
// of their magnitudes (Higham, Accuracy and Stability, Thm 3.1), i.e. by N·u·S with S the
// largest second moment of |x|, |y|; both paths make such errors (plus O(u·S) in the
// rank-one corrections): ε = 4(N+2)·u·S. Whitening then takes W = Sxx^{−1/2} of centred
// moments that differ by ε per entry. The derivative of A ↦ A^{−1/2} is bounded by
// ½λ_min^{−3/2} (Daleckii–Krein divided differences of λ^{−1/2}), so ‖δW‖ ≤ ½n0·λ_min^{−3/2}·ε,
// and Sxx' = W Sxx W, Syx' = Syx W move by at most ε·(‖W‖² + ‖W‖) + ‖δW‖·(2√λ_max + ‖Syx‖),
// with ‖W‖ = λ_min^{−1/2}, λ the kept eigenvalues of the centred Sxx.
func TestPrepCommutes(t *testing.T) {
	for _, c := range []struct {
		name             string
		p                Prep
		n, n0, nd        int
		colConst, colSum int
	}{
		{"none", PrepNone, 500, 4, 3, -1, -1},
		{"center", PrepCenter, 500, 4, 3, -1, -1},
		{"center, constant column", PrepCenter, 2500, 6, 2, 5, -1},
		{"whiten", PrepWhiten, 500, 4, 3, -1, -1},
		{"whiten, rank deficient", PrepWhiten, 2500, 6, 2, 5, 4},
		{"scalar", PrepScalar, 500, 1, 1, -1, -1},
	} {
		raw := rawSet(c.n, c.n0, c.nd, c.colConst, c.colSum, 11)
		mRaw := raw.Moments()
		viaMoments, tr, err := mRaw.Preprocess(c.p, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		S := absScale(raw)
		tol := commuteTol(mRaw, S, tr)
		rows := copySet(raw)
		if _, err := rows.Preprocess(c.p, 0); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		viaRows := rows.Moments()
		d := momentsDiff(viaRows, viaMoments)
		t.Logf("%s: d = %.3g, tol = %.3g, S = %.3g", c.name, d, tol, S)
		if d > tol {
			t.Errorf("%s: moments of preprocessed rows and preprocessed moments differ by %v > %v", c.name, d, tol)
		}
		// The check has teeth: the raw moments are far from the preprocessed ones.
		if c.p != PrepNone && maxDiff(mRaw.Sxx, viaRows.Sxx) < 1e3*tol {
			t.Errorf("%s: preprocessing hardly changed Sxx", c.name)
		}
	}
}

// commuteTol is the bound above on the difference of the moments of rows preprocessed by
// tr and the moments mRaw of the raw rows preprocessed by tr, S the largest second moment
// of |x|, |y|.
func commuteTol(mRaw Moments, S float64, tr *Transform) float64 {
	tol := 4 * float64(mRaw.N+2) * u * S
	if tr.Prep != PrepWhiten {
		return tol
	}
	n0, _ := mRaw.Dims()
	ctr, _, _ := mRaw.Preprocess(PrepCenter, 0)
	var eig mat.EigenSym
	eig.Factorize(ctr.Sxx, false)
	lmin, lmax := math.Inf(1), 0.0
	for _, l := range eig.Values(nil) {
		if l > tr.Cutoff {
			lmin, lmax = math.Min(lmin, l), math.Max(lmax, l)
		}
	}
	w := 1 / math.Sqrt(lmin)
	dW := 0.5 * float64(n0) * math.Pow(lmin, -1.5) * tol
	return tol*(w*w+w) + dW*(2*math.Sqrt(lmax)+mat.Norm(ctr.Syx, 2))
}

// momentsDiff returns the largest absolute difference between the entries of a and b.
func momentsDiff(a, b Moments) float64 {
	d := math.Max(maxDiff(a.Sxx, b.Sxx), maxDiff(a.Syx, b.Syx))
	d = math.Max(d, math.Abs(a.Syy-b.Syy))
	return math.Max(d, math.Max(maxDiffVec(a.MeanX, b.MeanX), maxDiffVec(a.MeanY, b.MeanY)))
}

// TestTransformOnOtherData: a transform fitted to one set, applied to the rows of another
// (a test set), gives the moments that ApplyMoments computes from the other set's raw
// moments, whose means differ from the shifts.
func TestTransformOnOtherData(t *testing.T) {
	train := rawSet(800, 4, 2, -1, -1, 21)
	for _, p := range []Prep{PrepCenter, PrepWhiten} {
		tr, err := copySet(train).Preprocess(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		test := rawSet(300, 4, 2, -1, -1, 22)
		S := absScale(test)
		want := tr.ApplyMoments(test.Moments())
		tr.Apply(test)
		got := test.Moments()
		// Both paths use the same W: their moments differ by the round-off of the sums
		// (4(N+2)·u·S, as in TestPrepCommutes), carried through W on both sides.
		tol := 4 * 302 * u * S
		if tr.W != nil {
			w := mat.Norm(tr.W, 2)
			tol *= (1 + w) * (1 + w)
		}
		d := math.Max(maxDiff(got.Sxx, want.Sxx), maxDiff(got.Syx, want.Syx))
		d = math.Max(d, math.Abs(got.Syy-want.Syy))
		d = math.Max(d, math.Max(maxDiffVec(got.MeanX, want.MeanX), maxDiffVec(got.MeanY, want.MeanY)))
		if d > tol {
			t.Errorf("%v: Apply then Moments and ApplyMoments differ by %v > %v", p, d, tol)
		}
		if maxDiffVec(got.MeanX, make([]float64, 4)) < 1e-3 {
			t.Errorf("%v: the test set's shifted mean %v should not vanish", p, got.MeanX)
		}
	}
}

func TestWhitenErrors(t *testing.T) {
	s := newSet([]float64{2, 2, 2, 2}, []float64{1, 2, 3, 4}, 4, 1, 1, Info{})
	_, err := s.Preprocess(PrepWhiten, 0)
	errContains(t, err, "largest input variance 0")
	_, err = (&Set{X: mat.NewDense(1, 1, nil), Y: mat.NewDense(1, 1, nil)}).Preprocess(Prep(7), 0)
	errContains(t, err, "Prep(7)")
}

// TestPrepRecorded: a second preprocessing is recorded after the first.
func TestPrepRecorded(t *testing.T) {
	s := rawSet(50, 1, 1, -1, -1, 2)
	for _, p := range []Prep{PrepNone, PrepScalar, PrepNone, PrepCenter} {
		if _, err := s.Preprocess(p, 0); err != nil {
			t.Fatal(err)
		}
	}
	if s.Info.Prep != "scalar+center" {
		t.Errorf("Info.Prep = %q, want scalar+center", s.Info.Prep)
	}
}
