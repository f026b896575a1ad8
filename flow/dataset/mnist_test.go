package dataset

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The MNIST facts below are the published ones (LeCun, Cortes & Burges): 60000 training
// and 10000 test images; the digit counts of each split; the first training labels
// 5 0 4 1 9 2 1 3 1 4; pixel mean 0.1307 and standard deviation 0.3081 over the training
// set (the normalization constants every MNIST tutorial uses).
var (
	mnistTrainCounts = [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	mnistTestCounts  = [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	mnistFirstLabels = []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}
)

func labelsOf(t *testing.T, s *Set) []int {
	t.Helper()
	n, _, _ := s.Dims()
	lab := make([]int, n)
	for k := 0; k < n; k++ {
		lab[k] = -1
		for j := 0; j < 10; j++ {
			switch s.Y.At(k, j) {
			case 1:
				if lab[k] >= 0 {
					t.Fatalf("row %d of Y has two ones", k)
				}
				lab[k] = j
			case 0:
			default:
				t.Fatalf("Y[%d,%d] = %v, not 0 or 1", k, j, s.Y.At(k, j))
			}
		}
		if lab[k] < 0 {
			t.Fatalf("row %d of Y has no one", k)
		}
	}
	return lab
}

// TestGoMNISTSubset reads the first 1000 training images from the module's data.
func TestGoMNISTSubset(t *testing.T) {
	s, err := Open("mnist", Options{Samples: 1000})
	if err != nil {
		t.Fatal(err)
	}
	lab := labelsOf(t, s)
	for k, want := range mnistFirstLabels {
		if lab[k] != want {
			t.Errorf("label %d = %d, want %d", k, lab[k], want)
		}
	}
	if s.Info.Module != GoMNISTModule+"@"+GoMNISTVersion || s.Info.Subset != 1000 || s.Info.Split != "train" {
		t.Errorf("info %+v", s.Info)
	}
}

func TestGoMNISTFull(t *testing.T) {
	if testing.Short() {
		t.Skip("reads all of MNIST (about 4 s)")
	}
	for _, c := range []struct {
		split  string
		n      int
		counts [10]int
	}{{"train", 60000, mnistTrainCounts}, {"test", 10000, mnistTestCounts}} {
		s, err := Open("mnist", Options{Split: c.split})
		if err != nil {
			t.Fatal(err)
		}
		n, n0, nd := s.Dims()
		if n != c.n || n0 != 784 || nd != 10 {
			t.Fatalf("%s: dims %d×%d → %d", c.split, n, n0, nd)
		}
		var counts [10]int
		for _, l := range labelsOf(t, s) {
			counts[l]++
		}
		if counts != c.counts {
			t.Errorf("%s: label counts %v, want %v", c.split, counts, c.counts)
		}
		lo, hi := mat.Min(s.X), mat.Max(s.X)
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixels in [%v, %v], want [0, 1]", c.split, lo, hi)
		}
		if c.split != "train" {
			continue
		}
		if counts[1] != 6742 {
			t.Errorf("label 1 occurs %d times, want 6742", counts[1])
		}
		var sum, sq float64
		for _, v := range s.X.RawMatrix().Data {
			sum += v
			sq += v * v
		}
		cnt := float64(n * n0)
		mean := sum / cnt
		std := math.Sqrt(sq/cnt - mean*mean)
		// Published to 4 decimals: within half a unit of the last one.
		if math.Abs(mean-0.1307) > 5e-5 || math.Abs(std-0.3081) > 5e-5 {
			t.Errorf("pixel mean %.6f, std %.6f, want 0.1307, 0.3081", mean, std)
		}
		mnistWhitenMoments(t, s)
	}
}

// mnistWhitenMoments whitens the MNIST moments (without touching the rows): pixels that
// never change give zero eigenvalues that must be dropped, and the whitened Sxx must be a
// projector of the rank kept.
func mnistWhitenMoments(t *testing.T, s *Set) {
	n, n0, _ := s.Dims()
	constant := 0
	for j := 0; j < n0; j++ {
		c := true
		for k := 1; k < n && c; k++ {
			c = s.X.At(k, j) == s.X.At(0, j)
		}
		if c {
			constant++
		}
	}
	if constant == 0 {
		t.Fatal("no constant pixel in MNIST: the test below would not test the cut")
	}
	m := s.Moments()
	w, tr, err := m.Preprocess(PrepWhiten, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Rank > n0-constant || tr.Rank < n0/2 {
		t.Errorf("whitening kept %d eigenvalues; %d pixels are constant, so at most %d", tr.Rank, constant, n0-constant)
	}
	var p2 mat.Dense
	p2.Mul(w.Sxx, w.Sxx)
	// W is built from the same Sxx, so W Sxx W − P is the eigensolver's error: a backward
	// error of about n0·u·λ_max, amplified by ‖W‖² = 1/λ_min(kept) ≤ 1/(eps·λ_max). A factor
	// 10 for the products that form W and W Sxx W.
	tol := 10 * float64(n0) * u / tr.Eps
	if d := maxDiff(&p2, w.Sxx); d > tol {
		t.Errorf("whitened MNIST Sxx is not a projector: |P² − P| = %v > %v", d, tol)
	}
	if d := math.Abs(mat.Trace(w.Sxx) - float64(tr.Rank)); d > tol*float64(tr.Rank) {
		t.Errorf("tr P = %v, rank %d", mat.Trace(w.Sxx), tr.Rank)
	}
	t.Logf("MNIST: %d constant pixels, whitening keeps %d eigenvalues (cut %.3g)", constant, tr.Rank, tr.Cutoff)
}

// A byte set (Compact) is budgeted at a byte a pixel, a float64 set at eight: a budget
// between the two takes the one and refuses the other.
func TestCompactBudget(t *testing.T) {
	dir := t.TempDir()
	const n = 500
	fakeMNIST(t, dir, n, false)
	y := int64(8 * n * mnistClasses)
	budget := y + 2*n*mnistPixels // room for the bytes, a quarter of the float64s
	if _, err := LoadMNIST(dir, Options{Compact: true, MaxBytes: budget}); err != nil {
		t.Errorf("compact set under %d bytes: %v", budget, err)
	}
	if _, err := LoadMNIST(dir, Options{MaxBytes: budget}); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Errorf("float64 set under %d bytes: %v, want refused", budget, err)
	}
	if _, err := LoadMNIST(dir, Options{Compact: true, MaxBytes: y + n*mnistPixels/2}); err == nil || !strings.Contains(err.Error(), "bytes need") {
		t.Errorf("compact set under half its bytes: %v, want refused", err)
	}
}
