// Package flow models the training of deep linear networks as a dynamical system, after
// Ginsburg, "On regularization of gradient descent, layer imbalance and flat minima" (2020).
//
// It holds the objectives (loss, weight decay, expected loss under input noise), their
// gradients, Hessians and sharpness, the layer imbalance, the gradient flows ẇ = −∇F, the
// modified equation of gradient descent and the stochastic modified equation of SGD, the
// datasets, and the Trajectory type shared by continuous and discrete runs. The ODE
// integrators live in the sub-package ode. The laws below are the closed forms the tests and
// the checks of package analysis compare with.
//
// Both networks implement one interface: Model (one flat parameter vector: loss, objective,
// gradient, Hessian-vector product, pair imbalances, sharpness, the flow), Layered (the layer
// view: W_i, D_i, the product W, the regularizers) and Sampled (the gradient of a batch of
// samples, for SGD and fresh input noise). Objective is the scalar network with its closed
// forms (Objective.Sampled gives its batch gradient), Net the network of matrix layers; the
// integrators, the discrete methods, the run dispatcher of package analysis, its checks and
// portraits work on the interface.
//
// # The model
//
// Data are scalar pairs (x_k, y_k), k = 1…N, normalized so that mean x² = 1 and mean x·y = 1;
// the least-squares fit of y ≈ w·x is then w = 1. The network is y = w_1⋯w_d·x, depth d ≥ 2.
// With W = ∏ w_i and e = W − 1,
//
//	L(w) = (1/2N) Σ_k (W x_k − y_k)² = ½e² + c,    c = ½(mean y² − 1) ≥ 0,
//	∂L/∂w_i = e·g_i,                               g_i = ∏_{j≠i} w_j (a product, never W/w_i),
//	H_ij = g_i g_j + e·∏_{k≠i,j} w_k (i ≠ j),      H_ii = g_i².
//
// The minima form the manifold W = 1, where H = g gᵀ has one non-zero eigenvalue, the
// sharpness S = Σ g_i² = Σ 1/w_i². The origin is a saddle. Off the manifold H has full rank
// and its top eigenvalue is not its trace.
//
// # Imbalance and flatness
//
// The imbalance of layers i and j is D_ij = w_i² − w_j²; ‖D‖ = max |D_ij| = max w_i² − min w_i².
// For d = 2 on the manifold, S = w_1² + w_2² = √(D² + 4). For any d, with a_i = w_i² the
// adjacent imbalances fix a_{i+1} = a_i − D_{i,i+1}, and ∏ a_i = 1 fixes a_1: S = Σ 1/a_i is a
// function of D, smallest (S = d) at the balanced minima |w_i| = 1. Small imbalance is a flat
// minimum.
//
// # Gradient flows
//
// Along ẇ = −∇F:
//
//	F = L:                      d(w_i²)/dt = −2eW for every i, so every D_ij is conserved; for
//	                            d = 2 the flow ends at w_1² = (D + √(D² + 4))/2,
//	                            w_2² = (−D + √(D² + 4))/2
//	F = L + (μ/2)‖w‖²:          dD_ij/dt = −2μ D_ij, D_ij(t) = D_ij(0)e^{−2μt}; the flow ends at
//	                            a balanced minimum, w_i² = s with s^{d/2−1}(1 − s^{d/2}) = μ
//	                            (s = 1 − μ for d = 2; for d ≥ 3 the origin is a minimum too)
//	F = ½e² + ½σ²W² + c:        the expected loss under input noise x → x + ε, ε ~ N(0, σ²);
//	                            a function of W alone, so D is conserved; the flow ends at
//	                            W = 1/(1 + σ²)
//
// In continuous time noise augmentation of the expected loss does not shrink the imbalance:
// its effect lives in the discreteness and the sampling of the updates.
//
// # Discrete steps
//
// A step w ← w − λ(ρ·g + μw), with ρ the step's mean residual-input product (ρ = e for
// full-batch GD on normalized data; ρ = mean_{k∈B} (W x̃_k − y_k)x̃_k for a mini-batch B or for
// inputs with fresh noise x̃ = x + ε), changes every imbalance by a factor, exactly:
//
//	D_ij ← D_ij·((1 − λμ)² − λ²ρ²P²),    P = ∏_{k≠i,j} w_k (P = 1 for d = 2).
//
// Plain GD shrinks D only while the gradient is non-zero, at second order in λ per step, and
// stops at the manifold. SGD and noisy GD keep ρ ≠ 0 at a minimum of the full loss and keep
// shrinking D, at the rate λ²P²E[ρ²] per step in expectation — unless the data are fitted
// exactly (y = x): then every batch residual vanishes at W = 1 and SGD freezes D. GD settles at
// a minimum only if λ < 2/S there (for d = 2: |D| < 2√(1/λ² − 1); no minimum is stable once
// λ ≥ 2/d).
//
// # Continuous models of the discrete methods
//
// GD with step λ follows the modified flow ẇ = −∇(F + (λ/4)‖∇F‖²) = −(∇F + (λ/2)∇²F·∇F) to
// O(λ²) per unit time, the plain flow only to O(λ) (Barrett & Dherin 2021); for d = 2 it
// gives dD/dt = −λe²D. SGD with batch B follows the stochastic modified equation (Li, Tai &
// E 2017) dw = −∇L dt + √(λ·v_B) g dB_t, where the per-sample gradient is q_k·g with
// q_k = W x_k² − y_k x_k and v_B = (N − B)/(B(N − 1))·Var_k(q_k) is the variance of a batch
// mean: its Itô term makes E[D] decay at λ·v_B per unit time for d = 2.
//
// # Matrix layers
//
// Data X (N × n_0) and Y (N × n_d); the network W = W_d⋯W_1 with W_i of size n_i × n_{i−1}
// (Net; the parameters are one vector, layer 1 first, each layer row-major). The squared loss
// depends on the data only through the sufficient statistics Sxx = XᵀX/N, Syx = YᵀX/N and
// Syy = mean ‖y‖² (Stats):
//
//	L = ½ mean ‖W x − y‖² = ½ tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½ Syy,   ∇_W L = W Sxx − Syx.
//
// Input noise x → x + ε, ε ~ N(0, σ²I), adds its expectation ½σ²‖W‖_F² (the cross terms vanish,
// E[εεᵀ] = σ²I), a function of W alone; weight decay adds (μ/2)Σ‖W_i‖_F². With E = W(Sxx + σ²I)
// − Syx, S_i = W_d⋯W_{i+1} and R_i = E W_1ᵀ⋯W_iᵀ, the gradient of layer i is
//
//	G_i = S_iᵀ R_{i−1} + μW_i,
//
// computed from products with n_d rows: a full-batch step costs O(n_d Σ n_i n_{i−1} + n_d n_0²)
// whatever N. A mini-batch B replaces E by (1/|B|) Σ_{k∈B} (W x_k − y_k) x_kᵀ. The Hessian-vector
// product differentiates these products along V (dS_{i−1} = dS_i W_i + S_i V_i,
// dR_i = dR_{i−1}W_iᵀ + R_{i−1}V_iᵀ, dE = dS_0(Sxx + σ²I)), exactly; the sharpness, the top
// eigenvalue of ∇²L, comes from the Lanczos iteration on it. Off the manifold of minima the
// Hessian has full rank, and its trace is not the top eigenvalue.
//
// The imbalance of layers i and i + 1 is the n_i × n_i matrix D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ.
// For any loss of the product, W_{i+1}ᵀ G_{i+1} = G_i W_iᵀ (both are S_iᵀR_i), so:
//
//	flow:                    dD_i/dt = 0, with weight decay dD_i/dt = −2μD_i, D_i(t) = e^{−2μt}D_i(0)
//	a step of GD or SGD:     D_i ← (1 − λμ)²D_i + λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ)
//
// with G the step's loss gradient (of the full batch, of a mini-batch, or of inputs with fresh
// noise: each is a function of W). For n_i = 1, D_i = w_{i+1}² − w_i² = −D_{i,i+1} and these are
// the scalar laws above. Balanced starts (Init) put W_i = U_i Σ U_{i−1}ᵀ with orthonormal U_i
// and one Σ for all layers, so that every D_i = U_i(Σ² − Σ²)U_iᵀ = 0; a start with
// Σ_i² = (s² + (i−1)δ)I has D_i = δU_iU_iᵀ exactly.
package flow
