package discrete_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

func scalarSamples(t *testing.T, n int) (*flow.Dataset, *mat.Dense, *mat.Dense, flow.Stats) {
	t.Helper()
	data, err := flow.Generate(n, 1, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	x, y := mat.NewDense(n, 1, append([]float64(nil), data.X...)), mat.NewDense(n, 1, append([]float64(nil), data.Y...))
	var sxx, sxy, syy float64
	for k := range data.X {
		sxx += data.X[k] * data.X[k]
		sxy += data.X[k] * data.Y[k]
		syy += data.Y[k] * data.Y[k]
	}
	fn := float64(n)
	return data, x, y, flow.Stats{Sxx: mat.NewSymDense(1, []float64{sxx / fn}), Syx: mat.NewDense(1, 1, []float64{sxy / fn}), Syy: syy / fn}
}

// A Net of widths 1, …, 1 and the scalar network (Objective.Sampled) take the scalar
// stepper's steps: the same batches, the same noise draws, the same iterates up to
// round-off. The scalar stepper is its own code, tested against the scalar laws.
func TestNetStepperScalar(t *testing.T) {
	data, x, y, st := scalarSamples(t, 50)
	for _, tc := range []struct {
		batch int
		noise float64
		mu    float64
	}{{0, 0, 0}, {0, 0, 0.1}, {0, 0.4, 0}, {8, 0, 0}, {7, 0.3, 0.05}} {
		for _, d := range []int{2, 3} {
			obj := flow.Objective{Depth: d, WeightDecay: tc.mu, Noise: tc.noise}
			net, err := flow.NewNet(obj.Widths(), st, tc.mu, 0)
			if err != nil {
				t.Fatal(err)
			}
			w0 := []float64{1.7, 0.4, 0.9}[:d]
			set := &discrete.Settings{LR: 0.05, Steps: 300, Batch: tc.batch, Seed: 11}
			for _, m := range []flow.Model{net, obj.Sampled()} {
				b, err := discrete.NewNetStepper(discrete.NetProblem{Model: m, X: x, Y: y, Noise: tc.noise}, w0, set)
				if err != nil {
					t.Fatal(err)
				}
				a, err := discrete.NewStepper(discrete.Problem{Objective: obj, Data: data}, w0, set)
				if err != nil {
					t.Fatal(err)
				}
				if a.Label() != b.Label() {
					t.Errorf("labels %q and %q", a.Label(), b.Label())
				}
				for k := 0; k < set.Steps; k++ {
					a.Step()
					b.Step()
				}
				for i := range w0 {
					if !scalar.EqualWithinAbsOrRel(a.W()[i], b.W()[i], 1e-12, 1e-12) {
						t.Errorf("%+v d=%d %T: scalar stepper %v, net stepper %v", tc, d, m, a.W(), b.W())
						break
					}
				}
			}
		}
	}
}

// Every step of GD, SGD and noisy GD on a matrix network moves along the gradient of some
// function of the product W: then W_{i+1}ᵀG_{i+1} = G_iW_iᵀ for G = (w_k − w_{k+1})/λ − μw_k,
// and the imbalance obeys C ← (1−λμ)²C + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ) exactly.
func TestNetStepperImbalanceLaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	widths := []int{4, 3, 5, 2}
	n := 40
	x, y := mat.NewDense(n, 4, nil), mat.NewDense(n, 2, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < 4; j++ {
			x.Set(k, j, rng.NormFloat64())
		}
		y.Set(k, 0, x.At(k, 0)-x.At(k, 2)+0.3*rng.NormFloat64())
		y.Set(k, 1, x.At(k, 1)+0.3*rng.NormFloat64())
	}
	var sxx mat.SymDense
	sxx.SymOuterK(1/float64(n), x.T())
	var syx mat.Dense
	syx.Mul(y.T(), x)
	syx.Scale(1/float64(n), &syx)
	const lr, mu = 0.05, 0.1
	net, _ := flow.NewNet(widths, flow.Stats{Sxx: &sxx, Syx: &syx, Syy: 1}, mu, 0)
	w0, _ := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 2}.Draw(widths)
	for _, p := range []discrete.NetProblem{{Model: net}, {Model: net, X: x, Y: y, Noise: 0.3}} {
		for _, batch := range []int{0, 5} {
			if p.X == nil && batch != 0 {
				continue
			}
			st, err := discrete.NewNetStepper(p, w0, &discrete.Settings{LR: lr, Batch: batch, Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			prev := make([]float64, len(w0))
			G := make([]float64, len(w0))
			for k := 0; k < 20; k++ {
				copy(prev, st.W())
				st.Step()
				for j := range G {
					G[j] = (prev[j]-st.W()[j])/lr - mu*prev[j]
				}
				for i := 1; i < net.Depth(); i++ {
					var c0, c1 mat.SymDense
					net.ImbalanceMatrix(&c0, prev, i)
					net.ImbalanceMatrix(&c1, st.W(), i)
					gi, gn := net.Layer(G, i), net.Layer(G, i+1)
					var a, b mat.Dense
					a.Mul(gn.T(), gn)
					b.Mul(gi, gi.T())
					a.Sub(&a, &b)
					a.Scale(lr*lr, &a)
					var want, diff mat.Dense
					want.Scale((1-lr*mu)*(1-lr*mu), &c0)
					want.Add(&want, &a)
					diff.Sub(&c1, &want)
					// G comes from a difference of iterates: relative error ε/λ per entry.
					if e := mat.Norm(&diff, math.Inf(1)); e > 1e-12*(1+mat.Norm(&c0, math.Inf(1))) {
						t.Fatalf("%s batch %d step %d D_%d: law off by %.3g", st.Label(), batch, k, i, e)
					}
				}
			}
		}
	}
}

// A step allocates nothing, on the Net and on the scalar network, from the statistics and
// on samples.
func TestNetStepperNoAlloc(t *testing.T) {
	_, x, y, st := scalarSamples(t, 64)
	net, _ := flow.NewNet([]int{1, 1, 1}, st, 0, 0)
	obj := flow.Objective{Depth: 2, WeightDecay: 0.1}
	for _, m := range []flow.Model{net, obj.Sampled()} {
		for _, p := range []discrete.NetProblem{{Model: m}, {Model: m, X: x, Y: y, Noise: 0.2}} {
			for _, b := range []int{0, 8} {
				if p.X == nil && b != 0 {
					continue
				}
				s, err := discrete.NewNetStepper(p, []float64{1, 0.5}, &discrete.Settings{LR: 0.01, Batch: b})
				if err != nil {
					t.Fatal(err)
				}
				if a := testing.AllocsPerRun(20, s.Step); a != 0 {
					t.Errorf("%T %s: Step allocates %v times", m, s.Label(), a)
				}
			}
		}
	}
}

// The scalar network (Objective.Sampled) and the same network as a Net of 1×1 layers
// (Objective.Net, whose matrix code is independent of the scalar closed forms) take the same
// steps on the same samples and seed, to round-off, at depths 2, 3 and 5, with weight decay
// and an expected-loss σ that steps on samples must ignore.
func TestNetStepperObjectiveNet(t *testing.T) {
	_, x, y, _ := scalarSamples(t, 50)
	for _, tc := range []struct {
		batch int
		indep bool
		noise float64
	}{{0, false, 0}, {8, false, 0}, {8, true, 0}, {7, false, 0.3}, {0, false, 0.3}} {
		for _, d := range []int{2, 3, 5} {
			obj := flow.Objective{Depth: d, WeightDecay: 0.05, Noise: 0.2, C: 0.1}
			net, err := obj.Net()
			if err != nil {
				t.Fatal(err)
			}
			w0 := []float64{1.3, 0.4, 0.9, -1.1, 0.8}[:d]
			set := &discrete.Settings{LR: 0.05, Batch: tc.batch, IndependentBatches: tc.indep, Seed: 3}
			var st [2]*discrete.NetStepper
			for i, m := range []flow.Model{obj.Sampled(), net} {
				if st[i], err = discrete.NewNetStepper(discrete.NetProblem{Model: m, X: x, Y: y, Noise: tc.noise}, w0, set); err != nil {
					t.Fatal(err)
				}
			}
			for range 200 {
				st[0].Step()
				st[1].Step()
			}
			for i := range w0 {
				// 200 steps, each a short sum and product of order-one terms: round-off.
				if !scalar.EqualWithinAbsOrRel(st[0].W()[i], st[1].W()[i], 1e-12, 1e-12) {
					t.Errorf("%s %+v d=%d: scalar network %v, 1×1 Net %v", st[0].Label(), tc, d, st[0].W(), st[1].W())
					break
				}
			}
		}
	}
}

// A model that cannot take the gradient of a batch steps from its statistics (full-batch
// GD) but refuses the steps that need samples with an error that names it.
func TestNetStepperNotSampled(t *testing.T) {
	_, x, y, _ := scalarSamples(t, 20)
	obj := flow.Objective{Depth: 2}
	if _, err := discrete.NewNetStepper(discrete.NetProblem{Model: obj, X: x, Y: y}, []float64{1, 0.5}, &discrete.Settings{LR: 0.1}); err != nil {
		t.Errorf("full-batch GD on flow.Objective: %v", err)
	}
	for _, c := range []struct {
		batch int
		noise float64
	}{{5, 0}, {0, 0.1}} {
		_, err := discrete.NewNetStepper(discrete.NetProblem{Model: obj, X: x, Y: y, Noise: c.noise}, []float64{1, 0.5}, &discrete.Settings{LR: 0.1, Batch: c.batch})
		if err == nil || !strings.Contains(err.Error(), "flow.Objective does not take") {
			t.Errorf("batch %d noise %v on flow.Objective: error %v", c.batch, c.noise, err)
		}
	}
	if _, err := discrete.NewNetStepper(discrete.NetProblem{}, []float64{1, 0.5}, &discrete.Settings{LR: 0.1}); err == nil {
		t.Error("no model: no error")
	}
}

func TestRunNetObserve(t *testing.T) {
	_, _, _, st := scalarSamples(t, 16)
	net, _ := flow.NewNet([]int{1, 1, 1}, st, 0, 0)
	var ks []int
	res, err := discrete.RunNet(discrete.NetProblem{Model: net}, []float64{1, 0.5}, &discrete.Settings{LR: 0.1, Steps: 25, Record: 10}, func(k int, w []float64) bool {
		ks = append(ks, k)
		return false
	})
	if err != nil || res.Status != discrete.Success {
		t.Fatal(err, res)
	}
	if want := []int{0, 10, 20, 25}; len(ks) != len(want) || ks[0] != 0 || ks[1] != 10 || ks[2] != 20 || ks[3] != 25 {
		t.Errorf("observed steps %v, want %v", ks, want)
	}
	res, err = discrete.RunNet(discrete.NetProblem{Model: net}, []float64{1, 0.5}, &discrete.Settings{LR: 50, Steps: 100, Bound: 1e6}, nil)
	if err != nil || res.Status != discrete.Diverged {
		t.Errorf("λ = 50: status %v, want diverged", res.Status)
	}
}
