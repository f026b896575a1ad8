package dataset

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     string
		o      Options
		x, y   []float64
		n0, nd int
		header bool
	}{
		{name: "no header", in: "1,2,3\n4,5,6\n", x: []float64{1, 2, 4, 5}, y: []float64{3, 6}, n0: 2, nd: 1},
		{name: "header", in: "a,b,target\n1,2,3\n4,5,6\n", x: []float64{1, 2, 4, 5}, y: []float64{3, 6}, n0: 2, nd: 1, header: true},
		{name: "two outputs", in: "1,2,3\n4,5,6\n", o: Options{Outputs: 2}, x: []float64{1, 4}, y: []float64{2, 3, 5, 6}, n0: 1, nd: 2},
		{name: "spaces, CRLF, blank lines, exponents", in: " 1 , -2.5e1,3\r\n\r\n\n4,5, 0x1p-2\n", x: []float64{1, -25, 4, 5}, y: []float64{3, 0.25}, n0: 2, nd: 1},
		{name: "header with one numeric name", in: "x1,2,y\n1,2,3\n", x: []float64{1, 2}, y: []float64{3}, n0: 2, nd: 1, header: true},
		{name: "no final newline", in: "1,2\n3,4", x: []float64{1, 3}, y: []float64{2, 4}, n0: 1, nd: 1},
		{name: "subset", in: "h,g\n1,2\n3,4\n5,6\n", o: Options{Samples: 2}, x: []float64{1, 3}, y: []float64{2, 4}, n0: 1, nd: 1, header: true},
		{name: "one-hot", in: "1,2\n3,0\n5,1\n", o: Options{OneHot: true}, x: []float64{1, 3, 5}, y: []float64{0, 0, 1, 1, 0, 0, 0, 1, 0}, n0: 1, nd: 3},
		{name: "one-hot 4 classes", in: "1,2\n3,0\n", o: Options{OneHot: true, Classes: 4}, x: []float64{1, 3}, y: []float64{0, 0, 1, 0, 1, 0, 0, 0}, n0: 1, nd: 4},
	} {
		s, err := ReadCSV(strings.NewReader(c.in), "d.csv", c.o)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		n, n0, nd := s.Dims()
		if n0 != c.n0 || nd != c.nd || n*n0 != len(c.x) || maxDiffVec(s.X.RawMatrix().Data, c.x) != 0 || maxDiffVec(s.Y.RawMatrix().Data, c.y) != 0 {
			t.Errorf("%s: X %v Y %v (n0 %d nd %d), want %v %v", c.name, s.X.RawMatrix().Data, s.Y.RawMatrix().Data, n0, nd, c.x, c.y)
		}
		if s.Info.Header != c.header || s.Info.Source != "csv" || s.Info.N != n {
			t.Errorf("%s: info %+v", c.name, s.Info)
		}
	}
}

// TestReadCSVBad is the table of bad CSV: a one-line error naming the file and the line.
func TestReadCSVBad(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    string
		o     Options
		parts []string
	}{
		{"empty", "", Options{}, []string{"empty CSV"}},
		{"blank lines only", "\n\n\n", Options{}, []string{"empty CSV"}},
		{"header only", "x,y\n", Options{}, []string{"header but no data rows"}},
		{"ragged short", "1,2,3\n4,5,6\n7,8\n", Options{}, []string{"line 3", "2 fields, want 3"}},
		{"ragged long", "a,b\n1,2\n\n3,4,5\n", Options{}, []string{"line 4", "3 fields, want 2"}},
		{"NaN", "1,2\n3,NaN\n", Options{}, []string{"line 2 column 3", `"NaN" is not a finite number`}},
		{"Inf first row", "Inf,2\n3,4\n", Options{}, []string{"line 1", `"Inf"`}},
		{"overflow", "1,2\n1e999,4\n", Options{}, []string{"line 2", `"1e999"`}},
		{"word in data", "x,y\n1,2\n3,four\n", Options{}, []string{"line 3", `"four"`}},
		{"empty field", "1,2\n3,\n", Options{}, []string{"line 2", `""`}},
		{"bare quote", "1,2\n3,4\"5\n", Options{}, []string{"line 2", "quote"}},
		{"k = 0", "1,2\n", Options{Outputs: -1}, []string{"-1 output columns out of range 1…1"}},
		{"k = columns", "1,2\n", Options{Outputs: 2}, []string{"2 output columns out of range 1…1 for 2 columns"}},
		{"one column", "1\n2\n", Options{}, []string{"out of range 1…0 for 1 columns"}},
		{"subset too large", "1,2\n3,4\n", Options{Samples: 3}, []string{"3 samples asked", "holds 2"}},
		{"one-hot non-integer", "1,2\n3,0.5\n", Options{OneHot: true}, []string{"label 0.5 of sample 1"}},
		{"one-hot two outputs", "1,2,3\n", Options{OneHot: true, Outputs: 2}, []string{"one output column, have 2"}},
		{"budget", "1,2\n3,4\n5,6\n", Options{MaxBytes: 40}, []string{"3×2", "budget of 40"}},
	} {
		_, err := ReadCSV(strings.NewReader(c.in), "d.csv", c.o)
		errContains(t, err, append([]string{"d.csv"}, c.parts...)...)
	}
}

func TestLoadCSVFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "d.csv", []byte("x,y\n1,2\n3,4\n"))
	s, err := LoadCSV(p, Options{})
	if err != nil || s.Info.Path != p {
		t.Fatalf("LoadCSV: %v, info %+v", err, s.Info)
	}
	_, err = LoadCSV(filepath.Join(dir, "none.csv"), Options{})
	errContains(t, err, "none.csv")
}
