package dataset

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// byteRows holds inputs whose values are bytes scaled (MNIST: pixel/255), one byte an
// element, with the centring that preprocessing applied:
//
//	x_kj = val[code_kj] − shift_j    (x_kj = val[code_kj] when shift is nil),
//
// with val[b] = float64(b)/div. Each element is the float64 that the expanded rows hold,
// computed by the same operations in the same order (float64 of the byte, divided by div,
// then the column mean subtracted), so a row gathered from here equals the row of the
// float64 set bit for bit.
type byteRows struct {
	n, n0 int
	code  []byte // n×n0, row-major
	val   [256]float64
	shift []float64 // centring: the column means subtracted, nil for none
}

// newByteSet returns a Set whose inputs are the bytes code (n×n0, row-major) divided by
// div, held compact, with the targets y (n×nd, row-major, float64).
func newByteSet(code []byte, div float64, y []float64, n, n0, nd int, info Info) *Set {
	info.N, info.N0, info.ND = n, n0, nd
	if info.Prep == "" {
		info.Prep = PrepNone.String()
	}
	b := &byteRows{n: n, n0: n0, code: code}
	for i := range b.val {
		b.val[i] = float64(i) / div
	}
	return &Set{Y: mat.NewDense(n, nd, y), Info: info, x8: b}
}

// row writes row k into dst (n0 elements).
func (b *byteRows) row(dst []float64, k int) {
	code := b.code[k*b.n0 : (k+1)*b.n0]
	dst = dst[:len(code)]
	val := &b.val
	if b.shift == nil {
		for j, c := range code {
			dst[j] = val[c]
		}
		return
	}
	shift := b.shift[:len(code)]
	for j, c := range code {
		dst[j] = val[c] - shift[j]
	}
}

// colMeans returns the mean of each column of the rows without shift, summed in the
// order of colMeans over the expanded rows.
func (b *byteRows) colMeans() []float64 {
	m := make([]float64, b.n0)
	for k := 0; k < b.n; k++ {
		for j, c := range b.code[k*b.n0 : (k+1)*b.n0] {
			m[j] += b.val[c]
		}
	}
	for j := range m {
		m[j] /= float64(b.n)
	}
	return m
}

// Compact reports whether the inputs are held as bytes (Options.Compact on a byte source):
// X is then nil, and Gather, GatherRange, Rows and Moments compute the float64 rows from
// the bytes as they are needed.
func (s *Set) Compact() bool { return s.x8 != nil }

// Expand replaces compact inputs by the float64 rows they stand for (X, N×n0), the same
// numbers bit for bit; it does nothing for a set that is not compact.
func (s *Set) Expand() {
	if s.x8 == nil {
		return
	}
	b := s.x8
	x := mat.NewDense(b.n, b.n0, nil)
	raw := x.RawMatrix()
	for k := 0; k < b.n; k++ {
		b.row(raw.Data[k*raw.Stride:], k)
	}
	s.X, s.x8 = x, nil
}

// Gather writes the inputs of the samples idx into dstX (len(idx)·n0 elements, row after
// row) and their targets into dstY (len(idx)·nd), without allocating. The rows are those
// of X and Y bit for bit, for a compact set too. It panics if a buffer is too short or an
// index is out of range.
func (s *Set) Gather(dstX, dstY []float64, idx []int) {
	n, n0, nd := s.Dims()
	if len(dstX) < len(idx)*n0 || len(dstY) < len(idx)*nd {
		panic("dataset: Gather: buffer too short")
	}
	for i, k := range idx {
		if k < 0 || k >= n {
			panic("dataset: Gather: index out of range")
		}
		s.row(dstX[i*n0:(i+1)*n0], dstY[i*nd:(i+1)*nd], k)
	}
}

// GatherRange is Gather for the samples lo, lo+1, …, hi−1.
func (s *Set) GatherRange(dstX, dstY []float64, lo, hi int) {
	n, n0, nd := s.Dims()
	if lo < 0 || hi > n || lo > hi {
		panic("dataset: GatherRange: range out of bounds")
	}
	if len(dstX) < (hi-lo)*n0 || len(dstY) < (hi-lo)*nd {
		panic("dataset: GatherRange: buffer too short")
	}
	for i := 0; i < hi-lo; i++ {
		s.row(dstX[i*n0:(i+1)*n0], dstY[i*nd:(i+1)*nd], lo+i)
	}
}

// row writes sample k into dx (n0) and dy (nd).
func (s *Set) row(dx, dy []float64, k int) {
	if s.x8 != nil {
		s.x8.row(dx, k)
	} else {
		xr := s.X.RawMatrix()
		copy(dx, xr.Data[k*xr.Stride:k*xr.Stride+xr.Cols])
	}
	yr := s.Y.RawMatrix()
	copy(dy, yr.Data[k*yr.Stride:k*yr.Stride+yr.Cols])
}

// xBlock returns rows r0 … r1−1 of X as a general matrix: a view of X, or for a compact set
// the rows expanded into buf (at least (r1−r0)·n0 elements).
func (s *Set) xBlock(r0, r1 int, buf []float64) blas64.General {
	if s.x8 == nil {
		xr := s.X.RawMatrix()
		return blas64.General{Rows: r1 - r0, Cols: xr.Cols, Stride: xr.Stride, Data: xr.Data[r0*xr.Stride:]}
	}
	n0 := s.x8.n0
	for k := r0; k < r1; k++ {
		s.x8.row(buf[(k-r0)*n0:], k)
	}
	return blas64.General{Rows: r1 - r0, Cols: n0, Stride: n0, Data: buf}
}
