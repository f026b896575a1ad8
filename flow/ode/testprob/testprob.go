// Package testprob holds initial value problems with known answers, shared by the tests and
// benchmarks of the integrators: exact solutions, periodic orbits and quadratic invariants.
package testprob

import (
	"math"

	"github.com/layerflow/layerflow/flow/ode"
)

// Case is a test problem. Exact, when not nil, writes the exact solution at t into dst.
// Invariant, when not nil, is a quantity the exact flow conserves.
type Case struct {
	Name      string
	Problem   ode.Problem
	Exact     func(dst []float64, t float64)
	Invariant func(y []float64) float64
}

// ExpDecay is ẏ = −λy, y(0) = 1, with y(t) = e^{−λt}.
func ExpDecay(lambda, t1 float64) Case {
	return Case{
		Name: "exp-decay",
		Problem: ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) { dy[0] = -lambda * y[0] },
			T1:   t1, Y0: []float64{1},
		},
		Exact: func(dst []float64, t float64) { dst[0] = math.Exp(-lambda * t) },
	}
}

// Harmonic is the oscillator ẏ1 = y2, ẏ2 = −y1 from (1, 0): y = (cos t, −sin t); its energy
// y1² + y2² is conserved.
func Harmonic(t1 float64) Case {
	return Case{
		Name: "harmonic",
		Problem: ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) { dy[0], dy[1] = y[1], -y[0] },
			T1:   t1, Y0: []float64{1, 0},
		},
		Exact:     func(dst []float64, t float64) { dst[0], dst[1] = math.Cos(t), -math.Sin(t) },
		Invariant: func(y []float64) float64 { return y[0]*y[0] + y[1]*y[1] },
	}
}

// Linear is ẏ = Ay with A = [[−1, 2], [−2, −1]] (a damped rotation) from (1, 0):
// e^{At}y0 = e^{−t}(cos 2t, −sin 2t).
func Linear(t1 float64) Case {
	return Case{
		Name: "linear",
		Problem: ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) {
				dy[0] = -y[0] + 2*y[1]
				dy[1] = -2*y[0] - y[1]
			},
			T1: t1, Y0: []float64{1, 0},
		},
		Exact: func(dst []float64, t float64) {
			e := math.Exp(-t)
			dst[0], dst[1] = e*math.Cos(2*t), -e*math.Sin(2*t)
		},
	}
}

// ArenstorfPeriod is the period of the Arenstorf orbit (Hairer, Nørsett & Wanner, Solving ODEs I, §II.0).
const ArenstorfPeriod = 17.0652165601579625588917206249

// Arenstorf is the restricted three-body problem (Earth–Moon, μ = 0.012277471) from the
// initial point of the periodic Arenstorf orbit, integrated over one period: the exact
// solution at T1 = ArenstorfPeriod is the initial point.
func Arenstorf() Case {
	const mu = 0.012277471
	const mup = 1 - mu
	y0 := []float64{0.994, 0, 0, -2.00158510637908252240537862224}
	return Case{
		Name: "arenstorf",
		Problem: ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) {
				r1 := (y[0]+mu)*(y[0]+mu) + y[1]*y[1]
				r1 *= math.Sqrt(r1)
				r2 := (y[0]-mup)*(y[0]-mup) + y[1]*y[1]
				r2 *= math.Sqrt(r2)
				dy[0] = y[2]
				dy[1] = y[3]
				dy[2] = y[0] + 2*y[3] - mup*(y[0]+mu)/r1 - mu*(y[0]-mup)/r2
				dy[3] = y[1] - 2*y[2] - mup*y[1]/r1 - mu*y[1]/r2
			},
			T1: ArenstorfPeriod, Y0: y0,
		},
		Exact: func(dst []float64, t float64) {
			if t != ArenstorfPeriod && t != 0 {
				panic("testprob: Arenstorf is known only at 0 and its period")
			}
			copy(dst, y0)
		},
	}
}

// TwoWeight is the gradient flow of ½(w1w2 − 1)², ẇ1 = −(w1w2 − 1)w2, ẇ2 = −(w1w2 − 1)w1,
// from w0. It conserves w1² − w2², and ends on the hyperbola w1w2 = 1 at
// w1² = (D + √(D²+4))/2, w2² = (−D + √(D²+4))/2 (package flow, Gradient flows).
func TwoWeight(w1, w2, t1 float64) Case {
	return Case{
		Name: "two-weight",
		Problem: ode.Problem{
			Func: func(dy []float64, _ float64, y []float64) {
				e := y[0]*y[1] - 1
				dy[0], dy[1] = -e*y[1], -e*y[0]
			},
			T1: t1, Y0: []float64{w1, w2},
		},
		Invariant: func(y []float64) float64 { return y[0]*y[0] - y[1]*y[1] },
	}
}
