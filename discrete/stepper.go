package discrete

import (
	"math/rand/v2"

	"github.com/layerflow/layerflow/flow"
)

// mode says how a step computes ρ.
type mode int

const (
	population mode = iota // ρ = W − 1
	moments                // full batch, no noise: ρ = W·mean(x²) − mean(x·y)
	noisyFull              // full batch, fresh input noise on every sample
	miniBatch              // a mini-batch, with or without input noise
)

// Stepper takes the steps of one run. It owns all its buffers, so Step does not allocate;
// Run drives one and records, benchmarks drive one directly. A Stepper is not safe for use
// by several goroutines at once.
type Stepper struct {
	w, g     []float64 // the iterate and the partials g_i = ∏_{j≠i} w_j
	prev     []float64 // the iterate before the last step, for Advance
	lr, mu   float64
	decay    float64 // 1 − λμ
	sigma    float64
	mode     mode
	label    string
	x, y     []float64
	mxx, mxy float64 // mean(x²), mean(x·y) for the noiseless full batch
	batcher
}

// batcher draws mini-batches of sample indices.
type batcher struct {
	size  int   // mini-batch size
	perm  []int // the sample order of the current epoch
	pos   int   // where the next batch starts in perm; 0 starts a new epoch
	indep bool  // independent batches instead of epochs
	rng   *rand.Rand
}

// NewStepper validates the problem and settings as Run does and returns a Stepper at w0
// (copied). Settings.Steps, Bound and Record are checked but not used by the Stepper. The
// Stepper reads p.Data while it steps: do not modify the data meanwhile.
func NewStepper(p Problem, w0 []float64, s *Settings) (*Stepper, error) {
	if err := validate(p, w0, s); err != nil {
		return nil, err
	}
	d := len(w0)
	st := &Stepper{
		w:     append(make([]float64, 0, d), w0...),
		g:     make([]float64, d),
		prev:  make([]float64, d),
		lr:    s.LR,
		mu:    p.Objective.WeightDecay,
		decay: 1 - s.LR*p.Objective.WeightDecay,
		sigma: p.Objective.Noise,
	}
	st.rng = rand.New(rand.NewPCG(s.Seed, s.Seed))
	batch := s.Batch
	if p.Data != nil {
		st.x, st.y = p.Data.X, p.Data.Y
		if batch == len(st.x) {
			batch = 0 // a batch of all samples is the full batch
		}
	}
	switch {
	case p.Data == nil:
		st.mode = population
	case batch != 0:
		st.mode = miniBatch
		st.size = batch
		st.indep = s.IndependentBatches
		st.perm = make([]int, len(st.x))
		for k := range st.perm {
			st.perm[k] = k
		}
	case st.sigma != 0:
		st.mode = noisyFull
	default:
		st.mode = moments
		for k, x := range st.x {
			st.mxx += x * x
			st.mxy += x * st.y[k]
		}
		n := float64(len(st.x))
		st.mxx /= n
		st.mxy /= n
	}
	switch {
	case st.mode == miniBatch && st.sigma != 0:
		st.label = "noisy-sgd"
	case st.mode == miniBatch:
		st.label = "sgd"
	case st.mode == noisyFull:
		st.label = "noisy-gd"
	default:
		st.label = "gd"
	}
	return st, nil
}

// Label returns the name of the method: "gd", "sgd", "noisy-gd" or "noisy-sgd".
func (st *Stepper) Label() string { return st.label }

// W returns the current iterate. The slice aliases the Stepper's state: do not modify it.
func (st *Stepper) W() []float64 { return st.w }

// Step takes one step w_i ← w_i − λ(ρ·g_i + μ·w_i), computed as (1 − λμ)·w_i − (λρ)·g_i so
// that the chain of dependent operations from one step to the next is one shorter, and
// returns its ρ. It does not check
// for divergence (Run does). It panics if st was not made by NewStepper.
func (st *Stepper) Step() (rho float64) {
	w := st.w
	switch len(w) {
	case 0:
		panic("discrete: Step on a Stepper not made by NewStepper")
	case 2:
		// The commonest model without the calls (g = (w_1, w_0) exactly).
		w0, w1 := w[0], w[1]
		rho = st.rho(w0 * w1)
		lrho := st.lr * rho
		w[0] = st.decay*w0 - lrho*w1
		w[1] = st.decay*w1 - lrho*w0
		return rho
	}
	rho = st.rho(flow.Product(w))
	g := st.g[:len(w)]
	flow.Partials(g, w)
	lrho := st.lr * rho
	for i, v := range w {
		w[i] = st.decay*v - lrho*g[i]
	}
	return rho
}

// Advance takes up to n steps and returns how many it took with every weight inside the
// bound |w_i| ≤ bound (0 means DefaultBound). A step that leaves the bound or makes a weight
// non-finite is undone: the Stepper then holds the last iterate inside the bound, diverged
// is true, and stepping on is pointless. Advance does not allocate.
func (st *Stepper) Advance(n int, bound float64) (taken int, diverged bool) {
	if bound == 0 {
		bound = DefaultBound
	}
	prev := st.prev[:len(st.w)]
	for taken < n {
		for i, v := range st.w { // a loop, not copy: for d = 2 the call would cost more
			prev[i] = v
		}
		st.Step()
		if _, out := outside(st.w, bound); out {
			copy(st.w, prev)
			return taken, true
		}
		taken++
	}
	return taken, false
}

// StepIn takes one step, as Advance does, and returns its ρ: a step that leaves the bound
// |w_i| ≤ bound (0 means DefaultBound) or makes a weight non-finite is undone and out is
// true. It does not allocate.
func (st *Stepper) StepIn(bound float64) (rho float64, out bool) {
	if bound == 0 {
		bound = DefaultBound
	}
	prev := st.prev[:len(st.w)]
	for i, v := range st.w {
		prev[i] = v
	}
	rho = st.Step()
	if _, o := outside(st.w, bound); o {
		copy(st.w, prev)
		return rho, true
	}
	return rho, false
}

// Outside reports the first weight of w that is non-finite or outside the bound |w_i| ≤ bound
// (0 means DefaultBound), and whether there is one.
func Outside(w []float64, bound float64) (int, bool) {
	if bound == 0 {
		bound = DefaultBound
	}
	return outside(w, bound)
}

// rho returns ρ at the product W, drawing the batch and the noise it needs. The
// deterministic cases are kept small enough to inline.
func (st *Stepper) rho(W float64) float64 {
	switch st.mode {
	case population:
		return W - 1
	case moments:
		return W*st.mxx - st.mxy
	}
	return st.sampled(W)
}

// sampled returns ρ of a noisy full batch or of the next mini-batch.
func (st *Stepper) sampled(W float64) float64 {
	if st.mode == noisyFull {
		return st.fullNoisy(W)
	}
	return st.batchMean(W, st.nextBatch())
}

// fullNoisy returns mean_k r_k·x̃_k over all samples with fresh noise x̃_k = x_k + σε_k.
func (st *Stepper) fullNoisy(W float64) float64 {
	var s float64
	for k, x := range st.x {
		x += st.sigma * st.rng.NormFloat64()
		s += (W*x - st.y[k]) * x
	}
	return s / float64(len(st.x))
}

// batchMean returns mean_{k∈B} r_k·x̃_k, with fresh noise if σ > 0.
func (st *Stepper) batchMean(W float64, batch []int) float64 {
	var s float64
	for _, k := range batch {
		x := st.x[k]
		if st.sigma != 0 {
			x += st.sigma * st.rng.NormFloat64()
		}
		s += (W*x - st.y[k]) * x
	}
	return s / float64(len(batch))
}

// nextBatch returns the sample indices of the next mini-batch: consecutive slices of a
// permutation that is reshuffled at the start of every epoch. The last batch of an epoch
// is smaller when the batch size does not divide the sample count. The slice aliases perm.
func (st *batcher) nextBatch() []int {
	if st.indep {
		// A partial Fisher–Yates shuffle: the first B entries become a uniform B-subset.
		p := st.perm
		for i := 0; i < st.size; i++ {
			j := i + st.rng.IntN(len(p)-i)
			p[i], p[j] = p[j], p[i]
		}
		return p[:st.size]
	}
	if st.pos == 0 {
		shuffle(st.rng, st.perm)
	}
	end := min(st.pos+st.size, len(st.perm))
	b := st.perm[st.pos:end]
	st.pos = end
	if st.pos == len(st.perm) {
		st.pos = 0
	}
	return b
}

// shuffle permutes p uniformly at random in place (Fisher–Yates; Knuth, TAOCP vol. 2,
// Algorithm 3.4.2P).
func shuffle(rng *rand.Rand, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
}

// Pool returns the samples from which the next mini-batch will be drawn, uniformly without
// replacement: those not yet used in the current epoch, or all of them when a new epoch
// starts or batches are independent. It is nil for full-batch runs. The slice aliases the Stepper's state.
// The conditional law of the next step given the past depends on it (analysis.ExpectedRho2).
func (st *Stepper) Pool() []int {
	if st.perm == nil {
		return nil
	}
	if st.indep {
		return st.perm
	}
	return st.perm[st.pos:]
}
