package discrete_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

// GD with weight decay μ = 0.1 on a two-layer network ends at the balanced minimum
// w_1² = w_2² = 1 − μ (package flow, Gradient flows), whatever its initial imbalance.
func ExampleRun() {
	p := discrete.Problem{Objective: flow.Objective{Depth: 2, WeightDecay: 0.1}}
	tr, res, err := discrete.Run(p, []float64{2, 0.3}, &discrete.Settings{LR: 0.1, Steps: 4000, Record: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := tr.Last()
	fmt.Println(tr.Label, tr.Status, res.Steps, "steps,", tr.Len(), "points")
	fmt.Printf("w = (%.6f, %.6f), √(1 − μ) = %.6f\n", w[0], w[1], math.Sqrt(0.9))
	fmt.Printf("D: %.4f → |D| < 1e-12: %v\n", flow.Pair(tr.At(0), 0, 1), math.Abs(flow.Pair(w, 0, 1)) < 1e-12)

	// A learning rate far above 2/S diverges, and Run says so instead of returning NaN.
	_, res, _ = discrete.Run(discrete.Problem{Objective: flow.Objective{Depth: 2}}, []float64{2, 2}, &discrete.Settings{LR: 1.5, Steps: 100})
	fmt.Println(res.Status, "at step", res.DivergedAt)

	// Output:
	// gd success 4000 steps, 5 points
	// w = (0.948683, 0.948683), √(1 − μ) = 0.948683
	// D: 3.9100 → |D| < 1e-12: true
	// diverged at step 3
}

// SGD with weight decay μ = 0.1 on the scalar network, through the model interface: each
// step multiplies D = w_1² − w_2² by (1−λμ)² − λ²ρ² for the batch's residual factor ρ
// (package flow, Matrix layers, for n_i = 1), so D vanishes, whatever the batches.
func ExampleRunNet() {
	data, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	x, y := mat.NewDense(64, 1, data.X), mat.NewDense(64, 1, data.Y)
	o := flow.Objective{Depth: 2, WeightDecay: 0.1}
	w0 := []float64{2, 0.3}
	p := discrete.NetProblem{Model: o.Sampled(), X: x, Y: y}
	res, err := discrete.RunNet(p, w0, &discrete.Settings{LR: 0.1, Steps: 2000, Batch: 8, Seed: 1}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Label, res.Status, res.Steps, "steps")
	fmt.Printf("D: %.4f → |D| < 1e-12: %v\n", flow.Pair(w0, 0, 1), math.Abs(flow.Pair(res.W, 0, 1)) < 1e-12)

	// Output:
	// sgd success 2000 steps
	// D: 3.9100 → |D| < 1e-12: true
}
