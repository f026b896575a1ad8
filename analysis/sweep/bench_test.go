package sweep

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSweepGD does 10^4 GD runs of 10^3 steps at d = 2 (100 learning rates × 100
// starting points), writing their rows, with 1 and 2 workers; runs/s is the throughput.
func BenchmarkSweepGD(b *testing.B) {
	s, err := FromMap(map[string]any{
		"method": "gd",
		"lr":     "0.001:0.5:100:log",
		"steps":  "1000",
		"start":  map[string]any{"grid": map[string]any{"min": "-2", "max": "2", "num": "10"}},
	}, ".")
	if err != nil {
		b.Fatal(err)
	}
	if s.Len() != 10000 {
		b.Fatalf("%d runs", s.Len())
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; b.Loop(); i++ {
				path := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
				if _, err := Execute(context.Background(), s, path, &Options{Workers: workers}); err != nil {
					b.Fatal(err)
				}
				os.Remove(path)
			}
			b.ReportMetric(float64(s.Len()*b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// BenchmarkGD2 times the lockstep kernel of depth-2 GD alone on the runs of the sweep
// comparison (testdata/bench/run.sh): 10 learning rates log-spaced in [0.01, 0.1] × a 32×32
// grid of starts in [−2, 2]², 1000 steps, in batches of chunkRuns.
func BenchmarkGD2(b *testing.B) {
	var lanes [][4]float64
	for i := range 32 {
		for j := range 32 {
			for k := range 10 {
				lr := math.Pow(10, -2+float64(k)/9)
				lanes = append(lanes, [4]float64{-2 + 4*float64(i)/31, -2 + 4*float64(j)/31, lr})
			}
		}
	}
	var g gd2
	for b.Loop() {
		for lo := 0; lo < len(lanes); lo += chunkRuns {
			g.reset(1000, 1e8)
			for _, l := range lanes[lo:min(lo+chunkRuns, len(lanes))] {
				g.add(l[0], l[1], l[2], 0, 0.01*math.Abs(l[0]*l[0]-l[1]*l[1]))
			}
			g.run()
		}
	}
	b.ReportMetric(float64(len(lanes)*b.N)/b.Elapsed().Seconds(), "runs/s")
}
