package analysis

import (
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// BenchmarkPhaseValue times the value of PhaseEvent at depth 2 from a given velocity
// (FuncDy), on states and velocities of a flow.
func BenchmarkPhaseValue(b *testing.B) {
	f := flow.Objective{Depth: 2}.Flow()
	var pe PhaseEvents
	ev := pe.Event(f, 2, 1e-8, 1e-10)
	var ws, vs [64][2]float64
	for k := range ws {
		ws[k] = [2]float64{0.2 + 0.03*float64(k), 2.5 - 0.035*float64(k)}
		f(vs[k][:], 0, ws[k][:])
	}
	var s float64
	for b.Loop() {
		for k := range ws {
			s += ev.FuncDy(0, ws[k][:], vs[k][:])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ws)), "ns/value")
	_ = s
}
