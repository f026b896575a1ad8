package flow

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var impl gonum.Implementation

// The products of a Net have one small side, n_d, which is m, n or k (the batch products
// AddSamples adds have it as n or m). gonum's serial Dgemm runs a product row of C by row
// of C, streaming the whole of B again for every row, and from 4 blocks of 64×64 up its
// Dgemm runs the blocks on new goroutines, which allocates. gemm instead loops so that the
// large operand is streamed once per tile of C while the small one stays in cache, calling
// vector kernels on long rows, serially, allocating nothing.
//
// Every element of C is accumulated in the same order as by gonum's serial Dgemm
// (c ← βc, then c += (α·a_il)·b_lj for l = 0, 1, … as a vector update, or c += α·(a_i·b_j)
// as one dot product), so the results are those of gonum's serial kernels to the bit. On
// amd64 with AVX the kernels (axpy_amd64.s) do gonum's SSE2 operations four lanes at a time:
// the vector update multiplies and adds separately (no fused multiply-add), in gonum's
// operand order, four rows of B per load of two rows of C (axpy2x4; axpy4 for a single row
// or where a coefficient is zero, since zeros are skipped); the dot products keep
// DotUnitary's four partial sums and combine them as it does, eight at once (dot2x4).
// Without AVX, and on other architectures, they are gonum's Daxpy and Ddot.
//
// Splitting a product between two goroutines was tried and gained nothing on the 2-core
// machine where testdata/bench/net.sh was measured: the two halves running at once took as
// long as the whole product on one core. gemm stays on the caller's goroutine.
const (
	// The tile of C of an axpy-ordered product: 16 rows of up to 1024 columns (C of a Net's
	// products, 10×784, in one tile, in L2), measured faster than 16×256 tiles in L1,
	// whose shorter rows cost more calls.
	tileRows = 16
	tileCols = 1024
	// dotRows rows of A stay in cache while the rows of B stream past a dot-ordered product.
	dotRows = 32
	// Tiles of TT products, which gonum's Dgemm runs serially (at most 3 blocks of 64×64).
	ttRows, ttCols = 64, 192
)

// gemm computes C = α·op(A)·op(B) + β·C for row-major matrices, where op(A) is m×k and
// op(B) is k×n. It allocates nothing.
func gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if beta != 1 {
		for i := 0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(ci)
			} else {
				for j := range ci {
					ci[j] *= beta
				}
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	p := product{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	p.run()
}

// product is one call of gemm after C's scaling by β.
type product struct {
	tA, tB  bool
	m, n, k int
	alpha   float64
	a       []float64
	lda     int
	b       []float64
	ldb     int
	c       []float64
	ldc     int
}

// run computes C += α·op(A)·op(B) serially.
func (p *product) run() {
	switch {
	case !p.tB:
		p.axpyOrdered()
	case !p.tA:
		p.dotOrdered()
	default:
		p.tiledTT()
	}
}

// axpyOrdered computes C += α·op(A)·B tile by tile of C; in a tile, rows l..l+3 of B update
// every row of the tile before row l+4 is read, so B streams once per row tile of C. The
// four updates of two rows of C run as one axpy2x4 (B loaded once for both rows, C loaded
// and stored once), or of one row as one axpy4, in the order l, l+1, l+2, l+3, as four
// axpys would; zero coefficients are skipped, as gonum's Dgemm and Daxpy skip them (adding
// 0·b is not a no-op when b holds Inf or NaN or c is −0).
func (p *product) axpyOrdered() {
	m, n, k, b, c, ldb, ldc := p.m, p.n, p.k, p.b, p.c, p.ldb, p.ldc
	var v [8]float64
	var rows [8][]float64
	for i0 := 0; i0 < m; i0 += tileRows {
		i1 := min(i0+tileRows, m)
		for j0 := 0; j0 < n; j0 += tileCols {
			nj := min(tileCols, n-j0)
			for l0 := 0; l0 < k; l0 += 4 {
				l1 := min(l0+4, k)
				i := i0
				for ; i+2 <= i1; i += 2 {
					ci, cn := c[i*ldc+j0:i*ldc+j0+nj], c[(i+1)*ldc+j0:(i+1)*ldc+j0+nj]
					if l1-l0 == 4 && p.coefs(i, l0, l1, v[:4]) && p.coefs(i+1, l0, l1, v[4:]) {
						b0 := b[l0*ldb+j0:]
						axpy2x4(&v, b0, b[(l0+1)*ldb+j0:], b[(l0+2)*ldb+j0:], b[(l0+3)*ldb+j0:], ci, cn)
						continue
					}
					p.axpyRow(i, l0, l1, j0, nj, &v, &rows)
					p.axpyRow(i+1, l0, l1, j0, nj, &v, &rows)
				}
				if i < i1 {
					p.axpyRow(i, l0, l1, j0, nj, &v, &rows)
				}
			}
		}
	}
}

// coefs sets w[l−l0] = α·op(A)_il for l0 ≤ l < l1 and reports whether they are all nonzero.
func (p *product) coefs(i, l0, l1 int, w []float64) bool {
	all := true
	for l := l0; l < l1; l++ {
		w[l-l0] = p.coef(i, l)
		all = all && w[l-l0] != 0
	}
	return all
}

// coef returns α·op(A)_il.
func (p *product) coef(i, l int) float64 {
	if p.tA {
		return p.alpha * p.a[l*p.lda+i]
	}
	return p.alpha * p.a[i*p.lda+l]
}

// axpyRow updates row i of C, columns j0..j0+nj−1, by rows l0..l1−1 of B (l1 − l0 ≤ 4) in
// order, skipping zero coefficients.
func (p *product) axpyRow(i, l0, l1, j0, nj int, v *[8]float64, rows *[8][]float64) {
	nz := 0
	for l := l0; l < l1; l++ {
		if w := p.coef(i, l); w != 0 {
			v[nz], rows[nz] = w, p.b[l*p.ldb+j0:l*p.ldb+j0+nj]
			nz++
		}
	}
	ci := p.c[i*p.ldc+j0 : i*p.ldc+j0+nj]
	if nz == 4 {
		axpy4((*[4]float64)(v[:4]), rows[0], rows[1], rows[2], rows[3], ci)
		return
	}
	for r := 0; r < nz; r++ {
		axpy(v[r], rows[r], ci)
	}
}

// axpy2x4Gonum computes y0 += v[r]·xr and y1 += v[4+r]·xr for r = 0, 1, 2, 3 in order with
// gonum's Daxpy.
func axpy2x4Gonum(v *[8]float64, x0, x1, x2, x3, y0, y1 []float64) {
	for r, x := range [4][]float64{x0, x1, x2, x3} {
		impl.Daxpy(len(y0), v[r], x, 1, y0, 1)
		impl.Daxpy(len(y0), v[4+r], x, 1, y1, 1)
	}
}

// dotOrdered computes C += α·A·Bᵀ by dot products of rows, dotRows rows of A at a time
// against every row of B: two rows of A against four rows of B in one dot2x4 (eight dot
// products in one pass, each summed as gonum's Ddot sums it). At the edges (an odd row of
// A, fewer than four rows of B left) the missing rows are stood in for by repeating a row,
// and the dot products of the stand-ins are not used.
func (p *product) dotOrdered() {
	m, n, k, a, b, c, lda, ldb, ldc := p.m, p.n, p.k, p.a, p.b, p.c, p.lda, p.ldb, p.ldc
	var d [8]float64
	var bq [4][]float64
	for i0 := 0; i0 < m; i0 += dotRows {
		i1 := min(i0+dotRows, m)
		for j := 0; j < n; j += 4 {
			nq := min(4, n-j)
			for q := range bq {
				jq := j + min(q, nq-1)
				bq[q] = b[jq*ldb : jq*ldb+k]
			}
			for i := i0; i < i1; i += 2 {
				nr := min(2, i1-i)
				a1 := a[(i+nr-1)*lda : (i+nr-1)*lda+k]
				dot2x4(a[i*lda:i*lda+k], a1, bq[0], bq[1], bq[2], bq[3], &d)
				for r := range nr {
					for q := range nq {
						c[(i+r)*ldc+j+q] += p.alpha * d[4*r+q]
					}
				}
			}
		}
	}
}

// dot2x4Gonum sets out[4r+q] to gonum's Ddot of xr and yq over len(x0) elements.
func dot2x4Gonum(x0, x1, y0, y1, y2, y3 []float64, out *[8]float64) {
	n := len(x0)
	for r, x := range [2][]float64{x0, x1} {
		for q, y := range [4][]float64{y0, y1, y2, y3} {
			out[4*r+q] = impl.Ddot(n, x, 1, y, 1)
		}
	}
}

// tiledTT computes C += α·Aᵀ·Bᵀ with gonum's Dgemm on tiles small enough to run serially.
func (p *product) tiledTT() {
	for i := 0; i < p.m; i += ttRows {
		mi := min(ttRows, p.m-i)
		for j := 0; j < p.n; j += ttCols {
			nj := min(ttCols, p.n-j)
			impl.Dgemm(blas.Trans, blas.Trans, mi, nj, p.k, p.alpha, p.a[i:], p.lda, p.b[j*p.ldb:], p.ldb, 1, p.c[i*p.ldc+j:], p.ldc)
		}
	}
}
