package ode_test

import (
	"fmt"

	"github.com/layerflow/layerflow/flow/ode"
)

// The gradient flow of ½(w1w2 − 1)² from (2, 0.25) ends on the hyperbola w1w2 = 1 with
// w1² − w2² = 3.9375 conserved: w1 = 2.04375, w2 = 0.48930.
func ExampleIntegrate() {
	p := ode.Problem{
		Func: func(dw []float64, _ float64, w []float64) {
			e := w[0]*w[1] - 1
			dw[0], dw[1] = -e*w[1], -e*w[0]
		},
		T0: 0, T1: 20,
		Y0: []float64{2, 0.25},
	}
	r, err := ode.Integrate(p, &ode.Settings{Rtol: 1e-8, Atol: 1e-10}, &ode.DOPRI5{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("status: %v\n", r.Status)
	fmt.Printf("w = (%.5f, %.5f)\n", r.Y[0], r.Y[1])
	fmt.Printf("D = %.8f\n", r.Y[0]*r.Y[0]-r.Y[1]*r.Y[1])
	fmt.Printf("evaluations: %d, accepted: %d, rejected: %d\n", r.Stats.Evaluations, r.Stats.Accepted, r.Stats.Rejected)
	// Output:
	// status: success
	// w = (2.04375, 0.48930)
	// D = 3.93750000
	// evaluations: 458, accepted: 75, rejected: 1
}
