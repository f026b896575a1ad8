package discrete

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/layerflow/layerflow/flow"
)

// u is the unit round-off of float64.
const u = 0x1p-53

// fittedData returns n normalized inputs with labels y = x exactly, so that every residual
// r_k = (W − 1)·x_k vanishes at W = 1.
func fittedData(t *testing.T, n int, seed uint64) *flow.Dataset {
	t.Helper()
	d, err := flow.Generate(n, 1, 0, seed)
	if err != nil {
		t.Fatal(err)
	}
	d.Y = slices.Clone(d.X)
	return d
}

// noisyData returns n normalized samples y = x + 0.5·noise, which no network fits exactly.
func noisyData(t *testing.T, n int, seed uint64) *flow.Dataset {
	t.Helper()
	d, err := flow.Generate(n, 1, 0.5, seed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// prodExcept returns ∏_{k∉{i,j}} w_k, P of package flow, Discrete steps.
func prodExcept(w []float64, i, j int) float64 {
	p := 1.0
	for k, v := range w {
		if k != i && k != j {
			p *= v
		}
	}
	return p
}

// lawTol bounds the round-off of comparing D'_ij, computed from the stored iterate w', with
// F·D_ij computed from the stored iterate w, where F = (1 − λμ)² − λ²ρ²P² (first order in
// the unit round-off u; D, F and w' are evaluated from floats that the law relates exactly):
//
//   - The step w'_i = w_i − λ(ρg_i + μw_i) rounds g_i (d − 1 products) and five more
//     operations, each by at most u relative to a quantity ≤ T_i = |w_i| + λ|ρg_i| + λμ|w_i|:
//     |δw'_i| ≤ (d+3)u·T_i, which moves w'_i² by 2|w'_i|·|δw'_i|.
//   - D' = w'_i² − w'_j² in the test: 2u(w'_i² + w'_j²).
//   - F·D in the test: D from squares, 2u(w_i² + w_j²), times |F|; F itself (products of at
//     most d + 2 factors) (2d+4)u·((1 − λμ)² + λ²ρ²P²), times |D| ≤ w_i² + w_j²; the final
//     product u|F·D|.
func lawTol(w, w1, g []float64, i, j int, lr, mu, rho, a2, b2 float64) float64 {
	d := float64(len(w))
	ti := math.Abs(w[i]) + lr*math.Abs(rho*g[i]) + lr*mu*math.Abs(w[i])
	tj := math.Abs(w[j]) + lr*math.Abs(rho*g[j]) + lr*mu*math.Abs(w[j])
	f := math.Abs(a2 - b2)
	old := w[i]*w[i] + w[j]*w[j]
	return u * (2*(d+3)*(math.Abs(w1[i])*ti+math.Abs(w1[j])*tj) +
		2*(w1[i]*w1[i]+w1[j]*w1[j]) +
		(3*f+(2*d+4)*(a2+b2))*old)
}

// checkLaw checks D_ij ← D_ij·((1 − λμ)² − λ²ρ²P²) (package flow, Discrete steps) for every step of a run
// recorded at every iterate and every pair i < j, with ρ the recorded one. It returns the
// largest ratio of |F − 1|·|D| (how much the law moved D in one step) to the tolerance, so
// a caller can make sure the check was not vacuous.
func checkLaw(t *testing.T, tr *flow.Trajectory, res *Result, lr, mu float64) (visible float64) {
	t.Helper()
	if tr.Len() != res.Steps+1 || len(res.Rho) != res.Steps {
		t.Fatalf("trajectory has %d points and %d ρ for %d steps", tr.Len(), len(res.Rho), res.Steps)
	}
	d := tr.Depth
	g := make([]float64, d)
	a := 1 - lr*mu
	a2 := a * a
	bad := 0
	for k := 1; k < tr.Len(); k++ {
		w, w1, rho := tr.At(k-1), tr.At(k), res.Rho[k-1]
		for i := range g { // g_i by brute force, independently of flow.Partials
			g[i] = prodExcept(w, i, -1)
		}
		for i := 0; i < d; i++ {
			for j := i + 1; j < d; j++ {
				p := prodExcept(w, i, j)
				b2 := lr * lr * rho * rho * p * p
				dOld := w[i]*w[i] - w[j]*w[j]
				dNew := w1[i]*w1[i] - w1[j]*w1[j]
				want := (a2 - b2) * dOld
				tol := lawTol(w, w1, g, i, j, lr, mu, rho, a2, b2)
				if diff := math.Abs(dNew - want); diff > tol {
					if bad++; bad <= 5 {
						t.Errorf("step %d, pair (%d,%d): D = %.17g, law gives %.17g (diff %.3g > tol %.3g)", k, i, j, dNew, want, diff, tol)
					}
				}
				if math.Abs(dNew) > math.Abs(dOld)+tol && b2 <= 2 {
					t.Errorf("step %d, pair (%d,%d): |D| grew from %g to %g with |λρP| ≤ √2", k, i, j, dOld, dNew)
				}
				visible = math.Max(visible, math.Abs(a2-b2-1)*math.Abs(dOld)/tol)
			}
		}
	}
	return visible
}

func TestImbalanceLaw(t *testing.T) {
	fitted := fittedData(t, 32, 3)
	noisy := noisyData(t, 32, 4)
	starts := map[int][]float64{
		2: {1.7, 0.4},
		3: {1.3, -0.7, 0.9},
		5: {1.2, 0.8, -1.1, 0.9, -1.3},
	}
	for _, tc := range []struct {
		name     string
		mu, sig  float64
		data     *flow.Dataset
		batch    int
		lr       float64
		rhoIsE   bool // ρ must equal e = W − 1 (to round-off): full-batch GD without noise
		wantLab  string
		checkAll bool
	}{
		{name: "gd", lr: 0.1, rhoIsE: true, wantLab: "gd"},
		{name: "gd+wd", mu: 0.05, lr: 0.1, rhoIsE: true, wantLab: "gd"},
		{name: "gd data", data: noisy, lr: 0.1, rhoIsE: true, wantLab: "gd"},
		{name: "gd+wd data", mu: 0.2, data: fitted, lr: 0.05, rhoIsE: true, wantLab: "gd"},
		{name: "sgd", data: noisy, batch: 4, lr: 0.05, wantLab: "sgd"},
		{name: "sgd+wd", mu: 0.05, data: noisy, batch: 1, lr: 0.05, wantLab: "sgd"},
		{name: "noisy-gd", sig: 0.3, data: fitted, lr: 0.05, wantLab: "noisy-gd"},
		{name: "noisy-sgd", sig: 0.3, data: noisy, batch: 5, lr: 0.05, wantLab: "noisy-sgd"},
	} {
		for _, d := range []int{2, 3, 5} {
			p := Problem{Objective: flow.Objective{Depth: d, WeightDecay: tc.mu, Noise: tc.sig}, Data: tc.data}
			tr, res, err := Run(p, starts[d], &Settings{LR: tc.lr, Steps: 300, Batch: tc.batch, Seed: 11})
			if err != nil {
				t.Fatalf("%s d=%d: %v", tc.name, d, err)
			}
			if res.Status != Success || tr.Label != tc.wantLab {
				t.Fatalf("%s d=%d: status %v, label %q, want success, %q", tc.name, d, res.Status, tr.Label, tc.wantLab)
			}
			if tc.rhoIsE {
				// The population loss has ρ = W − 1 by definition; normalized data give
				// ρ = W·mean(x²) − mean(x·y) with both means 1 to a few u.
				for k, rho := range res.Rho {
					W := prodExcept(tr.At(k), -1, -1)
					if e := W - 1; math.Abs(rho-e) > 8*u*(math.Abs(W)+1) {
						t.Fatalf("%s d=%d step %d: ρ = %.17g, e = %.17g", tc.name, d, k+1, rho, e)
					}
				}
			}
			// The law must move D by far more than its tolerance somewhere in the run, or
			// the check could not tell a wrong factor from the right one.
			if v := checkLaw(t, tr, res, tc.lr, tc.mu); v < 1e6 {
				t.Errorf("%s d=%d: the law moved D by at most %.3g tolerances per step: check is not discriminating", tc.name, d, v)
			}
		}
	}
}

// frozen returns a Stepper whose learning rate is so small (10⁻³⁰⁰) that λ·∇ rounds away
// and w stays exactly at w0: Step then samples ρ at a fixed W.
func frozen(t *testing.T, p Problem, w0 []float64, batch int) *Stepper {
	t.Helper()
	st, err := NewStepper(p, w0, &Settings{LR: 1e-300, Batch: batch, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRhoMeans(t *testing.T) {
	w0 := []float64{1.3, -0.4, -1.6}
	W := w0[0] * w0[1] * w0[2]
	data := noisyData(t, 12, 8)
	var mxx, mxy, scale float64
	for k, x := range data.X {
		mxx += x * x
		mxy += x * data.Y[k]
		scale += math.Abs(W)*x*x + math.Abs(x*data.Y[k])
	}
	n := float64(data.Len())
	mxx, mxy, scale = mxx/n, mxy/n, scale/n

	// Without noise, ρ of the full batch is mean_k (W x_k − y_k) x_k = W·mean(x²) − mean(x·y),
	// and the batches of one epoch partition the samples, so Σ_B |B|·ρ_B / N is the same
	// mean. Both are sums of N terms: round-off ≤ (N + 4)u·mean(|W|x² + |xy|).
	full := W*mxx - mxy
	tol := (n + 4) * u * scale
	p := Problem{Objective: flow.Objective{Depth: 3}, Data: data}
	if rho := frozen(t, p, w0, 0).Step(); !scalar.EqualWithinAbs(rho, full, tol) {
		t.Errorf("full batch: ρ = %.17g, want %.17g", rho, full)
	}
	for _, batch := range []int{1, 3, 4, 6} {
		st := frozen(t, p, w0, batch)
		for epoch := range 3 {
			var sum float64
			for range data.Len() / batch {
				sum += float64(batch) * st.Step()
			}
			if !scalar.EqualWithinAbs(sum/n, full, 2*tol) {
				t.Errorf("batch %d, epoch %d: mean ρ = %.17g, want the full-batch %.17g", batch, epoch, sum/n, full)
			}
		}
		if !slices.Equal(st.W(), w0) {
			t.Fatalf("the iterate moved: %v", st.W())
		}
	}

	// With input noise σ, E[(W x̃ − y)·x̃] = W(x² + σ²) − x·y: the mean of ρ is ∂F/∂W = e + σ²W
	// of the expected loss (package flow, Gradient flows) on these data. Check the sample mean over M steps
	// within 5 standard errors.
	const sigma, m = 0.4, 20000
	want := W*(mxx+sigma*sigma) - mxy
	for _, batch := range []int{0, 4, 1} {
		st := frozen(t, Problem{Objective: flow.Objective{Depth: 3, Noise: sigma}, Data: data}, w0, batch)
		var s, s2 float64
		for range m {
			r := st.Step()
			s += r
			s2 += r * r
		}
		mean := s / m
		se := math.Sqrt((s2/m - mean*mean) / m)
		if math.Abs(mean-want) > 5*se {
			t.Errorf("noise %v, batch %d: mean ρ = %.6g ± %.2g, want W(mean x² + σ²) − mean xy = %.6g", sigma, batch, mean, se, want)
		}
		// The noise must matter: the noiseless value is many standard errors away.
		if math.Abs(full-want) < 20*se {
			t.Fatalf("test too weak: σ²W = %.3g vs standard error %.2g", want-full, se)
		}
	}
}

func TestWeightDecayConverges(t *testing.T) {
	// d = 2: the balanced minimum w² = 1 − μ (package flow, Gradient flows). Near it the Hessian has
	// eigenvalues 2(1 − μ) and 2μ, so GD contracts at worst by 1 − 2λμ per step; it stalls
	// where λ|∇F| falls below half an ulp of w, i.e. |δw| ≲ u|w|/(2λμ), |δ(w²)| ≲ u/(λμ)
	// for |w| ≤ 1. A factor 8 covers the round-off of the gradient itself.
	for _, tc := range []struct {
		mu, lr float64
		w0     []float64
	}{
		{0.1, 0.1, []float64{2, 0.3}},
		{0.3, 0.2, []float64{-0.5, -1.8}},
		{0.05, 0.1, []float64{0.2, 3}},
	} {
		steps := int(40 / (tc.lr * tc.mu)) // (1 − 2λμ)^steps ≈ e^{−80} ≪ u
		tr, res, err := Run(Problem{Objective: flow.Objective{Depth: 2, WeightDecay: tc.mu}}, tc.w0,
			&Settings{LR: tc.lr, Steps: steps, Record: steps})
		if err != nil || res.Status != Success {
			t.Fatalf("μ=%v: %v %v", tc.mu, err, res)
		}
		w := tr.Last()
		tol := 8 * u / (tc.lr * tc.mu)
		for i, v := range w {
			if !scalar.EqualWithinAbs(v*v, 1-tc.mu, tol) {
				t.Errorf("μ=%v: w_%d² = %.17g, want 1 − μ = %.17g (tol %.3g)", tc.mu, i+1, v*v, 1-tc.mu, tol)
			}
		}
		if w[0]*w[1] <= 0 {
			t.Errorf("μ=%v: minimum %v has W ≤ 0", tc.mu, w)
		}
	}
}

func TestGDImbalanceStopsAtManifold(t *testing.T) {
	// Plain GD shrinks D by ∏(1 − λ²e_k²) and stops at W = 1 (package flow, Discrete steps). Once |e| is
	// small the exact law allows a relative change Σ λ²e_k², and each step adds at most
	// 8u(w_1² + w_2²) of round-off to D (see lawTol): D is constant to that.
	for _, w0 := range [][]float64{{2, 0.3}, {0.1, 3}, {-1.5, -0.2}} {
		const lr = 0.1
		tr, res, err := Run(Problem{Objective: flow.Objective{Depth: 2}}, w0, &Settings{LR: lr, Steps: 5000})
		if err != nil || res.Status != Success {
			t.Fatalf("%v: %v %v", w0, err, res)
		}
		D := func(k int) float64 { w := tr.At(k); return w[0]*w[0] - w[1]*w[1] }
		k0 := slices.IndexFunc(res.Rho, func(r float64) bool { return math.Abs(r) < 1e-9 })
		if k0 < 0 {
			t.Fatalf("%v: GD did not reach the manifold", w0)
		}
		// Implicit regularization before the manifold: D shrank by the product of the factors.
		prod := 1.0
		for _, r := range res.Rho[:k0] {
			prod *= 1 - lr*lr*r*r
		}
		if prod > 1-1e-4 {
			t.Fatalf("%v: test needs a visible shrink before the manifold, factor %v", w0, prod)
		}
		if got, want := D(k0), D(0)*prod; !scalar.EqualWithinRel(got, want, float64(k0)*16*u*(1+math.Abs(D(0)))/math.Abs(want)) {
			t.Errorf("%v: D at the manifold %.17g, D_0·∏(1 − λ²e²) = %.17g", w0, got, want)
		}
		var exact float64
		for k := k0 + 1; k < tr.Len(); k++ {
			w := tr.At(k)
			exact += lr * lr * res.Rho[k-1] * res.Rho[k-1]
			tol := exact*math.Abs(D(k0)) + float64(k-k0)*8*u*(w[0]*w[0]+w[1]*w[1])
			if diff := math.Abs(D(k) - D(k0)); diff > tol {
				t.Fatalf("%v: D moved by %.3g > %.3g between steps %d and %d on the manifold", w0, diff, tol, k0, k)
			}
		}
	}
}

func TestStability(t *testing.T) {
	// package flow, Discrete steps: λ = 1.05·2/16.06 is above 2/S at the minimum (4, 0.25), S = 16.0625.
	lr := 1.05 * 2 / 16.06
	p := Problem{Objective: flow.Objective{Depth: 2}}

	t.Run("escape", func(t *testing.T) {
		tr, res, err := Run(p, []float64{4, 0.26}, &Settings{LR: lr, Steps: 2000})
		if err != nil || res.Status != Success {
			t.Fatalf("%v %v", err, res)
		}
		w := tr.Last()
		if e := w[0]*w[1] - 1; math.Abs(e) > 1e-12 {
			t.Fatalf("GD did not settle on the manifold: e = %g", e)
		}
		s := flow.Sharpness(w)
		if s >= 2/lr {
			t.Errorf("final sharpness %v ≥ 2/λ = %v", s, 2/lr)
		}
		// The package documentation quotes 14.48 to two decimals.
		if !scalar.EqualWithinAbs(s, 14.48, 0.005) {
			t.Errorf("final sharpness %v, the documented value is 14.48", s)
		}
		if s0 := flow.Sharpness(tr.At(0)); s0 < 16.06 {
			t.Errorf("initial sharpness %v, want ≈ 16.07", s0)
		}
	})

	t.Run("on a minimum", func(t *testing.T) {
		w0 := []float64{4, 0.25} // 4·0.25 = 1 exactly: e = 0, the gradient is exactly 0.
		tr, res, err := Run(p, w0, &Settings{LR: lr, Steps: 500})
		if err != nil || res.Status != Success {
			t.Fatalf("%v %v", err, res)
		}
		for k := range tr.Len() {
			if !slices.Equal(tr.At(k), w0) {
				t.Fatalf("iterate %d = %v moved off the minimum %v", k, tr.At(k), w0)
			}
		}
	})

	t.Run("diverges", func(t *testing.T) {
		for _, record := range []int{1, 4} {
			tr, res, err := Run(p, []float64{2, 2}, &Settings{LR: 1.5, Steps: 1000, Record: record})
			if err != nil {
				t.Fatal(err)
			}
			wantRho := res.Steps // ρ is kept only when every iterate is
			if record > 1 {
				wantRho = 0
			}
			if res.Status != Diverged || res.DivergedAt < 1 || res.Steps != res.DivergedAt-1 || len(res.Rho) != wantRho {
				t.Fatalf("record %d: status %v at %d after %d steps, %d ρ", record, res.Status, res.DivergedAt, res.Steps, len(res.Rho))
			}
			if want := fmt.Sprintf("diverged at step %d", res.DivergedAt); tr.Status != want {
				t.Errorf("trajectory status %q, want %q", tr.Status, want)
			}
			for _, v := range tr.W {
				if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > DefaultBound {
					t.Fatalf("record %d: trajectory holds %v", record, v)
				}
			}
			for _, r := range res.Rho {
				if math.IsNaN(r) || math.IsInf(r, 0) {
					t.Fatalf("record %d: ρ holds %v", record, r)
				}
			}
			if last := tr.T[tr.Len()-1]; last != float64(res.Steps)*1.5 {
				t.Errorf("record %d: last time %v, want %v", record, last, float64(res.Steps)*1.5)
			}
		}
	})
}

func TestRecord(t *testing.T) {
	p := Problem{Objective: flow.Objective{Depth: 3, WeightDecay: 0.01}}
	w0 := []float64{1.2, 0.5, -0.8}
	const lr = 0.3
	all, _, err := Run(p, w0, &Settings{LR: lr, Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	for k := range all.Len() {
		if all.T[k] != float64(k)*lr {
			t.Errorf("t_%d = %v, want %v", k, all.T[k], float64(k)*lr)
		}
	}
	some, res, err := Run(p, w0, &Settings{LR: lr, Steps: 10, Record: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 3, 6, 9, 10}
	if some.Len() != len(want) || res.Steps != 10 || res.Rho != nil {
		t.Fatalf("kept %d points (%v), %d steps, %d ρ; want iterates %v", some.Len(), some.T, res.Steps, len(res.Rho), want)
	}
	for n, k := range want {
		if some.T[n] != all.T[k] || !slices.Equal(some.At(n), all.At(k)) {
			t.Errorf("kept point %d is (%v, %v), want iterate %d (%v, %v)", n, some.T[n], some.At(n), k, all.T[k], all.At(k))
		}
	}
	if !slices.Equal(w0, []float64{1.2, 0.5, -0.8}) {
		t.Errorf("Run modified w0: %v", w0)
	}

	// A diverging run keeps its last iterate inside the bound even when it is not a
	// multiple of Record.
	pd := Problem{Objective: flow.Objective{Depth: 2}}
	full, rf, _ := Run(pd, []float64{2, 2}, &Settings{LR: 1.5, Steps: 100})
	part, rp, _ := Run(pd, []float64{2, 2}, &Settings{LR: 1.5, Steps: 100, Record: 4})
	if rf.Status != Diverged || rp.DivergedAt != rf.DivergedAt {
		t.Fatalf("diverged at %d and %d", rf.DivergedAt, rp.DivergedAt)
	}
	if !slices.Equal(part.Last(), full.Last()) || part.T[part.Len()-1] != full.T[full.Len()-1] {
		t.Errorf("last kept iterate %v at %v, want %v at %v", part.Last(), part.T[part.Len()-1], full.Last(), full.T[full.Len()-1])
	}
}

func TestZeroSteps(t *testing.T) {
	tr, res, err := Run(Problem{Objective: flow.Objective{Depth: 2}}, []float64{1, 2}, &Settings{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 1 || res.Steps != 0 || res.Status != Success || tr.Status != "success" || res.DivergedAt != -1 {
		t.Errorf("zero steps: %d points, %+v, status %q", tr.Len(), res, tr.Status)
	}
}

func TestSGDReproducible(t *testing.T) {
	data := noisyData(t, 64, 5)
	for _, sig := range []float64{0, 0.2} {
		for _, batch := range []int{0, 8} {
			if sig == 0 && batch == 0 {
				continue // deterministic
			}
			p := Problem{Objective: flow.Objective{Depth: 3, Noise: sig}, Data: data}
			run := func(seed uint64) (*flow.Trajectory, *Result) {
				tr, res, err := Run(p, []float64{1.1, 0.7, 1.3}, &Settings{LR: 0.05, Steps: 200, Batch: batch, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				return tr, res
			}
			t1, r1 := run(7)
			t2, r2 := run(7)
			t3, r3 := run(8)
			if !slices.Equal(t1.W, t2.W) || !slices.Equal(t1.T, t2.T) || !slices.Equal(r1.Rho, r2.Rho) {
				t.Errorf("σ=%v batch=%d: seed 7 twice gave different runs", sig, batch)
			}
			if slices.Equal(t1.W, t3.W) || slices.Equal(r1.Rho, r3.Rho) {
				t.Errorf("σ=%v batch=%d: seeds 7 and 8 gave the same run", sig, batch)
			}
		}
	}
}

func TestEpochUsesEverySampleOnce(t *testing.T) {
	data := noisyData(t, 10, 6)
	for _, batch := range []int{1, 3, 5, 9} {
		st, err := NewStepper(Problem{Objective: flow.Objective{Depth: 2}, Data: data}, []float64{1, 1}, &Settings{LR: 0.1, Batch: batch, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		perEpoch := (10 + batch - 1) / batch
		var orders [][]int
		for epoch := range 4 {
			var seen []int
			for b := range perEpoch {
				idx := st.nextBatch()
				want := batch
				if b == perEpoch-1 {
					want = 10 - (perEpoch-1)*batch
				}
				if len(idx) != want {
					t.Fatalf("batch %d, epoch %d: batch %d has %d samples, want %d", batch, epoch, b, len(idx), want)
				}
				seen = append(seen, idx...)
			}
			orders = append(orders, slices.Clone(seen))
			slices.Sort(seen)
			for k, v := range seen {
				if v != k {
					t.Fatalf("batch %d, epoch %d: samples used %v, want each of 0..9 once", batch, epoch, seen)
				}
			}
		}
		if slices.Equal(orders[0], orders[1]) && slices.Equal(orders[1], orders[2]) {
			t.Errorf("batch %d: the epochs were not reshuffled: %v", batch, orders[0])
		}
	}
}

func TestShuffleUniform(t *testing.T) {
	// All 6 orders of 3 elements must be equally likely. With n = 60000 draws each count is
	// Binomial(n, 1/6), standard deviation √(n·5/36) ≈ 91; allow 5σ. The naive shuffle
	// (j drawn from all n positions) is off by n·(5/27 − 1/6) ≈ 1111 on some orders.
	const n = 60000
	rng := rand.New(rand.NewPCG(1, 1))
	counts := map[[3]int]int{}
	p := []int{0, 1, 2}
	for range n {
		p[0], p[1], p[2] = 0, 1, 2
		shuffle(rng, p)
		counts[[3]int(p)]++
	}
	if len(counts) != 6 {
		t.Fatalf("%d distinct orders, want 6", len(counts))
	}
	sd := math.Sqrt(n * 5.0 / 36)
	for perm, c := range counts {
		if math.Abs(float64(c)-n/6.0) > 5*sd {
			t.Errorf("order %v drawn %d times, want %v ± %.0f", perm, c, n/6, 5*sd)
		}
	}
}

func TestSGDFittedDataFreezes(t *testing.T) {
	// Package flow, Discrete steps: on data with y = x every batch residual vanishes at W = 1 and
	// the imbalance freezes as under GD. On data that is not fitted exactly it keeps
	// shrinking.
	const lr = 0.1
	run := func(data *flow.Dataset) (*flow.Trajectory, *Result) {
		tr, res, err := Run(Problem{Objective: flow.Objective{Depth: 2}, Data: data}, []float64{2, 0.3},
			&Settings{LR: lr, Steps: 4000, Batch: 4, Seed: 3})
		if err != nil || res.Status != Success {
			t.Fatalf("%v %v", err, res)
		}
		return tr, res
	}
	D := func(w []float64) float64 { return w[0]*w[0] - w[1]*w[1] }

	tr, res := run(fittedData(t, 32, 9))
	k0 := slices.IndexFunc(res.Rho, func(r float64) bool { return math.Abs(r) < 1e-9 })
	if k0 < 0 {
		t.Fatal("SGD did not reach W = 1")
	}
	if D(tr.At(k0)) > 0.999*D(tr.At(0)) {
		t.Errorf("D did not shrink before the manifold: %v → %v", D(tr.At(0)), D(tr.At(k0)))
	}
	var exact float64
	for k := k0 + 1; k < tr.Len(); k++ {
		w := tr.At(k)
		exact += lr * lr * res.Rho[k-1] * res.Rho[k-1]
		tol := exact*math.Abs(D(tr.At(k0))) + float64(k-k0)*8*u*(w[0]*w[0]+w[1]*w[1])
		if diff := math.Abs(D(w) - D(tr.At(k0))); diff > tol {
			t.Fatalf("fitted data: D moved by %.3g > %.3g at W = 1 (steps %d..%d)", diff, tol, k0, k)
		}
	}

	// Contrast: with label noise the loss is at its floor in the second half of the run,
	// and still the imbalance keeps shrinking.
	tr, _ = run(noisyData(t, 32, 9))
	half, end := D(tr.At(tr.Len()/2)), D(tr.Last())
	if !(math.Abs(end) < 0.5*math.Abs(half)) {
		t.Errorf("noisy data: D went from %v to %v over the second half, want it to keep shrinking", half, end)
	}
}

func TestBadSettings(t *testing.T) {
	data := noisyData(t, 16, 1)
	ok := Problem{Objective: flow.Objective{Depth: 2}, Data: data}
	pop := Problem{Objective: flow.Objective{Depth: 2}}
	w := []float64{1, 1}
	for _, tc := range []struct {
		name string
		p    Problem
		w0   []float64
		s    *Settings
		want string
	}{
		{"nil settings", ok, w, nil, "learning rate"},
		{"zero lr", ok, w, &Settings{}, "learning rate 0 "},
		{"negative lr", ok, w, &Settings{LR: -0.1}, "learning rate -0.1 "},
		{"NaN lr", ok, w, &Settings{LR: math.NaN()}, "learning rate NaN"},
		{"Inf lr", ok, w, &Settings{LR: math.Inf(1)}, "learning rate +Inf"},
		{"negative steps", ok, w, &Settings{LR: 0.1, Steps: -3}, "step count -3"},
		{"negative batch", ok, w, &Settings{LR: 0.1, Batch: -2}, "batch size -2"},
		{"batch too large", ok, w, &Settings{LR: 0.1, Batch: 17}, "batch size 17 exceeds the sample count 16"},
		{"batch without data", pop, w, &Settings{LR: 0.1, Batch: 4}, "batch size 4 needs data"},
		{"noise without data", Problem{Objective: flow.Objective{Depth: 2, Noise: 0.3}}, w, &Settings{LR: 0.1}, "input noise 0.3 needs data"},
		{"negative record", ok, w, &Settings{LR: 0.1, Record: -1}, "record interval -1"},
		{"negative bound", ok, w, &Settings{LR: 0.1, Bound: -5}, "bound -5"},
		{"NaN bound", ok, w, &Settings{LR: 0.1, Bound: math.NaN()}, "bound NaN"},
		{"short w0", ok, []float64{1}, &Settings{LR: 0.1}, "1 initial weights for depth 2"},
		{"long w0", ok, []float64{1, 2, 3}, &Settings{LR: 0.1}, "3 initial weights for depth 2"},
		{"NaN w0", ok, []float64{1, math.NaN()}, &Settings{LR: 0.1}, "w[1] = NaN"},
		{"Inf w0", ok, []float64{math.Inf(-1), 1}, &Settings{LR: 0.1}, "w[0] = -Inf"},
		{"w0 outside bound", ok, []float64{1, 50}, &Settings{LR: 0.1, Bound: 10}, "w[1] = 50 is outside the bound 10"},
		{"depth 1", Problem{Objective: flow.Objective{Depth: 1}}, []float64{1}, &Settings{LR: 0.1}, "depth 1"},
		{"negative weight decay", Problem{Objective: flow.Objective{Depth: 2, WeightDecay: -0.2}}, w, &Settings{LR: 0.1}, "weight decay -0.2"},
		{"negative noise", Problem{Objective: flow.Objective{Depth: 2, Noise: -1}, Data: data}, w, &Settings{LR: 0.1}, "noise -1"},
		{"empty data", Problem{Objective: flow.Objective{Depth: 2}, Data: &flow.Dataset{}}, w, &Settings{LR: 0.1}, "no samples"},
		{"ragged data", Problem{Objective: flow.Objective{Depth: 2}, Data: &flow.Dataset{X: []float64{1, 2}, Y: []float64{1}}}, w, &Settings{LR: 0.1}, "2 inputs and 1 labels"},
		{"NaN data", Problem{Objective: flow.Objective{Depth: 2}, Data: &flow.Dataset{X: []float64{1, 2}, Y: []float64{1, math.NaN()}}}, w, &Settings{LR: 0.1}, "sample 1 (x = 2, y = NaN)"},
	} {
		tr, res, err := Run(tc.p, tc.w0, tc.s)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tr != nil || res != nil {
			t.Errorf("%s: error %v with a trajectory or result", tc.name, err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "discrete: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want it to start with \"discrete: \" and contain %q", tc.name, msg, tc.want)
		}
	}
}

func TestLabels(t *testing.T) {
	data := noisyData(t, 8, 2)
	for _, tc := range []struct {
		data  *flow.Dataset
		noise float64
		batch int
		want  string
	}{
		{nil, 0, 0, "gd"},
		{data, 0, 0, "gd"},
		{data, 0, 8, "gd"}, // a batch of all samples is the full batch
		{data, 0, 3, "sgd"},
		{data, 0.1, 0, "noisy-gd"},
		{data, 0.1, 8, "noisy-gd"},
		{data, 0.1, 2, "noisy-sgd"},
	} {
		tr, _, err := Run(Problem{Objective: flow.Objective{Depth: 2, Noise: tc.noise}, Data: tc.data}, []float64{1, 1}, &Settings{LR: 0.1, Steps: 1, Batch: tc.batch})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Label != tc.want {
			t.Errorf("noise %v, batch %d: label %q, want %q", tc.noise, tc.batch, tr.Label, tc.want)
		}
	}
}

func TestStepperPanicsWhenZero(t *testing.T) {
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.HasPrefix(s, "discrete: ") {
			t.Errorf("recovered %v, want a panic starting with \"discrete: \"", r)
		}
	}()
	var st Stepper
	st.Step()
}

func TestStepDoesNotAllocate(t *testing.T) {
	data := noisyData(t, 64, 1)
	for _, tc := range []struct {
		name  string
		p     Problem
		batch int
	}{
		{"gd", Problem{Objective: flow.Objective{Depth: 4, WeightDecay: 0.01}}, 0},
		{"gd data", Problem{Objective: flow.Objective{Depth: 4}, Data: data}, 0},
		{"sgd", Problem{Objective: flow.Objective{Depth: 4}, Data: data}, 8},
		{"noisy-gd", Problem{Objective: flow.Objective{Depth: 4, Noise: 0.1}, Data: data}, 0},
		{"noisy-sgd", Problem{Objective: flow.Objective{Depth: 4, Noise: 0.1}, Data: data}, 5},
	} {
		st, err := NewStepper(tc.p, []float64{1, 1, 1, 1}, &Settings{LR: 1e-3, Batch: tc.batch})
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(200, func() { st.Step() }); n != 0 {
			t.Errorf("%s: %v allocations per step", tc.name, n)
		}
	}
}

// Advance must walk the same iterates as Run, stop at the same step when a run diverges,
// keep the last iterate inside the bound, and not allocate.
func TestAdvanceMatchesRun(t *testing.T) {
	data := noisyData(t, 64, 1)
	for _, tc := range []struct {
		name  string
		p     Problem
		w0    []float64
		lr    float64
		batch int
	}{
		{"sgd", Problem{Objective: flow.Objective{Depth: 3, Noise: 0.1}, Data: data}, []float64{1.5, 0.5, 1}, 0.05, 5},
		{"gd diverges", Problem{Objective: flow.Objective{Depth: 2}}, []float64{3, 0.1}, 0.5, 0},
	} {
		s := &Settings{LR: tc.lr, Steps: 300, Batch: tc.batch, Seed: 7}
		tr, res, err := Run(tc.p, tc.w0, s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(tc.name, "diverges") != (res.Status == Diverged) {
			t.Fatalf("%s: Run ended %v", tc.name, res.Status)
		}
		st, err := NewStepper(tc.p, tc.w0, s)
		if err != nil {
			t.Fatal(err)
		}
		taken := 0
		diverged := false
		for taken < s.Steps && !diverged {
			n, div := st.Advance(min(7, s.Steps-taken), 0)
			taken += n
			diverged = div
		}
		if taken != res.Steps || diverged != (res.Status == Diverged) {
			t.Errorf("%s: Advance took %d steps (diverged %v), Run %d (%v)", tc.name, taken, diverged, res.Steps, res.Status)
		}
		if !slices.Equal(st.W(), tr.Last()) {
			t.Errorf("%s: Advance ends at %v, Run at %v", tc.name, st.W(), tr.Last())
		}
		if n := testing.AllocsPerRun(100, func() { st.Advance(3, 1e300) }); n != 0 {
			t.Errorf("%s: %v allocations per Advance", tc.name, n)
		}
	}
}
