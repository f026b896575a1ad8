package flow

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The layer view of the scalar network is its closed forms: layer i is w_i, D_i is
// w_{i+1}² − w_i² = −D_{i,i+1}, W is ∏ w_i; and it agrees with the same objective as a Net of
// 1×1 layers, whose matrix code is independent of the scalar closed forms.
func TestObjectiveLayered(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{2, 3, 5} {
		o := Objective{Depth: d, WeightDecay: 0.1, Noise: 0.3, C: 0.2}
		net, err := o.Net()
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float64, d)
		for k := range w {
			w[k] = 2*rng.Float64() - 1
		}
		var models = []Layered{o, net}
		for _, m := range models {
			if mu, s := m.Regularizers(); mu != 0.1 || s != 0.3 {
				t.Errorf("d=%d %T: regularizers %v, %v", d, m, mu, s)
			}
			for i := 1; i <= d; i++ {
				l := m.Layer(w, i)
				if r, c := l.Dims(); r != 1 || c != 1 || l.At(0, 0) != w[i-1] {
					t.Errorf("d=%d %T: layer %d = %v, want [%v]", d, m, i, mat.Formatted(l), w[i-1])
				}
			}
			var W mat.Dense
			m.Product(&W, w)
			if got, want := W.At(0, 0), Product(w); math.Abs(got-want) > 4*float64(d)*0x1p-53*math.Abs(want) {
				t.Errorf("d=%d %T: product %v, want %v", d, m, got, want)
			}
			for i := 1; i < d; i++ {
				var D mat.SymDense
				m.ImbalanceMatrix(&D, w, i)
				// Both are one rounded difference of two exact-to-rounding squares.
				want := -Pair(w, i-1, i)
				if got := D.At(0, 0); math.Abs(got-want) > 2*0x1p-53*(w[i-1]*w[i-1]+w[i]*w[i]) {
					t.Errorf("d=%d %T: D_%d = %v, want %v", d, m, i, got, want)
				}
			}
			s, b := m.SharpnessBound(w)
			if want := Sharpness(w); math.Abs(s-want) > 1e-12*math.Max(1, math.Abs(want)) || !(b >= 0) {
				t.Errorf("d=%d %T: sharpness %v ± %v, want %v", d, m, s, b, want)
			}
		}
	}
	// The view shares storage.
	w := []float64{1, 2}
	Objective{Depth: 2}.Layer(w, 2).Set(0, 0, 5)
	if w[1] != 5 {
		t.Errorf("Layer does not share w's storage: %v", w)
	}
}
