package flow

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var impl gonum.Implementation

// The tile of C that one Dgemm call computes. gonum's Dgemm splits a product into 64×64
// blocks and, from 4 blocks up, runs them on new goroutines, which allocates; a tile of at
// most 64 rows and 192 columns is 3 blocks and runs serially without allocating.
const (
	tileRows = 64
	tileCols = 192
)

// gemm computes C = α·op(A)·op(B) + β·C for row-major matrices, where op(A) is m×k and
// op(B) is k×n, in tiles small enough that no call allocates.
func gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	for i := 0; i < m; i += tileRows {
		mi := min(tileRows, m-i)
		// Rows i… of op(A): rows of A, or columns of A when transposed.
		var ai []float64
		if tA {
			ai = a[i:]
		} else {
			ai = a[i*lda:]
		}
		for j := 0; j < n; j += tileCols {
			nj := min(tileCols, n-j)
			// Columns j… of op(B): columns of B, or rows of B when transposed.
			var bj []float64
			if tB {
				bj = b[j*ldb:]
			} else {
				bj = b[j:]
			}
			impl.Dgemm(ta, tb, mi, nj, k, alpha, ai, lda, bj, ldb, beta, c[i*ldc+j:], ldc)
		}
	}
}
