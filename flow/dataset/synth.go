package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Teacher generates y = T x + σ_y ε, the linear teacher of Saxe, McClelland & Ganguli
// (2014): T = U diag(s) Vᵀ (nd×n0) with the singular values s = o.Spectrum (default
// r, r−1, …, 1, r = min(n0, nd); fewer than r values leave the rest 0) and U (nd×nd),
// V (n0×n0) Haar-distributed orthogonal, x ~ N(0, I_n0), ε ~ N(0, I_nd), σ_y = o.Noise.
// With o.Whitened the inputs are centred and whitened exactly, XᵀX/N = I (needs N > n0).
// The random stream is PCG(o.Seed, o.Seed), drawn in this order: U, V, X row by row, ε row
// by row. Set.Teacher holds T.
func Teacher(o Options) (*Set, error) {
	n0, nd, n := o.Inputs, o.OutputsDim, o.Samples
	if n0 == 0 {
		n0 = 8
	}
	if nd == 0 {
		nd = 4
	}
	if n == 0 {
		n = 1000
	}
	if n0 < 1 || nd < 1 {
		return nil, fmt.Errorf("dataset: teacher widths n0 = %d, nd = %d must be ≥ 1", n0, nd)
	}
	if n < 1 {
		return nil, fmt.Errorf("dataset: teacher samples %d < 1", n)
	}
	r := min(n0, nd)
	s := o.Spectrum
	if s == nil {
		s = make([]float64, r)
		for i := range s {
			s[i] = float64(r - i)
		}
	}
	if len(s) > r {
		return nil, fmt.Errorf("dataset: teacher spectrum has %d values, at most min(n0, nd) = %d", len(s), r)
	}
	for i, v := range s {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("dataset: teacher singular value %d is %v, want finite ≥ 0", i, v)
		}
	}
	if !(o.Noise >= 0) || math.IsInf(o.Noise, 0) {
		return nil, fmt.Errorf("dataset: teacher noise %v, want finite ≥ 0", o.Noise)
	}
	if o.Whitened && n <= n0 {
		return nil, fmt.Errorf("dataset: teacher: exact whitening needs samples > n0, have %d ≤ %d", n, n0)
	}
	if err := checkAlloc("teacher data", n, n0+nd, o.maxBytes()); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed))
	u := Haar(nd, rng)
	v := Haar(n0, rng)
	t := mat.NewDense(nd, n0, nil)
	for k, sk := range s {
		for i := 0; i < nd; i++ {
			for j := 0; j < n0; j++ {
				t.Set(i, j, t.At(i, j)+sk*u.At(i, k)*v.At(j, k))
			}
		}
	}
	x := mat.NewDense(n, n0, nil)
	xr := x.RawMatrix().Data
	for i := range xr {
		xr[i] = rng.NormFloat64()
	}
	if o.Whitened {
		subRows(x, colMeans(x))
		m := (&Set{X: x, Y: mat.NewDense(n, 1, nil)}).Moments()
		var w Transform
		// Gaussian data with N > n0 have full rank almost surely; the cut only guards
		// against a singular draw.
		if err := w.fitWhiten(m.Sxx, 1e-12); err != nil {
			return nil, err
		}
		if w.Rank != n0 {
			return nil, fmt.Errorf("dataset: teacher: the drawn inputs have rank %d < n0 = %d", w.Rank, n0)
		}
		mulRows(x, w.W)
	}
	y := mat.NewDense(n, nd, nil)
	y.Mul(x, t.T())
	if o.Noise > 0 {
		yr := y.RawMatrix().Data
		for i := range yr {
			yr[i] += o.Noise * rng.NormFloat64()
		}
	}
	info := Info{Source: "teacher", N: n, N0: n0, ND: nd, Seed: o.Seed, Noise: o.Noise,
		Spectrum: append([]float64(nil), s...), ExactWhite: o.Whitened, Prep: PrepNone.String()}
	return &Set{X: x, Y: y, Info: info, Teacher: t}, nil
}

// Haar returns an n×n orthogonal matrix distributed by the Haar measure: the Q of the QR
// factorization of a matrix of independent N(0, 1) entries, its columns' signs fixed so
// that R has a positive diagonal (Mezzadri, Notices AMS 54, 2007). Without the sign fix
// Q would not be Haar-distributed.
func Haar(n int, rng *rand.Rand) *mat.Dense {
	g := mat.NewDense(n, n, nil)
	gr := g.RawMatrix().Data
	for i := range gr {
		gr[i] = rng.NormFloat64()
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	for j := 0; j < n; j++ {
		if r.At(j, j) < 0 {
			for i := 0; i < n; i++ {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	return &q
}

// Scalar generates the paper's scalar data: n = o.Samples (default 64) samples
// x ~ N(0, 1), y = slope·x + σ_y·N(0, 1) (slope = o.Slope, default 1; σ_y = o.Noise) from
// PCG(o.Seed, o.Seed), drawn x then noise for each sample, then normalized so that
// mean x² = 1 and mean x·y = 1 (PrepScalar). These are the numbers flow.Generate(n, slope,
// noise, seed) makes, bit for bit, as a 1→1 Set.
func Scalar(o Options) (*Set, error) {
	n, slope := o.Samples, o.Slope
	if n == 0 {
		n = 64
	}
	if slope == 0 {
		slope = 1
	}
	if math.IsNaN(slope) || math.IsInf(slope, 0) || math.IsNaN(o.Noise) || math.IsInf(o.Noise, 0) {
		return nil, fmt.Errorf("dataset: scalar slope %v, noise %v: want finite numbers", slope, o.Noise)
	}
	if err := checkAlloc("scalar data", n, 2, o.maxBytes()); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed))
	x := make([]float64, n)
	y := make([]float64, n)
	for k := range x {
		v := rng.NormFloat64()
		x[k] = v
		y[k] = slope*v + o.Noise*rng.NormFloat64()
	}
	s := newSet(x, y, n, 1, 1, Info{Source: "scalar", Seed: o.Seed, Noise: o.Noise, Slope: slope})
	if _, err := s.Preprocess(PrepScalar, 0); err != nil {
		return nil, fmt.Errorf("%v (samples %d, slope %v, noise %v)", err, n, slope, o.Noise)
	}
	return s, nil
}

// FromScalars makes a 1→1 Set of scalar pairs (x_k, y_k), e.g. the X and Y of a
// flow.Dataset. The values are copied. Non-finite values and slices of different or zero
// length are errors.
func FromScalars(x, y []float64) (*Set, error) {
	if len(x) != len(y) || len(x) == 0 {
		return nil, fmt.Errorf("dataset: %d x values and %d y values: want the same number ≥ 1", len(x), len(y))
	}
	for k := range x {
		if math.IsNaN(x[k]) || math.IsInf(x[k], 0) || math.IsNaN(y[k]) || math.IsInf(y[k], 0) {
			return nil, fmt.Errorf("dataset: sample %d (%v, %v) is not finite", k, x[k], y[k])
		}
	}
	return newSet(clone(x), clone(y), len(x), 1, 1, Info{Source: "pairs"}), nil
}
