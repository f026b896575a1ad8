package flow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sampledCase is a batch of scalar samples and a start, for the batch gradient of the scalar
// network.
type sampledCase struct {
	o    Objective
	w    []float64
	x, y []float64
}

func sampledCases() []sampledCase {
	rng := rand.New(rand.NewPCG(1, 1))
	var cs []sampledCase
	for _, d := range []int{2, 3, 5} {
		for _, mu := range []float64{0, 0.1} {
			for _, zero := range []bool{false, true} {
				// σ and C must take no part in the batch gradient.
				o := Objective{Depth: d, WeightDecay: mu, Noise: 0.3, C: 0.2}
				w := make([]float64, d)
				for k := range w {
					w[k] = 2*rng.Float64() - 1
				}
				if zero {
					w[1] = 0 // then ∏_{j≠1} w_j ≠ 0 while W/w_1 is 0/0
				}
				n := 7
				x, y := make([]float64, n), make([]float64, n)
				for k := range x {
					x[k] = rng.NormFloat64()
					y[k] = 0.8*x[k] + 0.5*rng.NormFloat64()
				}
				cs = append(cs, sampledCase{o, w, x, y})
			}
		}
	}
	return cs
}

// batchGradient takes the gradient of a Sampled model on the samples in two portions of 3
// and 4 rows, each scaled by 1/7, after a first batch on other samples that BeginBatch must
// forget.
func batchGradient(m Sampled, w, x, y []float64) []float64 {
	res := make([]float64, len(x))
	g := make([]float64, len(w))
	m.BeginBatch(w)
	m.AddSamples(y, x, res, len(x), 1) // another batch: the targets as inputs
	m.EndBatch(g, w)
	m.BeginBatch(w)
	scale := 1 / float64(len(x))
	m.AddSamples(x[:3], y[:3], res, 3, scale)
	m.AddSamples(x[3:], y[3:], res, len(x)-3, scale)
	m.EndBatch(g, w)
	return g
}

// The batch gradient of the scalar network is the closed form
//
//	∂/∂w_i [½ mean_k (W x_k − y_k)² + (μ/2)‖w‖²] = mean_k((W x_k − y_k) x_k)·∏_{j≠i} w_j + μw_i,
//
// with the product over j ≠ i (a zero weight included), whatever σ and C; and it equals the
// batch gradient of the same network as a Net of 1×1 layers (Objective.Net), whose matrix
// code is independent. Both agree to the round-off of sums of 7 and d terms.
func TestSampledObjectiveClosedForm(t *testing.T) {
	const eps = 0x1p-53
	for _, c := range sampledCases() {
		d := c.o.Depth
		W := 1.0
		for _, v := range c.w {
			W *= v
		}
		var mean, size float64 // mean (W x − y) x and mean |W x − y|·|x|, the scale of its round-off
		for k := range c.x {
			r := W*c.x[k] - c.y[k]
			mean += r * c.x[k]
			size += math.Abs(r*c.x[k]) + math.Abs(W*c.x[k]*c.x[k])
		}
		n := float64(len(c.x))
		mean /= n
		size /= n
		want := make([]float64, d)
		tol := make([]float64, d)
		for i := range want {
			p := 1.0
			for j, v := range c.w {
				if j != i {
					p *= v
				}
			}
			want[i] = mean*p + c.o.WeightDecay*c.w[i]
			// Sums of 7 residual products and products of d weights, each with ε per operation.
			tol[i] = 4 * (n + float64(d)) * eps * (size*math.Abs(p) + c.o.WeightDecay*math.Abs(c.w[i]))
		}
		net, err := c.o.Net()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []Sampled{c.o.Sampled(), net} {
			got := batchGradient(m, c.w, c.x, c.y)
			for i := range got {
				if !(math.Abs(got[i]-want[i]) <= tol[i]) { // NaN fails
					t.Errorf("d=%d μ=%g w=%v %T: ∂_%d = %v, closed form %v (tolerance %.3g)", d, c.o.WeightDecay, c.w, m, i+1, got[i], want[i], tol[i])
				}
			}
		}
	}
}

// The closed form itself is the derivative of the batch loss: central differences of
// ½ mean (∏w x − y)² + (μ/2)‖w‖² (h = 1e-6: truncation h²·|∂³| and round-off ε·|F|/h, both
// below 1e-9 of the scale here) agree with the batch gradient.
func TestSampledObjectiveDifferences(t *testing.T) {
	for _, c := range sampledCases() {
		loss := func(w []float64) float64 {
			W := Product(w)
			var s, n2 float64
			for k := range c.x {
				r := W*c.x[k] - c.y[k]
				s += r * r
			}
			for _, v := range w {
				n2 += v * v
			}
			return 0.5*s/float64(len(c.x)) + 0.5*c.o.WeightDecay*n2
		}
		got := batchGradient(c.o.Sampled(), c.w, c.x, c.y)
		const h = 1e-6
		wp := append([]float64(nil), c.w...)
		for i := range c.w {
			wp[i] = c.w[i] + h
			fp := loss(wp)
			wp[i] = c.w[i] - h
			fm := loss(wp)
			wp[i] = c.w[i]
			if fd := (fp - fm) / (2 * h); !(math.Abs(fd-got[i]) <= 1e-8*math.Max(1, loss(c.w))) {
				t.Errorf("d=%d w=%v: ∂_%d = %v, central difference %v", c.o.Depth, c.w, i+1, got[i], fd)
			}
		}
	}
}

// The batch calls of the scalar network allocate nothing.
func TestSampledObjectiveNoAlloc(t *testing.T) {
	c := sampledCases()[3]
	m := c.o.Sampled()
	res, g := make([]float64, len(c.x)), make([]float64, len(c.w))
	if a := testing.AllocsPerRun(20, func() {
		m.BeginBatch(c.w)
		m.AddSamples(c.x, c.y, res, len(c.x), 0.5)
		m.EndBatch(g, c.w)
	}); a != 0 {
		t.Errorf("a batch gradient allocates %v times", a)
	}
}
