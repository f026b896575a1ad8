// Package ode integrates initial value problems ẏ = f(t, y) with adaptive Runge–Kutta
// methods of the quality of Hairer's Fortran codes, independent of any application.
//
// Integrate is the driver: it owns the PI step-size controller (Hairer, Nørsett & Wanner,
// Solving Ordinary Differential Equations I, §II.4), the initial step heuristic HINIT, the
// exact landing on the end time, the dense output at requested times, the events, the
// per-step observer, the stiffness test and the statistics. A Method only proposes steps:
//
//   - DOPRI5: Dormand & Prince (1980), order 5(4), first-same-as-last, Shampine's free
//     4th-order dense output (Hairer's DOPRI5);
//   - DOP853: Dormand & Prince 8(5,3) (Prince & Dormand 1981; Hairer's DOP853), with the
//     7th-order dense output at three extra evaluations per step, made only where needed;
//   - GaussLegendre: 2-stage Gauss–Legendre collocation (order 4), implicit, which conserves
//     quadratic invariants to round-off: the reference for conservation checks.
//
// The error norm of a step with start y and proposal y1 is Hairer's
//
//	sk_i = atol_i + rtol_i · max(|y_i|, |y1_i|)
//	err  = sqrt( (1/n) · Σ_i (e_i / sk_i)² )          accept when err ≤ 1
//
// and the new step is
//
//	h_new = h · min(fac2, max(fac1, safe · err^(−expo1) · facold^β)),  expo1 = 1/q − w·β,
//
// with facold the error of the last accepted step, no growth right after a rejection, and
// Hairer's constants by default. Events are located by sampling the event function on the
// dense output at Settings.EventSamples points inside every step, so that two sign changes
// in one step are both found, then by the Illinois method on the interpolant.
//
// DOP853's 7th-order dense output costs three evaluations, so Integrate builds it only for
// the steps that hold an output time or where an event function, sampled on the free cubic
// Hermite interpolant of the step, may change sign: a run without either makes Hairer's
// evaluation count. An event that can take f(t, y) from the caller (Event.FuncDy) costs less:
// its value at the end of a step comes from the method's own evaluation there, and a step
// whose values on the Hermite interpolant stay clear of zero on one side is not sampled inside.
//
// Nothing here allocates per step: the buffers, the output storage included, are sized once
// per integration, and a Workspace keeps them from one integration to the next, so that
// repeated solves allocate nothing at all.
package ode
