package flow

// Sampled is a Layered model whose loss gradient can also be taken on samples instead of
// the statistics of the whole data: the gradient of a mini-batch, or of inputs with fresh
// noise. The residual map of the batch loss ½ mean_B ‖W x − y‖²,
//
//	E = (1/|B|) Σ_{k∈B} (W x_k − y_k) x_kᵀ   (n_d×n_0),
//
// is built in three calls: BeginBatch(w) zeroes it, AddSamples adds rows of samples (as
// often as needed, so that no caller holds all of them at once), EndBatch writes the
// gradient. *Net implements it, and the scalar network through Objective.Sampled. The
// three calls allocate nothing; the model keeps the batch in progress, so one batch at a
// time.
type Sampled interface {
	Layered
	// BeginBatch starts the gradient of a batch at w and zeroes E.
	BeginBatch(w []float64)
	// AddSamples adds scale·Σ_k (W x_k − y_k) x_kᵀ over the rows of x (rows×n_0, row-major)
	// and y (rows×n_d) to E; res is scratch of rows×n_d (it receives the residuals). With
	// scale 1/|B| over a batch B, E is the residual map of the batch loss.
	AddSamples(x, y, res []float64, rows int, scale float64)
	// EndBatch writes into grad the gradient of the batch loss at the w of BeginBatch,
	// plus the weight decay μw: the statistics and the expected-noise term σ²‖W‖_F² take
	// no part (the samples carry their own noise).
	EndBatch(grad, w []float64)
}

var (
	_ Sampled = (*Net)(nil)
	_ Sampled = (*SampledObjective)(nil)
)

// SampledObjective is the scalar network (Objective) with the state of a batch in
// progress, so that it is a Sampled model. Objective is a value, copied and compared
// freely, and keeps no state; the batch's two numbers live here instead, allocated once by
// Objective.Sampled, and the batch calls allocate nothing. Layers are scalars and
// n_0 = n_d = 1, so E is the number (1/|B|) Σ_k (W x_k − y_k) x_k and the gradient is
//
//	∂/∂w_i [½ mean_B (W x − y)² + (μ/2)‖w‖²] = E·∏_{j≠i} w_j + μw_i,
//
// with the products taken as Partials takes them (never W/w_i). Every other method is
// Objective's. It is not safe for use by several goroutines at once.
type SampledObjective struct {
	Objective
	prod float64 // W at the w of BeginBatch
	e    float64 // the residual map E accumulated so far
}

// Sampled returns the objective o with its own batch state.
func (o Objective) Sampled() *SampledObjective { return &SampledObjective{Objective: o} }

// BeginBatch computes W = ∏ w_i and zeroes E. It panics if len(w) is not the depth.
func (s *SampledObjective) BeginBatch(w []float64) {
	if len(w) != s.Depth {
		panic("flow: length mismatch")
	}
	s.prod, s.e = Product(w), 0
}

// AddSamples adds scale·Σ_k (W x_k − y_k) x_k over the first rows entries of x and y to E
// and leaves the residuals in res. It panics if a slice is shorter than rows.
func (s *SampledObjective) AddSamples(x, y, res []float64, rows int, scale float64) {
	if len(x) < rows || len(y) < rows || len(res) < rows {
		panic("flow: length mismatch")
	}
	var sum float64
	for k, xk := range x[:rows] {
		r := s.prod*xk - y[k]
		res[k] = r
		sum += r * xk
	}
	s.e += scale * sum
}

// EndBatch writes grad_i = E·∏_{j≠i} w_j + μw_i. It panics if the lengths differ from the
// depth.
func (s *SampledObjective) EndBatch(grad, w []float64) {
	if len(w) != s.Depth {
		panic("flow: length mismatch")
	}
	Partials(grad, w)
	for i := range grad {
		grad[i] = s.e*grad[i] + s.WeightDecay*w[i]
	}
}
