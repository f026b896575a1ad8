package discrete

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// NetProblem is a network to train on the model interface, with or without its samples:
// a network of matrix layers (*flow.Net) or the scalar network.
type NetProblem struct {
	// Model is the objective that full-batch GD descends by its Gradient: for a *flow.Net
	// the widths, statistics, weight decay μ and the expected-loss noise σ (zero for plain
	// GD). A step on samples (a mini-batch, fresh input noise) takes the gradient of the
	// batch and needs a flow.Sampled: *flow.Net, or Objective.Sampled() for the scalar
	// network.
	Model flow.Model
	// X (N×n_0) and Y (N×n_d) are the samples, needed for mini-batches and for fresh input
	// noise; nil for full-batch GD, which needs only the statistics.
	X, Y *mat.Dense
	// Samples is a store of the samples instead of X and Y (set one or the other), such as
	// a *dataset.Set, whose compact form keeps MNIST's pixels as bytes.
	Samples Samples
	// Noise is the standard deviation σ of fresh Gaussian noise added to every input of
	// every step (noisy GD, noisy SGD). It needs the samples.
	Noise float64
}

// Samples is a store of N samples that writes them as float64 rows when a step needs them.
// *dataset.Set is one.
type Samples interface {
	// Dims returns N and the widths n_0 and n_d of inputs and targets.
	Dims() (n, n0, nd int)
	// Gather writes the inputs of the samples idx into dstX, row after row (len(idx)·n_0
	// elements), and their targets into dstY (len(idx)·n_d), without allocating.
	Gather(dstX, dstY []float64, idx []int)
	// GatherRange is Gather for the samples lo, lo+1, …, hi−1.
	GatherRange(dstX, dstY []float64, lo, hi int)
}

// denseSamples are samples held in X and Y.
type denseSamples struct{ x, y *mat.Dense }

func (d denseSamples) Dims() (n, n0, nd int) {
	n, n0 = d.x.Dims()
	_, nd = d.y.Dims()
	return n, n0, nd
}

func (d denseSamples) Gather(dstX, dstY []float64, idx []int) {
	xr, yr := d.x.RawMatrix(), d.y.RawMatrix()
	n0, nd := xr.Cols, yr.Cols
	for r, k := range idx {
		copy(dstX[r*n0:(r+1)*n0], xr.Data[k*xr.Stride:k*xr.Stride+n0])
		copy(dstY[r*nd:(r+1)*nd], yr.Data[k*yr.Stride:k*yr.Stride+nd])
	}
}

func (d denseSamples) GatherRange(dstX, dstY []float64, lo, hi int) {
	xr, yr := d.x.RawMatrix(), d.y.RawMatrix()
	n0, nd := xr.Cols, yr.Cols
	for r := 0; r < hi-lo; r++ {
		k := lo + r
		copy(dstX[r*n0:(r+1)*n0], xr.Data[k*xr.Stride:k*xr.Stride+n0])
		copy(dstY[r*nd:(r+1)*nd], yr.Data[k*yr.Stride:k*yr.Stride+nd])
	}
}

// chunk is the number of samples a noisy full-batch step perturbs at a time, so that the
// noisy copy of the data is never held whole.
const chunk = 256

// NetStepper takes the steps of one run of a network on the model interface. It owns its
// buffers, so Step does not allocate. It is not safe for use by several goroutines at once.
type NetStepper struct {
	model      flow.Model
	batch      flow.Sampled // model, where the steps take gradients on samples
	w, grad    []float64
	lr         float64
	sigma      float64
	data       Samples   // nil for the statistics alone
	n0, nd     int       // widths of inputs and targets
	xb, yb, rb []float64 // a batch (or chunk) of inputs, targets and residuals
	label      string
	batcher
}

// NewNetStepper validates the problem and the settings (LR, Batch, IndependentBatches,
// Seed; Steps, Bound and Record are checked but used by RunNet) and returns a stepper at
// w0 (copied).
func NewNetStepper(p NetProblem, w0 []float64, s *Settings) (*NetStepper, error) {
	if p.Model == nil {
		return nil, errors.New("discrete: no model")
	}
	if s == nil {
		return nil, errors.New("discrete: nil settings: a learning rate must be set")
	}
	switch {
	case !(s.LR > 0) || math.IsInf(s.LR, 0):
		return nil, fmt.Errorf("discrete: learning rate %v must be > 0 and finite", s.LR)
	case s.Steps < 0:
		return nil, fmt.Errorf("discrete: step count %d must be ≥ 0", s.Steps)
	case s.Batch < 0:
		return nil, fmt.Errorf("discrete: batch size %d must be ≥ 0", s.Batch)
	case s.Record < 0:
		return nil, fmt.Errorf("discrete: record interval %d must be ≥ 0", s.Record)
	case !(s.Bound >= 0) || math.IsInf(s.Bound, 0):
		return nil, fmt.Errorf("discrete: bound %v must be finite and > 0 (0 means %v)", s.Bound, DefaultBound)
	case !(p.Noise >= 0) || math.IsInf(p.Noise, 0):
		return nil, fmt.Errorf("discrete: input noise %v must be finite and ≥ 0", p.Noise)
	}
	if len(w0) != p.Model.Dim() {
		return nil, fmt.Errorf("discrete: %d initial weights for %d parameters", len(w0), p.Model.Dim())
	}
	for i, v := range w0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("discrete: initial weight w[%d] = %v is not finite", i, v)
		}
	}
	widths := p.Model.Widths()
	n0, nd := widths[0], widths[len(widths)-1]
	st := &NetStepper{model: p.Model, w: append([]float64(nil), w0...), grad: make([]float64, len(w0)), lr: s.LR, sigma: p.Noise, n0: n0, nd: nd}
	st.rng = rand.New(rand.NewPCG(s.Seed, s.Seed))
	switch {
	case p.Samples != nil && (p.X != nil || p.Y != nil):
		return nil, errors.New("discrete: samples given twice, as Samples and as X, Y")
	case p.Samples != nil:
		st.data = p.Samples
	case (p.X == nil) != (p.Y == nil):
		return nil, errors.New("discrete: samples need both X and Y")
	case p.X != nil:
		st.data = denseSamples{p.X, p.Y}
	}
	if st.data == nil {
		switch {
		case p.Noise != 0:
			return nil, fmt.Errorf("discrete: input noise %v needs the samples", p.Noise)
		case s.Batch != 0:
			return nil, fmt.Errorf("discrete: batch size %d needs the samples", s.Batch)
		}
		st.label = "gd"
		return st, nil
	}
	n, c, cy := st.data.Dims()
	ny := n
	if p.Y != nil {
		ny, _ = p.Y.Dims()
	}
	if ny != n || c != n0 || cy != nd {
		return nil, fmt.Errorf("discrete: samples %d×%d → %d×%d do not fit widths %v", n, c, ny, cy, widths)
	}
	if s.Batch > n {
		return nil, fmt.Errorf("discrete: batch size %d exceeds the sample count %d", s.Batch, n)
	}
	batch := s.Batch
	if batch == n {
		batch = 0
	}
	rows := chunk
	if batch != 0 {
		rows = batch
		st.size, st.indep = batch, s.IndependentBatches
		st.perm = make([]int, n)
		for k := range st.perm {
			st.perm[k] = k
		}
	}
	rows = min(rows, n)
	st.xb, st.yb, st.rb = make([]float64, rows*n0), make([]float64, rows*nd), make([]float64, rows*nd)
	switch {
	case batch != 0 && p.Noise != 0:
		st.label = "noisy-sgd"
	case batch != 0:
		st.label = "sgd"
	case p.Noise != 0:
		st.label = "noisy-gd"
	default:
		st.label = "gd" // full batch on the samples: the statistics give the same gradient
		st.data = nil
		return st, nil
	}
	var ok bool
	if st.batch, ok = p.Model.(flow.Sampled); !ok {
		return nil, fmt.Errorf("discrete: %s needs the gradient of a batch, which the model %T does not take (a flow.Sampled; the scalar network's is Objective.Sampled())", st.label, p.Model)
	}
	return st, nil
}

// Label returns "gd", "sgd", "noisy-gd" or "noisy-sgd".
func (st *NetStepper) Label() string { return st.label }

// W returns the current iterate; the slice aliases the stepper's state.
func (st *NetStepper) W() []float64 { return st.w }

// Step takes one step w ← w − λ(∇L_B(w) + μw), with L_B the loss of the mini-batch, of all
// samples with fresh input noise, or (without samples) the objective of the statistics.
func (st *NetStepper) Step() {
	switch {
	case st.data == nil:
		st.model.Gradient(st.grad, st.w)
	case st.perm != nil:
		b := st.nextBatch()
		st.batch.BeginBatch(st.w)
		st.addRows(b, 1/float64(len(b)))
		st.batch.EndBatch(st.grad, st.w)
	default:
		n, _, _ := st.data.Dims()
		st.batch.BeginBatch(st.w)
		for k := 0; k < n; k += chunk {
			st.addRange(k, min(k+chunk, n), 1/float64(n))
		}
		st.batch.EndBatch(st.grad, st.w)
	}
	for k, g := range st.grad {
		st.w[k] -= st.lr * g
	}
}

// addRows gathers the samples idx into the batch buffers, adds fresh noise, and adds them
// to the residual map.
func (st *NetStepper) addRows(idx []int, scale float64) {
	m := len(idx)
	st.data.Gather(st.xb[:m*st.n0], st.yb[:m*st.nd], idx)
	st.perturb(m * st.n0)
	st.batch.AddSamples(st.xb, st.yb, st.rb, m, scale)
}

// addRange is addRows for the samples lo … hi−1.
func (st *NetStepper) addRange(lo, hi int, scale float64) {
	m := hi - lo
	st.data.GatherRange(st.xb[:m*st.n0], st.yb[:m*st.nd], lo, hi)
	st.perturb(m * st.n0)
	st.batch.AddSamples(st.xb, st.yb, st.rb, m, scale)
}

func (st *NetStepper) perturb(m int) {
	if st.sigma == 0 {
		return
	}
	for k := range st.xb[:m] {
		st.xb[k] += st.sigma * st.rng.NormFloat64()
	}
}

// NetResult is what RunNet measured.
type NetResult struct {
	Status     Status
	DivergedAt int // the step that left the bound, −1 if none
	Steps      int // steps taken inside the bound
	Label      string
	// W is the last iterate inside the bound (where the run stopped).
	W []float64
}

// RunNet takes s.Steps steps from w0 and calls observe with iterate k (at t = k·λ) for
// k = 0, every s.Record-th step (every step for 0 or 1), and the last step, so that a caller
// records what it needs without the run keeping any iterate. observe returning true stops
// the run. A step that leaves the bound |w_i| ≤ s.Bound (or makes a weight non-finite)
// ends the run with Status Diverged; the last iterate observed is then the last inside
// the bound.
func RunNet(p NetProblem, w0 []float64, s *Settings, observe func(k int, w []float64) bool) (*NetResult, error) {
	st, err := NewNetStepper(p, w0, s)
	if err != nil {
		return nil, err
	}
	bound := s.Bound
	if bound == 0 {
		bound = DefaultBound
	}
	if i, ok := outside(w0, bound); ok {
		return nil, fmt.Errorf("discrete: initial weight w[%d] = %v is outside the bound %v", i, w0[i], bound)
	}
	record := max(s.Record, 1)
	res := &NetResult{Status: Success, DivergedAt: -1, Label: st.Label()}
	if observe != nil && observe(0, st.w) {
		res.W = st.w
		return res, nil
	}
	prev := make([]float64, len(w0))
	last := 0
	for k := 1; k <= s.Steps; k++ {
		copy(prev, st.w)
		st.Step()
		if _, out := outside(st.w, bound); out {
			res.Status, res.DivergedAt = Diverged, k
			copy(st.w, prev)
			break
		}
		res.Steps = k
		if k%record == 0 || k == s.Steps {
			last = k
			if observe != nil && observe(k, st.w) {
				res.W = st.w
				return res, nil
			}
		}
	}
	if last != res.Steps && observe != nil {
		observe(res.Steps, st.w)
	}
	res.W = st.w
	return res, nil
}
