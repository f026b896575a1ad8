package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fuzzBudget is the memory budget of the fuzz targets: whatever a header claims, a loader
// may not allocate past it (and MaxElements).
const fuzzBudget = 1 << 20

// checkSet fails t unless s is a consistent set of finite numbers.
func checkSet(t *testing.T, s *Set) {
	n, n0, nd := s.Dims()
	if n < 1 || n0 < 1 || nd < 1 || s.Info.N != n || s.Info.N0 != n0 || s.Info.ND != nd {
		t.Fatalf("dims %d %d %d, info %+v", n, n0, nd, s.Info)
	}
	for _, v := range append(append([]float64{}, s.X.RawMatrix().Data...), s.Y.RawMatrix().Data...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite value %v in the set", v)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"1,2,3\n4,5,6\n", "x,y\n1,2\n", "a,b,c\n1,2\n", "1,NaN\n", "", "\n\n", "\"1\",\"2\"\n3,4\n",
		"1,2\r\n3,4", "1;2\n", "x,y\n1,\"2\n", "0x1p3,1e-300,-0\n", "1,2,3\n4,5,6,7\n",
	} {
		f.Add([]byte(s), int8(1), false)
		f.Add([]byte(s), int8(2), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, outputs int8, onehot bool) {
		s, err := ReadCSV(bytes.NewReader(data), "fuzz.csv", Options{Outputs: int(outputs), OneHot: onehot, MaxBytes: fuzzBudget})
		if err != nil {
			if bytes.ContainsRune([]byte(err.Error()), '\n') {
				t.Fatalf("error of several lines: %q", err)
			}
			return
		}
		checkSet(t, s)
	})
}

func FuzzIDX(f *testing.F) {
	f.Add(idxBytes(idxUByte, []int{3, 2, 2}, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), uint8(0))
	f.Add(idxBytes(idxUByte, []int{4}, []float64{1, 9, 0, 3}), uint8(2))
	f.Add(idxBytes(idxDouble, []int{2, 1}, []float64{1.5, -2}), uint8(0))
	f.Add(idxBytes(idxFloat, []int{1}, []float64{math.NaN()}), uint8(0))
	f.Add(idxBytes(idxShort, []int{2}, []float64{-7, 7}), uint8(1))
	f.Add(idxBytes(idxInt, []int{1}, []float64{1 << 30}), uint8(0))
	f.Add(idxBytes(idxSByte, []int{1}, []float64{-1}), uint8(0))
	f.Add(idxBytes(idxUByte, []int{1000000, 1000000}, nil), uint8(0))
	f.Add(idxBytes(idxUByte, []int{60000, 28, 28}, make([]float64, 20)), uint8(5))
	f.Add(gz(idxBytes(idxUByte, []int{5}, []float64{1, 2, 3, 4, 5})), uint8(0))
	f.Add(gz(idxBytes(idxUByte, []int{1 << 30}, nil)), uint8(0))
	f.Add([]byte{0, 0, 8, 255}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, items uint8) {
		for _, size := range []int64{int64(len(data)), -1} {
			a, err := readIDX(bytes.NewReader(data), idxLimits{name: "fuzz.idx", size: size, isize: -1, items: int(items), budget: fuzzBudget})
			if err == nil {
				item := 1
				for _, d := range a.Dims[1:] {
					item *= d
				}
				if len(a.Data) != a.N*item || a.N > a.Dims[0] {
					t.Fatalf("dims %v N %d but %d elements", a.Dims, a.N, len(a.Data))
				}
			}
			// Read raw, unsigned bytes are the same elements, and errors the same errors, but
			// for the budget: raw bytes take a byte each, so where the float64 read is over
			// the budget the raw read may fit, and then read on (to the data's end, or to
			// another error); never the reverse.
			r, rerr := readIDX(bytes.NewReader(data), idxLimits{name: "fuzz.idx", size: size, isize: -1, items: int(items), budget: fuzzBudget, raw: true})
			overBudget := err != nil && strings.Contains(err.Error(), "over the budget")
			switch {
			case overBudget:
			case err == nil && rerr != nil, err != nil && (rerr == nil || err.Error() != rerr.Error()):
				t.Fatalf("raw read: error %v, float64 read: %v", rerr, err)
			}
			if err == nil && r.Type == idxUByte {
				if r.Data != nil || len(r.Bytes) != len(a.Data) {
					t.Fatalf("raw read: %d bytes, %d float64 elements", len(r.Bytes), len(a.Data))
				}
				for i, v := range r.Bytes {
					if float64(v) != a.Data[i] {
						t.Fatalf("raw element %d = %d, float64 read %v", i, v, a.Data[i])
					}
				}
			}
		}
		// As a gzip file, with the trailer's size hint.
		if z, err := gzip.NewReader(bytes.NewReader(data)); err == nil && len(data) >= 4 {
			isize := int64(binary.LittleEndian.Uint32(data[len(data)-4:]))
			readIDX(z, idxLimits{name: "fuzz.idx.gz", size: -1, isize: isize, items: int(items), budget: fuzzBudget})
		}
	})
}

func FuzzNPY(f *testing.F) {
	f.Add(npyBytes(dictOf("<f8", false, "(2, 2)"), le(1.0, 2, 3, 4)))
	f.Add(npyBytes(dictOf("<f4", true, "(2, 1)"), le[float32](1, 2)))
	f.Add(npyBytes(dictOf("|u1", false, "(3,)"), []byte{1, 2, 3}))
	f.Add(npyBytes(dictOf(">i8", false, "(1,)"), make([]byte, 8)))
	f.Add(npyBytes(dictOf("<f8", false, "(1000000, 1000000)"), nil))
	f.Add(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", le(1.0, 2)))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"))
	f.Add(zipBytes(map[string][]byte{
		"x.npy": npyBytes(dictOf("<f8", false, "(3, 0)"), nil),
		"y.npy": npyBytes(dictOf("<i8", false, "(3,)"), le[int64](1, 2, 3)),
	}))
	f.Add(zipBytes(map[string][]byte{
		"X": npyBytes(dictOf("<f4", false, "(2, 1)"), le[float32](1, 2)),
		"Y": npyBytes(dictOf("|u1", false, "(2,)"), []byte{0, 9}),
	}))
	files, _ := filepath.Glob(filepath.Join("testdata", "numpy", "*.np[yz]"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if a, err := readNPY(bytes.NewReader(data), int64(len(data)), "fuzz.npy", fuzzBudget); err == nil {
			r, c := a.rowsCols()
			if len(a.data) != r*c {
				t.Fatalf("shape %v but %d elements", a.shape, len(a.data))
			}
		}
		for _, oh := range []bool{false, true} {
			if s, err := readNPZ(bytes.NewReader(data), int64(len(data)), "fuzz.npz", Options{OneHot: oh, MaxBytes: fuzzBudget}); err == nil {
				checkSet(t, s)
			}
		}
	})
}

// TestHugeHeadersAllocateLittle: files whose headers claim far more data than they hold
// are rejected after allocating little, whether the size of the stream is known or not.
func TestHugeHeadersAllocateLittle(t *testing.T) {
	const budget = 1 << 32 // large: the data's absence must stop the loader, not the budget
	idx := idxBytes(idxUByte, []int{60000, 28, 28}, make([]float64, 100))
	gzIdx := gz(idx)
	npyHuge := npyBytes(dictOf("<f8", false, "(60000, 784)"), make([]byte, 800))
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"IDX, size known", func() error {
			_, err := readIDX(bytes.NewReader(idx), idxLimits{name: "f", size: int64(len(idx)), isize: -1, budget: budget})
			return err
		}},
		{"IDX, size unknown", func() error {
			_, err := readIDX(bytes.NewReader(idx), idxLimits{name: "f", size: -1, isize: -1, budget: budget})
			return err
		}},
		{"IDX, gzip", func() error {
			z, _ := gzip.NewReader(bytes.NewReader(gzIdx))
			isize := int64(binary.LittleEndian.Uint32(gzIdx[len(gzIdx)-4:]))
			_, err := readIDX(z, idxLimits{name: "f", size: -1, isize: isize, budget: budget})
			return err
		}},
		{"NPY", func() error {
			_, err := readNPY(bytes.NewReader(npyHuge), int64(len(npyHuge)), "f", budget)
			return err
		}},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := c.run()
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: no error", c.name)
		}
		// 47 MB (MNIST as bytes) or 376 MB (as float64) claimed; a read chunk and the
		// gzip window may be allocated.
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("%s: allocated %d bytes before failing", c.name, got)
		}
	}
}
