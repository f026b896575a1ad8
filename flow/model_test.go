package flow_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// u is the unit round-off of float64.
const u = 0x1p-53

// prodExcept returns ∏_{k∉{i,j}} w_k by brute force (i or j may be −1 for "none").
func prodExcept(w []float64, i, j int) float64 {
	p := 1.0
	for k, v := range w {
		if k != i && k != j {
			p *= v
		}
	}
	return p
}

// randomW returns d weights uniform in ±[lo, hi] with random signs.
func randomW(rng *rand.Rand, d int, lo, hi float64) []float64 {
	w := make([]float64, d)
	for i := range w {
		w[i] = lo + (hi-lo)*rng.Float64()
		if rng.IntN(2) == 0 {
			w[i] = -w[i]
		}
	}
	return w
}

// onManifold returns d random weights with W = target: the first d − 1 at random, the last
// 1/∏ of the others times the target (exact up to one rounding).
func onManifold(rng *rand.Rand, d int, target float64) []float64 {
	w := randomW(rng, d, 0.4, 2)
	w[d-1] = target / prodExcept(w, d-1, -1)
	return w
}

func TestPartials(t *testing.T) {
	// Small integers: every product is exact, so the partials must equal the brute-force
	// products exactly, including where w has zeros (g_i = W/w_i would give NaN or 0/0).
	for _, w := range [][]float64{
		{3, 5},
		{0, 5},
		{0, 0},
		{0, 2, 3},
		{2, 0, 3, 4},
		{0, 0, 3},
		{-2, 3, 0, 5, -1},
		{1, 2, 3, 4, 5, 6, 7, 8},
		{2, -1, 0, 0, 7, 3},
	} {
		g := make([]float64, len(w))
		flow.Partials(g, w)
		for i := range w {
			if want := prodExcept(w, i, -1); g[i] != want || math.IsNaN(g[i]) {
				t.Errorf("w = %v: g_%d = %v, want %v", w, i, g[i], want)
			}
		}
		if W := flow.Product(w); W != prodExcept(w, -1, -1) {
			t.Errorf("w = %v: W = %v", w, W)
		}
	}
	// Random reals: two orders of at most d − 2 rounded products differ by ≤ 2(d−2)u relative.
	rng := rand.New(rand.NewPCG(1, 1))
	for d := 2; d <= 9; d++ {
		for range 50 {
			w := randomW(rng, d, 0.1, 3)
			g := make([]float64, d)
			flow.Partials(g, w)
			for i := range w {
				if want := prodExcept(w, i, -1); !scalar.EqualWithinRel(g[i], want, 2*float64(d)*u) {
					t.Errorf("w = %v: g_%d = %.17g, want %.17g", w, i, g[i], want)
				}
			}
		}
	}
}

func TestPanicsOnMismatch(t *testing.T) {
	for name, f := range map[string]func(){
		"Partials":  func() { flow.Partials(make([]float64, 2), make([]float64, 3)) },
		"Gradient":  func() { flow.Objective{Depth: 3}.Gradient(make([]float64, 2), make([]float64, 3)) },
		"Imbalance": func() { flow.Imbalance(make([]float64, 3), make([]float64, 3)) },
		"Hessian":   func() { flow.Objective{Depth: 3}.Hessian(mat.NewSymDense(2, nil), make([]float64, 3)) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "flow: ") {
					t.Errorf("%s: recovered %v, want a panic starting with \"flow: \"", name, r)
				}
			}()
			f()
		}()
	}
}

func TestValueAgainstData(t *testing.T) {
	// On normalized data, mean_k ½(W x_k − y_k)² = ½e² + c (package flow, The model), and input noise
	// x → x + ε, ε ~ N(0, σ²), adds exactly E[½(Wε)²] = ½σ²W² (package flow, Gradient flows). Both sides are
	// sums of terms ≤ ½(|W||x| + |y|)², so they agree to a few u times that mean.
	data, err := flow.Generate(200, 1.3, 0.7, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5} {
		for _, reg := range []struct{ mu, sigma float64 }{{0, 0}, {0.1, 0}, {0, 0.5}, {0.03, 0.4}} {
			o := flow.Objective{Depth: d, WeightDecay: reg.mu, Noise: reg.sigma, C: data.C()}
			w := randomW(rng, d, 0.3, 1.4)
			W := prodExcept(w, -1, -1)
			var loss, scale, n2 float64
			for k, x := range data.X {
				r := W*x - data.Y[k]
				loss += 0.5 * r * r
				scale += 0.5 * (math.Abs(W*x) + math.Abs(data.Y[k])) * (math.Abs(W*x) + math.Abs(data.Y[k]))
			}
			n := float64(data.Len())
			loss, scale = loss/n, scale/n
			for _, v := range w {
				n2 += v * v
			}
			tol := 16 * float64(d) * u * (scale + 1)
			if got := o.Loss(w); !scalar.EqualWithinAbs(got, loss, tol) {
				t.Errorf("d=%d: Loss = %.17g, mean data loss %.17g", d, got, loss)
			}
			want := loss + 0.5*reg.sigma*reg.sigma*W*W + 0.5*reg.mu*n2
			if got := o.Value(w); !scalar.EqualWithinAbs(got, want, tol*(1+reg.sigma*reg.sigma+reg.mu)) {
				t.Errorf("d=%d μ=%v σ=%v: Value = %.17g, want %.17g", d, reg.mu, reg.sigma, got, want)
			}
		}
	}
}

// F is a quadratic polynomial in each single w_i (W is linear in it), and so is every
// component of ∇F. A central difference along one coordinate is therefore exact in exact
// arithmetic, and what remains is round-off: the values, each rounded by O(d)·u relative to
// the size of their terms, divided by the step h, plus the rounding of w_i ± h, which
// changes the step by u|w_i| relative to h. fdTol bounds that; fdStep is fd's default for
// the central formula.
const fdStep = 6e-6

func fdTol(d int, size, wi, deriv float64) float64 {
	return 4 * float64(d+4) * u * (size + math.Abs(wi*deriv)) / fdStep
}

// valueSize bounds the terms of F(w): ½(|W| + 1)² + C + ½σ²W² + ½μ‖w‖².
func valueSize(o flow.Objective, w []float64) float64 {
	W := math.Abs(prodExcept(w, -1, -1))
	var n2 float64
	for _, v := range w {
		n2 += v * v
	}
	return 0.5*(W+1)*(W+1) + o.C + 0.5*o.Noise*o.Noise*W*W + 0.5*o.WeightDecay*n2
}

// gradSize bounds the terms of ∂F/∂w_i: (|W| + 1 + σ²|W|)|g_i| + μ|w_i|.
func gradSize(o flow.Objective, w []float64, i int) float64 {
	W := math.Abs(prodExcept(w, -1, -1))
	return (W+1+o.Noise*o.Noise*W)*math.Abs(prodExcept(w, i, -1)) + o.WeightDecay*math.Abs(w[i])
}

func TestGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5} {
		for _, o := range []flow.Objective{
			{Depth: d},
			{Depth: d, WeightDecay: 0.07},
			{Depth: d, Noise: 0.6, C: 0.2},
			{Depth: d, WeightDecay: 0.03, Noise: 0.4, C: 0.1},
		} {
			for range 10 {
				w := randomW(rng, d, 0.2, 1.6)
				want := fd.Gradient(nil, o.Value, w, &fd.Settings{Formula: fd.Central, Step: fdStep})
				got := make([]float64, d)
				o.Gradient(got, w)
				for i := range got {
					if !scalar.EqualWithinAbs(got[i], want[i], fdTol(d, valueSize(o, w), w[i], got[i])) {
						t.Errorf("%+v at %v: ∂F/∂w_%d = %.12g, finite differences %.12g", o, w, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestHessianFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5} {
		for _, o := range []flow.Objective{
			{Depth: d},
			{Depth: d, WeightDecay: 0.03, Noise: 0.4, C: 0.1},
		} {
			for range 10 {
				w := randomW(rng, d, 0.2, 1.6)
				var want mat.Dense
				want.ReuseAs(d, d)
				fd.Jacobian(&want, o.Gradient, w, &fd.JacobianSettings{Formula: fd.Central, Step: fdStep})
				got := mat.NewSymDense(d, nil)
				o.Hessian(got, w)
				for i := range d {
					for j := range d {
						if !scalar.EqualWithinAbs(got.At(i, j), want.At(i, j), fdTol(d, gradSize(o, w, i), w[j], got.At(i, j))) {
							t.Errorf("%+v at %v: H_%d%d = %.12g, finite differences %.12g", o, w, i, j, got.At(i, j), want.At(i, j))
						}
					}
				}
			}
		}
	}
}

func TestHessVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	points := [][]float64{
		{0, 1.5},
		{1.3, 0, -0.7},
		{0, 0, 2, 1},
		{2, 0.5},     // on the manifold: e = 0, the e-term vanishes
		{4, 0.25, 1}, // on the manifold for d = 3
	}
	for range 20 {
		points = append(points, randomW(rng, 2+rng.IntN(5), 0.2, 1.5))
	}
	for _, w := range points {
		d := len(w)
		for _, o := range []flow.Objective{{Depth: d}, {Depth: d, WeightDecay: 0.05, Noise: 0.3}} {
			v := randomW(rng, d, 0.1, 1)
			h := mat.NewSymDense(d, nil)
			o.Hessian(h, w)
			want := mat.NewVecDense(d, nil)
			want.MulVec(h, mat.NewVecDense(d, v))
			got := make([]float64, d)
			o.HessVec(got, w, v)
			for i := range got {
				// Both sides sum d terms of size |H_ij v_j|, each with O(d) rounded factors.
				var scale float64
				for j := range d {
					scale += math.Abs(h.At(i, j) * v[j])
				}
				if !scalar.EqualWithinAbs(got[i], want.AtVec(i), 4*float64(d+2)*u*scale) {
					t.Errorf("%+v at %v: (Hv)_%d = %.17g, H·v = %.17g", o, w, i, got[i], want.AtVec(i))
				}
			}
		}
	}
}

// sharpnessTol is the error of the largest eigenvalue S of the d×d Hessian: a backward
// stable symmetric eigensolver errs by O(d·u·‖H‖), ‖H‖ = S on the manifold; the last weight,
// rounded once, leaves e = O(d·u), which moves S by |e|·‖∂g/∂w‖ ≤ d·u·S more.
func sharpnessTol(d int) float64 { return 32 * float64(d) * u }

func TestSharpnessAtMinima(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5, 8} {
		balanced := make([]float64, d)
		for i := range balanced {
			balanced[i] = 1
		}
		balanced[0], balanced[d-1] = -1, -1
		points := [][]float64{balanced}
		for range 20 {
			points = append(points, onManifold(rng, d, 1))
		}
		for n, w := range points {
			var want float64
			for _, v := range w {
				want += 1 / (v * v) // S = Σ g_i² = Σ 1/w_i² on the manifold (package flow, The model)
			}
			got := flow.Sharpness(w)
			if !scalar.EqualWithinRel(got, want, sharpnessTol(d)) {
				t.Errorf("d=%d at %v: S = %.17g, Σ 1/w_i² = %.17g", d, w, got, want)
			}
			if n == 0 && !scalar.EqualWithinRel(got, float64(d), sharpnessTol(d)) {
				t.Errorf("d=%d: S at the balanced minimum = %v, want d", d, got)
			}
			if d == 2 {
				// package flow, Imbalance and flatness: S = w_1² + w_2² = √(D² + 4).
				D := w[0]*w[0] - w[1]*w[1]
				if r := math.Sqrt(D*D + 4); !scalar.EqualWithinRel(got, r, sharpnessTol(d)) {
					t.Errorf("at %v: S = %.17g, √(D² + 4) = %.17g", w, got, r)
				}
			}
		}
		// The flat end of the manifold is the balanced one: S ≥ d everywhere on it.
		for _, w := range points {
			if s := flow.Sharpness(w); s < float64(d)*(1-sharpnessTol(d)) {
				t.Errorf("d=%d at %v: S = %v < d", d, w, s)
			}
		}
	}
}

func TestSharpnessOffManifold(t *testing.T) {
	// d = 2 uses a closed form; it must equal the largest eigenvalue of the Hessian of L
	// (itself checked against finite differences above).
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 4} {
		for range 50 {
			w := randomW(rng, d, 0, 2.5)
			h := mat.NewSymDense(d, nil)
			flow.Objective{Depth: d}.Hessian(h, w)
			var es mat.EigenSym
			if !es.Factorize(h, false) {
				t.Fatal("eigendecomposition failed")
			}
			vals := es.Values(nil)
			want := vals[d-1]
			norm := math.Max(math.Abs(vals[0]), math.Abs(vals[d-1]))
			if got := flow.Sharpness(w); !scalar.EqualWithinAbs(got, want, sharpnessTol(d)*norm) {
				t.Errorf("d=%d at %v: S = %.17g, λ_max(H) = %.17g", d, w, got, want)
			}
		}
	}
}

func TestImbalance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	points := [][]float64{{2, 0.5}, {1, -1}, {0, 3, -2}, {1.5, 1, 0.5, 2, -3}}
	for range 20 {
		points = append(points, randomW(rng, 2+rng.IntN(6), 0, 3))
	}
	for _, w := range points {
		d := len(w)
		dst := make([]float64, d-1)
		norm := flow.Imbalance(dst, w)
		var want float64
		for i := range d {
			for j := range d {
				Dij := w[i]*w[i] - w[j]*w[j]
				want = math.Max(want, math.Abs(Dij))
				if got := flow.Pair(w, i, j); got != Dij {
					t.Errorf("%v: D_%d%d = %v, want %v", w, i, j, got, Dij)
				}
			}
		}
		if norm != want {
			t.Errorf("%v: ‖D‖ = %v, want max |D_ij| = %v", w, norm, want)
		}
		for i := range dst {
			if want := w[i]*w[i] - w[i+1]*w[i+1]; dst[i] != want {
				t.Errorf("%v: D_%d,%d = %v, want %v", w, i, i+1, dst[i], want)
			}
		}
	}
	for _, w := range [][]float64{{math.NaN(), 1}, {1, 2, math.NaN()}, {math.Inf(1), 1}} {
		norm := flow.Imbalance(make([]float64, len(w)-1), w)
		if want := math.Inf(1); !math.IsNaN(norm) && !(math.IsInf(w[0], 0) && norm == want) {
			t.Errorf("%v: ‖D‖ = %v, want NaN (or +Inf for an infinite weight)", w, norm)
		}
	}
}

// balancedRoot returns the larger root s ∈ (0, 1) of s^{d/2−1}(1 − s^{d/2}) = μ, the balanced
// minimum under weight decay (package flow, Gradient flows), by bisection on [s*, 1], where the left side falls
// from its maximum at s*^{d/2} = (d/2 − 1)/(d − 1) to 0.
func balancedRoot(t *testing.T, d int, mu float64) float64 {
	t.Helper()
	h := float64(d) / 2
	f := func(s float64) float64 { return math.Pow(s, h-1)*(1-math.Pow(s, h)) - mu }
	lo, hi := math.Pow((h-1)/(float64(d)-1), 1/h), 1.0
	if f(lo) <= 0 {
		t.Fatalf("d=%d: μ = %v above the largest value %v: no balanced minimum", d, mu, f(lo)+mu)
	}
	for range 200 {
		mid := 0.5 * (lo + hi)
		if mid == lo || mid == hi {
			break
		}
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 0.5 * (lo + hi)
}

// gradTol bounds |∇F| at a point w that rounds an exact stationary point: the rounding
// δw_i ≤ 2u|w_i| (√ and the root finder) moves ∇F by at most Σ_j |H_ij|·|δw_j|, and
// evaluating ∇F rounds O(d) factors of terms of size |(e + σ²W) g_i| + μ|w_i|.
func gradTol(o flow.Objective, w []float64, i int) float64 {
	d := len(w)
	h := mat.NewSymDense(d, nil)
	o.Hessian(h, w)
	var s float64
	for j := range d {
		s += math.Abs(h.At(i, j)) * 2 * u * math.Abs(w[j])
	}
	W := prodExcept(w, -1, -1)
	a := W - 1 + o.Noise*o.Noise*W
	terms := math.Abs(a*prodExcept(w, i, -1)) + o.WeightDecay*math.Abs(w[i])
	return 2 * (s + 2*float64(d+3)*u*(terms+u))
}

func TestClosedFormMinima(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	type point struct {
		o flow.Objective
		w []float64
	}
	var points []point
	// Weight decay: d = 2 at w_1 = w_2 = ±√(1 − μ); d ≥ 3 at w_i² = s (even number of
	// negative signs, so that W > 0).
	for _, mu := range []float64{0.01, 0.1, 0.5, 0.9} {
		s := math.Sqrt(1 - mu)
		o := flow.Objective{Depth: 2, WeightDecay: mu}
		points = append(points, point{o, []float64{s, s}}, point{o, []float64{-s, -s}})
	}
	for _, d := range []int{3, 4, 5, 8} {
		for _, mu := range []float64{0.01, 0.05, 0.2} {
			r := math.Sqrt(balancedRoot(t, d, mu))
			o := flow.Objective{Depth: d, WeightDecay: mu}
			w, v := make([]float64, d), make([]float64, d)
			for i := range w {
				w[i], v[i] = r, r
			}
			v[0], v[d-1] = -r, -r
			points = append(points, point{o, w}, point{o, v})
		}
	}
	// Input noise (expected loss): any w with W = 1/(1 + σ²).
	for _, d := range []int{2, 3, 5} {
		for _, sigma := range []float64{0.3, 1, 2} {
			o := flow.Objective{Depth: d, Noise: sigma, C: 0.1}
			for range 5 {
				points = append(points, point{o, onManifold(rng, d, 1/(1+sigma*sigma))})
			}
		}
	}

	for _, p := range points {
		d := len(p.w)
		grad := make([]float64, d)
		p.o.Gradient(grad, p.w)
		worst := 0.0
		for i, gi := range grad {
			tol := gradTol(p.o, p.w, i)
			if math.Abs(gi) > tol {
				t.Errorf("%+v at %v: ∂F/∂w_%d = %.3g, tolerance %.3g", p.o, p.w, i, gi, tol)
			}
			worst = math.Max(worst, tol)
		}
		// The check must be able to fail: one relative step of 1e-9 away from the point
		// the gradient is far above the tolerance.
		moved := append([]float64(nil), p.w...)
		moved[0] *= 1 + 1e-9
		p.o.Gradient(grad, moved)
		var norm float64
		for _, gi := range grad {
			norm = math.Max(norm, math.Abs(gi))
		}
		if norm < 100*worst {
			t.Errorf("%+v at %v: gradient %.3g after a 1e-9 move is not above the tolerance %.3g", p.o, p.w, norm, worst)
		}
		if p.o.WeightDecay > 0 {
			// These are minima (package flow, Gradient flows): the Hessian must be positive definite there.
			h := mat.NewSymDense(d, nil)
			p.o.Hessian(h, p.w)
			var es mat.EigenSym
			if !es.Factorize(h, false) {
				t.Fatal("eigendecomposition failed")
			}
			if vals := es.Values(nil); vals[0] <= 0 {
				t.Errorf("%+v at %v: Hessian eigenvalues %v, not a minimum", p.o, p.w, vals)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		o    flow.Objective
		want string // "" for valid
	}{
		{flow.Objective{Depth: 2}, ""},
		{flow.Objective{Depth: 5, WeightDecay: 0.1, Noise: 0.2, C: 0.3}, ""},
		{flow.Objective{Depth: 1}, "depth 1"},
		{flow.Objective{Depth: -3}, "depth -3"},
		{flow.Objective{Depth: 2, WeightDecay: -0.5}, "weight decay -0.5"},
		{flow.Objective{Depth: 2, WeightDecay: math.NaN()}, "weight decay NaN"},
		{flow.Objective{Depth: 2, WeightDecay: math.Inf(1)}, "weight decay +Inf"},
		{flow.Objective{Depth: 2, Noise: -1}, "noise -1"},
		{flow.Objective{Depth: 2, Noise: math.NaN()}, "noise NaN"},
		{flow.Objective{Depth: 2, C: -0.1}, "-0.1"},
		{flow.Objective{Depth: 2, C: math.Inf(1)}, "+Inf"},
	} {
		err := tc.o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tc.o, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one containing %q", tc.o, err, tc.want)
		}
	}
}

// A flow that stops early (here at its step limit) with output times requested ends its
// trajectory where it stopped, not at the last output time it reached.
func TestSolveEndsWhereItStopped(t *testing.T) {
	obj := flow.Objective{Depth: 2, WeightDecay: 0.1}
	var out []float64
	for k := range 101 {
		out = append(out, 0.4*float64(k))
	}
	tr, res, err := flow.Solve(obj.Flow(), "flow", []float64{2, 0.25}, 40, &ode.Settings{Rtol: 1e-10, Output: out, MaxSteps: 20}, &ode.DOPRI5{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ode.StepLimit || !(res.T < 40) {
		t.Fatalf("status %v at t = %v, want a step limit before t = 40", res.Status, res.T)
	}
	n := tr.Len()
	if tr.T[n-1] != res.T || !slices.Equal(tr.Last(), res.Y) {
		t.Errorf("trajectory ends at t = %v, %v; the integration stopped at t = %v, %v", tr.T[n-1], tr.Last(), res.T, res.Y)
	}
	if n < 2 || tr.T[n-2] >= res.T {
		t.Errorf("the output times before the stop are missing or out of order: %v", tr.T)
	}
}

// Flow computes −∇F with the operations of Gradient: the same bits, zeros and signs included.
func TestFlowIsMinusGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5, 8} {
		for _, o := range []flow.Objective{{Depth: d}, {Depth: d, WeightDecay: 0.1}, {Depth: d, Noise: 0.3, WeightDecay: 0.01}} {
			f := o.Flow()
			grad, dw := make([]float64, d), make([]float64, d)
			for trial := range 200 {
				w := randomW(rng, d, 0, 3)
				if trial%5 == 0 {
					w[rng.IntN(d)] = 0
				}
				o.Gradient(grad, w)
				f(dw, 0, w)
				for i := range w {
					if math.Float64bits(dw[i]) != math.Float64bits(-grad[i]) {
						t.Fatalf("%+v at %v: flow[%d] = %v, −gradient %v", o, w, i, dw[i], -grad[i])
					}
				}
			}
		}
	}
}

// Flow's fast path of depth 2 without weight decay or noise gives Gradient's numbers at the
// states where its shortcut would not: zero products of either sign (W = 1 exactly, zero
// weights, with negative ones), W overflowing to ±Inf, and NaN.
func TestFlowIsMinusGradientEdges(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 2, 0.5, -2, -0.5, 4, 0.25, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324}
	for _, o := range []flow.Objective{{Depth: 2}, {Depth: 2, WeightDecay: 0.1}, {Depth: 2, Noise: 0.3}} {
		f := o.Flow()
		grad, dw := make([]float64, 2), make([]float64, 2)
		for _, a := range vals {
			for _, b := range vals {
				w := []float64{a, b}
				o.Gradient(grad, w)
				f(dw, 0, w)
				for i := range w {
					if math.Float64bits(dw[i]) != math.Float64bits(-grad[i]) && !(math.IsNaN(dw[i]) && math.IsNaN(grad[i])) {
						t.Errorf("%+v at %v: flow[%d] = %v, −gradient %v", o, w, i, dw[i], -grad[i])
					}
				}
			}
		}
	}
}

// Partials and Product at depth 2 are the general products' numbers, signed zeros,
// infinities and NaN included.
func TestPartialsProductDepth2(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1.5, -2.25, 1e300, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, a := range vals {
		for _, b := range vals {
			w := []float64{a, b}
			g := make([]float64, 2)
			flow.Partials(g, w)
			// The general loop: prefix products, then suffix products, from 1.
			want := []float64{1 * b, a * 1}
			W := 1 * a * b
			for i := range g {
				if math.Float64bits(g[i]) != math.Float64bits(want[i]) && !(math.IsNaN(g[i]) && math.IsNaN(want[i])) {
					t.Errorf("Partials(%v, %v)[%d] = %v, want %v", a, b, i, g[i], want[i])
				}
			}
			if p := flow.Product(w); math.Float64bits(p) != math.Float64bits(W) && !(math.IsNaN(p) && math.IsNaN(W)) {
				t.Errorf("Product(%v, %v) = %v, want %v", a, b, p, W)
			}
		}
	}
}
