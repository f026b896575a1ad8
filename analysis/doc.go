// Package analysis measures what the theory claims about training trajectories:
// layer imbalance, loss and sharpness along a path; conservation audits that know the
// integrator's own error; decay-rate fits; the exact per-step laws of gradient descent; the
// boundary between the optimization and the regularization phase; and the distance between
// discrete iterates and the continuous flows; and the claims that `layerflow reproduce` checks.
//
// # Checked numerically
//
// A conserved quantity computed from an integrator drifts by the integrator's error. "D is
// conserved" is supported when the drift falls with the tolerance (about in proportion to rtol)
// and stays at round-off under Gauss–Legendre collocation, which keeps every quadratic
// invariant exactly. "D decays at 2μ" is supported when the fitted rate matches 2μ within the
// accuracy the integrator promises (each accepted step moves a state by at most
// atol + rtol·|y|, carried through the least-squares fit). A discrete law is checked step by
// step against its closed form, to round-off, with every input recomputed from the iterates
// and the data rather than taken from the stepper. A law in expectation is checked against the
// standard error of a mean over seeds.
//
// # Checks and verdicts
//
// A Check compares a measurement m with a prediction p by a Relation (|m − p| ≤ tol, m ≤ tol,
// m ≥ tol, or |m − p| > tol for things that must differ) and gives a Verdict: Pass, Fail,
// NotTested when the experiment could not run (a diverged run, an end point the flow cannot
// reach from the start given), or Unresolved when the check could not have failed: where a
// check knows its null (the value of its measurement without the effect under test: μ = 0,
// σ = 0, no motion), it passes only if the null would fail the same test, and a statistical
// check whose measurement, prediction and tolerance are all 0 never passes. Its Source says where the tolerance comes from: Exact,
// RoundOff, Integrator, StdErr or Heuristic (a judgment call, said so). Its Margin is the
// share of the tolerance used. The statistical checks of one run are corrected together by
// Holm's step-down procedure (Correct) at family-wise level FamilyAlpha = 0.001, with
// Student-t quantiles: correct code fails any of them with probability at most 0.001.
//
// # Claims
//
// The claims are a table (Claims): each has a number, a statement, what its checks measure and,
// where the theory says an effect must be absent, a control inside the claim that must be
// reported as such (the two phases at μ comparable to the curvature; plain GD against noise;
// SGD against noisy GD on data fitted exactly). Every check compares the science under test —
// a Lab of flows, steppers, sharpness, the SME, the phase detectors, the integrators and the
// data generator — with oracles written from the mathematics; the tests feed the claims wrong
// Labs (negative controls) and see every check fail under one of them.
//
// # Runs and comparisons
//
// Stream is the one run dispatcher: a method (the flow, the modified flow, GD, noisy GD, SGD),
// a model (the scalar network with its closed forms, or any flow.Model, such as a network of
// matrix layers; its sampled methods need a flow.Sampled), a start, a horizon and a solver in;
// the points handed to a Keep function as they are made, within a budget, and a typed outcome
// (flow.End, the integrator's or the stepper's result, λ) out. Run is Stream keeping every
// point. CompareStream runs GD, both flows and the flows' reference solves (tolerances a hundred
// times tighter, whose distance estimates the flows' errors) side by side through Stream, so
// that a comparison of any length holds five states: by backward error analysis GD at step λ
// stays O(λ) from the gradient flow and O(λ²) from the modified flow over a fixed horizon, which
// the tests check on matrix layers.
//
// # Matrix layers
//
// For networks of matrix layers (NetLaws, claim 11) the same laws are checked on the imbalance
// matrices D_i: conservation by the flow of the loss and of the expected loss under input
// noise with Gauss–Legendre (fixed-point iteration, to round-off: at most 16·ε·n_max per step
// relative to ‖W_{i+1}‖_F² + ‖W_i‖_F²); D_i(t) = e^{−2μt}D_i(0) under weight decay with DOP853,
// within a bound carried from atol + rtol·max|w| per step and weight; GD's exact matrix step
// with G from an oracle written with gonum's products; and for SGD and noisy GD, whose batch
// or noise the oracle cannot replay, the identity W_{i+1}ᵀG_{i+1} = G_iW_iᵀ for the step's own
// G = (w_k − w_{k+1})/λ − μw_k, which is what makes the law hold, to the round-off of G.
// MeasureNet records a run without its weights: the loss, ‖D_i‖_F and ‖D_i‖_2, the top
// singular values of W and the Lanczos sharpness.
//
// # Phases
//
// The gradient of the data loss is normal to the level sets of the product W = ∏ w_i
// (∇L = e·g with g = ∇W), so a step or a velocity v splits into a normal part, along
// ĝ = g/|g|, which changes W and hence the loss, and a tangential part, which moves along the
// level set W = const, towards or away from balance. The optimization phase is where the
// motion is mostly normal (|v_n| > |v_t|): the trajectory heads for the manifold of minima.
// The regularization phase is where it is mostly tangential (|v_t| ≥ |v_n|): the trajectory
// slides along the manifold towards the balanced region. The phase boundary t* is the start of
// the last stretch of the run in which |v_t| ≥ |v_n| holds throughout. Plain gradient flow of
// L, and of the expected loss under input noise, move only normally (their right-hand side
// is a multiple of g): they have no regularization phase (package flow, Gradient flows). For flows the
// sign of |v_t|² − |v_n|² is an event of the integration (PhaseEvent), so that t* is located
// on the dense output to the integrator's accuracy and does not move with the step grid
// (FlowPhase). Discrete runs, and trajectories alone, use displacements between kept points
// (Phases), over a window of iterates for SGD to average out its sampling noise.
package analysis
