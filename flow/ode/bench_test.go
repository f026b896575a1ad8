package ode_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

// benchRun is one benchmarked integration: a problem, its settings, the method and the
// measure of the achieved error.
type benchRun struct {
	name string
	p    ode.Problem
	s    ode.Settings
	new  func() ode.Method
	err  func(y []float64) float64
}

// benchRuns lists the benchmarked integrations:
//
//	dopri5|dop853 / arenstorf|two-weight / rtol=1e-06|1e-10  (rtol = atol)
//	gauss / two-weight / h=0.01                                (fixed step)
//
// The error of the Arenstorf orbit (one period) is the max-norm distance of the end point
// from the initial point; that of the 2-weight flow is the relative drift |D(T) − D(0)|/|D(0)|
// of its invariant D = w1² − w2².
func benchRuns() []benchRun {
	ar := testprob.Arenstorf()
	arErr := func(y []float64) float64 {
		var m float64
		for i, v := range y {
			m = math.Max(m, math.Abs(v-ar.Problem.Y0[i]))
		}
		return m
	}
	tw := testprob.TwoWeight(2, 0.25, 20)
	d0 := tw.Invariant(tw.Problem.Y0)
	twErr := func(y []float64) float64 { return math.Abs(tw.Invariant(y)-d0) / math.Abs(d0) }

	type method struct {
		name string
		new  func() ode.Method
	}
	adaptive := []method{
		{"dopri5", func() ode.Method { return &ode.DOPRI5{} }},
		{"dop853", func() ode.Method { return &ode.DOP853{} }},
	}
	problems := []struct {
		c   testprob.Case
		err func([]float64) float64
	}{{ar, arErr}, {tw, twErr}}

	var runs []benchRun
	for _, m := range adaptive {
		for _, pr := range problems {
			for _, tol := range []float64{1e-6, 1e-10} {
				runs = append(runs, benchRun{
					name: fmt.Sprintf("%s/%s/rtol=%.0e", m.name, pr.c.Name, tol),
					p:    pr.c.Problem,
					s:    ode.Settings{Rtol: tol, Atol: tol},
					new:  m.new,
					err:  pr.err,
				})
			}
		}
	}
	runs = append(runs, benchRun{
		name: "gauss/" + tw.Name + "/h=0.01",
		p:    tw.Problem,
		s:    ode.Settings{FixedStep: 0.01},
		new:  func() ode.Method { return &ode.GaussLegendre{} },
		err:  twErr,
	})
	return runs
}

// BenchmarkIntegrate times whole solves. It reports the function evaluations of one solve
// (evals/op) and the achieved error (see benchRuns) in units of 1e-12 (err*1e12), since the
// benchmark output prints metrics with a fixed number of decimals. The allocations of a solve
// do not depend on its length: compare allocs/op across the tolerances.
func BenchmarkIntegrate(b *testing.B) {
	for _, r := range benchRuns() {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			var res *ode.Result
			for b.Loop() {
				var err error
				res, err = ode.Integrate(r.p, &r.s, r.new())
				if err != nil {
					b.Fatal(err)
				}
			}
			if res.Status != ode.Success {
				b.Fatalf("status %v at t=%v", res.Status, res.T)
			}
			b.ReportMetric(float64(res.Stats.Evaluations), "evals/op")
			b.ReportMetric(r.err(res.Y)*1e12, "err*1e12")
		})
	}
}

// BenchmarkBareEvals times the function evaluations of one solve alone: it records the
// arguments of every call of p.Func during one solve and replays them, so an op makes the same
// calls on the same states. Its sub-benchmarks carry the names of those of BenchmarkIntegrate;
// the ratio of the two times is the cost of the integrator per unit of right-hand-side work.
// The replayed calls do not depend on each other, so the bare time is a lower bound.
func BenchmarkBareEvals(b *testing.B) {
	for _, r := range benchRuns() {
		b.Run(r.name, func(b *testing.B) {
			n := len(r.p.Y0)
			var ts, ys []float64
			rec := r.p
			rec.Func = func(dy []float64, t float64, y []float64) {
				ts = append(ts, t)
				ys = append(ys, y...)
				r.p.Func(dy, t, y)
			}
			res, err := ode.Integrate(rec, &r.s, r.new())
			if err != nil {
				b.Fatal(err)
			}
			if len(ts) != res.Stats.Evaluations {
				b.Fatalf("recorded %d calls, Stats.Evaluations = %d", len(ts), res.Stats.Evaluations)
			}
			ys = slices.Clip(ys)
			f := r.p.Func
			dy := make([]float64, n)
			b.ReportAllocs()
			for b.Loop() {
				for k, t := range ts {
					f(dy, t, ys[k*n:(k+1)*n:(k+1)*n])
				}
			}
			b.ReportMetric(float64(len(ts)), "evals/op")
		})
	}
}
