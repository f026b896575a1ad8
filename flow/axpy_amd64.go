//go:build gc

package flow

// useAVX is whether the processor and the operating system support AVX (CPUID.1:ECX bits
// 27 OSXSAVE and 28 AVX, and XCR0 enabling the SSE and AVX state).
var useAVX = func() bool {
	if max, _, _, _ := cpuid(0, 0); max < 1 {
		return false
	}
	_, _, ecx, _ := cpuid(1, 0)
	if ecx&(1<<27) == 0 || ecx&(1<<28) == 0 {
		return false
	}
	xcr0, _ := xgetbv()
	return xcr0&6 == 6
}()

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

//go:noescape
func axpyAVX(n int, alpha float64, x, y *float64)

//go:noescape
func axpy4AVX(n int, v *[4]float64, x0, x1, x2, x3, y *float64)

// axpy computes y[j] += alpha·x[j] for j < len(y), with the bits of gonum's Daxpy, which
// does nothing for a zero alpha (y + 0·x would turn −0 into +0 and Inf or NaN in x into NaN).
func axpy(alpha float64, x, y []float64) {
	n := len(y)
	if n == 0 || alpha == 0 {
		return
	}
	x = x[:n]
	if !useAVX {
		impl.Daxpy(n, alpha, x, 1, y, 1)
		return
	}
	axpyAVX(n, alpha, &x[0], &y[0])
}

// axpy4 computes y[j] += v[0]·x0[j], then v[1]·x1[j], v[2]·x2[j] and v[3]·x3[j] for
// j < len(y): four axpys in order, to the bit. Every v[i] must be nonzero.
func axpy4(v *[4]float64, x0, x1, x2, x3, y []float64) {
	n := len(y)
	if n == 0 {
		return
	}
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	if !useAVX {
		impl.Daxpy(n, v[0], x0, 1, y, 1)
		impl.Daxpy(n, v[1], x1, 1, y, 1)
		impl.Daxpy(n, v[2], x2, 1, y, 1)
		impl.Daxpy(n, v[3], x3, 1, y, 1)
		return
	}
	axpy4AVX(n, v, &x0[0], &x1[0], &x2[0], &x3[0], &y[0])
}

//go:noescape
func dot2x4AVX(n int, x0, x1, y0, y1, y2, y3 *float64, out *[8]float64)

// dot2x4 sets out[4r+q] to the dot product of xr and yq over len(x0) elements, with the
// bits of gonum's Ddot. The slices must be nonempty.
func dot2x4(x0, x1, y0, y1, y2, y3 []float64, out *[8]float64) {
	n := len(x0)
	x1, y0, y1, y2, y3 = x1[:n], y0[:n], y1[:n], y2[:n], y3[:n]
	if !useAVX {
		dot2x4Gonum(x0, x1, y0, y1, y2, y3, out)
		return
	}
	dot2x4AVX(n, &x0[0], &x1[0], &y0[0], &y1[0], &y2[0], &y3[0], out)
}

//go:noescape
func axpy2x4AVX(n int, v *[8]float64, x0, x1, x2, x3, y0, y1 *float64)

// axpy2x4 computes, for r = 0, 1, 2, 3 in order, y0[j] += v[r]·xr[j] and
// y1[j] += v[4+r]·xr[j] for j < len(y0): eight axpys, to the bit. Every v[i] must be
// nonzero, and y0 and y1 must not overlap.
func axpy2x4(v *[8]float64, x0, x1, x2, x3, y0, y1 []float64) {
	n := len(y0)
	if n == 0 {
		return
	}
	x0, x1, x2, x3, y1 = x0[:n], x1[:n], x2[:n], x3[:n], y1[:n]
	if !useAVX {
		axpy2x4Gonum(v, x0, x1, x2, x3, y0, y1)
		return
	}
	axpy2x4AVX(n, v, &x0[0], &x1[0], &x2[0], &x3[0], &y0[0], &y1[0])
}
