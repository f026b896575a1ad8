package discrete_test

import (
	"fmt"
	"testing"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// The learning rate is small enough that the iterates stay near w0 = (1, …, 1) for the
// whole benchmark, so every step does the same work on ordinary numbers.
const benchLR = 1e-9

func benchStep(b *testing.B, p discrete.Problem, batch int) {
	w0 := make([]float64, p.Objective.Depth)
	for i := range w0 {
		w0[i] = 1 + 0.01*float64(i)
	}
	st, err := discrete.NewStepper(p, w0, &discrete.Settings{LR: benchLR, Batch: batch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += st.Step()
	}
	_ = sink
}

func BenchmarkGDStep(b *testing.B) {
	for _, d := range []int{2, 8} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			benchStep(b, discrete.Problem{Objective: flow.Objective{Depth: d, WeightDecay: 0.01}}, 0)
		})
	}
}

func BenchmarkSGDStep(b *testing.B) {
	data, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []int{2, 8} {
		b.Run(fmt.Sprintf("d=%d/batch=8of64", d), func(b *testing.B) {
			benchStep(b, discrete.Problem{Objective: flow.Objective{Depth: d}, Data: data}, 8)
		})
	}
}
