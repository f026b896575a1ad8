package sweep

import (
	"context"
	"fmt"
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
