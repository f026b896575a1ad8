// Package analysis measures what the theory of MATH.md claims about training trajectories:
// layer imbalance, loss and sharpness along a path; conservation audits that know the
// integrator's own error; decay-rate fits; the exact per-step laws of gradient descent; the
// boundary between the optimization and the regularization phase; and the distance between
// discrete iterates and the continuous flows.
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
// is a multiple of g): they have no regularization phase, as MATH.md §3 says. For flows the
// sign of |v_t|² − |v_n|² is an event of the integration (PhaseEvent), so that t* is located
// on the dense output to the integrator's accuracy and does not move with the step grid
// (FlowPhase). Discrete runs, and trajectories alone, use displacements between kept points
// (Phases), over a window of iterates for SGD to average out its sampling noise.
package analysis
