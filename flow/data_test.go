package flow_test

import (
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/layerflow/layerflow/flow"
)

// normTol: mean(x²) and mean(x·y) of normalized data are sums of n rounded terms of size
// ≤ O(1) divided by n; 1e-12 is the tolerance asked of the normalization, and it is above
// n·u for every n used here (n ≤ 10⁴: 1.1e-12).
const normTol = 1e-12

// checkNormalized checks mean(x²) = 1 and mean(x·y) = 1 (package flow, The model).
func checkNormalized(t *testing.T, name string, d *flow.Dataset) {
	t.Helper()
	if len(d.X) != len(d.Y) || len(d.X) == 0 {
		t.Fatalf("%s: %d inputs, %d labels", name, len(d.X), len(d.Y))
	}
	var xx, xy float64
	for k, x := range d.X {
		xx += x * x
		xy += x * d.Y[k]
	}
	n := float64(len(d.X))
	if !scalar.EqualWithinAbs(xx/n, 1, normTol) || !scalar.EqualWithinAbs(xy/n, 1, normTol) {
		t.Errorf("%s: mean x² = %.17g, mean xy = %.17g, want 1 and 1", name, xx/n, xy/n)
	}
}

func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		n            int
		slope, noise float64
	}{
		{1, 1, 0},
		{2, 1, 0.5},
		{100, 1, 0},
		{100, 2.5, 0.3},
		{1000, -0.7, 1},
		{10000, 1, 0.1},
	} {
		a, err := flow.Generate(tc.n, tc.slope, tc.noise, 42)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if a.Len() != tc.n {
			t.Errorf("%+v: %d samples", tc, a.Len())
		}
		checkNormalized(t, "Generate", a)
		b, _ := flow.Generate(tc.n, tc.slope, tc.noise, 42)
		if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
			t.Errorf("%+v: seed 42 twice gave different data", tc)
		}
		// (A single normalized sample is x = ±1 whatever the seed.)
		c, _ := flow.Generate(tc.n, tc.slope, tc.noise, 43)
		if tc.n > 1 && slices.Equal(a.X, c.X) {
			t.Errorf("%+v: seeds 42 and 43 gave the same inputs", tc)
		}
		// With mean x² = mean xy = 1, c = ½(mean y² − 1) = ½ mean (y − x)² ≥ 0: the loss of
		// the least-squares fit w = 1 (package flow, The model).
		var r2 float64
		for k, x := range a.X {
			r2 += (a.Y[k] - x) * (a.Y[k] - x)
		}
		r2 /= float64(tc.n)
		if got := a.C(); !scalar.EqualWithinAbs(got, 0.5*r2, 4*normTol) || got < 0 {
			t.Errorf("%+v: c = %.17g, ½ mean (y − x)² = %.17g", tc, got, 0.5*r2)
		}
		if tc.noise == 0 && a.C() > 4*normTol {
			t.Errorf("%+v: c = %g for noiseless data", tc, a.C())
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		n            int
		slope, noise float64
		want         string
	}{
		{0, 1, 0, "sample count 0"},
		{-5, 1, 0, "sample count -5"},
		{10, 0, 0, "mean(x·y) = 0"}, // y ≡ 0 cannot be normalized
	} {
		_, err := flow.Generate(tc.n, tc.slope, tc.noise, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Generate(%d, %v, %v): error %v, want one containing %q", tc.n, tc.slope, tc.noise, err, tc.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	// Raw x = (1, 2, 3), y = (2, 3, 7): mean x² = 14/3, so x is scaled by √(3/14); then
	// mean(x·y) = (2 + 6 + 21)/3·√(3/14) = 29/3·√(3/14), and y is divided by it.
	sx := math.Sqrt(3.0 / 14)
	xy := 29.0 / 3 * sx
	wantX := []float64{1 * sx, 2 * sx, 3 * sx}
	wantY := []float64{2 / xy, 3 / xy, 7 / xy}
	for _, tc := range []struct{ name, in string }{
		{"plain", "x,y\n1,2\n2,3\n3,7\n"},
		{"other order", "y,x\n2,1\n3,2\n7,3\n"},
		{"extra columns", "id,y,note,x\na,2,p,1\nb,3,q,2\nc,7,r,3\n"},
		{"case and spaces", " X , Y \n 1 , 2\n2,3 \n3,7"},
		{"CRLF and blank lines", "x,y\r\n\r\n1,2\r\n2,3\r\n\r\n3,7\r\n"},
		{"exponents", "x,y\n1e0,0.2e1\n2,3.0\n0.3e1,7\n"},
	} {
		d, err := flow.ReadCSV(strings.NewReader(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		checkNormalized(t, tc.name, d)
		for k := range wantX {
			if !scalar.EqualWithinRel(d.X[k], wantX[k], 8*u) || !scalar.EqualWithinRel(d.Y[k], wantY[k], 8*u) {
				t.Errorf("%s: sample %d = (%v, %v), want (%v, %v)", tc.name, k, d.X[k], d.Y[k], wantX[k], wantY[k])
			}
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // every one must appear in the error
	}{
		{"empty", "", []string{"empty"}},
		{"header only", "x,y\n", []string{"no data rows"}},
		{"no y column", "x,z\n1,2\n", []string{`"x,z"`, "no x and y"}},
		{"ragged short", "x,y\n1,2\n3\n", []string{"line 3"}},
		{"ragged long", "x,y\n1,2\n3,4\n5,6,7\n", []string{"line 4"}},
		{"non-numeric", "x,y\n1,2\n3,abc\n", []string{"line 3", `"abc"`}},
		{"empty cell", "x,y\n1,\n", []string{"line 2", `""`}},
		{"NaN", "x,y\n1,2\nNaN,4\n", []string{"line 3", `"NaN"`}},
		{"Inf", "x,y\n1,2\n3,-Inf\n", []string{"line 3", `"-Inf"`}},
		{"overflow", "x,y\n1e999,2\n", []string{"line 2", `"1e999"`}},
		{"bad after blank line", "x,y\n1,2\n\n3,abc\n", []string{"line 4", `"abc"`}},
		{"zero inputs", "x,y\n0,1\n0,2\n", []string{"mean(x²) = 0"}},
		{"uncorrelated", "x,y\n1,1\n-1,1\n", []string{"mean(x·y) = 0"}},
	} {
		d, err := flow.ReadCSV(strings.NewReader(tc.in))
		if err == nil {
			t.Errorf("%s: no error, data %+v", tc.name, d)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "flow: ") {
			t.Errorf("%s: error %q does not start with \"flow: \"", tc.name, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", tc.name, err, w)
			}
		}
	}
}

// A line longer than flow.MaxLine is an error naming it, not a field read into memory whole.
func TestReadCSVLongLine(t *testing.T) {
	_, err := flow.ReadCSV(io.MultiReader(strings.NewReader("x,y\n1,2\n"), strings.NewReader(strings.Repeat("0", 2*flow.MaxLine))))
	if err == nil || !strings.Contains(err.Error(), "line 3 is longer than 1048576 bytes") {
		t.Errorf("long line: %v", err)
	}
	if f, err := os.Open("/dev/zero"); err == nil {
		defer f.Close()
		if _, err := flow.ReadCSV(f); err == nil || !strings.Contains(err.Error(), "line 1 is longer") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
}
