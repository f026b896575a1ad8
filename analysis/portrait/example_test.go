package portrait_test

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/analysis/portrait"
	"github.com/layerflow/layerflow/flow"
)

// round returns x to 4 decimals, without a negative zero.
func round(x float64) float64 {
	r := math.Round(x*1e4) / 1e4
	if r == 0 {
		return 0
	}
	return r
}

// The gradient flow of the loss with weight decay μ = 0.3 (depth 2) has a saddle at the
// origin and two stable nodes at ±√(1 − μ)(1, 1) (package flow, Gradient flows).
func ExampleEquilibria() {
	p := portrait.Plane{Objective: flow.Objective{Depth: 2, WeightDecay: 0.3}}
	eqs, err := portrait.Equilibria(p, portrait.DefaultRange, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range eqs {
		fmt.Printf("%-11s at (%v, %v): eigenvalues %v, %v\n", e.Type, round(e.X), round(e.Y), round(e.Eigen[0].Re), round(e.Eigen[1].Re))
	}
	fmt.Printf("√(1 − μ) = %.4f\n", math.Sqrt(0.7))
	// Output:
	// stable node at (-0.8367, -0.8367): eigenvalues -1.4, -0.6
	// saddle      at (0, 0): eigenvalues -1.3, 0.7
	// stable node at (0.8367, 0.8367): eigenvalues -1.4, -0.6
	// √(1 − μ) = 0.8367
}

// The separatrices of the origin for the plain loss: the unstable manifold runs along
// w1 = w2 to the balanced minima ±(1, 1), the stable manifold along w1 = −w2.
func ExampleSeparatrices() {
	p := portrait.Plane{Objective: flow.Objective{Depth: 2}}
	eqs, _ := portrait.Equilibria(p, portrait.DefaultRange, nil)
	trs, err := portrait.Separatrices(p, eqs[:1], portrait.DefaultRange, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tr := range trs {
		w := tr.Last()
		fmt.Printf("%-17s ends at (%v, %v), t = %.3g: %s\n", tr.Label, round(w[0]), round(w[1]), tr.T[tr.Len()-1], tr.Status)
	}
	// Output:
	// stable manifold   ends at (2.6, -2.6), t = -7.53: left the range
	// stable manifold   ends at (-2.6, 2.6), t = -7.53: left the range
	// unstable manifold ends at (1, 1), t = 100: reached the time limit
	// unstable manifold ends at (-1, -1), t = 100: reached the time limit
}
