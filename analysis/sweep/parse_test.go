package sweep

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writePoints writes a sweep of gd runs from n distinct random points of depth 2 (and a few
// repeats, −0 for 0 among them), the points as one string or as a list, and returns its path
// and the distinct points in order.
func writePoints(t *testing.T, n int, asString bool) (string, [][2]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	var b strings.Builder
	b.WriteString("method: gd\nlr: 0.1\nsteps: 1\nstart:\n  points: ")
	open, sep, close, mid := "[", ", ", "]", ", "
	if asString {
		open, sep, close, mid = "\"", "; ", "\"", ","
	}
	b.WriteString(open)
	var pts [][2]float64
	point := func(w [2]float64, neg0 bool) {
		if b.Len() > 60 {
			b.WriteString(sep)
		}
		a := strconv.FormatFloat(w[0], 'g', -1, 64)
		if neg0 {
			a = "-0"
		}
		if !asString {
			b.WriteString("[")
		}
		b.WriteString(a + mid + strconv.FormatFloat(w[1], 'g', -1, 64))
		if !asString {
			b.WriteString("]")
		}
	}
	for i := range n {
		w := [2]float64{rng.Float64()*4 - 2, rng.Float64()*4 - 2}
		if i == 0 {
			w[0] = 0
		}
		pts = append(pts, w)
		point(w, false)
		if i%100_000 == 0 {
			point(pts[i/2], false) // a repeat: dropped
		}
	}
	point(pts[0], true) // (−0, w2) is (0, w2): dropped
	b.WriteString(close + "\n")
	path := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, pts
}

// A sweep file with 10⁶ listed points is read in time linear in the points (the check for
// repeated points and the lookup of a run's point were quadratic: 300 000 points took 57 s),
// repeats dropped, every run starting from its point.
func TestManyPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10⁶ points (some seconds)")
	}
	for _, tc := range []struct {
		n        int
		asString bool
	}{{1_000_000, true}, {300_000, false}} {
		path, pts := writePoints(t, tc.n, tc.asString)
		s, err := ReadFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != len(pts) {
			t.Fatalf("%d points: %d runs, want %d (the repeats dropped)", tc.n, s.Len(), len(pts))
		}
		for _, i := range []int{0, 1, len(pts) / 3, len(pts) - 1} {
			if w := s.Run(i).W0; w[0] != pts[i][0] || w[1] != pts[i][1] {
				t.Errorf("%d points: run %d starts at %v, want %v", tc.n, i, w, pts[i])
			}
		}
	}
}

// A range whose ends are not finite is refused naming the key and the end, not as NaN values;
// a range whose span overflows has finite points.
func TestRangeEnds(t *testing.T) {
	base := "method: [gd]\nsteps: [10]\nstart: {points: [[1, 2]]}\n"
	for _, tc := range []struct{ text, want string }{
		{base + "lr: {to: .inf}\n", "lr: range to +Inf is not finite"},
		{base + "lr: {from: 0.1, to: .inf, num: 3}\n", "lr: range to +Inf is not finite"},
		{base + "lr: {from: .nan, to: 1, num: 3}\n", "lr: range from NaN is not finite"},
		{base + "lr: {from: 0.1, to: 1, num: .inf}\n", "lr: range num +Inf is not finite"},
		{base + "lr: {from: 0.1, to: 1}\n", "lr: a range needs numbers from, to and num (num missing)"},
		{base + "lr: {from: 0.1, to: x, num: 3}\n", "lr: range to x is not a number"},
		{base + "lr: \"0.1:inf:3\"\n", "lr: range to +Inf is not finite"},
		{base + "lr: 0.1\nwd: -1e308:1e308:3\n", "wd: -1e+308 must be finite and ≥ 0"},
	} {
		path := filepath.Join(t.TempDir(), "s.yaml")
		os.WriteFile(path, []byte(tc.text), 0o644)
		_, err := ReadFile(path, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got %v\nwant a one-line error containing %q", tc.text, err, tc.want)
		}
	}
	s := spec(t, "method: [gd]\nsteps: [10]\nlr: 0.1\nstart: {grid: {min: -1e308, max: 1e308, num: 3}, points: [[1e308, 0]]}\n")
	if s.Len() != 9 {
		t.Errorf("%d runs, want the 9 grid points (the listed point is one of them)", s.Len())
	}
	for i := range s.Len() {
		for _, w := range s.Run(i).W0 {
			if w != -1e308 && w != 0 && w != 1e308 {
				t.Errorf("run %d starts at %v, want weights -1e308, 0, 1e308", i, s.Run(i).W0)
			}
		}
	}
	s = spec(t, "method: [gd]\nsteps: [10]\nlr: 0.1\nwd: 0\nstart: {random: {min: -1e308, max: 1e308, count: 50}}\n")
	for i := range s.Len() {
		for _, w := range s.Run(i).W0 {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				t.Errorf("random run %d starts at %v", i, s.Run(i).W0)
			}
		}
	}
}
