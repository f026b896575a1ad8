// Package flow models the training of scalar deep linear networks y = w_1⋯w_d·x as a
// dynamical system, following MATH.md and Ginsburg, "On regularization of gradient descent,
// layer imbalance and flat minima" (arXiv 2007.09286, 2020).
//
// It holds the objectives (loss, weight decay, expected loss under input noise), their
// gradients, Hessians and sharpness, the layer imbalance D_ij = w_i² − w_j², the gradient
// flows ẇ = −∇F and the modified equation of gradient descent,
//
//	ẇ = −∇(F + (λ/4)‖∇F‖²) = −(∇F + (λ/2)∇²F·∇F)      (Barrett & Dherin 2021),
//
// the datasets, and the Trajectory type shared by continuous and discrete runs. The ODE
// integrators live in the sub-package ode.
package flow
