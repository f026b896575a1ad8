package flow_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// randomData draws N samples of a noisy linear map and returns X (N×n0), Y (N×nd) and
// their statistics.
func randomData(rng *rand.Rand, n, n0, nd int) (*mat.Dense, *mat.Dense, flow.Stats) {
	x, y := mat.NewDense(n, n0, nil), mat.NewDense(n, nd, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < n0; j++ {
			x.Set(k, j, rng.NormFloat64())
		}
		for j := 0; j < nd; j++ {
			v := 0.3 * rng.NormFloat64()
			for i := 0; i < n0; i++ {
				v += float64((i+j)%3-1) * x.At(k, i)
			}
			y.Set(k, j, v)
		}
	}
	return x, y, statsOf(x, y)
}

func statsOf(x, y *mat.Dense) flow.Stats {
	n, _ := x.Dims()
	var sxx mat.SymDense
	sxx.SymOuterK(1/float64(n), x.T())
	var syx mat.Dense
	syx.Mul(y.T(), x)
	syx.Scale(1/float64(n), &syx)
	var syy float64
	for _, v := range y.RawMatrix().Data {
		syy += v * v
	}
	return flow.Stats{Sxx: &sxx, Syx: &syx, Syy: syy / float64(n)}
}

// productOf multiplies the layers of w by mat, independently of the Net's own products.
func productOf(widths []int, w []float64) *mat.Dense {
	off := 0
	var p *mat.Dense
	for i := 1; i < len(widths); i++ {
		size := widths[i] * widths[i-1]
		l := mat.NewDense(widths[i], widths[i-1], append([]float64(nil), w[off:off+size]...))
		off += size
		if p == nil {
			p = l
			continue
		}
		var q mat.Dense
		q.Mul(l, p)
		p = &q
	}
	return p
}

// sampleLoss is ½ mean ‖W x − y‖² computed sample by sample.
func sampleLoss(widths []int, w []float64, x, y *mat.Dense) float64 {
	p := productOf(widths, w)
	n, _ := x.Dims()
	var r mat.Dense
	r.Mul(x, p.T())
	r.Sub(&r, y)
	var s float64
	for _, v := range r.RawMatrix().Data {
		s += v * v
	}
	return 0.5 * s / float64(n)
}

func randomWeights(rng *rand.Rand, n int, sd float64) []float64 {
	w := make([]float64, n)
	for k := range w {
		w[k] = sd * rng.NormFloat64()
	}
	return w
}

var netShapes = [][]int{{1, 1, 1}, {3, 2, 2}, {4, 3, 5, 2}, {2, 4, 1, 3, 2}, {5, 1, 4}}

// The loss from the statistics is the loss of the samples; the input-noise term is the
// exact expected loss of the data augmented by 2·n_0 noise copies x ± σ√n_0 e_j, whose
// mean is x and covariance σ²I.
func TestNetLossClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, widths := range netShapes {
		n0, nd := widths[0], widths[len(widths)-1]
		x, y, st := randomData(rng, 40, n0, nd)
		const sigma = 0.7
		net, err := flow.NewNet(widths, st, 0, sigma)
		if err != nil {
			t.Fatal(err)
		}
		w := randomWeights(rng, net.Dim(), 0.8)
		want := sampleLoss(widths, w, x, y)
		if got := net.Loss(w); !scalar.EqualWithinAbsOrRel(got, want, 1e-13, 1e-12) {
			t.Errorf("%v: Loss %.17g, sample loss %.17g", widths, got, want)
		}
		// Augmented data: every sample replaced by its 2·n0 noise copies.
		xa, ya := mat.NewDense(2*n0*40, n0, nil), mat.NewDense(2*n0*40, nd, nil)
		row := 0
		for k := 0; k < 40; k++ {
			for j := 0; j < n0; j++ {
				for _, s := range []float64{-1, 1} {
					xa.SetRow(row, x.RawRowView(k))
					xa.Set(row, j, x.At(k, j)+s*sigma*math.Sqrt(float64(n0)))
					ya.SetRow(row, y.RawRowView(k))
					row++
				}
			}
		}
		want = sampleLoss(widths, w, xa, ya)
		if got := net.Value(w); !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) {
			t.Errorf("%v: Value with noise %.17g, expected loss of the noisy copies %.17g", widths, got, want)
		}
	}
}

// The Net of widths 1, …, 1 is the scalar objective.
func TestNetScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for d := 2; d <= 5; d++ {
		for _, o := range []flow.Objective{{Depth: d}, {Depth: d, WeightDecay: 0.1, Noise: 0.4, C: 0.25}} {
			net, err := o.Net()
			if err != nil {
				t.Fatal(err)
			}
			for range 10 {
				w := randomWeights(rng, d, 1)
				if a, b := net.Value(w), o.Value(w); !scalar.EqualWithinAbsOrRel(a, b, 1e-14, 1e-14) {
					t.Errorf("d=%d %+v: Value %v, scalar %v", d, o, a, b)
				}
				g1, g2 := make([]float64, d), make([]float64, d)
				net.Gradient(g1, w)
				o.Gradient(g2, w)
				v := randomWeights(rng, d, 1)
				h1, h2 := make([]float64, d), make([]float64, d)
				net.HessVec(h1, w, v)
				o.HessVec(h2, w, v)
				for i := range g1 {
					if !scalar.EqualWithinAbsOrRel(g1[i], g2[i], 1e-13, 1e-13) || !scalar.EqualWithinAbsOrRel(h1[i], h2[i], 1e-12, 1e-12) {
						t.Errorf("d=%d %+v at %v: gradient %v vs %v, Hv %v vs %v", d, o, w, g1, g2, h1, h2)
						break
					}
				}
				if a, b := net.Sharpness(w), flow.Sharpness(w); !scalar.EqualWithinAbsOrRel(a, b, 1e-9, 1e-9) {
					t.Errorf("d=%d at %v: Lanczos sharpness %v, scalar %v", d, w, a, b)
				}
				p1, p2 := make([]float64, d-1), make([]float64, d-1)
				m1, m2 := net.PairImbalance(p1, w), o.PairImbalance(p2, w)
				if !scalar.EqualWithinAbsOrRel(m1, m2, 1e-14, 1e-14) {
					t.Errorf("d=%d: pair imbalance %v vs %v", d, p1, p2)
				}
			}
		}
	}
}

// denseHessian builds ∇²F column by column from HessVec.
func denseHessian(net *flow.Net, w []float64) *mat.Dense {
	n := net.Dim()
	h := mat.NewDense(n, n, nil)
	e, col := make([]float64, n), make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		net.HessVec(col, w, e)
		e[j] = 0
		h.SetCol(j, col)
	}
	return h
}

// The gradient and the Hessian-vector product against central differences, and the
// Hessian's symmetry.
func TestNetDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, widths := range netShapes {
		_, _, st := randomData(rng, 30, widths[0], widths[len(widths)-1])
		net, err := flow.NewNet(widths, st, 0.05, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		n := net.Dim()
		w := randomWeights(rng, n, 0.7)
		g := make([]float64, n)
		net.Gradient(g, w)
		const h = 1e-5
		wp := append([]float64(nil), w...)
		scale := 1 + floats.Norm(g, math.Inf(1))
		for k := 0; k < n; k++ {
			wp[k] = w[k] + h
			fp := net.Value(wp)
			wp[k] = w[k] - h
			fm := net.Value(wp)
			wp[k] = w[k]
			// Central difference error: h²/6·|F'''| + ε|F|/h; both ~1e-9 here.
			if fd := (fp - fm) / (2 * h); math.Abs(fd-g[k]) > 1e-7*scale {
				t.Errorf("%v: ∂F/∂w_%d = %v, central difference %v", widths, k, g[k], fd)
			}
		}
		H := denseHessian(net, w)
		gp, gm := make([]float64, n), make([]float64, n)
		for j := 0; j < n; j++ {
			wp[j] = w[j] + h
			net.Gradient(gp, wp)
			wp[j] = w[j] - h
			net.Gradient(gm, wp)
			wp[j] = w[j]
			for i := 0; i < n; i++ {
				if fd := (gp[i] - gm[i]) / (2 * h); math.Abs(fd-H.At(i, j)) > 1e-6*scale {
					t.Errorf("%v: H_%d,%d = %v, central difference %v", widths, i, j, H.At(i, j), fd)
				}
				if a, b := H.At(i, j), H.At(j, i); !scalar.EqualWithinAbsOrRel(a, b, 1e-13*scale, 1e-13) {
					t.Errorf("%v: H_%d,%d = %v ≠ H_%d,%d = %v", widths, i, j, a, j, i, b)
				}
			}
		}
	}
}

// Lanczos against the dense eigen-decomposition of the Hessian of L, on and off the
// manifold of minima.
func TestNetSharpnessDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, widths := range append(netShapes, []int{6, 5, 5, 4}, []int{8, 6, 3}) {
		_, _, st := randomData(rng, 50, widths[0], widths[len(widths)-1])
		net, err := flow.NewNet(widths, st, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			w := randomWeights(rng, net.Dim(), 0.3+rng.Float64())
			H := denseHessian(net, w)
			sym := mat.NewSymDense(net.Dim(), nil)
			for i := 0; i < net.Dim(); i++ {
				for j := i; j < net.Dim(); j++ {
					sym.SetSym(i, j, 0.5*(H.At(i, j)+H.At(j, i)))
				}
			}
			var es mat.EigenSym
			if !es.Factorize(sym, false) {
				t.Fatal("eigen failed")
			}
			vals := es.Values(nil)
			want := vals[len(vals)-1]
			got, res := net.SharpnessBound(w)
			norm := math.Max(math.Abs(vals[0]), math.Abs(want))
			if !scalar.EqualWithinAbs(got, want, 1e-9*norm) {
				t.Errorf("%v: Lanczos %.15g (bound %.3g), dense %.15g", widths, got, res, want)
			}
		}
	}
}

// Gradient flow conserves every D_i (Gauss–Legendre keeps quadratic invariants to
// round-off); weight decay makes D_i(t) = e^{−2μt} D_i(0).
func TestNetFlowImbalance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	widths := []int{3, 4, 2, 2}
	_, _, st := randomData(rng, 30, 3, 2)
	for _, mu := range []float64{0, 0.3} {
		net, err := flow.NewNet(widths, st, mu, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		w0 := randomWeights(rng, net.Dim(), 0.8)
		const T = 2.0
		var m ode.Method = &ode.GaussLegendre{}
		set := &ode.Settings{FixedStep: 0.01}
		if mu != 0 {
			m, set = &ode.DOP853{}, &ode.Settings{Rtol: 1e-12, Atol: 1e-12}
		}
		res, err := ode.Integrate(ode.Problem{Func: net.Flow(), T1: T, Y0: w0}, set, m)
		if err != nil || res.Status != ode.Success {
			t.Fatal(err, res.Status)
		}
		for i := 1; i < net.Depth(); i++ {
			var d0, d1 mat.SymDense
			net.ImbalanceMatrix(&d0, w0, i)
			net.ImbalanceMatrix(&d1, res.Y, i)
			var want mat.SymDense
			want.ScaleSym(math.Exp(-2*mu*T), &d0)
			var diff mat.Dense
			diff.Sub(&d1, &want)
			drift := mat.Norm(&diff, 2) / mat.Norm(&d0, 2)
			tol := 1e-13 // Gauss–Legendre: 200 steps of round-off
			if mu != 0 {
				tol = 1e-9 // DOP853 at rtol 1e-12
			}
			if drift > tol {
				t.Errorf("μ=%v D_%d: relative deviation from e^{-2μt}D_%d(0): %.3g > %.0g", mu, i, i, drift, tol)
			}
		}
	}
}

// GD with weight decay changes D_i exactly by C ← (1−λμ)²C + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ).
func TestNetGDStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, widths := range netShapes {
		_, _, st := randomData(rng, 30, widths[0], widths[len(widths)-1])
		const lr, mu = 0.05, 0.2
		net, _ := flow.NewNet(widths, st, mu, 0.3)
		loss, _ := flow.NewNet(widths, st, 0, 0.3) // G: the loss gradient without decay
		w := randomWeights(rng, net.Dim(), 0.8)
		g, G := make([]float64, net.Dim()), make([]float64, net.Dim())
		net.Gradient(g, w)
		loss.Gradient(G, w)
		w1 := append([]float64(nil), w...)
		floats.AddScaled(w1, -lr, g)
		for i := 1; i < net.Depth(); i++ {
			var c0, c1 mat.SymDense
			net.ImbalanceMatrix(&c0, w, i)
			net.ImbalanceMatrix(&c1, w1, i)
			gi, gn := net.Layer(G, i), net.Layer(G, i+1)
			var a, b mat.Dense
			a.Mul(gn.T(), gn)
			b.Mul(gi, gi.T())
			a.Sub(&a, &b)
			a.Scale(lr*lr, &a)
			var want mat.Dense
			want.Scale((1-lr*mu)*(1-lr*mu), &c0)
			want.Add(&want, &a)
			var diff mat.Dense
			diff.Sub(&c1, &want)
			if e := mat.Norm(&diff, math.Inf(1)); e > 1e-14*(1+mat.Norm(&c0, math.Inf(1))) {
				t.Errorf("%v D_%d: exact step law off by %.3g", widths, i, e)
			}
		}
	}
}

func TestNetInit(t *testing.T) {
	widths := []int{5, 4, 6, 3}
	_, _, st := randomData(rand.New(rand.NewPCG(7, 7)), 10, 5, 3)
	net, _ := flow.NewNet(widths, st, 0, 0)
	for _, in := range []flow.Init{{Kind: flow.Balanced, Scale: 1.3, Seed: 1}, {Kind: flow.Imbalanced, Scale: 0.9, Delta: 0.4, Seed: 2}} {
		w, err := in.Draw(widths)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < net.Depth(); i++ {
			var d mat.SymDense
			net.ImbalanceMatrix(&d, w, i)
			// mat.Norm(·, 2) is the Frobenius norm: Delta·√r with r = 3 the smallest width.
			if nf := mat.Norm(&d, 2); !scalar.EqualWithinAbs(nf, in.Delta*math.Sqrt(3), 1e-14) {
				t.Errorf("%v: ‖D_%d‖_F = %v, want %v·√3", in.Kind, i, nf, in.Delta)
			}
		}
	}
	w, _ := flow.Init{Kind: flow.Orthogonal, Scale: 2, Seed: 3}.Draw(widths)
	for i := 1; i <= net.Depth(); i++ {
		l := net.Layer(w, i)
		r, c := l.Dims()
		var g mat.Dense
		if r <= c {
			g.Mul(l, l.T())
		} else {
			g.Mul(l.T(), l)
		}
		k, _ := g.Dims()
		for a := 0; a < k; a++ {
			for b := 0; b < k; b++ {
				want := 0.0
				if a == b {
					want = 4
				}
				if !scalar.EqualWithinAbs(g.At(a, b), want, 1e-13) {
					t.Fatalf("orthogonal layer %d not orthogonal: %v", i, g.At(a, b))
				}
			}
		}
	}
	a, _ := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 9}.Draw(widths)
	b, _ := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 9}.Draw(widths)
	if !floats.Equal(a, b) {
		t.Error("same seed, different weights")
	}
}

func TestNetNoAlloc(t *testing.T) {
	widths := []int{100, 80, 70, 10}
	_, _, st := randomData(rand.New(rand.NewPCG(8, 8)), 200, 100, 10)
	net, _ := flow.NewNet(widths, st, 0.01, 0.1)
	w := randomWeights(rand.New(rand.NewPCG(1, 2)), net.Dim(), 0.1)
	g, v := make([]float64, net.Dim()), randomWeights(rand.New(rand.NewPCG(1, 3)), net.Dim(), 1)
	if a := testing.AllocsPerRun(5, func() { net.Gradient(g, w) }); a != 0 {
		t.Errorf("Gradient allocates %v times", a)
	}
	if a := testing.AllocsPerRun(5, func() { net.HessVec(g, w, v) }); a != 0 {
		t.Errorf("HessVec allocates %v times", a)
	}
}
