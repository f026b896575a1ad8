//go:build !amd64 || !gc

package flow

// useAVX is false: there are no vector kernels of this package for other architectures.
var useAVX = false

// axpy computes y[j] += alpha·x[j] for j < len(y) with gonum's Daxpy, which does nothing
// for a zero alpha.
func axpy(alpha float64, x, y []float64) {
	impl.Daxpy(len(y), alpha, x, 1, y, 1)
}

// axpy4 computes y[j] += v[0]·x0[j], then v[1]·x1[j], v[2]·x2[j] and v[3]·x3[j] for
// j < len(y): four axpys in order. Every v[i] must be nonzero.
func axpy4(v *[4]float64, x0, x1, x2, x3, y []float64) {
	n := len(y)
	impl.Daxpy(n, v[0], x0, 1, y, 1)
	impl.Daxpy(n, v[1], x1, 1, y, 1)
	impl.Daxpy(n, v[2], x2, 1, y, 1)
	impl.Daxpy(n, v[3], x3, 1, y, 1)
}

// dot2x4 sets out[4r+q] to the dot product of xr and yq over len(x0) elements with
// gonum's Ddot.
func dot2x4(x0, x1, y0, y1, y2, y3 []float64, out *[8]float64) {
	dot2x4Gonum(x0, x1, y0, y1, y2, y3, out)
}

// axpy2x4 computes, for r = 0, 1, 2, 3 in order, y0 += v[r]·xr and y1 += v[4+r]·xr over
// len(y0) elements with gonum's Daxpy. Every v[i] must be nonzero.
func axpy2x4(v *[8]float64, x0, x1, x2, x3, y0, y1 []float64) {
	axpy2x4Gonum(v, x0, x1, x2, x3, y0, y1)
}
