package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/dataset"
	"github.com/layerflow/layerflow/flow/ode"
)

// eps is the unit round-off of float64.
const eps = 0x1p-53

// NetCase is a network with matrix layers on a dataset, for the matrix laws.
type NetCase struct {
	// Name identifies the case in check IDs (for example "teacher-d2").
	Name   string
	Widths []int
	Data   *dataset.Set
}

// NetLawSettings control NetLaws. Zero fields take the defaults in the comments.
type NetLawSettings struct {
	// WeightDecay μ (default 0.1), input noise σ (default 0.3), learning rate λ (default 0.01).
	WeightDecay, Noise, LR float64
	// T is the time span of the flows (default 1) and H the Gauss–Legendre step (default 0.01).
	T, H float64
	// Steps of the discrete runs (default 100), Batch of SGD (default 16).
	Steps, Batch int
	// Rtol of the adaptive weight-decay flow (default 1e-10; atol rtol/100).
	Rtol float64
	// Seed of the start and of the stochastic runs (default 1); Scale of the start (default 1).
	Seed  uint64
	Scale float64
	// TEnd is the span of the flow to the ridge end point (default 200).
	TEnd float64
	// Seeds is the number of independent single steps that estimate the expected change of
	// D_i under SGD and noisy GD (default 400); Warmup the GD steps that bring the start
	// near the manifold of minima first (default 200).
	Seeds, Warmup int
	// Lab is the science under test (nil: the project's own).
	Lab *NetLab
}

func (s *NetLawSettings) defaults() {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.WeightDecay, 0.1)
	def(&s.Noise, 0.3)
	def(&s.LR, 0.01)
	def(&s.T, 1)
	def(&s.H, 0.01)
	def(&s.Rtol, 1e-10)
	def(&s.Scale, 1)
	def(&s.TEnd, 200)
	if s.Steps == 0 {
		s.Steps = 100
	}
	if s.Batch == 0 {
		s.Batch = 16
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Seeds == 0 {
		s.Seeds = 400
	}
	if s.Warmup == 0 {
		s.Warmup = 200
	}
}

// NetStepper is what the matrix laws need of a discrete method.
type NetStepper interface {
	Step()
	W() []float64
}

// NetLab holds the science of matrix networks that the checks test, swappable so that
// the tests can feed the checks a wrong model and see them fail.
type NetLab struct {
	// Flow returns the right-hand side of the gradient flow of m (nil: m.Flow): m is the
	// model a check integrates, a *flow.Net in NetLaws.
	Flow func(m flow.Layered) ode.Func
	// Stepper makes a discrete method (nil: discrete.NewNetStepper).
	Stepper func(p discrete.NetProblem, w0 []float64, s *discrete.Settings) (NetStepper, error)
	// Gradient is the oracle of the loss gradient of layer i (nil: netOracleGradient).
	Gradient func(widths []int, w []float64, sxx *mat.SymDense, syx *mat.Dense) []*mat.Dense

	// Stop and SeedDone are run control, as in Lab: Stop, if not nil, is asked between the
	// seeds of an expectation (true ends it with the seeds done), SeedDone told of each.
	Stop     func() bool
	SeedDone func()
}

func (l *NetLab) stopped() bool { return l != nil && l.Stop != nil && l.Stop() }

func (l *NetLab) seedDone() {
	if l != nil && l.SeedDone != nil {
		l.SeedDone()
	}
}

func (l *NetLab) flowOf(m flow.Layered) ode.Func {
	if l != nil && l.Flow != nil {
		return l.Flow(m)
	}
	return m.Flow()
}

func (l *NetLab) stepper(p discrete.NetProblem, w0 []float64, s *discrete.Settings) (NetStepper, error) {
	if l != nil && l.Stepper != nil {
		return l.Stepper(p, w0, s)
	}
	return discrete.NewNetStepper(p, w0, s)
}

func (l *NetLab) gradient(widths []int, w []float64, sxx *mat.SymDense, syx *mat.Dense) []*mat.Dense {
	if l != nil && l.Gradient != nil {
		return l.Gradient(widths, w, sxx, syx)
	}
	return netOracleGradient(widths, w, sxx, syx)
}

// layersOf returns the layers of the flat w as matrices (copies), by the layout of package
// flow: layer 1 first, each row-major.
func layersOf(widths []int, w []float64) []*mat.Dense {
	var ls []*mat.Dense
	off := 0
	for i := 1; i < len(widths); i++ {
		n := widths[i] * widths[i-1]
		ls = append(ls, mat.NewDense(widths[i], widths[i-1], append([]float64(nil), w[off:off+n]...)))
		off += n
	}
	return ls
}

// netOracleGradient computes the loss gradients G_i = (W_d⋯W_{i+1})ᵀ(W Sxx − Syx)(W_{i−1}⋯W_1)ᵀ
// with gonum's matrix products, independently of package flow.
func netOracleGradient(widths []int, w []float64, sxx *mat.SymDense, syx *mat.Dense) []*mat.Dense {
	ls := layersOf(widths, w)
	d := len(ls)
	prod := func(lo, hi int) *mat.Dense { // W_hi ⋯ W_lo (1-based), identity when empty
		var p *mat.Dense
		for i := lo; i <= hi; i++ {
			if p == nil {
				p = mat.DenseCopyOf(ls[i-1])
				continue
			}
			var q mat.Dense
			q.Mul(ls[i-1], p)
			p = &q
		}
		return p
	}
	W := prod(1, d)
	var e mat.Dense
	e.Mul(W, sxx)
	e.Sub(&e, syx)
	gs := make([]*mat.Dense, d)
	for i := 1; i <= d; i++ {
		g := mat.DenseCopyOf(&e)
		if after := prod(i+1, d); after != nil {
			var q mat.Dense
			q.Mul(after.T(), g)
			g = &q
		}
		if before := prod(1, i-1); before != nil {
			var q mat.Dense
			q.Mul(g, before.T())
			g = &q
		}
		gs[i-1] = g
	}
	return gs
}

// imbalances returns D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ of the layers and the scales
// ‖W_{i+1}‖_F² + ‖W_i‖_F² of their terms.
func imbalances(ls []*mat.Dense) ([]*mat.Dense, []float64) {
	var ds []*mat.Dense
	var sc []float64
	for i := 0; i+1 < len(ls); i++ {
		var a, b mat.Dense
		a.Mul(ls[i+1].T(), ls[i+1])
		b.Mul(ls[i], ls[i].T())
		a.Sub(&a, &b)
		ds = append(ds, &a)
		fa, fb := mat.Norm(ls[i+1], 2), mat.Norm(ls[i], 2)
		sc = append(sc, fa*fa+fb*fb)
	}
	return ds, sc
}

func minWidth(widths []int) int {
	m := widths[0]
	for _, n := range widths {
		m = min(m, n)
	}
	return m
}

func maxWidth(widths []int) int {
	m := 0
	for _, n := range widths {
		m = max(m, n)
	}
	return m
}

// NetLaws checks the imbalance laws of a network with matrix layers on c's data: the flow
// conserves every D_i (Gauss–Legendre, to round-off), also on the expected loss under input
// noise; weight decay makes D_i(t) = e^{−2μt}D_i(0) (DOP853, within the integrator's
// bound); every GD step with weight decay obeys D_i ← (1−λμ)²D_i + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ)
// with G from an independent oracle (to round-off); and every SGD and noisy-GD step moves
// along the gradient of a function of the product W, so that the same law holds with the
// step's own G (to round-off).
//
// The laws that need nothing but the model are generic and run on any flow.Layered, the
// scalar flow.Objective included: ConservationLaw, DecayLaw, GDStepLaw, SampledStepLaw and
// SharpnessLaw; NetLaws calls them with a flow.Net of c's widths. Three parts stay with the
// data and are not generic: the ridge end point (it solves with Sxx and Syx, which a model
// does not expose; the scalar end point W = 1/(1 + σ²) is a claim of its own), the
// stochastic steps on c's X and Y (discrete.NetStepper itself takes any flow.Sampled, and
// SampledStepLaw any stepper) and the expected change that sampling adds (NetNoiseChange,
// written in the samples).
func NetLaws(c NetCase, s NetLawSettings) []Check {
	s.defaults()
	l := s.Lab
	mom := c.Data.Moments()
	st := flow.Stats{Sxx: mom.Sxx, Syx: mom.Syx, Syy: mom.Syy}
	n, _, _ := c.Data.Dims()
	exp := fmt.Sprintf("widths %v on %s (%d samples)", c.Widths, c.Data.Info.Source, n)
	w0, err := flow.Init{Kind: flow.Imbalanced, Scale: s.Scale, Delta: 0.5, Seed: s.Seed}.Draw(c.Widths)
	var out []Check
	if err != nil {
		return []Check{notTested(Check{ID: "net-" + c.Name, Claim: "matrix laws"}, err)}
	}
	for _, sigma := range []float64{0, s.Noise} {
		id, claim := "net-flow-gauss-"+c.Name, "gradient flow conserves every D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ (Gauss–Legendre, to round-off)"
		if sigma != 0 {
			id, claim = "net-noise-flow-"+c.Name, "the expected-loss flow under input noise conserves every D_i (Gauss–Legendre)"
		}
		ch := Check{ID: id, Claim: claim, Experiment: fmt.Sprintf("%s, σ=%g, t ∈ [0, %g], fixed step %g, max ‖ΔD_i‖_F / (‖W_{i+1}‖_F² + ‖W_i‖_F²)", exp, sigma, s.T, s.H)}
		out = append(out, netConservation(l, ch, c.Widths, st, sigma, w0, s.T, s.H))
	}
	out = append(out, netWeightDecay(l, Check{ID: "net-wd-" + c.Name, Claim: "weight decay: D_i(t) = e^{−2μt} D_i(0)",
		Experiment: fmt.Sprintf("%s, μ=%g, σ=%g, t ∈ [0, %g], DOP853 rtol %g, max ‖D_i(t) − e^{−2μt}D_i(0)‖_F / (‖W_{i+1}‖_F² + ‖W_i‖_F²)", exp, s.WeightDecay, s.Noise, s.T, s.Rtol)},
		c.Widths, st, s.WeightDecay, s.Noise, w0, s.T, s.Rtol))
	if r := minWidth(c.Widths); r >= min(c.Widths[0], c.Widths[len(c.Widths)-1]) && c.Widths[0] <= 100 {
		out = append(out, netRidge(l, Check{ID: "net-noise-end-" + c.Name, Claim: "input noise: the expected-loss flow ends at the ridge solution W = Syx(Sxx + σ²I)⁻¹",
			Experiment: fmt.Sprintf("%s, σ=%g, DOP853 to t = %g, ‖W − W*‖_F/‖W*‖_F", exp, s.Noise, s.TEnd)}, c.Widths, st, s.Noise, w0, s.TEnd, s.Rtol))
	}
	if net, err := flow.NewNet(c.Widths, st, 0, 0); err == nil && net.Dim() <= 400 {
		out = append(out, netSharpness(l, Check{ID: "net-sharpness-" + c.Name, Claim: "sharpness: Lanczos on exact Hessian-vector products gives the top eigenvalue of ∇²L",
			Experiment: fmt.Sprintf("%s, at the start, against the dense Hessian of central differences of the oracle gradient", exp)}, c.Widths, st, w0))
	}
	out = append(out, netGDStep(l, Check{ID: "net-gd-step-" + c.Name, Claim: "GD + weight decay: D_i ← (1−λμ)²D_i + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ), G from an independent oracle",
		Experiment: fmt.Sprintf("%s, λ=%g, μ=%g, %d steps, max deviation / (‖W_{i+1}‖_F² + ‖W_i‖_F²)", exp, s.LR, s.WeightDecay, s.Steps)},
		c.Widths, st, mom, s.LR, s.WeightDecay, w0, s.Steps))
	for _, m := range []struct {
		id, claim string
		batch     int
		noise     float64
	}{
		{"net-sgd-step-", "SGD: every step is a gradient step of a function of W, so D_i ← (1−λμ)²D_i + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ) with the step's G", s.Batch, 0},
		{"net-noisy-gd-step-", "noisy GD: every step is a gradient step of a function of W, so the same law holds with the step's G", 0, s.Noise},
	} {
		ch := Check{ID: m.id + c.Name, Claim: m.claim, Experiment: fmt.Sprintf("%s, λ=%g, μ=%g, %s, %d steps, seed %d, max ‖W_{i+1}ᵀG_{i+1} − G_iW_iᵀ‖_F over its round-off bound", exp, s.LR, s.WeightDecay, sampling(m.batch, m.noise), s.Steps, s.Seed)}
		out = append(out, netSampledStep(l, ch, c, st, s.LR, s.WeightDecay, m.batch, m.noise, w0, s.Steps, s.Seed))
	}
	// The expected change of D_i that the sampling adds, from a point near the minima.
	wm := append([]float64(nil), w0...)
	if net, err := flow.NewNet(c.Widths, st, 0, 0); err == nil {
		if gd, err := discrete.NewNetStepper(discrete.NetProblem{Model: net}, w0, &discrete.Settings{LR: s.LR}); err == nil {
			for k := 0; k < s.Warmup && !l.stopped(); k++ {
				gd.Step()
			}
			copy(wm, gd.W())
		}
	}
	for _, m := range []struct {
		id, claim string
		batch     int
		noise     float64
	}{
		{"net-sgd-noise-", "SGD: in expectation a step changes D_i by the deterministic step's change plus λ²(P_iE[FᵀK_iF]P_iᵀ − S_iᵀE[FL_iFᵀ]S_i), F the batch's fluctuation", s.Batch, 0},
		{"net-noisy-gd-noise-", "noisy GD: in expectation a step changes D_i by the deterministic step's change plus λ²(P_iE[FᵀK_iF]P_iᵀ − S_iᵀE[FL_iFᵀ]S_i), F the noise's fluctuation", 0, s.Noise},
	} {
		ch := Check{ID: m.id + c.Name, Claim: m.claim, Experiment: fmt.Sprintf("%s, λ=%g, %s, %d single steps from the iterate of %d GD steps, mean change along D_i/‖D_i‖_F beyond the deterministic step's", exp, s.LR, sampling(m.batch, m.noise), s.Seeds, s.Warmup)}
		out = append(out, netNoiseShrink(l, ch, c, st, wm, s.LR, m.batch, m.noise, s.Seeds, s.Seed)...)
	}
	// The statistical checks of one call are corrected together (Holm); reproduce corrects
	// them again with those of every other claim.
	ptrs := make([]*Check, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	Correct(ptrs)
	return out
}

// netConservation is ConservationLaw on the Net of the widths and statistics with input
// noise sigma, with the flow of the lab.
func netConservation(l *NetLab, c Check, widths []int, st flow.Stats, sigma float64, w0 []float64, T, h float64) Check {
	net, err := flow.NewNet(widths, st, 0, sigma)
	if err != nil {
		return notTested(c, err)
	}
	return conservation(c, net, l.flowOf(net), w0, T, h)
}

// ConservationLaw checks that the gradient flow of m (m.Flow) conserves every
// D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ: it integrates from w0 to T with Gauss–Legendre at the fixed
// step h and measures the largest change of any D_i, relative to the size of its terms. It
// needs nothing but the model interface: on the scalar network (flow.Objective, layers 1×1)
// D_i = w_{i+1}² − w_i² = −D_{i,i+1}. The law holds for the loss and for the expected loss
// under input noise; a model with weight decay is not tested (DecayLaw is its law). The
// bound: Gauss–Legendre keeps quadratic invariants exactly, so only round-off changes D_i, at
// most 16·ε·n_max per step (a sum of n_max products in each entry, the stages iterated to
// round-off).
func ConservationLaw(c Check, m flow.Layered, w0 []float64, T, h float64) Check {
	if mu, _ := m.Regularizers(); mu != 0 {
		return notTested(c, fmt.Errorf("weight decay μ = %g: D_i is not conserved (see DecayLaw)", mu))
	}
	return conservation(c, m, m.Flow(), w0, T, h)
}

func conservation(c Check, m flow.Layered, f ode.Func, w0 []float64, T, h float64) Check {
	res, err := flow.Integrate(f, w0, T, &ode.Settings{FixedStep: h}, &ode.GaussLegendre{FixedPoint: true})
	if err != nil {
		return notTested(c, fmt.Errorf("the integration did not finish: %v", err))
	}
	l0, l1 := modelLayers(m, w0), modelLayers(m, res.Y)
	d0, sc := imbalances(l0)
	d1, sc1 := imbalances(l1)
	// motion: the largest change of either term of a D_i, what a D_i that moved with the
	// weights would show; a drift below the tolerance means conservation only if it is not.
	var worst, motion float64
	for i := range d0 {
		var diff, a0, a1 mat.Dense
		diff.Sub(d1[i], d0[i])
		s := math.Max(sc[i], sc1[i])
		worst = math.Max(worst, mat.Norm(&diff, 2)/s)
		a0.Mul(l0[i+1].T(), l0[i+1])
		a1.Mul(l1[i+1].T(), l1[i+1])
		a1.Sub(&a1, &a0)
		b0, b1 := mulOf(l0[i], l0[i].T()), mulOf(l1[i], l1[i].T())
		b1.Sub(b1, b0)
		motion = math.Max(motion, math.Max(mat.Norm(&a1, 2), mat.Norm(b1, 2))/s)
	}
	steps := float64(res.Stats.Accepted)
	tol := 16 * eps * float64(maxWidth(m.Widths())) * steps
	return atMost(withNull(c, motion, "a D_i that moved with the weights"), worst, tol, RoundOff, fmt.Sprintf("16·ε·n_max per step × %.0f steps", steps))
}

// modelLayers returns the layers of w as matrices (copies), by the layer view of m.
func modelLayers(m flow.Layered, w []float64) []*mat.Dense {
	d := len(m.Widths()) - 1
	ls := make([]*mat.Dense, d)
	for i := 1; i <= d; i++ {
		ls[i-1] = mat.DenseCopyOf(m.Layer(w, i))
	}
	return ls
}

// netWeightDecay is DecayLaw on the Net of the widths and statistics with weight decay mu
// and input noise sigma, with the flow of the lab.
func netWeightDecay(l *NetLab, c Check, widths []int, st flow.Stats, mu, sigma float64, w0 []float64, T, rtol float64) Check {
	net, err := flow.NewNet(widths, st, mu, sigma)
	if err != nil {
		return notTested(c, err)
	}
	return decay(c, net, l.flowOf(net), w0, T, rtol)
}

// DecayLaw checks that under the gradient flow of m (m.Flow) with weight decay μ (from
// m.Regularizers) every D_i(T) = e^{−2μT}D_i(0): it integrates from w0 to T with DOP853 at
// rtol (atol rtol/100). It needs nothing but the model interface: on the scalar network the
// law is D_{i,i+1}(t) = e^{−2μt}D_{i,i+1}(0), and with μ = 0 it is conservation. The bound:
// each accepted step adds at most atol + rtol·max|w| to each weight, so a layer with m
// entries is off by at most δ√m in Frobenius norm, δ = accepted × (atol + rtol·max|w|), and
// ‖ΔD_i‖_F ≤ 2δ(‖W_{i+1}‖_F√m_{i+1} + ‖W_i‖_F√m_i).
func DecayLaw(c Check, m flow.Layered, w0 []float64, T, rtol float64) Check {
	return decay(c, m, m.Flow(), w0, T, rtol)
}

func decay(c Check, m flow.Layered, f ode.Func, w0 []float64, T, rtol float64) Check {
	mu, _ := m.Regularizers()
	widths := m.Widths()
	wmax := 0.0
	obs := func(_ float64, y []float64) bool {
		for _, v := range y {
			wmax = math.Max(wmax, math.Abs(v))
		}
		return false
	}
	res, err := flow.Integrate(f, w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, MaxSteps: 1_000_000, Observer: obs}, &ode.DOP853{})
	if err != nil {
		return notTested(c, fmt.Errorf("the integration did not finish: %v", err))
	}
	l0, l1 := modelLayers(m, w0), modelLayers(m, res.Y)
	d0, sc := imbalances(l0)
	d1, sc1 := imbalances(l1)
	delta := float64(res.Stats.Accepted) * (rtol/100 + rtol*wmax)
	// null: what the check would measure if D_i did not decay (μ = 0).
	var worst, bound, null float64
	for i := range d0 {
		var want, diff mat.Dense
		want.Scale(math.Exp(-2*mu*T), d0[i])
		diff.Sub(d1[i], &want)
		s := math.Max(sc[i], sc1[i])
		worst = math.Max(worst, mat.Norm(&diff, 2)/s)
		diff.Sub(d0[i], &want)
		null = math.Max(null, mat.Norm(&diff, 2)/s)
		m0, m1 := float64(widths[i]*widths[i+1]), float64(widths[i+1]*widths[i+2])
		fa := math.Max(mat.Norm(l0[i+1], 2), mat.Norm(l1[i+1], 2))
		fb := math.Max(mat.Norm(l0[i], 2), mat.Norm(l1[i], 2))
		bound = math.Max(bound, 2*delta*(fa*math.Sqrt(m1)+fb*math.Sqrt(m0))/s)
	}
	return atMost(withNull(c, null, "μ = 0"), worst, bound, Integrator, fmt.Sprintf("%d accepted steps × (atol + rtol·max|w|) per weight, propagated to D_i", res.Stats.Accepted))
}

// stepLawDeviation returns ‖C' − (1−λμ)²C − λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ)‖_F over the scale of
// the terms, the largest over the pairs.
func stepLawDeviation(prev, next []*mat.Dense, gs []*mat.Dense, lr, mu float64) float64 {
	c0, sc := imbalances(prev)
	c1, sc1 := imbalances(next)
	var worst float64
	for i := range c0 {
		var a, b, want, diff mat.Dense
		a.Mul(gs[i+1].T(), gs[i+1])
		b.Mul(gs[i], gs[i].T())
		a.Sub(&a, &b)
		a.Scale(lr*lr, &a)
		want.Scale((1-lr*mu)*(1-lr*mu), c0[i])
		want.Add(&want, &a)
		diff.Sub(c1[i], &want)
		worst = math.Max(worst, mat.Norm(&diff, 2)/math.Max(sc[i], sc1[i]))
	}
	return worst
}

// netGDStep runs full-batch GD with weight decay on the Net of the widths and statistics
// (the lab's stepper) and checks it by GDStepLaw with G from the lab's oracle.
func netGDStep(l *NetLab, c Check, widths []int, st flow.Stats, mom dataset.Moments, lr, mu float64, w0 []float64, steps int) Check {
	net, err := flow.NewNet(widths, st, mu, 0)
	if err != nil {
		return notTested(c, err)
	}
	sp, err := l.stepper(discrete.NetProblem{Model: net}, w0, &discrete.Settings{LR: lr})
	if err != nil {
		return notTested(c, err)
	}
	return gdStepLaw(l.stopped, c, net, sp, func(w []float64) []*mat.Dense { return l.gradient(widths, w, mom.Sxx, mom.Syx) }, lr, steps)
}

// GDStepLaw checks steps steps of sp, a GD stepper on m with learning rate lr and weight
// decay μ (from m.Regularizers), against the exact law of a GD step
//
//	D_i ← (1−λμ)²D_i + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ),
//
// with G = grad(w), the layers of the gradient of F without its weight-decay term, from an
// oracle independent of the stepper. It needs nothing but the model interface: on the scalar
// network it is C ← (1−λμ)²C + λ²(g_{i+1}² − g_i²) for C = D_i = w_{i+1}² − w_i² and
// g_i = (e + σ²W)∏_{j≠i}w_j. The bound: each entry of D_i and of the update is a sum of at most
// n_max products, 16·ε·n_max relative to the scale ‖W_{i+1}‖_F² + ‖W_i‖_F² of the terms.
func GDStepLaw(c Check, m flow.Layered, sp NetStepper, grad func(w []float64) []*mat.Dense, lr float64, steps int) Check {
	return gdStepLaw(nil, c, m, sp, grad, lr, steps)
}

// stoppedAt is the reason of a check whose loop was stopped by a signal after k of n.
func stoppedAt(k, n int, what string) error {
	return fmt.Errorf("%w after %d of %d %s", errStopped, k, n, what)
}

// gdStepLaw is GDStepLaw; it checks stop (nil: never stop) before every step.
func gdStepLaw(stop func() bool, c Check, m flow.Layered, sp NetStepper, grad func(w []float64) []*mat.Dense, lr float64, steps int) Check {
	mu, _ := m.Regularizers()
	prev := append([]float64(nil), sp.W()...)
	// What the check would measure if D_i did not change in a step (no motion), or, with
	// weight decay, if it changed without the decay's factor (μ = 0): the smaller of the two.
	var worst, still, noDecay float64
	for k := 0; k < steps; k++ {
		if stop != nil && stop() {
			return notTested(c, stoppedAt(k, steps, "steps"))
		}
		sp.Step()
		ls, gs := modelLayers(m, prev), grad(prev)
		worst = math.Max(worst, stepLawDeviation(ls, modelLayers(m, sp.W()), gs, lr, mu))
		still = math.Max(still, stepLawDeviation(ls, ls, gs, lr, mu))
		if mu != 0 {
			c0, sc := imbalances(ls)
			f := math.Abs(1 - (1-lr*mu)*(1-lr*mu))
			for i := range c0 {
				noDecay = math.Max(noDecay, f*mat.Norm(c0[i], 2)/sc[i])
			}
		}
		copy(prev, sp.W())
	}
	null, name := still, "no change of D_i in a step"
	if mu != 0 && noDecay < still {
		null, name = noDecay, "μ = 0"
	}
	tol := 16 * eps * float64(maxWidth(m.Widths()))
	return atMost(withNull(c, null, name), worst, tol, RoundOff, "16·ε·n_max relative to ‖W_{i+1}‖_F² + ‖W_i‖_F²")
}

// netSampledStep runs SGD or noisy GD on the Net of the widths and statistics (the lab's
// stepper on c's samples) and checks it by SampledStepLaw.
func netSampledStep(l *NetLab, c Check, nc NetCase, st flow.Stats, lr, mu float64, batch int, noise float64, w0 []float64, steps int, seed uint64) Check {
	net, err := flow.NewNet(nc.Widths, st, mu, 0)
	if err != nil {
		return notTested(c, err)
	}
	sp, err := l.stepper(discrete.NetProblem{Model: net, X: nc.Data.X, Y: nc.Data.Y, Noise: noise}, w0, &discrete.Settings{LR: lr, Batch: batch, Seed: seed})
	if err != nil {
		return notTested(c, err)
	}
	return sampledStepLaw(l.stopped, c, net, sp, lr, steps)
}

// SampledStepLaw checks steps steps of sp, a stepper on m with learning rate lr and weight
// decay μ (from m.Regularizers) whose every step is a gradient step of some function of the
// product W (SGD, noisy GD), plus the decay: every step's direction
// G = (w_k − w_{k+1})/λ − μw_k must satisfy W_{i+1}ᵀG_{i+1} = G_iW_iᵀ, the condition under
// which the cross terms of the imbalance update vanish. It needs nothing but the model
// interface: on the scalar network the condition is w_{i+1}g_{i+1} = w_ig_i. G carries the
// round-off of a difference of iterates, about ε·|w|/λ per entry; the bound is
// 16·ε·√m·n_max·(‖W‖_F(‖W‖_F/λ + ‖G‖_F)) summed over the two terms.
func SampledStepLaw(c Check, m flow.Layered, sp NetStepper, lr float64, steps int) Check {
	return sampledStepLaw(nil, c, m, sp, lr, steps)
}

// sampledStepLaw is SampledStepLaw; it checks stop (nil: never stop) before every step.
func sampledStepLaw(stop func() bool, c Check, m flow.Layered, sp NetStepper, lr float64, steps int) Check {
	mu, _ := m.Regularizers()
	prev := append([]float64(nil), sp.W()...)
	g := make([]float64, len(prev))
	// null: what a step that is not a gradient step of a function of W could show.
	var worst, null float64
	nmax := float64(maxWidth(m.Widths()))
	for k := 0; k < steps; k++ {
		if stop != nil && stop() {
			return notTested(c, stoppedAt(k, steps, "steps"))
		}
		sp.Step()
		for j := range g {
			g[j] = (prev[j]-sp.W()[j])/lr - mu*prev[j]
		}
		ls, gs := modelLayers(m, prev), modelLayers(m, g)
		for i := 0; i+1 < len(ls); i++ {
			var a, b mat.Dense
			a.Mul(ls[i+1].T(), gs[i+1])
			b.Mul(gs[i], ls[i].T())
			a.Sub(&a, &b)
			fa, fb := mat.Norm(ls[i+1], 2), mat.Norm(ls[i], 2)
			ga, gb := mat.Norm(gs[i+1], 2), mat.Norm(gs[i], 2)
			bound := 16 * eps * nmax * (fa*(fa/lr+ga) + fb*(fb/lr+gb))
			worst = math.Max(worst, mat.Norm(&a, 2)/bound)
			// A direction whose two terms do not cancel shows up to the larger of them.
			null = math.Max(null, math.Max(fa*ga, fb*gb)/bound)
		}
		copy(prev, sp.W())
	}
	return atMost(withNull(c, null, "a step whose cross terms do not cancel"), worst, 1, RoundOff, "ratio to 16·ε·n_max·Σ‖W‖_F(‖W‖_F/λ + ‖G‖_F), the round-off of G from a difference of iterates")
}

// netRidge is not generic: W* is a solve with the statistics Sxx and Syx, which a
// flow.Model does not expose. It integrates the expected-loss flow under input noise to
// t = T with DOP853 and compares the product W with the minimizer of ½tr(W(Sxx + σ²I)Wᵀ) − tr(WSyxᵀ), the ridge
// solution W* = Syx(Sxx + σ²I)⁻¹, computed by a linear solve (the matrix form of the scalar
// end point W = 1/(1 + σ²)). It applies where the widths can represent W* (rank W* ≤ the
// smallest width) and the flow has come to rest (else not tested); the tolerance, 10³·rtol
// relative, is a judgment above the integrator's error at rest.
func netRidge(l *NetLab, c Check, widths []int, st flow.Stats, sigma float64, w0 []float64, T, rtol float64) Check {
	net, err := flow.NewNet(widths, st, 0, sigma)
	if err != nil {
		return notTested(c, err)
	}
	res, err := flow.Integrate(l.flowOf(net), w0, T, &ode.Settings{Rtol: rtol, Atol: rtol / 100, MaxSteps: 1_000_000}, &ode.DOP853{})
	if err != nil {
		return notTested(c, fmt.Errorf("the integration did not finish: %v", err))
	}
	n0 := widths[0]
	a := mat.NewSymDense(n0, nil)
	a.CopySym(st.Sxx)
	for i := 0; i < n0; i++ {
		a.SetSym(i, i, a.At(i, i)+sigma*sigma)
	}
	// W* = Syx A⁻¹: solve A Xᵀ = Syxᵀ.
	var xt mat.Dense
	if err := xt.Solve(a, st.Syx.T()); err != nil {
		return notTested(c, fmt.Errorf("Sxx + σ²I is singular: %v", err))
	}
	// The flow must have come to rest: its own speed at t = T.
	f := l.flowOf(net)
	v := make([]float64, len(res.Y))
	f(v, T, res.Y)
	if sp, wn := floatsNorm(v), floatsNorm(res.Y); sp > 1e-9*wn {
		return notTested(c, fmt.Errorf("the flow still moves at t = %g (speed %.3g)", T, sp))
	}
	W, _, _ := netProducts(layersOf(widths, res.Y))
	var diff mat.Dense
	diff.Sub(W, xt.T())
	scale := mat.Norm(xt.T(), 2)
	// Under σ = 0 the flow would end at Syx Sxx⁻¹ (when Sxx is invertible).
	var x0 mat.Dense
	if err := x0.Solve(st.Sxx, st.Syx.T()); err == nil {
		var d0 mat.Dense
		d0.Sub(x0.T(), xt.T())
		c = withNull(c, mat.Norm(&d0, 2)/scale, "σ = 0")
	}
	return atMost(c, mat.Norm(&diff, 2)/scale, 1e3*rtol, Heuristic, fmt.Sprintf("10³·rtol relative to ‖W*‖_F, the flow at rest at t = %g (speed below 1e-9·‖w‖)", T))
}

func floatsNorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// netSharpness is SharpnessLaw on the Net of the widths and statistics, with the lab's
// oracle gradient of the loss.
func netSharpness(l *NetLab, c Check, widths []int, st flow.Stats, w []float64) Check {
	net, err := flow.NewNet(widths, st, 0, 0)
	if err != nil {
		return notTested(c, err)
	}
	flat := func(gs []*mat.Dense) []float64 {
		var v []float64
		for _, g := range gs {
			v = append(v, g.RawMatrix().Data...)
		}
		return v
	}
	return SharpnessLaw(c, net, w, func(w []float64) []float64 { return flat(l.gradient(widths, w, st.Sxx, st.Syx)) })
}

// SharpnessLaw compares the sharpness of m at w (m.Sharpness: Lanczos for flow.Net, the closed
// form or a dense eigen-decomposition for the scalar flow.Objective) with the top eigenvalue
// of a dense Hessian built by central differences of grad, an oracle of the gradient of the
// data loss L (flat, in m's layout) independent of m (h = 1e-5: truncation h²·|∇³L| and
// round-off ε·|∇L|/h, both about 1e-10 of the scale here; the tolerance 1e-7 of the largest
// |eigenvalue| is a judgment above them). It needs nothing of m but the interface; more than
// 400 parameters are not tested.
func SharpnessLaw(c Check, m flow.Layered, w []float64, grad func(w []float64) []float64) Check {
	n := len(w)
	if n > 400 {
		return notTested(c, fmt.Errorf("%d parameters: too many for a dense Hessian", n))
	}
	const h = 1e-5
	H := mat.NewSymDense(n, nil)
	wp := append([]float64(nil), w...)
	cols := make([][]float64, n)
	for j := 0; j < n; j++ {
		wp[j] = w[j] + h
		gp := grad(wp)
		wp[j] = w[j] - h
		gm := grad(wp)
		wp[j] = w[j]
		cols[j] = make([]float64, n)
		for i := range gp {
			cols[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			H.SetSym(i, j, 0.5*(cols[j][i]+cols[i][j]))
		}
	}
	var es mat.EigenSym
	if !es.Factorize(H, false) {
		return notTested(c, fmt.Errorf("no eigenvalues of the dense Hessian"))
	}
	v := es.Values(nil)
	want := v[len(v)-1]
	norm := math.Max(math.Abs(v[0]), math.Abs(want))
	got := m.Sharpness(w)
	return within(c, got, want, 1e-7*norm, Heuristic, "1e-7 of the largest |eigenvalue|, above the central differences' error")
}

// sampling says how a stochastic run samples: "batch 10" for SGD, "full batch, input noise
// σ=0.3" for noisy GD (batch 0 and a noise σ > 0).
func sampling(batch int, noise float64) string {
	s := batchName(batch)
	if noise > 0 {
		s += fmt.Sprintf(", input noise σ=%g", noise)
	}
	return s
}
