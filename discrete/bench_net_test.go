package discrete_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// The benchmarks of a network of MNIST's shape: widths 784, 256, 256, 10 on N = 60 000
// synthetic samples (inputs uniform in [0, 1], one-hot targets of uniform labels, from
// PCG(1, 1)). The cost of a step depends on the shapes only, not on the values; the step
// count of an adaptive integrator does depend on them (on the sharpness), so the flow
// benchmark reports it with the sharpness at the start. testdata/bench/net.sh runs them
// beside a PyTorch loop.
var benchWidths = []int{784, 256, 256, 10}

const (
	benchN     = 60000
	benchChunk = 1000 // samples drawn and accumulated into the statistics at a time
)

// benchOn reports whether the long benchmarks (the flow to t = 10, the 10⁵-step run) are
// switched on by LAYERFLOW_BENCH=1.
func benchOn() bool { return os.Getenv("LAYERFLOW_BENCH") == "1" }

// synthetic draws the samples chunk by chunk and returns their statistics and, when keep
// is set, the samples themselves (N×784 and N×10); without keep at most one chunk is held.
func synthetic(keep bool) (x, y *mat.Dense, st flow.Stats) {
	n0, nd := benchWidths[0], benchWidths[len(benchWidths)-1]
	rng := rand.New(rand.NewPCG(1, 1))
	if keep {
		x, y = mat.NewDense(benchN, n0, nil), mat.NewDense(benchN, nd, nil)
	}
	xc, yc := mat.NewDense(benchChunk, n0, nil), mat.NewDense(benchChunk, nd, nil)
	sxx, syx := mat.NewSymDense(n0, nil), mat.NewDense(nd, n0, nil)
	var tyx mat.Dense
	for lo := 0; lo < benchN; lo += benchChunk {
		hi := min(lo+benchChunk, benchN)
		if keep {
			xc, yc = x.Slice(lo, hi, 0, n0).(*mat.Dense), y.Slice(lo, hi, 0, nd).(*mat.Dense)
		}
		for r := 0; r < hi-lo; r++ {
			for c := 0; c < n0; c++ {
				xc.Set(r, c, rng.Float64())
			}
			for c := 0; c < nd; c++ {
				yc.Set(r, c, 0)
			}
			yc.Set(r, rng.IntN(nd), 1)
		}
		sxx.SymRankK(sxx, 1, xc.T())
		tyx.Reset()
		tyx.Mul(yc.T(), xc)
		syx.Add(syx, &tyx)
	}
	sxx.ScaleSym(1.0/benchN, sxx)
	syx.Scale(1.0/benchN, syx)
	return x, y, flow.Stats{Sxx: sxx, Syx: syx, Syy: 1} // every target has ‖y‖ = 1
}

var (
	benchMu    sync.Mutex
	benchStats *flow.Stats
	benchX     *mat.Dense
	benchY     *mat.Dense
)

// mnistStats returns the statistics, drawn once; without the samples held unless
// mnistSamples drew them first.
func mnistStats() flow.Stats {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchStats == nil {
		_, _, st := synthetic(false)
		benchStats = &st
	}
	return *benchStats
}

// mnistSamples returns the samples (and sets the statistics), drawn once.
func mnistSamples() (*mat.Dense, *mat.Dense) {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchX == nil {
		var st flow.Stats
		benchX, benchY, st = synthetic(true)
		benchStats = &st
	}
	return benchX, benchY
}

func mnistNet(b *testing.B) (*flow.Net, []float64) {
	net, err := flow.NewNet(benchWidths, mnistStats(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	w0, err := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 1}.Draw(benchWidths)
	if err != nil {
		b.Fatal(err)
	}
	return net, w0
}

// benchNetSteps times Step; the learning rate is small enough that the iterates stay near
// w0 for the whole benchmark.
func benchNetSteps(b *testing.B, p discrete.NetProblem, w0 []float64, batch int) {
	st, err := discrete.NewNetStepper(p, w0, &discrete.Settings{LR: benchLR, Batch: batch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	st.Step() // first touch of the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkNetGD times one full-batch GD step from the statistics of the 60 000 samples.
func BenchmarkNetGD(b *testing.B) {
	net, w0 := mnistNet(b)
	benchNetSteps(b, discrete.NetProblem{Model: net}, w0, 0)
}

// BenchmarkNetSGD128 times one SGD step on a batch of 128 of the 60 000 samples (drawn
// without replacement within an epoch).
func BenchmarkNetSGD128(b *testing.B) {
	x, y := mnistSamples()
	net, w0 := mnistNet(b)
	benchNetSteps(b, discrete.NetProblem{Model: net, X: x, Y: y}, w0, 128)
}

// BenchmarkNetFlow integrates the gradient flow of the net with DOPRI5 (rtol 1e-6, atol
// 1e-9) from w0 to t = 10 and reports the evaluations, steps, seconds, and the sharpness at
// the start and the end, which bounds the explicit method's stable step (|h·λ| ≲ 3.3).
// Minutes long: it runs only with LAYERFLOW_BENCH=1 (and -benchtime 1x).
func BenchmarkNetFlow(b *testing.B) {
	if !benchOn() {
		b.Skip("LAYERFLOW_BENCH=1 runs the flow to t = 10")
	}
	net, w0 := mnistNet(b)
	s0 := net.Sharpness(w0)
	l0 := net.Loss(w0)
	b.ResetTimer()
	var r *ode.Result
	for b.Loop() {
		var err error
		r, err = ode.Integrate(ode.Problem{Func: net.Flow(), T1: 10, Y0: w0}, &ode.Settings{Rtol: 1e-6, Atol: 1e-9}, &ode.DOPRI5{})
		if err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.StopTimer()
	if r.Status != ode.Success {
		b.Logf("status %v at t = %v", r.Status, r.T)
	}
	b.ReportMetric(float64(r.Stats.Evaluations), "evals")
	b.ReportMetric(float64(r.Stats.Steps), "steps")
	b.ReportMetric(float64(r.Stats.Rejected), "rejected")
	b.ReportMetric(sec, "s")
	b.ReportMetric(r.T, "t-end")
	if r.Stiff {
		b.ReportMetric(r.StiffAt, "stiff-at")
	}
	b.ReportMetric(s0, "sharp0")
	b.ReportMetric(net.Sharpness(r.Y), "sharp-end")
	b.ReportMetric(l0, "loss0")
	b.ReportMetric(net.Loss(r.Y), "loss-end")
	b.ReportMetric(float64(r.Stats.Evaluations)/sec, "evals/s")
}

// BenchmarkNetRun is the memory run: RunNet's full-batch GD from the statistics for
// LAYERFLOW_BENCH_STEPS steps (default 10⁵) at λ = 1/(2·sharpness(w0)), recording the loss
// and every ‖D_i‖_F every 100 steps. Run it under /usr/bin/time -v for the peak memory;
// it reports the heap in use at the first and at the last record, so that growth shows. Only with
// LAYERFLOW_BENCH=1 (and -benchtime 1x).
func BenchmarkNetRun(b *testing.B) {
	if !benchOn() {
		b.Skip("LAYERFLOW_BENCH=1 runs the long GD run")
	}
	steps := 100000
	if s := os.Getenv("LAYERFLOW_BENCH_STEPS"); s != "" {
		var err error
		if steps, err = strconv.Atoi(s); err != nil || steps < 1 {
			b.Fatalf("LAYERFLOW_BENCH_STEPS=%q is not a positive step count", s)
		}
	}
	net, w0 := mnistNet(b)
	lr := 0.5 / net.Sharpness(w0)
	type record struct {
		k    int
		loss float64
		d    []float64
	}
	var (
		recs           []record
		ms             runtime.MemStats
		heap0, heapEnd uint64
		sysMax         uint64
		res            *discrete.NetResult
		err            error
	)
	for b.Loop() {
		recs = recs[:0]
		res, err = discrete.RunNet(discrete.NetProblem{Model: net}, w0, &discrete.Settings{LR: lr, Steps: steps, Record: 100}, func(k int, w []float64) bool {
			d := make([]float64, net.Depth()-1)
			net.PairImbalance(d, w)
			recs = append(recs, record{k, net.Loss(w), d})
			runtime.ReadMemStats(&ms)
			if k == 0 {
				heap0 = ms.HeapInuse
			}
			heapEnd = ms.HeapInuse
			sysMax = max(sysMax, ms.Sys)
			return false
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	if res.Status != discrete.Success {
		b.Logf("%v at step %d", res.Status, res.DivergedAt)
	}
	b.ReportMetric(float64(res.Steps), "steps")
	b.ReportMetric(float64(res.Steps)/sec, "steps/s")
	b.ReportMetric(float64(len(recs)), "records")
	b.ReportMetric(lr, "lr")
	b.ReportMetric(recs[0].loss, "loss0")
	b.ReportMetric(recs[len(recs)-1].loss, "loss-end")
	b.ReportMetric(float64(heap0)/(1<<20), "heap0-MB")
	b.ReportMetric(float64(heapEnd)/(1<<20), "heap-end-MB")
	b.ReportMetric(float64(sysMax)/(1<<20), "sys-MB")
}

// BenchmarkNetStepperScalar times one step of NetStepper on the scalar network
// (Objective.Sampled) and on the same network as a Net of 1×1 layers (Objective.Net): GD
// from the statistics and SGD on a batch of 8 of 64 samples, beside BenchmarkGDStep and
// BenchmarkSGDStep of the scalar stepper.
func BenchmarkNetStepperScalar(b *testing.B) {
	data, err := flow.Generate(64, 1, 0.5, 1)
	if err != nil {
		b.Fatal(err)
	}
	x, y := mat.NewDense(len(data.X), 1, data.X), mat.NewDense(len(data.Y), 1, data.Y)
	for _, d := range []int{2, 8} {
		obj := flow.Objective{Depth: d, WeightDecay: 0.01}
		net, err := obj.Net()
		if err != nil {
			b.Fatal(err)
		}
		w0 := make([]float64, d)
		for i := range w0 {
			w0[i] = 1 + 0.01*float64(i)
		}
		for _, m := range []struct {
			name  string
			model flow.Model
		}{{"objective", obj.Sampled()}, {"net", net}} {
			b.Run(fmt.Sprintf("%s/d=%d/gd", m.name, d), func(b *testing.B) {
				benchNetSteps(b, discrete.NetProblem{Model: m.model}, w0, 0)
			})
			b.Run(fmt.Sprintf("%s/d=%d/batch=8of64", m.name, d), func(b *testing.B) {
				benchNetSteps(b, discrete.NetProblem{Model: m.model, X: x, Y: y}, w0, 8)
			})
		}
	}
}
