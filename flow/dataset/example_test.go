package dataset_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/dataset"
)

// TestScalarIsGenerate: the scalar source gives, bit for bit, the numbers of
// flow.Generate(n, slope, noise, seed), normalized so that mean x² = 1 and mean x·y = 1.
func TestScalarIsGenerate(t *testing.T) {
	for _, c := range []struct {
		n            int
		slope, noise float64
		seed         uint64
	}{{64, 1, 0, 1}, {64, 1, 0.3, 2}, {1000, -2.5, 1, 3}, {1, 1, 0, 4}, {17, 0.5, 2, 1 << 60}} {
		d, err := flow.Generate(c.n, c.slope, c.noise, c.seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, prep := range []dataset.Prep{dataset.PrepNone, dataset.PrepScalar} {
			s, err := dataset.Open("scalar", dataset.Options{Samples: c.n, Slope: c.slope, Noise: c.noise, Seed: c.seed, Prep: prep})
			if err != nil {
				t.Fatal(err)
			}
			n, n0, nd := s.Dims()
			if n != c.n || n0 != 1 || nd != 1 {
				t.Fatalf("dims %d %d %d", n, n0, nd)
			}
			for k := 0; k < n; k++ {
				if s.X.At(k, 0) != d.X[k] || s.Y.At(k, 0) != d.Y[k] {
					t.Fatalf("%+v: sample %d is (%v, %v), flow.Generate gives (%v, %v)", c, k, s.X.At(k, 0), s.Y.At(k, 0), d.X[k], d.Y[k])
				}
			}
			m := s.Moments()
			if math.Abs(m.Sxx.At(0, 0)-1) > 1e-12 || math.Abs(m.Syx.At(0, 0)-1) > 1e-12 {
				t.Errorf("mean x² = %v, mean x·y = %v", m.Sxx.At(0, 0), m.Syx.At(0, 0))
			}
			if s.Info.Prep != "scalar" || s.Info.Seed != c.seed || s.Info.Slope != c.slope {
				t.Errorf("info %+v", s.Info)
			}
		}
	}
}

// A teacher with two singular values, its moments and the whitened moments.
func ExampleOpen() {
	s, err := dataset.Open("teacher", dataset.Options{Inputs: 3, OutputsDim: 2, Spectrum: []float64{2, 1}, Samples: 500, Seed: 1, Whitened: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := s.Moments()
	fmt.Printf("N = %d, n0 = %d, nd = %d, prep %s\n", m.N, s.Info.N0, s.Info.ND, s.Info.Prep)
	fmt.Printf("Sxx[0][0] = %.6f, Sxx[0][1] = %.6f\n", m.Sxx.At(0, 0), math.Abs(m.Sxx.At(0, 1)))
	fmt.Printf("Syy = %.6f (= s₁² + s₂² for whitened x)\n", m.Syy)
	// Output:
	// N = 500, n0 = 3, nd = 2, prep none
	// Sxx[0][0] = 1.000000, Sxx[0][1] = 0.000000
	// Syy = 5.000000 (= s₁² + s₂² for whitened x)
}
