package dataset

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
)

func be64(v ...float64) []byte {
	var b bytes.Buffer
	for _, x := range v {
		var w [8]byte
		bits := math.Float64bits(x)
		for i := 0; i < 8; i++ {
			w[i] = byte(bits >> (56 - 8*i))
		}
		b.Write(w[:])
	}
	return b.Bytes()
}

// TestReadNPYTypes reads arrays of each accepted dtype from headers written by hand, in
// NumPy's current style ("…, }") and its older repr style (no trailing comma), C and
// Fortran order.
func TestReadNPYTypes(t *testing.T) {
	x23 := []float64{1, 2, 3, 4, 5, 6} // [[1 2 3] [4 5 6]]
	for _, c := range []struct {
		name    string
		dict    string
		data    []byte
		shape   []int
		want    []float64
		integer bool
	}{
		{"f8", dictOf("<f8", false, "(2, 3)"), le(1.0, 2, 3, 4, 5, 6), []int{2, 3}, x23, false},
		{"f4", dictOf("<f4", false, "(2, 3)"), le[float32](1, 2, 3, 4, 5, 6), []int{2, 3}, x23, false},
		{"big-endian f8", dictOf(">f8", false, "(2, 3)"), be64(1, 2, 3, 4, 5, 6), []int{2, 3}, x23, false},
		{"Fortran f8", dictOf("<f8", true, "(2, 3)"), le(1.0, 4, 2, 5, 3, 6), []int{2, 3}, x23, false},
		{"i8 vector", dictOf("<i8", false, "(3,)"), le[int64](-1, 0, 7), []int{3}, []float64{-1, 0, 7}, true},
		{"i4", dictOf("<i4", false, "(3,)"), le[int32](-1, 0, 7), []int{3}, []float64{-1, 0, 7}, true},
		{"i2", dictOf("<i2", false, "(3,)"), le[int16](-1, 0, 7), []int{3}, []float64{-1, 0, 7}, true},
		{"i1", dictOf("|i1", false, "(3,)"), le[int8](-1, 0, 7), []int{3}, []float64{-1, 0, 7}, true},
		{"u1", dictOf("|u1", false, "(3,)"), le[uint8](255, 0, 7), []int{3}, []float64{255, 0, 7}, true},
		{"u2", dictOf("<u2", false, "(3,)"), le[uint16](65535, 0, 7), []int{3}, []float64{65535, 0, 7}, true},
		{"u4", dictOf("<u4", false, "(3,)"), le[uint32](1<<32-1, 0, 7), []int{3}, []float64{1<<32 - 1, 0, 7}, true},
		{"u8", dictOf("<u8", false, "(3,)"), le[uint64](1<<40, 0, 7), []int{3}, []float64{1 << 40, 0, 7}, true},
		{"old repr header", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", le(1.0, 2, 3, 4, 5, 6), []int{2, 3}, x23, false},
		{"keys reordered, double quotes", `{"shape": (3,), "fortran_order": False, "descr": "<f8"}`, le(1.0, 2, 3), []int{3}, []float64{1, 2, 3}, false},
		{"python 2 long", "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }", le(1.0, 2, 3), []int{3}, []float64{1, 2, 3}, false},
	} {
		b := npyBytes(c.dict, c.data)
		a, err := readNPY(bytes.NewReader(b), int64(len(b)), "a.npy", 1<<20)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !equalInts(a.shape, c.shape) || maxDiffVec(a.data, c.want) != 0 || a.integer != c.integer {
			t.Errorf("%s: shape %v data %v integer %v, want %v %v %v", c.name, a.shape, a.data, a.integer, c.shape, c.want, c.integer)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadNPYBad is the bad-input table of .npy streams.
func TestReadNPYBad(t *testing.T) {
	good := npyBytes(dictOf("<f8", false, "(2, 2)"), le(1.0, 2, 3, 4))
	hugeLen := append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	for _, c := range []struct {
		name  string
		b     []byte
		parts []string
	}{
		{"empty", nil, []string{"not a .npy file"}},
		{"no magic", []byte("PK\x03\x04 not npy at all"), []string{"not a .npy file"}},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), good[8:]...), []string{"version 4.0"}},
		{"header length 2³¹", hugeLen, []string{"header length 2147483647"}},
		{"header cut", good[:20], []string{"header length"}},
		{"3-D", npyBytes(dictOf("<f8", false, "(2, 1, 2)"), le(1.0, 2, 3, 4)), []string{"shape (2, 1, 2)", "1-D or 2-D"}},
		{"0-D", npyBytes(dictOf("<f8", false, "()"), le(1.0)), []string{"shape ()"}},
		{"bool", npyBytes(dictOf("|b1", false, "(2,)"), []byte{0, 1}), []string{`dtype "|b1"`}},
		{"complex", npyBytes(dictOf("<c16", false, "(1,)"), make([]byte, 16)), []string{`dtype "<c16"`}},
		{"unicode", npyBytes(dictOf("<U3", false, "(1,)"), make([]byte, 12)), []string{`dtype "<U3"`}},
		{"float16", npyBytes(dictOf("<f2", false, "(1,)"), make([]byte, 2)), []string{`dtype "<f2"`}},
		{"object", npyBytes(dictOf("|O", false, "(1,)"), make([]byte, 8)), []string{`dtype "|O"`}},
		{"structured", npyBytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), []string{"descr is not a plain dtype string"}},
		{"NaN", npyBytes(dictOf("<f8", false, "(2, 2)"), le(1.0, 2, nan(), 4)), []string{"element (1, 0) is NaN"}},
		{"Inf f4", npyBytes(dictOf("<f4", false, "(3,)"), le[float32](1, 2, float32(inf()))), []string{"element (2, 0) is +Inf"}},
		{"data cut", good[:len(good)-3], []string{"shape (2, 2) of <f8 (160 bytes)", "has 157 bytes"}},
		{"trailing data", append(append([]byte{}, good...), 0), []string{"(160 bytes)", "has 161 bytes"}},
		{"10¹² elements", npyBytes(dictOf("<f8", false, "(1000000, 1000000)"), nil), []string{"1000000×1000000", "exceed"}},
		{"over the budget", npyBytes(dictOf("<f8", false, "(1000, 1000)"), nil), []string{"budget of 1048576"}},
		{"missing key", npyBytes("{'descr': '<f8', 'shape': (2,), }", le(1.0, 2)), []string{`no "fortran_order"`}},
		{"unknown key", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", le(1.0, 2)), []string{`unknown header key "x"`}},
		{"key twice", npyBytes("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le(1.0, 2)), []string{`"descr" twice`}},
		{"negative shape", npyBytes(dictOf("<f8", false, "(-2,)"), nil), []string{"shape is not a tuple"}},
		{"not a dict", npyBytes("['descr']", nil), []string{"not a dict"}},
		{"text after dict", npyBytes(dictOf("<f8", false, "(1,)")+" x", le(1.0)), []string{"text after"}},
		{"fortran maybe", npyBytes("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", le(1.0)), []string{"fortran_order is not True or False"}},
	} {
		_, err := readNPY(bytes.NewReader(c.b), int64(len(c.b)), "a.npy", 1<<20)
		errContains(t, err, append([]string{"a.npy"}, c.parts...)...)
	}
}

// TestLoadNPYFiles writes X and Y with npyio, as a user's NumPy would, and loads them as
// two files, a single file split by columns, and an .npz archive.
func TestLoadNPYFiles(t *testing.T) {
	dir := t.TempDir()
	x := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	writeNPY(t, filepath.Join(dir, "x.npy"), x)
	writeNPY(t, filepath.Join(dir, "y.npy"), []float64{0.5, 1.5, 2.5, 3.5})
	writeNPY(t, filepath.Join(dir, "labels.npy"), []int64{2, 0, 1, 2})
	writeNPY(t, filepath.Join(dir, "y3.npy"), []float64{1, 2, 3})
	writeFile(t, dir, "x3d.npy", npyBytes(dictOf("<f8", false, "(4, 1, 2)"), le(1.0, 2, 3, 4, 5, 6, 7, 8)))
	xy := mat.NewDense(4, 3, []float64{1, 2, 0.5, 3, 4, 1.5, 5, 6, 2.5, 7, 8, 3.5})
	writeNPY(t, filepath.Join(dir, "xy.npy"), xy)
	if err := npz.Write(filepath.Join(dir, "d.npz"), map[string]any{"X": x, "Y": []int64{2, 0, 1, 2}}); err != nil {
		t.Fatal(err)
	}
	// numpy.savez names its members x.npy, y.npy.
	writeSavez(t, filepath.Join(dir, "s.npz"), map[string][]byte{
		"x.npy": npyBytes(dictOf("<f4", false, "(4, 2)"), le[float32](1, 2, 3, 4, 5, 6, 7, 8)),
		"y.npy": npyBytes(dictOf("<f8", false, "(4,)"), le(0.5, 1.5, 2.5, 3.5)),
	})
	writeFile(t, dir, "bad.npz", []byte("not a zip archive"))
	writeSavez(t, filepath.Join(dir, "nocols.npz"), map[string][]byte{
		"x.npy": npyBytes(dictOf("<f8", false, "(3, 0)"), nil),
		"y.npy": npyBytes(dictOf("<f8", false, "(3,)"), le(1.0, 2, 3)),
	})
	writeSavez(t, filepath.Join(dir, "noy.npz"), map[string][]byte{"x.npy": npyBytes(dictOf("<f8", false, "(1,)"), le(1.0)), "w.npy": nil})
	p := func(n string) string { return filepath.Join(dir, n) }
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	ys := []float64{0.5, 1.5, 2.5, 3.5}
	oneHot := []float64{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}
	for _, c := range []struct {
		spec   string
		o      Options
		x, y   []float64
		n0, nd int
		src    string
	}{
		{p("x.npy") + "," + p("y.npy"), Options{}, xs, ys, 2, 1, "npy"},
		{p("x.npy") + "," + p("labels.npy"), Options{OneHot: true}, xs, oneHot, 2, 3, "npy"},
		{p("x.npy") + "," + p("labels.npy"), Options{}, xs, []float64{2, 0, 1, 2}, 2, 1, "npy"},
		{p("x.npy") + "," + p("y.npy"), Options{Samples: 2}, xs[:4], ys[:2], 2, 1, "npy"},
		{p("xy.npy"), Options{}, xs, ys, 2, 1, "npy"},
		{p("xy.npy"), Options{Outputs: 2}, []float64{1, 3, 5, 7}, []float64{2, 0.5, 4, 1.5, 6, 2.5, 8, 3.5}, 1, 2, "npy"},
		{p("d.npz"), Options{OneHot: true}, xs, oneHot, 2, 3, "npz"},
		{p("s.npz"), Options{}, xs, ys, 2, 1, "npz"},
	} {
		s, err := Open(c.spec, c.o)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		_, n0, nd := s.Dims()
		if n0 != c.n0 || nd != c.nd || maxDiffVec(s.X.RawMatrix().Data, c.x) != 0 || maxDiffVec(s.Y.RawMatrix().Data, c.y) != 0 || s.Info.Source != c.src {
			t.Errorf("%s %+v: X %v Y %v info %+v", c.spec, c.o, s.X.RawMatrix().Data, s.Y.RawMatrix().Data, s.Info)
		}
	}
	for _, c := range []struct {
		spec  string
		o     Options
		parts []string
	}{
		{p("x.npy") + "," + p("y3.npy"), Options{}, []string{"x.npy has 4 rows (shape (4, 2))", "y3.npy has 3 (shape (3,))"}},
		{p("x3d.npy") + "," + p("y.npy"), Options{}, []string{"x3d.npy", "shape (4, 1, 2)"}},
		{p("x.npy") + "," + p("y.npy"), Options{OneHot: true}, []string{"y.npy", "integer labels", "<f8"}},
		{p("y.npy"), Options{}, []string{"y.npy", "shape (4,)", "must be 2-D"}},
		{p("xy.npy"), Options{Outputs: 3}, []string{"3 output columns out of range 1…2"}},
		{p("x.npy") + "," + p("y.npy"), Options{Samples: 5}, []string{"5 samples asked", "holds 4"}},
		{p("x.npy") + "," + p("nofile.npy"), Options{}, []string{"nofile.npy"}},
		{p("noy.npz"), Options{}, []string{"noy.npz", "no array y (or Y)", "x.npy", "w.npy"}},
		{p("x.npy") + "," + p("y.npy"), Options{MaxBytes: 80}, []string{"y.npy", "budget of 16"}},
		{p("bad.npz"), Options{}, []string{"bad.npz", "not an .npz"}},
		{p("nocols.npz"), Options{}, []string{"nocols.npz:x.npy (shape (3, 0))", "without columns"}},
	} {
		_, err := Open(c.spec, c.o)
		errContains(t, err, c.parts...)
	}
}

func writeNPY(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Write(f, v); err != nil {
		t.Fatal(err)
	}
}

func writeSavez(t *testing.T, path string, members map[string][]byte) {
	t.Helper()
	if err := os.WriteFile(path, zipBytes(members), 0o644); err != nil {
		t.Fatal(err)
	}
}

// zipBytes writes an archive as numpy.savez does (stored members named NAME.npy).
func zipBytes(members map[string][]byte) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range members {
		w, err := z.Create(name)
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	z.Close()
	return b.Bytes()
}
