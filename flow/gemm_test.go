package flow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64() - 0.5
	}
	return s
}

// gemmCase is one product C = α·op(A)·op(B) + β·C with leading dimensions larger than the
// rows (strided views) and its operands.
type gemmCase struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float64
	lda, ldb, ldc int
	a, b, c       []float64
}

func newGemmCase(rng *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float64) gemmCase {
	g := gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	g.lda, g.ldb, g.ldc = ac+3, bc+1, n+2
	g.a = randSlice(rng, max(ar*g.lda, 1))
	g.b = randSlice(rng, max(br*g.ldb, 1))
	g.c = randSlice(rng, max(m*g.ldc, 1))
	return g
}

func (g gemmCase) at(x []float64, ld int, tr bool, i, j int) float64 {
	if tr {
		return x[j*ld+i]
	}
	return x[i*ld+j]
}

// TestGemm checks every element of gemm's C against the definition Σ_l op(A)_il op(B)_lj
// summed in order, within the round-off bound k·ε·(|β c| + |α| Σ_l |a_il b_lj|) of a sum of
// k products, for every transposition, with shapes from 1 to past the tiles and the split,
// and checks that the padding between rows (ldc > n) is not written.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 4, 0}, {10, 784, 50}, {70, 300, 10}, {17, 257, 33}, {128, 10, 300}, {256, 260, 10}, {40, 90, 200}}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float64{{1, 0}, {-0.7, 1}, {2, -0.5}, {0, 3}} {
				g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], ab[0], ab[1])
				c := append([]float64(nil), g.c...)
				gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
				for i := 0; i < g.m; i++ {
					for j := 0; j < g.ldc; j++ {
						if j >= g.n {
							if c[i*g.ldc+j] != g.c[i*g.ldc+j] {
								t.Fatalf("%v: padding C[%d,%d] written", s, i, j)
							}
							continue
						}
						var sum, abs float64
						for l := 0; l < g.k; l++ {
							p := g.at(g.a, g.lda, g.tA, i, l) * g.at(g.b, g.ldb, g.tB, l, j)
							sum += p
							abs += math.Abs(p)
						}
						want := g.beta*g.c[i*g.ldc+j] + g.alpha*sum
						tol := float64(g.k+2) * 0x1p-52 * (math.Abs(g.beta*g.c[i*g.ldc+j]) + math.Abs(g.alpha)*abs)
						if got := c[i*g.ldc+j]; math.Abs(got-want) > tol {
							t.Fatalf("%v tA=%v tB=%v α=%v β=%v: C[%d,%d] = %v, want %v ± %.2g", s, g.tA, g.tB, g.alpha, g.beta, i, j, got, want, tol)
						}
					}
				}
			}
		}
	}
}

// TestGemmLikeDgemm checks that gemm gives the result of gonum's serial Dgemm to the bit
// (called on 64×64 tiles of C, which it runs serially over the whole inner dimension), on
// shapes that gemm tiles and splits: every element is summed in the same order.
func TestGemmLikeDgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	shapes := [][3]int{{10, 60, 64}, {10, 784, 256}, {256, 784, 10}, {128, 10, 784}, {10, 256, 784}, {64, 64, 64}, {33, 500, 70}}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], 0.75, 0.5)
			g.likeDgemm(t, s)
		}
	}
}

// TestGemmZerosLikeDgemm checks gemm against gonum's serial Dgemm to the bit, NaN payloads
// included, when A has zeros (a zero coefficient is skipped, not added as 0·b), B has
// infinities, NaNs and signed zeros, and C has −0: on shapes with odd rows and inner
// dimensions not a multiple of 4, and with β = 1 so that C's −0 reaches the sums.
func TestGemmZerosLikeDgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shapes := [][3]int{{1, 9, 5}, {3, 17, 7}, {10, 784, 10}, {17, 300, 33}, {5, 4, 130}, {9, 100, 9}}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, frac := range []float64{0.05, 0.5} {
				g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], -1.25, 1)
				for i := range g.a {
					if rng.Float64() < frac {
						g.a[i] = 0
					}
				}
				for i := range g.b {
					if rng.Float64() < 0.01 {
						g.b[i] = special[rng.IntN(5)]
					}
				}
				for i := range g.c {
					if rng.Float64() < 0.3 {
						g.c[i] = math.Copysign(0, -1)
					}
				}
				g.likeDgemm(t, s)
			}
		}
	}
}

// likeDgemm checks gemm on g against gonum's Dgemm on 64×64 tiles of C, bit by bit.
func (g gemmCase) likeDgemm(t *testing.T, s [3]int) {
	t.Helper()
	got, want := append([]float64(nil), g.c...), append([]float64(nil), g.c...)
	gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, got, g.ldc)
	ta, tb := blas.NoTrans, blas.NoTrans
	if g.tA {
		ta = blas.Trans
	}
	if g.tB {
		tb = blas.Trans
	}
	for i := 0; i < g.m; i += 64 {
		for j := 0; j < g.n; j += 64 {
			ai, bj := g.a[i:], g.b[j:]
			if !g.tA {
				ai = g.a[i*g.lda:]
			}
			if g.tB {
				bj = g.b[j*g.ldb:]
			}
			impl.Dgemm(ta, tb, min(64, g.m-i), min(64, g.n-j), g.k, g.alpha, ai, g.lda, bj, g.ldb, g.beta, want[i*g.ldc+j:], g.ldc)
		}
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%v tA=%v tB=%v: C[%d] = %v (%#016x), Dgemm gives %v (%#016x)", s, g.tA, g.tB, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// TestGemmNoAlloc checks that products of every transposition, past the tiles, allocate
// nothing.
func TestGemmNoAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		for _, s := range [][3]int{{10, 784, 784}, {256, 784, 10}, {128, 10, 784}, {200, 300, 70}} {
			g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], 1, 0.5)
			if a := testing.AllocsPerRun(3, func() { gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc) }); a != 0 {
				t.Errorf("%v tA=%v tB=%v: %v allocations", s, g.tA, g.tB, a)
			}
		}
	}
}

// The products of one step of the 784, 256, 256, 10 network: (tA, tB, m, n, k).
var netShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"S1=W3W2", false, false, 10, 256, 256},
	{"S0=S1W1", false, false, 10, 784, 256},
	{"E=S0Sxx", false, false, 10, 784, 784},
	{"res=XS0t", false, true, 128, 10, 784},
	{"E+=restX", true, false, 10, 784, 128},
	{"R1=EW1t", false, true, 10, 256, 784},
	{"R2=R1W2t", false, true, 10, 256, 256},
	{"G1=S1tR0", true, false, 256, 784, 10},
	{"G2=S2tR1", true, false, 256, 256, 10},
}

// BenchmarkGemm times the products of a step of the 784, 256, 256, 10 network.
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range netShapes {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			g := newGemmCase(rng, s.tA, s.tB, s.m, s.n, s.k, 1, 0.5)
			b.ReportAllocs()
			for b.Loop() {
				gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
