// The pinned hashes are those of amd64 builds that round every operation (GOAMD64 below v3,
// the default): other architectures have their own math.Log and math.Exp, and may fuse
// multiply-adds, and so other last bits.

//go:build !amd64.v3

package ode_test

import (
	"fmt"
	"hash/fnv"
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
	"github.com/layerflow/layerflow/flow/ode/testprob"
)

// deepLinearFlow is the gradient flow ẇ_i = −((W − 1)·∏_{j≠i} w_j + μ·w_i) of the scalar
// deep linear network, with the products taken as prefix and suffix products.
func deepLinearFlow(mu float64) ode.Func {
	return func(dw []float64, _ float64, w []float64) {
		p := 1.0
		for i, v := range w {
			dw[i] = p
			p *= v
		}
		a := p - 1
		p = 1.0
		for i := len(w) - 1; i >= 0; i-- {
			v := w[i]
			dw[i] *= p
			dw[i] = -(a*dw[i] + mu*v)
			p *= v
		}
	}
}

func pinRuns() []struct {
	name string
	p    ode.Problem
	s    ode.Settings
} {
	type run = struct {
		name string
		p    ode.Problem
		s    ode.Settings
	}
	var runs []run
	for _, d := range []int{2, 3, 8, 32, 33} {
		for k, start := range [][2]float64{{0.2, 0.2}, {2.5, 0.3}, {1.3, 1.9}} {
			w := make([]float64, d)
			for i := range w {
				w[i] = 1
			}
			w[0], w[1] = start[0], start[1]
			mu := 0.0
			if k == 2 {
				mu = 0.01
			}
			runs = append(runs, run{fmt.Sprintf("deep d=%d start %d", d, k),
				ode.Problem{Func: deepLinearFlow(mu), T1: 20, Y0: w}, ode.Settings{Rtol: 1e-8, Atol: 1e-10}})
		}
	}
	// Dense output at large dimensions: output times and events on deep flows.
	for _, d := range []int{17, 32} {
		w := make([]float64, d)
		for i := range w {
			w[i] = 1 + 0.01*float64(i%5)
		}
		w[0], w[1] = 0.4, 1.8
		out := make([]float64, 81)
		for i := range out {
			out[i] = 0.25 * float64(i)
		}
		runs = append(runs,
			run{fmt.Sprintf("deep d=%d output", d), ode.Problem{Func: deepLinearFlow(0), T1: 20, Y0: w},
				ode.Settings{Rtol: 1e-8, Atol: 1e-10, Output: out}},
			run{fmt.Sprintf("deep d=%d events", d), ode.Problem{Func: deepLinearFlow(0.001), T1: 20, Y0: w},
				ode.Settings{Rtol: 1e-7, Atol: 1e-9, Events: []ode.Event{
					{Func: func(_ float64, y []float64) float64 { return y[0] - 0.41 }},
					{Func: func(_ float64, y []float64) float64 { return y[1] - 1.775 }, Direction: -1},
				}}},
		)
	}
	ar := testprob.Arenstorf()
	runs = append(runs,
		run{"arenstorf 1e-10", ar.Problem, ode.Settings{Rtol: 1e-10, Atol: 1e-10}},
		run{"arenstorf 1e-5 beta", ar.Problem, ode.Settings{Rtol: 1e-5, Atol: 1e-5, Beta: 0.08}},
		run{"arenstorf 1e-6 no beta", ar.Problem, ode.Settings{Rtol: 1e-6, Atol: 1e-6, Beta: -1}},
		run{"arenstorf vector tol", ar.Problem, ode.Settings{RtolVec: []float64{1e-7, 1e-8, 1e-6, 1e-7}, AtolVec: []float64{1e-9, 1e-8, 1e-9, 1e-10}}},
	)
	tw := testprob.TwoWeight(2, 0.25, 20)
	out := make([]float64, 41)
	for i := range out {
		out[i] = 0.5 * float64(i)
	}
	runs = append(runs,
		run{"two-weight output", tw.Problem, ode.Settings{Rtol: 1e-9, Atol: 1e-11, Output: out}},
		run{"two-weight events", tw.Problem, ode.Settings{Rtol: 1e-7, Atol: 1e-9, Events: []ode.Event{
			{Func: func(_ float64, y []float64) float64 { return y[0]*y[1] - 0.9 }},
			{Func: func(_ float64, y []float64) float64 { return y[1] - 0.6 }, Direction: 1},
		}}},
		run{"two-weight terminal", tw.Problem, ode.Settings{Rtol: 1e-7, Atol: 1e-9, Events: []ode.Event{
			{Func: func(_ float64, y []float64) float64 { return y[0]*y[1] - 0.99 }, Terminal: true},
		}}},
	)
	back := tw.Problem
	back.T0, back.T1 = 3, -2
	runs = append(runs, run{"two-weight backward", back, ode.Settings{Rtol: 1e-8, Atol: 1e-10}})
	// Van der Pol with μ = 1000: stiff, so the stiffness test fires, and many steps are rejected.
	vdp := ode.Problem{Func: func(dy []float64, _ float64, y []float64) {
		dy[0] = y[1]
		dy[1] = 1000*(1-y[0]*y[0])*y[1] - y[0]
	}, T1: 3, Y0: []float64{2, 0}}
	runs = append(runs, run{"van der pol stiff", vdp, ode.Settings{Rtol: 1e-6, Atol: 1e-6, StiffnessCheck: 50}})
	return runs
}

// TestResultsPinned pins the results of integrations to the bit: every accepted step's time
// and state (through the observer), the end state, the proposed step, the counts, the status,
// the output and the event hits, hashed. The hashes were recorded before the integrators were
// tuned for speed (inner loops, assembly kernels, the controller's powers), whose changes must
// not move a single bit of any result: a change of rounding anywhere shows up here.
//
// They were recorded on a CPU with FMA, where math.Exp (and so the controller's powers) takes
// its fused path; without it (an old CPU, or GODEBUG=cpu.fma=off) exp's last bits and with them
// the step sizes differ, and the test is skipped.
func TestResultsPinned(t *testing.T) {
	if !ode.ExpFused {
		t.Skip("math.Exp does not fuse on this CPU: the pinned hashes are those of the fused exp")
	}
	for _, r := range pinRuns() {
		for _, mn := range []string{"dopri5", "dop853"} {
			m, _ := ode.NewMethod(mn)
			h := fnv.New64a()
			put := func(xs ...float64) {
				var b [8]byte
				for _, x := range xs {
					u := math.Float64bits(x)
					for i := range b {
						b[i] = byte(u >> (8 * i))
					}
					h.Write(b[:])
				}
			}
			s := r.s
			s.Observer = func(t float64, y []float64) bool {
				put(t)
				put(y...)
				return false
			}
			res, err := ode.Integrate(r.p, &s, m)
			if err != nil {
				t.Fatalf("%s %s: %v", r.name, mn, err)
			}
			put(res.T, res.H, float64(res.Status), float64(res.Stats.Evaluations), float64(res.Stats.Steps),
				float64(res.Stats.Accepted), float64(res.Stats.Rejected), res.StiffAt)
			put(res.Y...)
			put(res.OutputT...)
			for _, y := range res.OutputY {
				put(y...)
			}
			for _, e := range res.Events {
				put(float64(e.Event), e.T, float64(e.Direction))
				put(e.Y...)
			}
			key := r.name + " " + mn
			got := h.Sum64()
			if w, ok := pinned[key]; !ok {
				t.Errorf("%s: no pinned hash (got %#x)", key, got)
			} else if got != w {
				t.Errorf("%s: hash %#x, pinned %#x (%v, %d evaluations, %d steps)", key, got, w, res.Status, res.Stats.Evaluations, res.Stats.Steps)
			}
		}
	}
}

// pinned holds the hashes of TestResultsPinned, recorded on amd64 from the integrators before
// their speed work.
var pinned = map[string]uint64{
	"deep d=2 start 0 dopri5":       0x14964d8178e077f2,
	"deep d=2 start 0 dop853":       0x1f4d20e35d26cfda,
	"deep d=2 start 1 dopri5":       0xbee5baa41167450b,
	"deep d=2 start 1 dop853":       0xf19153b71dacc70,
	"deep d=2 start 2 dopri5":       0x9c6f66b6240393d4,
	"deep d=2 start 2 dop853":       0x6785f447ffd1c760,
	"deep d=3 start 0 dopri5":       0xfa1f32bbfd92d042,
	"deep d=3 start 0 dop853":       0xff49e4dbc073cd96,
	"deep d=3 start 1 dopri5":       0x7c0ad07c8a27675d,
	"deep d=3 start 1 dop853":       0x284b93768282300a,
	"deep d=3 start 2 dopri5":       0x279932872230d28f,
	"deep d=3 start 2 dop853":       0xbb0efa92f9eac2c2,
	"deep d=8 start 0 dopri5":       0x6838a23d96ccf68d,
	"deep d=8 start 0 dop853":       0x9f6890107c3c028b,
	"deep d=8 start 1 dopri5":       0x6caf17faf885ab5b,
	"deep d=8 start 1 dop853":       0xdd67b74aa503d9bb,
	"deep d=8 start 2 dopri5":       0x2c61ae788dc48d2a,
	"deep d=8 start 2 dop853":       0xa2e32a8c1ad4ed6a,
	"deep d=32 start 0 dopri5":      0x90e1503269472a78,
	"deep d=32 start 0 dop853":      0x4712f6d5997429f0,
	"deep d=32 start 1 dopri5":      0x5de99633b78f9a80,
	"deep d=32 start 1 dop853":      0x81a68d0f1e0a6f55,
	"deep d=32 start 2 dopri5":      0xc55aa53139126d40,
	"deep d=32 start 2 dop853":      0x8def4357c353e25c,
	"deep d=33 start 0 dopri5":      0xaa30bdfaa603f57e,
	"deep d=33 start 0 dop853":      0x5cf929f8b2832c8f,
	"deep d=33 start 1 dopri5":      0xfb5ddb8a26f02b87,
	"deep d=33 start 1 dop853":      0xfec820bcd0412d12,
	"deep d=33 start 2 dopri5":      0x657af288f95a8ea3,
	"deep d=33 start 2 dop853":      0x86c303121bb56757,
	"deep d=17 output dopri5":       0x9ec346189a113d3a,
	"deep d=17 output dop853":       0x9b717dfb475855f7,
	"deep d=17 events dopri5":       0x83d1a8fae6c8eeb8,
	"deep d=17 events dop853":       0xa2b7578e3782eeb7,
	"deep d=32 events dopri5":       0xe6089865aabf9a6a,
	"deep d=32 events dop853":       0xc7b051aa11f0932,
	"deep d=32 output dopri5":       0x3cee4dbd06dd9edc,
	"deep d=32 output dop853":       0x992a88df686f175d,
	"arenstorf 1e-10 dopri5":        0x4ac5796fd101b1a0,
	"arenstorf 1e-10 dop853":        0xa0ce58a1a938c5c1,
	"arenstorf 1e-5 beta dopri5":    0xfa3bda1803d209b5,
	"arenstorf 1e-5 beta dop853":    0x9a0dab5dcdcc9d3e,
	"arenstorf 1e-6 no beta dopri5": 0x3d0bdcc52fc25ca4,
	"arenstorf 1e-6 no beta dop853": 0x89e61237f4b0e795,
	"arenstorf vector tol dopri5":   0xb6023785ae97f097,
	"arenstorf vector tol dop853":   0x5ac01f9a39da7fa8,
	"two-weight output dopri5":      0x6e3f1e63491f80ed,
	"two-weight output dop853":      0x67bad2cdd70603cd,
	"two-weight events dopri5":      0x715499e6ea10c184,
	"two-weight events dop853":      0xfa681a0a571ce11d,
	"two-weight terminal dopri5":    0x17e859280d222ac4,
	"two-weight terminal dop853":    0x8378ec7dd7ed73da,
	"two-weight backward dopri5":    0xc87238085b4d079b,
	"two-weight backward dop853":    0xf5352fb004218b30,
	"van der pol stiff dopri5":      0x594af482badf5afc,
	"van der pol stiff dop853":      0x9af6b436dc1777cf,
}
