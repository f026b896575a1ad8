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

// gridStarts returns the 1600 starts of the per-solve comparison (testdata/bench/run.sh):
// a 40×40 grid of (a, b) in [0.2, 2.5]², w = (a, b, 1, …, 1) at depth d.
func gridStarts(d int) [][]float64 {
	const n, lo, hi = 40, 0.2, 2.5
	var ws [][]float64
	for i := range n {
		for j := range n {
			w := make([]float64, d)
			for k := range w {
				w[k] = 1
			}
			w[0] = lo + (hi-lo)*float64(i)/float64(n-1)
			w[1] = lo + (hi-lo)*float64(j)/float64(n-1)
			ws = append(ws, w)
		}
	}
	return ws
}

// BenchmarkGrid times the per-solve comparison with compiled C (testdata/bench/run.sh): the
// plain gradient flow of depth d from each of the 1600 grid starts to t = 20 at rtol 1e-8,
// atol 1e-10, with ode.Integrate's solver into a caller's ode.Workspace (the way to run many
// solves: no allocation, as the C program makes none). An op is the 1600 solves; solves/s is
// the throughput, and solves/cpu-s the same per second of CPU time of the process (less
// sensitive to other work on the machine); evals and steps are the totals of one op (the C
// program prints the same totals).
func BenchmarkGrid(b *testing.B) {
	for _, d := range []int{2, 8, 32} {
		starts := gridStarts(d)
		f := flow.Objective{Depth: d}.Flow()
		for _, m := range []string{"dopri5", "dop853"} {
			b.Run(fmt.Sprintf("d=%d/%s", d, m), func(b *testing.B) {
				b.ReportAllocs()
				meth, _ := ode.NewMethod(m)
				set := &ode.Settings{Rtol: 1e-8, Atol: 1e-10}
				var ws ode.Workspace
				var evals, steps int
				cpu := cpuSeconds()
				for b.Loop() {
					evals, steps = 0, 0
					for _, w0 := range starts {
						r, err := ws.Integrate(ode.Problem{Func: f, T1: 20, Y0: w0}, set, meth)
						if err != nil || r.Status != ode.Success {
							b.Fatal(err, r.Status)
						}
						evals += r.Stats.Evaluations
						steps += r.Stats.Steps
					}
				}
				cpu = cpuSeconds() - cpu
				b.ReportMetric(float64(len(starts)*b.N)/b.Elapsed().Seconds(), "solves/s")
				b.ReportMetric(float64(len(starts)*b.N)/cpu, "solves/cpu-s")
				b.ReportMetric(float64(evals), "evals")
				b.ReportMetric(float64(steps), "steps")
			})
		}
	}
}
