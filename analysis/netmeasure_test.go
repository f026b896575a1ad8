package analysis

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// MeasureNet on the scalar network gives its closed forms: L = ½(W − 1)² + C,
// ‖D_i‖_F = ‖D_i‖_2 = |w_i² − w_{i+1}²| with the one eigenvalue w_{i+1}² − w_i², the singular
// value |W|, and the sharpness Σ_i g_i² on the manifold of minima W = 1 (flow.Sharpness off
// it); the Net of 1×1 layers, measured by the same code with Lanczos, agrees.
func TestMeasureNetScalar(t *testing.T) {
	const ulp = 0x1p-53
	for _, c := range []struct {
		name  string
		o     flow.Objective
		w     []float64
		sharp float64 // NaN: flow.Sharpness(w)
	}{
		{"d=2 on the minima", flow.Objective{Depth: 2, C: 0.25}, []float64{2, 0.5}, 4 + 0.25},
		{"d=3 on the minima", flow.Objective{Depth: 3, WeightDecay: 0.1}, []float64{2, 0.5, 1}, 0.25 + 4 + 1},
		{"d=2 off the minima", flow.Objective{Depth: 2, Noise: 0.3}, []float64{0.7, -1.3}, math.NaN()},
		{"d=4 off the minima", flow.Objective{Depth: 4, WeightDecay: 0.05, C: 0.1}, []float64{0.7, -1.3, 0.9, 1.2}, math.NaN()},
	} {
		t.Run(c.name, func(t *testing.T) {
			net, err := c.o.Net()
			if err != nil {
				t.Fatal(err)
			}
			W := flow.Product(c.w)
			wantSharp := c.sharp
			if math.IsNaN(wantSharp) {
				wantSharp = flow.Sharpness(c.w)
			}
			for _, m := range []flow.Layered{c.o, net} {
				p := MeasureNet(m, c.w, 3, true, true)
				d := c.o.Depth
				if want := 0.5*(W-1)*(W-1) + c.o.C; math.Abs(p.Loss-want) > 8*ulp*math.Max(1, want) {
					t.Errorf("%T: loss %v, want %v", m, p.Loss, want)
				}
				if want := c.o.Value(c.w); math.Abs(p.Value-want) > 8*ulp*math.Max(1, want) {
					t.Errorf("%T: value %v, want %v", m, p.Value, want)
				}
				if len(p.DF) != d-1 || len(p.D2) != d-1 || len(p.DEig) != d-1 {
					t.Fatalf("%T: %d, %d, %d pairs for depth %d", m, len(p.DF), len(p.D2), len(p.DEig), d)
				}
				for i := 0; i < d-1; i++ {
					di := c.w[i+1]*c.w[i+1] - c.w[i]*c.w[i]
					tol := 2 * ulp * (c.w[i]*c.w[i] + c.w[i+1]*c.w[i+1])
					if math.Abs(p.DF[i]-math.Abs(di)) > tol || math.Abs(p.D2[i]-math.Abs(di)) > tol ||
						len(p.DEig[i]) != 1 || math.Abs(p.DEig[i][0]-di) > tol {
						t.Errorf("%T: pair %d: ‖D‖_F %v, ‖D‖_2 %v, eigenvalues %v, want |%v|", m, i+1, p.DF[i], p.D2[i], p.DEig[i], di)
					}
				}
				if len(p.SV) != 1 || math.Abs(p.SV[0]-math.Abs(W)) > 4*float64(d)*ulp*math.Abs(W) {
					t.Errorf("%T: singular values %v, want [%v]", m, p.SV, math.Abs(W))
				}
				// The dense eigen-decomposition and Lanczos on d ≤ 4 (full reorthogonalization)
				// are both accurate to round-off of the Hessian's size.
				if math.Abs(p.Sharpness-wantSharp) > 1e-13*wantSharp || !(p.SharpBound >= 0 && p.SharpBound <= 1e-10*wantSharp) {
					t.Errorf("%T: sharpness %v ± %v, want %v", m, p.Sharpness, p.SharpBound, wantSharp)
				}
			}
		})
	}
}
