// Package discrete runs the discrete training methods on the scalar deep linear network of
// package flow: gradient descent (GD), GD with weight decay, GD on inputs with fresh Gaussian
// noise, and mini-batch stochastic gradient descent (SGD), alone or with noise.
//
// One step with learning rate λ and weight decay μ is
//
//	w_i ← w_i − λ(ρ·g_i + μ·w_i),       g_i = ∏_{j≠i} w_j,
//	ρ   = mean_{k∈B} r_k·x̃_k,           r_k = W·x̃_k − y_k,  x̃_k = x_k + σ·ε_k,
//
// with W = ∏ w_i, B the batch (all samples for full batch), and ε_k ~ N(0, 1) drawn afresh
// for every sample of every step when σ > 0. Without data, the population loss ½(W − 1)² + C
// gives ρ = e = W − 1. The noise enters only by sampling: the σ²W term of the expected loss
// (flow.Objective.Gradient) is not used, since the point of these methods is to compare
// discrete, sampled noise with its continuous expectation. For the noiseless full batch
// ρ = W·mean(x²) − mean(x·y), with both means computed once, so a GD step costs O(d).
//
// Writing D_ij = w_i² − w_j² and P = ∏_{k≠i,j} w_k (P = 1 for d = 2), every such step scales
// the imbalance exactly by one factor (package flow, Discrete steps):
//
//	D_ij ← D_ij · ((1 − λμ)² − λ²ρ²P²).
//
// For plain GD ρ = e, so the imbalance shrinks only while the loss gradient is non-zero
// and stops at the manifold of minima W = 1; with weight decay it keeps shrinking by
// (1 − λμ)²; with SGD or input noise ρ stays non-zero at a minimum of the full loss, and the
// imbalance keeps shrinking as under noise regularization (unless the data are fitted
// exactly, y = x, when every batch residual vanishes at W = 1). Result.Rho records ρ of
// every step so that the law can be checked step by step.
//
// Mini-batches are drawn without replacement within an epoch: at the start of each epoch
// the sample indices are reshuffled (Fisher–Yates) and cut into consecutive batches; when
// the batch size does not divide the sample count, the last batch of an epoch is smaller.
// All randomness (the shuffles, then the input noise of each batch in batch order) comes
// from one generator, rand.New(rand.NewPCG(Seed, Seed)) of math/rand/v2, so a run is
// reproducible bit for bit from its seed.
//
// Stability (package flow, Discrete steps): GD settles at a minimum only if λ < 2/S there, S the sharpness.
// Started above that bound GD escapes to a flatter minimum, oscillates or diverges. Run
// stops a run whose weights leave the bound |w_i| ≤ Settings.Bound or become non-finite
// and reports it as Diverged, so a trajectory never holds NaN or Inf.
//
// Iterate k of a run sits at time t = k·λ in the returned flow.Trajectory, so that discrete
// and continuous trajectories can be compared on one time axis.
//
// Errors: settings a user can get wrong (learning rate, step count, batch size, initial
// weights, the objective) are returned as errors that name the value. Programmer misuse,
// such as calling Step on a Stepper not made by NewStepper, panics with a message starting
// with "discrete:".
package discrete
