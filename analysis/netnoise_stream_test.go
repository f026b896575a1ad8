package analysis

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/flow"
)

// NetNoiseChange sums over the samples in chunks that fit a sixteenth of the memory budget:
// under the smallest budget, 12 000 samples take three chunks, and the sums of the chunks are
// the sums over all (to round-off), for mini-batches and for noisy inputs. A chunk's memory
// does not grow with the samples, and a stop between chunks ends it.
func TestNetNoiseChangeChunks(t *testing.T) {
	widths := []int{5, 4, 3}
	const n = 12000
	rng := rand.New(rand.NewPCG(3, 5))
	x, y := mat.NewDense(n, 5, nil), mat.NewDense(n, 3, nil)
	for k := 0; k < n; k++ {
		for j := 0; j < 5; j++ {
			x.Set(k, j, rng.NormFloat64())
		}
		for j := 0; j < 3; j++ {
			y.Set(k, j, rng.NormFloat64())
		}
	}
	w, _ := flow.Init{Kind: flow.Imbalanced, Scale: 1, Delta: 0.5, Seed: 3}.Draw(widths)
	perRow := 2*3 + 4 + 3 + 3*4
	old := budget.Limit()
	defer budget.Set(old)
	if err := budget.Set(1 << 40); err != nil {
		t.Fatal(err)
	}
	if r := netNoiseChunk(perRow); r < n {
		t.Fatalf("a chunk of %d rows under a budget of 1 TiB", r)
	}
	for _, tc := range []struct {
		batch int
		sigma float64
	}{{5, 0}, {0, 0.3}} {
		if err := budget.Set(1 << 40); err != nil {
			t.Fatal(err)
		}
		whole := NetNoiseChange(widths, w, x, y, tc.batch, tc.sigma, 0.1)
		if err := budget.Set(budget.Floor); err != nil {
			t.Fatal(err)
		}
		rows := netNoiseChunk(perRow)
		if chunks := (n + rows - 1) / rows; chunks < 3 || int64(8*rows*perRow) > budget.Floor/16 {
			t.Fatalf("under %d bytes: chunks of %d rows, %d chunks", budget.Floor, rows, chunks)
		}
		calls := 0
		parts, err := netNoiseChange(func() bool { calls++; return false }, widths, w, x, y, tc.batch, tc.sigma, 0.1)
		if err != nil || calls != (n+rows-1)/rows {
			t.Fatalf("batch %d: %d stop calls for %d chunks, %v", tc.batch, calls, (n+rows-1)/rows, err)
		}
		for i := range whole {
			var diff mat.Dense
			diff.Sub(parts[i], whole[i])
			if e, s := mat.Norm(&diff, 2), mat.Norm(whole[i], 2); !(e <= 1e-12*s) || s == 0 {
				t.Errorf("batch %d σ %g, D_%d: chunks differ from the whole by %.3g of %.3g", tc.batch, tc.sigma, i+1, e, s)
			}
		}
		// A stop after the first chunk ends it with errStopped.
		calls = 0
		if _, err := netNoiseChange(func() bool { calls++; return calls > 1 }, widths, w, x, y, tc.batch, tc.sigma, 0.1); !errors.Is(err, errStopped) || calls != 2 {
			t.Errorf("batch %d: stopped after %d calls: %v", tc.batch, calls, err)
		}
	}
}

// A lab that says stop ends the step loops of the matrix laws and the sums of the sampling
// noise: those rows are not tested, stopped, instead of running to the end.
func TestNetLawsStop(t *testing.T) {
	c := teacherCases(t)[0]
	lab := NetLab{Stop: func() bool { return true }}
	stopped := map[string]bool{}
	for _, ch := range NetLaws(c, NetLawSettings{Lab: &lab}) {
		if ch.Verdict == NotTested && strings.Contains(ch.Reason, "stopped by a signal") {
			stopped[ch.ID] = true
		}
	}
	for _, id := range []string{"net-gd-step-", "net-sgd-step-", "net-noisy-gd-step-", "net-sgd-noise-", "net-noisy-gd-noise-"} {
		if !stopped[id+c.Name] {
			t.Errorf("%s%s was not stopped", id, c.Name)
		}
	}
}
