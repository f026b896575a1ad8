package dataset

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Peak memory of loading MNIST and computing its moments, measured outside the test
// binary:
//
//	go test -c -o /tmp/dataset.test ./flow/dataset
//	/usr/bin/time -v /tmp/dataset.test -test.run '^$' -test.bench 'MNISTOpenMoments$' -test.benchtime 1x
//	/usr/bin/time -v /tmp/dataset.test -test.run '^$' -test.bench 'MNISTStreamMoments$' -test.benchtime 1x

func mnistOrSkip(b *testing.B) *Set {
	b.Helper()
	s, err := Open("mnist", Options{})
	if err != nil {
		b.Skip(err)
	}
	return s
}

func BenchmarkMNISTOpen(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Open("mnist", Options{}); err != nil {
			b.Skip(err)
		}
	}
}

func BenchmarkMNISTMoments(b *testing.B) {
	s := mnistOrSkip(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Moments()
	}
}

// BenchmarkMNISTOpenMoments is the whole path of a full-batch run on MNIST: load, then the
// sufficient statistics.
func BenchmarkMNISTOpenMoments(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := Open("mnist", Options{})
		if err != nil {
			b.Skip(err)
		}
		s.Moments()
	}
}

// BenchmarkMNISTStreamMoments is the same through OpenMoments, which streams the images
// and never holds X.
func BenchmarkMNISTStreamMoments(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := OpenMoments("mnist", Options{}); err != nil {
			b.Skip(err)
		}
	}
}

// BenchmarkMNISTWhitenMoments whitens from the moments alone (one 784×784 eigen-
// decomposition); BenchmarkMNISTWhitenRows transforms the 60000 rows as well.
func BenchmarkMNISTWhitenMoments(b *testing.B) {
	m := mnistOrSkip(b).Moments()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Preprocess(PrepWhiten, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMNISTWhitenRows(b *testing.B) {
	s := mnistOrSkip(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := &Set{X: mat.DenseCopyOf(s.X), Y: mat.DenseCopyOf(s.Y)}
		b.StartTimer()
		if _, err := c.Preprocess(PrepWhiten, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRows gathers a mini-batch of 64 MNIST-sized rows (0 allocations).
func BenchmarkRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n, n0, nd := 4096, 784, 10
	s := newSet(make([]float64, n*n0), make([]float64, n*nd), n, n0, nd, Info{})
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = rng.IntN(n)
	}
	dx, dy := mat.NewDense(64, n0, nil), mat.NewDense(64, nd, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Rows(dx, dy, idx)
	}
}

// BenchmarkReadCSV reads CSV of growing size: the time per row stays flat (linear time).
func BenchmarkReadCSV(b *testing.B) {
	for _, rows := range []int{1000, 10000, 100000} {
		var buf bytes.Buffer
		buf.WriteString("a,b,c,d,y\n")
		for k := 0; k < rows; k++ {
			fmt.Fprintf(&buf, "%d,%g,%g,%g,%g\n", k, float64(k)/3, -float64(k), 1e-3*float64(k), float64(k%7))
		}
		b.Run(fmt.Sprint(rows), func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for i := 0; i < b.N; i++ {
				if _, err := ReadCSV(bytes.NewReader(buf.Bytes()), "bench.csv", Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
