package ode_test

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/flow/ode"
)

// Integrate on random small problems (ẏ = Ay + c·y², up to 3 dimensions, any coefficients,
// NaN and Inf included) with random settings never panics: settings it cannot use give an
// error naming them, and every integration it runs ends with a Status (never NotTerminated),
// its statistics consistent, at T1 exactly when it succeeds. The seed corpus is in
// testdata/fuzz/FuzzIntegrate.
func FuzzIntegrate(f *testing.F) {
	coef := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	// Decay, an oscillator, a blow-up in finite time, a stiff system, fixed steps, events,
	// output, backward in time, odd controller constants.
	f.Add(uint8(0), uint8(1), coef(-1, 0), 0.0, 1.0, 1e-8, 1e-10, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, uint8(0))
	f.Add(uint8(1), uint8(2), coef(0, 1, -1, 0, 0, 0), 0.0, 20.0, 1e-10, 1e-12, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, uint8(3))
	f.Add(uint8(2), uint8(1), coef(0, 1), 0.0, 2.0, 1e-6, 1e-9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 500, uint8(0))
	f.Add(uint8(0), uint8(2), coef(-1e4, 0, 0, -1, 0, 0), 0.0, 10.0, 1e-6, 1e-9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2000, uint8(4))
	f.Add(uint8(2), uint8(3), coef(-1, 0, 0, 0, -2, 0, 0, 0, -3), 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0, 0, uint8(1))
	f.Add(uint8(1), uint8(1), coef(1, 0), 5.0, -5.0, 1e-9, 1e-9, 0.01, 0.5, 0.0, 0.95, 0.3, 4.0, -1.0, 100, uint8(7))
	f.Add(uint8(0), uint8(1), coef(math.NaN(), 0), 0.0, 1.0, 1e-6, 1e-9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, uint8(0))
	f.Add(uint8(0), uint8(1), coef(-1, 0), -1e308, 1e308, 1e-6, 1e-9, 0.0, 0.0, 1e-300, 0.0, 0.0, 0.0, 0.0, 50, uint8(0))
	f.Fuzz(func(t *testing.T, method, dim uint8, c []byte, t0, t1, rtol, atol, h0, hmax, fixed, safety, fac1, fac2, beta float64, maxSteps int, opts uint8) {
		n := 1 + int(dim)%3
		m, _ := ode.NewMethod(ode.MethodNames[int(method)%len(ode.MethodNames)])
		// n² entries of A, then n of c, then the initial state, from c (0 where it runs out).
		num := func(k int) float64 {
			if 8*k+8 > len(c) {
				return 0.5
			}
			return math.Float64frombits(binary.LittleEndian.Uint64(c[8*k:]))
		}
		A := make([]float64, n*n)
		q := make([]float64, n)
		y0 := make([]float64, n)
		for k := range A {
			A[k] = num(k)
		}
		for k := range q {
			q[k] = num(n*n + k)
			y0[k] = num(n*n + n + k)
		}
		p := ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) {
				for i := range n {
					s := q[i] * y[i] * y[i]
					for j := range n {
						s += A[i*n+j] * y[j]
					}
					dy[i] = s
				}
			},
			T0: t0, T1: t1, Y0: y0,
		}
		// At most 5000 steps, so that one input takes milliseconds (a negative count is kept:
		// it must be refused).
		if maxSteps >= 0 {
			maxSteps = maxSteps%5000 + 1
		}
		s := &ode.Settings{Rtol: rtol, Atol: atol, InitialStep: h0, MaxStep: hmax, FixedStep: fixed, MaxSteps: maxSteps,
			Safety: safety, Fac1: fac1, Fac2: fac2, Beta: beta}
		if opts&1 != 0 {
			s.Events = []ode.Event{{Func: func(_ float64, y []float64) float64 { return y[0] - 0.25 }, Terminal: opts&8 != 0}}
		}
		if opts&2 != 0 {
			for k := 1; k <= 4; k++ {
				s.Output = append(s.Output, t0+(t1-t0)*float64(k)/4)
			}
		}
		if opts&4 != 0 {
			s.RtolVec, s.AtolVec = make([]float64, n), make([]float64, n)
			for i := range n {
				s.RtolVec[i], s.AtolVec[i] = rtol*float64(i+1), atol
			}
		}
		if opts&16 != 0 {
			s.StiffnessCheck = 1
		}
		r, err := ode.Integrate(p, s, m)
		if err != nil {
			if r != nil {
				t.Errorf("a result with the error %v", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "ode: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line starting with \"ode: \"", msg)
			}
			return
		}
		if r.Status == ode.NotTerminated || strings.HasPrefix(r.Status.String(), "Status(") {
			t.Fatalf("status %v", r.Status)
		}
		if len(r.Y) != n {
			t.Fatalf("%d states for dimension %d", len(r.Y), n)
		}
		st := r.Stats
		if st.Steps != st.Accepted+st.Rejected || st.Steps > maxSteps || st.Evaluations < 0 {
			t.Errorf("stats %+v with at most %d steps", st, maxSteps)
		}
		if r.Status == ode.Success && r.T != t1 {
			t.Errorf("success at t = %v, not at T1 = %v", r.T, t1)
		}
		if r.Status == ode.Success && !allFinite(r.Y) {
			t.Errorf("success with the state %v", r.Y)
		}
		if len(r.OutputT) != len(r.OutputY) || len(r.OutputT) > len(s.Output) {
			t.Errorf("%d output times, %d states, %d asked", len(r.OutputT), len(r.OutputY), len(s.Output))
		}
		for _, e := range r.Events {
			if (e.T-t0)*(e.T-t1) > 0 {
				t.Errorf("event at t = %v outside [%v, %v]", e.T, t0, t1)
			}
		}
	})
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
