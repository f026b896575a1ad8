package discrete_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// pinData is a network of widths 3, 2, 2 with weight decay and expected-loss noise, on 300
// samples of a noisy linear map, and a Gaussian start.
func pinData() (*flow.Net, *mat.Dense, *mat.Dense, []float64) {
	rng := rand.New(rand.NewPCG(7, 7))
	widths := []int{3, 2, 2}
	n := 300 // more than one chunk of a noisy full-batch step
	x, y := mat.NewDense(n, 3, nil), mat.NewDense(n, 2, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < 3; j++ {
			x.Set(k, j, rng.NormFloat64())
		}
		// float64(…) rounds the noise before the sum in every build, so that a build that
		// fuses multiply-adds (GOAMD64=v3) draws the same data and the pins hold there too.
		y.Set(k, 0, x.At(k, 0)-x.At(k, 2)+float64(0.3*rng.NormFloat64()))
		y.Set(k, 1, x.At(k, 1)+float64(0.3*rng.NormFloat64()))
	}
	var sxx mat.SymDense
	sxx.SymOuterK(1/float64(n), x.T())
	var syx mat.Dense
	syx.Mul(y.T(), x)
	syx.Scale(1/float64(n), &syx)
	net, _ := flow.NewNet(widths, flow.Stats{Sxx: &sxx, Syx: &syx, Syy: 1}, 0.1, 0.2)
	w0, _ := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 2}.Draw(widths)
	return net, x, y, w0
}

// pinned are the iterates after 60 steps of the matrix stepper from pinData, recorded from
// the stepper as it was before it took a flow.Model (when it held a *flow.Net): a change of
// the step's arithmetic for Net shows here. They are exact on amd64, also with GOAMD64=v3
// (the stepper's arithmetic on this path rounds the same there); elsewhere fused
// multiply-adds may round differently, so there the test asks for 1e-12 relative (a wrong
// batch, seed or scale is off by far more).
var pinned = []struct {
	name  string
	data  bool
	batch int
	indep bool
	noise float64
	want  []float64
}{
	{"gd", false, 0, false, 0, []float64{-0x1.774a9f242c251p-02, 0x1.5d7e78e67d455p-01, 0x1.7d1bec3fb0a91p-01, -0x1.12b27bdc15528p-01, -0x1.02d6ba40e9faep-01, 0x1.b38fa15fe3612p-02, -0x1.582b68c712cbp-01, -0x1.0c23191abbb8cp+00, 0x1.103683e8adaap-01, -0x1.73c2f8d50b834p-01}},
	{"sgd", true, 7, false, 0, []float64{-0x1.626ced09b40e8p-02, 0x1.52e0451e64ffdp-01, 0x1.8ea18788883f2p-01, -0x1.1664e048c252ep-01, -0x1.f2d6ad8db4e63p-02, 0x1.c9a912a9176a3p-02, -0x1.619758d7b03d9p-01, -0x1.10fb504890048p+00, 0x1.0baa5fea7f122p-01, -0x1.699ad18da896p-01}},
	{"sgd-indep", true, 7, true, 0, []float64{-0x1.a08790848d7f9p-02, 0x1.53054e6faffe2p-01, 0x1.9c9f4991d5049p-01, -0x1.19d2e33f21919p-01, -0x1.120d386f9ea5dp-01, 0x1.b490526de4b6ep-02, -0x1.7ab8c18e6b905p-01, -0x1.0b38eab6a0cb6p+00, 0x1.130ed8609c9e9p-01, -0x1.85fa62e1993e9p-01}},
	{"noisy-gd", true, 0, false, 0.3, []float64{-0x1.6d8690a36a498p-02, 0x1.55dab0757a1f4p-01, 0x1.7806f1030aba3p-01, -0x1.0ce11174206e6p-01, -0x1.fb84216e6396ap-02, 0x1.9fe3b9ddd1c39p-02, -0x1.4eab9eb778889p-01, -0x1.089468e991559p+00, 0x1.07f4c0f4869aep-01, -0x1.705133b71f75p-01}},
	{"noisy-sgd", true, 7, false, 0.3, []float64{-0x1.686d52e05d75fp-02, 0x1.552d7128e290bp-01, 0x1.7e6c18849996p-01, -0x1.214a39ca50145p-01, -0x1.09497da702af5p-01, 0x1.b571a105748ep-02, -0x1.50a1756e0f86p-01, -0x1.12c61af6a1858p+00, 0x1.0f1deb7e4b6dap-01, -0x1.6d52de7aaf9d5p-01}},
}

// NetStepper on a *flow.Net takes, bit for bit (on amd64), the steps it took before it was
// written on the model interface: GD from the statistics, SGD in epochs and with independent
// batches, noisy GD over more than one chunk, noisy SGD.
func TestNetStepperPinned(t *testing.T) {
	net, x, y, w0 := pinData()
	exact := runtime.GOARCH == "amd64"
	for _, c := range pinned {
		p := discrete.NetProblem{Model: net, Noise: c.noise}
		if c.data {
			p.X, p.Y = x, y
		}
		st, err := discrete.NewNetStepper(p, w0, &discrete.Settings{LR: 0.05, Batch: c.batch, IndependentBatches: c.indep, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		for range 60 {
			st.Step()
		}
		for i, v := range st.W() {
			if exact && math.Float64bits(v) != math.Float64bits(c.want[i]) || !scalar.EqualWithinAbsOrRel(v, c.want[i], 1e-12, 1e-12) {
				t.Errorf("%s: w[%d] = %x, pinned %x", c.name, i, v, c.want[i])
			}
		}
	}
}
