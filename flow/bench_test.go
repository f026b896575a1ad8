package flow_test

import (
	"fmt"
	"testing"

	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// BenchmarkSolve times a whole gradient-flow solve to t = 20 that records every accepted
// step, for depths 2 and 8.
func BenchmarkSolve(b *testing.B) {
	for _, d := range []int{2, 8} {
		w0 := make([]float64, d)
		for i := range w0 {
			w0[i] = 1 + 0.1*float64(i)
		}
		w0[0] = 2
		obj := flow.Objective{Depth: d, WeightDecay: 0.01}
		for _, m := range []string{"dopri5", "dop853"} {
			b.Run(fmt.Sprintf("d=%d/%s/rtol=1e-8", d, m), func(b *testing.B) {
				b.ReportAllocs()
				var evals int
				for i := 0; i < b.N; i++ {
					meth, _ := ode.NewMethod(m)
					_, r, err := flow.Solve(obj.Flow(), "flow", w0, 20, &ode.Settings{Rtol: 1e-8, Atol: 1e-10}, meth)
					if err != nil {
						b.Fatal(err)
					}
					evals = r.Stats.Evaluations
				}
				b.ReportMetric(float64(evals), "evals/op")
			})
		}
	}
}
