// Package portrait computes the data of a phase portrait of a gradient flow ẇ = −∇F(w)
// (flow.Objective) on a plane of weight space, the way pplane and XPPAUT draw one, but
// without drawing anything:
//
//   - the direction field on a grid (unit direction and speed |∇F|),
//   - the objective sampled on a grid (for a heat map or contours),
//   - the equilibria, found by Newton's method on ∇F from a grid of seeds, with the
//     eigenvalues and eigenvectors of the Jacobian J = −H of the flow and a type
//     (saddle, node, spiral, centre, degenerate),
//   - the separatrices of every saddle: seeds at the saddle ± ε along each eigenvector,
//     integrated forward in time (unstable manifold) and backward (stable manifold),
//   - the curves of minima W = W* and the level sets of the imbalance D = w_i² − w_j².
//
// For depth 2 the plane is the whole (w1, w2) space. For depth d ≥ 3 it is the slice in
// which the weights I and J vary and the others keep the values of a base point; the
// field, the equilibria and the separatrices then belong to the gradient flow of F
// restricted to that slice (the full flow leaves the slice, so a projected trajectory
// of the full system may cross the arrows).
//
// For a network with matrix layers (any flow.Layered: a flow.Net, or the scalar
// flow.Objective with its 1×1 layers, whose Coords plane of entries I, J has the field and F
// of the Plane of weights I, J) NetPortrait works on a NetPlane: either two
// entries of the flat parameter vector (Coords), with the field of −∇F and F itself on the
// slice through a base point in which only those two vary, or the top singular values
// σ₁(W_A), σ₁(W_B) of two layers (TopSingular), on which runs are projected and which has no
// field. On a Coords slice F is a polynomial of degree at most 2 in each coordinate, so
// NetSample draws it from 3 × 3 evaluations (see NetSample). On a TopSingular plane the
// balanced networks lie on the diagonal, and for adjacent layers the gradient flow stays in
// the band |σ₁(W_{i+1})² − σ₁(W_i)²| ≤ ‖D_i(0)‖₂ (NetPortrait.Band).
//
// Everything is returned as plain data with JSON tags (see Portrait), ready to be written
// to a file; the package analysis/plot draws it.
//
// Sources: the dynamics and the closed forms are those of package flow (The model and the
// manifold of minima W = 1, Imbalance and flatness, Gradient flows: the minima under weight
// decay w² = 1 − μ and under input noise W = 1/(1 + σ²)); the construction of the portrait
// follows pplane (J. Polking) and XPPAUT (B. Ermentrout, Simulating, Analyzing, and
// Animating Dynamical Systems, SIAM 2002, ch. 3); the classification by trace and
// determinant is that of Strogatz, Nonlinear Dynamics and Chaos, §5.2.
package portrait
