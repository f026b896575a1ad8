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

// BenchmarkSweepCompare is the sweep of the comparison with numpy (testdata/bench/run.sh):
// 10 240 GD runs of 1000 steps at d = 2, λ log-spaced in [0.01, 0.1], starts on a 32×32
// grid in [−2, 2]², every column of every row written to a file, with 1 and 2 workers.
// runs/cpu-s counts per second of CPU time of the process, all threads.
func BenchmarkSweepCompare(b *testing.B) {
	s, err := FromMap(map[string]any{
		"method": "gd",
		"lr":     "0.01:0.1:10:log",
		"steps":  "1000",
		"start":  map[string]any{"grid": map[string]any{"min": "-2", "max": "2", "num": "32"}},
	}, ".")
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			dir := b.TempDir()
			cpu := cpuSeconds()
			for i := 0; b.Loop(); i++ {
				path := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
				if _, err := Execute(context.Background(), s, path, &Options{Workers: workers}); err != nil {
					b.Fatal(err)
				}
				os.Remove(path)
			}
			cpu = cpuSeconds() - cpu
			b.ReportMetric(float64(s.Len()*b.N)/b.Elapsed().Seconds(), "runs/s")
			b.ReportMetric(float64(s.Len()*b.N)/cpu, "runs/cpu-s")
		})
	}
}

// BenchmarkSweepFlow is a sweep of the flows of the per-solve comparison (flow's
// BenchmarkGrid at d = 2): 1600 gradient flows from a 40×40 grid of starts in [0.2, 2.5]²
// to t = 20 at rtol 1e-8, atol 1e-10, with the phase event, one worker, each row written.
// runs/s counts per second of wall time (which includes the file's fsync at the end of each
// sweep), runs/cpu-s per second of CPU time of the process.
func BenchmarkSweepFlow(b *testing.B) {
	for _, integrator := range []string{"dopri5", "dop853"} {
		s, err := FromMap(map[string]any{
			"method":     "flow",
			"t_end":      "20",
			"integrator": integrator,
			"start":      map[string]any{"grid": map[string]any{"min": "0.2", "max": "2.5", "num": "40"}},
		}, ".")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(integrator, func(b *testing.B) {
			dir := b.TempDir()
			cpu := cpuSeconds()
			for i := 0; b.Loop(); i++ {
				path := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
				if _, err := Execute(context.Background(), s, path, &Options{Workers: 1}); err != nil {
					b.Fatal(err)
				}
				os.Remove(path)
			}
			cpu = cpuSeconds() - cpu
			b.ReportMetric(float64(s.Len()*b.N)/b.Elapsed().Seconds(), "runs/s")
			b.ReportMetric(float64(s.Len()*b.N)/cpu, "runs/cpu-s")
		})
	}
}
