package analysis

import (
	"fmt"
	"testing"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
)

func TestScratchPhase(t *testing.T) {
	noisy, _ := flow.Generate(64, 1, 0.5, 1)
	r, _ := discretePhaseRun(nil, "x", discrete.Problem{Objective: flow.Objective{Depth: 2}, Data: noisy}, []float64{2, 0.25}, 0.1, 4000, 4, 16, 1)
	tr := r.w
	dw := make([]float64, 2)
	for k := 0; k+1 < tr.Len(); k++ {
		a, b := tr.At(k), tr.At(k+1)
		dw[0], dw[1] = b[0]-a[0], b[1]-a[1]
		vn, vt := oracleSpeeds(a, dw)
		fmt.Printf("   k=%d t=%.1f W=%.4f D=%.4f vn=%.3g vt=%.3g %v\n", k, tr.T[k], oracleProduct(a), oracleImbalance(a), vn, vt, vt >= vn)
	}
}
