package dataset

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomMNIST writes n images of random bytes and random digit labels in MNIST's IDX layout
// (split "train" or "t10k", gzipped when zipped) to dir. Random pixels make the 784×784
// covariance well conditioned once n is a few times 784, so that whitening has a
// non-vacuous error bound.
func randomMNIST(t testing.TB, dir, split string, n int, zipped bool, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	pix := make([]float64, n*784)
	for i := range pix {
		pix[i] = float64(rng.IntN(256))
	}
	lab := make([]float64, n)
	for k := range lab {
		lab[k] = float64(rng.IntN(10))
	}
	img, lb := idxBytes(idxUByte, []int{n, 28, 28}, pix), idxBytes(idxUByte, []int{n}, lab)
	ext := ""
	if zipped {
		img, lb, ext = gz(img), gz(lb), ".gz"
	}
	writeFile(t, dir, split+"-images-idx3-ubyte"+ext, img)
	writeFile(t, dir, split+"-labels-idx1-ubyte"+ext, lb)
}

// sameMoments fails t unless a and b are equal bit for bit.
func sameMoments(t *testing.T, what string, a, b Moments) {
	t.Helper()
	if a.N != b.N || momentsDiff(a, b) != 0 || math.IsNaN(momentsDiff(a, b)) {
		t.Errorf("%s: moments differ: N %d and %d, largest difference %v", what, a.N, b.N, momentsDiff(a, b))
	}
}

// TestOpenMomentsMNISTBits: streamed MNIST moments are those of the loaded set bit for bit
// (the same blocks of rows, the same sums in the same order), for gzipped and plain files,
// a subset that ends inside a block, and the test split; the Info is Open's.
func TestOpenMomentsMNISTBits(t *testing.T) {
	n := 2*momentBlock + 7
	for _, zipped := range []bool{true, false} {
		dir := t.TempDir()
		randomMNIST(t, dir, "train", n, zipped, 1)
		randomMNIST(t, dir, "t10k", 300, zipped, 2)
		for _, o := range []Options{{}, {Samples: momentBlock + 1}, {Samples: 1}, {Split: "test"}} {
			s, err := Open("mnist:"+dir, o)
			if err != nil {
				t.Fatal(err)
			}
			m, info, err := OpenMoments("mnist:"+dir, o)
			if err != nil {
				t.Fatal(err)
			}
			sameMoments(t, "zipped "+map[bool]string{true: "yes", false: "no"}[zipped], m, s.Moments())
			if !reflect.DeepEqual(info, s.Info) {
				t.Errorf("options %+v: Info %+v, Open's %+v", o, info, s.Info)
			}
		}
	}
}

// TestOpenMomentsMNISTPrep: the preprocessed streamed moments are the raw ones preprocessed
// (Moments.Preprocess) bit for bit, and agree with the moments of Open's preprocessed rows
// within the round-off bound of TestPrepCommutes; the Info records the same preprocessing.
// Whitening is not run with -short.
func TestOpenMomentsMNISTPrep(t *testing.T) {
	dir := t.TempDir()
	n := 3 * 784
	randomMNIST(t, dir, "train", n, true, 3)
	raw, err := Open("mnist:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mRaw := raw.Moments()
	S := absScale(raw)
	preps := []Prep{PrepCenter, PrepWhiten}
	if testing.Short() {
		preps = preps[:1] // whitening the rows takes seconds
	}
	for _, p := range preps {
		o := Options{Prep: p}
		m, info, err := OpenMoments("mnist:"+dir, o)
		if err != nil {
			t.Fatal(err)
		}
		want, tr, err := mRaw.Preprocess(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		sameMoments(t, p.String(), m, want)
		s, err := Open("mnist:"+dir, o)
		if err != nil {
			t.Fatal(err)
		}
		rows := s.Moments()
		tol := commuteTol(mRaw, S, tr)
		d := momentsDiff(m, rows)
		t.Logf("%v: streamed and Open's moments differ by %.3g, bound %.3g", p, d, tol)
		if d > tol {
			t.Errorf("%v: streamed moments and those of Open's rows differ by %v > %v", p, d, tol)
		}
		// The bound has teeth: preprocessing moved the moments by far more.
		if maxDiff(mRaw.Sxx, rows.Sxx) < 1e3*tol {
			t.Errorf("%v: the preprocessing hardly changed Sxx", p)
		}
		checkPrepInfo(t, p.String(), info, s.Info, n)
	}
}

// checkPrepInfo fails t unless got equals want but for the whitening cut eps·λ_max, which
// may differ by the round-off of λ_max: the two centred covariances differ by at most
// 4(N+2)·u·S ≤ 4(N+2)·u·λ_max·n0 per entry for data in [0, 1] (S ≤ trace ≤ n0·λ_max), so
// λ_max by n0 times that in the 2-norm.
func checkPrepInfo(t *testing.T, what string, got, want Info, n int) {
	t.Helper()
	if rel := math.Abs(got.WhitenCutoff-want.WhitenCutoff) / want.WhitenCutoff; rel > 4*float64(n+2)*u*784*784 {
		t.Errorf("%s: whitening cut %v, Open's %v", what, got.WhitenCutoff, want.WhitenCutoff)
	}
	got.WhitenCutoff = want.WhitenCutoff
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: Info %+v, Open's %+v", what, got, want)
	}
}

// TestOpenMomentsGoMNIST compares the streamed moments of the first 5000 MNIST training
// images with Open's: bit for bit without preprocessing, within the round-off bound when
// centred. Whitened (not with -short), the two routes keep the same eigenvalues and their
// Sxx are the same projector up to the Davis–Kahan bound: the centred covariances differ
// by ‖ΔC‖₂ ≤ n0·4(N+2)·u·S, which turns the kept eigenspace by sin θ ≤ ‖ΔC‖₂/δ, δ the gap
// between the smallest kept and the largest dropped eigenvalue; each whitened Sxx is its
// projector up to the eigensolver's error (mnistWhitenMoments).
func TestOpenMomentsGoMNIST(t *testing.T) {
	const n = 5000
	raw, err := Open("mnist", Options{Samples: n})
	if err != nil {
		t.Skip(err)
	}
	mRaw := raw.Moments()
	S := absScale(raw)
	preps := []Prep{PrepNone, PrepCenter, PrepWhiten}
	if testing.Short() {
		preps = preps[:2]
	}
	for _, p := range preps {
		o := Options{Samples: n, Prep: p}
		m, info, err := OpenMoments("mnist", o)
		if err != nil {
			t.Fatal(err)
		}
		s := raw
		if p != PrepNone {
			if s, err = Open("mnist", o); err != nil {
				t.Fatal(err)
			}
		}
		rows := s.Moments()
		d := momentsDiff(m, rows)
		t.Logf("%v: streamed and Open's moments differ by %.3g (Sxx %.3g, Syx %.3g)", p, d, maxDiff(m.Sxx, rows.Sxx), maxDiff(m.Syx, rows.Syx))
		checkPrepInfo(t, p.String(), info, s.Info, n)
		switch p {
		case PrepNone:
			sameMoments(t, "none", m, rows)
		case PrepCenter:
			if tol := 4 * float64(n+2) * u * S; d > tol {
				t.Errorf("center: streamed and Open's moments differ by %v > %v", d, tol)
			}
		case PrepWhiten:
			ctr, _, _ := mRaw.Preprocess(PrepCenter, 0)
			var eig mat.EigenSym
			eig.Factorize(ctr.Sxx, false)
			kept, dropped := math.Inf(1), 0.0
			for _, l := range eig.Values(nil) {
				if l > info.WhitenCutoff {
					kept = math.Min(kept, l)
				} else {
					dropped = math.Max(dropped, l)
				}
			}
			dC := 784 * 4 * float64(n+2) * u * S
			proj := 10 * 784 * u / info.PrepEps
			tol := dC/(kept-dropped) + 2*proj
			t.Logf("whiten: gap %.3g, bound on the Sxx difference %.3g", kept-dropped, tol)
			if dC > (kept-dropped)/10 {
				t.Fatalf("whiten: eigenvalue gap %v too small for the bound", kept-dropped)
			}
			if dS := maxDiff(m.Sxx, rows.Sxx); dS > tol {
				t.Errorf("whiten: the whitened Sxx differ by %v > %v", dS, tol)
			}
		}
	}
}

// TestOpenMomentsOtherSources: sources that are not MNIST are opened with Open; their
// moments and Info are Open's.
func TestOpenMomentsOtherSources(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "d.csv", []byte("a,b,c\n1,2,3\n4,5,7\n0,-1,2\n2,2,2\n"))
	for _, c := range []struct {
		spec string
		o    Options
	}{
		{csv, Options{}},
		{csv, Options{Prep: PrepCenter}},
		{csv, Options{Outputs: 2, Prep: PrepWhiten}},
		{"teacher", Options{Inputs: 5, OutputsDim: 3, Samples: 200, Seed: 4, Noise: 0.1}},
		{"teacher", Options{Inputs: 5, OutputsDim: 3, Samples: 200, Seed: 4, Noise: 0.1, Prep: PrepWhiten}},
		{"scalar", Options{Samples: 30, Seed: 2, Prep: PrepScalar}},
	} {
		s, err := Open(c.spec, c.o)
		if err != nil {
			t.Fatal(err)
		}
		m, info, err := OpenMoments(c.spec, c.o)
		if err != nil {
			t.Fatal(err)
		}
		sameMoments(t, c.spec, m, s.Moments())
		if !reflect.DeepEqual(info, s.Info) {
			t.Errorf("%s: Info %+v, Open's %+v", c.spec, info, s.Info)
		}
	}
}

// TestOpenMomentsErrors: every bad MNIST directory, spec or option gives OpenMoments the
// error Open gives, except the budget of X and Y, which streaming never allocates.
func TestOpenMomentsErrors(t *testing.T) {
	for _, c := range badMNISTCases() {
		dir := c.write(t)
		_, want := Open("mnist:"+dir, c.o)
		_, _, err := OpenMoments("mnist:"+dir, c.o)
		if c.name == "budget" {
			if err != nil {
				t.Errorf("budget: OpenMoments needs no room for X: %v", err)
			}
			continue
		}
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("%s: OpenMoments: %v, Open: %v", c.name, err, want)
		}
	}
	dir := t.TempDir()
	randomMNIST(t, dir, "train", 20, false, 5)
	for _, c := range []struct {
		spec string
		o    Options
	}{
		{"mnist:" + dir, Options{Prep: PrepScalar}},
		{"mnist:" + dir, Options{Split: "valid"}},
		{"mnist:" + dir, Options{Samples: -1}},
		{"mnist:" + dir, Options{PrepEps: math.Inf(1)}},
		{"mnist:", Options{}},
		{"mnist:" + dir + "/nope", Options{}},
		{"cifar", Options{}},
	} {
		_, want := Open(c.spec, c.o)
		_, _, err := OpenMoments(c.spec, c.o)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("%s %+v: OpenMoments: %v, Open: %v", c.spec, c.o, err, want)
		}
	}
}
