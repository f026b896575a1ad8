package dataset

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// TestMomentsHand checks the moments of three samples worked out by hand:
// x = (1, 2), (3, 4), (0, −1); y = 1, 0, 2.
func TestMomentsHand(t *testing.T) {
	s := newSet([]float64{1, 2, 3, 4, 0, -1}, []float64{1, 0, 2}, 3, 2, 1, Info{})
	m := s.Moments()
	// XᵀX = [[1+9+0, 2+12+0], [·, 4+16+1]] = [[10, 14], [14, 21]]; YᵀX = [1+0+0, 2+0−2] = [1, 0].
	want := struct {
		sxx         [2][2]float64
		syx         [2]float64
		syy         float64
		meanX, mean []float64
	}{[2][2]float64{{10. / 3, 14. / 3}, {14. / 3, 21. / 3}}, [2]float64{1. / 3, 0}, 5. / 3, []float64{4. / 3, 5. / 3}, []float64{1}}
	if m.N != 3 {
		t.Errorf("N = %d, want 3", m.N)
	}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			if !scalar.EqualWithinAbsOrRel(m.Sxx.At(i, j), want.sxx[i][j], 0, 2*u) {
				t.Errorf("Sxx[%d,%d] = %v, want %v", i, j, m.Sxx.At(i, j), want.sxx[i][j])
			}
		}
		if !scalar.EqualWithinAbsOrRel(m.Syx.At(0, i), want.syx[i], 0, 2*u) {
			t.Errorf("Syx[0,%d] = %v, want %v", i, m.Syx.At(0, i), want.syx[i])
		}
		if !scalar.EqualWithinAbsOrRel(m.MeanX[i], want.meanX[i], 0, 2*u) {
			t.Errorf("mean x[%d] = %v, want %v", i, m.MeanX[i], want.meanX[i])
		}
	}
	if !scalar.EqualWithinAbsOrRel(m.Syy, want.syy, 0, 2*u) || m.MeanY[0] != 1 {
		t.Errorf("Syy = %v, mean y = %v, want 5/3, 1", m.Syy, m.MeanY)
	}
	if n0, nd := m.Dims(); n0 != 2 || nd != 1 {
		t.Errorf("Dims = %d, %d", n0, nd)
	}
}

// TestMomentsBlocks checks the moments across several accumulation blocks against sums of
// powers: x_k = (1, k), y_k = (k, 1) for k = 0…N−1, so that Σk = N(N−1)/2 and
// Σk² = (N−1)N(2N−1)/6. Every partial sum is an integer below 2⁵³, so the only rounding
// is the final division by N (one ulp).
func TestMomentsBlocks(t *testing.T) {
	for _, n := range []int{1, momentBlock - 1, momentBlock, 2*momentBlock + 7} {
		x := make([]float64, 2*n)
		y := make([]float64, 2*n)
		for k := 0; k < n; k++ {
			x[2*k], x[2*k+1] = 1, float64(k)
			y[2*k], y[2*k+1] = float64(k), 1
		}
		m := newSet(x, y, n, 2, 2, Info{}).Moments()
		N := float64(n)
		s1 := N * (N - 1) / 2 / N
		s2 := (N - 1) * N * (2*N - 1) / 6 / N
		checks := []struct {
			name      string
			got, want float64
		}{
			{"Sxx00", m.Sxx.At(0, 0), 1}, {"Sxx01", m.Sxx.At(0, 1), s1}, {"Sxx10", m.Sxx.At(1, 0), s1}, {"Sxx11", m.Sxx.At(1, 1), s2},
			{"Syx00", m.Syx.At(0, 0), s1}, {"Syx01", m.Syx.At(0, 1), s2}, {"Syx10", m.Syx.At(1, 0), 1}, {"Syx11", m.Syx.At(1, 1), s1},
			{"Syy", m.Syy, s2 + 1}, {"meanX0", m.MeanX[0], 1}, {"meanX1", m.MeanX[1], s1}, {"meanY0", m.MeanY[0], s1}, {"meanY1", m.MeanY[1], 1},
		}
		for _, c := range checks {
			if !scalar.EqualWithinAbsOrRel(c.got, c.want, 0, 2*u) {
				t.Errorf("N=%d: %s = %v, want %v", n, c.name, c.got, c.want)
			}
		}
	}
}

// TestLossFromMoments checks L(W) = ½tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½Syy against the direct sum
// (1/2N)Σ‖Wx_k − y_k‖² on random data.
func TestLossFromMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n, n0, nd := 200, 5, 3
	x, y := make([]float64, n*n0), make([]float64, n*nd)
	for i := range x {
		x[i] = rng.NormFloat64() + 1
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	s := newSet(x, y, n, n0, nd, Info{})
	w := mat.NewDense(nd, n0, nil)
	for i := 0; i < nd; i++ {
		for j := 0; j < n0; j++ {
			w.Set(i, j, rng.NormFloat64())
		}
	}
	// The direct sum, and the bound B = ½Σ_i |w_i|ᵀ|X|ᵀ|X||w_i|/N + Σ|W|∘|Y|ᵀ|X|/N + ½Syy on
	// the terms the moment form adds up: each of its sums of N products is off by at most
	// γ_N times its sum of magnitudes (Higham, Accuracy and Stability, Thm 3.1).
	var direct, bound float64
	for k := 0; k < n; k++ {
		for i := 0; i < nd; i++ {
			r, a := -y[k*nd+i], 0.0
			for j := 0; j < n0; j++ {
				r += w.At(i, j) * x[k*n0+j]
				a += math.Abs(w.At(i, j) * x[k*n0+j])
			}
			direct += r * r
			bound += 0.5*a*a + a*math.Abs(y[k*nd+i]) + 0.5*y[k*nd+i]*y[k*nd+i]
		}
	}
	direct /= 2 * float64(n)
	bound /= float64(n)
	got := s.Moments().Loss(w)
	tol := 4 * float64(n+n0+nd) * u * bound
	if d := math.Abs(got - direct); d > tol {
		t.Errorf("Loss = %v, direct sum %v, differ by %v > %v", got, direct, d, tol)
	}
}

func TestRows(t *testing.T) {
	n, n0, nd := 7, 3, 2
	x, y := make([]float64, n*n0), make([]float64, n*nd)
	for k := 0; k < n; k++ {
		for j := 0; j < n0; j++ {
			x[k*n0+j] = float64(10*k + j)
		}
		for j := 0; j < nd; j++ {
			y[k*nd+j] = float64(-10*k - j)
		}
	}
	s := newSet(x, y, n, n0, nd, Info{})
	idx := []int{6, 0, 3, 3}
	dx, dy := mat.NewDense(len(idx), n0, nil), mat.NewDense(len(idx), nd, nil)
	s.Rows(dx, dy, idx)
	for i, k := range idx {
		for j := 0; j < n0; j++ {
			if dx.At(i, j) != float64(10*k+j) {
				t.Errorf("dstX[%d,%d] = %v, want %v", i, j, dx.At(i, j), 10*k+j)
			}
		}
		for j := 0; j < nd; j++ {
			if dy.At(i, j) != float64(-10*k-j) {
				t.Errorf("dstY[%d,%d] = %v, want %v", i, j, dy.At(i, j), -10*k-j)
			}
		}
	}
	if a := testing.AllocsPerRun(100, func() { s.Rows(dx, dy, idx) }); a != 0 {
		t.Errorf("Rows allocates %v times per call", a)
	}
	for _, c := range []struct {
		name   string
		dx, dy *mat.Dense
		idx    []int
	}{
		{"short dstX", mat.NewDense(3, n0, nil), dy, idx},
		{"wide dstY", dx, mat.NewDense(4, nd+1, nil), idx},
		{"index n", dx, dy, []int{0, 1, 2, n}},
		{"index −1", dx, dy, []int{0, -1, 2, 3}},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "dataset: Rows") {
					t.Errorf("%s: panic %v, want one from dataset: Rows", c.name, r)
				}
			}()
			s.Rows(c.dx, c.dy, c.idx)
		}()
	}
}

func TestCheckAlloc(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
		budget     int64
		ok         bool
		part       string
	}{
		{10, 10, 800, true, ""},
		{10, 10, 799, false, "budget of 799"},
		{1 << 20, 1 << 12, 1 << 62, false, "4294967296 elements exceed"},
		{1000000, 1000000, DefaultMaxBytes, false, "1000000×1000000"},
		{-1, 3, 100, false, "negative"},
	} {
		err := checkAlloc("what", c.rows, c.cols, c.budget)
		if c.ok {
			if err != nil {
				t.Errorf("%d×%d budget %d: %v", c.rows, c.cols, c.budget, err)
			}
			continue
		}
		errContains(t, err, "what", c.part)
	}
}

func TestOneHot(t *testing.T) {
	y, c, err := oneHot("labels", []float64{2, 0, 1, 2}, 0, 1<<20)
	if err != nil || c != 3 {
		t.Fatalf("oneHot: %v, classes %d", err, c)
	}
	want := []float64{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}
	if maxDiffVec(y, want) != 0 {
		t.Errorf("oneHot = %v, want %v", y, want)
	}
	for k := 0; k < 4; k++ {
		sum := 0.0
		for j := 0; j < c; j++ {
			sum += y[k*c+j]
		}
		if sum != 1 {
			t.Errorf("row %d sums to %v", k, sum)
		}
	}
	for _, c := range []struct {
		labels  []float64
		classes int
		part    string
	}{
		{[]float64{0, 1.5}, 0, "label 1.5 of sample 1"},
		{[]float64{0, -1}, 0, "label -1"},
		{[]float64{0, 3}, 3, "label 3 ≥ classes 3"},
		{[]float64{0, 1e12}, 0, "1e+12"},
	} {
		_, _, err := oneHot("labels", c.labels, c.classes, 1<<20)
		errContains(t, err, c.part)
	}
}

func TestOpenSpecs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "d.csv", []byte("a,b,c\n1,2,3\n4,5,6\n"))
	writeFile(t, dir, "x.npy", npyBytes(dictOf("<f8", false, "(2, 2)"), le(1.0, 2, 3, 4)))
	writeFile(t, dir, "y.npy", npyBytes(dictOf("<f8", false, "(2,)"), le(5.0, 6)))
	fakeMNIST(t, dir, 3, true)
	for _, c := range []struct {
		spec       string
		o          Options
		src        string
		n, n0, nd  int
		errPart    string
		errPartTwo string
	}{
		{spec: filepath.Join(dir, "d.csv"), src: "csv", n: 2, n0: 2, nd: 1},
		{spec: filepath.Join(dir, "d.csv"), o: Options{Outputs: 2}, src: "csv", n: 2, n0: 1, nd: 2},
		{spec: filepath.Join(dir, "x.npy") + "," + filepath.Join(dir, "y.npy"), src: "npy", n: 2, n0: 2, nd: 1},
		{spec: filepath.Join(dir, "x.npy"), src: "npy", n: 2, n0: 1, nd: 1},
		{spec: "mnist:" + dir, src: "mnist", n: 3, n0: 784, nd: 10},
		{spec: "teacher", o: Options{Inputs: 3, OutputsDim: 2, Samples: 10}, src: "teacher", n: 10, n0: 3, nd: 2},
		{spec: "scalar", o: Options{Samples: 5}, src: "scalar", n: 5, n0: 1, nd: 1},
		{spec: "cifar", errPart: `unknown data "cifar"`},
		{spec: "data.txt", errPart: `unknown data "data.txt"`},
		{spec: "a.npy,b.csv", errPart: `"a.npy,b.csv"`, errPartTwo: "X.npy,Y.npy"},
		{spec: "a.npy,b.npy,c.npy", errPart: "two paths"},
		{spec: "mnist:", errPart: "names no directory"},
		{spec: "mnist:" + filepath.Join(dir, "nope"), errPart: "nope", errPartTwo: "not a readable directory"},
		{spec: filepath.Join(dir, "missing.csv"), errPart: "missing.csv"},
		{spec: "teacher", o: Options{Samples: -1}, errPart: "samples -1"},
		{spec: "teacher", o: Options{PrepEps: math.NaN()}, errPart: "prep eps NaN"},
		{spec: filepath.Join(dir, "d.csv"), o: Options{Prep: PrepScalar}, errPart: "n0 = 2, nd = 1"},
		{spec: "mnist:" + dir, o: Options{Split: "valid"}, errPart: `split "valid"`},
	} {
		s, err := Open(c.spec, c.o)
		if c.errPart != "" {
			errContains(t, err, c.errPart, c.errPartTwo)
			continue
		}
		if err != nil {
			t.Errorf("Open(%q): %v", c.spec, err)
			continue
		}
		n, n0, nd := s.Dims()
		if s.Info.Source != c.src || n != c.n || n0 != c.n0 || nd != c.nd || s.Info.N != n || s.Info.N0 != n0 || s.Info.ND != nd {
			t.Errorf("Open(%q): source %s, dims %d %d %d, info %+v; want %s %d %d %d", c.spec, s.Info.Source, n, n0, nd, s.Info, c.src, c.n, c.n0, c.nd)
		}
	}
}

// TestInfoJSON checks that Info is written with snake_case keys and carries the generator's
// seed and spectrum and the preprocessing.
func TestInfoJSON(t *testing.T) {
	s, err := Open("teacher", Options{Inputs: 4, OutputsDim: 3, Samples: 50, Seed: 7, Noise: 0.25, Spectrum: []float64{3, 1}, Prep: PrepWhiten})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.Info)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"source": "teacher", "n": 50.0, "n0": 4.0, "nd": 3.0, "seed": 7.0, "noise": 0.25,
		"spectrum": []any{3.0, 1.0}, "prep": "whiten", "prep_eps": 1e-8, "whiten_rank": 4.0}
	for k, v := range want {
		got, ok := m[k]
		if !ok {
			t.Errorf("summary has no key %q: %s", k, b)
			continue
		}
		gb, _ := json.Marshal(got)
		vb, _ := json.Marshal(v)
		if string(gb) != string(vb) {
			t.Errorf("%s = %s, want %s", k, gb, vb)
		}
	}
	for k := range m {
		if k != strings.ToLower(k) || strings.Contains(k, "-") {
			t.Errorf("key %q is not snake_case", k)
		}
	}
}
