package dataset

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// byteMNIST writes n images of random pixels 0…255 (half of them 0) and random digit labels to dir in
// MNIST's IDX layout (gzipped when zipped) and returns the pixels.
func byteMNIST(t testing.TB, dir string, n int, zipped bool, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	pix := make([]float64, n*784)
	lab := make([]float64, n)
	raw := make([]byte, n*784)
	for i := range pix {
		// Half the pixels 0, as in MNIST's margins, the rest uniform.
		if rng.IntN(2) == 0 {
			raw[i] = byte(rng.IntN(256))
		}
		pix[i] = float64(raw[i])
	}
	for k := range lab {
		lab[k] = float64(rng.IntN(10))
	}
	img, lb, ext := idxBytes(idxUByte, []int{n, 28, 28}, pix), idxBytes(idxUByte, []int{n}, lab), ""
	if zipped {
		img, lb, ext = gz(img), gz(lb), ".gz"
	}
	writeFile(t, dir, "train-images-idx3-ubyte"+ext, img)
	writeFile(t, dir, "train-labels-idx1-ubyte"+ext, lb)
	return raw
}

// sameBits reports whether a and b hold the same float64s bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func sameMomentBits(a, b Moments) bool {
	return a.N == b.N && math.Float64bits(a.Syy) == math.Float64bits(b.Syy) &&
		sameBits(a.Sxx.RawSymmetric().Data, b.Sxx.RawSymmetric().Data) &&
		sameBits(a.Syx.RawMatrix().Data, b.Syx.RawMatrix().Data) &&
		sameBits(a.MeanX, b.MeanX) && sameBits(a.MeanY, b.MeanY)
}

// TestCompactMNIST: a compact MNIST set is the float64 set in other storage. Its rows,
// gathered or expanded, are x = b/255 (none) and x = b/255 − m_j (center, m_j the mean of
// column j of b/255 summed in sample order) bit for bit, the float64 set's rows are the
// same, and so are the moments (1500 samples: two blocks of the sums). Whitening expands
// the set, to the float64 set's rows.
func TestCompactMNIST(t *testing.T) {
	const n = 1500
	for _, zipped := range []bool{false, true} {
		dir := t.TempDir()
		raw := byteMNIST(t, dir, n, zipped, 7)
		var mean [784]float64
		for k := 0; k < n; k++ {
			for j := range mean {
				mean[j] += float64(raw[k*784+j]) / 255
			}
		}
		for j := range mean {
			mean[j] /= n
		}
		preps := []Prep{PrepNone, PrepCenter}
		if !zipped {
			preps = append(preps, PrepWhiten) // whitening's eigen-decomposition costs seconds: once
		}
		for _, p := range preps {
			dense, err := Open("mnist:"+dir, Options{Prep: p})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := Open("mnist:"+dir, Options{Prep: p, Compact: true})
			if err != nil {
				t.Fatal(err)
			}
			if want := p != PrepWhiten; cs.Compact() != want || dense.Compact() || (cs.X == nil) != want {
				t.Fatalf("%v: Compact() = %v, want %v", p, cs.Compact(), want)
			}
			if !reflect.DeepEqual(cs.Info, dense.Info) {
				t.Errorf("%v: info %+v, want %+v", p, cs.Info, dense.Info)
			}
			if nn, n0, nd := cs.Dims(); nn != n || n0 != 784 || nd != 10 {
				t.Fatalf("%v: dims %d %d %d", p, nn, n0, nd)
			}
			if !sameMomentBits(cs.Moments(), dense.Moments()) {
				t.Errorf("%v: the moments of the compact set differ from the float64 set's", p)
			}
			idx := rand.New(rand.NewPCG(1, 2)).Perm(n)[:300]
			gx, gy := make([]float64, len(idx)*784), make([]float64, len(idx)*10)
			cs.Gather(gx, gy, idx)
			rx, ry := mat.NewDense(len(idx), 784, nil), mat.NewDense(len(idx), 10, nil)
			dense.Rows(rx, ry, idx)
			if !sameBits(gx, rx.RawMatrix().Data) || !sameBits(gy, ry.RawMatrix().Data) {
				t.Errorf("%v: gathered rows differ from the float64 set's", p)
			}
			cs.Rows(rx, ry, idx)
			if !sameBits(gx, rx.RawMatrix().Data) || !sameBits(gy, ry.RawMatrix().Data) {
				t.Errorf("%v: Rows differs from Gather", p)
			}
			if p != PrepWhiten {
				for i, k := range idx {
					for j := 0; j < 784; j++ {
						want := float64(raw[k*784+j]) / 255
						if p == PrepCenter {
							want -= mean[j]
						}
						if math.Float64bits(gx[i*784+j]) != math.Float64bits(want) {
							t.Fatalf("%v: x[%d,%d] = %v, want %v", p, k, j, gx[i*784+j], want)
						}
					}
				}
			}
			lo, hi := 1000, 1130
			rx2, ry2 := make([]float64, (hi-lo)*784), make([]float64, (hi-lo)*10)
			cs.GatherRange(rx2, ry2, lo, hi)
			if !sameBits(rx2, dense.X.RawMatrix().Data[lo*784:hi*784]) || !sameBits(ry2, dense.Y.RawMatrix().Data[lo*10:hi*10]) {
				t.Errorf("%v: GatherRange differs from the float64 rows", p)
			}
			cs.Expand()
			if cs.Compact() || !sameBits(cs.X.RawMatrix().Data, dense.X.RawMatrix().Data) {
				t.Errorf("%v: the expanded set differs from the float64 set", p)
			}
		}
	}
}

// TestCompactPreprocessTwice: a second preprocessing, a fitted transform applied to another
// compact set, and every Prep after the first give what the float64 set gives, bit for bit.
func TestCompactPreprocessTwice(t *testing.T) {
	dir := t.TempDir()
	byteMNIST(t, dir, 300, false, 3)
	other := t.TempDir()
	byteMNIST(t, other, 200, false, 4)
	for _, steps := range [][]Prep{{PrepCenter, PrepCenter}, {PrepCenter, PrepWhiten}, {PrepNone, PrepCenter}, {PrepCenter, PrepNone}} {
		var sets [2]*Set
		var ts [2]*Transform
		for i, compact := range []bool{false, true} {
			s, err := Open("mnist:"+dir, Options{Compact: compact})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range steps {
				if ts[i], err = s.Preprocess(p, 0); err != nil {
					t.Fatal(err)
				}
			}
			sets[i] = s
		}
		sets[1].Expand()
		if !sameBits(sets[1].X.RawMatrix().Data, sets[0].X.RawMatrix().Data) || !sameBits(sets[1].Y.RawMatrix().Data, sets[0].Y.RawMatrix().Data) || sets[1].Info.Prep != sets[0].Info.Prep {
			t.Errorf("%v: the compact set differs from the float64 set", steps)
		}
		var tests [2]*Set
		for i, compact := range []bool{false, true} {
			s, err := Open("mnist:"+other, Options{Compact: compact})
			if err != nil {
				t.Fatal(err)
			}
			ts[i].Apply(s)
			if want := compact && ts[i].W == nil; s.Compact() != want {
				t.Errorf("%v: the transformed test set is compact %v, want %v", steps, s.Compact(), want)
			}
			s.Expand()
			tests[i] = s
		}
		if !sameBits(tests[1].X.RawMatrix().Data, tests[0].X.RawMatrix().Data) || !sameBits(tests[1].Y.RawMatrix().Data, tests[0].Y.RawMatrix().Data) {
			t.Errorf("%v: the transformed compact test set differs from the float64 one", steps)
		}
	}
}

// TestCompactBadMNIST: a compact load refuses every bad directory with the float64 load's
// error (over the budget, with its own count: a byte a pixel), and other sources ignore
// Compact.
func TestCompactBadMNIST(t *testing.T) {
	for _, c := range badMNISTCases() {
		dir := c.write(t)
		_, err := Open("mnist:"+dir, c.o)
		o := c.o
		o.Compact = true
		_, errc := Open("mnist:"+dir, o)
		if c.name == "budget" {
			if err == nil || errc == nil || !strings.Contains(errc.Error(), "bytes need") {
				t.Errorf("%s: compact error %v, float64 error %v", c.name, errc, err)
			}
			continue
		}
		if err == nil || errc == nil || err.Error() != errc.Error() {
			t.Errorf("%s: compact error %v, want %v", c.name, errc, err)
		}
	}
	// Preprocessings that fail on MNIST fail as for the float64 set and leave it compact.
	dir := t.TempDir()
	byteMNIST(t, dir, 20, false, 1)
	for _, p := range []Prep{PrepScalar, Prep(9)} {
		d, err := Open("mnist:"+dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := Open("mnist:"+dir, Options{Compact: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Preprocess(p, 0)
		_, errc := c.Preprocess(p, 0)
		if err == nil || errc == nil || err.Error() != errc.Error() || !c.Compact() {
			t.Errorf("prep %v: compact error %v (compact after: %v), want %v", p, errc, c.Compact(), err)
		}
	}
	s, err := Open("teacher", Options{Compact: true, Samples: 20})
	if err != nil {
		t.Fatal(err)
	}
	if s.Compact() || s.X == nil {
		t.Errorf("teacher with Compact: compact %v", s.Compact())
	}
}

// TestCompactMemory: a compact load allocates about a byte a pixel (the float64 load
// allocates eight at least).
func TestCompactMemory(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	byteMNIST(t, dir, n, false, 5)
	alloc := func(compact bool) float64 {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		s, err := LoadMNIST(dir, Options{Compact: compact})
		runtime.ReadMemStats(&b)
		if err != nil || s.Compact() != compact {
			t.Fatal(err)
		}
		return float64(b.TotalAlloc-a.TotalAlloc) / (n * 784)
	}
	if c, d := alloc(true), alloc(false); c > 1.5 || d < 8 {
		t.Errorf("bytes allocated a pixel: compact %.2f (want ≤ 1.5), float64 %.2f (want ≥ 8)", c, d)
	}
}

// TestIDXBytesRaw: unsigned bytes read raw are the bytes of the file, whether the stream's
// size is known (allocated at once) or not (grown chunk by chunk), and a truncated stream
// gives the float64 reader's error.
func TestIDXBytesRaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n, item = 700, 300 // 210 000 elements: several chunks of 64 KiB
	data := make([]float64, n*item)
	want := make([]byte, n*item)
	for i := range data {
		want[i] = byte(rng.IntN(256))
		data[i] = float64(want[i])
	}
	b := idxBytes(idxUByte, []int{n, item}, data)
	for _, size := range []int64{int64(len(b)), -1} {
		for _, items := range []int{0, 123} {
			a, err := readIDX(bytes.NewReader(b), idxLimits{name: "f", size: size, isize: -1, items: items, budget: 1 << 30, raw: true})
			if err != nil {
				t.Fatal(err)
			}
			m := n
			if items > 0 {
				m = items
			}
			if a.Data != nil || !bytes.Equal(a.Bytes, want[:m*item]) || a.N != m {
				t.Errorf("size %d items %d: raw bytes differ from the file's", size, items)
			}
		}
	}
	cut := b[:len(b)-1000]
	_, err := readIDX(bytes.NewReader(cut), idxLimits{name: "f", size: -1, isize: -1, budget: 1 << 30, raw: true})
	_, errf := readIDX(bytes.NewReader(cut), idxLimits{name: "f", size: -1, isize: -1, budget: 1 << 30})
	if err == nil || errf == nil || err.Error() != errf.Error() {
		t.Errorf("truncated: raw error %v, want %v", err, errf)
	}
	// Other element types are converted to float64 as before.
	a, err := readIDX(bytes.NewReader(idxBytes(idxShort, []int{2}, []float64{-3, 7})), idxLimits{name: "f", size: -1, isize: -1, budget: 1 << 20, raw: true})
	if err != nil || a.Bytes != nil || !reflect.DeepEqual(a.Data, []float64{-3, 7}) {
		t.Errorf("int16 read raw: %v %v %v", a, a.Data, err)
	}
}

// BenchmarkGather gathers a batch of 128 random rows of 60 000 MNIST-sized samples, centred,
// from the float64 rows and from the bytes (0 allocations either way).
func BenchmarkGather(b *testing.B) {
	const n, n0, nd, batch = 60000, 784, 10, 128
	rng := rand.New(rand.NewPCG(1, 1))
	code := make([]byte, n*n0)
	for i := range code {
		code[i] = byte(rng.IntN(256))
	}
	idx := make([]int, batch)
	for i := range idx {
		idx[i] = rng.IntN(n)
	}
	for _, compact := range []bool{false, true} {
		s := newByteSet(code, 255, make([]float64, n*nd), n, n0, nd, Info{})
		name := "bytes"
		if !compact {
			s.Expand()
			name = "float64"
		}
		if _, err := s.Preprocess(PrepCenter, 0); err != nil {
			b.Fatal(err)
		}
		dx, dy := make([]float64, batch*n0), make([]float64, batch*nd)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Gather(dx, dy, idx)
			}
		})
	}
}
