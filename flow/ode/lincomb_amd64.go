// The kernels are for builds that round every operation (GOAMD64 below v3, the default),
// whose Go loops they match to the bit; where the compiler may fuse multiply-adds, the
// methods keep their loops (lincomb_other.go).

//go:build !amd64.v3

package ode

//go:generate go run lincomb_gen.go

// lincomb is the stage combination of the explicit methods in SSE2 assembly
// (lincomb_amd64.s, written by lincomb_gen.go):
//
//	dst[i] = y[i] + h*(Σ_j c[2j]·k[j][i]),  i < n,
//
// the sum over j = 0..m−1 taken in that order, from 0 when zero is true, as the methods' Go
// loops take it: element by element the same operations in the same order, two elements per
// packed instruction, and so the same numbers to the bit. c holds each coefficient twice;
// 1 ≤ m ≤ 10 (the most is DOP853's 12th stage, 9).
//
//go:noescape
func lincomb(dst, y *float64, n int, h float64, c *float64, k **float64, m int, zero bool)

// haveLincomb is true where lincomb is assembly; elsewhere the methods keep their Go loops.
const haveLincomb = true

// d8err is the last loop of DOP853.Step with scalar tolerances on the elements 0..n−1, n even,
// in SSE2 assembly (d8err_amd64.s): it writes y1 and returns the sums of the squared scaled
// error estimates, with the operations of the Go loop in its order, element by element.
//
//go:noescape
func d8err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err5, err3 float64)

// dp5err is the error loop of DOPRI5.Step with scalar tolerances on the elements 0..n−1, n
// even, in SSE2 assembly (dp5err_amd64.s): the sum of the squared scaled error estimates, with
// the operations of the Go loop in its order, element by element.
//
//go:noescape
func dp5err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err float64)
