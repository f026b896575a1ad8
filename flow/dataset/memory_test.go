package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// The loaders of files take the set's X and Y and little more, so that MaxBytes bounds the
// load: a CSV file's arrays are made once (appending grew them, 2–3 times the set in all),
// a single .npy keeps its inputs in the array read (a second copy before), and an integer
// .npy is converted a chunk at a time (a whole array of the file's type before).
func TestLoadersTakeTheSet(t *testing.T) {
	const n, cols = 20000, 4
	set := uint64(8 * n * cols)
	slack := uint64(256 << 10) // buffers of the reader, headers, the Set
	dir := t.TempDir()

	var csv strings.Builder
	csv.WriteString("a,b,c,y\n")
	for i := range n {
		fmt.Fprintf(&csv, "%d,%g,-1.5,%d\n", i, 0.25*float64(i), i%7)
	}
	cp := writeFile(t, dir, "d.csv", []byte(csv.String()))
	var s *Set
	var err error
	// encoding/csv makes a string of every record (garbage at once): 32 bytes a line here.
	if a, most := allocated(func() { s, err = LoadCSV(cp, Options{}) }), set+slack+32*n; err != nil || a > most {
		t.Errorf("LoadCSV of %d bytes of numbers allocated %d bytes (at most %d): %v", set, a, most, err)
	}
	if r, c := s.X.Dims(); r != n || c != cols-1 || s.X.At(n-1, 0) != n-1 || s.Y.At(n-1, 0) != (n-1)%7 {
		t.Fatalf("LoadCSV: X %d×%d, last row %v → %v", r, c, s.X.RawRowView(n-1), s.Y.At(n-1, 0))
	}

	vals := make([]float64, n*cols)
	ints := make([]int32, n*cols)
	for i := range vals {
		vals[i] = float64(i%1000) - 500
		ints[i] = int32(vals[i])
	}
	var fb, ib bytes.Buffer
	binary.Write(&fb, binary.LittleEndian, vals)
	binary.Write(&ib, binary.LittleEndian, ints)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"f8.npy", npyBytes(dictOf("<f8", false, fmt.Sprintf("(%d, %d)", n, cols)), fb.Bytes())},
		{"i4.npy", npyBytes(dictOf("<i4", false, fmt.Sprintf("(%d, %d)", n, cols)), ib.Bytes())},
	} {
		p := writeFile(t, dir, c.name, c.b)
		// The array read (X inside it) and the targets' copy.
		if a, most := allocated(func() { s, err = LoadNPY(p, "", Options{}) }), set+8*n+slack; err != nil || a > most {
			t.Errorf("LoadNPY %s of %d bytes of numbers allocated %d bytes (at most %d): %v", c.name, set, a, most, err)
		}
		for i := 0; i < n; i += 997 {
			for j := 0; j < cols-1; j++ {
				if s.X.At(i, j) != vals[i*cols+j] {
					t.Fatalf("%s: X(%d, %d) = %v, want %v", c.name, i, j, s.X.At(i, j), vals[i*cols+j])
				}
			}
			if s.Y.At(i, 0) != vals[i*cols+cols-1] {
				t.Fatalf("%s: Y(%d) = %v, want %v", c.name, i, s.Y.At(i, 0), vals[i*cols+cols-1])
			}
		}
	}

	// A single .npy is checked with its targets' copy before it is read: a budget that
	// holds the array but not the copy refuses it unread.
	f8 := filepath.Join(dir, "f8.npy")
	if a := allocated(func() { _, err = LoadNPY(f8, "", Options{MaxBytes: int64(set + 4*n)}) }); a > slack {
		t.Errorf("refusing f8.npy allocated %d bytes", a)
	}
	errContains(t, err, "f8.npy", "a copy of its last 1 columns", fmt.Sprintf("%d×5", n))

	// With a budget below the file's numbers, a CSV file is refused before its arrays hold
	// more than the budget.
	budget := int64(set / 4)
	if a := allocated(func() { _, err = LoadCSV(cp, Options{MaxBytes: budget}) }); a > uint64(budget)+slack+32*n {
		t.Errorf("LoadCSV over a budget of %d allocated %d bytes", budget, a)
	}
	errContains(t, err, "d.csv", fmt.Sprintf("budget of %d bytes (--max-memory)", budget))
}

// A label at or above MaxClasses is refused before the one-hot rows are made, and one too
// large to one-hot is not called "not an integer".
func TestOneHotBounds(t *testing.T) {
	var err error
	a := allocated(func() { _, _, err = oneHotMax("l", []float64{0, 3e6, 1}, 0, 10, 1<<40) })
	errContains(t, err, "label 3000000 of sample 1 is not below 10")
	if a > 1<<20 {
		t.Errorf("refusing the label allocated %d bytes", a)
	}
	_, _, err = oneHotMax("l", []float64{0, 1 << 62}, 0, 0, 1<<40)
	errContains(t, err, "4.611686018427388e+18 of sample 1 is too large")
	if strings.Contains(err.Error(), "not an integer") {
		t.Errorf("%v", err)
	}
	if y, c, err := oneHotMax("l", []float64{2, 0}, 0, 3, 1<<20); err != nil || c != 3 || y[2] != 1 || y[3] != 1 {
		t.Errorf("labels below MaxClasses: %v, %d classes, %v", err, c, y)
	}
}

// An .npz member is read through its declared size: one whose header declares more than
// the member holds, or a shape other than the one wanted, is refused unread; a Fortran-order
// matrix is transposed; numpy's member names (W1.npy) are found by W1.
func TestArchiveMatrix(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.npz")
	if err := os.WriteFile(p, zipBytes(map[string][]byte{
		"W1.npy": npyBytes(dictOf("<f8", true, "(2, 3)"), le(1.0, 4, 2, 5, 3, 6)),
		"W2":     npyBytes(dictOf("<f8", false, "(100000, 100000)"), nil),
		"W3":     npyBytes(dictOf("<f8", false, "(2, 2)"), le(1.0, 2, 3)),
		"W4":     npyBytes(dictOf("<f4", false, "(2,)"), le[float32](0.5, -2)),
		"W5":     npyBytes(dictOf("<f8", false, "(1, 1)"), le(math.Inf(1))),
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	z, err := OpenArchive(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	w, err := z.Matrix("W1", 2, 3)
	if err != nil || maxDiffVec(w, []float64{1, 2, 3, 4, 5, 6}) != 0 {
		t.Errorf("W1 = %v, %v", w, err)
	}
	var a uint64
	a = allocated(func() { _, err = z.Matrix("W2", 2, 3) })
	errContains(t, err, "c.npz:W2", "shape (100000, 100000), want (2, 3)")
	if a > 1<<20 {
		t.Errorf("refusing W2 allocated %d bytes", a)
	}
	_, err = z.Matrix("W3", 2, 2)
	errContains(t, err, "c.npz:W3", "(2, 2)", "has 152 bytes")
	if w, err := z.Matrix("W4", 2, 1); err != nil || w[0] != 0.5 || w[1] != -2 {
		t.Errorf("W4 = %v, %v", w, err)
	}
	_, err = z.Matrix("W5", 1, 1)
	errContains(t, err, "W5", "+Inf")
	_, err = z.Matrix("W6", 1, 1)
	errContains(t, err, "no array W6")
}

// Moments that overflow name the data and its largest entry.
func TestFiniteMoments(t *testing.T) {
	s, err := ReadCSV(strings.NewReader("1,2,3\n2,1e200,4\n"), "d.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Info.Path = "d.csv"
	_, err = s.FiniteMoments()
	errContains(t, err, "d.csv", "overflow", "Sxx holds +Inf", "1e+200 (sample 1, input 1)")
	s, _ = ReadCSV(strings.NewReader("1,2,3\n2,1,4\n"), "d.csv", Options{})
	if m, err := s.FiniteMoments(); err != nil || m.Syy != 12.5 {
		t.Errorf("finite moments: %v, Syy %v", err, m.Syy)
	}
}

// A CSV read lowers the collector's GOGC while it runs and restores it after.
func TestReadCSVRestoresGOGC(t *testing.T) {
	prev := debug.SetGCPercent(77)
	defer debug.SetGCPercent(prev)
	if _, err := ReadCSV(strings.NewReader("1,2\n3,4\n"), "d.csv", Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCSV(strings.NewReader("1,2\n3,x\n"), "d.csv", Options{}); err == nil {
		t.Fatal("no error for a bad field")
	}
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GOGC after reading %d, want 77", got)
	}
}

// Blank lines, which encoding/csv skips, reserve nothing: a CSV of a million of them and two
// rows is read in little memory.
func TestCSVBlankLines(t *testing.T) {
	p := writeFile(t, t.TempDir(), "b.csv", []byte("1,2\n"+strings.Repeat("\n\r\n", 1000000)+"3,4"))
	if n, err := countLines(strings.NewReader("a\n\n\r\nb\r\n \nc")); err != nil || n != 4 {
		t.Errorf("countLines = %d, %v; want 4", n, err)
	}
	var s *Set
	var err error
	if a := allocated(func() { s, err = LoadCSV(p, Options{}) }); err != nil || a > 1<<20 {
		t.Errorf("LoadCSV of 2 rows and 10⁶ blank lines allocated %d bytes: %v", a, err)
	}
	if s != nil && (s.X.At(1, 0) != 3 || s.Y.At(1, 0) != 4) {
		t.Errorf("rows %v %v", s.X.RawMatrix().Data, s.Y.RawMatrix().Data)
	}
}
